// The boundary check of both endpoints: only JSON values and binary data get through, and the
// size limit measures what actually travels (issue 15 item 11: a 20 MiB Map reached the driver
// under a 1 MiB limit, because JSON.stringify writes a Map as `{}`).
import * as v from "valibot";
import { describe, expect, it, vi } from "vitest";
import { approveCapabilities } from "../../../src/host/policy.js";
import { defineHostAction } from "../../../src/host/registry.js";
import { defineAction } from "../../../src/protocol/action.js";
import type { WidgetMessage } from "../../../src/protocol/envelope.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import type { Transport } from "../../../src/transport/transport.js";
import { onRoomEvent } from "../../../src/widget/features/events.js";
import { connect, settle, WIDGET_ID, type WidgetClientKind } from "../../support/memory-session.js";

const store = defineAction({
  id: "test.store",
  direction: "fromWidget",
  stable: "com.example.store",
  unstable: [],
  capability: { custom: "com.example.capability.store" },
  request: v.record(v.string(), v.unknown()),
  response: v.object({}),
  summary: "Hands its data to the handler as is (test fixture).",
});

const MIB = 1024 * 1024;

async function storeHost(maxMessageBytes = MIB) {
  const handler = vi.fn((_data: unknown) => ({}));
  const { pair, host, client } = await connect({
    capabilities: ["com.example.capability.store"],
    policy: approveCapabilities("all-requested"),
    host: {
      limits: { maxMessageBytes },
      actions: [defineHostAction({ action: store, handle: (_context, data) => handler(data) })],
    },
  });
  let sequence = 0;
  /** Sends data to the store action, by structured clone or handed over as is; resolves with the reply. */
  const send = async (data: unknown, how: "clone" | "raw" = "clone") => {
    const requestId = `b-${++sequence}`;
    const { replies, stop } = recordResponses(pair.widget, requestId);
    const message = { api: "fromWidget", widgetId: WIDGET_ID, requestId, action: store.stable, data };
    if (how === "clone") pair.widget.send(message as never);
    else pair.host.receive(message);
    await settle();
    stop();
    expect(replies, "exactly one reply").toHaveLength(1);
    return replies[0] as { error?: { message: string; code: string } };
  };
  return { send, handler, host, client };
}

/**
 * Records the responses one end of the pair receives to the request `requestId`; `stop` ends the
 * recording.
 */
function recordResponses(end: Transport, requestId: string): { replies: unknown[]; stop: () => void } {
  const replies: unknown[] = [];
  const stop = end.subscribe((m) => {
    const message = m as WidgetMessage;
    if (message.requestId === requestId && Object.hasOwn(message, "response"))
      replies.push((message as { response: unknown }).response);
  });
  return { replies, stop };
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe("the host's boundary refuses what JSON cannot carry", () => {
  it("a 20 MiB Map under a 1 MiB limit is refused with invalid_request naming its path, and reaches no handler", async () => {
    const s = await storeHost();
    const big = new Map([["blob", "x".repeat(20 * MIB)]]);
    const reply = await s.send({ items: big });
    expect(reply.error).toEqual({
      message: "Invalid request: data.items is a Map; only JSON values and binary data are accepted",
      code: ErrorCode.InvalidRequest,
    });
    expect(s.handler).not.toHaveBeenCalled();
  });

  const cloned: Array<[string, unknown, string]> = [
    ["a Set", new Set([1, 2]), "a Set"],
    ["a Date", new Date(0), "a Date"],
    ["a RegExp", /x/g, "a RegExp"],
    ["an Error", new Error("x"), "an Error"],
    ["a boxed string", new String("x"), "a String"],
    ["a bigint", 10n, "a bigint"],
    ["NaN", Number.NaN, "NaN"],
    ["Infinity", Number.POSITIVE_INFINITY, "Infinity"],
  ];
  for (const [name, value, what] of cloned) {
    it(`${name}, nested in an array, is refused with invalid_request and reaches no handler`, async () => {
      const s = await storeHost();
      const reply = await s.send({ list: [1, { deep: value }] });
      expect(reply.error).toEqual({
        message: `Invalid request: data.list.1.deep is ${what}; only JSON values and binary data are accepted`,
        code: ErrorCode.InvalidRequest,
      });
      expect(s.handler).not.toHaveBeenCalled();
    });
  }

  const raw: Array<[string, unknown]> = [
    ["a class instance", new Point(1, 2)],
    ["a function", () => 1],
    ["a symbol", Symbol("s")],
    ["a SharedArrayBuffer", new SharedArrayBuffer(8)],
    ["a typed array over shared memory", new Uint8Array(new SharedArrayBuffer(8))],
    ["an array subclass", new (class Listing extends Array {})()],
    [
      "an object whose getter throws",
      Object.defineProperty({}, "x", {
        enumerable: true,
        get() {
          throw new Error("getter");
        },
      }),
    ],
  ];
  for (const [name, value] of raw) {
    it(`${name}, delivered by a transport that does not clone, is refused with invalid_request`, async () => {
      const s = await storeHost();
      const reply = await s.send({ value }, "raw");
      expect(reply.error?.code).toBe(ErrorCode.InvalidRequest);
      expect(reply.error?.message).toMatch(/^Invalid request: data\.value/);
      expect(s.handler).not.toHaveBeenCalled();
    });
  }

  it("plain JSON with undefined members, holes, null-prototype objects and binary data is accepted", async () => {
    const s = await storeHost();
    const sparse: unknown[] = [1];
    sparse[3] = 4;
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    const data = {
      skipped: undefined,
      sparse,
      bare,
      nested: { list: [null, true, false, -0, 1.5e300, '\u0000\ud800"\\'] },
      bytes: new Uint8Array([1, 2, 3]),
      buffer: new ArrayBuffer(4),
      view: new DataView(new ArrayBuffer(2)),
      blob: new Blob(["abc"]),
    };
    const reply = await s.send(data);
    expect(reply.error).toBeUndefined();
    expect(s.handler).toHaveBeenCalledTimes(1);
  });

  it("a one-byte view of a 2 MiB buffer counts the whole buffer, which travels with it: too_large", async () => {
    const s = await storeHost();
    const reply = await s.send({ view: new Uint8Array(new ArrayBuffer(2 * MIB), 0, 1) });
    expect(reply.error?.code).toBe(ErrorCode.TooLarge);
    expect(s.handler).not.toHaveBeenCalled();
  });

  it("a small message whose shared references expand to 2^40 members is refused as too_large at once", async () => {
    const s = await storeHost();
    let node: Record<string, unknown> = { leaf: "x".repeat(100) };
    for (let i = 0; i < 40; i++) node = { a: node, b: node };
    const started = performance.now();
    const reply = await s.send({ node });
    expect(reply.error?.code).toBe(ErrorCode.TooLarge);
    expect(reply.error?.message).toMatch(
      /^Request refused: the message is at least \d+ bytes, over the limit of 1048576$/,
    );
    expect(performance.now() - started).toBeLessThan(2000);
    expect(s.handler).not.toHaveBeenCalled();
  });

  it("a sparse array four billion long is refused as too_large without visiting its elements", async () => {
    const s = await storeHost();
    const sparse: unknown[] = [];
    sparse.length = 4_000_000_000;
    const started = performance.now();
    const reply = await s.send({ sparse }, "raw");
    expect(reply.error?.code).toBe(ErrorCode.TooLarge);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("a cyclic value, delivered by structured clone, is refused as too_large (nested too deep)", async () => {
    const s = await storeHost();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const reply = await s.send({ cycle });
    expect(reply.error).toEqual({
      message: "Request refused: the message is nested more than 2000 levels deep",
      code: ErrorCode.TooLarge,
    });
  });

  it("nesting of 1 000 levels is accepted", async () => {
    const s = await storeHost();
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 1000; i++) deep = { a: deep };
    expect((await s.send({ deep })).error).toBeUndefined();
  });
});

describe("the widget's boundary: WidgetClient refuses what JSON cannot carry too, LiteWidgetClient has no walk", () => {
  it("a toWidget request carrying a Map gets invalid_request from the widget instead of being served", async () => {
    const { pair } = await connect();
    const { replies } = recordResponses(pair.host, "push-map");
    pair.host.send({
      api: "toWidget",
      widgetId: WIDGET_ID,
      requestId: "push-map",
      action: "supported_api_versions",
      data: { extra: new Map([["a", 1]]) },
    });
    await settle();
    expect(replies).toEqual([
      {
        error: {
          message: "Invalid request: data.extra is a Map; only JSON values and binary data are accepted",
          code: ErrorCode.InvalidRequest,
        },
      },
    ]);
  });

  // The members inside an opaque JSON field are read by the app, but no schema looks at them: the
  // schema checks only that `content` is a plain object. WidgetClient's boundary walk refuses them;
  // LiteWidgetClient has no walk (docs/security.md) and hands them on as sent.
  /** Pushes an event whose content holds a Map to a client's onRoomEvent listener; what came of it. */
  async function pushMapInContent(client: WidgetClientKind) {
    const { pair, client: widget } = await connect({ client });
    const listener = vi.fn();
    onRoomEvent(widget, listener);
    const { replies } = recordResponses(pair.host, "push-content-map");
    const event = {
      type: "m.room.message",
      event_id: "$map",
      room_id: "!room:example.org",
      sender: "@host:example.org",
      origin_server_ts: 1,
      content: { body: new Map([["a", 1]]) },
    };
    pair.host.send({
      api: "toWidget",
      widgetId: WIDGET_ID,
      requestId: "push-content-map",
      action: "send_event",
      data: event,
    } as never);
    await settle();
    return { listener, replies };
  }

  it("WidgetClient refuses a pushed event whose content holds a Map with invalid_request, before any listener runs", async () => {
    const { listener, replies } = await pushMapInContent("WidgetClient");
    expect(listener).not.toHaveBeenCalled();
    expect(replies).toEqual([
      {
        error: {
          message:
            "Invalid request: data.content.body is a Map; only JSON values and binary data are accepted",
          code: ErrorCode.InvalidRequest,
        },
      },
    ]);
  });

  it("LiteWidgetClient, which has no boundary walk, hands a Map inside an event's content to the listener as sent, and acknowledges it", async () => {
    const { listener, replies } = await pushMapInContent("LiteWidgetClient");
    expect(listener).toHaveBeenCalledTimes(1);
    expect((listener.mock.calls[0]![0] as { content: { body: unknown } }).content.body).toBeInstanceOf(Map);
    expect(replies).toEqual([{}]);
  });

  it("the widget still answers a large plain JSON request from its host (it sets no size limit)", async () => {
    const { pair } = await connect();
    const { replies } = recordResponses(pair.host, "push-big");
    pair.host.send({
      api: "toWidget",
      widgetId: WIDGET_ID,
      requestId: "push-big",
      action: "supported_api_versions",
      data: { padding: "x".repeat(4 * MIB) },
    });
    await settle();
    expect(replies).toHaveLength(1);
    expect(replies[0]).toHaveProperty("supported_versions");
  });
});
