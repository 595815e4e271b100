import * as v from "valibot";
import { describe, expect, it, vi } from "vitest";
import { defineHostAction, type HostActionContext } from "../../../src/host/registry.js";
import { defineAction } from "../../../src/protocol/action.js";
import { approveCapabilities, type CapabilityRequest } from "../../../src/host/policy.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { ApiVersion } from "../../../src/protocol/versions.js";
import { silentLogger } from "../../../src/core/logger.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import {
  CLIENT_KINDS,
  connect,
  createWidgetClient,
  rawRequest,
  sendRaw,
  settle,
  WIDGET_ID,
} from "../../support/memory-session.js";

const NAV = "org.matrix.msc2931.navigate";
const SEARCH = "org.matrix.msc3973.user_directory_search";

describe.each(CLIENT_KINDS)("capability negotiation (%s)", (kind) => {
  it("grants only what the policy approves, and the widget knows the granted set when create() resolves", async () => {
    const { host, client } = await connect({
      client: kind,
      capabilities: [NAV, SEARCH],
      policy: approveCapabilities([NAV]),
    });
    expect(host.state).toBe("ready");
    expect(client.capabilities).toEqual([NAV]);
    expect(client.hasCapability("m.navigate")).toBe(true);
    expect(client.hasCapability(SEARCH)).toBe(false);
    expect(host.capabilities.hasFixed("navigate")).toBe(true);
  });

  it("denies everything under the default policy", async () => {
    const { host, client } = await connect({ client: kind, capabilities: [NAV, SEARCH] });
    expect(client.capabilities).toEqual([]);
    expect(host.grantedCapabilities).toEqual([]);
    expect(host.requestedCapabilities).toEqual([NAV, SEARCH]);
  });

  it("never grants a capability the widget did not request, even when the policy returns it", async () => {
    const policy = { approveCapabilities: () => [NAV, SEARCH, "m.always_on_screen"] };
    const { client } = await connect({ client: kind, capabilities: [NAV], policy });
    expect(client.capabilities).toEqual([NAV]);
  });

  it("denies unknown capabilities and kind mismatches before the policy is asked", async () => {
    const asked: string[][] = [];
    const policy = {
      approveCapabilities: ({ requested }: CapabilityRequest) => {
        asked.push([...requested]);
        return requested;
      },
    };
    const { client } = await connect({
      client: kind,
      capabilities: [
        "com.example.unknown",
        "m.send.event:m.room.topic",
        "m.read.account_data:m.secret_storage.key.abc",
        NAV,
      ],
      policy,
    });
    expect(asked).toEqual([[NAV]]);
    expect(client.capabilities).toEqual([NAV]);
  });

  it("grants nothing when the policy throws", async () => {
    const policy = {
      approveCapabilities: () => {
        throw new Error("consent dialog crashed");
      },
    };
    const { client } = await connect({ client: kind, capabilities: [NAV], policy });
    expect(client.capabilities).toEqual([]);
  });

  it("exchanges supported_api_versions in both directions", async () => {
    const { host, client } = await connect({ client: kind });
    expect(client.hostVersions).toContain(ApiVersion.MSC2871);
    expect(client.hostVersions).toContain(ApiVersion.MSC2974);
    expect(host.widgetVersions).toContain(ApiVersion.MSC2931);
    expect(host.widgetVersions).toContain(ApiVersion.MSC3751);
  });
});

describe.each(CLIENT_KINDS)("renegotiation (MSC2974) (%s)", (kind) => {
  it("asks the policy only about new capabilities and notifies the session totals", async () => {
    const approve = vi.fn(({ requested }: CapabilityRequest) => requested);
    const { host, client } = await connect({
      client: kind,
      capabilities: [NAV],
      policy: { approveCapabilities: approve },
    });
    expect(approve).toHaveBeenCalledTimes(1);
    const granted = await client.requestCapabilities([NAV, SEARCH]);
    expect(approve).toHaveBeenCalledTimes(2);
    expect(approve.mock.calls[1]?.[0].requested).toEqual([SEARCH]);
    expect(approve.mock.calls[1]?.[0].renegotiation).toBe(true);
    expect(approve.mock.calls[1]?.[0].granted).toEqual([NAV]);
    expect(granted).toEqual([NAV, SEARCH]);
    expect(host.grantedCapabilities).toEqual([NAV, SEARCH]);
    expect(host.requestedCapabilities).toEqual([NAV, SEARCH]);
  });

  it("re-notifies the same totals when nothing new is asked, without asking the policy", async () => {
    const approve = vi.fn(({ requested }: CapabilityRequest) => requested);
    const { client } = await connect({
      client: kind,
      capabilities: [NAV],
      policy: { approveCapabilities: approve },
    });
    const changes: (readonly string[])[] = [];
    client.onCapabilitiesChanged((granted) => changes.push(granted));
    await client.requestCapabilities(["m.navigate"]);
    expect(approve).toHaveBeenCalledTimes(1);
    expect(changes).toEqual([[NAV]]);
  });

  it("treats the stable and unstable spellings as the same capability", async () => {
    const approve = vi.fn(({ requested }: CapabilityRequest) => requested);
    const { client } = await connect({
      client: kind,
      capabilities: ["m.navigate"],
      policy: { approveCapabilities: approve },
    });
    await client.requestCapabilities([NAV]);
    expect(approve).toHaveBeenCalledTimes(1);
    expect(client.hasCapability(NAV)).toBe(true);
  });

  it("cannot revoke: a renegotiation the policy refuses keeps earlier grants", async () => {
    let round = 0;
    const policy = {
      approveCapabilities: ({ requested }: CapabilityRequest) => (round++ === 0 ? requested : []),
    };
    const { client } = await connect({ client: kind, capabilities: [NAV], policy });
    const granted = await client.requestCapabilities([SEARCH]);
    expect(granted).toEqual([NAV]);
  });

  it("acks the request before the policy has decided", async () => {
    let release: (value: string[]) => void = () => {};
    let round = 0;
    const policy = {
      approveCapabilities: ({ requested }: CapabilityRequest) =>
        round++ === 0 ? requested : new Promise<string[]>((resolve) => (release = resolve)),
    };
    const { pair, client } = await connect({ client: kind, capabilities: [NAV], policy });
    const pending = client.requestCapabilities([SEARCH]);
    await settle(5);
    const ack = pair.host.sent.find(
      (m) => m.action === "org.matrix.msc2974.request_capabilities" && "response" in m,
    );
    expect(ack).toBeDefined();
    release([SEARCH]);
    await expect(pending).resolves.toEqual([NAV, SEARCH]);
  });
});

describe.each(CLIENT_KINDS)("a host without MSC2871, which never notifies (%s)", (kind) => {
  /**
   * A pre-MSC2871 host on the wire: it answers the versions request with the two prereleases only
   * (after `versionsDelayMs`), sends its capabilities request after `askDelayMs`, and never sends
   * notify_capabilities.
   */
  function oldHost(options: { versionsDelayMs: number; askDelayMs: number }) {
    const pair = createMemoryTransportPair();
    const answered: unknown[] = [];
    pair.host.subscribe((raw) => {
      const message = raw as { api: string; action: string; requestId: string; response?: unknown };
      if (message.api === "toWidget" && "response" in message) answered.push(message.response);
      if (message.api !== "fromWidget" || "response" in message) return;
      const reply = (response: Record<string, unknown>) => pair.host.send({ ...message, response } as never);
      if (message.action === "supported_api_versions") {
        setTimeout(() => reply({ supported_versions: ["0.0.1", "0.0.2"] }), options.versionsDelayMs);
      } else {
        reply({ error: { message: "Unknown or unsupported action" } });
      }
    });
    setTimeout(
      () =>
        pair.host.send({
          api: "toWidget",
          widgetId: WIDGET_ID,
          requestId: "old-host-capabilities",
          action: "capabilities",
          data: {},
        } as never),
      options.askDelayMs,
    );
    return { pair, answered };
  }

  for (const [order, timing] of [
    ["its capabilities request comes before its versions", { versionsDelayMs: 40, askDelayMs: 5 }],
    ["its capabilities request comes after its versions", { versionsDelayMs: 5, askDelayMs: 40 }],
  ] as const) {
    it(`takes the capabilities request as the grant when ${order}`, async () => {
      const { pair, answered } = oldHost(timing);
      const started = Date.now();
      const client = await createWidgetClient(kind, {
        widgetId: WIDGET_ID,
        transport: pair.widget,
        capabilities: [NAV],
        readyTimeoutMs: 3_000,
        logger: silentLogger,
      });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(client.capabilities).toEqual([NAV]);
      expect(client.hostVersions).toEqual(["0.0.1", "0.0.2"]);
      // The reply to the capabilities request is on its way to the host: let it arrive.
      await settle();
      expect(answered).toEqual([{ capabilities: [NAV] }]);
      client.destroy();
    });
  }
});

describe("a widget without MSC2871, which is never notified", () => {
  /**
   * A widget speaking the wire directly: it answers the host's versions request with `versions`,
   * its capabilities request with `[NAV]`, every other toWidget request with an ack, and records
   * the actions the host asked of it.
   */
  async function oldWidget(versions: string[]) {
    const pair = createMemoryTransportPair();
    const asked: string[] = [];
    pair.widget.subscribe((raw) => {
      const message = raw as { api: string; action: string; response?: unknown };
      if (message.api !== "toWidget" || "response" in message) return;
      asked.push(message.action);
      const response =
        message.action === "capabilities"
          ? { capabilities: [NAV] }
          : message.action === "supported_api_versions"
            ? { supported_versions: versions }
            : {};
      pair.widget.send({ ...message, response } as never);
    });
    const host = new WidgetHost({
      widgetId: WIDGET_ID,
      transport: pair.host,
      logger: silentLogger,
      policy: approveCapabilities([NAV]),
      driver: { navigate: () => Promise.resolve() },
    });
    host.start();
    await settle(10);
    return { pair, host, asked };
  }

  it("grants and serves it without ever sending notify_capabilities when it advertises only the prereleases", async () => {
    const { pair, host, asked } = await oldWidget(["0.0.1", "0.0.2"]);
    expect(host.state).toBe("ready");
    expect(host.grantedCapabilities).toEqual([NAV]);
    expect(asked).toContain("capabilities");
    expect(asked).not.toContain("notify_capabilities");
    // The grant is in force: the widget's navigate request is served.
    const [reply] = await sendRaw(pair, rawRequest(NAV, { uri: "https://matrix.to/#/%23room:example.org" }));
    expect(reply?.response).toEqual({});
  });

  it("notifies the same widget once it advertises org.matrix.msc2871", async () => {
    const { asked } = await oldWidget(["0.0.1", "0.0.2", ApiVersion.MSC2871]);
    expect(asked.filter((action) => action === "notify_capabilities")).toHaveLength(1);
  });
});

describe("a host handler's context.capabilities", () => {
  const capture = defineAction({
    id: "capture",
    direction: "fromWidget",
    stable: "com.example.capture_context",
    unstable: [],
    request: v.object({}),
    response: v.object({}),
    summary: "Keeps its request context, as a watch would.",
  });

  it("is read at each access: a context kept past its request, and a spread copy of it, see later grants and nothing once the session ended", async () => {
    const kept: HostActionContext[] = [];
    const host = defineHostAction({
      action: capture,
      handle: (context) => {
        kept.push(context);
        return {};
      },
    });
    const { client, host: widgetHost } = await connect({
      capabilities: [NAV],
      policy: approveCapabilities("all-requested"),
      host: { actions: [host] },
    });
    await client.request(capture, {});
    const [context] = kept;
    if (!context) throw new Error("the handler did not run");
    const copy = { ...context };
    expect(Object.keys(context)).toContain("capabilities");
    for (const seen of [context, copy]) {
      expect(seen.capabilities.hasFixed("navigate")).toBe(true);
      expect(seen.capabilities.hasFixed("user_directory_search")).toBe(false);
    }
    await client.requestCapabilities([SEARCH]);
    for (const seen of [context, copy]) {
      expect(seen.capabilities.hasFixed("user_directory_search")).toBe(true);
      expect(seen.capabilities.size).toBe(2);
    }
    widgetHost.destroy();
    for (const seen of [context, copy]) {
      expect(seen.capabilities.hasFixed("navigate")).toBe(false);
      expect(seen.capabilities.size).toBe(0);
      expect(seen.capabilities.toArray()).toEqual([]);
    }
  });
});
