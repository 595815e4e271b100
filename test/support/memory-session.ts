import { silentLogger } from "../../src/core/logger.js";
import type { WidgetDriver } from "../../src/host/driver.js";
import type { HostPolicy } from "../../src/host/policy.js";
import { WidgetHost, type WidgetHostOptions } from "../../src/host/widget-host.js";
import type { WidgetMessage, WidgetResponse } from "../../src/protocol/envelope.js";
import { createMemoryTransportPair, type MemoryTransportPair } from "../../src/transport/memory.js";
import { pendingTasks } from "../../src/transport/next-task.js";
import { LiteWidgetClient } from "../../src/widget/lite-client.js";
import { WidgetClient, type WidgetClientOptions } from "../../src/widget/widget-client.js";

/** The two widget clients, for suites that hold both to the same behaviour. */
export const WIDGET_CLIENTS = { WidgetClient, LiteWidgetClient } as const;
/** The name of one of {@link WIDGET_CLIENTS}. */
export type WidgetClientKind = keyof typeof WIDGET_CLIENTS;
/** The names of both widget clients, for `describe.each`. */
export const CLIENT_KINDS: readonly WidgetClientKind[] = ["WidgetClient", "LiteWidgetClient"];

/**
 * Creates one of the two widget clients. Typed as WidgetClient for brevity: the shared suites read
 * only what both clients have (LiteWidgetClient ignores the options it lacks, such as `protocol`).
 */
export function createWidgetClient(
  kind: WidgetClientKind | undefined,
  options: WidgetClientOptions,
): Promise<WidgetClient> {
  return kind === "LiteWidgetClient"
    ? (LiteWidgetClient.create(options as never) as unknown as Promise<WidgetClient>)
    : WidgetClient.create(options);
}

/** Options for {@link connect}. */
export interface ConnectOptions {
  capabilities?: string[];
  policy?: HostPolicy;
  driver?: WidgetDriver;
  host?: Partial<WidgetHostOptions>;
  widget?: Partial<WidgetClientOptions>;
  /** Which widget client to run (default WidgetClient); LiteWidgetClient ignores the options it lacks. */
  client?: WidgetClientKind;
}

export const WIDGET_ID = "test-widget";

/**
 * Runs a host and a widget client in memory and resolves once the capability exchange is done and
 * its last messages (the widget's acknowledgement of notify_capabilities) have arrived, so a test
 * starts from quiet channels.
 */
export async function connect(options: ConnectOptions = {}) {
  const pair = createMemoryTransportPair();
  const host = new WidgetHost({
    widgetId: WIDGET_ID,
    transport: pair.host,
    logger: silentLogger,
    ...(options.driver ? { driver: options.driver } : {}),
    ...(options.policy ? { policy: options.policy } : {}),
    ...options.host,
  });
  const clientPromise = createWidgetClient(options.client, {
    widgetId: WIDGET_ID,
    transport: pair.widget,
    capabilities: options.capabilities ?? [],
    logger: silentLogger,
    ...options.widget,
  });
  host.start();
  const client = await clientPromise;
  await drainMemoryChannels();
  return { pair, host, client };
}

/** Records every message one end of a pair receives. */
export function recordInbound(
  end: MemoryTransportPair["host"] | MemoryTransportPair["widget"],
): WidgetMessage[] {
  const seen: WidgetMessage[] = [];
  end.subscribe((message) => seen.push(message as WidgetMessage));
  return seen;
}

/**
 * Waits `ms` (a macrotask at least), then until no in-memory message is on its way: the memory
 * transport delivers each message as a task of its own, as postMessage does, so a chain of replies
 * takes a task per hop.
 */
export async function settle(ms = 0): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  await drainMemoryChannels();
}

/** Node's own setImmediate, taken before any test installs fake timers (which fake it too). */
const realSetImmediate = setImmediate;

/**
 * Waits until every in-memory message sent so far, and every one they set off, has arrived. Works
 * under fake timers too: the memory transport and this wait both use the real setImmediate.
 */
export async function drainMemoryChannels(): Promise<void> {
  while (pendingTasks() > 0) await new Promise<void>((resolve) => realSetImmediate(resolve));
}

let counter = 0;
/** A raw fromWidget request, for tests that speak the wire directly. */
export function rawRequest(action: string, data: unknown, overrides: Record<string, unknown> = {}) {
  return {
    api: "fromWidget",
    widgetId: WIDGET_ID,
    requestId: `raw-${++counter}`,
    action,
    data,
    ...overrides,
  };
}

/** Sends a raw request from the widget end and resolves with every reply carrying its requestId. */
export async function sendRaw(
  pair: MemoryTransportPair,
  message: ReturnType<typeof rawRequest>,
  waitMs = 5,
): Promise<WidgetResponse[]> {
  const replies: WidgetResponse[] = [];
  const stop = pair.widget.subscribe((raw) => {
    const reply = raw as WidgetResponse;
    if (reply.requestId === message.requestId && "response" in reply) replies.push(reply);
  });
  pair.widget.send(message as WidgetMessage);
  await settle(waitMs);
  stop();
  return replies;
}
