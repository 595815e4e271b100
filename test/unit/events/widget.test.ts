import { afterEach, describe, expect, it } from "vitest";
import { CapabilitySet, parseCapability } from "../../../src/capabilities/index.js";
import type { WidgetHost } from "../../../src/host/widget-host.js";
import { sendEventToWidget, updateState } from "../../../src/protocol/actions/events.js";
import { ErrorCode, WidgetApiError } from "../../../src/protocol/errors.js";
import {
  delayedEventCapability,
  eventCapability,
  onRoomEvent,
  onStateUpdate,
  readEventRelations,
  readRoomEvents,
  readStateEvents,
  sendEvent,
  stateCapability,
  stickyEventCapability,
  timelineCapability,
  type WireRoomEvent,
  type WireStateEvent,
} from "../../../src/widget/features/events.js";
import { FakeEventDriver, makeEvent, message, stateEvent } from "./fake-driver.js";
import { eventually, openClientSession, ROOM, settle, type ClientSession } from "./harness.js";

const hosts: WidgetHost[] = [];
afterEach(() => {
  for (const host of hosts.splice(0)) host.destroy();
});

async function open(...args: Parameters<typeof openClientSession>): Promise<ClientSession> {
  const session = await openClientSession(...args);
  hosts.push(session.host);
  return session;
}

/** Replies the widget sent to the host's toWidget requests of `action`. */
function widgetReplies(s: ClientSession, action: string) {
  return s.pair.widget.sent.filter((m) => m.api === "toWidget" && m.action === action && "response" in m);
}

describe("widget: onRoomEvent", () => {
  it("hands every delivered event to every listener until they unsubscribe", async () => {
    const s = await open({ capabilities: [eventCapability("receive", "m.room.message")] });
    const first: WireRoomEvent[] = [];
    const second: WireRoomEvent[] = [];
    const stopFirst = onRoomEvent(s.client, (event) => void first.push(event));
    const stopSecond = onRoomEvent(s.client, (event) => void second.push(event));
    const one = message(ROOM, "m.text", "one");
    s.driver.emit(one);
    await eventually(() => expect(second).toHaveLength(1));
    expect(first).toEqual([one]);
    stopFirst();
    const two = message(ROOM, "m.text", "two");
    s.driver.emit(two);
    await eventually(() => expect(second).toHaveLength(2));
    expect(first).toHaveLength(1);
    expect(second[1]).toEqual(two);
    stopSecond();
  });

  it("acknowledges after the listeners finish, and refuses once nobody listens", async () => {
    const s = await open({ capabilities: [eventCapability("receive", "com.example.a")] });
    const stop = onRoomEvent(s.client, async () => {
      await settle();
    });
    s.driver.emit(makeEvent({ room_id: ROOM, type: "com.example.a" }));
    await eventually(() => expect(widgetReplies(s, "send_event")).toHaveLength(1));
    expect(widgetReplies(s, "send_event")[0]).toMatchObject({ response: {} });
    stop();
    stop();
    s.driver.emit(makeEvent({ room_id: ROOM, type: "com.example.a" }));
    await eventually(() => expect(widgetReplies(s, "send_event")).toHaveLength(2));
    expect(widgetReplies(s, "send_event")[1]).toMatchObject({
      response: { error: { code: ErrorCode.UnknownAction } },
    });
  });

  it("runs every listener even when one throws, and answers the host with an error", async () => {
    const s = await open({ capabilities: [eventCapability("receive", "com.example.a")] });
    const seen: string[] = [];
    onRoomEvent(s.client, () => {
      throw new Error("listener bug");
    });
    onRoomEvent(s.client, (event) => void seen.push(event.event_id));
    const event = makeEvent({ room_id: ROOM, type: "com.example.a" });
    s.driver.emit(event);
    await eventually(() => expect(widgetReplies(s, "send_event")).toHaveLength(1));
    expect(seen).toEqual([event.event_id]);
    expect(widgetReplies(s, "send_event")[0]).toMatchObject({
      response: { error: { code: ErrorCode.Internal } },
    });
  });
});

describe("widget: onRoomEvent with a single listener", () => {
  for (const [how, listener] of [
    [
      "throws",
      () => {
        throw new Error("listener bug");
      },
    ],
    [
      "throws undefined",
      () => {
        throw undefined;
      },
    ],
    ["rejects", () => Promise.reject(new Error("async listener bug"))],
    [
      "returns a thenable whose then throws",
      () => ({
        then() {
          throw new Error("thenable bug");
        },
      }),
    ],
  ] as const) {
    it(`a lone listener that ${how} makes the acknowledgement an internal error; the next event is still delivered`, async () => {
      const s = await open({ capabilities: [eventCapability("receive", "com.example.a")] });
      let calls = 0;
      onRoomEvent(s.client, (event) => {
        calls++;
        return calls === 1 ? listener() : event;
      });
      s.driver.emit(makeEvent({ room_id: ROOM, type: "com.example.a" }));
      await eventually(() => expect(widgetReplies(s, "send_event")).toHaveLength(1));
      expect(widgetReplies(s, "send_event")[0]).toMatchObject({
        response: { error: { code: ErrorCode.Internal } },
      });
      s.driver.emit(makeEvent({ room_id: ROOM, type: "com.example.a" }));
      await eventually(() => expect(widgetReplies(s, "send_event")).toHaveLength(2));
      const second = widgetReplies(s, "send_event")[1] as { response?: object } | undefined;
      expect(second?.response).toEqual({});
      expect(calls).toBe(2);
    });
  }
});

describe("widget: onRoomEvent with a listener that returns a promise", () => {
  it("acknowledges the push only once the listener's promise has settled", async () => {
    const s = await open({ capabilities: [eventCapability("receive", "com.example.a")] });
    let finish: (() => void) | undefined;
    onRoomEvent(s.client, () => new Promise<void>((resolve) => (finish = resolve)));
    s.driver.emit(makeEvent({ room_id: ROOM, type: "com.example.a" }));
    await eventually(() => expect(finish).toBeDefined());
    // Several turns of the event loop: nothing is acknowledged while the listener is busy.
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setTimeout(resolve, 0));
    expect(widgetReplies(s, "send_event")).toHaveLength(0);
    finish?.();
    await eventually(() => expect(widgetReplies(s, "send_event")).toHaveLength(1));
    expect((widgetReplies(s, "send_event")[0] as { response?: object }).response).toEqual({});
  });
});

describe("widget: onStateUpdate", () => {
  it("hands each update_state batch to the listeners and acknowledges it", async () => {
    const s = await open({ capabilities: [stateCapability("receive", "m.room.topic")] });
    const batches: WireStateEvent[][] = [];
    const stop = onStateUpdate(s.client, (state) => void batches.push(state));
    const topic = stateEvent(ROOM, "m.room.topic", "", { topic: "x" });
    await expect(s.host.request(updateState, { state: [topic as WireStateEvent] })).resolves.toEqual({});
    await expect(s.host.request(updateState, { state: [] })).resolves.toEqual({});
    expect(batches).toEqual([[topic], []]);
    stop();
    await expect(s.host.request(updateState, { state: [] })).rejects.toBeInstanceOf(WidgetApiError);
  });

  it("rejects a malformed push from the host without calling listeners", async () => {
    const s = await open({});
    let calls = 0;
    onStateUpdate(s.client, () => void calls++);
    onRoomEvent(s.client, () => void calls++);
    const bad = { type: "m.room.topic", content: {} } as unknown as WireRoomEvent;
    await expect(s.host.request(sendEventToWidget, bad)).rejects.toMatchObject({
      code: ErrorCode.InvalidRequest,
    });
    await expect(
      s.host.request(updateState, {
        state: [makeEvent({ room_id: ROOM, type: "m.room.topic" })] as WireStateEvent[],
      }),
    ).rejects.toMatchObject({ code: ErrorCode.InvalidRequest });
    expect(calls).toBe(0);
  });
});

describe("widget: capability helpers", () => {
  it("formats room, state, timeline, delayed and sticky capabilities in either spelling", () => {
    expect(eventCapability("send", "m.room.message", { msgtype: "m.text" })).toBe(
      "org.matrix.msc2762.send.event:m.room.message#m.text",
    );
    expect(eventCapability("receive", "com.example.a", { style: "stable" })).toBe(
      "m.receive.event:com.example.a",
    );
    expect(stateCapability("receive", "m.room.name", { stateKey: "" })).toBe(
      "org.matrix.msc2762.receive.state_event:m.room.name#",
    );
    expect(stateCapability("send", "com.x#y", { stateKey: "k" })).toBe(
      "org.matrix.msc2762.send.state_event:com.x\\#y#k",
    );
    expect(timelineCapability("*")).toBe("org.matrix.msc2762.timeline:*");
    expect(timelineCapability(ROOM, { style: "stable" })).toBe(`m.timeline:${ROOM}`);
    expect(delayedEventCapability("send")).toBe("org.matrix.msc4157.send.delayed_event");
    expect(delayedEventCapability("update", { style: "stable" })).toBe("m.update_delayed_event");
    expect(stickyEventCapability("send")).toBe("org.matrix.msc4407.send.sticky_event");
    expect(stickyEventCapability("receive", { style: "stable" })).toBe("m.receive.sticky_event");
  });

  it("round-trips through the parser into the checks the host makes", () => {
    const set = CapabilitySet.from([
      stateCapability("send", "com.x#y", { stateKey: "a#b" }),
      eventCapability("receive", "m.room.message", { msgtype: "m.emote" }),
      timelineCapability("!r:example.org"),
    ]);
    expect(set.canSendState("com.x#y", "a#b")).toBe(true);
    expect(set.canSendState("com.x", "y#a#b")).toBe(false);
    expect(set.canReceiveEvent("m.room.message", "m.emote")).toBe(true);
    expect(set.hasTimeline("!r:example.org")).toBe(true);
    expect(parseCapability(eventCapability("send", "com.x#y")).kind).toBe("room_event");
  });

  it("refuses a msgtype on a type other than m.room.message", () => {
    expect(() => eventCapability("send", "com.example.a", { msgtype: "m.text" })).toThrow(TypeError);
  });
});

describe("widget: version gating", () => {
  it("refuses locally, sending nothing, when the host does not advertise the proposal", async () => {
    const s = await open({
      capabilities: [eventCapability("receive", "com.example.a")],
      driver: new FakeEventDriver({ ops: [] }),
    });
    const before = s.pair.widget.sent.length;
    await expect(readRoomEvents(s.client, "com.example.a")).rejects.toMatchObject({
      code: ErrorCode.Unsupported,
    });
    await expect(readStateEvents(s.client, "com.example.a")).rejects.toMatchObject({
      code: ErrorCode.Unsupported,
    });
    await expect(readEventRelations(s.client, "$e")).rejects.toMatchObject({ code: ErrorCode.Unsupported });
    await expect(sendEvent(s.client, "com.example.a", {})).rejects.toMatchObject({
      code: ErrorCode.Unsupported,
    });
    expect(s.pair.widget.sent.length).toBe(before);
  });
});
