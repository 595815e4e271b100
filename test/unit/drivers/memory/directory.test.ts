import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { clampDirectoryLimit, matchRank } from "../../../../src/drivers/memory/directory.js";
import type { MatrixWorld } from "../../../../src/drivers/memory/index.js";
import { newWorld } from "./helpers.js";

const ME = "@me:example.org";

function ids(world: MatrixWorld, term: string, limit?: number): string[] {
  return world.searchUserDirectory(ME, term, limit).results.map((user) => user.userId);
}

function directoryWorld(): MatrixWorld {
  const world = newWorld();
  world.addUser({
    userId: "@alice:example.org",
    displayName: "Alice Smith",
    avatarUrl: "mxc://example.org/a",
  });
  world.addUser({ userId: "@alicia:example.org", displayName: "Alicia Rodríguez" });
  world.addUser({ userId: "@ali.hassan:example.org", displayName: "علي حسن" });
  world.addUser({ userId: "@bob:example.org", displayName: "Bob" });
  world.addUser({ userId: "@anna:example.org", displayName: "Анна Бойко" });
  world.addUser({ userId: "@sofia:example.org", displayName: "Σοφία Γεωργίου" });
  world.addUser({ userId: "@noa:example.org", displayName: "נועה כהן" });
  world.addUser({ userId: "@priya:example.org", displayName: "प्रिया शर्मा" });
  world.addUser({ userId: "@xiaoming:example.org", displayName: "王小明" });
  world.addUser({ userId: "@sakura:example.org", displayName: "佐藤 さくら" });
  world.addUser({ userId: "@minjun:example.org", displayName: "김민준" });
  world.addUser({ userId: "@zoe:example.org", displayName: "Zoë 🌈" });
  world.addUser({ userId: "@nameless:example.org" });
  return world;
}

describe("user directory matching", () => {
  it("matches the display name and the user ID case-insensitively", () => {
    const world = directoryWorld();
    for (const term of ["alice", "ALICE", "aLiCe", "Alice Smith", "SMITH"]) {
      expect(ids(world, term)).toContain("@alice:example.org");
    }
    expect(ids(world, "HASSAN")).toEqual(["@ali.hassan:example.org"]);
    expect(ids(world, "nameless")).toEqual(["@nameless:example.org"]);
  });

  it("matches word prefixes but not the middle of a word", () => {
    const world = directoryWorld();
    expect(ids(world, "ali")).toEqual([
      "@ali.hassan:example.org",
      "@alice:example.org",
      "@alicia:example.org",
    ]);
    expect(ids(world, "smi")).toEqual(["@alice:example.org"]);
    expect(ids(world, "lice")).toEqual([]);
    expect(ids(world, "mith")).toEqual([]);
  });

  it("requires every word of the term to match", () => {
    const world = directoryWorld();
    expect(ids(world, "alice smi")).toEqual(["@alice:example.org"]);
    expect(ids(world, "alice rodr")).toEqual([]);
  });

  it.each([
    ["анна", "@anna:example.org"],
    ["АННА", "@anna:example.org"],
    ["бой", "@anna:example.org"],
    ["ΣΟΦΊΑ", "@sofia:example.org"],
    ["נועה", "@noa:example.org"],
    ["علي", "@ali.hassan:example.org"],
    ["प्रिया", "@priya:example.org"],
    ["王", "@xiaoming:example.org"],
    ["小明", "@xiaoming:example.org"],
    ["さくら", "@sakura:example.org"],
    ["민준", "@minjun:example.org"],
    ["zoë", "@zoe:example.org"],
    ["ZOË", "@zoe:example.org"],
  ])("finds names in other scripts: %s", (term, userId) => {
    expect(ids(directoryWorld(), term)).toEqual([userId]);
  });

  it("normalises with NFKC, so full-width and decomposed forms match", () => {
    const world = directoryWorld();
    expect(ids(world, "ＡＬＩＣＥ")).toEqual(["@alice:example.org"]);
    expect(ids(world, "Zoe\u0308")).toEqual(["@zoe:example.org"]);
  });

  it("matches nobody for a term without letters or digits", () => {
    const world = directoryWorld();
    for (const term of ["", "   ", "!!!", "@:"]) {
      expect(world.searchUserDirectory(ME, term)).toEqual({ limited: false, results: [] });
    }
  });

  it("returns copies with the profile fields", () => {
    const world = directoryWorld();
    const { results } = world.searchUserDirectory(ME, "alice");
    expect(results[0]).toEqual({
      userId: "@alice:example.org",
      displayName: "Alice Smith",
      avatarUrl: "mxc://example.org/a",
    });
    if (results[0]) results[0].displayName = "Mallory";
    expect(world.getProfile("@alice:example.org")?.displayName).toBe("Alice Smith");
  });

  it("never matches a word that is not a prefix of any word (property)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 8 }), (term) => {
        const rank = matchRank({ userId: "@alice:example.org", displayName: "Alice Smith" }, term);
        const words =
          term
            .toLowerCase()
            .normalize("NFKC")
            .match(/[\p{L}\p{M}\p{N}_]+/gu) ?? [];
        const tokens = ["alice", "example", "org", "smith"];
        const expected = words.length > 0 && words.every((w) => tokens.some((t) => t.startsWith(w)));
        expect(rank !== undefined).toBe(expected);
      }),
    );
  });
});

describe("user directory ordering", () => {
  it("puts exact matches, then exact words, then whole-term prefixes, then word prefixes", () => {
    const world = newWorld();
    world.addUser({ userId: "@samantha.p:example.org", displayName: "Samantha Jones" });
    world.addUser({ userId: "@x.word:example.org", displayName: "Jones Samuel" });
    world.addUser({ userId: "@y.exactword:example.org", displayName: "Jones Sam" });
    world.addUser({ userId: "@sam:example.org" });
    expect(ids(world, "sam")).toEqual([
      "@sam:example.org",
      "@y.exactword:example.org",
      "@samantha.p:example.org",
      "@x.word:example.org",
    ]);
  });

  it("breaks ties by display name presence, then avatar presence, then user ID", () => {
    const world = newWorld();
    world.addUser({ userId: "@kim.c:example.org" });
    world.addUser({ userId: "@kim.b:example.org", displayName: "Kim B" });
    world.addUser({ userId: "@kim.a:example.org", displayName: "Kim A" });
    world.addUser({ userId: "@kim.d:example.org", displayName: "Kim D", avatarUrl: "mxc://example.org/d" });
    expect(ids(world, "kim")).toEqual([
      "@kim.d:example.org",
      "@kim.a:example.org",
      "@kim.b:example.org",
      "@kim.c:example.org",
    ]);
  });
});

describe("user directory limit", () => {
  function crowd(size: number): MatrixWorld {
    const world = newWorld();
    for (let i = 0; i < size; i++) {
      world.addUser({ userId: `@user${String(i).padStart(3, "0")}:example.org`, displayName: `User ${i}` });
    }
    return world;
  }

  it("defaults to 10 results and says when more exist", () => {
    const result = crowd(30).searchUserDirectory(ME, "user");
    expect(result.results).toHaveLength(10);
    expect(result.limited).toBe(true);
  });

  it("is not limited when every match fits", () => {
    expect(crowd(5).searchUserDirectory(ME, "user", 5)).toMatchObject({ limited: false });
    expect(crowd(5).searchUserDirectory(ME, "user", 5).results).toHaveLength(5);
    expect(crowd(4).searchUserDirectory(ME, "user", 5).results).toHaveLength(4);
  });

  it("clamps the limit to [0, 50]", () => {
    const world = crowd(80);
    expect(world.searchUserDirectory(ME, "user", 0)).toEqual({ limited: true, results: [] });
    expect(world.searchUserDirectory(ME, "user", -5)).toEqual({ limited: true, results: [] });
    expect(world.searchUserDirectory(ME, "user", 1000).results).toHaveLength(50);
    expect(world.searchUserDirectory(ME, "user", 1000).limited).toBe(true);
    expect(world.searchUserDirectory(ME, "user", 2.7).results).toHaveLength(2);
    expect(world.searchUserDirectory(ME, "user", Number.POSITIVE_INFINITY).results).toHaveLength(50);
    expect(world.searchUserDirectory(ME, "user", Number.NaN).results).toHaveLength(10);
  });

  it("clamps any number into [0, 50] (property)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer()), (limit) => {
        const clamped = clampDirectoryLimit(limit);
        expect(Number.isInteger(clamped)).toBe(true);
        expect(clamped).toBeGreaterThanOrEqual(0);
        expect(clamped).toBeLessThanOrEqual(50);
      }),
    );
  });
});

describe("user directory visibility", () => {
  function visibilityWorld(searchAllUsers: boolean): MatrixWorld {
    const world = newWorld({ searchAllUsers });
    world.addUser({ userId: "@stranger:example.org", displayName: "Stranger Test" });
    world.addUser({ userId: "@roommate:example.org", displayName: "Roommate Test" });
    world.addUser({ userId: "@public:example.org", displayName: "Public Test" });
    world.addUser({ userId: "@remote.shared:other.example", displayName: "Remote Shared Test" });
    world.addUser({ userId: "@remote.alone:other.example", displayName: "Remote Alone Test" });
    world.addUser({ userId: "@invited:example.org", displayName: "Invited Test" });
    world.setProfile(ME, { displayName: "Me Test" });
    const priv = world.createRoom({
      creator: ME,
      invite: ["@roommate:example.org", "@remote.shared:other.example"],
    });
    world.join(priv, "@roommate:example.org");
    world.join(priv, "@remote.shared:other.example");
    const other = world.createRoom({ creator: "@stranger:example.org", invite: ["@invited:example.org"] });
    expect(other).toBeDefined();
    world.createRoom({ creator: "@public:example.org", isPublic: true });
    return world;
  }

  it("finds every local user, plus remote users sharing a room, when searchAllUsers is on", () => {
    expect(ids(visibilityWorld(true), "test").sort()).toEqual([
      "@invited:example.org",
      "@public:example.org",
      "@remote.shared:other.example",
      "@roommate:example.org",
      "@stranger:example.org",
    ]);
  });

  it("finds only users sharing a room and public-room members when searchAllUsers is off", () => {
    expect(ids(visibilityWorld(false), "test").sort()).toEqual([
      "@public:example.org",
      "@remote.shared:other.example",
      "@roommate:example.org",
    ]);
  });

  it("never returns the searching user", () => {
    for (const searchAll of [true, false]) {
      const world = visibilityWorld(searchAll);
      world.createRoom({ creator: ME, isPublic: true });
      expect(ids(world, "me")).toEqual([]);
    }
  });

  it("defaults to searching all users", () => {
    expect(newWorld().searchAllUsers).toBe(true);
  });
});
