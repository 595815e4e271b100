// LiteWidgetClient's own channel: the answering of the host's requests (exactly one reply, replay
// guard, inbound bound, fallbacks), its pending requests (limit, timeouts, destroy) and what it
// takes as a message for it. The session it shares with WidgetClient is held to WidgetClient's
// behaviour by the shared suites (test/unit/session, proposals, capabilities, fuzz), which run
// against both clients; these tests speak the wire directly where needed.
import * as v from "valibot";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigErrorCode, WidgetKitConfigError } from "../../../src/core/config-error.js";
import { silentLogger, type Logger } from "../../../src/core/logger.js";
import type { HostPolicy } from "../../../src/host/policy.js";
import { approveCapabilities } from "../../../src/host/policy.js";
import { defineHostAction } from "../../../src/host/registry.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { defineAction } from "../../../src/protocol/action.js";
import type { WidgetMessage } from "../../../src/protocol/envelope.js";
import { ErrorCode, WidgetApiError } from "../../../src/protocol/errors.js";
import { createMemoryTransportPair, type MemoryTransport } from "../../../src/transport/memory.js";
import { HostPostMessageTransport } from "../../../src/transport/post-message-host.js";
import type { Transport } from "../../../src/transport/transport.js";
import { navigate } from "../../../src/widget/features/navigate.js";
import { LiteWidgetClient, type LiteWidgetClientOptions } from "../../../src/widget/lite-client.js";
import { connect, drainMemoryChannels, settle, WIDGET_ID } from "../../support/memory-session.js";
import { RecordingDriver } from "../../support/recording-driver.js";
import { FakeWindow, simulatedEmbedding } from "../fuzz/fake-windows.js";

const NAV = "org.matrix.msc2931.navigate";
const cleanups: Array<() => void> = [];
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A toWidget action the tests answer through `handle` (test fixture). */
const held = defineAction({
  id: "test.lite.held",
  direction: "toWidget",
  stable: "com.example.held",
  unstable: [],
  request: v.object({ n: v.number() }),
  response: v.object({}),
  summary: "Answered by the widget's handler (test fixture).",
});
const otherToWidget = defineAction({
  id: "test.lite.other",
  direction: "toWidget",
  stable: "com.example.other",
  unstable: [],
  request: v.object({}),
  response: v.object({}),
  summary: "Another toWidget action (test fixture).",
});

/** A fromWidget action our host holds until the test releases it. */
const hold = defineAction({
  id: "test.lite.hold",
  direction: "fromWidget",
  stable: "com.example.hold",
  unstable: [],
  request: v.object({}),
  response: v.object({ done: v.optional(v.boolean()) }),
  summary: "Held by the host until released (test fixture).",
});
/** A fromWidget action our host echoes. */
const echo = defineAction({
  id: "test.lite.echo",
  direction: "fromWidget",
  stable: "com.example.echo",
  unstable: [],
  request: v.object({ text: v.string() }),
  response: v.object({ echoed: v.string() }),
  summary: "Echoed by the host (test fixture).",
});

/** A Proxy whose traps throw: `instanceof`, property reads and the structured clone all fail on it. */
function hostileProxy(): object {
  return new Proxy(
    {},
    {
      get() {
        throw new Error("get");
      },
      getPrototypeOf() {
        throw new Error("getPrototypeOf");
      },
    },
  );
}

interface OpenOptions {
  widget?: Partial<LiteWidgetClientOptions>;
  capabilities?: string[];
  policy?: HostPolicy;
  /**
   * Give the client a transport that behaves like the page's window channel: close() shuts
   * nothing (postMessage still sends, and the window keeps its other listeners), so only the
   * client's own checks stop it from sending or listening after destroy().
   */
  pageLike?: boolean;
}

/** A transport over `end` that, like a page's window, still sends after close() and keeps listening. */
function pageLikeTransport(end: MemoryTransport) {
  const stops = new Set<() => void>();
  const transport: Transport = {
    send: (message) => end.send(message),
    subscribe(listener) {
      const unsubscribe = end.subscribe(listener);
      const stop = () => {
        stops.delete(stop);
        unsubscribe();
      };
      stops.add(stop);
      return stop;
    },
    close: () => {},
  };
  return { transport, listenerCount: () => stops.size };
}

/**
 * A LiteWidgetClient connected to our host in memory. The host serves {@link hold} and
 * {@link echo}; the test can also play the host on the wire (`toWidget`) and read every reply the
 * host end received from the widget (`replies`, `repliesTo`).
 */
async function openLite(options: OpenOptions = {}) {
  const releases: Array<() => void> = [];
  const pair = createMemoryTransportPair();
  const host = new WidgetHost({
    widgetId: WIDGET_ID,
    transport: pair.host,
    logger: silentLogger,
    ...(options.policy ? { policy: options.policy } : {}),
    actions: [
      defineHostAction({
        action: hold,
        handle: () =>
          new Promise<{ done: boolean }>((resolve) => releases.push(() => resolve({ done: true }))),
      }),
      defineHostAction({ action: echo, handle: (_context, { text }) => ({ echoed: text }) }),
    ],
  });
  const page = pageLikeTransport(pair.widget);
  const created = LiteWidgetClient.create({
    widgetId: WIDGET_ID,
    transport: options.pageLike ? page.transport : pair.widget,
    capabilities: options.capabilities ?? [],
    logger: silentLogger,
    ...options.widget,
  });
  host.start();
  const client = await created;
  // The handshake's last messages (the acknowledgement of notify_capabilities) arrive first.
  await drainMemoryChannels();
  cleanups.push(() => {
    client.destroy();
    host.destroy();
  });
  const replies: WidgetMessage[] = [];
  pair.host.subscribe((raw) => {
    const message = raw as WidgetMessage;
    if (message.api === "toWidget" && Object.hasOwn(message, "response")) replies.push(message);
  });
  const toWidget = (requestId: string, action: string, data: unknown = {}, extra: object = {}) =>
    pair.host.send({ api: "toWidget", widgetId: WIDGET_ID, requestId, action, data, ...extra } as never);
  const repliesTo = (requestId: string) => replies.filter((reply) => reply.requestId === requestId);
  const responseOf = (requestId: string) =>
    repliesTo(requestId).map((reply) => (reply as { response: unknown }).response);
  return {
    pair,
    host,
    client,
    replies,
    toWidget,
    repliesTo,
    responseOf,
    /** The client's listeners on a page-like transport. */
    pageListeners: page.listenerCount,
    release: () => releases.splice(0).forEach((release) => release()),
  };
}

/** A handler for {@link held} that holds each request until released, recording what it was given. */
function holdingHandler() {
  const runs: number[] = [];
  const pending: Array<(value: Record<string, unknown>) => void> = [];
  const handler = (data: { n: number }) => {
    runs.push(data.n);
    return new Promise<Record<string, never>>((resolve) => pending.push(resolve as never));
  };
  return { handler, runs, pending };
}

const errorBody = (message: string, code: string) => ({ error: { message, code } });

describe("LiteWidgetClient against our host, in memory", () => {
  it("finishes the capability exchange and navigates with a granted capability", async () => {
    const driver = new RecordingDriver();
    const { host, client } = await connect({
      client: "LiteWidgetClient",
      capabilities: [NAV],
      policy: approveCapabilities([NAV]),
      driver,
    });
    cleanups.push(() => {
      client.destroy();
      host.destroy();
    });
    expect(client.capabilities).toEqual([NAV]);
    expect(client.hasCapability("m.navigate")).toBe(true);
    await expect(navigate(client, "https://matrix.to/#/#room:example.org")).resolves.toBeUndefined();
    expect(JSON.stringify(driver.calls)).toContain("#room:example.org");
  });
});

describe("LiteWidgetClient: answering the host's requests", () => {
  it("answers every host request exactly once, echoing its envelope and data, in whatever order the handlers finish", async () => {
    const t = await openLite();
    const h = holdingHandler();
    t.client.handle(held, h.handler);
    for (let n = 0; n < 5; n++) t.toWidget(`q${n}`, held.stable, { n });
    await settle();
    expect(h.runs).toEqual([0, 1, 2, 3, 4]);
    expect(t.replies.filter((reply) => reply.action === held.stable)).toEqual([]);
    for (const [i, resolve] of [...h.pending.entries()].reverse()) resolve({ i });
    await settle();
    for (let n = 0; n < 5; n++) {
      expect(t.repliesTo(`q${n}`)).toEqual([
        {
          api: "toWidget",
          widgetId: WIDGET_ID,
          requestId: `q${n}`,
          action: held.stable,
          data: { n },
          response: { i: n },
        },
      ]);
    }
  });

  it("answers a request whose handler is still running at destroy() with session_ended, once, and drops the handler's later result", async () => {
    const t = await openLite({ pageLike: true });
    const h = holdingHandler();
    t.client.handle(held, h.handler);
    t.toWidget("running", held.stable, { n: 1 });
    await settle();
    expect(h.runs).toEqual([1]);
    t.client.destroy();
    await settle();
    expect(t.responseOf("running")).toEqual([
      { error: expect.objectContaining({ code: ErrorCode.SessionEnded }) },
    ]);
    h.pending[0]?.({ late: true });
    await settle(5);
    expect(t.repliesTo("running")).toHaveLength(1);
    expect(t.pair.widget.sent.filter((m) => m.requestId === "running")).toHaveLength(1);
  });

  it("runs a replayed request ID still in flight nothing and sends it no second reply", async () => {
    const t = await openLite();
    const h = holdingHandler();
    t.client.handle(held, h.handler);
    t.toWidget("replayed", held.stable, { n: 1 });
    t.toWidget("replayed", held.stable, { n: 1 });
    await settle();
    t.toWidget("replayed", held.stable, { n: 2 });
    await settle();
    expect(h.runs).toEqual([1]);
    expect(t.repliesTo("replayed")).toEqual([]);
    h.pending[0]?.({ first: true });
    await settle();
    expect(t.responseOf("replayed")).toEqual([{ first: true }]);
    // Answered: the ID is free again and names a new request.
    t.toWidget("replayed", held.stable, { n: 3 });
    await settle();
    h.pending[1]?.({ second: true });
    await settle();
    expect(h.runs).toEqual([1, 3]);
    expect(t.responseOf("replayed")).toEqual([{ first: true }, { second: true }]);
  });

  it("answers the same request ID for another action at once with invalid_request, and still answers the first one", async () => {
    const t = await openLite();
    const h = holdingHandler();
    const other = vi.fn(() => ({}));
    t.client.handle(held, h.handler);
    t.client.handle(otherToWidget, other);
    t.toWidget("shared", held.stable, { n: 1 });
    await settle();
    t.toWidget("shared", otherToWidget.stable, {});
    await settle();
    expect(other).not.toHaveBeenCalled();
    expect(t.repliesTo("shared")).toEqual([
      expect.objectContaining({
        action: otherToWidget.stable,
        data: {},
        response: errorBody(
          "Invalid request: the requestId belongs to another request still in flight",
          ErrorCode.InvalidRequest,
        ),
      }),
    ]);
    h.pending[0]?.({ ok: true });
    await settle();
    expect(
      t.repliesTo("shared").map((reply) => [reply.action, (reply as { response: unknown }).response]),
    ).toEqual([
      [otherToWidget.stable, expect.anything()],
      [held.stable, { ok: true }],
    ]);
  });

  it.each<[string, unknown]>([
    ["null", null],
    ["a string", "text"],
    ["an array", [1, 2]],
    ["a number", 7],
    ["a boolean", true],
    ["absent", undefined],
  ])("refuses data that is %s with invalid_request, before any handler runs", async (_name, data) => {
    const t = await openLite();
    const handler = vi.fn(() => ({}));
    t.client.handle(otherToWidget, handler);
    const message: Record<string, unknown> = {
      api: "toWidget",
      widgetId: WIDGET_ID,
      requestId: "bad-data",
      action: otherToWidget.stable,
    };
    if (data !== undefined) message.data = data;
    t.pair.host.send(message as never);
    await settle();
    expect(handler).not.toHaveBeenCalled();
    expect(t.repliesTo("bad-data")).toEqual([
      expect.objectContaining({
        data: {},
        response: errorBody("Invalid request: data must be a JSON object", ErrorCode.InvalidRequest),
      }),
    ]);
  });

  it("refuses data that fails the action's schema with invalid_request naming the field, before the handler runs", async () => {
    const t = await openLite();
    const handler = vi.fn(() => ({}));
    t.client.handle(held, handler);
    t.toWidget("schema", held.stable, { n: "one" });
    await settle();
    expect(handler).not.toHaveBeenCalled();
    const [response] = t.responseOf("schema") as Array<{ error: { message: string; code: string } }>;
    expect(response?.error.code).toBe(ErrorCode.InvalidRequest);
    expect(response?.error.message).toMatch(/^Invalid request: n/);
  });

  it("answers an action it has no handler for with unknown_action, naming the action", async () => {
    const t = await openLite();
    for (const action of ["com.example.nope", "__proto__", "constructor", "hasOwnProperty"]) {
      t.toWidget(`unknown-${action}`, action);
      await settle();
      expect(t.responseOf(`unknown-${action}`)).toEqual([
        errorBody(`Unknown or unsupported action: ${action}`, ErrorCode.UnknownAction),
      ]);
    }
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it("answers unknown_action again once the handler was removed", async () => {
    const t = await openLite();
    const remove = t.client.handle(otherToWidget, () => ({ handled: true }) as never);
    t.toWidget("before", otherToWidget.stable);
    await settle();
    remove();
    t.toWidget("after", otherToWidget.stable);
    await settle();
    expect(t.responseOf("before")).toEqual([{ handled: true }]);
    expect(t.responseOf("after")).toEqual([
      errorBody(`Unknown or unsupported action: ${otherToWidget.stable}`, ErrorCode.UnknownAction),
    ]);
  });

  it.each(["theme_change", "language_change", "visibility", "dev.matrix_widget_kit.account_data"])(
    "acknowledges %s with {} when nobody listens",
    async (action) => {
      const t = await openLite();
      t.toWidget(`ack-${action}`, action, { anything: 1 });
      await settle();
      expect(t.responseOf(`ack-${action}`)).toEqual([{}]);
    },
  );

  it("answers the host's supported_api_versions with the versions it speaks, each time", async () => {
    const t = await openLite();
    t.toWidget("versions", "supported_api_versions");
    await settle();
    t.toWidget("versions", "supported_api_versions");
    await settle();
    const responses = t.responseOf("versions") as Array<{ supported_versions: string[] }>;
    expect(responses).toHaveLength(2);
    for (const response of responses) expect(response.supported_versions).toContain("org.matrix.msc2974");
  });
});

describe("LiteWidgetClient: what a handler throws or returns", () => {
  const internal = errorBody(`Error while handling ${held.stable}`, ErrorCode.Internal);

  it.each<[string, () => unknown]>([
    ["undefined", () => undefined],
    ["null", () => null],
    ["a Proxy whose traps throw", hostileProxy],
    ["Object.create(null)", () => Object.create(null) as unknown],
    ["a symbol", () => Symbol("thrown")],
  ])(
    "a handler throwing or rejecting with %s gets one internal_error reply per request",
    async (_name, value) => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on("unhandledRejection", onUnhandled);
      try {
        const t = await openLite();
        let how: "throw" | "reject" = "throw";
        t.client.handle(held, () => {
          if (how === "throw") throw value();
          return Promise.reject(value());
        });
        t.toWidget("thrown", held.stable, { n: 1 });
        await settle();
        how = "reject";
        t.toWidget("rejected", held.stable, { n: 2 });
        await settle(5);
        expect(t.responseOf("thrown")).toEqual([internal]);
        expect(t.responseOf("rejected")).toEqual([internal]);
        expect(unhandled).toEqual([]);
      } finally {
        process.off("unhandledRejection", onUnhandled);
      }
    },
  );

  it("sends a WidgetApiError a handler throws as it is", async () => {
    const t = await openLite();
    t.client.handle(held, () => {
      throw new WidgetApiError("not now", ErrorCode.Refused);
    });
    t.toWidget("refused", held.stable, { n: 1 });
    await settle();
    expect(t.responseOf("refused")).toEqual([errorBody("not now", ErrorCode.Refused)]);
  });

  it.each<[string, unknown]>([
    ["a function", () => {}],
    ["a string", "text"],
    ["undefined", undefined],
    ["an array", [1]],
  ])("answers {} when a handler resolves %s, which is not an object", async (_name, result) => {
    const t = await openLite();
    t.client.handle(held, () => result as never);
    t.toWidget("non-object", held.stable, { n: 1 });
    await settle();
    expect(t.responseOf("non-object")).toEqual([{}]);
  });

  it("turns a reply that cannot be cloned (a function inside) into the internal_error fallback, with data {}", async () => {
    const t = await openLite();
    t.client.handle(held, () => ({ callback: () => {} }) as never);
    t.toWidget("uncloneable", held.stable, { n: 1 });
    await settle();
    expect(t.repliesTo("uncloneable")).toEqual([
      {
        api: "toWidget",
        widgetId: WIDGET_ID,
        requestId: "uncloneable",
        action: held.stable,
        data: {},
        response: errorBody(`Could not send the reply to ${held.stable}`, ErrorCode.Internal),
      },
    ]);
  });

  it("never lets a token a handler's error quotes reach the logger or the host", async () => {
    const lines: string[] = [];
    const logger: Logger = {
      debug: (line) => lines.push(line),
      warn: (line) => lines.push(line),
      error: (line) => lines.push(line),
    };
    const t = await openLite({ widget: { logger } });
    const secret = "access_token=syt_c2VjcmV0_abcdefghijklmnop_123456";
    const thrown: Array<() => unknown> = [
      () => new Error(`TURN fetch failed: ${secret}`),
      () => new TypeError(secret),
      () => secret,
      () => ({ message: secret }),
    ];
    let next = 0;
    t.client.handle(held, ({ n }) => {
      if (n % 2 === 0) throw thrown[next++ % thrown.length]?.();
      return Promise.reject(thrown[next++ % thrown.length]?.());
    });
    for (let n = 0; n < 8; n++) t.toWidget(`secret-${n}`, held.stable, { n });
    await settle(5);
    expect(t.replies.filter((reply) => reply.action === held.stable)).toHaveLength(8);
    for (let n = 0; n < 8; n++) expect(t.responseOf(`secret-${n}`)).toEqual([internal]);
    // The log names the action and the kind of value, and nothing of what it said.
    expect(lines.filter((line) => line.startsWith(`Handler for ${held.stable} failed`))).toHaveLength(8);
    expect(lines).toContain(`Handler for ${held.stable} failed (TypeError)`);
    const everything = JSON.stringify([lines, t.pair.widget.sent]);
    expect(everything).not.toContain("syt_");
    expect(everything).not.toContain("access_token");
  });
});

describe("LiteWidgetClient: limits", () => {
  it("handles at most 64 host requests at once: more get limit_exceeded, every one is answered once, and the slots free up", async () => {
    const t = await openLite();
    const h = holdingHandler();
    t.client.handle(held, h.handler);
    const ids = Array.from({ length: 66 }, (_, n) => `in-${n}`);
    ids.forEach((id, n) => t.toWidget(id, held.stable, { n }));
    await settle();
    expect(h.runs).toHaveLength(64);
    for (const id of ids.slice(64)) {
      expect(t.responseOf(id)).toEqual([
        errorBody("Too many requests in flight (limit 64)", ErrorCode.LimitExceeded),
      ]);
    }
    for (const resolve of h.pending.splice(0)) resolve({});
    await settle();
    for (const id of ids) expect(t.repliesTo(id)).toHaveLength(1);
    // The slots are free again: another 64 run.
    for (let n = 0; n < 64; n++) t.toWidget(`again-${n}`, held.stable, { n });
    await settle();
    expect(h.runs).toHaveLength(128);
    for (const resolve of h.pending.splice(0)) resolve({});
    await settle();
    for (let n = 0; n < 64; n++) expect(t.responseOf(`again-${n}`)).toEqual([{}]);
  });

  it("refuses a request past maxPending with limit_exceeded without sending it, and sends again once a slot is free", async () => {
    const t = await openLite({ widget: { maxPending: 2 } });
    const sentHolds = () => t.pair.widget.sent.filter((m) => m.action === hold.stable && !("response" in m));
    const first = t.client.request(hold, {}, { timeoutMs: 40 });
    const second = t.client.request(hold, {});
    expect(t.client.pendingRequestCount).toBe(2);
    await expect(t.client.request(hold, {})).rejects.toMatchObject({
      code: ErrorCode.LimitExceeded,
      message: "Too many requests waiting for a reply (limit 2)",
    });
    expect(sentHolds()).toHaveLength(2);
    await expect(first).rejects.toMatchObject({ code: ErrorCode.Timeout });
    expect(t.client.pendingRequestCount).toBe(1);
    await expect(t.client.request(echo, { text: "room again" })).resolves.toEqual({ echoed: "room again" });
    t.release();
    await expect(second).resolves.toEqual({ done: true });
    expect(t.client.pendingRequestCount).toBe(0);
  });
});

describe("LiteWidgetClient: timeouts", () => {
  it("rejects a request with timeout after its timeoutMs and frees its slot; the host's late reply changes nothing", async () => {
    const t = await openLite();
    const started = Date.now();
    await expect(t.client.request(hold, {}, { timeoutMs: 30 })).rejects.toMatchObject({
      code: ErrorCode.Timeout,
      message: `Request ${hold.stable} timed out after 30 ms`,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(t.client.pendingRequestCount).toBe(0);
    const next = t.client.request(hold, {});
    await settle();
    // Releases both: the timed-out request's reply comes first and must not settle `next`'s call.
    t.release();
    await expect(next).resolves.toEqual({ done: true });
    expect(t.client.pendingRequestCount).toBe(0);
  });

  it("uses the timeoutMs option as the default timeout, and 10 s without it", async () => {
    const custom = await openLite({ widget: { timeoutMs: 50 } });
    const standard = await openLite();
    vi.useFakeTimers();
    const short = custom.client.request(hold, {});
    const long = standard.client.request(hold, {});
    const shortFails = expect(short).rejects.toMatchObject({ code: ErrorCode.Timeout });
    const longFails = expect(long).rejects.toMatchObject({ code: ErrorCode.Timeout });
    await vi.advanceTimersByTimeAsync(49);
    expect(custom.client.pendingRequestCount).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await shortFails;
    expect(custom.client.pendingRequestCount).toBe(0);
    await vi.advanceTimersByTimeAsync(9_999 - 50);
    expect(standard.client.pendingRequestCount).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await longFails;
    expect(standard.client.pendingRequestCount).toBe(0);
  });

  it.each([Infinity, 0])(
    "sets no timer for a request with timeoutMs %s, which waits for its reply",
    async (timeoutMs) => {
      const t = await openLite();
      vi.useFakeTimers();
      const call = t.client.request(hold, {}, { timeoutMs });
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(t.client.pendingRequestCount).toBe(1);
      t.release();
      await expect(call).resolves.toEqual({ done: true });
    },
  );
});

describe("LiteWidgetClient: destroy", () => {
  it("rejects pending requests and a waiting requestCapabilities with session_ended, removes its listener and leaves no timers", async () => {
    let round = 0;
    const t = await openLite({
      pageLike: true,
      capabilities: [NAV],
      // The renegotiation is never decided: requestCapabilities waits for a notify.
      policy: {
        approveCapabilities: ({ requested }) => (round++ === 0 ? requested : new Promise<string[]>(() => {})),
      },
    });
    vi.useFakeTimers();
    const pending = t.client.request(hold, {});
    const more = t.client.requestCapabilities(["m.always_on_screen"]);
    const pendingFails = expect(pending).rejects.toMatchObject({ code: ErrorCode.SessionEnded });
    const moreFails = expect(more).rejects.toMatchObject({ code: ErrorCode.SessionEnded });
    await vi.advanceTimersByTimeAsync(5);
    // The host's acknowledgements arrive as tasks, which fake time does not run.
    await drainMemoryChannels();
    // The pending request's timer, and the capability wait's.
    expect(vi.getTimerCount()).toBe(2);
    expect(t.client.pendingRequestCount).toBe(1);
    expect(t.pageListeners()).toBe(1);
    t.client.destroy();
    await pendingFails;
    await moreFails;
    expect(vi.getTimerCount()).toBe(0);
    expect(t.client.pendingRequestCount).toBe(0);
    expect(t.pageListeners()).toBe(0);
    expect(t.pair.widget.listenerCount).toBe(0);
  });

  it("words its session_ended errors as WidgetClient does: the destroyed session, and a request unanswered at destroy()", async () => {
    const t = await openLite();
    const { handler, pending } = holdingHandler();
    t.client.handle(held, handler);
    const call = t.client.request(hold, {});
    const callFails = expect(call).rejects.toThrow("The session has been destroyed");
    t.toWidget("held-at-destroy", held.stable, { n: 1 });
    await settle(5);
    expect(pending).toHaveLength(1);
    t.client.destroy();
    await callFails;
    await drainMemoryChannels();
    expect(t.responseOf("held-at-destroy")).toEqual([
      errorBody(
        "The session ended before this request was answered: The session has been destroyed",
        ErrorCode.SessionEnded,
      ),
    ]);
  });

  it("rejects waiting and later requests with session_ended at once when the host closes its end of the channel", async () => {
    const t = await openLite();
    const waiting = t.client.request(hold, {}, { timeoutMs: 60_000 });
    const waitingFails = expect(waiting).rejects.toMatchObject({
      code: ErrorCode.SessionEnded,
      message: "The peer ended the session: it closed its end of the channel",
    });
    await settle(5);
    expect(t.client.pendingRequestCount).toBe(1);
    const before = t.pair.widget.sent.length;
    // The host's end goes away without a word (a torn-down host), so only the close tells.
    t.pair.host.close();
    await waitingFails;
    expect(t.client.pendingRequestCount).toBe(0);
    await expect(t.client.request(echo, { text: "after" }, { timeoutMs: 60_000 })).rejects.toMatchObject({
      code: ErrorCode.SessionEnded,
    });
    expect(t.pair.widget.sent.length).toBe(before);
  });

  it.each(["WidgetClient", "LiteWidgetClient"] as const)(
    "the %s's signal aborts at destroy(), and one read after destroy() is aborted already",
    async (kind) => {
      const before = await connect({ client: kind });
      const signal = before.client.signal;
      expect(signal?.aborted).toBe(false);
      before.client.destroy();
      expect(signal?.aborted).toBe(true);
      const after = await connect({ client: kind });
      after.client.destroy();
      expect(after.client.signal?.aborted).toBe(true);
      before.host.destroy();
      after.host.destroy();
    },
  );

  it("closes the transport it was given at destroy()", async () => {
    const t = await openLite();
    expect(t.pair.widget.isClosed).toBe(false);
    t.client.destroy();
    expect(t.pair.widget.isClosed).toBe(true);
  });

  it("after destroy, rejects requests with session_ended without sending them; a second destroy() does nothing", async () => {
    const t = await openLite({ pageLike: true });
    const before = t.pair.widget.sent.length;
    t.client.destroy();
    t.client.destroy();
    await expect(t.client.request(echo, { text: "late" })).rejects.toMatchObject({
      code: ErrorCode.SessionEnded,
    });
    await expect(t.client.requestCapabilities([NAV])).rejects.toMatchObject({ code: ErrorCode.SessionEnded });
    expect(t.pair.widget.sent.length).toBe(before);
  });

  it("a create() that fails destroys the client: no listener and no timer left behind", async () => {
    vi.useFakeTimers();
    const pair = createMemoryTransportPair();
    // Nobody answers: the versions request times out, then the capability exchange.
    const outcome = LiteWidgetClient.create({
      widgetId: WIDGET_ID,
      transport: pair.widget,
      logger: silentLogger,
      timeoutMs: 50,
      readyTimeoutMs: 200,
    }).then(
      () => "ready",
      (error: unknown) => (error as WidgetApiError).code,
    );
    await vi.advanceTimersByTimeAsync(200);
    expect(await outcome).toBe(ErrorCode.Timeout);
    expect(vi.getTimerCount()).toBe(0);
    expect(pair.widget.listenerCount).toBe(0);
  });
});

describe("LiteWidgetClient: which messages count", () => {
  it("ignores replies for another widget ID, in the toWidget direction or for another action; the matching one settles the call once", async () => {
    const t = await openLite();
    const call = t.client.request(hold, {});
    let settlements = 0;
    void call.then(
      () => settlements++,
      () => settlements++,
    );
    await settle();
    const request = t.pair.widget.sent.findLast((m) => m.action === hold.stable) as WidgetMessage;
    const forge = (overrides: object) =>
      t.pair.host.send({ ...request, response: { done: false }, ...overrides } as never);
    forge({ widgetId: "someone-else" });
    forge({ api: "toWidget" });
    forge({ action: "com.example.other" });
    forge({ requestId: "unknown" });
    await settle();
    expect(settlements).toBe(0);
    expect(t.client.pendingRequestCount).toBe(1);
    forge({});
    await expect(call).resolves.toEqual({ done: false });
    // The host's real reply, and a copy of the forged one, change nothing.
    t.release();
    forge({});
    await settle();
    expect(settlements).toBe(1);
    expect(t.client.pendingRequestCount).toBe(0);
  });

  it("ignores requests for another widget ID or in the fromWidget direction: nothing runs, nothing is answered", async () => {
    const t = await openLite();
    const handler = vi.fn(() => ({}));
    t.client.handle(otherToWidget, handler);
    t.toWidget("elsewhere", otherToWidget.stable, {}, { widgetId: "someone-else" });
    t.toWidget("backwards", otherToWidget.stable, {}, { api: "fromWidget" });
    await settle();
    expect(handler).not.toHaveBeenCalled();
    expect(t.pair.widget.sent.filter((m) => ["elsewhere", "backwards"].includes(m.requestId))).toEqual([]);
  });

  it("ignores what cannot be addressed: non-objects, bad envelopes and MSC4412 messages", async () => {
    const t = await openLite();
    const handler = vi.fn(() => ({}));
    t.client.handle(otherToWidget, handler);
    const before = t.pair.widget.sent.length;
    const envelope = {
      api: "toWidget",
      widgetId: WIDGET_ID,
      requestId: "r",
      action: otherToWidget.stable,
      data: {},
    };
    for (const raw of [
      null,
      "text",
      [envelope],
      Object.assign(Object.create({ polluted: true }) as object, envelope),
      { ...envelope, requestId: "" },
      { ...envelope, requestId: "x".repeat(513) },
      { ...envelope, requestId: 7 },
      { ...envelope, action: "" },
      { ...envelope, api: "sideways" },
      { ...envelope, widgetId: 1 },
      {
        source: "host",
        version: "v1",
        requestId: "9b2f1c3e-7a4d-4e1f-8c2b-3d5e6f7a8b9c",
        action: otherToWidget.stable,
        request: {},
      },
    ]) {
      expect(() => t.pair.widget.receive(raw)).not.toThrow();
    }
    await settle();
    expect(handler).not.toHaveBeenCalled();
    expect(t.pair.widget.sent.length).toBe(before);
  });

  it("rejects a call whose reply is not an object with malformed_response, and one with an error reply with its code", async () => {
    const t = await openLite();
    const replyWith = async (response: unknown) => {
      const call = t.client.request(hold, {});
      await settle();
      const request = t.pair.widget.sent.findLast((m) => m.action === hold.stable) as WidgetMessage;
      t.pair.host.send({ ...request, response } as never);
      return call;
    };
    await expect(replyWith("ok")).rejects.toMatchObject({ code: ErrorCode.MalformedResponse });
    await expect(replyWith(null)).rejects.toMatchObject({ code: ErrorCode.MalformedResponse });
    await expect(replyWith({ done: "yes" })).rejects.toMatchObject({ code: ErrorCode.MalformedResponse });
    await expect(replyWith({ error: { message: "no", code: ErrorCode.Refused } })).rejects.toMatchObject({
      code: ErrorCode.Refused,
      message: "no",
    });
    expect(t.client.pendingRequestCount).toBe(0);
  });
});

describe("LiteWidgetClient: the requests it sends", () => {
  it("puts envelopeExtras on the wire, but never in place of the standard fields", async () => {
    const t = await openLite();
    const reply = await t.client.request(
      echo,
      { text: "hi" },
      {
        envelopeExtras: {
          visible: true,
          api: "toWidget",
          widgetId: "someone-else",
          requestId: "forged",
          action: "com.example.forged",
          data: { text: "forged" },
        },
      },
    );
    expect(reply).toEqual({ echoed: "hi" });
    const sent = t.pair.widget.sent.findLast((m) => m.action === echo.stable) as unknown as Record<
      string,
      unknown
    >;
    expect(sent).toMatchObject({
      visible: true,
      api: "fromWidget",
      widgetId: WIDGET_ID,
      action: echo.stable,
      data: { text: "hi" },
    });
    expect(sent.requestId).not.toBe("forged");
  });

  it("gives every request its own ID", async () => {
    const t = await openLite();
    await Promise.all(Array.from({ length: 20 }, (_, i) => t.client.request(echo, { text: String(i) })));
    const ids = t.pair.widget.sent.filter((m) => m.action === echo.stable).map((m) => m.requestId);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
  });

  it("rejects a request the transport cannot send with internal_error, and frees its slot", async () => {
    const pair = createMemoryTransportPair();
    let broken = false;
    const transport: Transport = {
      send: (message) => {
        if (broken) throw new Error("DataCloneError");
        pair.widget.send(message);
      },
      subscribe: (listener) => pair.widget.subscribe(listener),
      close: () => pair.widget.close(),
    };
    const host = new WidgetHost({
      widgetId: WIDGET_ID,
      transport: pair.host,
      logger: silentLogger,
      actions: [defineHostAction({ action: echo, handle: (_context, { text }) => ({ echoed: text }) })],
    });
    const created = LiteWidgetClient.create({ widgetId: WIDGET_ID, transport, logger: silentLogger });
    host.start();
    const client = await created;
    cleanups.push(() => {
      client.destroy();
      host.destroy();
    });
    broken = true;
    await expect(client.request(echo, { text: "x" })).rejects.toMatchObject({
      code: ErrorCode.Internal,
      message: `Could not send ${echo.stable}: DataCloneError`,
    });
    expect(client.pendingRequestCount).toBe(0);
    broken = false;
    await expect(client.request(echo, { text: "y" })).resolves.toEqual({ echoed: "y" });
  });
});

describe("LiteWidgetClient with its own postMessage channel", () => {
  const HOST_ORIGIN = "https://client.example.org";
  const WIDGET_ORIGIN = "https://widget.example.net";

  /**
   * Our host in a simulated page, and the widget's global `window` (the frame's), whose parent is
   * the host's window. Each test uses its own widget ID: what one document has sent is kept per ID.
   */
  function embed(widgetId: string) {
    const page = simulatedEmbedding({ hostOrigin: HOST_ORIGIN, frameOrigin: WIDGET_ORIGIN });
    Object.assign(page.frameWindow, { parent: page.hostWindow });
    vi.stubGlobal("window", page.frameWindow);
    const host = new WidgetHost({
      widgetId,
      transport: new HostPostMessageTransport({
        iframe: page.iframe as never,
        widgetOrigin: WIDGET_ORIGIN,
        hostWindow: page.hostWindow as never,
      }),
      policy: approveCapabilities("all-requested"),
      logger: silentLogger,
    });
    cleanups.push(() => host.destroy());
    const create = (options: LiteWidgetClientOptions = {}) =>
      LiteWidgetClient.create({ widgetId, parentOrigin: HOST_ORIGIN, logger: silentLogger, ...options });
    /** Requests the widget posted to its parent, by action. */
    const posted = (action: string) =>
      page.hostWindow.posted.filter(
        ({ message }) => (message as WidgetMessage).action === action && !("response" in (message as object)),
      );
    return { page, host, create, posted };
  }

  it("gets its session from our host through window.parent, posting only to the pinned origin, and removes its listener on destroy", async () => {
    const { page, host, create } = embed("lite-own-channel");
    const created = create({ capabilities: [NAV] });
    host.start();
    const client = await created;
    expect(client.capabilities).toEqual([NAV]);
    expect(host.grantedCapabilities).toEqual([NAV]);
    expect(page.hostWindow.posted.length).toBeGreaterThan(0);
    expect(new Set(page.hostWindow.posted.map(({ targetOrigin }) => targetOrigin))).toEqual(
      new Set([HOST_ORIGIN]),
    );
    expect(page.frameWindow.listenerCount).toBe(1);
    client.destroy();
    expect(page.frameWindow.listenerCount).toBe(0);
  });

  it("ignores a message from another window or another origin, however well formed", async () => {
    const { page, host, create } = embed("lite-pinned");
    const created = create({ capabilities: [NAV] });
    host.start();
    const client = await created;
    cleanups.push(() => client.destroy());
    const before = page.hostWindow.posted.length;
    const sibling = new FakeWindow("sibling");
    const forged = {
      api: "toWidget",
      widgetId: "lite-pinned",
      requestId: "forged",
      action: "notify_capabilities",
      data: { requested: [NAV, "m.always_on_screen"], approved: [NAV, "m.always_on_screen"] },
    };
    page.frameWindow.fire("message", {
      data: forged,
      origin: "https://evil.example",
      source: page.hostWindow,
    });
    page.frameWindow.fire("message", {
      data: forged,
      origin: `${HOST_ORIGIN}.evil.example`,
      source: page.hostWindow,
    });
    page.frameWindow.fire("message", { data: forged, origin: HOST_ORIGIN, source: sibling });
    page.frameWindow.fire("message", { data: forged, origin: HOST_ORIGIN, source: null });
    await settle();
    expect(client.capabilities).toEqual([NAV]);
    expect(page.hostWindow.posted.length).toBe(before);
    // The same message from the parent at the pinned origin is taken.
    page.frameWindow.fire("message", { data: forged, origin: HOST_ORIGIN, source: page.hostWindow });
    await settle();
    expect(client.capabilities).toEqual([NAV, "m.always_on_screen"]);
  });

  it("sends content_loaded once per document: a client created again in the page (React StrictMode) does not", async () => {
    const { host, create, posted } = embed("lite-content-loaded");
    const first = create({ capabilities: [NAV], sendContentLoaded: true });
    host.start();
    (await first).destroy();
    const second = await create({ capabilities: [NAV], sendContentLoaded: true });
    cleanups.push(() => second.destroy());
    expect(second.capabilities).toEqual([NAV]);
    expect(posted("content_loaded")).toHaveLength(1);
  });

  it("refuses to run outside a frame (not_embedded), without a host origin or without a widget ID", async () => {
    const page = { addEventListener: () => {}, removeEventListener: () => {} } as Record<string, unknown>;
    page.parent = page;
    vi.stubGlobal("window", page);
    const attempts: Array<[LiteWidgetClientOptions, string]> = [
      [{ widgetId: "w", parentOrigin: HOST_ORIGIN }, ConfigErrorCode.NotEmbedded],
      [{ widgetId: "w", url: "https://widget.example.net/" }, ConfigErrorCode.MissingParentOrigin],
      [{ parentOrigin: HOST_ORIGIN, url: "https://widget.example.net/" }, ConfigErrorCode.MissingWidgetId],
    ];
    for (const [options, code] of attempts) {
      const error = await LiteWidgetClient.create({ logger: silentLogger, ...options }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(WidgetKitConfigError);
      expect(error).toMatchObject({ code });
    }
  });
});
