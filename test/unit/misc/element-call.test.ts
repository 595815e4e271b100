import { describe, expect, it } from "vitest";
import {
  ElementCallAction,
  elementCallSupport,
  hangUpElementCall,
  joinElementCall,
  setElementCallDeviceMute,
  type ElementCallCallbacks,
  type ElementCallContext,
} from "../../../src/host/element-call.js";
import type { WidgetDriver } from "../../../src/host/driver.js";
import { WidgetHost, type TraceEntry } from "../../../src/host/widget-host.js";
import type { WidgetRequest } from "../../../src/protocol/envelope.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import { WIDGET_ID } from "../../support/memory-session.js";
import { FakeDriver } from "./fake-driver.js";
import { errorOf, exchange, RecordingLogger } from "./harness.js";

/** A host with (or without) the Element feature, and a widget that holds `m.always_on_screen`. */
async function open(
  options: { callbacks?: ElementCallCallbacks; enabled?: boolean; driver?: WidgetDriver } = {},
) {
  const pair = createMemoryTransportPair();
  const support = elementCallSupport(options.callbacks);
  const enabled = options.enabled ?? true;
  const base = options.driver ?? {};
  const logger = new RecordingLogger();
  const host = new WidgetHost({
    widgetId: WIDGET_ID,
    transport: pair.host,
    driver: enabled ? support.withDriver(base) : base,
    ...(enabled ? { actions: support.actions } : {}),
    logger,
    policy: { approveCapabilities: ({ requested }) => requested },
  });
  const traces: TraceEntry[] = [];
  host.on("trace", (entry) => traces.push(entry));
  const clientPromise = WidgetClient.create({
    widgetId: WIDGET_ID,
    transport: pair.widget,
    capabilities: ["m.always_on_screen"],
  });
  host.start();
  const client = await clientPromise;
  return {
    pair,
    host,
    client,
    logger,
    traces,
    send: (action: string, data: unknown) => exchange(pair, action, data),
  };
}

describe("Element's own actions (elementCallSupport)", () => {
  it("answers io.element.join, im.vector.hangup and io.element.close with {} and tells the app, in order", async () => {
    const seen: string[] = [];
    const contexts: ElementCallContext[] = [];
    const s = await open({
      callbacks: {
        onJoined: (context) => void (seen.push("joined"), contexts.push(context)),
        onHungUp: () => void seen.push("hung up"),
        onClose: () => void seen.push("close"),
      },
    });
    expect((await s.send(ElementCallAction.Join, {})).response).toEqual({});
    expect((await s.send(ElementCallAction.Hangup, {})).response).toEqual({});
    expect((await s.send(ElementCallAction.Close, {})).response).toEqual({});
    expect(seen).toEqual(["joined", "hung up", "close"]);
    expect(contexts[0]?.widget.widgetId).toBe(WIDGET_ID);
    expect(contexts[0]?.host).toBe(s.host);
    expect(s.traces.filter((t) => !t.ok)).toEqual([]);
  });

  it("passes the device mute state to onDeviceMute and refuses a state that is not two booleans", async () => {
    const states: unknown[] = [];
    const s = await open({ callbacks: { onDeviceMute: (state) => void states.push(state) } });
    const ok = await s.send(ElementCallAction.DeviceMute, { audio_enabled: false, video_enabled: true });
    expect(ok.response).toEqual({});
    expect(states).toEqual([{ audio_enabled: false, video_enabled: true }]);
    const bad = await s.send(ElementCallAction.DeviceMute, { audio_enabled: "no", video_enabled: true });
    expect(errorOf(bad)?.code).toBe(ErrorCode.InvalidRequest);
    expect(states).toHaveLength(1);
  });

  it("acknowledges the widget even when a callback throws a non-Error value, and logs it", async () => {
    const s = await open({
      callbacks: {
        onJoined: () => {
          throw Object.create(null) as unknown;
        },
        onHungUp: () => Promise.reject(undefined),
      },
    });
    expect((await s.send(ElementCallAction.Join, {})).response).toEqual({});
    expect((await s.send(ElementCallAction.Hangup, {})).response).toEqual({});
    expect(s.logger.lines.filter((line) => line.startsWith("warn: The host app's"))).toHaveLength(2);
  });

  it("answers every action with {} when the app gave no callbacks", async () => {
    const s = await open();
    for (const action of [ElementCallAction.Join, ElementCallAction.Hangup, ElementCallAction.Close]) {
      expect((await s.send(action, {})).response).toEqual({});
    }
    expect(
      (await s.send(ElementCallAction.DeviceMute, { audio_enabled: true, video_enabled: true })).response,
    ).toEqual({});
  });

  it("is opt-in: without it the host replies unknown_action to Element's actions", async () => {
    const s = await open({ enabled: false });
    expect(errorOf(await s.send(ElementCallAction.Join, {}))?.code).toBe(ErrorCode.UnknownAction);
    expect(errorOf(await s.send(ElementCallAction.Close, {}))?.code).toBe(ErrorCode.UnknownAction);
  });

  it("answers set_always_on_screen through onAlwaysOnScreen when the driver has no setAlwaysOnScreen", async () => {
    const asked: boolean[] = [];
    const s = await open({ callbacks: { onAlwaysOnScreen: (value) => (asked.push(value), true) } });
    expect((await s.send("set_always_on_screen", { value: true })).response).toEqual({ success: true });
    expect((await s.send("set_always_on_screen", { value: false })).response).toEqual({ success: true });
    expect(asked).toEqual([true, false]);
  });

  it("answers set_always_on_screen with success false (not an error) without a callback, and when it throws", async () => {
    const plain = await open();
    expect((await plain.send("set_always_on_screen", { value: true })).response).toEqual({ success: false });
    const throwing = await open({
      callbacks: {
        onAlwaysOnScreen: () => {
          throw new Error("no screen");
        },
      },
    });
    expect((await throwing.send("set_always_on_screen", { value: true })).response).toEqual({
      success: false,
    });
  });

  it("still replies unsupported to set_always_on_screen when the feature is not used and the driver cannot", async () => {
    const s = await open({ enabled: false });
    expect(errorOf(await s.send("set_always_on_screen", { value: true }))?.code).toBe(ErrorCode.Unsupported);
  });

  it("leaves a driver that keeps widgets on screen itself in charge, and keeps its other operations", async () => {
    const driver = new FakeDriver();
    const support = elementCallSupport({ onAlwaysOnScreen: () => false });
    const wrapped = support.withDriver(driver);
    expect(wrapped).toBe(driver);
    const bare: WidgetDriver & { calls: number; ping(): Promise<void> } = {
      calls: 0,
      ping() {
        this.calls += 1;
        return Promise.resolve();
      },
    };
    const view = support.withDriver(bare);
    expect(typeof view.setAlwaysOnScreen).toBe("function");
    expect("setAlwaysOnScreen" in view).toBe(true);
    await view.ping();
    // The driver's own methods run with the driver as `this`.
    expect(bare.calls).toBe(1);
  });

  it("sends io.element.join, im.vector.hangup and io.element.device_mute to the widget and returns its replies", async () => {
    const s = await open();
    const received: WidgetRequest[] = [];
    s.pair.widget.subscribe((raw) => {
      const message = raw as WidgetRequest & { response?: unknown };
      if (message.api !== "toWidget" || "response" in message) return;
      if (!message.action.startsWith("io.element.") && !message.action.startsWith("im.vector.")) return;
      received.push(message);
      const response =
        message.action === ElementCallAction.DeviceMute
          ? { audio_enabled: false, video_enabled: true }
          : { acknowledged: message.action };
      s.pair.widget.send({ ...message, response });
    });
    await expect(joinElementCall(s.host, { audioInput: "mic-1", videoInput: null })).resolves.toEqual({
      acknowledged: "io.element.join",
    });
    await expect(hangUpElementCall(s.host)).resolves.toEqual({ acknowledged: "im.vector.hangup" });
    await expect(setElementCallDeviceMute(s.host, { audio_enabled: false })).resolves.toEqual({
      audio_enabled: false,
      video_enabled: true,
    });
    expect(received.map((m) => [m.action, m.data])).toEqual([
      ["io.element.join", { audioInput: "mic-1", videoInput: null }],
      ["im.vector.hangup", {}],
      ["io.element.device_mute", { audio_enabled: false }],
    ]);
  });

  it("rejects a device_mute reply that is not a mute state", async () => {
    const s = await open();
    s.pair.widget.subscribe((raw) => {
      const message = raw as WidgetRequest & { response?: unknown };
      if (
        message.api === "toWidget" &&
        !("response" in message) &&
        message.action === ElementCallAction.DeviceMute
      ) {
        s.pair.widget.send({ ...message, response: { audio_enabled: "yes" } });
      }
    });
    await expect(setElementCallDeviceMute(s.host, {})).rejects.toThrow();
  });
});
