// Handlers and hooks may throw or reject with anything, not only Errors. Whatever it is, the
// request gets exactly one error reply, no rejection goes unhandled and the in-flight slot is freed.
import * as v from "valibot";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Endpoint } from "../../../src/core/endpoint.js";
import type { Logger } from "../../../src/core/logger.js";
import { silentLogger } from "../../../src/core/logger.js";
import { approveCapabilities } from "../../../src/host/policy.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { defineHostAction } from "../../../src/host/registry.js";
import { defineAction } from "../../../src/protocol/action.js";
import type { JsonObject, WidgetMessage } from "../../../src/protocol/envelope.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { createMemoryTransportPair, type MemoryTransportPair } from "../../../src/transport/memory.js";
import { onRoomEvent } from "../../../src/widget/features/events.js";
import { watchTurnServers } from "../../../src/widget/features/turn.js";
import { onThemeChange } from "../../../src/widget/features/ui.js";
import {
  CLIENT_KINDS,
  connect,
  createWidgetClient,
  rawRequest,
  sendRaw,
  settle,
  WIDGET_ID,
  type WidgetClientKind,
} from "../../support/memory-session.js";

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => void process.on("unhandledRejection", onUnhandled));
afterAll(() => void process.off("unhandledRejection", onUnhandled));
beforeEach(() => void unhandled.splice(0));

/** A logger whose every method throws a value that cannot even be printed. */
const throwingLogger: Logger = {
  debug: () => {
    throw Object.create(null);
  },
  warn: () => {
    throw Object.create(null);
  },
  error: () => {
    throw Object.create(null);
  },
};

/** Values a hook might throw, each of which breaks `String(x)` or `(x as Error).message`. */
function strangeValues(): Array<[string, () => unknown]> {
  return [
    ["Object.create(null)", () => Object.create(null) as unknown],
    ["undefined", () => undefined],
    ["null", () => null],
    [
      "an object whose message getter throws",
      () =>
        Object.defineProperty({}, "message", {
          get() {
            throw new Error("getter");
          },
        }),
    ],
    [
      "an Error whose message getter throws",
      () =>
        Object.defineProperty(new Error("x"), "message", {
          get() {
            throw Object.create(null);
          },
        }),
    ],
    [
      "an object whose toString throws",
      () => ({
        toString() {
          throw new Error("toString");
        },
      }),
    ],
    [
      "a Proxy whose every trap throws",
      () =>
        new Proxy(
          {},
          {
            get() {
              throw new Error("get");
            },
            getPrototypeOf() {
              throw new Error("getPrototypeOf");
            },
          },
        ),
    ],
    ["a symbol", () => Symbol("thrown")],
  ];
}

/** A receiver of inbound requests whose handler fails, and the raw peer that sends to it. */
interface Failing {
  /** How many requests it handles at once; more get limit_exceeded. */
  readonly bound: number;
  readonly replies: WidgetMessage[];
  send(requestId: string): void;
  /** Requests being handled, where the receiver counts them (the endpoint). */
  inFlightCount?: () => number;
  close(): void;
}

type How = "throw" | "reject" | "reject later" | "resolve";

/**
 * Fails as `how` says with `value()`: throws it, rejects with it (at once, or a task later, so that
 * the request is still in flight when the next message arrives), or resolves it as the reply.
 */
function failWith(how: How, value: () => unknown): Promise<JsonObject> {
  if (how === "throw") throw value();
  if (how === "reject") return Promise.reject(value());
  if (how === "reject later") {
    return new Promise((_resolve, reject) => setTimeout(() => reject(value()), 0));
  }
  return Promise.resolve(value() as JsonObject);
}

/** A host-side endpoint whose handler fails; the widget end of the pair sends raw requests. */
function endpointThatFails(how: How, value: () => unknown, logger: Logger = silentLogger): Failing {
  const pair = createMemoryTransportPair({ clone: false });
  const endpoint = new Endpoint({
    transport: pair.host,
    widgetId: WIDGET_ID,
    side: "host",
    defaultTimeoutMs: 1000,
    maxPendingOutbound: 8,
    maxInboundInFlight: 4,
    maxMessageBytes: 1 << 20,
    logger,
    onRequest: () => failWith(how, value),
  });
  const replies: WidgetMessage[] = [];
  pair.widget.subscribe((m) => replies.push(m as WidgetMessage));
  const send = (requestId: string) =>
    pair.widget.send({
      api: "fromWidget",
      widgetId: WIDGET_ID,
      requestId,
      action: "com.example.a",
      data: {},
    });
  return {
    bound: 4,
    replies,
    send,
    inFlightCount: () => endpoint.inFlightCount,
    close: () => endpoint.destroy(),
  };
}

/** A toWidget action the widget client answers through an app handler (test fixture). */
const widgetAction = defineAction({
  id: "test.widget-a",
  direction: "toWidget",
  stable: "com.example.a",
  unstable: [],
  request: v.object({}),
  response: v.object({}),
  summary: "Answered by the widget's handler (test fixture).",
});

/** The widget's inbound bound (64 at once, in both clients). */
const WIDGET_IN_FLIGHT = 64;

/**
 * A connected widget client of `kind` whose handler for {@link widgetAction} fails with `value`,
 * and the host end of the pair, which plays a host that sends raw toWidget requests.
 */
async function clientThatFails(
  kind: WidgetClientKind,
  how: How,
  value: () => unknown,
  logger: Logger = silentLogger,
): Promise<Failing> {
  const { pair, host, client } = await connect({ client: kind, widget: { logger } });
  client.handle(widgetAction, () => failWith(how, value) as Promise<Record<string, never>>);
  const replies: WidgetMessage[] = [];
  pair.host.subscribe((m) => {
    const message = m as WidgetMessage;
    if (message.action === widgetAction.stable && Object.hasOwn(message, "response")) replies.push(message);
  });
  const send = (requestId: string) =>
    pair.host.send({
      api: "toWidget",
      widgetId: WIDGET_ID,
      requestId,
      action: widgetAction.stable,
      data: {},
    });
  return {
    bound: WIDGET_IN_FLIGHT,
    replies,
    send,
    close: () => {
      client.destroy();
      host.destroy();
    },
  };
}

/**
 * Every receiver of inbound requests, held to the same rules: the endpoint (the host side), and
 * both widget clients answering a host's toWidget requests through an app handler.
 */
const RECEIVERS: Array<[string, (how: How, value: () => unknown, logger?: Logger) => Promise<Failing>]> = [
  ["the endpoint", (how, value, logger) => Promise.resolve(endpointThatFails(how, value, logger))],
  ...CLIENT_KINDS.map(
    (kind): [string, (how: How, value: () => unknown, logger?: Logger) => Promise<Failing>] => [
      `${kind}'s handler`,
      (how, value, logger) => clientThatFails(kind, how, value, logger),
    ],
  ),
];

describe.each(RECEIVERS)("a handler that throws or rejects with a non-Error: %s", (_name, open) => {
  for (const [name, value] of strangeValues()) {
    for (const how of ["throw", "reject"] as const) {
      it(`${how}s ${name}: one internal_error reply per request, no unhandled rejection, slots freed`, async () => {
        const t = await open(how, value);
        // Twice the in-flight bound: a leaked slot would turn the later ones into limit_exceeded.
        const ids = Array.from({ length: 2 * t.bound }, (_, i) => `r${i}`);
        for (let batch = 0; batch < 2; batch++) {
          for (const id of ids.slice(batch * t.bound, (batch + 1) * t.bound)) t.send(id);
          await settle();
        }
        expect(t.replies.map((reply) => reply.requestId)).toEqual(ids);
        for (const reply of t.replies) {
          expect((reply as { response: unknown }).response).toEqual({
            error: { message: "Error while handling com.example.a", code: ErrorCode.Internal },
          });
        }
        if (t.inFlightCount) expect(t.inFlightCount()).toBe(0);
        expect(unhandled).toEqual([]);
        t.close();
      });
    }
  }

  it("a logger that throws loses its line, not the reply", async () => {
    // The copy of "a" arrives while "a" is in flight: it is dropped as a replay, with a debug line.
    const t = await open("reject later", () => undefined, throwingLogger);
    t.send("a");
    t.send("a");
    await settle(20);
    expect(t.replies).toHaveLength(1);
    expect((t.replies[0] as { response: unknown }).response).toMatchObject({
      error: { code: ErrorCode.Internal },
    });
    if (t.inFlightCount) expect(t.inFlightCount()).toBe(0);
    expect(unhandled).toEqual([]);
    t.close();
  });

  it("a handler that resolves a Proxy whose traps throw gets an internal_error reply, and its slot is freed", async () => {
    const t = await open(
      "resolve",
      () =>
        new Proxy(
          {},
          {
            getPrototypeOf() {
              throw new Error("getPrototypeOf");
            },
          },
        ),
    );
    t.send("p");
    await settle();
    expect(t.replies.map((reply) => (reply as { response: unknown }).response)).toEqual([
      { error: { message: "Error while handling com.example.a", code: ErrorCode.Internal } },
    ]);
    if (t.inFlightCount) expect(t.inFlightCount()).toBe(0);
    expect(unhandled).toEqual([]);
    t.close();
  });
});

describe.each(CLIENT_KINDS)("a host's custom action that throws Object.create(null) (%s)", (kind) => {
  const boom = defineAction({
    id: "test.boom",
    direction: "fromWidget",
    stable: "com.example.boom",
    unstable: [],
    capability: { custom: "com.example.capability.boom" },
    request: v.object({}),
    response: v.object({}),
    summary: "Always throws a null-prototype object (test fixture).",
  });

  it("after 300 such requests the widget still gets internal_error for each, never limit_exceeded, and other actions are served", async () => {
    const { pair, client } = await connect({
      client: kind,
      capabilities: ["com.example.capability.boom"],
      policy: approveCapabilities("all-requested"),
      host: {
        actions: [
          defineHostAction({
            action: boom,
            handle: () => {
              throw Object.create(null);
            },
          }),
        ],
      },
    });
    const codes: unknown[] = [];
    pair.widget.subscribe((m) => {
      const message = m as WidgetMessage & { response?: { error?: { code?: unknown } } };
      if (message.action === boom.stable && message.response) codes.push(message.response.error?.code);
    });
    // Sequential batches of 100, each under the in-flight bound of 128, 300 in all.
    for (let batch = 0; batch < 3; batch++) {
      for (let i = 0; i < 100; i++) {
        pair.widget.send({
          api: "fromWidget",
          widgetId: WIDGET_ID,
          requestId: `boom-${batch}-${i}`,
          action: boom.stable,
          data: {},
        });
      }
      await settle();
    }
    expect(codes).toHaveLength(300);
    expect(new Set(codes)).toEqual(new Set([ErrorCode.Internal]));
    await expect(client.request(boom, {})).rejects.toMatchObject({ code: ErrorCode.Internal });
    expect(unhandled).toEqual([]);
  });
});

const SEARCH = "org.matrix.msc3973.user_directory_search";

describe("a driver operation that throws or rejects with a non-Error", () => {
  for (const [name, value] of strangeValues()) {
    for (const how of ["throw", "reject"] as const) {
      it(`${how}s ${name}: the request gets one internal_error reply and no rejection goes unhandled`, async () => {
        const searchUserDirectory = () => {
          if (how === "throw") throw value();
          return Promise.reject(value());
        };
        const { pair } = await connect({
          capabilities: [SEARCH],
          policy: approveCapabilities("all-requested"),
          driver: { searchUserDirectory } as never,
        });
        const replies = await sendRaw(pair, rawRequest(SEARCH, { search_term: "a" }));
        expect(replies.map((reply) => reply.response)).toEqual([
          {
            error: {
              message: "Unexpected error while searching the user directory",
              code: ErrorCode.Internal,
            },
          },
        ]);
        expect(unhandled).toEqual([]);
      });
    }
  }

  it("a host logger that throws loses its line, not the reply to a failed driver call", async () => {
    const { pair } = await connect({
      capabilities: [SEARCH],
      policy: approveCapabilities("all-requested"),
      driver: { searchUserDirectory: () => Promise.reject(new Error("homeserver down")) } as never,
      host: { logger: throwingLogger },
    });
    const replies = await sendRaw(pair, rawRequest(SEARCH, { search_term: "a" }));
    expect(replies.map((reply) => reply.response)).toEqual([
      { error: { message: "Unexpected error while searching the user directory", code: ErrorCode.Internal } },
    ]);
    expect(unhandled).toEqual([]);
  });

  it("a capability policy that throws, with a host logger that throws too, still lets the session become ready (granting nothing)", async () => {
    const { host, client } = await connect({
      capabilities: [SEARCH],
      policy: {
        approveCapabilities: () => {
          throw Object.create(null);
        },
      },
      host: { logger: throwingLogger },
    });
    await host.whenReady();
    expect(client.capabilities).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it("a TURN stream whose first read throws Object.create(null) fails that watch only: the next watch asks the driver again and gets its servers", async () => {
    const server = { uris: ["turn:turn.example.org"], username: "u", password: "p" };
    let calls = 0;
    const getTurnServers = () => {
      calls++;
      if (calls === 1) throw Object.create(null);
      return (async function* () {
        yield server;
        await new Promise(() => {});
      })();
    };
    const watch = "watch_turn_servers";
    const { pair } = await connect({
      capabilities: ["town.robin.msc3846.turn_servers"],
      policy: approveCapabilities("all-requested"),
      driver: { getTurnServers } as never,
    });
    const pushed: unknown[] = [];
    pair.widget.subscribe((raw) => {
      const message = raw as WidgetMessage & { response?: unknown };
      if (message.api === "toWidget" && message.action.endsWith("update_turn_servers") && !message.response) {
        pushed.push(message.data);
      }
    });
    const first = await sendRaw(pair, rawRequest(watch, {}));
    expect(first.map((reply) => (reply.response as { error?: { code?: string } }).error?.code)).toEqual([
      ErrorCode.Internal,
    ]);
    const second = await sendRaw(pair, rawRequest(watch, {}), 20);
    expect(second.map((reply) => reply.response)).toEqual([{}]);
    expect(calls).toBe(2);
    expect(pushed).toHaveLength(1);
    expect(unhandled).toEqual([]);
  });
});

describe.each(CLIENT_KINDS)("a widget logger that throws (%s)", (kind) => {
  it("a capabilities listener that throws is logged through it, and the host's notify_capabilities still gets {} back", async () => {
    const pair = createMemoryTransportPair();
    const notifyReplies: unknown[] = [];
    pair.host.subscribe((raw) => {
      const message = raw as WidgetMessage & { response?: unknown };
      if (message.action === "notify_capabilities" && message.response !== undefined) {
        notifyReplies.push(message.response);
      }
    });
    const host = new WidgetHost({
      widgetId: WIDGET_ID,
      transport: pair.host,
      logger: silentLogger,
      policy: approveCapabilities("all-requested"),
    });
    const client = createWidgetClient(kind, {
      widgetId: WIDGET_ID,
      transport: pair.widget,
      capabilities: ["org.matrix.msc2931.navigate"],
      logger: throwingLogger,
      beforeStart: (created) =>
        created.onCapabilitiesChanged(() => {
          throw Object.create(null);
        }),
    });
    host.start();
    const created = await client;
    await settle();
    expect(created.capabilities).toEqual(["org.matrix.msc2931.navigate"]);
    expect(notifyReplies).toEqual([{}]);
    expect(unhandled).toEqual([]);
    created.destroy();
    host.destroy();
  });
});

/** Pushes one toWidget request from the host end and resolves with its reply's `response`. */
async function pushRaw(pair: MemoryTransportPair, action: string, data: object): Promise<unknown> {
  const requestId = `push-${Math.random().toString(36).slice(2)}`;
  const replies: unknown[] = [];
  const stop = pair.host.subscribe((raw) => {
    const message = raw as WidgetMessage & { response?: unknown };
    if (message.requestId === requestId && message.response !== undefined) replies.push(message.response);
  });
  pair.host.send({ api: "toWidget", widgetId: WIDGET_ID, requestId, action, data } as WidgetMessage);
  // Waits for the reply itself, not a fixed few milliseconds: on a loaded machine an async
  // listener's own short timer can come due after a fixed wait, and the reply with it. Then a
  // little longer, so that a second reply would be seen too.
  for (const started = Date.now(); replies.length === 0 && Date.now() - started < 2_000;) await settle(5);
  await settle(5);
  stop();
  expect(replies).toHaveLength(1);
  return replies[0];
}

describe.each(CLIENT_KINDS)("push listeners that are async (%s)", (kind) => {
  it("an async theme listener that rejects makes the push's reply an error, and no rejection goes unhandled", async () => {
    const { pair, client } = await connect({ client: kind });
    onThemeChange(client, async () => {
      throw Object.create(null);
    });
    const response = await pushRaw(pair, "theme_change", { name: "dark" });
    expect(response).toEqual({
      error: { message: "A listener for theme_change failed", code: ErrorCode.Internal },
    });
    expect(unhandled).toEqual([]);
  });

  it("an async theme listener is waited for: the push is acknowledged once it has finished", async () => {
    const { pair, client } = await connect({ client: kind });
    const steps: string[] = [];
    onThemeChange(client, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      steps.push("listener done");
    });
    pair.host.subscribe((raw) => {
      if ((raw as WidgetMessage).action === "theme_change") steps.push("acknowledged");
    });
    await pushRaw(pair, "theme_change", { name: "dark" });
    expect(steps).toEqual(["listener done", "acknowledged"]);
  });

  it("a room event listener that adds another listener while it runs: the new one waits for the next event", async () => {
    const { pair, client } = await connect({
      client: kind,
      capabilities: ["org.matrix.msc2762.receive.event:m.room.message"],
    });
    const seen: string[] = [];
    let added = false;
    onRoomEvent(client, (event) => {
      seen.push(`first ${event.event_id}`);
      if (added) return;
      added = true;
      onRoomEvent(client, (later) => void seen.push(`added ${later.event_id}`));
    });
    const event = (id: string) => ({
      type: "m.room.message",
      event_id: id,
      room_id: "!r:example.org",
      sender: "@a:example.org",
      origin_server_ts: 1,
      content: { msgtype: "m.text", body: id },
    });
    await pushRaw(pair, "send_event", event("$one"));
    await pushRaw(pair, "send_event", event("$two"));
    expect(seen).toEqual(["first $one", "first $two", "added $two"]);
  });

  it("stopping a TURN watch after destroy() resolves: the ended session has no watch left to stop", async () => {
    const { client } = await connect({
      client: kind,
      capabilities: ["town.robin.msc3846.turn_servers"],
      policy: approveCapabilities("all-requested"),
      driver: {
        getTurnServers: async function* () {
          yield { uris: ["turn:turn.example.org"], username: "u", password: "p" };
          await new Promise(() => {});
        },
      } as never,
    });
    const stop = await watchTurnServers(client, () => {});
    client.destroy();
    await expect(stop()).resolves.toBeUndefined();
    expect(unhandled).toEqual([]);
  });
});
