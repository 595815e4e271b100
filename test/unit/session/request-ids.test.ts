// Request IDs on the inbound side of both endpoints: an ID is taken while its request is in flight
// and free again once that request was answered (matrix-widget-api names requests
// `widgetapi-<Date.now()>` and reuses a name as soon as it was answered).
import * as v from "valibot";
import { describe, expect, it, vi } from "vitest";
import { Endpoint, type InboundRequest } from "../../../src/core/endpoint.js";
import { silentLogger } from "../../../src/core/logger.js";
import { approveCapabilities } from "../../../src/host/policy.js";
import { defineHostAction } from "../../../src/host/registry.js";
import { defineAction } from "../../../src/protocol/action.js";
import type { JsonObject, WidgetMessage } from "../../../src/protocol/envelope.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import {
  CLIENT_KINDS,
  connect,
  settle,
  WIDGET_ID,
  type WidgetClientKind,
} from "../../support/memory-session.js";

type Side = "host" | "widget";

/**
 * An endpoint on one side of a memory pair whose handler holds every request until released, and
 * the raw other end, which plays the peer.
 */
function heldEndpoint(side: Side) {
  const pair = createMemoryTransportPair();
  const own = side === "host" ? pair.host : pair.widget;
  const peer = side === "host" ? pair.widget : pair.host;
  const inbound = side === "host" ? "fromWidget" : "toWidget";
  const runs: Array<{ action: string; requestId: string; data: JsonObject }> = [];
  const held: Array<() => void> = [];
  const endpoint = new Endpoint({
    transport: own,
    widgetId: WIDGET_ID,
    side,
    defaultTimeoutMs: 1000,
    maxPendingOutbound: 8,
    maxInboundInFlight: 8,
    maxMessageBytes: side === "host" ? 1 << 20 : undefined,
    logger: silentLogger,
    onRequest: (request: InboundRequest) => {
      runs.push({ action: request.action, requestId: request.requestId, data: request.data });
      return new Promise<JsonObject>((resolve) =>
        held.push(() => resolve({ echo: request.data["n"] ?? null })),
      );
    },
  });
  const replies: WidgetMessage[] = [];
  peer.subscribe((message) => {
    if (Object.hasOwn(message as object, "response")) replies.push(message as WidgetMessage);
  });
  const send = (requestId: string, action: string, n: number) =>
    peer.send({ api: inbound, widgetId: WIDGET_ID, requestId, action, data: { n } });
  const release = () => {
    for (const resolve of held.splice(0)) resolve();
  };
  return { runs, replies, send, release, inFlightCount: () => endpoint.inFlightCount };
}

/** A receiver whose handler holds every request until released, and the raw peer that sends to it. */
interface Held {
  runs: Array<{ action: string; data: JsonObject }>;
  replies: WidgetMessage[];
  send(requestId: string, action: string, n: number): void;
  release(): void;
  /** Requests being handled, where the receiver counts them (the endpoints). */
  inFlightCount?: () => number;
}

const responses = (replies: WidgetMessage[]) =>
  replies.map((reply) => ({ action: reply.action, response: (reply as { response: unknown }).response }));

/** toWidget actions a widget client answers through held handlers (test fixtures). */
const heldActions = ["com.example.a", "com.example.b", "com.example.other"].map((name) =>
  defineAction({
    id: `test.${name}`,
    direction: "toWidget",
    stable: name,
    unstable: [],
    request: v.object({ n: v.number() }),
    response: v.object({ echo: v.nullable(v.number()) }),
    summary: "Held until released (test fixture).",
  }),
);

/**
 * A widget client of `kind`, connected to our host, whose handlers hold every request of
 * {@link heldActions} until released; the host end of the pair plays a host that sends raw requests.
 */
async function heldClient(kind: WidgetClientKind): Promise<Held> {
  const { pair, client } = await connect({ client: kind });
  const runs: Held["runs"] = [];
  const held: Array<() => void> = [];
  for (const action of heldActions) {
    client.handle(action, (data) => {
      runs.push({ action: action.stable, data });
      return new Promise((resolve) => held.push(() => resolve({ echo: data.n })));
    });
  }
  const names: readonly string[] = heldActions.map((action) => action.stable);
  const replies: WidgetMessage[] = [];
  pair.host.subscribe((message) => {
    const reply = message as WidgetMessage;
    if (Object.hasOwn(reply, "response") && names.includes(reply.action)) replies.push(reply);
  });
  const send = (requestId: string, action: string, n: number) =>
    pair.host.send({ api: "toWidget", widgetId: WIDGET_ID, requestId, action, data: { n } });
  const release = () => {
    for (const resolve of held.splice(0)) resolve();
  };
  return { runs, replies, send, release };
}

/**
 * Every receiver of inbound requests, held to the same request-ID rules: both endpoints, and both
 * widget clients on top of theirs.
 */
const RECEIVERS: Array<[string, () => Promise<Held>]> = [
  ["the host endpoint", () => Promise.resolve(heldEndpoint("host"))],
  ["the widget endpoint", () => Promise.resolve(heldEndpoint("widget"))],
  ...CLIENT_KINDS.map((kind): [string, () => Promise<Held>] => [kind, () => heldClient(kind)]),
];

describe.each(RECEIVERS)("inbound request IDs, answered by %s", (_name, open) => {
  it("a requestId reused after its request was answered starts a new request that runs and gets its own reply", async () => {
    const t = await open();
    t.send("widgetapi-1700000000000", "com.example.a", 1);
    await settle();
    t.release();
    await settle();
    t.send("widgetapi-1700000000000", "com.example.a", 2);
    await settle();
    t.release();
    await settle();
    expect(t.runs.map((run) => run.data["n"])).toEqual([1, 2]);
    expect(responses(t.replies)).toEqual([
      { action: "com.example.a", response: { echo: 1 } },
      { action: "com.example.a", response: { echo: 2 } },
    ]);
    // The endpoints count what runs; a client shows it by answering the next request (above).
    if (t.inFlightCount) expect(t.inFlightCount()).toBe(0);
  });

  it("a copy of a requestId in flight runs nothing and gets no reply of its own: the first reply is the one", async () => {
    const t = await open();
    t.send("dup", "com.example.a", 1);
    t.send("dup", "com.example.a", 1);
    await settle();
    t.send("dup", "com.example.a", 1);
    await settle();
    expect(t.runs).toHaveLength(1);
    expect(t.replies).toEqual([]);
    t.release();
    await settle();
    expect(responses(t.replies)).toEqual([{ action: "com.example.a", response: { echo: 1 } }]);
  });

  it("the requestId of a request in flight, reused for another action, gets an invalid_request reply at once and does not run", async () => {
    const t = await open();
    t.send("1000", "com.example.b", 1);
    await settle();
    t.send("1000", "com.example.other", 2);
    await settle();
    expect(t.runs.map((run) => run.action)).toEqual(["com.example.b"]);
    expect(responses(t.replies)).toEqual([
      {
        action: "com.example.other",
        response: {
          error: {
            message: "Invalid request: the requestId belongs to another request still in flight",
            code: ErrorCode.InvalidRequest,
          },
        },
      },
    ]);
    t.release();
    await settle();
    // The first request is answered with its own result, under its own action.
    expect(responses(t.replies)[1]).toEqual({ action: "com.example.b", response: { echo: 1 } });
    expect(t.replies).toHaveLength(2);
  });

  it("requests named after the clock, reused as soon as answered, are each answered once, in order", async () => {
    // matrix-widget-api's naming: `widgetapi-<ms>`, with a `-n` suffix only while the base is pending.
    const t = await open();
    for (let i = 0; i < 20; i++) {
      t.send(i % 3 === 2 ? "widgetapi-5-0" : "widgetapi-5", "com.example.a", i);
      await settle();
      if (i % 3 !== 1) {
        t.release();
        await settle();
      }
    }
    t.release();
    await settle();
    expect(t.runs).toHaveLength(20);
    expect(
      t.replies
        .map((reply) => (reply as unknown as { response: { echo: number } }).response.echo)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

describe.each(CLIENT_KINDS)("our %s as the receiver of toWidget requests", (kind) => {
  it("answers a host that reuses a requestId once the earlier request was answered, as ClientWidgetApi does", async () => {
    const { pair } = await connect({ client: kind });
    const replies: WidgetMessage[] = [];
    pair.host.subscribe((m) => {
      if (Object.hasOwn(m as object, "response")) replies.push(m as WidgetMessage);
    });
    const ask = () =>
      pair.host.send({
        api: "toWidget",
        widgetId: WIDGET_ID,
        requestId: "widgetapi-1700000000000",
        action: "supported_api_versions",
        data: {},
      });
    ask();
    await settle();
    ask();
    await settle();
    expect(replies).toHaveLength(2);
    for (const reply of replies)
      expect((reply as { response: unknown }).response).toHaveProperty("supported_versions");
  });
});

describe.each(CLIENT_KINDS)("request IDs across a reload (%s)", (kind) => {
  const hold = defineAction({
    id: "test.hold",
    direction: "fromWidget",
    stable: "com.example.hold",
    unstable: [],
    beforeSession: true,
    request: v.object({ n: v.number() }),
    response: v.object({ n: v.number() }),
    summary: "Held until released (test fixture).",
  });

  it("a new document that reuses the ID of the old document's request in flight gets its own request run and answered, never the old one's session_ended", async () => {
    const releases: Array<() => void> = [];
    const handler = vi.fn(
      (n: number) => new Promise<{ n: number }>((resolve) => releases.push(() => resolve({ n }))),
    );
    const { pair, client } = await connect({
      client: kind,
      policy: approveCapabilities("all-requested"),
      host: { actions: [defineHostAction({ action: hold, handle: (_context, { n }) => handler(n) })] },
    });
    const message = { api: "fromWidget", widgetId: WIDGET_ID, requestId: "req-1", action: hold.stable };
    pair.widget.send({ ...message, data: { n: 1 } } as never);
    await settle();
    client.destroy();
    const fresh = pair.reloadWidget();
    const replies: unknown[] = [];
    fresh.subscribe((m) => {
      if (Object.hasOwn(m as object, "response")) replies.push((m as { response: unknown }).response);
    });
    fresh.send({ ...message, data: { n: 2 } } as never);
    await settle();
    expect(handler.mock.calls.map(([n]) => n)).toEqual([1, 2]);
    for (const release of releases) release();
    await settle();
    expect(replies).toEqual([{ n: 2 }]);
  });

  it("the old document's request still in flight is answered session_ended when its ID was not reused", async () => {
    const releases: Array<() => void> = [];
    const { pair, client } = await connect({
      client: kind,
      policy: approveCapabilities("all-requested"),
      host: {
        actions: [
          defineHostAction({
            action: hold,
            handle: (_context, { n }) => new Promise((resolve) => releases.push(() => resolve({ n }))),
          }),
        ],
      },
    });
    pair.widget.send({
      api: "fromWidget",
      widgetId: WIDGET_ID,
      requestId: "req-old",
      action: hold.stable,
      data: { n: 1 },
    } as never);
    await settle();
    client.destroy();
    const fresh = pair.reloadWidget();
    const replies: unknown[] = [];
    fresh.subscribe((m) => {
      if (Object.hasOwn(m as object, "response")) replies.push((m as { response: unknown }).response);
    });
    for (const release of releases) release();
    await settle();
    expect(replies).toEqual([{ error: expect.objectContaining({ code: ErrorCode.SessionEnded }) }]);
  });
});
