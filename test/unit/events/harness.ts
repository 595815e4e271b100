import { expect, vi } from "vitest";
import { silentLogger, type Logger } from "../../../src/core/logger.js";
import type { HostLimits } from "../../../src/host/limits.js";
import type { HostPolicy } from "../../../src/host/policy.js";
import { MemoryDriver } from "../../../src/drivers/memory/driver.js";
import type { MatrixWorld } from "../../../src/drivers/memory/world.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import type {
  JsonObject,
  WidgetMessage,
  WidgetRequest,
  WidgetResponse,
} from "../../../src/protocol/envelope.js";
import type { ErrorResponseBody } from "../../../src/protocol/errors.js";
import { ApiVersion } from "../../../src/protocol/versions.js";
import {
  createMemoryTransportPair,
  type MemoryTransport,
  type MemoryTransportPair,
} from "../../../src/transport/memory.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import { rawRequest, settle, WIDGET_ID } from "../../support/memory-session.js";
import { FakeEventDriver } from "./fake-driver.js";

export { settle } from "../../support/memory-session.js";

export const ROOM = "!viewed:example.org";
export const OTHER = "!other:example.org";
export const THIRD = "!third:example.org";

/** Versions a widget built on matrix-widget-api advertises for events. */
export const EVENT_WIDGET_VERSIONS = [
  ApiVersion.Prerelease1,
  ApiVersion.Prerelease2,
  ApiVersion.MSC2762,
  ApiVersion.MSC2762UpdateState,
  ApiVersion.MSC2871,
  ApiVersion.MSC2876,
  ApiVersion.MSC2974,
  ApiVersion.MSC3869,
];

/** Capability strings, unstable spelling. */
export const cap = {
  send: (type: string) => `org.matrix.msc2762.send.event:${type}`,
  receive: (type: string) => `org.matrix.msc2762.receive.event:${type}`,
  sendState: (type: string, key?: string) =>
    `org.matrix.msc2762.send.state_event:${type}${key === undefined ? "" : `#${key}`}`,
  receiveState: (type: string, key?: string) =>
    `org.matrix.msc2762.receive.state_event:${type}${key === undefined ? "" : `#${key}`}`,
  timeline: (room: string) => `org.matrix.msc2762.timeline:${room}`,
  sendDelayed: "org.matrix.msc4157.send.delayed_event",
  updateDelayed: "org.matrix.msc4157.update_delayed_event",
  sendSticky: "org.matrix.msc4407.send.sticky_event",
};

/**
 * A widget that speaks the wire by hand: it answers the host's session requests with the versions
 * and capabilities it was given, acknowledges every other toWidget request, and records them all.
 */
export class RawWidget {
  /** Every toWidget request the host sent, oldest first. */
  readonly received: WidgetRequest[] = [];
  capabilities: string[];
  /** Actions the widget never answers. */
  readonly silentOn = new Set<string>();
  /** Actions the widget answers with an error. */
  readonly failOn = new Set<string>();
  /** Requests not answered because of `silentOn`, until {@link answerHeld}. */
  private readonly held: WidgetRequest[] = [];

  constructor(
    private readonly end: MemoryTransport,
    readonly versions: readonly string[],
    capabilities: readonly string[],
  ) {
    this.capabilities = [...capabilities];
    end.subscribe((raw) => this.onMessage(raw));
  }

  private onMessage(raw: unknown): void {
    const message = raw as WidgetMessage;
    if (message.api !== "toWidget" || "response" in message) return;
    this.received.push(message);
    if (this.silentOn.has(message.action)) {
      this.held.push(message);
      return;
    }
    if (this.failOn.has(message.action)) {
      this.end.send({ ...message, response: { error: { message: "widget refused" } } } as WidgetMessage);
      return;
    }
    let response: JsonObject = {};
    if (message.action === "supported_api_versions") response = { supported_versions: [...this.versions] };
    if (message.action === "capabilities") response = { capabilities: [...this.capabilities] };
    this.end.send({ ...message, response } as WidgetMessage);
  }

  /** Answers every request held back by `silentOn` with an empty reply, oldest first; returns how many. */
  answerHeld(): number {
    const held = this.held.splice(0);
    for (const message of held) this.end.send({ ...message, response: {} } as WidgetMessage);
    return held.length;
  }

  /** Data of every request of `action`, oldest first. */
  dataOf(action: string): JsonObject[] {
    return this.received.filter((m) => m.action === action).map((m) => m.data);
  }

  /** Events delivered with toWidget send_event. */
  get events(): JsonObject[] {
    return this.dataOf("send_event");
  }

  /** The `state` list of every update_state push. */
  get stateUpdates(): JsonObject[][] {
    return this.dataOf("update_state").map((data) => data.state as JsonObject[]);
  }
}

/** One raw exchange: the single reply the host sent to a request written on the wire. */
export interface Exchange {
  reply: WidgetResponse;
  response: JsonObject;
  error: ErrorResponseBody["error"] | undefined;
}

/**
 * Writes a raw fromWidget request on the widget end, waits for its reply, lets a little more time
 * pass to catch duplicates, and asserts that exactly one reply carries its requestId.
 */
export async function exchange(pair: MemoryTransportPair, action: string, data: unknown): Promise<Exchange> {
  const message = rawRequest(action, data);
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
    await settle(5);
  } finally {
    stop();
  }
  expect(replies, `replies to ${message.requestId}`).toHaveLength(1);
  const reply = replies[0] as WidgetResponse;
  const error = (reply.response as Partial<ErrorResponseBody>).error;
  return {
    reply,
    response: reply.response,
    error: typeof error === "object" && error !== null ? error : undefined,
  };
}

/** A policy that grants what was requested, or only the listed capabilities. */
export function grantPolicy(only?: readonly string[]): HostPolicy {
  return {
    approveCapabilities: ({ requested }) => (only ? requested.filter((c) => only.includes(c)) : requested),
  };
}

/** A logger that keeps every line, to check that failures are logged. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`debug: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}

/** Options of {@link openRawSession} and {@link openClientSession}. */
export interface EventSessionOptions {
  capabilities?: string[];
  /** Grant only these (default: everything requested). */
  grant?: string[];
  driver?: FakeEventDriver;
  viewedRoomId?: string | null;
  versions?: readonly string[];
  logger?: Logger;
  /** The host's limits, over the defaults. */
  limits?: Partial<HostLimits>;
}

/** A host with a hand-written widget over memory transports. */
export interface RawSession {
  pair: MemoryTransportPair;
  host: WidgetHost;
  widget: RawWidget;
  driver: FakeEventDriver;
  send(action: string, data: unknown): Promise<Exchange>;
}

/** Opens a session with a {@link RawWidget}; resolves once the host is ready. */
export async function openRawSession(options: EventSessionOptions = {}): Promise<RawSession> {
  const pair = createMemoryTransportPair();
  const driver = options.driver ?? new FakeEventDriver();
  const widget = new RawWidget(
    pair.widget,
    options.versions ?? EVENT_WIDGET_VERSIONS,
    options.capabilities ?? [],
  );
  const viewed = options.viewedRoomId === undefined ? ROOM : (options.viewedRoomId ?? undefined);
  const host = new WidgetHost({
    widgetId: WIDGET_ID,
    transport: pair.host,
    driver,
    policy: grantPolicy(options.grant),
    logger: options.logger ?? silentLogger,
    ...(viewed !== undefined ? { viewedRoomId: viewed } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  host.start();
  await host.whenReady();
  await settle();
  // Only calls made by the test itself are of interest; the session's own state push is done.
  driver.calls.length = 0;
  return { pair, host, widget, driver, send: (action, data) => exchange(pair, action, data) };
}

/** A host with a real {@link WidgetClient}. */
export interface ClientSession {
  pair: MemoryTransportPair;
  host: WidgetHost;
  client: WidgetClient;
  driver: FakeEventDriver;
  send(action: string, data: unknown): Promise<Exchange>;
}

/** Opens a session with a real WidgetClient; resolves once the capability exchange is done. */
export async function openClientSession(options: EventSessionOptions = {}): Promise<ClientSession> {
  const pair = createMemoryTransportPair();
  const driver = options.driver ?? new FakeEventDriver();
  const viewed = options.viewedRoomId === undefined ? ROOM : (options.viewedRoomId ?? undefined);
  const host = new WidgetHost({
    widgetId: WIDGET_ID,
    transport: pair.host,
    driver,
    policy: grantPolicy(options.grant),
    logger: options.logger ?? silentLogger,
    ...(viewed !== undefined ? { viewedRoomId: viewed } : {}),
  });
  const clientPromise = WidgetClient.create({
    widgetId: WIDGET_ID,
    transport: pair.widget,
    capabilities: options.capabilities ?? [],
    logger: silentLogger,
  });
  host.start();
  const client = await clientPromise;
  await settle();
  driver.calls.length = 0;
  return {
    pair,
    host,
    driver,
    client,
    send: (action, data) => exchange(pair, action, data),
  };
}

/** Waits until `check` passes (it throws until then). */
export async function eventually(check: () => void): Promise<void> {
  await vi.waitFor(check, { timeout: 3_000, interval: 2 });
}

/** Our host on a {@link MemoryDriver} over `world`, viewing `viewedRoomId`, granting what is asked. */
export function worldHost(
  transport: MemoryTransportPair["host"],
  world: MatrixWorld,
  viewedRoomId: string,
): WidgetHost {
  return new WidgetHost({
    widgetId: WIDGET_ID,
    transport,
    driver: new MemoryDriver(world),
    policy: grantPolicy(),
    logger: silentLogger,
    viewedRoomId,
  });
}
