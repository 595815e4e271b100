// Endpoint.send, the promise-free request the host's pushes and both sides' requests go through:
// exactly one of its callbacks runs, once, and never before send returns.
import { describe, expect, it, vi } from "vitest";
import { Endpoint } from "../../../src/core/endpoint.js";
import { silentLogger } from "../../../src/core/logger.js";
import type { JsonObject } from "../../../src/protocol/envelope.js";
import { ErrorCode, WidgetApiError } from "../../../src/protocol/errors.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import { settle, WIDGET_ID } from "../../support/memory-session.js";

function hostEndpoint(maxPendingOutbound = 8) {
  const pair = createMemoryTransportPair();
  const endpoint = new Endpoint({
    transport: pair.host,
    widgetId: WIDGET_ID,
    side: "host",
    defaultTimeoutMs: 1000,
    maxPendingOutbound,
    maxInboundInFlight: 8,
    maxMessageBytes: 1 << 20,
    logger: silentLogger,
    onRequest: () => Promise.resolve({}),
  });
  return { pair, endpoint };
}

/** Calls send and records which callback ran, and whether it ran before send returned. */
function sendRecorded(endpoint: Endpoint, action = "com.example.push") {
  const calls: Array<["reply", JsonObject] | ["error", WidgetApiError]> = [];
  let returned = false;
  let early = false;
  endpoint.send(
    action,
    { n: 1 },
    {},
    (response) => {
      early ||= !returned;
      calls.push(["reply", response]);
    },
    (error) => {
      early ||= !returned;
      calls.push(["error", error]);
    },
  );
  returned = true;
  return { calls, early: () => early };
}

describe("Endpoint.send", () => {
  it("calls onReply once with the peer's response, and ignores a second reply with the same ID", async () => {
    const { pair, endpoint } = hostEndpoint();
    const { calls, early } = sendRecorded(endpoint);
    const request = pair.host.sent.at(-1)!;
    pair.widget.send({ ...request, response: { ok: true } } as never);
    pair.widget.send({ ...request, response: { ok: "again" } } as never);
    await settle();
    expect(calls).toEqual([["reply", { ok: true }]]);
    expect(early()).toBe(false);
  });

  it("calls onError once with the peer's error reply", async () => {
    const { pair, endpoint } = hostEndpoint();
    const { calls } = sendRecorded(endpoint);
    const request = pair.host.sent.at(-1)!;
    pair.widget.send({ ...request, response: { error: { message: "no", code: "refused" } } } as never);
    await settle();
    expect(calls).toHaveLength(1);
    expect(calls[0]![0]).toBe("error");
    expect((calls[0]![1] as WidgetApiError).code).toBe(ErrorCode.Refused);
  });

  it("refuses after destroy, and past the bound on pending requests, never before send returns", async () => {
    const bounded = hostEndpoint(1);
    sendRecorded(bounded.endpoint);
    const overLimit = sendRecorded(bounded.endpoint);
    expect(overLimit.calls).toEqual([]);
    await settle();
    expect(overLimit.early()).toBe(false);
    expect(overLimit.calls.map(([kind, value]) => [kind, (value as WidgetApiError).code])).toEqual([
      ["error", ErrorCode.LimitExceeded],
    ]);

    const destroyed = hostEndpoint();
    destroyed.endpoint.destroy();
    const afterDestroy = sendRecorded(destroyed.endpoint);
    expect(afterDestroy.calls).toEqual([]);
    await settle();
    expect(afterDestroy.early()).toBe(false);
    expect((afterDestroy.calls[0]![1] as WidgetApiError).code).toBe(ErrorCode.SessionEnded);
  });

  it("calls onError once, after send returns, when the transport throws, and keeps nothing pending", async () => {
    const { pair, endpoint } = hostEndpoint();
    pair.host.send = () => {
      throw undefined;
    };
    const { calls, early } = sendRecorded(endpoint);
    expect(calls).toEqual([]);
    await settle();
    expect(early()).toBe(false);
    expect(calls).toHaveLength(1);
    expect((calls[0]![1] as WidgetApiError).code).toBe(ErrorCode.Internal);
    expect(endpoint.pendingCount).toBe(0);
  });

  it("calls onError once with session_ended when the session ends before the reply", async () => {
    const { endpoint } = hostEndpoint();
    const { calls } = sendRecorded(endpoint);
    endpoint.resetSession("The widget reloaded");
    endpoint.destroy();
    await settle();
    expect(calls.map(([kind, value]) => [kind, (value as WidgetApiError).code])).toEqual([
      ["error", ErrorCode.SessionEnded],
    ]);
  });

  it("times out once, with a timeout error", async () => {
    vi.useFakeTimers();
    try {
      const { endpoint } = hostEndpoint();
      const { calls } = sendRecorded(endpoint);
      await vi.advanceTimersByTimeAsync(1500);
      expect(calls.map(([kind, value]) => [kind, (value as WidgetApiError).code])).toEqual([
        ["error", ErrorCode.Timeout],
      ]);
    } finally {
      vi.useRealTimers();
    }
  });
});
