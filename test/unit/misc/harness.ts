import { expect, vi } from "vitest";
import type { Logger } from "../../../src/core/logger.js";
import type { HostLimits } from "../../../src/host/limits.js";
import type { HostActionRegistration } from "../../../src/host/registry.js";
import type { HostPolicy } from "../../../src/host/policy.js";
import { WidgetHost, type TraceEntry } from "../../../src/host/widget-host.js";
import type { WidgetMessage, WidgetResponse, WireMessage } from "../../../src/protocol/envelope.js";
import type { ErrorResponseBody } from "../../../src/protocol/errors.js";
import { createMemoryTransportPair, type MemoryTransportPair } from "../../../src/transport/memory.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import { rawRequest, settle, WIDGET_ID } from "../../support/memory-session.js";
import { FakeDriver } from "./fake-driver.js";

/** A logger that keeps every line, to check what reached it. */
export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  debug(message: string): void {
    this.lines.push(`debug: ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn: ${message}`);
  }
  error(message: string): void {
    this.lines.push(`error: ${message}`);
  }
}

/** Options of {@link openSession}. */
export interface SessionOptions {
  capabilities?: string[];
  /** Policy hooks; capabilities default to everything requested. */
  policy?: Partial<HostPolicy>;
  driver?: FakeDriver;
  limits?: Partial<HostLimits> & Record<string, unknown>;
  viewedRoomId?: string;
  /** API versions the widget advertises besides its own list. */
  extraWidgetVersions?: string[];
  /** API versions removed from what the widget advertises. */
  withoutWidgetVersions?: string[];
  widgetId?: string;
  /** The host application's own action registrations. */
  actions?: readonly HostActionRegistration[];
}

/** A connected host and widget over memory transports. */
export interface Session {
  pair: MemoryTransportPair;
  host: WidgetHost;
  client: WidgetClient;
  driver: FakeDriver;
  hostLogger: RecordingLogger;
  widgetLogger: RecordingLogger;
  traces: TraceEntry[];
  /** Sends a raw fromWidget request; asserts exactly one reply and returns it. */
  send(action: string, data: unknown): Promise<Exchange>;
  /** toWidget requests the host sent under `action` (not replies). */
  pushes(action: string): WireMessage[];
}

export interface Exchange {
  reply: WidgetResponse;
  response: Record<string, unknown>;
}

/** The error of a reply, or undefined when it is not one. */
export function errorOf(exchange: Exchange): ErrorResponseBody["error"] | undefined {
  const error = (exchange.response as Partial<ErrorResponseBody>).error;
  return typeof error === "object" && error !== null ? error : undefined;
}

/**
 * Changes the API versions the widget end advertises, by amending its reply to the host's
 * supported_api_versions request (our WidgetClient's list is fixed).
 */
function amendWidgetVersions(
  pair: MemoryTransportPair,
  extra: readonly string[],
  without: readonly string[],
): void {
  const end = pair.widget;
  const send = end.send.bind(end);
  end.send = (message: WidgetMessage) => {
    if ("response" in message && message.api === "toWidget" && message.action === "supported_api_versions") {
      const { supported_versions } = message.response as { supported_versions: string[] };
      const versions = [...supported_versions, ...extra].filter((version) => !without.includes(version));
      send({ ...message, response: { supported_versions: versions } });
      return;
    }
    send(message);
  };
}

/** Connects a host and a widget client; resolves once the capability exchange is done. */
export async function openSession(options: SessionOptions = {}): Promise<Session> {
  const driver = options.driver ?? new FakeDriver();
  const hostLogger = new RecordingLogger();
  const widgetLogger = new RecordingLogger();
  const widgetId = options.widgetId ?? WIDGET_ID;
  const pair = createMemoryTransportPair();
  if (options.extraWidgetVersions || options.withoutWidgetVersions) {
    amendWidgetVersions(pair, options.extraWidgetVersions ?? [], options.withoutWidgetVersions ?? []);
  }
  const host = new WidgetHost({
    widgetId,
    transport: pair.host,
    driver,
    logger: hostLogger,
    policy: { approveCapabilities: ({ requested }) => requested, ...options.policy },
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.viewedRoomId !== undefined ? { viewedRoomId: options.viewedRoomId } : {}),
    ...(options.actions ? { actions: options.actions } : {}),
  });
  const traces: TraceEntry[] = [];
  host.on("trace", (entry) => traces.push(entry));
  const clientPromise = WidgetClient.create({
    widgetId,
    transport: pair.widget,
    capabilities: options.capabilities ?? [],
    logger: widgetLogger,
  });
  host.start();
  const client = await clientPromise;
  return {
    pair,
    host,
    client,
    driver,
    hostLogger,
    widgetLogger,
    traces,
    send: (action, data) => exchange(pair, action, data, widgetId),
    pushes: (action) => pair.host.sent.filter((m) => m.action === action && !("response" in m)),
  };
}

/**
 * Writes a raw fromWidget request on the widget end, waits for its reply, lets more time pass to
 * catch a second one, and asserts that exactly one reply carries its requestId.
 */
export async function exchange(
  pair: MemoryTransportPair,
  action: string,
  data: unknown,
  widgetId: string = WIDGET_ID,
): Promise<Exchange> {
  const message = rawRequest(action, data, { widgetId });
  const end = pair.widget;
  const replies: WidgetResponse[] = [];
  const stop = end.subscribe((raw) => {
    const reply = raw as WidgetResponse;
    if (reply.requestId === message.requestId && "response" in reply) replies.push(reply);
  });
  end.send(message as WidgetMessage);
  try {
    await vi.waitFor(
      () => {
        if (replies.length === 0) throw new Error(`no reply to ${action} yet`);
      },
      { timeout: 3_000, interval: 2 },
    );
    await settle(10);
  } finally {
    stop();
  }
  expect(replies, `replies to ${action}`).toHaveLength(1);
  const reply = replies[0] as WidgetResponse;
  return { reply, response: reply.response };
}

/** Waits until `check` passes (polling; no timing is asserted). */
export async function eventually(check: () => void): Promise<void> {
  await vi.waitFor(check, { timeout: 3_000, interval: 2 });
}

/** A promise with its settle functions exposed. */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export { settle };
