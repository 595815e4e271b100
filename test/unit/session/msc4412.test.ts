import { describe, expect, it } from "vitest";
import { Endpoint, type InboundRequest } from "../../../src/core/endpoint.js";
import { silentLogger } from "../../../src/core/logger.js";
import { allowListPolicy } from "../../../src/host/policy.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { UUID_V4 } from "../../../src/protocol/envelope.js";
import { createMemoryTransportPair, type MemoryTransport } from "../../../src/transport/memory.js";
import type { Transport } from "../../../src/transport/transport.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import { navigate } from "../../../src/widget/features/navigate.js";
import { sendEventToWidget } from "../../../src/protocol/actions/events.js";
import { settle, WIDGET_ID } from "../../support/memory-session.js";

const NAVIGATE = "org.matrix.msc2931.navigate";

function hostOn(transport: Transport, navigated: string[] = []) {
  return new WidgetHost({
    widgetId: WIDGET_ID,
    transport,
    logger: silentLogger,
    policy: allowListPolicy([NAVIGATE]),
    driver: {
      navigate: (target) => {
        navigated.push(JSON.stringify(target));
        return Promise.resolve();
      },
    },
  });
}

/**
 * Our host and a WidgetClient on a memory pair, once the session is ready; without `protocol` the
 * client is left at its default.
 */
async function startSession(protocol?: "classic" | "msc4412", navigated: string[] = []) {
  const pair = createMemoryTransportPair();
  const host = hostOn(pair.host, navigated);
  host.start();
  const client = await WidgetClient.create({
    widgetId: WIDGET_ID,
    transport: pair.widget,
    logger: silentLogger,
    ...(protocol === undefined ? {} : { protocol }),
    capabilities: [NAVIGATE],
  });
  return { pair, host, client };
}

/** A raw MSC4412 request from the widget end. */
function raw(action: string, request: Record<string, unknown> = {}, requestId: string = crypto.randomUUID()) {
  return { source: "widget", action, requestId, request, version: "v1" };
}

/** Posts a raw message on the widget end and collects what the host sends back. */
function listen(end: MemoryTransport): Record<string, unknown>[] {
  const seen: Record<string, unknown>[] = [];
  end.subscribe((message) => seen.push(message as Record<string, unknown>));
  return seen;
}

/**
 * A widget-side endpoint in "auto" before the host has answered its offer (dialect undecided),
 * whose handler records each request through `record` and answers `{}`.
 */
function undecidedWidgetEndpoint(
  transport: Transport,
  maxInboundInFlight: number,
  record: (request: InboundRequest) => void,
): Endpoint {
  return new Endpoint({
    transport,
    widgetId: WIDGET_ID,
    side: "widget",
    defaultTimeoutMs: 1000,
    maxPendingOutbound: 8,
    maxInboundInFlight,
    maxMessageBytes: undefined,
    logger: silentLogger,
    dialect: "undecided",
    onRequest: (request) => {
      record(request);
      return {};
    },
  });
}

describe("MSC4412 dialect", () => {
  it("gives a WidgetClient in msc4412 mode a session in which every message has the MSC4412 envelope", async () => {
    const navigated: string[] = [];
    const { pair, host, client } = await startSession("msc4412", navigated);
    expect(host.dialect).toBe("msc4412");
    expect(client.dialect).toBe("msc4412");
    expect(host.state).toBe("ready");
    expect(client.capabilities).toEqual([NAVIGATE]);
    await navigate(client, "https://matrix.to/#/#room:example.org");
    expect(navigated).toHaveLength(1);
    expect(navigated[0]).toContain("#room:example.org");
    const fromWidget = pair.widget.sent;
    expect(fromWidget.length).toBeGreaterThan(0);
    for (const message of fromWidget) {
      expect(message).toMatchObject({ source: "widget", version: "v1" });
      expect(message.requestId).toMatch(UUID_V4);
      expect(message).not.toHaveProperty("widgetId");
      expect(message).not.toHaveProperty("api");
    }
    // The host's classic requests sent on start() predate the widget's first message; after it,
    // everything the host sends is MSC4412.
    const firstMsc = pair.host.sent.findIndex((m) => "source" in m);
    const afterSwitch = pair.host.sent.slice(firstMsc);
    for (const message of afterSwitch) {
      expect(message).toMatchObject({ source: "host", version: "v1" });
      expect(message).not.toHaveProperty("widgetId");
      // Replies do not repeat the request.
      if ("response" in message) expect(message).not.toHaveProperty("data");
    }
    expect(afterSwitch.map((m) => m.action)).toContain("notify_capabilities");
    client.destroy();
    host.destroy();
  });

  it("answers the host's toWidget requests under the names of the session's dialect only", async () => {
    // MSC4412 drops the capabilities request and adds misspelt aliases of notify_capabilities; a
    // classic session knows neither alias. An app handler is found under its names per dialect.
    const answers = async (protocol: "classic" | "msc4412", action: string, request: object) => {
      const { pair, host, client } = await startSession(protocol);
      const seen = client.handle(sendEventToWidget, () => ({}));
      const requestId = crypto.randomUUID();
      pair.host.send(
        (protocol === "msc4412"
          ? { source: "host", version: "v1", action, requestId, request }
          : { api: "toWidget", widgetId: WIDGET_ID, action, requestId, data: request }) as never,
      );
      await settle(5);
      const reply = pair.widget.sent.find((message) => message.requestId === requestId);
      seen();
      client.destroy();
      host.destroy();
      const error = (reply as { response?: { error?: { code?: string } } } | undefined)?.response?.error;
      return reply === undefined ? "no reply" : (error?.code ?? "answered");
    };
    const notify = { requested: [NAVIGATE], approved: [NAVIGATE] };
    const event = {
      type: "m.room.message",
      event_id: "$e",
      room_id: "!r:x",
      sender: "@a:x",
      origin_server_ts: 1,
      content: {},
    };
    expect(await answers("msc4412", "capabilities", {})).toBe("unknown_action");
    expect(await answers("classic", "capabilities", {})).toBe("answered");
    expect(await answers("msc4412", "notify_capabilites", notify)).toBe("answered");
    expect(await answers("classic", "notify_capabilites", notify)).toBe("unknown_action");
    expect(await answers("classic", "notify_capabilities", notify)).toBe("answered");
    expect(await answers("msc4412", "send_event", event)).toBe("answered");
    expect(await answers("classic", "send_event", event)).toBe("answered");
  });

  it("keeps a classic client on classic messages", async () => {
    const { pair, host, client } = await startSession();
    expect(host.dialect).toBe("classic");
    for (const message of pair.host.sent) {
      expect(message).toMatchObject({ widgetId: WIDGET_ID });
      expect(message).not.toHaveProperty("source");
    }
    client.destroy();
    host.destroy();
  });

  it("speaks MSC4412 in auto mode with a host that answers the offer", async () => {
    const pair = createMemoryTransportPair();
    const host = hostOn(pair.host);
    host.start();
    const started = Date.now();
    const client = await WidgetClient.create({
      widgetId: WIDGET_ID,
      transport: pair.widget,
      logger: silentLogger,
      protocol: "auto",
      capabilities: [NAVIGATE],
    });
    expect(Date.now() - started).toBeLessThan(500);
    expect(client.dialect).toBe("msc4412");
    expect(host.dialect).toBe("msc4412");
    expect(client.capabilities).toEqual([NAVIGATE]);
    client.destroy();
    host.destroy();
  });

  it("falls back to classic in auto mode when the host ignores MSC4412, answering the held capabilities request", async () => {
    const pair = createMemoryTransportPair();
    // A host that only understands classic messages: MSC4412 ones never reach it.
    const classicOnly: Transport = {
      send: (message) => pair.host.send(message),
      subscribe: (listener) =>
        pair.host.subscribe((message) => {
          if (!(typeof message === "object" && message !== null && "source" in message)) listener(message);
        }),
      onPeerLoad: (listener) => pair.host.onPeerLoad(listener),
      close: () => pair.host.close(),
    };
    const host = hostOn(classicOnly);
    host.start();
    const started = Date.now();
    const client = await WidgetClient.create({
      widgetId: WIDGET_ID,
      transport: pair.widget,
      logger: silentLogger,
      protocol: "auto",
      protocolFallbackMs: 300,
      capabilities: [NAVIGATE],
    });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
    expect(client.dialect).toBe("classic");
    expect(host.dialect).toBe("classic");
    expect(host.state).toBe("ready");
    expect(client.capabilities).toEqual([NAVIGATE]);
    client.destroy();
    host.destroy();
  });

  it("acknowledges request_capabilities at once and finishes it with notify_capabilities, then ends the session on reload", async () => {
    const pair = createMemoryTransportPair();
    let decide: (approved: string[]) => void = () => {};
    const host = new WidgetHost({
      widgetId: WIDGET_ID,
      transport: pair.host,
      logger: silentLogger,
      // A consent prompt the user answers later.
      policy: { approveCapabilities: () => new Promise<string[]>((resolve) => (decide = resolve)) },
    });
    host.start();
    const seen = listen(pair.widget);
    const loaded = raw("content_loaded");
    pair.widget.send(loaded as never);
    const ask = raw("request_capabilites", { capabilities: [NAVIGATE] });
    pair.widget.send(ask as never);
    await settle(5);
    expect(seen.filter((m) => m.requestId === loaded.requestId)).toEqual([
      { source: "host", action: "content_loaded", requestId: loaded.requestId, response: {}, version: "v1" },
    ]);
    expect(seen.filter((m) => m.requestId === ask.requestId)).toEqual([
      {
        source: "host",
        action: "request_capabilites",
        requestId: ask.requestId,
        response: {},
        version: "v1",
      },
    ]);
    expect(host.state).toBe("negotiating");
    decide([NAVIGATE]);
    await settle(5);
    const notify = seen.find((m) => m.action === "notify_capabilities");
    expect(notify).toMatchObject({
      source: "host",
      version: "v1",
      request: { requested: [NAVIGATE], approved: [NAVIGATE] },
    });
    expect(String(notify?.requestId)).toMatch(UUID_V4);
    expect(host.state).toBe("ready");
    // The widget acknowledges; the host has nothing left waiting.
    pair.widget.send({
      source: "widget",
      action: "notify_capabilities",
      requestId: notify?.requestId,
      response: {},
      version: "v1",
    } as never);
    await settle(5);
    expect(host.pendingRequestCount).toBe(0);
    const ended: string[] = [];
    host.on("sessionEnded", ({ reason }) => ended.push(reason));
    pair.host.simulatePeerLoad();
    expect(ended).toHaveLength(1);
    expect(host.grantedCapabilities).toEqual([]);
    expect(host.dialect).toBeUndefined();
    host.destroy();
  });

  it("reads a message with api as classic even when it also carries a source field", async () => {
    const pair = createMemoryTransportPair();
    const host = hostOn(pair.host);
    host.start();
    const seen = listen(pair.widget);
    pair.widget.send({
      api: "fromWidget",
      widgetId: WIDGET_ID,
      source: "widget",
      requestId: "both-1",
      action: "supported_api_versions",
      data: {},
    } as never);
    await settle(5);
    const replies = seen.filter((m) => m.requestId === "both-1");
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ api: "fromWidget", widgetId: WIDGET_ID });
    expect(replies[0]?.response).toHaveProperty("supported_versions");
    expect(host.dialect).toBe("classic");
    host.destroy();
  });

  it("drops MSC4412 messages whose requestId is not a UUID v4, and answers supported_api_versions as unknown", async () => {
    const pair = createMemoryTransportPair();
    const host = hostOn(pair.host);
    host.start();
    const seen = listen(pair.widget);
    pair.widget.send(raw("content_loaded", {}, "not-a-uuid") as never);
    await settle(5);
    expect(seen.filter((m) => m.requestId === "not-a-uuid")).toEqual([]);
    const versions = raw("supported_api_versions");
    pair.widget.send(versions as never);
    await settle(5);
    const replies = seen.filter((m) => m.requestId === versions.requestId);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ source: "host", response: { error: { code: "unknown_action" } } });
    host.destroy();
  });

  it("ignores MSC4412 messages that claim to come from the host, and classic ones once a document speaks MSC4412 treats as a new document", async () => {
    const pair = createMemoryTransportPair();
    const host = hostOn(pair.host);
    host.start();
    const seen = listen(pair.widget);
    const spoofed = { ...raw("content_loaded"), source: "host" };
    pair.widget.send(spoofed as never);
    await settle(5);
    expect(seen.filter((m) => m.requestId === spoofed.requestId)).toEqual([]);
    expect(host.dialect).toBeUndefined();
    const ask = raw("request_capabilities", { capabilities: [NAVIGATE] });
    pair.widget.send(ask as never);
    await settle(5);
    expect(host.state).toBe("ready");
    expect(host.grantedCapabilities).toEqual([NAVIGATE]);
    const ended: string[] = [];
    host.on("sessionEnded", ({ reason }) => ended.push(reason));
    pair.widget.send({
      api: "fromWidget",
      widgetId: WIDGET_ID,
      requestId: "c-1",
      action: "supported_api_versions",
      data: {},
    } as never);
    await settle(5);
    expect(ended).toHaveLength(1);
    expect(host.dialect).toBe("classic");
    expect(host.grantedCapabilities).toEqual([]);
    host.destroy();
  });

  it("an undecided (auto) endpoint holds at most 64 classic requests while its offer is open, and answers each held one exactly once after falling back", async () => {
    const pair = createMemoryTransportPair();
    const handled: string[] = [];
    const endpoint = undecidedWidgetEndpoint(pair.widget, 128, (request) => handled.push(request.requestId));
    const seen = listen(pair.host);
    for (let i = 0; i < 70; i++) {
      pair.host.send({
        api: "toWidget",
        widgetId: WIDGET_ID,
        requestId: `held-${i}`,
        action: "capabilities",
        data: {},
      });
    }
    await settle(5);
    expect(handled).toEqual([]);
    expect(seen).toEqual([]);
    endpoint.chooseDialect("classic");
    await settle(5);
    expect(handled).toEqual(Array.from({ length: 64 }, (_, i) => `held-${i}`));
    const replies = seen.filter((m) => "response" in m);
    expect(replies.map((m) => m.requestId)).toEqual(handled);
    expect(endpoint.sessionDialect).toBe("classic");
    endpoint.destroy();
  });

  it("an undecided endpoint that settles on MSC4412 drops the held classic requests unanswered", async () => {
    const pair = createMemoryTransportPair();
    const handled: string[] = [];
    const endpoint = undecidedWidgetEndpoint(pair.widget, 8, (request) => handled.push(request.action));
    const host = hostOn(pair.host);
    host.start();
    await settle(5);
    // The host's classic requests on start() are held; the offer is answered in MSC4412.
    await endpoint.request("content_loaded", {}, { dialect: "msc4412" });
    await settle(5);
    expect(endpoint.sessionDialect).toBe("msc4412");
    expect(host.dialect).toBe("msc4412");
    expect(handled).toEqual([]);
    expect(pair.widget.sent.filter((m) => "api" in m)).toEqual([]);
    endpoint.destroy();
    host.destroy();
  });
});
