// The world refuses what Synapse refuses when a member sends into a room (the authorisation rules
// of room versions 11 and 12): the room's power levels decide who may send state and who may
// invite, and nobody sets another user's state. New rooms get the power levels Synapse gives them.
// What version 12 changes (creators above every level) is in room-version-12.test.ts.
import { describe, expect, it } from "vitest";
import type { MatrixWorld } from "../../../../src/drivers/memory/index.js";
import { expectHomeserverError, newWorld, thrownBy } from "./helpers.js";

const ME = "@me:example.org";
const ALICE = "@alice:example.org";
const BOB = "@bob:example.org";

function room(
  userPowerLevels?: Record<string, number>,
  roomVersion?: "11" | "12",
): { world: MatrixWorld; room: string } {
  const world = newWorld();
  world.addUser({ userId: ALICE, displayName: "Alice" });
  const roomId = world.createRoom({
    creator: ME,
    isPublic: true,
    ...(userPowerLevels ? { userPowerLevels } : {}),
    ...(roomVersion ? { roomVersion } : {}),
  });
  world.join(roomId, ALICE);
  return { world, room: roomId };
}

describe("MatrixWorld send permissions", () => {
  it("lets a member at level 0 send messages (events_default 0)", () => {
    const { world, room: roomId } = room();
    const sent = world.sendEvent(roomId, ALICE, {
      type: "m.room.message",
      content: { msgtype: "m.text", body: "hi" },
    });
    expect(world.getEvent(roomId, sent.event_id)?.sender).toBe(ALICE);
  });

  it("refuses (403 M_FORBIDDEN) a state event from a member below state_default, storing nothing", () => {
    const { world, room: roomId } = room();
    const before = world.timeline(roomId).length;
    expectHomeserverError(
      thrownBy(() =>
        world.sendEvent(roomId, ALICE, { type: "m.room.topic", state_key: "", content: { topic: "x" } }),
      ),
      403,
      "M_FORBIDDEN",
    );
    expect(world.timeline(roomId)).toHaveLength(before);
    expect(world.getStateEvent(roomId, "m.room.topic", "")).toBeUndefined();
  });

  it("lets a member send state once the room gives them the level, or gives the type a lower one", () => {
    const moderated = room({ [ALICE]: 50 });
    moderated.world.sendEvent(moderated.room, ALICE, {
      type: "m.room.topic",
      state_key: "",
      content: { topic: "x" },
    });
    expect(moderated.world.getStateEvent(moderated.room, "m.room.topic", "")?.content).toEqual({
      topic: "x",
    });

    const open = room();
    const levels = open.world.getStateEvent(open.room, "m.room.power_levels", "")!.content;
    open.world.sendEvent(open.room, ME, {
      type: "m.room.power_levels",
      state_key: "",
      content: { ...levels, events: { "org.example.status": 0 } },
    });
    open.world.sendEvent(open.room, ALICE, { type: "org.example.status", state_key: "_alice", content: {} });
    expectHomeserverError(
      thrownBy(() =>
        open.world.sendEvent(open.room, ALICE, { type: "m.room.name", state_key: "", content: {} }),
      ),
      403,
      "M_FORBIDDEN",
    );
  });

  it("refuses a state key that is another user's ID, even to the room's creator, and takes the sender's own", () => {
    const { world, room: roomId } = room();
    expectHomeserverError(
      thrownBy(() =>
        world.sendEvent(roomId, ME, { type: "org.example.profile", state_key: ALICE, content: {} }),
      ),
      403,
      "M_FORBIDDEN",
    );
    world.sendEvent(roomId, ME, { type: "org.example.profile", state_key: ME, content: { ok: true } });
    expect(world.getStateEvent(roomId, "org.example.profile", ME)?.content).toEqual({ ok: true });
  });
});

/** Synapse's `events` map for a new room of version 11, before a preset's changes. */
const SYNAPSE_EVENTS = {
  "m.room.name": 50,
  "m.room.power_levels": 100,
  "m.room.history_visibility": 100,
  "m.room.canonical_alias": 50,
  "m.room.avatar": 50,
  "m.room.tombstone": 100,
  "m.room.server_acl": 100,
  "m.room.encryption": 100,
};

/** What Synapse's power levels of a new room hold besides `users`, `events` and `invite`. */
const SYNAPSE_REST = {
  users_default: 0,
  events_default: 0,
  state_default: 50,
  ban: 50,
  kick: 50,
  redact: 50,
  historical: 100,
};

describe("MatrixWorld default power levels of a room of version 11, as Synapse makes them", () => {
  it("gives a private room (private_chat) Synapse's events map and invite 0", () => {
    const world = newWorld();
    world.addUser({ userId: ALICE });
    const roomId = world.createRoom({ creator: ME, invite: [ALICE], roomVersion: "11" });
    expect(world.getState(roomId, "m.room.power_levels")).toEqual({
      ...SYNAPSE_REST,
      users: { [ME]: 100 },
      events: SYNAPSE_EVENTS,
      invite: 0,
    });
    expect(world.getState(roomId, "m.room.join_rules")).toEqual({ join_rule: "invite" });
  });

  it("gives a public room (public_chat) invite 50 and m.call.invite 50", () => {
    const world = newWorld();
    world.addUser({ userId: ALICE });
    const roomId = world.createRoom({
      creator: ME,
      isPublic: true,
      userPowerLevels: { [ALICE]: 50 },
      roomVersion: "11",
    });
    expect(world.getState(roomId, "m.room.power_levels")).toEqual({
      ...SYNAPSE_REST,
      users: { [ALICE]: 50, [ME]: 100 },
      events: { ...SYNAPSE_EVENTS, "m.call.invite": 50 },
      invite: 50,
    });
    // The preset alone makes the room public, as Synapse's public_chat does.
    const byPreset = world.createRoom({ creator: ME, preset: "public_chat", roomVersion: "11" });
    expect(world.getRoom(byPreset)?.joinRule).toBe("public");
    expect(world.getState(byPreset, "m.room.power_levels")?.["invite"]).toBe(50);
  });

  it("gives the invitees of a trusted_private_chat the creator's level, as a direct message has", async () => {
    const world = newWorld();
    world.addUser({ userId: ALICE });
    const roomId = world.createRoom({
      creator: ME,
      preset: "trusted_private_chat",
      invite: [ALICE],
      roomVersion: "11",
    });
    expect(world.getState(roomId, "m.room.power_levels")).toMatchObject({
      users: { [ALICE]: 100, [ME]: 100 },
      invite: 0,
    });
  });

  it("refuses (400) an unknown preset, creating nothing", () => {
    const world = newWorld();
    const before = world.listRoomIds();
    expectHomeserverError(
      thrownBy(() => world.createRoom({ creator: ME, preset: "secret_chat" as never })),
      400,
      "M_INVALID_PARAM",
    );
    expect(world.listRoomIds()).toEqual(before);
  });

  it("refuses (403) a moderator at 50 the state Synapse keeps at 100, and lets them set name, avatar and alias", () => {
    const { world, room: roomId } = room({ [ALICE]: 50 }, "11");
    for (const type of [
      "m.room.power_levels",
      "m.room.history_visibility",
      "m.room.encryption",
      "m.room.tombstone",
      "m.room.server_acl",
    ]) {
      const error = expectHomeserverError(
        thrownBy(() => world.sendEvent(roomId, ALICE, { type, state_key: "", content: {} })),
        403,
        "M_FORBIDDEN",
      );
      expect(error.details.error).toBe(
        "You don't have permission to post that to the room. user_level (50) < send_level (100)",
      );
    }
    for (const type of ["m.room.name", "m.room.avatar", "m.room.canonical_alias"]) {
      world.sendEvent(roomId, ALICE, { type, state_key: "", content: {} });
      expect(world.getStateEvent(roomId, type)?.sender).toBe(ALICE);
    }
  });

  it("refuses (403) an invite from a member below the room's invite level, inviting nobody", () => {
    const { world, room: publicRoom } = room();
    world.addUser({ userId: BOB });
    const error = expectHomeserverError(
      thrownBy(() => world.invite(publicRoom, ALICE, BOB)),
      403,
      "M_FORBIDDEN",
    );
    expect(error.details.error).toBe("You don't have permission to invite users");
    expect(() => world.checkInvite(publicRoom, ALICE, BOB)).toThrow("You don't have permission");
    expect(world.membership(publicRoom, BOB)).toBeUndefined();
    // A moderator reaches the public room's level; in a private chat any member may invite.
    const moderated = world.createRoom({ creator: ME, isPublic: true, userPowerLevels: { [ALICE]: 50 } });
    world.join(moderated, ALICE);
    world.invite(moderated, ALICE, BOB);
    expect(world.membership(moderated, BOB)).toBe("invite");
    const privateRoom = world.createRoom({ creator: ME, invite: [ALICE] });
    world.join(privateRoom, ALICE);
    world.invite(privateRoom, ALICE, BOB);
    expect(world.membership(privateRoom, BOB)).toBe("invite");
  });
});
