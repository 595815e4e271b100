import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { MatrixWorld } from "../../../src/drivers/memory/world.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import {
  eventCapability,
  onRoomEvent,
  readRoomEvents,
  readStateEvents,
  sendEvent,
  stateCapability,
  type WireRoomEvent,
} from "../../../src/widget/features/events.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import { WIDGET_ID } from "../../support/memory-session.js";
import { eventually, RawWidget, EVENT_WIDGET_VERSIONS, worldHost } from "./harness.js";

const ME = "@me:example.org";
const hosts: WidgetHost[] = [];
afterEach(() => {
  for (const host of hosts.splice(0)) host.destroy();
});

function world() {
  const w = new MatrixWorld({ ownUserId: ME });
  w.addUser({ userId: "@alice:example.org" });
  const room = w.createRoom({ roomId: "!lobby:example.org", creator: ME, topic: "Welcome", isPublic: true });
  w.join(room, "@alice:example.org");
  return { w, room };
}

describe("with the in-memory driver", () => {
  it("a widget sends a message, gets it back from the feed and reads it", async () => {
    const { w, room } = world();
    const pair = createMemoryTransportPair();
    const host = worldHost(pair.host, w, room);
    hosts.push(host);
    const clientPromise = WidgetClient.create({
      widgetId: WIDGET_ID,
      transport: pair.widget,
      logger: silentLogger,
      capabilities: [
        eventCapability("send", "m.room.message", { msgtype: "m.text" }),
        eventCapability("receive", "m.room.message", { msgtype: "m.text" }),
        stateCapability("receive", "m.room.topic", { stateKey: "" }),
      ],
    });
    host.start();
    const client = await clientPromise;
    const seen: WireRoomEvent[] = [];
    onRoomEvent(client, (event) => void seen.push(event));

    const sent = await sendEvent(client, "m.room.message", { msgtype: "m.text", body: "hello" });
    expect(sent.roomId).toBe(room);
    await eventually(() => expect(seen.map((e) => e.event_id)).toEqual([sent.eventId]));
    w.sendEvent(room, "@alice:example.org", {
      type: "m.room.message",
      content: { msgtype: "m.notice", body: "bot" },
    });

    const read = await readRoomEvents(client, "m.room.message");
    expect(read.map((e) => e.event_id)).toEqual([sent.eventId]);
    const topic = await readStateEvents(client, "m.room.topic", { stateKey: "" });
    expect(topic.map((e) => e.content)).toEqual([{ topic: "Welcome" }]);
    expect(seen).toHaveLength(1);
  });

  it("pushes the room's current state after the grant", async () => {
    const { w, room } = world();
    const pair = createMemoryTransportPair();
    const widget = new RawWidget(pair.widget, EVENT_WIDGET_VERSIONS, [
      stateCapability("receive", "m.room.topic"),
      stateCapability("receive", "m.room.member", { stateKey: ME }),
    ]);
    const host = worldHost(pair.host, w, room);
    hosts.push(host);
    host.start();
    await eventually(() => expect(widget.stateUpdates).toHaveLength(1));
    const state = widget.stateUpdates[0] ?? [];
    expect(state.map((e) => [e.type, e.state_key]).sort()).toEqual([
      ["m.room.member", ME],
      ["m.room.topic", ""],
    ]);
  });
});
