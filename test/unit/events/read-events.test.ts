import { describe, expect, it } from "vitest";
import { DEFAULT_HOST_LIMITS } from "../../../src/host/limits.js";
import type { ReadEventsQuery } from "../../../src/host/driver.js";
import { MAX_READ_ROOM_IDS } from "../../../src/protocol/actions/events.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { readRoomEvents, readStateEvents } from "../../../src/widget/features/events.js";
import { eventFaults, FakeEventDriver, makeEvent, message, stateEvent } from "./fake-driver.js";
import { cap, openClientSession, openRawSession, OTHER, ROOM, THIRD } from "./harness.js";

const READ = "org.matrix.msc2876.read_events";
const ids = (events: unknown) => (events as Array<{ event_id: string }>).map((e) => e.event_id);

function chatDriver() {
  const driver = new FakeEventDriver();
  const first = message(ROOM, "m.text", "one");
  const emote = message(ROOM, "m.emote", "waves");
  const second = message(ROOM, "m.text", "two");
  const notice = message(ROOM, "m.notice", "bot");
  driver.seed(first, emote, second, notice);
  return { driver, first, emote, second, notice };
}

describe("read_events: room events", () => {
  it.each([READ, "read_events"])("answers %s with the viewed room's events, newest first", async (action) => {
    const { driver, first, emote, second, notice } = chatDriver();
    const s = await openRawSession({ capabilities: [cap.receive("m.room.message")], driver });
    const { response, reply } = await s.send(action, { type: "m.room.message" });
    expect(reply.action).toBe(action);
    expect(ids(response.events)).toEqual([notice.event_id, second.event_id, emote.event_id, first.event_id]);
    expect(driver.callsOf("readRoomEvents")).toEqual([
      [{ roomId: ROOM, eventType: "m.room.message", limit: DEFAULT_HOST_LIMITS.maxReadEventsLimit }],
    ]);
  });

  it("clamps limit to the host's maxReadEventsLimit: 25 by default, and what the host sets instead", async () => {
    const byDefault = await openRawSession({ capabilities: [cap.receive("m.room.message")] });
    await byDefault.send(READ, { type: "m.room.message", limit: 500 });
    const raised = await openRawSession({
      capabilities: [cap.receive("m.room.message")],
      limits: { maxReadEventsLimit: 200 },
    });
    await raised.send(READ, { type: "m.room.message", limit: 500 });
    await raised.send(READ, { type: "m.room.message" });
    const limitsAsked = (s: typeof byDefault) =>
      s.driver.callsOf("readRoomEvents").map(([query]) => (query as { limit: number }).limit);
    expect(limitsAsked(byDefault)).toEqual([25]);
    // Absent, the limit is the maximum, as MSC2876 has it.
    expect(limitsAsked(raised)).toEqual([200, 200]);
  });

  it("reads through the widget's readRoomEvents under the advertised unstable name", async () => {
    const { driver, second, first } = chatDriver();
    const s = await openClientSession({ capabilities: [cap.receive("m.room.message#m.text")], driver });
    const events = await readRoomEvents(s.client, "m.room.message", { msgtype: "m.text", limit: 5 });
    expect(ids(events)).toEqual([second.event_id, first.event_id]);
    expect(s.pair.widget.sent.filter((m) => m.action === READ)).toHaveLength(1);
  });

  it("refuses a type the widget may not receive, before the driver", async () => {
    const s = await openRawSession({
      capabilities: [cap.receive("com.example.a"), cap.send("m.room.message")],
    });
    const { error } = await s.send(READ, { type: "m.room.message" });
    expect(error?.code).toBe(ErrorCode.MissingCapability);
    expect(s.driver.asyncCalls).toEqual([]);
  });

  it("reads only granted msgtypes: a refused msgtype errors, no msgtype filters the result", async () => {
    const { driver, first, second } = chatDriver();
    const s = await openRawSession({ capabilities: [cap.receive("m.room.message#m.text")], driver });
    const refused = await s.send(READ, { type: "m.room.message", msgtype: "m.emote" });
    expect(refused.error?.code).toBe(ErrorCode.MissingCapability);
    expect(driver.asyncCalls).toEqual([]);
    const all = await s.send(READ, { type: "m.room.message" });
    expect(ids(all.response.events)).toEqual([second.event_id, first.event_id]);
    const text = await s.send(READ, { type: "m.room.message", msgtype: "m.text" });
    expect(ids(text.response.events)).toEqual([second.event_id, first.event_id]);
    expect(driver.callsOf("readRoomEvents")[1]).toEqual([
      {
        roomId: ROOM,
        eventType: "m.room.message",
        msgtype: "m.text",
        limit: DEFAULT_HOST_LIMITS.maxReadEventsLimit,
      },
    ]);
  });

  it("ignores msgtype for types other than m.room.message", async () => {
    const driver = new FakeEventDriver().seed(makeEvent({ room_id: ROOM, type: "com.example.a" }));
    const s = await openRawSession({ capabilities: [cap.receive("com.example.a")], driver });
    const { response } = await s.send(READ, { type: "com.example.a", msgtype: "m.text" });
    expect(response.events).toHaveLength(1);
    expect(driver.callsOf("readRoomEvents")[0]).toEqual([
      { roomId: ROOM, eventType: "com.example.a", limit: 25 },
    ]);
  });

  it("never returns events the driver should not have given: other types, rooms, kinds, msgtypes, malformed", async () => {
    const good = message(ROOM, "m.text");
    const driver = new FakeEventDriver().respond("readRoomEvents", () => [
      good,
      message(ROOM, "m.emote"),
      message(OTHER, "m.text"),
      makeEvent({ room_id: ROOM, type: "m.room.topic", state_key: "", content: { msgtype: "m.text" } }),
      makeEvent({ room_id: ROOM, type: "m.reaction", content: { msgtype: "m.text" } }),
      { type: "m.room.message", content: { msgtype: "m.text" } },
      null,
      "junk",
      { ...good },
    ]);
    const s = await openRawSession({ capabilities: [cap.receive("m.room.message#m.text")], driver });
    const { response } = await s.send(READ, { type: "m.room.message" });
    expect(ids(response.events)).toEqual([good.event_id]);
  });

  it("turns a driver answer that is not a list into an internal error", async () => {
    const driver = new FakeEventDriver().fail("readRoomEvents", eventFaults.malformed({ events: [] }));
    const s = await openRawSession({ capabilities: [cap.receive("com.example.a")], driver });
    expect((await s.send(READ, { type: "com.example.a" })).error?.code).toBe(ErrorCode.Internal);
  });

  it("relays driver failures as exactly one error", async () => {
    const driver = new FakeEventDriver().fail("readRoomEvents", eventFaults.forbidden());
    const s = await openRawSession({ capabilities: [cap.receive("com.example.a")], driver });
    const { error } = await s.send(READ, { type: "com.example.a" });
    expect(error?.code).toBe(ErrorCode.HomeserverError);
  });
});

describe("read_events: limit and since", () => {
  function manyMessages(count: number) {
    const driver = new FakeEventDriver();
    const events = Array.from({ length: count }, (_, i) => message(ROOM, "m.text", `#${i}`));
    driver.seed(...events);
    return { driver, events };
  }

  it("defaults to and clamps at 25 events", async () => {
    const { driver } = manyMessages(40);
    const s = await openRawSession({ capabilities: [cap.receive("m.room.message")], driver });
    expect((await s.send(READ, { type: "m.room.message" })).response.events).toHaveLength(25);
    expect((await s.send(READ, { type: "m.room.message", limit: 1000 })).response.events).toHaveLength(25);
    expect(driver.callsOf("readRoomEvents").map((c) => (c[0] as ReadEventsQuery).limit)).toEqual([25, 25]);
  });

  it.each([
    ["a digit string", "3", 3],
    ["a fraction, whose fraction is dropped", 3.7, 3],
  ])("accepts a limit that is %s, as Element does", async (_what, limit, expected) => {
    const { driver } = manyMessages(10);
    const s = await openRawSession({ capabilities: [cap.receive("m.room.message")], driver });
    expect((await s.send(READ, { type: "m.room.message", limit })).response.events).toHaveLength(expected);
    expect(driver.callsOf("readRoomEvents").map((c) => (c[0] as ReadEventsQuery).limit)).toEqual([expected]);
  });

  it("never returns more than the limit, even when the driver does", async () => {
    const events = Array.from({ length: 10 }, () => message(ROOM, "m.text"));
    const driver = new FakeEventDriver().respond("readRoomEvents", () => events);
    const s = await openRawSession({ capabilities: [cap.receive("m.room.message")], driver });
    expect((await s.send(READ, { type: "m.room.message", limit: 3 })).response.events).toHaveLength(3);
  });

  it("answers limit 0 with no events and no driver call", async () => {
    const { driver } = manyMessages(3);
    const s = await openRawSession({ capabilities: [cap.receive("m.room.message")], driver });
    expect((await s.send(READ, { type: "m.room.message", limit: 0 })).response).toEqual({ events: [] });
    expect(driver.asyncCalls).toEqual([]);
  });

  it.each([
    ["a negative limit", { limit: -1 }],
    ["a limit string that is no number", { limit: "ten" }],
    ["NaN", { limit: Number.NaN }],
    ["state_key false", { state_key: false }],
    ["a numeric state_key", { state_key: 3 }],
    ["room_ids as a string", { room_ids: ROOM }],
    ["room_ids with a non-room", { room_ids: ["not-a-room"] }],
    ["too many room_ids", { room_ids: Array.from({ length: 101 }, (_, i) => `!r${i}:example.org`) }],
    ["a since that is no event ID", { since: "yesterday" }],
    ["a missing type", { type: undefined }],
  ])("refuses %s as invalid", async (_name, extra) => {
    const s = await openRawSession({ capabilities: [cap.receive("m.room.message"), "m.timeline:*"] });
    const { error } = await s.send(READ, { type: "m.room.message", ...extra });
    expect(error?.code).toBe(ErrorCode.InvalidRequest);
    expect(s.driver.asyncCalls).toEqual([]);
  });

  it("passes since to the driver and returns only newer events", async () => {
    const { driver, events } = manyMessages(5);
    const s = await openRawSession({ capabilities: [cap.receive("m.room.message")], driver });
    const since = events[2]?.event_id;
    const { response } = await s.send(READ, { type: "m.room.message", since });
    expect(ids(response.events)).toEqual([events[4]?.event_id, events[3]?.event_id]);
    expect(driver.callsOf("readRoomEvents")).toEqual([
      [{ roomId: ROOM, eventType: "m.room.message", limit: 25, since }],
    ]);
  });

  it("accepts null for every optional field (MSC2813)", async () => {
    const { driver } = manyMessages(2);
    const s = await openRawSession({ capabilities: [cap.receive("m.room.message")], driver });
    const { response } = await s.send(READ, {
      type: "m.room.message",
      msgtype: null,
      state_key: null,
      limit: null,
      room_ids: null,
      since: null,
    });
    expect(response.events).toHaveLength(2);
  });
});

describe("read_events: state", () => {
  function stateDriver() {
    const driver = new FakeEventDriver();
    const alice = stateEvent(ROOM, "m.room.member", "@alice:example.org", { membership: "join" });
    const bob = stateEvent(ROOM, "m.room.member", "@bob:example.org", { membership: "join" });
    const topicOld = stateEvent(ROOM, "m.room.topic", "", { topic: "old" });
    const topic = stateEvent(ROOM, "m.room.topic", "", { topic: "new" });
    driver.seed(alice, bob, topicOld, topic);
    return { driver, alice, bob, topic };
  }

  it("reads the current state event for a state key (not its history)", async () => {
    const { driver, topic } = stateDriver();
    const s = await openRawSession({ capabilities: [cap.receiveState("m.room.topic", "")], driver });
    const { response } = await s.send(READ, { type: "m.room.topic", state_key: "", limit: 5 });
    expect(ids(response.events)).toEqual([topic.event_id]);
    expect(driver.callsOf("readStateEvents")).toEqual([[ROOM, "m.room.topic", ""]]);
  });

  it("reads every key with state_key true, filtered to the keys the widget may see", async () => {
    const { driver, alice, bob } = stateDriver();
    const all = await openRawSession({ capabilities: [cap.receiveState("m.room.member")], driver });
    expect(ids((await all.send(READ, { type: "m.room.member", state_key: true })).response.events)).toEqual([
      alice.event_id,
      bob.event_id,
    ]);
    const onlyAlice = await openRawSession({
      capabilities: [cap.receiveState("m.room.member", "@alice:example.org")],
      driver,
    });
    expect(
      ids((await onlyAlice.send(READ, { type: "m.room.member", state_key: true })).response.events),
    ).toEqual([alice.event_id]);
    expect(driver.callsOf("readStateEvents").at(-1)).toEqual([ROOM, "m.room.member", undefined]);
  });

  it("refuses a key outside the grant, and state without any state grant", async () => {
    const { driver } = stateDriver();
    const s = await openRawSession({
      capabilities: [cap.receiveState("m.room.member", "@alice:example.org"), cap.receive("m.room.topic")],
      driver,
    });
    const bob = await s.send(READ, { type: "m.room.member", state_key: "@bob:example.org" });
    expect(bob.error?.code).toBe(ErrorCode.MissingCapability);
    const topic = await s.send(READ, { type: "m.room.topic", state_key: true });
    expect(topic.error?.code).toBe(ErrorCode.MissingCapability);
    expect(driver.asyncCalls).toEqual([]);
  });

  it("drops room events and wrong keys a lying driver returns for a state read", async () => {
    const good = stateEvent(ROOM, "m.room.member", "@alice:example.org");
    const driver = new FakeEventDriver().respond("readStateEvents", () => [
      good,
      stateEvent(ROOM, "m.room.member", "@bob:example.org"),
      makeEvent({ room_id: ROOM, type: "m.room.member" }),
    ]);
    const s = await openRawSession({
      capabilities: [
        cap.receiveState("m.room.member", "@alice:example.org"),
        cap.receiveState("m.room.member", "@bob:example.org"),
      ],
      driver,
    });
    const { response } = await s.send(READ, { type: "m.room.member", state_key: "@alice:example.org" });
    expect(ids(response.events)).toEqual([good.event_id]);
  });

  it("reads state through the widget's readStateEvents", async () => {
    const { driver, alice, bob } = stateDriver();
    const s = await openClientSession({ capabilities: [cap.receiveState("m.room.member")], driver });
    expect(ids(await readStateEvents(s.client, "m.room.member"))).toEqual([alice.event_id, bob.event_id]);
    expect(ids(await readStateEvents(s.client, "m.room.member", { stateKey: "@bob:example.org" }))).toEqual([
      bob.event_id,
    ]);
  });
});

describe("read_events: rooms", () => {
  function roomsDriver() {
    const driver = new FakeEventDriver();
    const here = makeEvent({ room_id: ROOM, type: "com.example.a" });
    const there = makeEvent({ room_id: OTHER, type: "com.example.a" });
    const third = makeEvent({ room_id: THIRD, type: "com.example.a" });
    driver.seed(here, there, third);
    return { driver, here, there, third };
  }

  it("refuses with a clear error when no room is viewed and room_ids is absent", async () => {
    const { driver } = roomsDriver();
    const s = await openRawSession({
      capabilities: [cap.receive("com.example.a")],
      driver,
      viewedRoomId: null,
    });
    const { error } = await s.send(READ, { type: "com.example.a" });
    expect(error?.code).toBe(ErrorCode.InvalidRequest);
    expect(error?.message).toMatch(/room_ids/);
    expect(driver.asyncCalls).toEqual([]);
  });

  it("refuses a listed room that is neither viewed nor covered by a timeline capability", async () => {
    const { driver } = roomsDriver();
    const s = await openRawSession({
      capabilities: [cap.receive("com.example.a"), cap.timeline(OTHER)],
      driver,
    });
    const { error } = await s.send(READ, { type: "com.example.a", room_ids: [OTHER, THIRD] });
    expect(error?.code).toBe(ErrorCode.MissingCapability);
    expect(error?.message).toContain(THIRD);
    expect(driver.asyncCalls).toEqual([]);
  });

  it("reads listed rooms (the viewed room needs no capability) merged newest first", async () => {
    const { driver, here, there } = roomsDriver();
    const s = await openRawSession({
      capabilities: [cap.receive("com.example.a"), cap.timeline(OTHER)],
      driver,
    });
    const { response } = await s.send(READ, { type: "com.example.a", room_ids: [ROOM, OTHER, OTHER] });
    expect(ids(response.events)).toEqual([there.event_id, here.event_id]);
    expect(driver.callsOf("readRoomEvents")).toHaveLength(2);
  });

  it("limits the merged result of several rooms as a whole", async () => {
    const { driver, there } = roomsDriver();
    const s = await openRawSession({ capabilities: [cap.receive("com.example.a"), "m.timeline:*"], driver });
    const { response } = await s.send(READ, { type: "com.example.a", room_ids: [ROOM, OTHER], limit: 1 });
    expect(ids(response.events)).toEqual([there.event_id]);
  });

  it('reads "*" as the viewed room plus known rooms a timeline capability covers', async () => {
    const { driver, here, there } = roomsDriver();
    const s = await openRawSession({
      capabilities: [cap.receive("com.example.a"), cap.timeline(OTHER)],
      driver,
    });
    const { response } = await s.send(READ, { type: "com.example.a", room_ids: "*" });
    expect(ids(response.events)).toEqual([there.event_id, here.event_id]);
    expect(
      driver
        .callsOf("readRoomEvents")
        .map((c) => (c[0] as ReadEventsQuery).roomId)
        .sort(),
    ).toEqual([ROOM, OTHER].sort());
  });

  it('sends a list holding "*" (matrix-widget-api\'s [Symbols.AnyRoom]) as "*", from readRoomEvents and readStateEvents', async () => {
    const { driver, here, there } = roomsDriver();
    const s = await openClientSession({
      capabilities: [cap.receive("com.example.a"), cap.receiveState("m.room.member"), cap.timeline(OTHER)],
      driver,
    });
    const events = await readRoomEvents(s.client, "com.example.a", { roomIds: ["*"] });
    expect(ids(events)).toEqual([there.event_id, here.event_id]);
    await readStateEvents(s.client, "m.room.member", { roomIds: [OTHER, "*"] });
    const sent = s.pair.widget.sent
      .filter((m) => m.action === READ)
      .map((m) => ("data" in m ? m.data.room_ids : undefined));
    expect(sent).toEqual(["*", "*"]);
  });

  it('reads "*" with timeline:* as every known room', async () => {
    const { driver, here, there, third } = roomsDriver();
    const s = await openRawSession({ capabilities: [cap.receive("com.example.a"), "m.timeline:*"], driver });
    const { response } = await s.send(READ, { type: "com.example.a", room_ids: "*" });
    expect(ids(response.events)).toEqual([third.event_id, there.event_id, here.event_id]);
  });

  it('reads "*" without timeline capabilities as just the viewed room', async () => {
    const { driver, here } = roomsDriver();
    const s = await openRawSession({ capabilities: [cap.receive("com.example.a")], driver });
    const { response } = await s.send(READ, { type: "com.example.a", room_ids: "*" });
    expect(ids(response.events)).toEqual([here.event_id]);
  });

  it('answers "*" with nothing to read with an empty list', async () => {
    const { driver } = roomsDriver();
    const s = await openRawSession({
      capabilities: [cap.receive("com.example.a")],
      driver,
      viewedRoomId: null,
    });
    expect((await s.send(READ, { type: "com.example.a", room_ids: "*" })).response).toEqual({ events: [] });
    expect(driver.asyncCalls).toEqual([]);
  });

  it('reads "*" from at most 100 rooms, the viewed room among them, however many rooms are known', async () => {
    const driver = new FakeEventDriver();
    driver.knownRoomIds = Array.from({ length: 2000 }, (_, i) => `!room${i}:example.org`);
    const s = await openRawSession({ capabilities: [cap.receive("com.example.a"), "m.timeline:*"], driver });
    expect((await s.send(READ, { type: "com.example.a", room_ids: "*" })).response).toEqual({ events: [] });
    const read = driver.callsOf("readRoomEvents").map((c) => (c[0] as ReadEventsQuery).roomId);
    expect(read).toHaveLength(MAX_READ_ROOM_IDS);
    expect(read).toContain(ROOM);
    expect(new Set(read).size).toBe(read.length);
  });

  it('reads state with "*" from at most 100 rooms too', async () => {
    const driver = new FakeEventDriver();
    driver.knownRoomIds = Array.from({ length: 500 }, (_, i) => `!room${i}:example.org`);
    const s = await openRawSession({
      capabilities: [cap.receiveState("com.example.s"), "m.timeline:*"],
      driver,
    });
    await s.send(READ, { type: "com.example.s", state_key: true, room_ids: "*" });
    expect(driver.callsOf("readStateEvents")).toHaveLength(MAX_READ_ROOM_IDS);
  });

  it("never returns events from rooms it did not ask about", async () => {
    const intruder = makeEvent({ room_id: OTHER, type: "com.example.a" });
    const driver = new FakeEventDriver().respond("readRoomEvents", () => [intruder]);
    const s = await openRawSession({ capabilities: [cap.receive("com.example.a"), "m.timeline:*"], driver });
    expect((await s.send(READ, { type: "com.example.a" })).response).toEqual({ events: [] });
  });
});
