// An event's `unsigned` can hold other events: the redaction that redacted it and bundled
// relations (a thread's latest event, an edit). The widget sees them only when its grants would let
// it receive them on their own; the receive checks of the outer event do not cover them.
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { MatrixWorld } from "../../../src/drivers/memory/world.js";
import { CapabilitySet } from "../../../src/capabilities/set.js";
import { withVisibleUnsigned } from "../../../src/host/actions/events/unsigned.js";
import type { RoomEvent } from "../../../src/host/driver.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import { eventCapability, readRoomEvents } from "../../../src/widget/features/events.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import { WIDGET_ID } from "../../support/memory-session.js";
import { FakeEventDriver, makeEvent, message } from "./fake-driver.js";
import { cap, openRawSession, ROOM, settle, worldHost } from "./harness.js";

const TEXT_ONLY = `${cap.receive("m.room.message")}#m.text`;

/** Grants that let the widget receive text messages only. */
const textOnly = CapabilitySet.from([TEXT_ONLY]);

function fileMessage(): RoomEvent {
  return message(ROOM, "m.file", "secret.pdf");
}

/** A text message that is the root of a thread whose latest reply is `latest`. */
function threadRoot(latest: RoomEvent): RoomEvent {
  const root = message(ROOM, "m.text", "root");
  root.unsigned = {
    age: 5,
    "m.relations": { "m.thread": { latest_event: latest, count: 3, current_user_participated: false } },
  };
  return root;
}

describe("withVisibleUnsigned", () => {
  it("returns the same event when unsigned is absent or holds only plain members", () => {
    const bare = message(ROOM, "m.text");
    expect(withVisibleUnsigned(bare, textOnly)).toBe(bare);
    const plain = {
      ...message(ROOM, "m.text"),
      unsigned: { age: 1, transaction_id: "t1", membership: "join" },
    };
    expect(withVisibleUnsigned(plain, textOnly)).toBe(plain);
  });

  it("drops a thread summary whose latest event the widget may not receive, and keeps one it may", () => {
    const hidden = withVisibleUnsigned(threadRoot(fileMessage()), textOnly);
    expect(hidden.unsigned).toEqual({ age: 5 });
    const reply = message(ROOM, "m.text", "visible reply");
    const shown = withVisibleUnsigned(threadRoot(reply), textOnly);
    expect(shown.unsigned).toEqual({
      age: 5,
      "m.relations": { "m.thread": { latest_event: reply, count: 3, current_user_participated: false } },
    });
  });

  it("keeps redacted_because only when the widget may receive the redaction", () => {
    const redaction = makeEvent({
      room_id: ROOM,
      type: "m.room.redaction",
      content: { reason: "private reason" },
    });
    const redacted = { ...message(ROOM, "m.text"), unsigned: { redacted_because: redaction } };
    expect(withVisibleUnsigned(redacted, textOnly).unsigned).toEqual({});
    const both = CapabilitySet.from([TEXT_ONLY, cap.receive("m.room.redaction")]);
    expect(withVisibleUnsigned(redacted, both).unsigned).toEqual({ redacted_because: redaction });
  });

  it("filters a bundled edit: a full replacement event by the grants, the older summary trimmed to its three fields", () => {
    const edit = { ...message(ROOM, "m.file", "swapped"), unsigned: {} };
    const withEdit = { ...message(ROOM, "m.text"), unsigned: { "m.relations": { "m.replace": edit } } };
    expect(withVisibleUnsigned(withEdit, textOnly).unsigned).toEqual({});
    const summary = {
      event_id: "$edit",
      origin_server_ts: 1,
      sender: "@a:example.org",
      content: { body: "x" },
    };
    const withSummary = { ...message(ROOM, "m.text"), unsigned: { "m.relations": { "m.replace": summary } } };
    expect(withVisibleUnsigned(withSummary, textOnly).unsigned).toEqual({
      "m.relations": { "m.replace": { event_id: "$edit", origin_server_ts: 1, sender: "@a:example.org" } },
    });
  });

  it("drops unsigned members it does not know, and relation kinds other than threads and edits", () => {
    const event = {
      ...message(ROOM, "m.text"),
      unsigned: {
        age: 2,
        invite_room_state: [{ type: "m.room.name", content: { name: "Secret" } }],
        "m.relations": { "m.reference": { chunk: [{ event_id: "$r" }] }, "com.example.kind": {} },
      },
    };
    expect(withVisibleUnsigned(event, textOnly).unsigned).toEqual({ age: 2 });
  });

  it("filters embedded events inside embedded events, and stops at a depth no server bundles", () => {
    const innerHidden = threadRoot(fileMessage());
    const outer = threadRoot(innerHidden);
    const latest = (
      withVisibleUnsigned(outer, textOnly).unsigned as {
        "m.relations": { "m.thread": { latest_event: RoomEvent } };
      }
    )["m.relations"]["m.thread"].latest_event;
    expect(latest.unsigned).toEqual({ age: 5 });
    let deep: RoomEvent = message(ROOM, "m.text", "deepest");
    for (let i = 0; i < 6; i++) deep = threadRoot(deep);
    expect(JSON.stringify(withVisibleUnsigned(deep, textOnly))).not.toContain("deepest");
  });
});

describe("the host passes no hidden event to the widget in unsigned", () => {
  const hosts: WidgetHost[] = [];
  afterEach(() => {
    for (const host of hosts.splice(0)) host.destroy();
  });

  it("read_events: an m.text thread root's bundled m.file reply stays out of a widget granted m.text only", async () => {
    const driver = new FakeEventDriver();
    driver.seed(threadRoot(fileMessage()));
    const s = await openRawSession({ capabilities: [TEXT_ONLY], driver });
    const { response } = await s.send("org.matrix.msc2876.read_events", { type: "m.room.message" });
    expect((response.events as RoomEvent[]).map((event) => event.unsigned)).toEqual([{ age: 5 }]);
    expect(JSON.stringify(response)).not.toContain("secret.pdf");
  });

  it("read_relations: a related m.text event's bundled m.file reply stays out of a widget granted m.text only", async () => {
    const driver = new FakeEventDriver();
    const parent = makeEvent({ room_id: ROOM, type: "m.room.message", event_id: "$parent" });
    const related = threadRoot(fileMessage());
    related.content = {
      ...related.content,
      "m.relates_to": { rel_type: "m.reference", event_id: "$parent" },
    };
    driver.seed(parent, related);
    const s = await openRawSession({ capabilities: [TEXT_ONLY], driver });
    const { response } = await s.send("org.matrix.msc3869.read_relations", { event_id: "$parent" });
    expect((response.chunk as RoomEvent[]).map((event) => event.unsigned)).toEqual([{ age: 5 }]);
    expect(JSON.stringify(response)).not.toContain("secret.pdf");
  });

  it("the live feed: the same root pushed as send_event carries no hidden reply", async () => {
    const s = await openRawSession({ capabilities: [TEXT_ONLY] });
    hosts.push(s.host);
    s.driver.emit(threadRoot(fileMessage()));
    await settle();
    expect(s.widget.events.map((event) => (event as { unsigned?: unknown }).unsigned)).toEqual([{ age: 5 }]);
    expect(JSON.stringify(s.widget.events)).not.toContain("secret.pdf");
  });

  it("the in-memory world: a widget without m.room.redaction reads a redacted message without the redaction's reason", async () => {
    const me = "@me:example.org";
    const w = new MatrixWorld({ ownUserId: me });
    const room = w.createRoom({
      roomId: "!lobby:example.org",
      creator: me,
      topic: "Welcome",
      isPublic: true,
    });
    const sent = w.sendEvent(room, me, {
      type: "m.room.message",
      content: { msgtype: "m.text", body: "oops" },
    });
    w.sendEvent(room, me, {
      type: "m.room.redaction",
      redacts: sent.event_id,
      content: { redacts: sent.event_id, reason: "private reason" },
    });
    const pair = createMemoryTransportPair();
    const host = worldHost(pair.host, w, room);
    hosts.push(host);
    const created = WidgetClient.create({
      widgetId: WIDGET_ID,
      transport: pair.widget,
      logger: silentLogger,
      capabilities: [eventCapability("receive", "m.room.message")],
    });
    host.start();
    const client = await created;
    const events = await readRoomEvents(client, "m.room.message");
    expect(events.map((event) => event.event_id)).toEqual([sent.event_id]);
    expect(JSON.stringify(events)).not.toContain("private reason");
    client.destroy();
  });
});
