// The world redacts as Synapse does in a room of version 11 or 12 (one algorithm): a widget that
// reads the timeline after a redaction (Element Call lowering a hand, taking back a reaction)
// sees the redacted form.
import { describe, expect, it } from "vitest";
import { MemoryDriver, type MatrixEvent, type MatrixWorld } from "../../../../src/drivers/memory/index.js";
import { redactedContent } from "../../../../src/drivers/memory/redaction.js";
import { mountWidget } from "../../../../src/testing/index.js";
import {
  eventCapability,
  onRoomEvent,
  readRoomEvents,
  sendEvent,
  type WireRoomEvent,
} from "../../../../src/widget/index.js";
import { expectHomeserverError, expectRejection, newWorld, thrownBy, withoutAge } from "./helpers.js";

const ME = "@me:example.org";
const ALICE = "@alice:example.org";
const BOB = "@bob:example.org";

/** A public room created by ME (unlimited power, version 12), with Alice and Bob joined at the default power 0. */
function roomWithMembers(): { world: MatrixWorld; room: string } {
  const world = newWorld();
  world.addUser({ userId: ALICE, displayName: "Alice" });
  world.addUser({ userId: BOB, displayName: "Bob" });
  const room = world.createRoom({ creator: ME, name: "Lobby", isPublic: true });
  world.join(room, ALICE);
  world.join(room, BOB);
  return { world, room };
}

function message(world: MatrixWorld, room: string, sender: string, body: string): MatrixEvent {
  return world.sendEvent(room, sender, { type: "m.room.message", content: { msgtype: "m.text", body } });
}

function redact(world: MatrixWorld, room: string, sender: string, eventId: string, reason?: string) {
  const content = reason === undefined ? { redacts: eventId } : { redacts: eventId, reason };
  return world.sendEvent(room, sender, { type: "m.room.redaction", content });
}

describe("MatrixWorld redactions", () => {
  it("redacts the sender's own event: content emptied, redacted_because set, in getEvent and the timeline", () => {
    const { world, room } = roomWithMembers();
    const target = message(world, room, ALICE, "oops");
    const redaction = redact(world, room, ALICE, target.event_id, "typo");

    const expected: MatrixEvent = {
      event_id: target.event_id,
      room_id: room,
      sender: ALICE,
      type: "m.room.message",
      content: {},
      origin_server_ts: target.origin_server_ts,
      // Read one step of the world's clock after it was sent, as the redaction came then.
      unsigned: { age: 1000, redacted_because: redaction, redacted_by: redaction.event_id },
    };
    expect(world.getEvent(room, target.event_id)).toEqual(expected);
    expect(world.timeline(room).find((event) => event.event_id === target.event_id)).toEqual(expected);
    expect(redaction).toMatchObject({
      type: "m.room.redaction",
      sender: ALICE,
      content: { redacts: target.event_id, reason: "typo" },
      redacts: target.event_id,
    });
    expect(world.timeline(room).at(-1)).toEqual(redaction);
  });

  it("redacts the event a MemoryDriver.sendEvent redaction names, and readRoomEvents returns the redacted form", async () => {
    const { world, room } = roomWithMembers();
    const driver = new MemoryDriver(world);
    const target = message(world, room, ME, "hello");
    const sent = await driver.sendEvent("m.room.redaction", { redacts: target.event_id }, { roomId: room });

    const [read] = await driver.readRoomEvents({ roomId: room, eventType: "m.room.message", limit: 1 });
    expect(read).toMatchObject({ event_id: target.event_id, content: {} });
    expect(read!.unsigned).toEqual({
      age: 1000,
      membership: "join",
      redacted_because: expect.objectContaining({ event_id: sent.eventId }),
      redacted_by: sent.eventId,
    });
  });

  it("refuses (403 M_FORBIDDEN) another user's event to a sender below the redact level, changing nothing", () => {
    const { world, room } = roomWithMembers();
    const target = message(world, room, BOB, "mine");
    const before = world.snapshot();

    expectHomeserverError(
      thrownBy(() => redact(world, room, ALICE, target.event_id)),
      403,
      "M_FORBIDDEN",
    );
    expect(world.snapshot()).toEqual(before);
  });

  it("lets a sender redact another user's event once the power levels give them the redact level", () => {
    const { world, room } = roomWithMembers();
    const target = message(world, room, BOB, "spam");
    expectHomeserverError(
      thrownBy(() => redact(world, room, ALICE, target.event_id)),
      403,
      "M_FORBIDDEN",
    );
    const levels = world.getState(room, "m.room.power_levels")!;
    world.sendEvent(room, ME, {
      type: "m.room.power_levels",
      state_key: "",
      content: { ...levels, users: { ...(levels["users"] as Record<string, number>), [ALICE]: 50 } },
    });

    const redaction = redact(world, room, ALICE, target.event_id);
    expect(world.getEvent(room, target.event_id)).toMatchObject({
      content: {},
      unsigned: { redacted_because: redaction },
    });
  });

  it("reads the redact level from the room's power levels: redact 0 lets every member redact others", () => {
    const { world, room } = roomWithMembers();
    const levels = world.getState(room, "m.room.power_levels")!;
    world.sendEvent(room, ME, {
      type: "m.room.power_levels",
      state_key: "",
      content: { ...levels, redact: 0 },
    });
    const target = message(world, room, BOB, "anything");

    redact(world, room, ALICE, target.event_id);
    expect(world.getEvent(room, target.event_id)?.content).toEqual({});
  });

  it("lets the room's creator redact another member's event", () => {
    const { world, room } = roomWithMembers();
    const target = message(world, room, ALICE, "off-topic");
    redact(world, room, ME, target.event_id);
    expect(world.getEvent(room, target.event_id)?.content).toEqual({});
  });

  it("shows the redacted form of a current state event in the room's current state", async () => {
    const { world, room } = roomWithMembers();
    const topic = world.sendEvent(room, ME, {
      type: "m.room.topic",
      state_key: "",
      content: { topic: "secret plans" },
    });
    const redaction = redact(world, room, ME, topic.event_id);

    const expected = {
      ...topic,
      content: {},
      unsigned: { age: 1000, redacted_because: redaction, redacted_by: redaction.event_id },
    };
    expect(world.getStateEvent(room, "m.room.topic")).toEqual(expected);
    expect(world.getStateEvents(room, "m.room.topic")).toEqual([expected]);
    expect(world.getState(room, "m.room.topic")).toEqual({});
    expect(world.getRoom(room)?.topic).toBeUndefined();
    const driver = new MemoryDriver(world);
    expect(await driver.readStateEvents(room, "m.room.topic", "")).toEqual([expected]);
  });

  it("keeps the membership of a redacted m.room.member event and drops its display name", () => {
    const { world, room } = roomWithMembers();
    const join = world.getStateEvent(room, "m.room.member", ALICE)!;
    expect(join.content).toEqual({ membership: "join", displayname: "Alice" });
    redact(world, room, ME, join.event_id);

    expect(world.getStateEvent(room, "m.room.member", ALICE)?.content).toEqual({ membership: "join" });
    expect(world.membership(room, ALICE)).toBe("join");
  });

  it("drops every content key of a redacted m.room.message, body and msgtype included", () => {
    const { world, room } = roomWithMembers();
    const target = world.sendEvent(room, ME, {
      type: "m.room.message",
      content: { msgtype: "m.text", body: "private", format: "org.matrix.custom.html" },
    });
    redact(world, room, ME, target.event_id);
    expect(world.getEvent(room, target.event_id)?.content).toEqual({});
  });

  it("takes the target from content.redacts or from the top-level redacts, and stores it in both places", () => {
    const { world, room } = roomWithMembers();
    const first = message(world, room, ME, "one");
    const second = message(world, room, ME, "two");

    const inContent = world.sendEvent(room, ME, {
      type: "m.room.redaction",
      content: { redacts: first.event_id },
    });
    const topLevel = world.sendEvent(room, ME, {
      type: "m.room.redaction",
      content: { reason: "old style" },
      redacts: second.event_id,
    });

    expect(world.getEvent(room, first.event_id)?.content).toEqual({});
    expect(world.getEvent(room, second.event_id)?.content).toEqual({});
    expect(inContent).toMatchObject({ redacts: first.event_id, content: { redacts: first.event_id } });
    expect(topLevel).toMatchObject({
      redacts: second.event_id,
      content: { redacts: second.event_id, reason: "old style" },
    });
  });

  it("follows content.redacts when the top-level redacts names another event (room version 11)", () => {
    const { world, room } = roomWithMembers();
    const named = message(world, room, ME, "named in content");
    const other = message(world, room, ME, "named at the top");
    world.sendEvent(room, ME, {
      type: "m.room.redaction",
      content: { redacts: named.event_id },
      redacts: other.event_id,
    });
    expect(world.getEvent(room, named.event_id)?.content).toEqual({});
    expect(world.getEvent(room, other.event_id)?.content).toEqual({
      msgtype: "m.text",
      body: "named at the top",
    });
  });

  it("refuses (400) a redaction that names no event, storing nothing", () => {
    const { world, room } = roomWithMembers();
    const before = world.snapshot();
    for (const content of [{}, { redacts: 42 }, { redacts: "" }]) {
      expectHomeserverError(
        thrownBy(() => world.sendEvent(room, ME, { type: "m.room.redaction", content })),
        400,
        "M_INVALID_PARAM",
      );
    }
    expect(world.snapshot()).toEqual(before);
  });

  it("stores a moderator's redaction of an unknown event, as Synapse serves it, and changes nothing else", () => {
    const { world, room } = roomWithMembers();
    const before = world.timeline(room);
    const redaction = redact(world, room, ME, "$not-here");
    expect(redaction).toMatchObject({ redacts: "$not-here", content: { redacts: "$not-here" } });
    expect(withoutAge(world.timeline(room))).toEqual(withoutAge([...before, redaction]));
  });

  it("answers 404 M_NOT_FOUND to an unknown event from a sender below the redact level, as Synapse does", () => {
    const { world, room } = roomWithMembers();
    const before = world.snapshot();
    expectHomeserverError(
      thrownBy(() => redact(world, room, ALICE, "$not-here")),
      404,
      "M_NOT_FOUND",
    );
    expect(world.snapshot()).toEqual(before);
  });

  it("refuses (400) to redact an event of another room, from this room", () => {
    const { world, room } = roomWithMembers();
    const elsewhere = world.createRoom({ creator: ME });
    const target = message(world, elsewhere, ME, "over there");
    expectHomeserverError(
      thrownBy(() => redact(world, room, ME, target.event_id)),
      400,
      "M_UNKNOWN",
    );
    expect(world.getEvent(elsewhere, target.event_id)?.content).toEqual({
      msgtype: "m.text",
      body: "over there",
    });
  });

  it("refuses (403) to redact the room's create or server ACL event, even to its creator", () => {
    const { world, room } = roomWithMembers();
    const create = world.getStateEvent(room, "m.room.create")!;
    const acl = world.sendEvent(room, ME, {
      type: "m.room.server_acl",
      state_key: "",
      content: { allow: ["*"], deny: ["evil.example"] },
    });
    for (const target of [create, acl]) {
      expectHomeserverError(
        thrownBy(() => redact(world, room, ME, target.event_id)),
        403,
        "M_FORBIDDEN",
      );
      expect(withoutAge(world.getEvent(room, target.event_id))).toEqual(withoutAge(target));
    }
  });

  it("tells live listeners about the redaction, and not about the redacted event again", async () => {
    const { world, room } = roomWithMembers();
    const driver = new MemoryDriver(world);
    const topic = world.sendEvent(room, ME, {
      type: "m.room.topic",
      state_key: "",
      content: { topic: "t" },
    });
    const events: MatrixEvent[] = [];
    const states: MatrixEvent[] = [];
    const fed: unknown[] = [];
    world.on("event", (event) => events.push(event));
    world.on("state", (event) => states.push(event));
    driver.watchRoomEvents((event) => fed.push(event));
    const seenAtDelivery: unknown[] = [];
    world.on("event", () => seenAtDelivery.push(world.getEvent(room, topic.event_id)?.content));

    const redaction = redact(world, room, ME, topic.event_id);
    expect(events).toEqual([redaction]);
    // The driver's feed adds the signed-in user's membership after the event (MSC4115).
    expect(fed).toEqual([{ ...redaction, unsigned: { ...redaction.unsigned, membership: "join" } }]);
    expect(states).toEqual([]);
    // A listener that reads the room on hearing of the redaction already finds the target redacted.
    expect(seenAtDelivery).toEqual([{}]);
  });

  it("stores a second redaction of a redacted event and keeps the first as redacted_because", () => {
    const { world, room } = roomWithMembers();
    const target = message(world, room, ALICE, "twice");
    const first = redact(world, room, ALICE, target.event_id, "first");
    const second = redact(world, room, ME, target.event_id, "second");

    expect(withoutAge(world.getEvent(room, target.event_id))?.unsigned).toEqual({
      redacted_because: withoutAge(first),
      redacted_by: first.event_id,
    });
    expect(withoutAge(world.timeline(room).slice(-2))).toEqual(withoutAge([first, second]));
  });

  it("redacts the target of a delayed redaction when it is sent", async () => {
    const { world, room } = roomWithMembers();
    const driver = new MemoryDriver(world);
    const target = message(world, room, ME, "self-destructing");
    const { delayId } = await driver.sendEvent(
      "m.room.redaction",
      { redacts: target.event_id },
      { roomId: room, delayMs: 60_000 },
    );
    expect(world.getEvent(room, target.event_id)?.content).not.toEqual({});

    await driver.updateDelayedEvent(delayId!, "send");
    expect(world.getEvent(room, target.event_id)?.content).toEqual({});
  });

  it("rejects MemoryDriver.sendEvent's redaction with the world's 403 when the signed-in user may not redact", async () => {
    const world = newWorld();
    world.addUser({ userId: ALICE });
    world.addUser({ userId: BOB });
    const room = world.createRoom({ creator: ALICE, isPublic: true });
    world.join(room, ME);
    world.join(room, BOB);
    const target = message(world, room, BOB, "not yours");

    await expectRejection(
      new MemoryDriver(world).sendEvent("m.room.redaction", { redacts: target.event_id }, { roomId: room }),
      403,
      "M_FORBIDDEN",
    );
    expect(world.getEvent(room, target.event_id)).toEqual(target);
  });
});

describe("redactedContent (room version 11)", () => {
  it.each([
    ["m.room.message", { msgtype: "m.text", body: "hi" }, {}],
    ["m.reaction", { "m.relates_to": { rel_type: "m.annotation", event_id: "$e1", key: "✋" } }, {}],
    [
      "m.room.member",
      {
        membership: "join",
        displayname: "Alice",
        avatar_url: "mxc://a/b",
        join_authorised_via_users_server: "@me:example.org",
        third_party_invite: { display_name: "alice@example.org", signed: { token: "t" } },
      },
      {
        membership: "join",
        join_authorised_via_users_server: "@me:example.org",
        third_party_invite: { signed: { token: "t" } },
      },
    ],
    [
      "m.room.create",
      { room_version: "11", "m.federate": false, extra: 1 },
      { room_version: "11", "m.federate": false, extra: 1 },
    ],
    [
      "m.room.join_rules",
      { join_rule: "restricted", allow: [{ type: "m.room_membership" }], x: 1 },
      { join_rule: "restricted", allow: [{ type: "m.room_membership" }] },
    ],
    [
      "m.room.power_levels",
      {
        ban: 50,
        events: { "m.room.name": 50 },
        events_default: 0,
        invite: 0,
        kick: 50,
        redact: 50,
        state_default: 50,
        users: { "@me:example.org": 100 },
        users_default: 0,
        notifications: { room: 50 },
        historical: 100,
      },
      {
        ban: 50,
        events: { "m.room.name": 50 },
        events_default: 0,
        invite: 0,
        kick: 50,
        redact: 50,
        state_default: 50,
        users: { "@me:example.org": 100 },
        users_default: 0,
      },
    ],
    [
      "m.room.history_visibility",
      { history_visibility: "shared", note: "x" },
      { history_visibility: "shared" },
    ],
    ["m.room.redaction", { redacts: "$e1", reason: "spam" }, { redacts: "$e1" }],
    ["m.room.name", { name: "Lobby" }, {}],
    ["__proto__", { membership: "join" }, {}],
  ])("keeps only the allowed content keys of %s", (type, content, expected) => {
    expect(redactedContent(type, content)).toEqual(expected);
  });

  it("drops a third_party_invite without signed from a member event", () => {
    expect(
      redactedContent("m.room.member", { membership: "invite", third_party_invite: { display_name: "x" } }),
    ).toEqual({ membership: "invite" });
  });
});

describe("redactions from a widget (the test kit)", () => {
  it("a widget's redaction of a reaction, as Element Call lowers a hand, leaves the reaction redacted for reads", async () => {
    const kit = await mountWidget({
      capabilities: [
        eventCapability("send", "m.room.redaction"),
        eventCapability("receive", "m.room.redaction"),
        eventCapability("send", "m.reaction"),
        eventCapability("receive", "m.reaction"),
      ],
    });
    try {
      const seen: WireRoomEvent[] = [];
      onRoomEvent(kit.client, (event) => void seen.push(event));
      const hand = await sendEvent(kit.client, "m.reaction", {
        "m.relates_to": { rel_type: "m.annotation", event_id: "$e1", key: "🖐️" },
      });
      const lowered = await sendEvent(kit.client, "m.room.redaction", { redacts: hand.eventId });
      await kit.settle();

      const [reaction] = await readRoomEvents(kit.client, "m.reaction", { limit: 1 });
      expect(reaction).toMatchObject({ event_id: hand.eventId, content: {} });
      expect(reaction!.unsigned?.["redacted_because"]).toMatchObject({ event_id: lowered.eventId });
      expect(seen.map((event) => [event.type, event.event_id])).toEqual([
        ["m.reaction", hand.eventId],
        ["m.room.redaction", lowered.eventId],
      ]);
    } finally {
      kit.destroy();
    }
  });
});
