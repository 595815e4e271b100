import { silentLogger } from "../../src/core/logger.js";
import type { WidgetDriver } from "../../src/host/driver.js";
import type { HostPolicy } from "../../src/host/policy.js";
import { WidgetHost, type WidgetHostOptions } from "../../src/host/widget-host.js";
import type { WidgetMessage, WidgetResponse } from "../../src/protocol/envelope.js";
import { createMemoryTransportPair, type MemoryTransportPair } from "../../src/transport/memory.js";
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

/** Runs a host and a widget client in memory and resolves once the capability exchange is done. */
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

/** Waits until queued microtasks and a macrotask have run. */
export function settle(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
