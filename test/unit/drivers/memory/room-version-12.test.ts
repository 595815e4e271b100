// Rooms of version 12, the world's default as Synapse 1.163's (MSC4289 privileged creators,
// MSC4291 room IDs as create-event hashes): what a widget notices, and version 11 kept as an option.
import { describe, expect, it } from "vitest";
import { MatrixWorld, MemoryDriver } from "../../../../src/drivers/memory/index.js";
import { expectHomeserverError, newWorld, thrownBy } from "./helpers.js";

const ME = "@me:example.org";
const ALICE = "@alice:example.org";
const BOB = "@bob:example.org";
const HASH_ROOM_ID = /^![A-Za-z0-9_-]{43}$/;

function worldWithFriends(): MatrixWorld {
  const world = newWorld();
  world.addUser({ userId: ALICE, displayName: "Alice" });
  world.addUser({ userId: BOB, displayName: "Bob" });
  return world;
}

/** A public room of ME's with Alice (at `aliceLevel`, when given) and Bob joined. */
function roomWithMembers(aliceLevel?: number): { world: MatrixWorld; room: string } {
  const world = worldWithFriends();
  const room = world.createRoom({
    creator: ME,
    isPublic: true,
    ...(aliceLevel !== undefined ? { userPowerLevels: { [ALICE]: aliceLevel } } : {}),
  });
  world.join(room, ALICE);
  world.join(room, BOB);
  return { world, room };
}

function powerLevels(world: MatrixWorld, room: string): Record<string, unknown> {
  const levels = world.getState(room, "m.room.power_levels");
  if (levels === undefined) throw new Error("the room has no power levels");
  return levels;
}

describe("MatrixWorld room IDs of version 12", () => {
  it("names a new room by a create-event hash: no server name, 43 URL-safe base64 characters", () => {
    const world = worldWithFriends();
    const roomId = world.createRoom({ creator: ME, name: "Test" });
    expect(roomId).toMatch(HASH_ROOM_ID);
    const [create] = world.timeline(roomId);
    expect(create).toMatchObject({
      type: "m.room.create",
      event_id: `$${roomId.slice(1)}`,
      room_id: roomId,
      sender: ME,
      state_key: "",
      content: { room_version: "12" },
    });
    expect(create?.content).not.toHaveProperty("creator");
    expect(world.getRoom(roomId)).toMatchObject({ roomId, roomVersion: "12", creator: ME });
    // The other events keep the world's numbered IDs.
    expect(world.timeline(roomId)[1]?.event_id).toBe("$e2");
  });

  it("gives the same room IDs to the same rooms in a fresh world, and distinct ones to each room", () => {
    const make = () => {
      const world = worldWithFriends();
      return [world.createRoom({ creator: ME }), world.createRoom({ creator: ALICE })];
    };
    const first = make();
    expect(make()).toEqual(first);
    expect(new Set(first).size).toBe(2);
    for (const roomId of first) expect(roomId).toMatch(HASH_ROOM_ID);
    const elsewhere = new MatrixWorld({
      ownUserId: "@me:elsewhere.example",
      serverName: "elsewhere.example",
    });
    expect(elsewhere.createRoom({ creator: "@me:elsewhere.example" })).not.toBe(first[0]);
  });

  it("keeps a given room ID, and makes version 11 rooms with !r<n>:<server> IDs on request", () => {
    const world = worldWithFriends();
    expect(world.createRoom({ creator: ME, roomId: "!fixed:example.org" })).toBe("!fixed:example.org");
    expect(world.getRoom("!fixed:example.org")?.roomVersion).toBe("12");
    const older = world.createRoom({ creator: ME, roomVersion: "11" });
    expect(older).toBe("!r1:example.org");
    expect(world.getState(older, "m.room.create")).toEqual({ room_version: "11" });
  });

  it("refuses (400 M_UNSUPPORTED_ROOM_VERSION) a version other than 11 and 12, creating nothing", () => {
    const world = worldWithFriends();
    for (const roomVersion of ["10", "13", 12]) {
      expectHomeserverError(
        thrownBy(() => world.createRoom({ creator: ME, roomVersion: roomVersion as never })),
        400,
        "M_UNSUPPORTED_ROOM_VERSION",
      );
    }
    expect(world.listRoomIds()).toEqual([]);
  });
});

describe("MatrixWorld default power levels of a room of version 12, as Synapse makes them", () => {
  it("lists no creator in users and puts the tombstone at 150", () => {
    const world = worldWithFriends();
    const privateRoom = world.createRoom({ creator: ME, invite: [ALICE] });
    expect(powerLevels(world, privateRoom)).toEqual({
      users: {},
      users_default: 0,
      events: {
        "m.room.name": 50,
        "m.room.power_levels": 100,
        "m.room.history_visibility": 100,
        "m.room.canonical_alias": 50,
        "m.room.avatar": 50,
        "m.room.tombstone": 150,
        "m.room.server_acl": 100,
        "m.room.encryption": 100,
      },
      events_default: 0,
      state_default: 50,
      ban: 50,
      kick: 50,
      redact: 50,
      invite: 0,
      historical: 100,
    });
    const publicRoom = world.createRoom({ creator: ME, isPublic: true, userPowerLevels: { [ALICE]: 50 } });
    expect(powerLevels(world, publicRoom)).toMatchObject({
      users: { [ALICE]: 50 },
      events: { "m.room.tombstone": 150, "m.call.invite": 50 },
      invite: 50,
    });
  });

  it("makes the invitees of a trusted_private_chat (a direct message) additional creators, not users at 100", async () => {
    const world = worldWithFriends();
    const roomId = world.createRoom({ creator: ME, preset: "trusted_private_chat", invite: [ALICE, BOB] });
    expect(world.getState(roomId, "m.room.create")).toEqual({
      room_version: "12",
      additional_creators: [ALICE, BOB],
    });
    expect(powerLevels(world, roomId)["users"]).toEqual({});
    const { roomId: direct } = await new MemoryDriver(world).createDirectMessage([ALICE]);
    expect(world.getState(direct, "m.room.create")).toEqual({
      room_version: "12",
      additional_creators: [ALICE],
    });
    expect(powerLevels(world, direct)["users"]).toEqual({});
    // Once joined, the invitee has the creator's power: the tombstone (150) is theirs to send.
    world.join(direct, ALICE);
    world.sendEvent(direct, ALICE, {
      type: "m.room.tombstone",
      state_key: "",
      content: { body: "moved", replacement_room: roomId },
    });
    expect(world.getStateEvent(direct, "m.room.tombstone")?.sender).toBe(ALICE);
  });

  it("refuses (400) userPowerLevels that name a creator, creating nothing; version 11 ignores it", () => {
    const world = worldWithFriends();
    const error = expectHomeserverError(
      thrownBy(() => world.createRoom({ creator: ME, alias: "taken", userPowerLevels: { [ME]: 50 } })),
      400,
      "M_UNKNOWN",
    );
    expect(error.details.error).toBe(`Creator user ${ME} must not appear in content.users`);
    expectHomeserverError(
      thrownBy(() =>
        world.createRoom({
          creator: ME,
          preset: "trusted_private_chat",
          invite: [ALICE],
          userPowerLevels: { [ALICE]: 100 },
        }),
      ),
      400,
      "M_UNKNOWN",
    );
    expect(world.listRoomIds()).toEqual([]);
    expect(world.resolveAlias("#taken:example.org")).toBeUndefined();
    const older = world.createRoom({ creator: ME, roomVersion: "11", userPowerLevels: { [ME]: 50 } });
    expect(powerLevels(world, older)["users"]).toEqual({ [ME]: 100 });
  });
});

describe("MatrixWorld creator power in a room of version 12", () => {
  it("lets the creator send state whatever level the room asks, above the highest integer", () => {
    const { world, room } = roomWithMembers(100);
    const levels = powerLevels(world, room);
    const top = Number.MAX_SAFE_INTEGER;
    world.sendEvent(room, ME, {
      type: "m.room.power_levels",
      state_key: "",
      content: { ...levels, state_default: top, events_default: top, events: { "org.example.locked": top } },
    });
    world.sendEvent(room, ME, { type: "org.example.locked", state_key: "", content: { by: "me" } });
    world.sendEvent(room, ME, { type: "m.room.topic", state_key: "", content: { topic: "mine" } });
    world.sendEvent(room, ME, { type: "m.room.message", content: { msgtype: "m.text", body: "still here" } });
    const refused = expectHomeserverError(
      thrownBy(() =>
        world.sendEvent(room, ALICE, { type: "org.example.locked", state_key: "", content: {} }),
      ),
      403,
      "M_FORBIDDEN",
    );
    expect(refused.details.error).toBe(
      `You don't have permission to post that to the room. user_level (100) < send_level (${top})`,
    );
    expect(world.getState(room, "org.example.locked")).toEqual({ by: "me" });
  });

  it("lets the creator invite and redact whatever the invite and redact levels", () => {
    const { world, room } = roomWithMembers();
    const top = Number.MAX_SAFE_INTEGER;
    world.sendEvent(room, ME, {
      type: "m.room.power_levels",
      state_key: "",
      content: { ...powerLevels(world, room), invite: top, redact: top },
    });
    world.addUser({ userId: "@carol:example.org" });
    world.invite(room, ME, "@carol:example.org");
    expect(world.membership(room, "@carol:example.org")).toBe("invite");
    const message = world.sendEvent(room, ALICE, {
      type: "m.room.message",
      content: { msgtype: "m.text", body: "spam" },
    });
    world.sendEvent(room, ME, { type: "m.room.redaction", content: { redacts: message.event_id } });
    expect(world.getEvent(room, message.event_id)?.content).toEqual({});
    expectHomeserverError(
      thrownBy(() => world.invite(room, ALICE, BOB)),
      403,
      "M_FORBIDDEN",
    );
  });

  it("needs 150 for the tombstone: refused (403) to a user at 100, sent by the creator", () => {
    const { world, room } = roomWithMembers(100);
    const content = { body: "This room has moved", replacement_room: "!elsewhere" };
    const refused = expectHomeserverError(
      thrownBy(() => world.sendEvent(room, ALICE, { type: "m.room.tombstone", state_key: "", content })),
      403,
      "M_FORBIDDEN",
    );
    expect(refused.details.error).toBe(
      "You don't have permission to post that to the room. user_level (100) < send_level (150)",
    );
    expect(world.getState(room, "m.room.tombstone")).toBeUndefined();
    world.sendEvent(room, ME, { type: "m.room.tombstone", state_key: "", content });
    expect(world.getState(room, "m.room.tombstone")).toEqual(content);
  });

  it("refuses a moderator at 50 what Synapse keeps at 100 and 150, naming each level", () => {
    const { world, room } = roomWithMembers(50);
    for (const [type, level] of [
      ["m.room.power_levels", 100],
      ["m.room.history_visibility", 100],
      ["m.room.encryption", 100],
      ["m.room.tombstone", 150],
      ["m.room.server_acl", 100],
    ] as const) {
      const error = expectHomeserverError(
        thrownBy(() => world.sendEvent(room, ALICE, { type, state_key: "", content: {} })),
        403,
        "M_FORBIDDEN",
      );
      expect(error.details.error).toBe(
        `You don't have permission to post that to the room. user_level (50) < send_level (${level})`,
      );
    }
  });

  it("refuses (400) power levels that list a creator, so no one can demote one, storing nothing", () => {
    const { world, room } = roomWithMembers(100);
    const levels = powerLevels(world, room);
    const before = world.timeline(room).length;
    for (const sender of [ME, ALICE]) {
      const error = expectHomeserverError(
        thrownBy(() =>
          world.sendEvent(room, sender, {
            type: "m.room.power_levels",
            state_key: "",
            content: { ...levels, users: { [ALICE]: 100, [ME]: 0 } },
          }),
        ),
        400,
        "M_UNKNOWN",
      );
      expect(error.details.error).toBe(`Creator user ${ME} must not appear in content.users`);
    }
    expect(world.timeline(room)).toHaveLength(before);
    // Below the power levels' own level, the 403 comes first, as in Synapse.
    expectHomeserverError(
      thrownBy(() =>
        world.sendEvent(room, BOB, {
          type: "m.room.power_levels",
          state_key: "",
          content: { ...levels, users: { [ME]: 0 } },
        }),
      ),
      403,
      "M_FORBIDDEN",
    );
  });

  it("keeps version 11's rules on request: the creator at 100 in users, who may be demoted", () => {
    const world = worldWithFriends();
    const room = world.createRoom({ creator: ME, isPublic: true, roomVersion: "11" });
    world.join(room, ALICE);
    expect(powerLevels(world, room)["users"]).toEqual({ [ME]: 100 });
    world.sendEvent(room, ME, {
      type: "m.room.power_levels",
      state_key: "",
      content: { ...powerLevels(world, room), users: { [ME]: 0 } },
    });
    expectHomeserverError(
      thrownBy(() => world.sendEvent(room, ME, { type: "m.room.topic", state_key: "", content: {} })),
      403,
      "M_FORBIDDEN",
    );
  });
});
