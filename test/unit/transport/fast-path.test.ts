// The MessagePort fast path in Node, over simulated windows and Node's own MessageChannel: when it
// upgrades (both ends ours, after the handshake) and when not (fastPath false, a host that does
// not advertise it), batching, and the host transport's rules for offers: only from the frame's
// window and origin, one per document, the switch ordered by switch/switched, the port closed by
// a load, by close, or given up when the other side speaks on the window again (then read until
// that side's own close). Stray Widget API messages for another widget, and a host replaced by one
// without the fast path, leave the session alone.
import { afterEach, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { defineHostAction } from "../../../src/host/registry.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import type { WireMessage } from "../../../src/protocol/envelope.js";
import { ErrorCode, WidgetApiError } from "../../../src/protocol/errors.js";
import { FAST_PATH_VERSION, MAX_BATCH } from "../../../src/transport/fast-path.js";
import { HostPostMessageTransport } from "../../../src/transport/post-message-host.js";
import { WidgetPostMessageTransport } from "../../../src/transport/post-message-widget.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import { echoAction } from "../../browser/fixtures/session-actions.js";
import { HOST_ORIGIN, settle, SimWindow, simulatedPage, WIDGET_ORIGIN } from "./fake-embedding.js";

const WIDGET_ID = "w1";
const K = FAST_PATH_VERSION;
const opened: Array<{ destroy(): void } | { close(): void }> = [];
afterEach(() => {
  for (const each of opened.splice(0)) {
    if ("destroy" in each) each.destroy();
    else each.close();
  }
  vi.restoreAllMocks();
});

const asWindow = (w: SimWindow) => w as unknown as Window;
/** A reply the host sends, as the transport takes it. */
const reply = (requestId: string) => ({ ...request(requestId), response: {} }) as unknown as WireMessage;
const request = (requestId: string, action = "supported_api_versions", data: object = {}) => ({
  api: "fromWidget",
  widgetId: WIDGET_ID,
  requestId,
  action,
  data,
});

/** The widget's postMessage transport in a simulated page with no host: the test plays the host. */
function widgetTransportAlone() {
  const page = simulatedPage();
  const transport = new WidgetPostMessageTransport({
    parentOrigin: HOST_ORIGIN,
    parent: asWindow(page.hostWindow),
    self: asWindow(page.frameWindow),
  });
  opened.push(transport);
  transport.subscribe(() => {});
  const fromHost = (data: unknown) =>
    page.frameWindow.fire({ data, origin: HOST_ORIGIN, source: page.hostWindow });
  return { page, transport, fromHost };
}

/** A WidgetHost and a WidgetClient over the postMessage transports in a simulated page. */
async function session(options: { host?: boolean; widget?: boolean } = {}) {
  const page = simulatedPage();
  const handled: string[] = [];
  // Echo requests whose text starts with "slow" wait for release().
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const host = new WidgetHost({
    widgetId: WIDGET_ID,
    transport: new HostPostMessageTransport({
      iframe: page.iframe as unknown as HTMLIFrameElement,
      widgetOrigin: WIDGET_ORIGIN,
      hostWindow: asWindow(page.hostWindow),
    }),
    policy: { approveCapabilities: ({ requested }) => requested },
    logger: silentLogger,
    ...(options.host === undefined ? {} : { fastPath: options.host }),
    actions: [
      defineHostAction({
        action: echoAction,
        handle: async (context, { text }) => {
          handled.push(text);
          if (text.startsWith("slow")) await gate;
          return { echoed: text, requestId: context.requestId };
        },
      }),
    ],
  });
  opened.push(host);
  const created = WidgetClient.create({
    widgetId: WIDGET_ID,
    transport: new WidgetPostMessageTransport({
      parentOrigin: HOST_ORIGIN,
      parent: asWindow(page.hostWindow),
      self: asWindow(page.frameWindow),
      ...(options.widget === undefined ? {} : { fastPath: options.widget }),
    }),
    capabilities: ["org.matrix.msc2931.navigate"],
    logger: silentLogger,
  });
  page.iframe.fireLoad();
  const client = await created;
  opened.push(client);
  await settle();
  /** Delivers `data` to the widget's window at once, as the parent would. */
  const fromParent = (data: unknown) =>
    page.frameWindow.fire({ data, origin: HOST_ORIGIN, source: page.hostWindow });
  /** Delivers `data` to the host's window at once, as something in the widget's page would. */
  const fromPage = (data: unknown) =>
    page.hostWindow.fire({ data, origin: WIDGET_ORIGIN, source: page.frameWindow });
  return { page, host, client, handled, release, fromParent, fromPage };
}

const controlsIn = (posted: SimWindow["posted"]) =>
  posted
    .map((p) => p.message as Record<string, unknown>)
    .filter((m) => K in m)
    .map((m) => m[K]);

describe("fast path: when it upgrades", () => {
  it("upgrades our widget and our host after the handshake; requests and pushes then leave the window alone", async () => {
    const { page, host, client, handled } = await session();
    expect(host.supportedVersions).toContain(FAST_PATH_VERSION);
    expect(client.hostVersions).toContain(FAST_PATH_VERSION);
    expect(host.fastPathActive).toBe(true);
    expect(client.fastPathActive).toBe(true);
    expect(controlsIn(page.hostWindow.posted)).toEqual(["offer", "switched"]);
    expect(controlsIn(page.frameWindow.posted)).toEqual(["switch"]);
    // The offer carried one port and went to the host's exact origin.
    const offer = page.hostWindow.posted.find((p) => K in (p.message as object));
    expect(offer).toMatchObject({ targetOrigin: HOST_ORIGIN, ports: 1 });

    const before = [page.hostWindow.posted.length, page.frameWindow.posted.length];
    const texts = Array.from({ length: 100 }, (_, n) => `t${n}`);
    const replies = await Promise.all(texts.map((text) => client.request(echoAction, { text })));
    expect(replies.map((reply) => reply.echoed)).toEqual(texts);
    expect(handled).toEqual(texts);
    expect([page.hostWindow.posted.length, page.frameWindow.posted.length]).toEqual(before);
  });

  it("sends what one task sends as batches of at most MAX_BATCH, in order", async () => {
    const { client } = await session();
    const posted: unknown[] = [];
    const original = MessagePort.prototype.postMessage;
    vi.spyOn(MessagePort.prototype, "postMessage").mockImplementation(function (this: MessagePort, ...args) {
      posted.push(args[0]);
      return original.apply(this, args as Parameters<typeof original>);
    });
    const count = 2 * MAX_BATCH + 5;
    await Promise.all(Array.from({ length: count }, (_, n) => client.request(echoAction, { text: `${n}` })));
    const fromWidget = posted.filter(
      (batch) => Array.isArray(batch) && (batch[0] as { response?: unknown }).response === undefined,
    ) as unknown[][];
    expect(fromWidget.map((batch) => batch.length)).toEqual([MAX_BATCH, MAX_BATCH, 5]);
    expect(fromWidget.flat().map((m) => (m as { data: { text: string } }).data.text)).toEqual(
      Array.from({ length: count }, (_, n) => `${n}`),
    );
  });

  it("fastPath false on the host: no version advertised, no offer, plain postMessage", async () => {
    const { page, host, client } = await session({ host: false });
    expect(host.supportedVersions).not.toContain(FAST_PATH_VERSION);
    expect(controlsIn(page.hostWindow.posted)).toEqual([]);
    expect([host.fastPathActive, client.fastPathActive]).toEqual([false, false]);
  });

  it("fastPath false on the widget: no offer, plain postMessage", async () => {
    const { page, host, client } = await session({ widget: false });
    expect(controlsIn(page.hostWindow.posted)).toEqual([]);
    expect([host.fastPathActive, client.fastPathActive]).toEqual([false, false]);
  });

  it("a host that does not advertise it is never offered a port (a foreign host sees no change)", async () => {
    const { page, fromHost } = widgetTransportAlone();
    fromHost({ ...request("v"), response: { supported_versions: ["0.0.1", "org.matrix.msc2871"] } });
    fromHost({
      api: "toWidget",
      widgetId: WIDGET_ID,
      requestId: "n",
      action: "notify_capabilities",
      data: {},
    });
    await settle();
    expect(page.hostWindow.posted).toEqual([]);
    // The same notify after a versions reply that advertises it: the offer goes out.
    fromHost({ ...request("v2"), response: { supported_versions: [FAST_PATH_VERSION] } });
    fromHost({
      api: "toWidget",
      widgetId: WIDGET_ID,
      requestId: "n2",
      action: "notify_capabilities",
      data: {},
    });
    expect(controlsIn(page.hostWindow.posted)).toEqual(["offer"]);
  });

  it("a versions reply and a notify addressed to another widget ID make no offer; the page's own do", async () => {
    const { page, transport, fromHost } = widgetTransportAlone();
    // The page speaks as WIDGET_ID (its versions request), so it knows which messages are its own.
    transport.send(request("v") as unknown as WireMessage);
    const other = "another-widget";
    fromHost({ ...request("v"), widgetId: other, response: { supported_versions: [FAST_PATH_VERSION] } });
    fromHost({ api: "toWidget", widgetId: other, requestId: "n", action: "notify_capabilities", data: {} });
    await settle();
    expect(controlsIn(page.hostWindow.posted)).toEqual([]);
    fromHost({ ...request("v"), response: { supported_versions: [FAST_PATH_VERSION] } });
    fromHost({
      api: "toWidget",
      widgetId: WIDGET_ID,
      requestId: "n2",
      action: "notify_capabilities",
      data: {},
    });
    await settle();
    expect(controlsIn(page.hostWindow.posted)).toEqual(["offer"]);
  });

  it("a reload closes the port at once, and the host's pending requests end with session_ended", async () => {
    const { page, host, client } = await session();
    const pending = host.request(echoAction as never, {} as never).catch((error: unknown) => error);
    client.destroy();
    page.reloadFrame();
    expect(host.fastPathActive).toBe(false);
    const error = await pending;
    expect(error).toBeInstanceOf(WidgetApiError);
    expect((error as WidgetApiError).code).toBe(ErrorCode.SessionEnded);
  });

  it("messages from the parent that are not Widget API speech do not make the widget leave the port", async () => {
    const { page, client } = await session();
    for (const other of ["ping", { type: "theme" }, { action: "not-ours" }, { api: "toWidget" }]) {
      page.frameWindow.fire({ data: other, origin: HOST_ORIGIN, source: page.hostWindow });
    }
    await settle();
    expect(client.fastPathActive).toBe(true);
    const before = page.hostWindow.posted.length;
    expect((await client.request(echoAction, { text: "still" })).echoed).toBe("still");
    expect(page.hostWindow.posted.length).toBe(before);
  });

  it("host destroy closes the port; the widget speaks on the window again", async () => {
    const { host, client } = await session();
    host.destroy();
    await settle();
    expect(client.fastPathActive).toBe(false);
  });

  it("the page's clients share the port: one created later uses it at once and hears the host", async () => {
    const { page, host, client } = await session();
    const second = new WidgetPostMessageTransport({
      parentOrigin: HOST_ORIGIN,
      parent: asWindow(page.hostWindow),
      self: asWindow(page.frameWindow),
    });
    opened.push(second);
    const heard: unknown[] = [];
    second.subscribe((message) => heard.push(message));
    expect(second.fastPath?.active).toBe(true);
    client.destroy();
    // The port outlives the client: the window listener stays to notice the host giving it up.
    expect(page.frameWindow.listenerCount).toBe(1);
    // No client answers the notify now; it is only listened for.
    void host.revokeCapabilities(["org.matrix.msc2931.navigate"]).catch(() => {});
    await settle();
    expect(heard.some((m) => (m as { action?: string }).action === "notify_capabilities")).toBe(true);
    expect(host.fastPathActive).toBe(true);
  });

  it("a request that cannot be cloned fails at once, and a reply that cannot be is answered with an error", async () => {
    const { client } = await session();
    const failed = client
      .request(echoAction, { text: "x", extra: () => {} } as never)
      .catch((error: unknown) => error);
    const error = await failed;
    expect(error).toBeInstanceOf(WidgetApiError);
    expect((error as WidgetApiError).code).toBe(ErrorCode.Internal);
    // The session carries on.
    expect((await client.request(echoAction, { text: "after" })).echoed).toBe("after");
  });
});

/** The host transport alone, with a hand-made widget on the other side. */
function hostAlone(options: { fastPath?: boolean } = {}) {
  const page = simulatedPage();
  const transport = new HostPostMessageTransport({
    iframe: page.iframe as unknown as HTMLIFrameElement,
    widgetOrigin: WIDGET_ORIGIN,
    hostWindow: asWindow(page.hostWindow),
    ...options,
  });
  opened.push(transport);
  const seen: unknown[] = [];
  transport.subscribe((message) => seen.push(message));
  // The handshake's end: an offer is taken only after the host's notify_capabilities.
  const notify = () =>
    transport.send({
      api: "toWidget",
      widgetId: WIDGET_ID,
      requestId: "n",
      action: "notify_capabilities",
      data: {},
    });
  notify();
  const fromFrame = (data: unknown, ports: MessagePort[] = []) =>
    page.postToHost(data, WIDGET_ORIGIN, page.frameWindow, ports);
  /** Offers a fresh port from the frame (or `source`/`origin`); returns the widget's end. */
  const offer = (id: string, source: unknown = page.frameWindow, origin = WIDGET_ORIGIN) => {
    const channel = new MessageChannel();
    const received: unknown[] = [];
    channel.port1.onmessage = (event) => received.push(event.data);
    (channel.port1 as unknown as { unref(): void }).unref();
    page.postToHost({ [K]: "offer", id }, origin, source, [channel.port2]);
    return { port: channel.port1, received };
  };
  return { page, transport, seen, fromFrame, offer, notify };
}

describe("fast path: the host's rules for offers", () => {
  it("never takes a port offered by a sibling, a popup, no window or another origin", async () => {
    const { page, transport, offer } = hostAlone();
    offer("sibling", new SimWindow("sibling"));
    offer("popup", new SimWindow("popup"));
    offer("nowhere", null);
    for (const origin of [`${WIDGET_ORIGIN}.evil.example`, "https://widget.example.net:444", "null"]) {
      offer(`origin ${origin}`, page.frameWindow, origin);
    }
    await settle();
    expect(transport.fastPath.active).toBe(false);
    // Not even declined: nothing but the notify was posted to the frame.
    expect(controlsIn(page.frameWindow.posted)).toEqual([]);
    expect(page.frameWindow.posted).toHaveLength(1);
  });

  it("holds port messages until switched, then hands them on in order; the window is read until then", async () => {
    const { page, transport, seen, fromFrame, offer } = hostAlone();
    const widget = offer("a");
    await settle();
    expect(controlsIn(page.frameWindow.posted)).toEqual(["switch"]);
    expect(transport.fastPath.active).toBe(true);
    widget.port.postMessage([request("p1"), request("p2")]);
    await settle();
    expect(seen).toEqual([]);
    fromFrame(request("w1"));
    fromFrame({ [K]: "switched", id: "wrong" });
    await settle();
    expect(seen).toEqual([request("w1")]);
    fromFrame({ [K]: "switched", id: "a" });
    await settle();
    expect(seen).toEqual([request("w1"), request("p1"), request("p2")]);
    // Sends now go over the port, batched.
    transport.send(reply("r"));
    await settle();
    expect(widget.received).toEqual([[{ ...request("r"), response: {} }]]);
  });

  it("declines a second offer and keeps the first port", async () => {
    const { page, transport, fromFrame, offer } = hostAlone();
    const first = offer("a");
    await settle();
    fromFrame({ [K]: "switched", id: "a" });
    const second = offer("b");
    await settle();
    expect(controlsIn(page.frameWindow.posted)).toEqual(["switch", "decline"]);
    transport.send(reply("r"));
    await settle();
    expect(first.received).toHaveLength(1);
    expect(second.received).toEqual([]);
  });

  it("declines when turned off, or when the offer carries no port", async () => {
    const off = hostAlone({ fastPath: false });
    off.offer("a");
    off.fromFrame({ [K]: "offer", id: "b" });
    await settle();
    expect(controlsIn(off.page.frameWindow.posted)).toEqual(["decline", "decline"]);
    expect(off.transport.fastPath.active).toBe(false);
  });

  it("declines an offer made before the host's notify_capabilities", async () => {
    const page = simulatedPage();
    const transport = new HostPostMessageTransport({
      iframe: page.iframe as unknown as HTMLIFrameElement,
      widgetOrigin: WIDGET_ORIGIN,
      hostWindow: asWindow(page.hostWindow),
    });
    opened.push(transport);
    const channel = new MessageChannel();
    (channel.port1 as unknown as { unref(): void }).unref();
    page.postToHost({ [K]: "offer", id: "early" }, WIDGET_ORIGIN, page.frameWindow, [channel.port2]);
    await settle();
    expect(controlsIn(page.frameWindow.posted)).toEqual(["decline"]);
    expect(transport.fastPath.active).toBe(false);
  });

  it("a load closes the port: nothing on it is read afterwards, and the new document may offer again", async () => {
    const { page, transport, seen, fromFrame, offer, notify } = hostAlone();
    const old = offer("a");
    await settle();
    fromFrame({ [K]: "switched", id: "a" });
    await settle();
    page.reloadFrame();
    expect(transport.fastPath.active).toBe(false);
    old.port.postMessage([request("stale")]);
    await settle();
    expect(seen).toEqual([]);
    // Before the new document's handshake, an offer is declined (it may be the old document's,
    // posted before it went away); after the host's notify, it is taken.
    offer("b");
    await settle();
    notify();
    offer("c");
    await settle();
    expect(controlsIn(page.frameWindow.posted)).toEqual(["switch", "decline", "switch"]);
  });

  it("the frame speaking on the window after switched: the host speaks on the window, and reads the old port only until the widget's close", async () => {
    const { page, transport, seen, fromFrame, offer } = hostAlone();
    const widget = offer("a");
    await settle();
    fromFrame({ [K]: "switched", id: "a" });
    await settle();
    // A new document that overtook its load, or a client of the page that does not use the port.
    fromFrame(request("new-document"));
    await settle();
    expect(transport.fastPath.active).toBe(false);
    expect(seen).toEqual([request("new-document")]);
    expect(widget.received).toEqual([{ [K]: "close" }]);
    transport.send(reply("r"));
    await settle();
    expect(page.frameWindow.posted.at(-1)?.message).toEqual({ ...request("r"), response: {} });
    // What the widget sent on the port before it heard the host's close is still handled; after
    // the widget's own close, nothing on the port is read.
    widget.port.postMessage([request("in flight")]);
    widget.port.postMessage({ [K]: "close" });
    widget.port.postMessage([request("stale")]);
    await settle();
    expect(seen).toEqual([request("new-document"), request("in flight")]);
    // One offer per document: this one is declined until the next load.
    offer("b");
    await settle();
    expect(controlsIn(page.frameWindow.posted)).toEqual(["switch", "decline"]);
  });

  it("a load closes a port the host was still reading after the frame spoke on the window", async () => {
    const { page, transport, seen, fromFrame, offer } = hostAlone();
    const widget = offer("a");
    await settle();
    fromFrame({ [K]: "switched", id: "a" });
    await settle();
    fromFrame(request("new-document"));
    await settle();
    page.reloadFrame();
    widget.port.postMessage([request("stale")]);
    await settle();
    expect(seen).toEqual([request("new-document")]);
    expect(transport.fastPath.active).toBe(false);
  });

  it("Widget API speech for another widget ID from the frame after switched leaves the port in use", async () => {
    const { transport, seen, fromFrame, offer } = hostAlone();
    const widget = offer("a");
    await settle();
    fromFrame({ [K]: "switched", id: "a" });
    await settle();
    const stray = { ...request("stray"), widgetId: "another-widget" };
    fromFrame(stray);
    await settle();
    expect(transport.fastPath.active).toBe(true);
    expect(widget.received).toEqual([]);
    widget.port.postMessage([request("on the port")]);
    transport.send(reply("r"));
    await settle();
    expect(seen).toEqual([stray, request("on the port")]);
    expect(widget.received).toEqual([[{ ...request("r"), response: {} }]]);
  });

  it("the widget's close on the port is answered with the host's; the host speaks on the window", async () => {
    const { page, transport, seen, fromFrame, offer } = hostAlone();
    const widget = offer("a");
    await settle();
    fromFrame({ [K]: "switched", id: "a" });
    await settle();
    widget.port.postMessage({ [K]: "close" });
    await settle();
    expect(transport.fastPath.active).toBe(false);
    expect(widget.received).toEqual([{ [K]: "close" }]);
    widget.port.postMessage([request("stale")]);
    transport.send(reply("r"));
    await settle();
    expect(seen).toEqual([]);
    expect(page.frameWindow.posted.at(-1)?.message).toEqual({ ...request("r"), response: {} });
  });

  it("other messages from the frame after switched (not Widget API speech) leave the port open", async () => {
    const { transport, seen, fromFrame, offer } = hostAlone();
    const widget = offer("a");
    await settle();
    fromFrame({ [K]: "switched", id: "a" });
    await settle();
    // What another library in the widget's page, or a bench, might post to its parent.
    for (const other of [
      "ping",
      42,
      null,
      { type: "devtools" },
      { action: "not-ours" },
      { api: "fromWidget" },
      { api: "fromWidget", action: 7 },
      [request("in an array")],
    ]) {
      fromFrame(other);
    }
    await settle();
    expect(transport.fastPath.active).toBe(true);
    expect(widget.received).toEqual([]);
    widget.port.postMessage([request("on the port")]);
    await settle();
    expect(seen.at(-1)).toEqual(request("on the port"));
  });

  it("close sends what is pending, then close, over the port", async () => {
    const { transport, fromFrame, offer } = hostAlone();
    const widget = offer("a");
    await settle();
    fromFrame({ [K]: "switched", id: "a" });
    await settle();
    transport.send(reply("last"));
    transport.close();
    await settle();
    expect(widget.received).toEqual([[{ ...request("last"), response: {} }], { [K]: "close" }]);
  });
});

describe("fast path: stray Widget API messages and a replaced host (hostile)", () => {
  const forAnotherWidget = (api: "fromWidget" | "toWidget", requestId: string) => ({
    api,
    widgetId: "another-widget",
    requestId,
    action: api === "fromWidget" ? "supported_api_versions" : "capabilities",
    data: {},
  });

  it("a stray Widget API message for another widget while the port is live: pending requests on the port still get answered", async () => {
    const { host, client, release, fromParent, fromPage } = await session();
    const slow = client.request(echoAction, { text: "slow 1" }, { timeoutMs: 1000 });
    await settle();
    // A second Widget API library in the widget's page, and the parent's message for another of
    // its widgets, both reach this session's windows.
    fromPage(forAnotherWidget("fromWidget", "stray-1"));
    fromParent(forAnotherWidget("toWidget", "stray-2"));
    // Sent on the port before either side could have heard of any change.
    const after = client.request(echoAction, { text: "after" }, { timeoutMs: 1000 });
    release();
    expect((await slow).echoed).toBe("slow 1");
    expect((await after).echoed).toBe("after");
    expect([host.fastPathActive, client.fastPathActive]).toEqual([true, true]);
  });

  it("the session's speech from elsewhere in the widget's page: the host goes back to the window, and what the widget sent on the port meanwhile is still answered", async () => {
    const { page, host, client, release, fromPage } = await session();
    const slow = client.request(echoAction, { text: "slow 1" }, { timeoutMs: 1000 });
    await settle();
    // Another client of the page speaking as this widget on the window (a reply, which the host's
    // session ignores, so that nothing tells the widget of the change but the host's close).
    fromPage({ ...forAnotherWidget("toWidget", "same-widget"), widgetId: WIDGET_ID, response: {} });
    expect(host.fastPathActive).toBe(false);
    // Sent on the port, which the widget has not heard the host give up yet.
    const after = client.request(echoAction, { text: "after" }, { timeoutMs: 1000 });
    await settle();
    release();
    expect((await slow).echoed).toBe("slow 1");
    expect((await after).echoed).toBe("after");
    await settle();
    expect(client.fastPathActive).toBe(false);
    const before = page.hostWindow.posted.length;
    expect((await client.request(echoAction, { text: "window" })).echoed).toBe("window");
    expect(page.hostWindow.posted.length).toBe(before + 1);
  });

  it("the session's speech from the parent on the window: the widget goes back to it, and still reads what the host sent on the port", async () => {
    const { host, client, release, fromParent } = await session();
    const slow = client.request(echoAction, { text: "slow 1" }, { timeoutMs: 1000 });
    await settle();
    // Another host speaking to this widget by its ID (a reply, which the widget's session ignores).
    fromParent({ ...forAnotherWidget("fromWidget", "other-host"), widgetId: WIDGET_ID, response: {} });
    expect(client.fastPathActive).toBe(false);
    // The host answers on the port: it has not heard the widget's close yet.
    release();
    expect((await slow).echoed).toBe("slow 1");
    await settle();
    expect(host.fastPathActive).toBe(false);
    expect((await client.request(echoAction, { text: "window" })).echoed).toBe("window");
  });

  /** What a host without the fast path (matrix-widget-api's ClientWidgetApi) sends to take over. */
  const foreignHandshake = [
    { api: "toWidget", widgetId: WIDGET_ID, requestId: "their-caps", action: "capabilities", data: {} },
    {
      api: "toWidget",
      widgetId: WIDGET_ID,
      requestId: "their-notify",
      action: "notify_capabilities",
      data: { requested: [], approved: [] },
    },
  ];

  it("host replaced by a non-fast-path host: that host never sees an offer (the old host's close heard first)", async () => {
    const { page, host, client, fromParent } = await session();
    host.destroy();
    await settle();
    expect(client.fastPathActive).toBe(false);
    const before = page.hostWindow.posted.length;
    for (const message of foreignHandshake) fromParent(message);
    await settle();
    expect(controlsIn(page.hostWindow.posted.slice(before))).toEqual([]);
    expect(page.hostWindow.posted.slice(before).some((p) => p.ports > 0)).toBe(false);
  });

  it("host replaced by a non-fast-path host: that host never sees an offer (its messages heard first)", async () => {
    const { page, host, client, fromParent } = await session();
    const before = page.hostWindow.posted.length;
    host.destroy();
    // The new host speaks before the old host's close arrives on the port.
    for (const message of foreignHandshake) fromParent(message);
    expect(client.fastPathActive).toBe(false);
    await settle();
    expect(controlsIn(page.hostWindow.posted.slice(before))).toEqual([]);
    expect(page.hostWindow.posted.slice(before).some((p) => p.ports > 0)).toBe(false);
  });

  it("after the host gave the port up, the advertisement is learnt again only from the next host's own versions reply", async () => {
    const { page, host, fromParent } = await session();
    host.destroy();
    await settle();
    const before = page.hostWindow.posted.length;
    fromParent(foreignHandshake[1]);
    await settle();
    expect(controlsIn(page.hostWindow.posted.slice(before))).toEqual([]);
    fromParent({ ...request("next-host-versions"), response: { supported_versions: [FAST_PATH_VERSION] } });
    fromParent(foreignHandshake[1]);
    await settle();
    expect(controlsIn(page.hostWindow.posted.slice(before))).toEqual(["offer"]);
  });
});
