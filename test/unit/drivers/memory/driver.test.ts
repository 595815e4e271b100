import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigErrorCode, WidgetKitConfigError } from "../../../../src/core/config-error.js";
import type { WidgetDriver } from "../../../../src/host/driver.js";
import { HomeserverError } from "../../../../src/host/matrix-error.js";
import { MemoryDriver, type MatrixWorld } from "../../../../src/drivers/memory/index.js";
import { expectRejection, newWorld } from "./helpers.js";

const ME = "@me:example.org";
const ALICE = "@alice:example.org";
const BOB = "@bob:example.org";
const CAROL = "@carol:example.org";

interface Fixture {
  world: MatrixWorld;
  driver: MemoryDriver;
  lobby: string;
  privateRoom: string;
  outside: string;
}

function setup(): Fixture {
  const world = newWorld();
  world.setProfile(ME, { displayName: "Me" });
  world.addUser({ userId: ALICE, displayName: "Alice", avatarUrl: "mxc://example.org/alice" });
  world.addUser({ userId: BOB, displayName: "Bob" });
  world.addUser({ userId: CAROL });
  const lobby = world.createRoom({ creator: ALICE, alias: "lobby", isPublic: true });
  world.join(lobby, ME);
  const privateRoom = world.createRoom({ creator: ME, alias: "private" });
  const outside = world.createRoom({ creator: BOB, alias: "outside", isPublic: true });
  return { world, driver: new MemoryDriver(world), lobby, privateRoom, outside };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("MemoryDriver as a WidgetDriver", () => {
  it("implements every WidgetDriver operation", () => {
    const driver: WidgetDriver = setup().driver;
    const operations: (keyof WidgetDriver)[] = [
      "searchUserDirectory",
      "getProfile",
      "readAccountData",
      "watchAccountData",
      "navigate",
      "inviteUsers",
      "createDirectMessage",
    ];
    for (const operation of operations) expect(typeof driver[operation]).toBe("function");
  });

  it("searches the directory as the signed-in user", async () => {
    const { driver } = setup();
    expect(await driver.searchUserDirectory("ALI", undefined)).toEqual({
      limited: false,
      results: [{ userId: ALICE, displayName: "Alice", avatarUrl: "mxc://example.org/alice" }],
    });
    expect(await driver.searchUserDirectory("me", 10)).toEqual({ limited: false, results: [] });
  });
});

describe("MemoryDriver.getProfile", () => {
  it("returns the display name and avatar, leaving out unset fields", async () => {
    const { driver } = setup();
    expect(await driver.getProfile(ALICE)).toEqual({
      displayName: "Alice",
      avatarUrl: "mxc://example.org/alice",
    });
    expect(await driver.getProfile(CAROL)).toEqual({});
  });

  it("rejects unknown users with a 404 M_NOT_FOUND HomeserverError", async () => {
    const { driver } = setup();
    const error = await expectRejection(driver.getProfile("@ghost:example.org"), 404, "M_NOT_FOUND");
    expect(error.details.error).toBe("Profile not found");
    expect(error.toMatrixApiError().response).toEqual({ errcode: "M_NOT_FOUND", error: "Profile not found" });
  });
});

describe("MemoryDriver account data", () => {
  it("reads the signed-in user's global account data, undefined when unset", async () => {
    const { world, driver } = setup();
    expect(await driver.readAccountData("m.image_pack")).toBeUndefined();
    world.setAccountData(ME, "m.image_pack", { images: {} });
    world.setAccountData(ALICE, "org.example.alice_only", { secret: true });
    expect(await driver.readAccountData("m.image_pack")).toEqual({ images: {} });
    expect(await driver.readAccountData("org.example.alice_only")).toBeUndefined();
  });

  it("does not fall back to room account data", async () => {
    const { world, driver, lobby } = setup();
    world.setRoomAccountData(ME, lobby, "m.tag", { tags: {} });
    expect(await driver.readAccountData("m.tag")).toBeUndefined();
  });

  it("returns a copy: mutating it does not change the world", async () => {
    const { world, driver } = setup();
    world.setAccountData(ME, "org.example.settings", { theme: "dark", list: [1] });
    const read = await driver.readAccountData("org.example.settings");
    if (read === undefined) expect.fail("expected account data");
    read["theme"] = "light";
    (read["list"] as number[]).push(2);
    expect(await driver.readAccountData("org.example.settings")).toEqual({ theme: "dark", list: [1] });
  });

  it("reads prototype-named types like any other", async () => {
    const { world, driver } = setup();
    expect(await driver.readAccountData("__proto__")).toBeUndefined();
    expect(await driver.readAccountData("constructor")).toBeUndefined();
    world.setAccountData(ME, "__proto__", { ok: true });
    expect(await driver.readAccountData("__proto__")).toEqual({ ok: true });
  });

  it("notifies watchers of the signed-in user's changes until they unsubscribe", () => {
    const { world, driver } = setup();
    const listener = vi.fn();
    const stop = driver.watchAccountData(listener);
    world.setAccountData(ME, "org.example.a", { n: 1 });
    world.setAccountData(ALICE, "org.example.a", { n: 2 });
    world.setRoomAccountData(ME, world.listRoomIds()[0] ?? "", "org.example.a", { n: 3 });
    world.setAccountData(ME, "org.example.a", { n: 4 });
    stop();
    world.setAccountData(ME, "org.example.a", { n: 5 });
    expect(listener.mock.calls).toEqual([
      ["org.example.a", { n: 1 }],
      ["org.example.a", { n: 4 }],
    ]);
  });

  it("hands watchers a copy", () => {
    const { world, driver } = setup();
    driver.watchAccountData((_type, content) => {
      content["changed"] = true;
    });
    world.setAccountData(ME, "x", { a: 1 });
    expect(world.getAccountData(ME, "x")).toEqual({ a: 1 });
  });
});

describe("MemoryDriver.navigate", () => {
  it("views a room by alias", async () => {
    const { world, driver, outside } = setup();
    await driver.navigate({ type: "room", room: "#outside:example.org", via: [] });
    expect(world.viewedRoomId).toBe(outside);
    expect(world.membership(outside, ME)).toBeUndefined();
  });

  it("views a room by ID", async () => {
    const { world, driver, lobby } = setup();
    await driver.navigate({ type: "room", room: lobby, via: ["example.org"] });
    expect(world.viewedRoomId).toBe(lobby);
  });

  it("rejects an unknown alias with 404 M_NOT_FOUND and stays where it was", async () => {
    const { world, driver, lobby } = setup();
    world.viewedRoomId = lobby;
    await expectRejection(
      driver.navigate({ type: "room", room: "#nowhere:example.org", via: [] }),
      404,
      "M_NOT_FOUND",
    );
    await expectRejection(
      driver.navigate({ type: "room", room: "!nowhere:example.org", via: [] }),
      404,
      "M_NOT_FOUND",
    );
    expect(world.viewedRoomId).toBe(lobby);
  });

  it("resolves a prototype-named alias only when it exists", async () => {
    const { world, driver } = setup();
    await expectRejection(
      driver.navigate({ type: "room", room: "#__proto__:example.org", via: [] }),
      404,
      "M_NOT_FOUND",
    );
    const roomId = world.createRoom({ creator: ME, alias: "#__proto__:example.org" });
    await driver.navigate({ type: "room", room: "#__proto__:example.org", via: [] });
    expect(world.viewedRoomId).toBe(roomId);
  });

  it("views the room of an event link and highlights the event", async () => {
    const { world, driver, lobby } = setup();
    const event = world.sendEvent(lobby, ALICE, { type: "m.room.message", content: { body: "look" } });
    await driver.navigate({ type: "event", room: "#lobby:example.org", eventId: event.event_id, via: [] });
    expect(world.viewedRoomId).toBe(lobby);
    expect(world.highlightedEventId).toBe(event.event_id);
    await driver.navigate({ type: "room", room: lobby, via: [] });
    expect(world.highlightedEventId).toBeUndefined();
  });

  it("rejects an event the room does not have", async () => {
    const { driver, lobby } = setup();
    await expectRejection(
      driver.navigate({ type: "event", room: lobby, eventId: "$nope", via: [] }),
      404,
      "M_NOT_FOUND",
    );
  });

  it("opens a user's profile without changing the viewed room", async () => {
    const { world, driver, lobby } = setup();
    world.viewedRoomId = lobby;
    await driver.navigate({ type: "user", userId: BOB, via: [] });
    expect(world.viewedUserId).toBe(BOB);
    expect(world.viewedRoomId).toBe(lobby);
    await expectRejection(
      driver.navigate({ type: "user", userId: "@ghost:example.org", via: [] }),
      404,
      "M_NOT_FOUND",
    );
  });

  it("opens an existing direct-message room for action=chat, and never creates one", async () => {
    const { world, driver } = setup();
    const rooms = world.listRoomIds().length;
    await driver.navigate({ type: "user", userId: BOB, via: [], action: "chat" });
    expect(world.viewedUserId).toBe(BOB);
    expect(world.listRoomIds()).toHaveLength(rooms);
    const { roomId } = await driver.createDirectMessage([BOB]);
    await driver.navigate({ type: "user", userId: BOB, via: [], action: "chat" });
    expect(world.viewedRoomId).toBe(roomId);
    expect(world.viewedUserId).toBeUndefined();
  });

  it("does not join for action=join; joinRoom does after the user agrees", async () => {
    const { world, driver, outside } = setup();
    await driver.navigate({ type: "room", room: "#outside:example.org", via: [], action: "join" });
    expect(world.membership(outside, ME)).toBeUndefined();
    expect(await driver.joinRoom("#outside:example.org")).toEqual({ roomId: outside });
    expect(world.membership(outside, ME)).toBe("join");
  });
});

describe("MemoryDriver.resolveNavigationTarget", () => {
  it("reports the signed-in user's membership so a host can ask before navigating", async () => {
    const { world, driver, lobby, outside } = setup();
    expect(
      await driver.resolveNavigationTarget({ type: "room", room: "#outside:example.org", via: [] }),
    ).toEqual({
      kind: "room",
      roomId: outside,
      joined: false,
      membership: undefined,
    });
    expect(await driver.resolveNavigationTarget({ type: "room", room: lobby, via: [] })).toEqual({
      kind: "room",
      roomId: lobby,
      joined: true,
      membership: "join",
    });
    const invitedTo = world.createRoom({ creator: BOB, invite: [ME] });
    expect(await driver.resolveNavigationTarget({ type: "room", room: invitedTo, via: [] })).toMatchObject({
      joined: false,
      membership: "invite",
    });
    const event = world.sendEvent(lobby, ME, { type: "m.room.message", content: { body: "x" } });
    expect(
      await driver.resolveNavigationTarget({ type: "event", room: lobby, eventId: event.event_id, via: [] }),
    ).toEqual({ kind: "room", roomId: lobby, joined: true, membership: "join", eventId: event.event_id });
    expect(await driver.resolveNavigationTarget({ type: "user", userId: ALICE, via: [] })).toEqual({
      kind: "user",
      userId: ALICE,
    });
  });

  it("changes nothing and is not logged as a WidgetDriver call", async () => {
    const { world, driver } = setup();
    const before = world.snapshot();
    await driver.resolveNavigationTarget({ type: "room", room: "#outside:example.org", via: [] });
    expect(world.snapshot()).toEqual(before);
    expect(driver.calls).toEqual([]);
  });
});

describe("MemoryDriver.inviteUsers", () => {
  it("invites every user into a room the signed-in user is joined to", async () => {
    const { world, driver, privateRoom } = setup();
    await driver.inviteUsers(privateRoom, [ALICE, BOB, ALICE]);
    expect(world.membership(privateRoom, ALICE)).toBe("invite");
    expect(world.membership(privateRoom, BOB)).toBe("invite");
    expect(world.getStateEvent(privateRoom, "m.room.member", ALICE)?.sender).toBe(ME);
    expect(world.members(privateRoom, "invite")).toEqual([ALICE, BOB]);
  });

  it("rejects with 403 M_FORBIDDEN when the signed-in user is not joined, inviting nobody", async () => {
    const { world, driver, outside } = setup();
    const error = await expectRejection(driver.inviteUsers(outside, [ALICE]), 403, "M_FORBIDDEN");
    expect(error.details.error).toBe(`${ME} not in room ${outside}.`);
    expect(world.membership(outside, ALICE)).toBeUndefined();
    const invitedTo = world.createRoom({ creator: BOB, invite: [ME] });
    await expectRejection(driver.inviteUsers(invitedTo, [ALICE]), 403, "M_FORBIDDEN");
  });

  it("rejects with 403 when a user is already in the room, and then invites nobody", async () => {
    // In a room of the signed-in user's, who may invite there: in the public lobby (invite level
    // 50) they may not, which Synapse checks after "already in the room".
    const { world, driver, privateRoom } = setup();
    world.invite(privateRoom, ME, ALICE);
    world.join(privateRoom, ALICE);
    const error = await expectRejection(driver.inviteUsers(privateRoom, [BOB, ALICE]), 403, "M_FORBIDDEN");
    expect(error.details.error).toBe(`${ALICE} is already in the room.`);
    expect(world.membership(privateRoom, BOB)).toBeUndefined();
  });

  it("rejects with 403 when the signed-in user's power level is below the room's invite level, inviting nobody", async () => {
    // The lobby is public: Synapse's public_chat preset sets `invite` to 50, and ME has 0.
    const { world, driver, lobby } = setup();
    expect(world.getState(lobby, "m.room.power_levels")?.["invite"]).toBe(50);
    const error = await expectRejection(driver.inviteUsers(lobby, [BOB]), 403, "M_FORBIDDEN");
    expect(error.details.error).toBe("You don't have permission to invite users");
    expect(world.membership(lobby, BOB)).toBeUndefined();
  });

  it("leaves already-invited users as they are", async () => {
    const { world, driver, privateRoom } = setup();
    await driver.inviteUsers(privateRoom, [ALICE]);
    const length = world.timeline(privateRoom).length;
    await driver.inviteUsers(privateRoom, [ALICE]);
    expect(world.timeline(privateRoom)).toHaveLength(length);
  });

  it("rejects unknown rooms and users with 404 and invalid IDs with 400", async () => {
    const { driver, privateRoom } = setup();
    await expectRejection(driver.inviteUsers("!nope:example.org", [ALICE]), 404, "M_NOT_FOUND");
    await expectRejection(driver.inviteUsers(privateRoom, ["@ghost:example.org"]), 404, "M_NOT_FOUND");
    await expectRejection(driver.inviteUsers(privateRoom, ["alice"]), 400, "M_INVALID_PARAM");
  });
});

describe("MemoryDriver.createDirectMessage", () => {
  it("creates a private room, invites the users as direct and lists it in m.direct", async () => {
    const { world, driver } = setup();
    const { roomId } = await driver.createDirectMessage([ALICE]);
    expect(world.getRoom(roomId)).toMatchObject({
      joinRule: "invite",
      joinedMembers: [ME],
      invitedMembers: [ALICE],
    });
    expect(world.getState(roomId, "m.room.member", ALICE)).toMatchObject({
      membership: "invite",
      is_direct: true,
    });
    expect(world.getAccountData(ME, "m.direct")).toEqual({ [ALICE]: [roomId] });
  });

  it("merges with existing m.direct content and notifies watchers", async () => {
    const { world, driver } = setup();
    world.setAccountData(ME, "m.direct", { [ALICE]: ["!old:example.org"], [CAROL]: ["!c:example.org"] });
    const listener = vi.fn();
    driver.watchAccountData(listener);
    const first = await driver.createDirectMessage([ALICE, BOB]);
    const second = await driver.createDirectMessage([ALICE]);
    expect(second.roomId).not.toBe(first.roomId);
    expect(world.getAccountData(ME, "m.direct")).toEqual({
      [ALICE]: ["!old:example.org", first.roomId, second.roomId],
      [BOB]: [first.roomId],
      [CAROL]: ["!c:example.org"],
    });
    expect(listener).toHaveBeenCalledTimes(2);
    expect(listener.mock.calls[1]?.[0]).toBe("m.direct");
  });

  it("drops the signed-in user and duplicates, and rejects an empty list with 400", async () => {
    const { world, driver } = setup();
    const { roomId } = await driver.createDirectMessage([ME, BOB, BOB]);
    expect(world.members(roomId, "invite")).toEqual([BOB]);
    await expectRejection(driver.createDirectMessage([]), 400, "M_INVALID_PARAM");
    await expectRejection(driver.createDirectMessage([ME]), 400, "M_INVALID_PARAM");
    await expectRejection(driver.createDirectMessage(["not-a-user"]), 400, "M_INVALID_PARAM");
  });

  it("creates nothing when a user is unknown", async () => {
    const { world, driver } = setup();
    const rooms = world.listRoomIds();
    await expectRejection(driver.createDirectMessage([ALICE, "@ghost:example.org"]), 404, "M_NOT_FOUND");
    expect(world.listRoomIds()).toEqual(rooms);
    expect(world.getAccountData(ME, "m.direct")).toBeUndefined();
  });

  it("replaces a malformed m.direct entry for the user", async () => {
    const { world, driver } = setup();
    world.setAccountData(ME, "m.direct", { [ALICE]: "not a list" });
    const { roomId } = await driver.createDirectMessage([ALICE]);
    expect(world.getAccountData(ME, "m.direct")).toEqual({ [ALICE]: [roomId] });
  });
});

describe("MemoryDriver fault injection", () => {
  it("fails the next call of an operation once, with the given error", async () => {
    const { driver } = setup();
    const failure = new Error("network down");
    driver.failNext("getProfile", failure);
    await expect(driver.getProfile(ALICE)).rejects.toBe(failure);
    await expect(driver.getProfile(ALICE)).resolves.toEqual({
      displayName: "Alice",
      avatarUrl: "mxc://example.org/alice",
    });
  });

  it("queues failures per operation and leaves other operations alone", async () => {
    const { driver } = setup();
    const first = new Error("first");
    const second = new Error("second");
    driver.failNext("readAccountData", first);
    driver.failNext("readAccountData", second);
    await expect(driver.getProfile(ALICE)).resolves.toBeDefined();
    await expect(driver.readAccountData("x")).rejects.toBe(first);
    await expect(driver.readAccountData("x")).rejects.toBe(second);
    await expect(driver.readAccountData("x")).resolves.toBeUndefined();
  });

  it("uses a 500 M_UNKNOWN HomeserverError by default", async () => {
    const { driver } = setup();
    driver.failNext("searchUserDirectory");
    await expectRejection(driver.searchUserDirectory("a", 1), 500, "M_UNKNOWN");
  });

  it("changes nothing when a mutating call fails", async () => {
    const { world, driver, privateRoom } = setup();
    const before = world.snapshot();
    driver.failNext("createDirectMessage", new Error("x"));
    driver.failNext("inviteUsers", new Error("y"));
    driver.failNext("navigate", new Error("z"));
    await expect(driver.createDirectMessage([ALICE])).rejects.toThrow("x");
    await expect(driver.inviteUsers(privateRoom, [ALICE])).rejects.toThrow("y");
    await expect(driver.navigate({ type: "room", room: privateRoom, via: [] })).rejects.toThrow("z");
    expect(world.snapshot()).toEqual(before);
  });

  it("takes failures from the constructor options", async () => {
    const world = newWorld();
    const failure = new HomeserverError({
      httpStatus: 429,
      errcode: "M_LIMIT_EXCEEDED",
      error: "Slow down",
      retryAfterMs: 500,
    });
    const driver = new MemoryDriver(world, { failures: [{ operation: "getProfile", error: failure }] });
    await expect(driver.getProfile(ME)).rejects.toBe(failure);
    await expect(driver.getProfile(ME)).resolves.toEqual({});
  });

  it("throws synchronously from watchAccountData", () => {
    const { driver } = setup();
    const failure = new Error("no sync");
    driver.failNext("watchAccountData", failure);
    expect(() => driver.watchAccountData(() => {})).toThrow(failure);
    expect(typeof driver.watchAccountData(() => {})).toBe("function");
  });

  it("can fail the non-WidgetDriver operations too, and clear queued failures", async () => {
    const { driver } = setup();
    driver.failNext("resolveNavigationTarget", new Error("r"));
    await expect(driver.resolveNavigationTarget({ type: "user", userId: ALICE, via: [] })).rejects.toThrow(
      "r",
    );
    driver.failNext("joinRoom", new Error("j"));
    driver.clearFailures();
    await expect(driver.joinRoom("#outside:example.org")).resolves.toBeDefined();
  });
});

describe("MemoryDriver latency", () => {
  it("settles operations only after the configured delay", async () => {
    vi.useFakeTimers();
    const world = newWorld();
    const driver = new MemoryDriver(world, { latencyMs: 200 });
    let settled = false;
    const pending = driver.getProfile(ME).then((profile) => {
      settled = true;
      return profile;
    });
    await vi.advanceTimersByTimeAsync(199);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toBe(true);
    await expect(pending).resolves.toEqual({});
  });

  it("applies the change only when the delay is over", async () => {
    vi.useFakeTimers();
    const world = newWorld();
    world.addUser({ userId: ALICE });
    const driver = new MemoryDriver(world);
    driver.latencyMs = 50;
    const pending = driver.createDirectMessage([ALICE]);
    expect(world.listRoomIds()).toEqual([]);
    await vi.advanceTimersByTimeAsync(50);
    const { roomId } = await pending;
    expect(world.listRoomIds()).toEqual([roomId]);
  });

  // Issue 12 item 7: a configuration mistake is a WidgetKitConfigError with a code (was RangeError).
  it("refuses a negative or non-finite latency with an invalid_option config error", () => {
    const { driver } = setup();
    const invalidOption = { name: "WidgetKitConfigError", code: ConfigErrorCode.InvalidOption };
    expect(() => (driver.latencyMs = -1)).toThrow(expect.objectContaining(invalidOption));
    expect(() => (driver.latencyMs = Number.NaN)).toThrow(expect.objectContaining(invalidOption));
    expect(() => new MemoryDriver(newWorld(), { latencyMs: Number.POSITIVE_INFINITY })).toThrow(
      WidgetKitConfigError,
    );
  });
});

describe("MemoryDriver call log", () => {
  it("starts empty", () => {
    expect(setup().driver.calls).toEqual([]);
  });

  it("records every WidgetDriver operation with copies of its arguments, failed ones included", async () => {
    const { driver, privateRoom } = setup();
    const users = [ALICE];
    const listener = () => {};
    await driver.searchUserDirectory("al", 5);
    await driver.getProfile(ALICE);
    await driver.readAccountData("m.direct");
    driver.watchAccountData(listener);
    await driver.navigate({ type: "room", room: privateRoom, via: [] });
    await driver.inviteUsers(privateRoom, users);
    users.push(BOB);
    await driver.createDirectMessage([BOB]);
    driver.failNext("getProfile", new Error("x"));
    await expect(driver.getProfile(BOB)).rejects.toThrow();
    await driver.joinRoom("#outside:example.org");
    expect(driver.calls).toEqual([
      { op: "searchUserDirectory", args: ["al", 5] },
      { op: "getProfile", args: [ALICE] },
      { op: "readAccountData", args: ["m.direct"] },
      { op: "watchAccountData", args: [listener] },
      { op: "navigate", args: [{ type: "room", room: privateRoom, via: [] }] },
      { op: "inviteUsers", args: [privateRoom, [ALICE]] },
      { op: "createDirectMessage", args: [[BOB]] },
      { op: "getProfile", args: [BOB] },
    ]);
  });
});
