import * as v from "valibot";
import { afterEach, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { approveCapabilities } from "../../../src/host/policy.js";
import { defineHostAction } from "../../../src/host/registry.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { defineAction } from "../../../src/protocol/action.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import {
  CLIENT_KINDS,
  connect,
  createWidgetClient,
  settle,
  WIDGET_ID,
} from "../../support/memory-session.js";

const NAV = "org.matrix.msc2931.navigate";

const hang = defineAction({
  id: "hang",
  direction: "fromWidget",
  stable: "com.example.hang",
  unstable: [],
  request: v.object({}),
  response: v.object({}),
  summary: "Never answers.",
});
const hangHost = defineHostAction({
  action: hang,
  handle: () => new Promise<Record<string, never>>(() => {}),
});

const toWidgetPing = defineAction({
  id: "to-widget ping",
  direction: "toWidget",
  stable: "com.example.widget_ping",
  unstable: [],
  request: v.object({}),
  response: v.object({ pong: v.boolean() }),
  summary: "Pings the widget.",
});

afterEach(() => {
  vi.useRealTimers();
});

describe.each(CLIENT_KINDS)("timeouts and destroy (%s)", (kind) => {
  it("rejects a widget request with a timeout error after the per-call timeout and frees its slot", async () => {
    const { client } = await connect({ client: kind, host: { actions: [hangHost] } });
    await expect(client.request(hang, {}, { timeoutMs: 30 })).rejects.toMatchObject({
      code: ErrorCode.Timeout,
    });
    expect(client.pendingRequestCount).toBe(0);
  });

  it("uses a 10 s default timeout", async () => {
    const { client } = await connect({ client: kind, host: { actions: [hangHost] } });
    vi.useFakeTimers();
    const result = client.request(hang, {});
    const assertion = expect(result).rejects.toMatchObject({ code: ErrorCode.Timeout });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(client.pendingRequestCount).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await assertion;
  });

  it("bounds pending requests and refuses more with a limit error", async () => {
    const { client } = await connect({
      client: kind,
      host: { actions: [hangHost] },
      widget: { maxPending: 2 },
    });
    const first = client.request(hang, {}, { timeoutMs: 50 });
    const second = client.request(hang, {}, { timeoutMs: 50 });
    await expect(client.request(hang, {})).rejects.toMatchObject({ code: ErrorCode.LimitExceeded });
    await expect(first).rejects.toMatchObject({ code: ErrorCode.Timeout });
    await expect(second).rejects.toMatchObject({ code: ErrorCode.Timeout });
  });

  it("destroy() rejects pending calls, removes every listener and leaves no timers", async () => {
    const { pair, client, host } = await connect({ client: kind, host: { actions: [hangHost] } });
    vi.useFakeTimers();
    const pending = client.request(hang, {});
    const hostPending = host.request(toWidgetPing, {});
    expect(vi.getTimerCount()).toBe(2);
    client.destroy();
    host.destroy();
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.SessionEnded });
    await expect(hostPending).rejects.toMatchObject({ code: ErrorCode.SessionEnded });
    expect(vi.getTimerCount()).toBe(0);
    expect(pair.widget.listenerCount).toBe(0);
    expect(pair.host.listenerCount).toBe(0);
    expect(host.state).toBe("destroyed");
  });

  it("answers a toWidget action the widget does not know with the standard error", async () => {
    const { host } = await connect({ client: kind });
    await expect(host.request(toWidgetPing, {})).rejects.toMatchObject({
      message: "Unknown or unsupported action: com.example.widget_ping",
    });
  });

  it("lets the widget answer a host's request through a registered handler", async () => {
    const { host, client } = await connect({ client: kind });
    client.handle(toWidgetPing, () => ({ pong: true }));
    await expect(host.request(toWidgetPing, {})).resolves.toEqual({ pong: true });
  });
});

describe.each(CLIENT_KINDS)("frame reloads end the session (%s)", (kind) => {
  it("a reload ends the session and its grants; the next load negotiates from scratch", async () => {
    const approve = vi.fn(({ requested }: { requested: readonly string[] }) => requested);
    const { pair, host } = await connect({
      client: kind,
      capabilities: [NAV],
      policy: { approveCapabilities: approve },
    });
    const ended: string[] = [];
    host.on("sessionEnded", ({ reason }) => ended.push(reason));
    expect(host.grantedCapabilities).toEqual([NAV]);

    const fresh = pair.reloadWidget();
    expect(ended).toEqual(["The widget frame was reloaded"]);
    expect(host.grantedCapabilities).toEqual([]);
    const client = await createWidgetClient(kind, {
      widgetId: WIDGET_ID,
      transport: fresh,
      capabilities: ["m.always_on_screen"],
      logger: silentLogger,
    });
    expect(approve).toHaveBeenCalledTimes(2);
    expect(host.grantedCapabilities).toEqual(["m.always_on_screen"]);
    expect(client.capabilities).toEqual(["m.always_on_screen"]);
  });

  it("answers a request the old document made before the reload with session_ended, not its result", async () => {
    let release: () => void = () => {};
    const slow = defineHostAction({
      action: hang,
      handle: () => new Promise<Record<string, never>>((resolve) => (release = () => resolve({}))),
    });
    const { pair, client } = await connect({ client: kind, host: { actions: [slow] } });
    void client.request(hang, {}).catch(() => {});
    await settle(2);
    const fresh = pair.reloadWidget();
    const seen: unknown[] = [];
    fresh.subscribe((m) => seen.push(m));
    release();
    await settle(5);
    const replies = seen.filter((m) => (m as { action: string }).action === "com.example.hang");
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ response: { error: { code: ErrorCode.SessionEnded } } });
  });
});

describe.each(CLIENT_KINDS)("content_loaded (waitForIframeLoad false) (%s)", (kind) => {
  function waitingHost() {
    const pair = createMemoryTransportPair();
    const host = new WidgetHost({
      widgetId: WIDGET_ID,
      transport: pair.host,
      waitForIframeLoad: false,
      policy: approveCapabilities("all-requested"),
      logger: silentLogger,
    });
    return { pair, host };
  }

  it("does not negotiate on the load event, only after content_loaded", async () => {
    const { pair, host } = waitingHost();
    pair.host.simulatePeerLoad();
    await settle(5);
    expect(host.state).toBe("waiting");
    const client = await createWidgetClient(kind, {
      widgetId: WIDGET_ID,
      transport: pair.widget,
      capabilities: [NAV],
      sendContentLoaded: true,
      logger: silentLogger,
    });
    expect(host.state).toBe("ready");
    expect(client.capabilities).toEqual([NAV]);
  });

  it("holds a content_loaded that overtakes its document's load event, then starts that document's session on the load", async () => {
    const { pair, host } = waitingHost();
    pair.host.simulatePeerLoad();
    await createWidgetClient(kind, {
      widgetId: WIDGET_ID,
      transport: pair.widget,
      capabilities: [NAV],
      sendContentLoaded: true,
      logger: silentLogger,
    });
    // A new document: its content_loaded arrives first, then the frame's load event.
    const fresh = createMemoryTransportPairEnd(pair);
    const second = createWidgetClient(kind, {
      widgetId: WIDGET_ID,
      transport: fresh,
      capabilities: ["m.always_on_screen"],
      sendContentLoaded: true,
      logger: silentLogger,
    });
    await settle(5);
    // Until the load event, the old document's grants stand and nothing new is negotiated.
    expect(host.grantedCapabilities).toEqual([NAV]);
    pair.host.simulatePeerLoad();
    const client = await second;
    expect(host.state).toBe("ready");
    expect(host.grantedCapabilities).toEqual(["m.always_on_screen"]);
    expect(client.capabilities).toEqual(["m.always_on_screen"]);
  });

  it("acknowledges a duplicate content_loaded from the same document at once, changing nothing", async () => {
    // Until issue 15 a duplicate was held 10 s and refused, which failed a client re-created by
    // React StrictMode; it is now acknowledged like the first, and the session keeps its grants.
    const { pair, host } = waitingHost();
    pair.host.simulatePeerLoad();
    await createWidgetClient(kind, {
      widgetId: WIDGET_ID,
      transport: pair.widget,
      capabilities: [NAV],
      sendContentLoaded: true,
      logger: silentLogger,
    });
    const replies: unknown[] = [];
    pair.widget.subscribe((m) => {
      if ((m as { action: string }).action === "content_loaded" && "response" in (m as object))
        replies.push(m);
    });
    pair.widget.send({
      api: "fromWidget",
      widgetId: WIDGET_ID,
      requestId: "dup-1",
      action: "content_loaded",
      data: {},
    } as never);
    await settle(5);
    expect(replies).toEqual([expect.objectContaining({ requestId: "dup-1", response: {} })]);
    expect(host.grantedCapabilities).toEqual([NAV]);
    expect(host.state).toBe("ready");
  });
});

/** Connects a new widget end to the host without firing a load event (the load comes later). */
function createMemoryTransportPairEnd(pair: ReturnType<typeof createMemoryTransportPair>) {
  const loads: Array<() => void> = [];
  const original = pair.host.simulatePeerLoad.bind(pair.host);
  pair.host.simulatePeerLoad = () => loads.push(original);
  const fresh = pair.reloadWidget();
  pair.host.simulatePeerLoad = original;
  return fresh;
}
