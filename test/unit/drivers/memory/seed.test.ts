import { describe, expect, it, vi } from "vitest";
import {
  DEMO_GENERATED_USERS,
  DEMO_OWN_USER_ID,
  MatrixWorld,
  MemoryDriver,
  seedDemoWorld,
} from "../../../../src/drivers/memory/index.js";
import { classifyAccountDataType, containsEncryptedSecret } from "../../../../src/matrix/account-data.js";
import { isValidUserId } from "../../../../src/matrix/identifiers.js";

const SCRIPTS: [string, RegExp][] = [
  ["Latin", /\p{Script=Latin}/u],
  ["Cyrillic", /\p{Script=Cyrillic}/u],
  ["Greek", /\p{Script=Greek}/u],
  ["Arabic", /\p{Script=Arabic}/u],
  ["Hebrew", /\p{Script=Hebrew}/u],
  ["Devanagari", /\p{Script=Devanagari}/u],
  ["Han", /\p{Script=Han}/u],
  ["Kana", /[\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ["Hangul", /\p{Script=Hangul}/u],
];

const world = seedDemoWorld();
const me = DEMO_OWN_USER_ID;

function roomByAlias(alias: string): string {
  const roomId = world.resolveAlias(alias);
  if (roomId === undefined) expect.fail(`missing ${alias}`);
  return roomId;
}

describe("seedDemoWorld determinism", () => {
  it("produces deep-equal worlds on every call", () => {
    expect(seedDemoWorld().snapshot()).toEqual(seedDemoWorld().snapshot());
    expect(seedDemoWorld().snapshot()).toEqual(world.snapshot());
  });

  it("never uses Math.random", () => {
    const spy = vi.spyOn(Math, "random").mockImplementation(() => {
      throw new Error("Math.random used");
    });
    try {
      expect(() => seedDemoWorld()).not.toThrow();
    } finally {
      spy.mockRestore();
    }
  });

  it("seeds a given world using its own user and server name", () => {
    const custom = seedDemoWorld(
      new MatrixWorld({ ownUserId: "@tester:test.local", serverName: "test.local" }),
    );
    expect(custom.getProfile("@tester:test.local")?.displayName).toBe("Me (playground)");
    expect(custom.resolveAlias("#lobby:test.local")).toBeDefined();
    expect(custom.hasUser("@alice:test.local")).toBe(true);
    expect(custom.viewedRoomId).toBe(custom.resolveAlias("#lobby:test.local"));
  });
});

describe("seedDemoWorld users", () => {
  const users = world.listUsers();

  it("has the signed-in user as 'Me (playground)'", () => {
    expect(world.ownUserId).toBe("@me:example.org");
    expect(world.getProfile(me)?.displayName).toBe("Me (playground)");
  });

  it("has at least 300 users with valid, unique IDs", () => {
    expect(users.length).toBeGreaterThanOrEqual(300);
    expect(users.length).toBeGreaterThanOrEqual(DEMO_GENERATED_USERS);
    expect(new Set(users.map((u) => u.userId)).size).toBe(users.length);
    for (const { userId } of users) expect(isValidUserId(userId, { historical: false })).toBe(true);
  });

  it("has display names in at least six scripts, each used by several users", () => {
    const counts = SCRIPTS.map(([name, pattern]) => ({
      name,
      users: users.filter((u) => u.displayName !== undefined && pattern.test(u.displayName)).length,
    }));
    const wellUsed = counts.filter((c) => c.users >= 5);
    expect(wellUsed.length, JSON.stringify(counts)).toBeGreaterThanOrEqual(6);
    expect(
      counts.every((c) => c.users > 0),
      JSON.stringify(counts),
    ).toBe(true);
  });

  it("has diacritics, emoji, missing display names and missing avatars", () => {
    expect(users.some((u) => /[À-ž]/u.test(u.displayName ?? ""))).toBe(true);
    expect(
      users.filter((u) => /\p{Extended_Pictographic}/u.test(u.displayName ?? "")).length,
    ).toBeGreaterThan(5);
    expect(users.some((u) => u.displayName === undefined)).toBe(true);
    expect(users.some((u) => u.avatarUrl === undefined)).toBe(true);
    expect(users.filter((u) => u.avatarUrl?.startsWith("mxc://")).length).toBeGreaterThan(50);
  });

  it("makes the directory answer in several scripts", () => {
    for (const term of ["ali", "анна", "王", "さくら", "민준", "प्रिया"]) {
      expect(world.searchUserDirectory(me, term).results.length, term).toBeGreaterThan(0);
    }
  });
});

describe("seedDemoWorld rooms", () => {
  const aliases = ["#lobby", "#widgets", "#random", "#announcements", "#design", "#book-club", "#staff"].map(
    (a) => `${a}:example.org`,
  );

  it("has named rooms with topics and aliases", () => {
    expect(world.listRoomIds().length).toBeGreaterThanOrEqual(6);
    for (const alias of aliases) {
      const room = world.getRoom(roomByAlias(alias));
      expect(room?.name, alias).toBeTruthy();
      expect(room?.topic, alias).toBeTruthy();
      expect(room?.canonicalAlias).toBe(alias);
    }
  });

  it("has history with text, notices, emotes and images with mxc URLs", () => {
    const messages = world
      .listRoomIds()
      .flatMap((roomId) => world.timeline(roomId).filter((event) => event.type === "m.room.message"));
    const msgtypes = new Set(messages.map((event) => event.content["msgtype"]));
    expect([...msgtypes].sort()).toEqual(["m.emote", "m.image", "m.notice", "m.text"]);
    for (const image of messages.filter((event) => event.content["msgtype"] === "m.image")) {
      expect(image.content["url"]).toMatch(/^mxc:\/\/example\.org\/\w+$/);
    }
    for (const alias of ["#lobby:example.org", "#widgets:example.org", "#design:example.org"]) {
      const count = world.timeline(roomByAlias(alias)).filter((e) => e.type === "m.room.message").length;
      expect(count, alias).toBeGreaterThanOrEqual(24);
    }
  });

  it("has timestamps that increase along each timeline", () => {
    for (const roomId of world.listRoomIds()) {
      const times = world.timeline(roomId).map((event) => event.origin_server_ts);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    }
  });

  it("mixes joined, public-not-joined, invited and inaccessible rooms", () => {
    expect(world.membership(roomByAlias("#lobby:example.org"), me)).toBe("join");
    expect(world.membership(roomByAlias("#design:example.org"), me)).toBe("join");
    const random = world.getRoom(roomByAlias("#random:example.org"));
    expect(random?.isPublic).toBe(true);
    expect(world.membership(roomByAlias("#random:example.org"), me)).toBeUndefined();
    expect(world.getRoom(roomByAlias("#announcements:example.org"))?.historyVisibility).toBe(
      "world_readable",
    );
    expect(world.membership(roomByAlias("#book-club:example.org"), me)).toBe("invite");
    expect(world.membership(roomByAlias("#staff:example.org"), me)).toBeUndefined();
    expect(world.getRoom(roomByAlias("#staff:example.org"))?.isPublic).toBe(false);
  });

  it("lets a host ask before navigating to a public room the user has not joined", async () => {
    const driver = new MemoryDriver(seedDemoWorld());
    expect(
      await driver.resolveNavigationTarget({ type: "room", room: "#random:example.org", via: [] }),
    ).toMatchObject({
      kind: "room",
      joined: false,
    });
  });

  it("views the lobby", () => {
    expect(world.viewedRoomId).toBe(roomByAlias("#lobby:example.org"));
  });

  it("lets the signed-in user add a widget to the lobby's state, as the playground's form does", () => {
    const seeded = seedDemoWorld();
    const lobby = seeded.resolveAlias("#lobby:example.org")!;
    const sent = seeded.sendEvent(lobby, me, {
      type: "im.vector.modular.widgets",
      state_key: "playground_test",
      content: { type: "m.custom", url: "https://example.org/widget", name: "Test" },
    });
    expect(seeded.getStateEvent(lobby, "im.vector.modular.widgets", "playground_test")).toEqual(sent);
  });
});

describe("seedDemoWorld account data", () => {
  it("lists a direct-message room with Alice in m.direct", () => {
    const direct = world.getAccountData(me, "m.direct");
    const rooms = direct?.["@alice:example.org"];
    expect(Array.isArray(rooms) && rooms.length === 1).toBe(true);
    const dm = (rooms as string[])[0] ?? "";
    expect(world.getRoom(dm)?.joinedMembers.sort()).toEqual(["@alice:example.org", me]);
    expect(world.getStateEvent(dm, "m.room.member", "@alice:example.org")).toBeDefined();
    expect(
      world.timeline(dm).some((e) => e.type === "m.room.member" && e.content["is_direct"] === true),
    ).toBe(true);
  });

  it("has the image packs, with shortcodes and mxc URLs, and the rooms they come from", () => {
    const pack = world.getAccountData(me, "m.image_pack");
    const images = pack?.["images"] as Record<string, { url: string }>;
    expect(Object.keys(images).length).toBeGreaterThanOrEqual(3);
    for (const image of Object.values(images)) expect(image.url).toMatch(/^mxc:\/\//);
    expect(world.getAccountData(me, "im.ponies.user_emotes")?.["images"]).toBeDefined();
    const lobby = roomByAlias("#lobby:example.org");
    expect(world.getAccountData(me, "m.image_pack.rooms")).toMatchObject({ rooms: { [lobby]: { "": {} } } });
    expect(world.getAccountData(me, "im.ponies.emote_rooms")).toMatchObject({
      rooms: { [lobby]: { "": {} } },
    });
    expect(world.getState(lobby, "m.image_pack")).toMatchObject({ images: expect.any(Object) });
  });

  it("has push rules and an ignored-user list", () => {
    expect(world.getAccountData(me, "m.push_rules")).toMatchObject({
      global: { override: expect.any(Array) },
    });
    expect(world.getAccountData(me, "m.ignored_user_list")).toEqual({
      ignored_users: { "@spammer:example.org": {} },
    });
  });

  it("has secret-storage data shaped like the real thing, all classified as never exposed", () => {
    expect(world.getAccountData(me, "m.secret_storage.default_key")).toEqual({ key: "abc" });
    expect(world.getAccountData(me, "m.secret_storage.key.abc")).toMatchObject({
      algorithm: "m.secret_storage.v1.aes-hmac-sha2",
      passphrase: { algorithm: "m.pbkdf2", iterations: expect.any(Number), salt: expect.any(String) },
      iv: expect.stringMatching(/^[A-Za-z0-9+/]{22}$/),
      mac: expect.stringMatching(/^[A-Za-z0-9+/]{43}$/),
    });
    const master = world.getAccountData(me, "m.cross_signing.master");
    expect(containsEncryptedSecret(master)).toBe(true);
    expect(master).toMatchObject({
      encrypted: { abc: { iv: expect.any(String), ciphertext: expect.any(String) } },
    });
    const secretTypes = world
      .accountDataTypes(me)
      .filter((type) => classifyAccountDataType(type) === "never");
    expect(secretTypes.sort()).toEqual([
      "m.cross_signing.master",
      "m.cross_signing.self_signing",
      "m.cross_signing.user_signing",
      "m.megolm_backup.v1",
      "m.secret_storage.default_key",
      "m.secret_storage.key.abc",
    ]);
  });
});
