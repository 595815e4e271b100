import { expect, vi } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import type { HostLimits } from "../../../src/host/limits.js";
import type { HostPolicy } from "../../../src/host/policy.js";
import type { WidgetHost } from "../../../src/host/widget-host.js";
import type { WidgetMessage, WidgetResponse } from "../../../src/protocol/envelope.js";
import type { ErrorResponseBody } from "../../../src/protocol/errors.js";
import type { MemoryTransport, MemoryTransportPair } from "../../../src/transport/memory.js";
import type { WidgetClient } from "../../../src/widget/widget-client.js";
import {
  connect,
  createWidgetClient,
  rawRequest,
  settle,
  WIDGET_ID,
  type WidgetClientKind,
} from "../../support/memory-session.js";
import { RecordingDriver } from "../../support/recording-driver.js";

/** Options of {@link openSession}. */
export interface SessionOptions {
  /** Capabilities the widget requests; the policy grants all of them unless `policy` says otherwise. */
  capabilities?: string[];
  /** Policy hooks; `approveCapabilities` defaults to granting everything requested. */
  policy?: Partial<HostPolicy>;
  driver?: RecordingDriver;
  limits?: Partial<HostLimits>;
  viewedRoomId?: string;
  /** Which widget client to run, here and after each `reload` (default WidgetClient). */
  client?: WidgetClientKind;
}

/** One raw exchange: the reply the host sent for a request the test wrote on the wire. */
export interface Exchange {
  requestId: string;
  reply: WidgetResponse;
  response: Record<string, unknown>;
}

/** Error body of a reply, or undefined when the reply is not an error. */
export function errorOf(exchange: Exchange): ErrorResponseBody["error"] | undefined {
  const error = (exchange.response as Partial<ErrorResponseBody>).error;
  return typeof error === "object" && error !== null ? error : undefined;
}

/**
 * Writes a raw fromWidget request on the widget end of `pair`, waits for its reply, lets a little
 * more time pass to catch duplicates, and asserts that exactly one reply carries its requestId.
 */
export async function exchange(
  pair: MemoryTransportPair,
  action: string,
  data: unknown,
  options: { overrides?: Record<string, unknown>; timeoutMs?: number } = {},
): Promise<Exchange> {
  const message = rawRequest(action, data, options.overrides);
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
      { timeout: options.timeoutMs ?? 3_000, interval: 2 },
    );
    await settle(10);
  } finally {
    stop();
  }
  expect(replies, `replies to ${message.requestId}`).toHaveLength(1);
  const reply = replies[0] as WidgetResponse;
  return { requestId: message.requestId, reply, response: reply.response };
}

/** A promise with its resolve function exposed. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A connected host and widget over memory transports, with a {@link RecordingDriver}. */
export interface Session {
  pair: MemoryTransportPair;
  host: WidgetHost;
  client: WidgetClient;
  driver: RecordingDriver;
  /** Sends a raw request from the current widget end; asserts exactly one reply. */
  send(action: string, data: unknown, options?: { timeoutMs?: number }): Promise<Exchange>;
  /**
   * Asserts that every fromWidget request the widget ends sent (under one of `actions`) got
   * exactly one reply from the host. Returns how many requests were checked.
   */
  expectEachAnsweredOnce(actions: readonly string[]): Promise<number>;
  /** Reloads the widget frame and connects a new client that requests `capabilities`. */
  reload(capabilities?: string[]): Promise<WidgetClient>;
}

/** Connects a host and a widget client with a recording driver; resolves once the session is ready. */
export async function openSession(options: SessionOptions = {}): Promise<Session> {
  const driver = options.driver ?? new RecordingDriver();
  const policy: HostPolicy = { approveCapabilities: ({ requested }) => requested, ...options.policy };
  const { pair, host, client } = await connect({
    client: options.client,
    capabilities: options.capabilities ?? [],
    policy,
    driver,
    host: {
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.viewedRoomId !== undefined ? { viewedRoomId: options.viewedRoomId } : {}),
    },
  });
  const ends: MemoryTransport[] = [pair.widget];
  const session: Session = {
    pair,
    host,
    client,
    driver,
    send: (action, data, sendOptions) => exchange(pair, action, data, sendOptions),
    async expectEachAnsweredOnce(actions) {
      await settle(10);
      const requests = ends
        .flatMap((end) => end.sent)
        .filter((m) => m.api === "fromWidget" && !("response" in m) && actions.includes(m.action));
      for (const request of requests) {
        const replies = pair.host.sent.filter(
          (m) => m.api === "fromWidget" && "response" in m && m.requestId === request.requestId,
        );
        expect(replies, `replies to ${request.action} ${request.requestId}`).toHaveLength(1);
      }
      return requests.length;
    },
    async reload(capabilities = options.capabilities ?? []) {
      const fresh = pair.reloadWidget();
      ends.push(fresh);
      const next = await createWidgetClient(options.client, {
        widgetId: WIDGET_ID,
        transport: fresh,
        capabilities,
        logger: silentLogger,
      });
      session.client = next;
      return next;
    },
  };
  return session;
}
