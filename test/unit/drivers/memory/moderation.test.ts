// Kicks, bans and changes of other users' power, as Synapse 1.163 makes and refuses them (the
// authorisation rules of room versions 11 and 12 and Synapse's membership handler), and the
// reading user's membership on timeline events (MSC4115). The shared driver contract
// (test/contract/driver-contract.ts) holds the world to Synapse on the cases a widget meets.
import { describe, expect, it } from "vitest";
import { MemoryDriver, type MatrixWorld } from "../../../../src/drivers/memory/index.js";
import type { RoomEvent } from "../../../../src/host/driver.js";
import { expectHomeserverError, expectRejection, newWorld, thrownBy } from "./helpers.js";

const ME = "@me:example.org";
const ALICE = "@alice:example.org";
const BOB = "@bob:example.org";
const CAROL = "@carol:example.org";

/** A public room of ME's (version 12 unless asked) with Alice (moderator, 50), Bob and Carol (0) joined. */
function moderatedRoom(roomVersion?: "11" | "12"): { world: MatrixWorld; room: string } {
  const world = newWorld();
  for (const userId of [ALICE, BOB, CAROL]) world.addUser({ userId, displayName: userId.slice(1, 4) });
  const room = world.createRoom({
    creator: ME,
    isPublic: true,
    userPowerLevels: { [ALICE]: 50 },
    ...(roomVersion ? { roomVersion } : {}),
  });
  for (const userId of [ALICE, BOB, CAROL]) world.join(room, userId);
  return { world, room };
}

function member(world: MatrixWorld, room: string, sender: string, target: string, content: object) {
  return world.sendEvent(room, sender, { type: "m.room.member", state_key: target, content: { ...content } });
}

function forbiddenWith(fn: () => unknown, message: string, errcode = "M_FORBIDDEN"): void {
  const error = expectHomeserverError(thrownBy(fn), 403, errcode);
  expect(error.details.error).toBe(message);
}

describe("MatrixWorld kicks", () => {
  it("lets a moderator kick a member by sending their m.room.member leave, with the reason", () => {
    const { world, room } = moderatedRoom();
    const kick = member(world, room, ALICE, BOB, { membership: "leave", reason: "bye" });
    expect(kick).toMatchObject({
      sender: ALICE,
      state_key: BOB,
      content: { membership: "leave", reason: "bye" },
    });
    expect(world.membership(room, BOB)).toBe("leave");
    expect(world.members(room)).not.toContain(BOB);
  });

  it("refuses (403) a kick from a member below the kick level, or of a member at the sender's level, storing nothing", () => {
    const { world, room } = moderatedRoom();
    const before = world.timeline(room).length;
    forbiddenWith(
      () => member(world, room, BOB, CAROL, { membership: "leave" }),
      `You cannot kick user ${CAROL}.`,
    );
    world.sendEvent(room, ME, {
      type: "m.room.power_levels",
      state_key: "",
      content: { ...world.getState(room, "m.room.power_levels"), users: { [ALICE]: 50, [BOB]: 50 } },
    });
    forbiddenWith(() => world.kick(room, ALICE, BOB), `You cannot kick user ${BOB}.`);
    // The creator of a version 12 room is above every level: nobody can kick them.
    forbiddenWith(() => world.kick(room, ALICE, ME), `You cannot kick user ${ME}.`);
    expect(world.timeline(room)).toHaveLength(before + 1);
    expect(world.membership(room, BOB)).toBe("join");
  });

  it("lets a kicked user join the public room again", () => {
    const { world, room } = moderatedRoom();
    world.kick(room, ALICE, BOB, "cool down");
    expect(world.join(room, BOB)?.content).toMatchObject({ membership: "join" });
    expect(world.membership(room, BOB)).toBe("join");
  });

  it("refuses (403) to kick a user who is not in the room, as /kick does", () => {
    const { world, room } = moderatedRoom();
    world.leave(room, CAROL);
    forbiddenWith(() => world.kick(room, ALICE, CAROL), "The target user is not in the room");
    forbiddenWith(
      () => world.kick(room, ALICE, "@stranger:example.org"),
      "The target user is not in the room",
    );
  });

  it("answers the same membership event sent again by the same sender with the event already there", () => {
    const { world, room } = moderatedRoom();
    const first = member(world, room, ALICE, BOB, { membership: "leave", reason: "bye" });
    const again = member(world, room, ALICE, BOB, { membership: "leave", reason: "bye" });
    expect(again.event_id).toBe(first.event_id);
    const other = member(world, room, ALICE, BOB, { membership: "leave", reason: "another" });
    expect(other.event_id).not.toBe(first.event_id);
  });

  it("refuses (403) any membership change from a sender who is not in the room, and forcing a join", () => {
    const { world, room } = moderatedRoom();
    world.addUser({ userId: "@out:example.org" });
    forbiddenWith(
      () => member(world, room, "@out:example.org", BOB, { membership: "leave" }),
      `@out:example.org not in room ${room}.`,
    );
    forbiddenWith(
      () => member(world, room, ALICE, "@out:example.org", { membership: "join" }),
      "Cannot force another user to join.",
    );
  });

  it("refuses malformed membership events with Synapse's 400s", () => {
    const { world, room } = moderatedRoom();
    expectHomeserverError(
      thrownBy(() => member(world, room, ALICE, BOB, { reason: "x" })),
      400,
      "M_UNKNOWN",
    );
    expectHomeserverError(
      thrownBy(() => member(world, room, ALICE, BOB, { membership: "bogus" })),
      400,
      "M_UNKNOWN",
    );
    expectHomeserverError(
      thrownBy(() => member(world, room, ALICE, "not-a-user", { membership: "leave" })),
      400,
      "M_INVALID_PARAM",
    );
    forbiddenWith(
      () => member(world, room, CAROL, CAROL, { membership: "knock" }),
      "You don't have permission to knock",
    );
    expect(world.membership(room, BOB)).toBe("join");
  });
});

describe("MatrixWorld bans", () => {
  it("bans a member by m.room.member ban: they leave the members and cannot join again (403 M_BAD_STATE)", () => {
    const { world, room } = moderatedRoom();
    const ban = member(world, room, ALICE, BOB, { membership: "ban", reason: "spam" });
    expect(ban.content).toEqual({ membership: "ban", reason: "spam" });
    expect(world.membership(room, BOB)).toBe("ban");
    expect(world.members(room, "ban")).toEqual([BOB]);
    forbiddenWith(() => world.join(room, BOB), "Cannot join user who was banned", "M_BAD_STATE");
    forbiddenWith(
      () => member(world, room, BOB, BOB, { membership: "join" }),
      "Cannot join user who was banned",
      "M_BAD_STATE",
    );
    expect(world.membership(room, BOB)).toBe("ban");
  });

  it("refuses (403 M_BAD_STATE) to invite a banned user, whichever way the invite comes", () => {
    const { world, room } = moderatedRoom();
    world.ban(room, ALICE, BOB);
    forbiddenWith(() => world.invite(room, ALICE, BOB), "Cannot invite user who was banned", "M_BAD_STATE");
    forbiddenWith(
      () => member(world, room, ALICE, BOB, { membership: "invite" }),
      "Cannot invite user who was banned",
      "M_BAD_STATE",
    );
  });

  it("bans a user who never joined", () => {
    const { world, room } = moderatedRoom();
    world.ban(room, ALICE, "@spammer:elsewhere.example", "pre-emptive");
    expect(world.membership(room, "@spammer:elsewhere.example")).toBe("ban");
  });

  it("refuses (403) a ban below the ban level or of a user at the sender's level", () => {
    const { world, room } = moderatedRoom();
    forbiddenWith(() => world.ban(room, BOB, CAROL), "You don't have permission to ban");
    forbiddenWith(() => world.ban(room, ALICE, ME), "You don't have permission to ban this user");
    expect(world.membership(room, CAROL)).toBe("join");
  });

  it("unbans with a leave from a member at the ban level, after which the user may join the public room", () => {
    const { world, room } = moderatedRoom();
    world.ban(room, ALICE, BOB);
    forbiddenWith(
      () => member(world, room, CAROL, BOB, { membership: "leave" }),
      `You cannot unban user ${BOB}.`,
    );
    const unban = member(world, room, ALICE, BOB, { membership: "leave" });
    expect(unban.content).toEqual({ membership: "leave" });
    expect(world.join(room, BOB)).toBeDefined();
  });

  it("unban() refuses (403 M_BAD_STATE) a user who is not banned, and lifts a ban", () => {
    const { world, room } = moderatedRoom();
    forbiddenWith(
      () => world.unban(room, ALICE, BOB),
      "Cannot unban user who was not banned (membership=join)",
      "M_BAD_STATE",
    );
    world.ban(room, ALICE, BOB);
    expect(world.unban(room, ALICE, BOB).content).toEqual({ membership: "leave" });
    expect(world.membership(room, BOB)).toBe("leave");
  });

  it("reports bans to membership listeners with the previous membership", () => {
    const { world, room } = moderatedRoom();
    const changes: string[] = [];
    world.on("membership", ({ userId, previous, membership }) =>
      changes.push(`${userId}:${String(previous)}>${membership}`),
    );
    world.ban(room, ALICE, BOB);
    world.unban(room, ALICE, BOB);
    expect(changes).toEqual([`${BOB}:join>ban`, `${BOB}:ban>leave`]);
  });

  it("tells the MemoryDriver's watcher that the signed-in user was banned, though they are no longer in the room", () => {
    const world = newWorld();
    world.addUser({ userId: ALICE });
    const room = world.createRoom({ creator: ALICE, isPublic: true });
    world.join(room, ME);
    const driver = new MemoryDriver(world);
    const seen: RoomEvent[] = [];
    driver.watchRoomEvents((event) => seen.push(event));
    world.ban(room, ALICE, ME, "no");
    expect(seen.map((event) => [event.content["membership"], event.unsigned?.["membership"]])).toEqual([
      ["ban", "ban"],
    ]);
  });
});

describe("MatrixWorld changes of other users' power", () => {
  /** A version 11 room where power levels need 50: ME 100, Alice 90, Bob 50. */
  function powerRoom(): { world: MatrixWorld; room: string; levels: Record<string, unknown> } {
    const world = newWorld();
    for (const userId of [ALICE, BOB]) world.addUser({ userId });
    const room = world.createRoom({
      creator: ME,
      roomVersion: "11",
      isPublic: true,
      userPowerLevels: { [ALICE]: 90, [BOB]: 50 },
    });
    world.join(room, ALICE);
    world.join(room, BOB);
    const levels = world.getState(room, "m.room.power_levels")!;
    const events = { ...(levels["events"] as Record<string, number>), "m.room.power_levels": 50 };
    world.sendEvent(room, ME, { type: "m.room.power_levels", state_key: "", content: { ...levels, events } });
    return { world, room, levels: { ...levels, events } };
  }

  function setLevels(world: MatrixWorld, room: string, sender: string, content: Record<string, unknown>) {
    return world.sendEvent(room, sender, { type: "m.room.power_levels", state_key: "", content });
  }

  it("refuses (403) to raise anyone, oneself included, above the sender's level", () => {
    const { world, room, levels } = powerRoom();
    const users = { [ME]: 100, [ALICE]: 90, [BOB]: 50 };
    const greater = "You don't have permission to add ops level greater than your own";
    forbiddenWith(
      () => setLevels(world, room, ALICE, { ...levels, users: { ...users, [ALICE]: 91 } }),
      greater,
    );
    forbiddenWith(
      () => setLevels(world, room, ALICE, { ...levels, users: { ...users, [BOB]: 95 } }),
      greater,
    );
    forbiddenWith(
      () => setLevels(world, room, ALICE, { ...levels, users: { ...users, "@new:example.org": 95 } }),
      greater,
    );
    expect(world.getState(room, "m.room.power_levels")?.["users"]).toEqual(users);
  });

  it("lets a sender raise another user to their own level, and lower themselves", () => {
    const { world, room, levels } = powerRoom();
    setLevels(world, room, ALICE, { ...levels, users: { [ME]: 100, [ALICE]: 80, [BOB]: 80 } });
    expect(world.getState(room, "m.room.power_levels")?.["users"]).toEqual({
      [ME]: 100,
      [ALICE]: 80,
      [BOB]: 80,
    });
  });

  it("refuses (403) to change a user at the sender's level or above, except oneself", () => {
    const { world, room, levels } = powerRoom();
    setLevels(world, room, ALICE, { ...levels, users: { [ME]: 100, [ALICE]: 90, [BOB]: 90 } });
    forbiddenWith(
      () => setLevels(world, room, ALICE, { ...levels, users: { [ME]: 100, [ALICE]: 90, [BOB]: 10 } }),
      "You don't have permission to remove ops level equal to your own",
    );
    forbiddenWith(
      () => setLevels(world, room, ALICE, { ...levels, users: { [ME]: 100, [ALICE]: 90 } }),
      "You don't have permission to remove ops level equal to your own",
    );
    forbiddenWith(
      () => setLevels(world, room, ALICE, { ...levels, users: { [ME]: 50, [ALICE]: 90, [BOB]: 90 } }),
      "You don't have permission to add ops level greater than your own",
    );
  });

  it("refuses (403) to set an event's or a named level above the sender's level, or change one that is", () => {
    const { world, room, levels } = powerRoom();
    const greater = "You don't have permission to add ops level greater than your own";
    const events = levels["events"] as Record<string, number>;
    forbiddenWith(() => setLevels(world, room, ALICE, { ...levels, kick: 95 }), greater);
    forbiddenWith(
      () => setLevels(world, room, ALICE, { ...levels, events: { ...events, "org.example.x": 95 } }),
      greater,
    );
    // The tombstone is at 100, above Alice: she may neither lower nor drop it.
    forbiddenWith(
      () => setLevels(world, room, ALICE, { ...levels, events: { ...events, "m.room.tombstone": 50 } }),
      greater,
    );
    forbiddenWith(() => setLevels(world, room, ALICE, { ...levels, notifications: { room: 95 } }), greater);
    setLevels(world, room, ALICE, { ...levels, kick: 90, events: { ...events, "org.example.x": 90 } });
    expect(world.getState(room, "m.room.power_levels")).toMatchObject({ kick: 90 });
  });

  it("lets the creator of a version 12 room change any level", () => {
    const { world, room } = moderatedRoom();
    const levels = world.getState(room, "m.room.power_levels")!;
    world.sendEvent(room, ME, {
      type: "m.room.power_levels",
      state_key: "",
      content: { ...levels, users: { [ALICE]: 1_000_000 }, kick: 1_000_000 },
    });
    expect(world.getState(room, "m.room.power_levels")).toMatchObject({
      users: { [ALICE]: 1_000_000 },
      kick: 1_000_000,
    });
  });
});

describe("MatrixWorld unsigned.membership (MSC4115)", () => {
  it("gives each event read asUser that user's membership right after it, and leave before they had one", () => {
    const world = newWorld();
    world.addUser({ userId: ALICE });
    world.addUser({ userId: BOB });
    const room = world.createRoom({ creator: ALICE, isPublic: true, userPowerLevels: { [BOB]: 50 } });
    world.join(room, BOB);
    const early = world.sendEvent(room, ALICE, { type: "m.room.message", content: { body: "before" } });
    world.join(room, ME);
    const during = world.sendEvent(room, ALICE, { type: "m.room.message", content: { body: "during" } });
    const kick = world.kick(room, BOB, ME);
    const after = world.sendEvent(room, ALICE, { type: "m.room.message", content: { body: "after" } });
    const read = (eventId: string) => world.getEvent(room, eventId, { asUser: ME })?.unsigned?.membership;
    expect([early, during, kick, after].map((event) => read(event.event_id))).toEqual([
      "leave",
      "join",
      "leave",
      "leave",
    ]);
    expect(world.timeline(room, { asUser: ME }).map((event) => event.unsigned?.membership)).toContain("join");
    expect(
      world
        .recentEvents(room, { type: "m.room.message", limit: 3, asUser: ME })
        .map((e) => e.unsigned?.membership),
    ).toEqual(["leave", "join", "leave"]);
    // Without asUser, no membership, as before.
    expect(world.getEvent(room, during.event_id)?.unsigned).not.toHaveProperty("membership");
  });

  it("puts the signed-in user's membership on the MemoryDriver's reads and feed", async () => {
    const world = newWorld();
    world.addUser({ userId: ALICE });
    const room = world.createRoom({ creator: ME, invite: [ALICE] });
    world.join(room, ALICE);
    const driver = new MemoryDriver(world);
    const fed: RoomEvent[] = [];
    driver.watchRoomEvents((event) => fed.push(event));
    const sent = world.sendEvent(room, ALICE, { type: "m.room.message", content: { body: "hi" } });
    const [read] = await driver.readRoomEvents({ roomId: room, eventType: "m.room.message", limit: 1 });
    expect(read?.event_id).toBe(sent.event_id);
    expect(read?.unsigned?.["membership"]).toBe("join");
    expect(fed.map((event) => event.unsigned?.["membership"])).toEqual(["join"]);
    const reaction = world.sendEvent(room, ALICE, {
      type: "m.reaction",
      content: { "m.relates_to": { rel_type: "m.annotation", event_id: sent.event_id, key: "+1" } },
    });
    const page = await driver.readEventRelations({ roomId: room, eventId: sent.event_id });
    expect(page.chunk.map((event) => [event.event_id, event.unsigned?.["membership"]])).toEqual([
      [reaction.event_id, "join"],
    ]);
  });

  it("rejects a kick by the MemoryDriver's user below the kick level with the world's 403", async () => {
    const world = newWorld();
    world.addUser({ userId: ALICE });
    world.addUser({ userId: BOB });
    const room = world.createRoom({ creator: ALICE, isPublic: true });
    world.join(room, ME);
    world.join(room, BOB);
    const driver = new MemoryDriver(world);
    await expectRejection(
      driver.sendEvent("m.room.member", { membership: "leave" }, { roomId: room, stateKey: BOB }),
      403,
      "M_FORBIDDEN",
    );
    expect(world.membership(room, BOB)).toBe("join");
  });
});
