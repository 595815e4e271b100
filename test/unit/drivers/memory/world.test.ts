import { describe, expect, it, vi } from "vitest";
import { MatrixWorld } from "../../../../src/drivers/memory/index.js";
import { expectHomeserverError, newWorld, thrownBy } from "./helpers.js";

const ME = "@me:example.org";
const ALICE = "@alice:example.org";
const BOB = "@bob:example.org";

function worldWithFriends(): MatrixWorld {
  const world = newWorld();
  world.addUser({ userId: ALICE, displayName: "Alice", avatarUrl: "mxc://example.org/alice" });
  world.addUser({ userId: BOB, displayName: "Bob" });
  return world;
}

describe("MatrixWorld users", () => {
  it("adds the signed-in user on construction", () => {
    expect(newWorld().getProfile(ME)).toEqual({ userId: ME });
  });

  it("refuses invalid and duplicate user IDs", () => {
    const world = worldWithFriends();
    expectHomeserverError(
      thrownBy(() => world.addUser({ userId: "alice" })),
      400,
      "M_INVALID_PARAM",
    );
    expectHomeserverError(
      thrownBy(() => world.addUser({ userId: ALICE })),
      400,
      "M_USER_IN_USE",
    );
  });

  it("updates, keeps and clears profile fields", () => {
    const world = worldWithFriends();
    world.setProfile(ALICE, { displayName: "Alice B." });
    expect(world.getProfile(ALICE)).toEqual({
      userId: ALICE,
      displayName: "Alice B.",
      avatarUrl: "mxc://example.org/alice",
    });
    world.setProfile(ALICE, { avatarUrl: null });
    expect(world.getProfile(ALICE)).toEqual({ userId: ALICE, displayName: "Alice B." });
    expectHomeserverError(
      thrownBy(() => world.setProfile("@ghost:example.org", { displayName: "Boo" })),
      404,
      "M_NOT_FOUND",
    );
  });

  it("refuses an invalid own user ID or server name", () => {
    expect(() => new MatrixWorld({ ownUserId: "me" })).toThrow();
    expect(() => new MatrixWorld({ ownUserId: ME, serverName: "bad server" })).toThrow();
  });
});

describe("MatrixWorld rooms", () => {
  it("creates rooms of version 11 with deterministic IDs, event IDs and timestamps from the clock", () => {
    const world = worldWithFriends();
    const roomId = world.createRoom({
      creator: ME,
      name: "Test",
      topic: "Topic",
      alias: "test",
      isPublic: true,
      roomVersion: "11",
    });
    expect(roomId).toBe("!r1:example.org");
    const timeline = world.timeline(roomId);
    expect(timeline.map((event) => event.type)).toEqual([
      "m.room.create",
      "m.room.member",
      "m.room.power_levels",
      "m.room.join_rules",
      "m.room.history_visibility",
      "m.room.canonical_alias",
      "m.room.name",
      "m.room.topic",
    ]);
    expect(timeline.map((event) => event.event_id)).toEqual([
      "$e1",
      "$e2",
      "$e3",
      "$e4",
      "$e5",
      "$e6",
      "$e7",
      "$e8",
    ]);
    expect(timeline.map((event) => event.origin_server_ts)).toEqual([
      1_000_000, 1_001_000, 1_002_000, 1_003_000, 1_004_000, 1_005_000, 1_006_000, 1_007_000,
    ]);
    expect(world.createRoom({ creator: ALICE, roomVersion: "11" })).toBe("!r2:example.org");
    expect(world.getRoom(roomId)).toEqual({
      roomId,
      roomVersion: "11",
      creator: ME,
      name: "Test",
      topic: "Topic",
      canonicalAlias: "#test:example.org",
      aliases: ["#test:example.org"],
      joinRule: "public",
      historyVisibility: "shared",
      isPublic: true,
      joinedMembers: [ME],
      invitedMembers: [],
    });
  });

  it("uses a given room ID and skips it when generating later ones", () => {
    const world = worldWithFriends();
    expect(world.createRoom({ creator: ME, roomId: "!r1:example.org" })).toBe("!r1:example.org");
    expect(world.createRoom({ creator: ME, roomVersion: "11" })).toBe("!r2:example.org");
    expectHomeserverError(
      thrownBy(() => world.createRoom({ creator: ME, roomId: "!r2:example.org" })),
      400,
      "M_ROOM_IN_USE",
    );
    expectHomeserverError(
      thrownBy(() => world.createRoom({ creator: ME, roomId: "not-a-room" })),
      400,
      "M_INVALID_PARAM",
    );
  });

  it("resolves aliases exactly and refuses taken ones", () => {
    const world = worldWithFriends();
    const roomId = world.createRoom({ creator: ME, alias: "#lobby:example.org" });
    expect(world.resolveAlias("#lobby:example.org")).toBe(roomId);
    expect(world.resolveAlias("#Lobby:example.org")).toBeUndefined();
    expect(world.resolveAlias("#nope:example.org")).toBeUndefined();
    expectHomeserverError(
      thrownBy(() => world.createRoom({ creator: ME, alias: "lobby" })),
      400,
      "M_ROOM_IN_USE",
    );
    expect(world.listRoomIds()).toEqual([roomId]);
    expect(world.addAlias("#hall:example.org", roomId)).toBe("#hall:example.org");
    expect(world.getRoom(roomId)?.aliases).toEqual(["#lobby:example.org", "#hall:example.org"]);
    expectHomeserverError(
      thrownBy(() => world.addAlias("hall", roomId)),
      409,
      "M_UNKNOWN",
    );
    expect(world.removeAlias("#hall:example.org")).toBe(true);
    expect(world.resolveAlias("#hall:example.org")).toBeUndefined();
  });

  it("checks every invitee before creating anything", () => {
    const world = worldWithFriends();
    expectHomeserverError(
      thrownBy(() => world.createRoom({ creator: ME, alias: "x", invite: [ALICE, "@ghost:example.org"] })),
      404,
      "M_NOT_FOUND",
    );
    expect(world.listRoomIds()).toEqual([]);
    expect(world.resolveAlias("#x:example.org")).toBeUndefined();
  });
});

describe("MatrixWorld membership", () => {
  it("lets anyone join a public room but only invited users join a private one", () => {
    const world = worldWithFriends();
    const open = world.createRoom({ creator: ME, isPublic: true });
    const closed = world.createRoom({ creator: ME });
    world.join(open, ALICE);
    expect(world.membership(open, ALICE)).toBe("join");
    expectHomeserverError(
      thrownBy(() => world.join(closed, ALICE)),
      403,
      "M_FORBIDDEN",
    );
    expect(world.membership(closed, ALICE)).toBeUndefined();
    world.invite(closed, ME, ALICE);
    expect(world.membership(closed, ALICE)).toBe("invite");
    world.join(closed, ALICE);
    expect(world.membership(closed, ALICE)).toBe("join");
    world.leave(closed, ALICE);
    expect(world.membership(closed, ALICE)).toBe("leave");
    expect(world.members(closed)).toEqual([ME]);
  });

  it("applies Synapse's invite rules: inviter joined, invitee not already in the room", () => {
    const world = worldWithFriends();
    const roomId = world.createRoom({ creator: ME });
    expectHomeserverError(
      thrownBy(() => world.invite(roomId, ALICE, BOB)),
      403,
      "M_FORBIDDEN",
    );
    world.invite(roomId, ME, ALICE);
    world.join(roomId, ALICE);
    const error = expectHomeserverError(
      thrownBy(() => world.invite(roomId, ME, ALICE)),
      403,
      "M_FORBIDDEN",
    );
    expect(error.details.error).toBe(`${ALICE} is already in the room.`);
    expectHomeserverError(
      thrownBy(() => world.invite(roomId, ME, "@ghost:example.org")),
      404,
      "M_NOT_FOUND",
    );
  });

  it("treats joining twice, inviting twice and leaving without membership as no-ops", () => {
    const world = worldWithFriends();
    const roomId = world.createRoom({ creator: ME, isPublic: true });
    const length = world.timeline(roomId).length;
    expect(world.join(roomId, ME)).toBeUndefined();
    expect(world.leave(roomId, ALICE)).toBeUndefined();
    expect(world.invite(roomId, ME, BOB)).toBeDefined();
    expect(world.invite(roomId, ME, BOB)).toBeUndefined();
    expect(world.timeline(roomId)).toHaveLength(length + 1);
  });

  it("writes profile fields and is_direct into membership events", () => {
    const world = worldWithFriends();
    const roomId = world.createRoom({ creator: ME, isDirect: true, invite: [ALICE] });
    expect(world.getState(roomId, "m.room.member", ALICE)).toEqual({
      membership: "invite",
      displayname: "Alice",
      avatar_url: "mxc://example.org/alice",
      is_direct: true,
    });
    expect(world.getStateEvent(roomId, "m.room.member", ALICE)?.sender).toBe(ME);
  });

  it("lists the rooms a user has a membership in", () => {
    const world = worldWithFriends();
    const a = world.createRoom({ creator: ME });
    const b = world.createRoom({ creator: ALICE, invite: [ME] });
    expect(world.roomsOf(ME)).toEqual([a]);
    expect(world.roomsOf(ME, "invite")).toEqual([b]);
  });
});

describe("MatrixWorld timelines and state", () => {
  it("appends events from joined senders and returns the stored event", () => {
    const world = worldWithFriends();
    const roomId = world.createRoom({ creator: ME });
    const event = world.sendEvent(roomId, ME, {
      type: "m.room.message",
      content: { msgtype: "m.text", body: "hi" },
    });
    expect(event).toEqual({
      event_id: "$e6",
      room_id: roomId,
      sender: ME,
      type: "m.room.message",
      content: { msgtype: "m.text", body: "hi" },
      origin_server_ts: 1_005_000,
      // Read when it was sent: the world's clock has not moved since.
      unsigned: { age: 0 },
    });
    expect(world.getEvent(roomId, "$e6")).toEqual(event);
    expect(world.timeline(roomId).at(-1)).toEqual(event);
  });

  it("refuses senders who are not joined, unknown rooms and forcing another user to join", () => {
    const world = worldWithFriends();
    const roomId = world.createRoom({ creator: ME });
    const draft = { type: "m.room.message", content: { body: "x" } };
    expectHomeserverError(
      thrownBy(() => world.sendEvent(roomId, ALICE, draft)),
      403,
      "M_FORBIDDEN",
    );
    expectHomeserverError(
      thrownBy(() => world.sendEvent("!nope:example.org", ME, draft)),
      404,
      "M_NOT_FOUND",
    );
    expectHomeserverError(
      thrownBy(() =>
        world.sendEvent(roomId, ME, {
          type: "m.room.member",
          state_key: ALICE,
          content: { membership: "join" },
        }),
      ),
      403,
      "M_FORBIDDEN",
    );
  });

  it("keeps the current state per type and state key", () => {
    const world = worldWithFriends();
    const roomId = world.createRoom({ creator: ME, name: "One" });
    world.sendEvent(roomId, ME, { type: "m.room.name", state_key: "", content: { name: "Two" } });
    world.sendEvent(roomId, ME, { type: "org.example.thing", state_key: "a", content: { n: 1 } });
    world.sendEvent(roomId, ME, { type: "org.example.thing", state_key: "b", content: { n: 2 } });
    expect(world.getRoom(roomId)?.name).toBe("Two");
    expect(world.getState(roomId, "org.example.thing", "a")).toEqual({ n: 1 });
    expect(world.getState(roomId, "org.example.thing", "b")).toEqual({ n: 2 });
    expect(world.getState(roomId, "org.example.thing")).toBeUndefined();
  });

  it("copies event content in and out", () => {
    const world = worldWithFriends();
    const roomId = world.createRoom({ creator: ME });
    const content = { body: "original", nested: { list: [1, 2] } };
    const sent = world.sendEvent(roomId, ME, { type: "m.room.message", content });
    content.nested.list.push(3);
    sent.content["body"] = "changed";
    const read = world.getEvent(roomId, sent.event_id);
    expect(read?.content).toEqual({ body: "original", nested: { list: [1, 2] } });
    (read?.content["nested"] as { list: number[] }).list.length = 0;
    expect(world.timeline(roomId).at(-1)?.content).toEqual({ body: "original", nested: { list: [1, 2] } });
  });

  it.each([
    ["a function", { f: () => 1 }],
    ["a Date", { when: new Date(0) }],
    ["a Map", { m: new Map() }],
    ["NaN", { n: Number.NaN }],
    ["undefined", { u: undefined }],
    ["an array at the top", [1, 2]],
    ["null", null],
  ])("refuses content containing %s with 400 M_BAD_JSON", (_, content) => {
    const world = worldWithFriends();
    const roomId = world.createRoom({ creator: ME });
    expectHomeserverError(
      thrownBy(() => world.sendEvent(roomId, ME, { type: "x", content: content as never })),
      400,
      "M_BAD_JSON",
    );
    expectHomeserverError(
      thrownBy(() => world.setAccountData(ME, "x", content as never)),
      400,
      "M_BAD_JSON",
    );
  });

  it("refuses cyclic content", () => {
    const world = worldWithFriends();
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    expectHomeserverError(
      thrownBy(() => world.setAccountData(ME, "x", cyclic)),
      400,
      "M_BAD_JSON",
    );
  });
});

describe("MatrixWorld account data", () => {
  it("stores global account data per user and returns copies", () => {
    const world = worldWithFriends();
    const content = { tags: ["a"] };
    world.setAccountData(ME, "org.example.tags", content);
    content.tags.push("b");
    const read = world.getAccountData(ME, "org.example.tags");
    expect(read).toEqual({ tags: ["a"] });
    (read?.["tags"] as string[]).push("c");
    expect(world.getAccountData(ME, "org.example.tags")).toEqual({ tags: ["a"] });
    expect(world.getAccountData(ALICE, "org.example.tags")).toBeUndefined();
    expect(world.accountDataTypes(ME)).toEqual(["org.example.tags"]);
  });

  it("keeps room account data apart from global account data", () => {
    const world = worldWithFriends();
    const roomId = world.createRoom({ creator: ME });
    world.setRoomAccountData(ME, roomId, "m.tag", { tags: { "m.favourite": {} } });
    expect(world.getAccountData(ME, "m.tag")).toBeUndefined();
    expect(world.getRoomAccountData(ME, roomId, "m.tag")).toEqual({ tags: { "m.favourite": {} } });
    world.setAccountData(ME, "m.tag", { global: true });
    expect(world.getRoomAccountData(ME, roomId, "m.tag")).toEqual({ tags: { "m.favourite": {} } });
    expectHomeserverError(
      thrownBy(() => world.setRoomAccountData(ME, "!nope:example.org", "m.tag", {})),
      404,
      "M_NOT_FOUND",
    );
  });

  it("refuses an empty type and unknown users", () => {
    const world = worldWithFriends();
    expectHomeserverError(
      thrownBy(() => world.setAccountData(ME, "", {})),
      400,
      "M_INVALID_PARAM",
    );
    expectHomeserverError(
      thrownBy(() => world.setAccountData("@ghost:example.org", "x", {})),
      404,
      "M_NOT_FOUND",
    );
  });
});

describe("MatrixWorld prototype-named keys", () => {
  const names = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"];

  it.each(names)("treats %s as an ordinary account-data type", (type) => {
    const world = worldWithFriends();
    expect(world.getAccountData(ME, type)).toBeUndefined();
    world.setAccountData(ME, type, { value: type });
    expect(world.getAccountData(ME, type)).toEqual({ value: type });
    expect(world.getAccountData(ALICE, type)).toBeUndefined();
    expect(world.accountDataTypes(ME)).toEqual([type]);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)["value"]).toBeUndefined();
  });

  it.each(names)("treats #%s:example.org as an ordinary alias", (name) => {
    const world = worldWithFriends();
    const alias = `#${name}:example.org`;
    expect(world.resolveAlias(alias)).toBeUndefined();
    const roomId = world.createRoom({ creator: ME, alias });
    expect(world.resolveAlias(alias)).toBe(roomId);
    expect(world.getRoom(roomId)?.aliases).toEqual([alias]);
  });

  it("treats __proto__ as an ordinary room ID, user ID, state key and room account-data type", () => {
    const world = worldWithFriends();
    world.addUser({ userId: "@__proto__:example.org", displayName: "Proto" });
    const roomId = world.createRoom({ creator: "@__proto__:example.org", roomId: "!__proto__:example.org" });
    expect(world.membership(roomId, "@__proto__:example.org")).toBe("join");
    expect(world.membership(roomId, "__proto__")).toBeUndefined();
    world.sendEvent(roomId, "@__proto__:example.org", {
      type: "__proto__",
      state_key: "__proto__",
      content: { ok: true },
    });
    expect(world.getState(roomId, "__proto__", "__proto__")).toEqual({ ok: true });
    world.setRoomAccountData("@__proto__:example.org", roomId, "__proto__", { ok: 1 });
    expect(world.getRoomAccountData("@__proto__:example.org", roomId, "__proto__")).toEqual({ ok: 1 });
    expect(world.searchUserDirectory(ME, "proto").results.map((u) => u.userId)).toEqual([
      "@__proto__:example.org",
    ]);
  });

  it("keeps an own __proto__ key inside content as data", () => {
    const world = worldWithFriends();
    const content = JSON.parse('{"__proto__": {"polluted": true}, "plain": 1}') as Record<string, unknown>;
    world.setAccountData(ME, "x", content);
    const read = world.getAccountData(ME, "x");
    expect(read && Object.hasOwn(read, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    expect((read as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});

describe("MatrixWorld change feed", () => {
  it("notifies listeners of each kind and stops after unsubscribe", () => {
    const world = worldWithFriends();
    const seen: string[] = [];
    const stopEvent = world.on("event", (event) => seen.push(`event:${event.type}`));
    const stopState = world.on("state", (event) => seen.push(`state:${event.type}`));
    world.on("membership", (change) =>
      seen.push(`membership:${change.userId}:${String(change.previous)}>${change.membership}`),
    );
    world.on("accountData", (change) => seen.push(`accountData:${change.type}`));
    world.on("roomAccountData", (change) => seen.push(`roomAccountData:${change.type}`));
    world.on("viewedRoom", (change) =>
      seen.push(`viewedRoom:${String(change.roomId)}:${String(change.eventId)}`),
    );
    world.on("viewedUser", (change) => seen.push(`viewedUser:${String(change.userId)}`));
    world.on("profile", (change) => seen.push(`profile:${change.userId}`));
    const roomId = world.createRoom({ creator: ME, isPublic: true });
    seen.length = 0;
    world.join(roomId, ALICE);
    world.setAccountData(ME, "a", {});
    world.setRoomAccountData(ME, roomId, "b", {});
    world.viewedRoomId = roomId;
    world.viewUser(ALICE);
    world.setProfile(BOB, { displayName: "Robert" });
    stopEvent();
    stopState();
    stopEvent();
    world.sendEvent(roomId, ME, { type: "m.room.topic", state_key: "", content: { topic: "t" } });
    expect(seen).toEqual([
      "event:m.room.member",
      "state:m.room.member",
      `membership:${ALICE}:undefined>join`,
      "accountData:a",
      "roomAccountData:b",
      `viewedRoom:${roomId}:undefined`,
      `viewedUser:${ALICE}`,
      `profile:${BOB}`,
    ]);
  });

  it("gives every listener its own copy", () => {
    const world = worldWithFriends();
    const received: Record<string, unknown>[] = [];
    world.on("accountData", ({ content }) => {
      received.push(content);
      content["mutated"] = true;
    });
    world.on("accountData", ({ content }) => received.push(content));
    world.setAccountData(ME, "x", { a: 1 });
    expect(received[1]).toEqual({ a: 1 });
    expect(world.getAccountData(ME, "x")).toEqual({ a: 1 });
  });

  it("reports a throwing listener and still runs the others and the change", () => {
    const onListenerError = vi.fn();
    const world = new MatrixWorld({ ownUserId: ME, onListenerError });
    const after = vi.fn();
    const failure = new Error("boom");
    world.on("accountData", () => {
      throw failure;
    });
    world.on("accountData", after);
    world.setAccountData(ME, "x", { a: 1 });
    expect(onListenerError).toHaveBeenCalledWith(failure, "accountData");
    expect(after).toHaveBeenCalledOnce();
    expect(world.getAccountData(ME, "x")).toEqual({ a: 1 });
  });

  it("does not call a listener removed earlier in the same dispatch", () => {
    const world = worldWithFriends();
    const second = vi.fn();
    let stopSecond = () => {};
    world.on("accountData", () => stopSecond());
    stopSecond = world.on("accountData", second);
    world.setAccountData(ME, "x", {});
    expect(second).not.toHaveBeenCalled();
  });

  it("counts one subscription per on() call, even for the same function", () => {
    const world = worldWithFriends();
    const listener = vi.fn();
    const stopFirst = world.on("accountData", listener);
    world.on("accountData", listener);
    stopFirst();
    world.setAccountData(ME, "x", {});
    expect(listener).toHaveBeenCalledOnce();
  });

  it("refuses an unknown change kind", () => {
    expect(() => newWorld().on("nope" as "event", () => {})).toThrow(TypeError);
  });

  it("reports membership changes with the previous membership", () => {
    const world = worldWithFriends();
    const roomId = world.createRoom({ creator: ME });
    const changes: string[] = [];
    world.on("membership", ({ membership, previous, event }) =>
      changes.push(`${String(previous)}>${membership}@${event.event_id}`),
    );
    world.invite(roomId, ME, ALICE);
    world.join(roomId, ALICE);
    world.leave(roomId, ALICE);
    expect(changes).toEqual(["undefined>invite@$e6", "invite>join@$e7", "join>leave@$e8"]);
  });
});

describe("MatrixWorld viewed room and user", () => {
  it("tracks the viewed room and highlighted event, notifying only on change", () => {
    const world = worldWithFriends();
    const roomId = world.createRoom({ creator: ME });
    const event = world.sendEvent(roomId, ME, { type: "m.room.message", content: { body: "x" } });
    const listener = vi.fn();
    world.on("viewedRoom", listener);
    world.view(roomId, event.event_id);
    expect(world.viewedRoomId).toBe(roomId);
    expect(world.highlightedEventId).toBe(event.event_id);
    world.view(roomId, event.event_id);
    world.viewedRoomId = roomId;
    expect(world.highlightedEventId).toBeUndefined();
    world.viewedRoomId = undefined;
    expect(listener.mock.calls.map(([change]) => change)).toEqual([
      { roomId, eventId: event.event_id, previousRoomId: undefined },
      { roomId, eventId: undefined, previousRoomId: roomId },
      { roomId: undefined, eventId: undefined, previousRoomId: roomId },
    ]);
  });

  it("refuses to view an unknown room or event", () => {
    const world = worldWithFriends();
    const roomId = world.createRoom({ creator: ME });
    expectHomeserverError(
      thrownBy(() => (world.viewedRoomId = "!nope:example.org")),
      404,
      "M_NOT_FOUND",
    );
    expectHomeserverError(
      thrownBy(() => world.view(roomId, "$nope")),
      404,
      "M_NOT_FOUND",
    );
    expect(world.viewedRoomId).toBeUndefined();
  });

  it("closes an open profile when a room is viewed", () => {
    const world = worldWithFriends();
    const roomId = world.createRoom({ creator: ME });
    world.viewUser(ALICE);
    expect(world.viewedUserId).toBe(ALICE);
    world.view(roomId);
    expect(world.viewedUserId).toBeUndefined();
  });
});

describe("MatrixWorld snapshot", () => {
  it("dumps everything as plain copies", () => {
    const world = worldWithFriends();
    const roomId = world.createRoom({ creator: ME, alias: "a" });
    world.setAccountData(ME, "x", { a: 1 });
    world.setRoomAccountData(ME, roomId, "y", { b: 2 });
    const snapshot = world.snapshot();
    expect(snapshot.users.map((u) => u.userId)).toEqual([ME, ALICE, BOB]);
    expect(snapshot.aliases).toEqual([{ alias: "#a:example.org", roomId }]);
    expect(snapshot.rooms[0]?.timeline).toHaveLength(6);
    expect(snapshot.accountData).toEqual([{ userId: ME, type: "x", content: { a: 1 } }]);
    expect(snapshot.roomAccountData).toEqual([{ userId: ME, roomId, type: "y", content: { b: 2 } }]);
    snapshot.accountData[0]!.content["a"] = 2;
    expect(world.getAccountData(ME, "x")).toEqual({ a: 1 });
  });
});
