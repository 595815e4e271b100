import * as v from "valibot";
import { describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { approveCapabilities } from "../../../src/host/policy.js";
import { defineHostAction } from "../../../src/host/registry.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { defineAction } from "../../../src/protocol/action.js";
import { ErrorCode, WidgetApiError } from "../../../src/protocol/errors.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import {
  CLIENT_KINDS,
  connect,
  rawRequest,
  sendRaw,
  settle,
  WIDGET_ID,
} from "../../support/memory-session.js";

const ping = defineAction({
  id: "ping",
  direction: "fromWidget",
  stable: "com.example.ping",
  unstable: [],
  capability: { custom: "com.example.capability.ping" },
  request: v.object({ text: v.string() }),
  response: v.object({ echoed: v.string() }),
  summary: "Echoes text.",
});

function pingHost(handle: (text: string) => Promise<{ echoed: string }> | { echoed: string }) {
  return defineHostAction({ action: ping, handle: (_context, { text }) => handle(text) });
}

describe.each(CLIENT_KINDS)("exactly one reply to every request (%s)", (kind) => {
  it("answers an unknown action with the standard error", async () => {
    const { pair } = await connect({ client: kind });
    const replies = await sendRaw(pair, rawRequest("com.example.nope", {}));
    expect(replies).toHaveLength(1);
    expect(replies[0]?.response).toMatchObject({
      error: { message: "Unknown or unsupported action: com.example.nope", code: ErrorCode.UnknownAction },
    });
  });

  it("answers prototype-named actions as unknown without touching Object.prototype", async () => {
    const { pair } = await connect({ client: kind });
    for (const action of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      const replies = await sendRaw(pair, rawRequest(action, {}));
      expect(replies).toHaveLength(1);
      expect(replies[0]?.response).toMatchObject({ error: { code: ErrorCode.UnknownAction } });
    }
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it("answers a request whose data fails the schema with an invalid_request error naming the field", async () => {
    const { pair } = await connect({
      client: kind,
      capabilities: ["com.example.capability.ping"],
      policy: approveCapabilities("all-requested"),
      host: { actions: [pingHost((text) => ({ echoed: text }))] },
    });
    const replies = await sendRaw(pair, rawRequest("com.example.ping", { text: 42 }));
    expect(replies).toHaveLength(1);
    expect(replies[0]?.response).toMatchObject({ error: { code: ErrorCode.InvalidRequest } });
    expect((replies[0]?.response as { error: { message: string } }).error.message).toMatch(
      /^Invalid request: text/,
    );
  });

  it("answers a request whose data is not an object with an error, and drops one without a requestId", async () => {
    const { pair } = await connect({ client: kind });
    for (const data of [null, "text", [1, 2], 7]) {
      const replies = await sendRaw(pair, rawRequest("supported_api_versions", data));
      expect(replies).toHaveLength(1);
      expect(replies[0]?.response).toMatchObject({ error: { code: ErrorCode.InvalidRequest } });
    }
    const before = pair.host.sent.length;
    pair.widget.send({
      api: "fromWidget",
      widgetId: WIDGET_ID,
      action: "supported_api_versions",
      data: {},
    } as never);
    await settle(5);
    expect(pair.host.sent.length).toBe(before);
  });

  it("ignores requests addressed to another widget ID", async () => {
    const { pair } = await connect({ client: kind });
    const replies = await sendRaw(
      pair,
      rawRequest("supported_api_versions", {}, { widgetId: "someone-else" }),
    );
    expect(replies).toHaveLength(0);
  });

  it("turns a handler's plain throw into a generic error and a WidgetApiError into exactly that error", async () => {
    let mode: "plain" | "api" | "custom" | "reject" = "plain";
    const { client } = await connect({
      client: kind,
      capabilities: ["com.example.capability.ping"],
      policy: approveCapabilities("all-requested"),
      host: {
        actions: [
          pingHost(() => {
            if (mode === "plain") throw new Error("secret internals");
            if (mode === "api") throw new WidgetApiError("no pings today", ErrorCode.Refused);
            // Issue 12 item 7: a code of the host's own travels as customCode, not as `code`.
            if (mode === "custom") {
              throw new WidgetApiError("no pings today", ErrorCode.Refused, undefined, "com.example.closed");
            }
            return Promise.reject(new Error("async internals"));
          }),
        ],
      },
    });
    await expect(client.request(ping, { text: "a" })).rejects.toMatchObject({
      message: "Error while handling com.example.ping",
      code: ErrorCode.Internal,
    });
    mode = "api";
    await expect(client.request(ping, { text: "a" })).rejects.toMatchObject({
      message: "no pings today",
      code: ErrorCode.Refused,
      customCode: undefined,
    });
    mode = "custom";
    await expect(client.request(ping, { text: "a" })).rejects.toMatchObject({
      message: "no pings today",
      code: ErrorCode.Internal,
      customCode: "com.example.closed",
    });
    mode = "reject";
    await expect(client.request(ping, { text: "a" })).rejects.toMatchObject({ code: ErrorCode.Internal });
  });

  it("refuses a custom action without its capability, before the handler runs", async () => {
    const handler = vi.fn(() => ({ echoed: "x" }));
    const { client } = await connect({ client: kind, host: { actions: [pingHost(handler)] } });
    await expect(client.request(ping, { text: "a" })).rejects.toMatchObject({
      code: ErrorCode.MissingCapability,
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it("serves a host application's custom action through the same table", async () => {
    const { client } = await connect({
      client: kind,
      capabilities: ["com.example.capability.ping"],
      policy: approveCapabilities("all-requested"),
      host: { actions: [pingHost((text) => ({ echoed: text.toUpperCase() }))] },
    });
    await expect(client.request(ping, { text: "hi" })).resolves.toEqual({ echoed: "HI" });
  });

  it("runs a copy of a requestId still in flight once and answers it once; after the reply the ID starts a new request", async () => {
    let release: () => void = () => {};
    const handler = vi.fn(
      (text: string) =>
        new Promise<{ echoed: string }>((resolve) => (release = () => resolve({ echoed: text }))),
    );
    const { pair } = await connect({
      client: kind,
      capabilities: ["com.example.capability.ping"],
      policy: approveCapabilities("all-requested"),
      host: { actions: [pingHost(handler)] },
    });
    const request = rawRequest("com.example.ping", { text: "once" });
    const replies: unknown[] = [];
    pair.widget.subscribe((m) => {
      if ((m as { requestId: string }).requestId === request.requestId && "response" in (m as object))
        replies.push((m as { response: unknown }).response);
    });
    pair.widget.send(request as never);
    pair.widget.send(request as never);
    await settle(5);
    expect(handler).toHaveBeenCalledTimes(1);
    release();
    await settle(5);
    expect(replies).toEqual([{ echoed: "once" }]);
    // The first was answered: the same ID now names a new request, which runs and is answered.
    pair.widget.send({ ...request, data: { text: "again" } } as never);
    await settle(5);
    release();
    await settle(5);
    expect(handler).toHaveBeenCalledTimes(2);
    expect(replies).toEqual([{ echoed: "once" }, { echoed: "again" }]);
  });

  it("answers with a too_large error when a message exceeds the size limit", async () => {
    const { pair } = await connect({ client: kind, host: { limits: { maxMessageBytes: 1000 } } });
    const replies = await sendRaw(pair, rawRequest("supported_api_versions", { padding: "x".repeat(2000) }));
    expect(replies).toHaveLength(1);
    expect(replies[0]?.response).toMatchObject({ error: { code: ErrorCode.TooLarge } });
  });

  it("answers requests over the in-flight bound with a limit error, and every one gets one reply", async () => {
    const releases: Array<() => void> = [];
    const { pair } = await connect({
      client: kind,
      capabilities: ["com.example.capability.ping"],
      policy: approveCapabilities("all-requested"),
      host: {
        limits: { maxInFlight: 3 },
        actions: [
          pingHost((text) => new Promise((resolve) => releases.push(() => resolve({ echoed: text })))),
        ],
      },
    });
    const requests = Array.from({ length: 5 }, (_, i) => rawRequest("com.example.ping", { text: String(i) }));
    const replies = new Map<string, unknown[]>();
    pair.widget.subscribe((m) => {
      const id = (m as { requestId: string }).requestId;
      replies.set(id, [...(replies.get(id) ?? []), m]);
    });
    for (const request of requests) pair.widget.send(request as never);
    await settle(5);
    for (const release of releases) release();
    await settle(5);
    const limited = requests.filter(
      (r) =>
        (replies.get(r.requestId)?.[0] as { response: { error?: { code: string } } }).response.error?.code,
    );
    expect(limited).toHaveLength(2);
    for (const request of requests) expect(replies.get(request.requestId)).toHaveLength(1);
  });
});

describe("exactly one reply to every request, with no widget client", () => {
  it("refuses requests before the capability exchange has finished", async () => {
    const pair = createMemoryTransportPair();
    const host = new WidgetHost({ widgetId: WIDGET_ID, transport: pair.host, logger: silentLogger });
    const replies = await sendRaw(
      pair,
      rawRequest("org.matrix.msc2931.navigate", { uri: "https://matrix.to/#/@a:b.c" }),
    );
    expect(replies).toHaveLength(1);
    expect(replies[0]?.response).toMatchObject({ error: { code: ErrorCode.OutOfSequence } });
    const versions = await sendRaw(pair, rawRequest("supported_api_versions", {}));
    expect(versions[0]?.response).toHaveProperty("supported_versions");
    host.destroy();
  });
});
