import { afterEach, describe, expect, it } from "vitest";
import type { RoomEvent } from "../../../src/host/driver.js";
import { eventFeedVersions, refreshEventFeed } from "../../../src/host/features/events.js";
import type { WidgetHost } from "../../../src/host/widget-host.js";
import { ApiVersion } from "../../../src/protocol/versions.js";
import { eventFaults, FakeEventDriver, makeEvent, message, stateEvent } from "./fake-driver.js";
import {
  cap,
  eventually,
  EVENT_WIDGET_VERSIONS,
  openRawSession,
  OTHER,
  RawWidget,
  recordingLogger,
  ROOM,
  settle,
  THIRD,
  type EventSessionOptions,
  type RawSession,
} from "./harness.js";

const hosts: WidgetHost[] = [];
afterEach(() => {
  for (const host of hosts.splice(0)) host.destroy();
});

async function open(options: EventSessionOptions): Promise<RawSession> {
  const session = await openRawSession(options);
  hosts.push(session.host);
  return session;
}

const ids = (events: readonly unknown[]) => events.map((e) => (e as { event_id: string }).event_id);
const OLD_VERSIONS = EVENT_WIDGET_VERSIONS.filter((v) => v !== ApiVersion.MSC2762UpdateState);

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * A session whose widget does not acknowledge yet, fed 100 events: the host keeps a bounded number
 * of pushes awaiting their ack (sent at once) and queues the rest.
 */
async function fillPushQueue() {
  const s = await open({ capabilities: [cap.receive("com.example.a")] });
  s.widget.silentOn.add("send_event");
  const events = Array.from({ length: 100 }, () => makeEvent({ room_id: ROOM, type: "com.example.a" }));
  for (const event of events) s.driver.emit(event);
  await settle();
  const sentAtOnce = s.widget.events.length;
  expect(sentAtOnce).toBeGreaterThan(0);
  expect(sentAtOnce).toBeLessThan(events.length);
  return { s, events, sentAtOnce };
}

describe("event feed: which events are delivered", () => {
  it("delivers an allowed event in the viewed room as send_event whose data is the event", async () => {
    const s = await open({ capabilities: [cap.receive("m.room.message")] });
    const event = message(ROOM, "m.text");
    s.driver.emit(event);
    await eventually(() => expect(s.widget.events).toHaveLength(1));
    expect(s.widget.events[0]).toEqual(event);
  });

  it("delivers nothing the receive capabilities do not allow", async () => {
    const s = await open({ capabilities: [cap.receive("com.example.a"), cap.send("com.example.b")] });
    s.driver.emit(makeEvent({ room_id: ROOM, type: "com.example.b" }));
    s.driver.emit(makeEvent({ room_id: ROOM, type: "com.example.a", state_key: "" }));
    const allowed = makeEvent({ room_id: ROOM, type: "com.example.a" });
    s.driver.emit(allowed);
    await settle();
    expect(ids(s.widget.events)).toEqual([allowed.event_id]);
  });

  it("filters m.room.message by msgtype", async () => {
    const s = await open({ capabilities: [cap.receive("m.room.message#m.text")] });
    const text = message(ROOM, "m.text");
    s.driver.emit(message(ROOM, "m.emote"));
    s.driver.emit(makeEvent({ room_id: ROOM, type: "m.room.message", content: { body: "no msgtype" } }));
    s.driver.emit(makeEvent({ room_id: ROOM, type: "m.room.message", content: { msgtype: ["m.text"] } }));
    s.driver.emit(text);
    await settle();
    expect(ids(s.widget.events)).toEqual([text.event_id]);
  });

  it("filters state events by state key", async () => {
    const s = await open({
      capabilities: [cap.receiveState("m.room.member", "@alice:example.org")],
      versions: OLD_VERSIONS,
    });
    const alice = stateEvent(ROOM, "m.room.member", "@alice:example.org");
    s.driver.emit(stateEvent(ROOM, "m.room.member", "@bob:example.org"));
    s.driver.emit(alice);
    await settle();
    expect(ids(s.widget.events)).toEqual([alice.event_id]);
  });

  it("delivers events of other rooms only with timeline:<room> or timeline:*", async () => {
    const none = await open({ capabilities: [cap.receive("com.example.a")] });
    const one = await open({ capabilities: [cap.receive("com.example.a"), cap.timeline(OTHER)] });
    const all = await open({ capabilities: [cap.receive("com.example.a"), "m.timeline:*"] });
    const events = [ROOM, OTHER, THIRD].map((room_id) => makeEvent({ room_id, type: "com.example.a" }));
    for (const s of [none, one, all]) for (const event of events) s.driver.emit(event);
    await settle();
    expect(ids(none.widget.events)).toEqual([events[0]?.event_id]);
    expect(ids(one.widget.events)).toEqual([events[0]?.event_id, events[1]?.event_id]);
    expect(ids(all.widget.events)).toEqual(ids(events));
  });

  it("follows the viewed room: the old room's events stop, the new room's flow", async () => {
    const s = await open({ capabilities: [cap.receive("com.example.a")] });
    s.host.setViewedRoomId(OTHER);
    const old = makeEvent({ room_id: ROOM, type: "com.example.a" });
    const fresh = makeEvent({ room_id: OTHER, type: "com.example.a" });
    s.driver.emit(old);
    s.driver.emit(fresh);
    await settle();
    expect(ids(s.widget.events)).toEqual([fresh.event_id]);
  });

  it("delivers nothing in no room when no room is viewed and no timeline is granted", async () => {
    const s = await open({ capabilities: [cap.receive("com.example.a")], viewedRoomId: null });
    s.driver.emit(makeEvent({ room_id: ROOM, type: "com.example.a" }));
    await settle();
    expect(s.widget.events).toEqual([]);
  });

  it("drops malformed events from the driver and keeps going", async () => {
    const s = await open({ capabilities: [cap.receive("com.example.a")] });
    const good = makeEvent({ room_id: ROOM, type: "com.example.a" });
    for (const junk of [
      null,
      "x",
      3,
      { type: "com.example.a" },
      { ...good, content: [] },
      { ...good, room_id: 7 },
    ]) {
      s.driver.emitRaw(junk);
    }
    s.driver.emit(good);
    await settle();
    expect(ids(s.widget.events)).toEqual([good.event_id]);
  });

  it("does not wait for one delivery before the next: a widget that never acknowledges still gets every event", async () => {
    const s = await open({ capabilities: [cap.receive("com.example.a")] });
    s.widget.silentOn.add("send_event");
    for (let i = 0; i < 3; i++) s.driver.emit(makeEvent({ room_id: ROOM, type: "com.example.a" }));
    await settle();
    expect(s.widget.events).toHaveLength(3);
  });

  it("checks a push that waited for a slot again when its turn comes: the waiting events of a room the user has left are dropped, the ones sent at once are not sent twice", async () => {
    const { s, events, sentAtOnce } = await fillPushQueue();
    s.host.setViewedRoomId(OTHER);
    s.widget.silentOn.delete("send_event");
    expect(s.widget.answerHeld()).toBe(sentAtOnce);
    await settle();
    expect(ids(s.widget.events)).toEqual(ids(events.slice(0, sentAtOnce)));
  });

  it("sends the pushes that waited for a slot once acks free one, when nothing changed meanwhile", async () => {
    const { s, events } = await fillPushQueue();
    s.widget.silentOn.delete("send_event");
    s.widget.answerHeld();
    await settle();
    expect(ids(s.widget.events)).toEqual(ids(events));
  });

  it("logs a refused delivery instead of throwing", async () => {
    const logger = recordingLogger();
    const s = await open({ capabilities: [cap.receive("com.example.a")], logger });
    s.widget.failOn.add("send_event");
    s.driver.emit(makeEvent({ room_id: ROOM, type: "com.example.a" }));
    await eventually(() =>
      expect(logger.lines.some((l) => l.includes("did not acknowledge a room event"))).toBe(true),
    );
  });
});

describe("event feed: lifetime", () => {
  it("watches the driver only while a session is ready, and stops at the end", async () => {
    const driver = new FakeEventDriver();
    const s = await open({ capabilities: [cap.receive("com.example.a")], driver });
    expect(driver.activeWatchers).toBe(1);
    s.host.destroy();
    expect(driver.activeWatchers).toBe(0);
  });

  it("after a reload, delivers only to the new document and under its new grants", async () => {
    const s = await open({ capabilities: [cap.receive("com.example.a")] });
    const fresh = s.pair.reloadWidget();
    expect(s.driver.activeWatchers).toBe(0);
    const next = new RawWidget(fresh, EVENT_WIDGET_VERSIONS, [cap.receive("com.example.b")]);
    await s.host.whenReady();
    expect(s.driver.activeWatchers).toBe(1);
    const a = makeEvent({ room_id: ROOM, type: "com.example.a" });
    const b = makeEvent({ room_id: ROOM, type: "com.example.b" });
    s.driver.emit(a);
    s.driver.emit(b);
    await settle();
    expect(s.widget.events).toEqual([]);
    expect(ids(next.events)).toEqual([b.event_id]);
  });
});

describe("event feed: update_state", () => {
  function stateDriver() {
    const driver = new FakeEventDriver();
    const topic = stateEvent(ROOM, "m.room.topic", "", { topic: "here" });
    const alice = stateEvent(ROOM, "m.room.member", "@alice:example.org", { membership: "join" });
    const bob = stateEvent(ROOM, "m.room.member", "@bob:example.org", { membership: "join" });
    const name = stateEvent(ROOM, "m.room.name", "", { name: "Room" });
    const otherTopic = stateEvent(OTHER, "m.room.topic", "", { topic: "there" });
    const thirdTopic = stateEvent(THIRD, "m.room.topic", "", { topic: "third" });
    driver.seed(topic, alice, bob, name, otherTopic, thirdTopic);
    return { driver, topic, alice, bob, name, otherTopic, thirdTopic };
  }

  it("pushes the viewed room's state the widget may see after the first grant", async () => {
    const { driver, topic, alice } = stateDriver();
    const s = await open({
      capabilities: [
        cap.receiveState("m.room.topic"),
        cap.receiveState("m.room.member", "@alice:example.org"),
      ],
      driver,
    });
    await eventually(() => expect(s.widget.stateUpdates).toHaveLength(1));
    expect(ids(s.widget.stateUpdates[0] ?? []).sort()).toEqual([topic.event_id, alice.event_id].sort());
    expect(s.widget.stateUpdates[0]).toContainEqual(topic);
  });

  it("pushes an empty update_state when a state grant finds no state", async () => {
    const s = await open({ capabilities: [cap.receiveState("com.example.none")] });
    await eventually(() => expect(s.widget.stateUpdates).toEqual([[]]));
  });

  it("pushes no update_state without a state grant", async () => {
    const { driver } = stateDriver();
    const s = await open({ capabilities: [cap.receive("m.room.message"), cap.timeline(OTHER)], driver });
    await settle();
    expect(s.widget.stateUpdates).toEqual([]);
  });

  it("includes rooms covered by timeline capabilities; timeline:* means every known room", async () => {
    const { driver, topic, otherTopic, thirdTopic } = stateDriver();
    const one = await open({ capabilities: [cap.receiveState("m.room.topic"), cap.timeline(OTHER)], driver });
    const all = await open({ capabilities: [cap.receiveState("m.room.topic"), "m.timeline:*"], driver });
    await eventually(() => expect(all.widget.stateUpdates).toHaveLength(1));
    await eventually(() => expect(one.widget.stateUpdates).toHaveLength(1));
    expect(ids(one.widget.stateUpdates[0] ?? []).sort()).toEqual(
      [topic.event_id, otherTopic.event_id].sort(),
    );
    expect(ids(all.widget.stateUpdates[0] ?? []).sort()).toEqual(
      [topic.event_id, otherTopic.event_id, thirdTopic.event_id].sort(),
    );
  });

  it("never pushes update_state to a widget that does not advertise it; state still arrives as send_event", async () => {
    const { driver } = stateDriver();
    const s = await open({
      capabilities: [cap.receiveState("m.room.topic")],
      driver,
      versions: OLD_VERSIONS,
    });
    const change = stateEvent(ROOM, "m.room.topic", "", { topic: "changed" });
    driver.emit(change);
    await settle();
    expect(s.widget.stateUpdates).toEqual([]);
    expect(ids(s.widget.events)).toEqual([change.event_id]);
  });

  it("sends a live state change as send_event and as update_state", async () => {
    const { driver } = stateDriver();
    const s = await open({ capabilities: [cap.receiveState("m.room.topic")], driver });
    await eventually(() => expect(s.widget.stateUpdates).toHaveLength(1));
    const change = stateEvent(ROOM, "m.room.topic", "", { topic: "changed" });
    driver.emit(change);
    await eventually(() => expect(s.widget.stateUpdates).toHaveLength(2));
    expect(s.widget.stateUpdates[1]).toEqual([change]);
    expect(ids(s.widget.events)).toEqual([change.event_id]);
    const order = s.widget.received.filter((m) => m.action === "send_event" || m.action === "update_state");
    expect(order.map((m) => m.action)).toEqual(["update_state", "send_event", "update_state"]);
  });

  it("pushes again when a renegotiation grants state, and not when it grants only room events", async () => {
    const { driver, name } = stateDriver();
    const s = await open({ capabilities: [cap.receiveState("m.room.topic")], driver });
    await eventually(() => expect(s.widget.stateUpdates).toHaveLength(1));
    await s.send("org.matrix.msc2974.request_capabilities", {
      capabilities: [cap.receive("m.room.message")],
    });
    await eventually(() => expect(s.host.capabilities.canReceiveEvent("m.room.message")).toBe(true));
    await settle();
    expect(s.widget.stateUpdates).toHaveLength(1);
    await s.send("org.matrix.msc2974.request_capabilities", {
      capabilities: [cap.receiveState("m.room.name")],
    });
    await eventually(() => expect(s.widget.stateUpdates).toHaveLength(2));
    expect(s.widget.stateUpdates[1]).toContainEqual(name);
  });

  it("pushes the state of a room a renegotiated timeline capability opens", async () => {
    const { driver, otherTopic } = stateDriver();
    const s = await open({ capabilities: [cap.receiveState("m.room.topic")], driver });
    await eventually(() => expect(s.widget.stateUpdates).toHaveLength(1));
    await s.send("org.matrix.msc2974.request_capabilities", { capabilities: [cap.timeline(OTHER)] });
    await eventually(() => expect(s.widget.stateUpdates).toHaveLength(2));
    expect(s.widget.stateUpdates[1]).toContainEqual(otherTopic);
  });

  it("pushes the new room's state, and nothing of the old room, when the viewed room changes", async () => {
    const { driver, otherTopic } = stateDriver();
    const s = await open({
      capabilities: [cap.receiveState("m.room.topic"), cap.receiveState("m.room.member")],
      driver,
    });
    await eventually(() => expect(s.widget.stateUpdates).toHaveLength(1));
    s.host.setViewedRoomId(OTHER);
    refreshEventFeed(s.host);
    await eventually(() => expect(s.widget.stateUpdates).toHaveLength(2));
    expect(s.widget.stateUpdates[1]).toEqual([otherTopic]);
    refreshEventFeed(s.host);
    await settle();
    expect(s.widget.stateUpdates).toHaveLength(2);
  });

  it("does not push again for a room a timeline capability already covers", async () => {
    const { driver } = stateDriver();
    const s = await open({ capabilities: [cap.receiveState("m.room.topic"), cap.timeline(OTHER)], driver });
    await eventually(() => expect(s.widget.stateUpdates).toHaveLength(1));
    s.host.setViewedRoomId(OTHER);
    refreshEventFeed(s.host);
    await settle();
    expect(s.widget.stateUpdates).toHaveLength(1);
  });

  it("notices a viewed-room change by itself on the next live event", async () => {
    const { driver, otherTopic } = stateDriver();
    const s = await open({
      capabilities: [cap.receiveState("m.room.topic"), cap.receive("com.example.a")],
      driver,
    });
    await eventually(() => expect(s.widget.stateUpdates).toHaveLength(1));
    s.host.setViewedRoomId(OTHER);
    driver.emit(makeEvent({ room_id: ROOM, type: "com.example.a" }));
    await eventually(() => expect(s.widget.stateUpdates).toHaveLength(2));
    expect(s.widget.stateUpdates[1]).toEqual([otherTopic]);
    expect(s.widget.events).toEqual([]);
  });

  it("drops a slow push for a room the user has already left (no stale state)", async () => {
    const { driver, thirdTopic } = stateDriver();
    const slow = deferred<RoomEvent[]>();
    const s = await open({ capabilities: [cap.receiveState("m.room.topic")], driver });
    await eventually(() => expect(s.widget.stateUpdates).toHaveLength(1));
    driver.respond("readStateEvents", (roomId: string) => {
      if (roomId === OTHER) return slow.promise;
      return [thirdTopic];
    });
    s.host.setViewedRoomId(OTHER);
    refreshEventFeed(s.host);
    s.host.setViewedRoomId(THIRD);
    refreshEventFeed(s.host);
    await eventually(() => expect(s.widget.stateUpdates).toHaveLength(2));
    slow.resolve([stateEvent(OTHER, "m.room.topic", "", { topic: "stale" })]);
    await settle(5);
    expect(s.widget.stateUpdates).toEqual([expect.anything(), [thirdTopic]]);
  });

  it("filters a slow grant push to the rooms still visible when it is sent", async () => {
    const { driver, topic, otherTopic } = stateDriver();
    const slow = deferred<RoomEvent[]>();
    driver.respond("readStateEvents", (roomId: string) => (roomId === ROOM ? slow.promise : [otherTopic]));
    const s = await open({ capabilities: [cap.receiveState("m.room.topic")], driver });
    s.host.setViewedRoomId(OTHER);
    refreshEventFeed(s.host);
    await eventually(() => expect(s.widget.stateUpdates).toEqual([[otherTopic]]));
    slow.resolve([topic]);
    await eventually(() => expect(s.widget.stateUpdates).toHaveLength(2));
    // The grant's push still comes (the widget may be waiting for it) but holds nothing of the old room.
    expect(s.widget.stateUpdates[1]).toEqual([]);
  });

  it("folds a live change that arrives during a read into the push, so the older read cannot win", async () => {
    const { driver, topic } = stateDriver();
    const slow = deferred<RoomEvent[]>();
    driver.respond("readStateEvents", () => slow.promise);
    const s = await open({ capabilities: [cap.receiveState("m.room.topic")], driver });
    const change = stateEvent(ROOM, "m.room.topic", "", { topic: "newer" });
    driver.emit(change);
    await settle();
    expect(ids(s.widget.events)).toEqual([change.event_id]);
    expect(s.widget.stateUpdates).toEqual([]);
    slow.resolve([topic]);
    await eventually(() => expect(s.widget.stateUpdates).toEqual([[change]]));
  });

  it("logs a failed state read and still pushes what it could read", async () => {
    const { driver, alice, bob } = stateDriver();
    const logger = recordingLogger();
    driver.respond("readStateEvents", (_room: string, type: string) => {
      if (type === "m.room.topic") throw new Error("cannot read topics");
      return [alice, bob];
    });
    const s = await open({
      capabilities: [cap.receiveState("m.room.topic"), cap.receiveState("m.room.member")],
      driver,
      logger,
    });
    await eventually(() => expect(s.widget.stateUpdates).toHaveLength(1));
    expect(ids(s.widget.stateUpdates[0] ?? []).sort()).toEqual([alice.event_id, bob.event_id].sort());
    expect(logger.lines.some((l) => l.startsWith("warn:") && l.includes("cannot read topics"))).toBe(true);
  });

  it("never pushes state the capabilities do not allow, even when the driver returns it", async () => {
    const { driver, topic } = stateDriver();
    driver.respond("readStateEvents", () => [
      topic,
      stateEvent(ROOM, "m.room.name", "", { name: "secret" }),
      stateEvent(THIRD, "m.room.topic", "", { topic: "elsewhere" }),
      makeEvent({ room_id: ROOM, type: "m.room.topic" }),
    ]);
    const s = await open({ capabilities: [cap.receiveState("m.room.topic")], driver });
    await eventually(() => expect(s.widget.stateUpdates).toEqual([[topic]]));
  });

  it("logs an update_state the widget refuses instead of throwing", async () => {
    const { driver } = stateDriver();
    const logger = recordingLogger();
    const s = await open({ capabilities: [cap.receiveState("m.room.topic")], driver, logger });
    s.widget.failOn.add("update_state");
    driver.emit(stateEvent(ROOM, "m.room.topic", "", { topic: "x" }));
    await eventually(() =>
      expect(logger.lines.some((l) => l.includes("did not acknowledge update_state"))).toBe(true),
    );
  });

  it("gives up on a read that never settles once the session ends", async () => {
    const driver = new FakeEventDriver().fail("readStateEvents", eventFaults.hang());
    const s = await open({ capabilities: [cap.receiveState("m.room.topic")], driver });
    s.host.destroy();
    await settle();
    expect(s.widget.stateUpdates).toEqual([]);
  });
});

describe("event feed: versions", () => {
  it("advertises the feed's versions only for what the driver can do", () => {
    expect(eventFeedVersions(new FakeEventDriver())).toEqual([
      ApiVersion.MSC2762,
      ApiVersion.MSC2762UpdateState,
      ApiVersion.MSC4407,
    ]);
    expect(eventFeedVersions(new FakeEventDriver({ ops: ["watchRoomEvents"] }))).toEqual([
      ApiVersion.MSC2762,
    ]);
    expect(eventFeedVersions(new FakeEventDriver({ ops: ["readStateEvents"] }))).toEqual([]);
    expect(eventFeedVersions({})).toEqual([]);
  });

  it("the host advertises the request actions' versions only when the driver serves them", async () => {
    const full = await open({});
    expect(full.host.supportedVersions).toEqual(
      expect.arrayContaining([
        ApiVersion.MSC2762,
        ApiVersion.MSC2876,
        ApiVersion.MSC3869,
        ApiVersion.MSC4157,
      ]),
    );
    const bare = await open({ driver: new FakeEventDriver({ ops: [] }) });
    for (const version of [ApiVersion.MSC2762, ApiVersion.MSC2876, ApiVersion.MSC3869, ApiVersion.MSC4157]) {
      expect(bare.host.supportedVersions).not.toContain(version);
    }
  });
});
