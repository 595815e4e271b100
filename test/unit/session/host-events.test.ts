// The host's lifecycle events that matrix-widget-api's ClientWidgetApi emits and Element listens
// to: `preparing` (the exchange begins; Element stops showing the widget as loading) and
// `capabilitiesNotified` (the widget has been told the grant; Element re-reads what it holds).
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { allowListPolicy } from "../../../src/host/policy.js";
import { WidgetHost, type WidgetHostEvents } from "../../../src/host/widget-host.js";
import { ApiVersion } from "../../../src/protocol/versions.js";
import { createMemoryTransportPair, type MemoryTransportPair } from "../../../src/transport/memory.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import { settle, WIDGET_ID } from "../../support/memory-session.js";

const NAV = "org.matrix.msc2931.navigate";
const SEARCH = "org.matrix.msc3973.user_directory_search";

type Recorded = Array<{ event: keyof WidgetHostEvents; payload: unknown }>;

/** Records the lifecycle events of a host, in order. */
function record(host: WidgetHost): Recorded {
  const seen: Recorded = [];
  for (const event of ["preparing", "ready", "capabilities", "capabilitiesNotified"] as const) {
    host.on(event, (payload) => seen.push({ event, payload }));
  }
  return seen;
}

/** A host over one end of `pair` that grants what `allowed` lists. */
function hostOn(pair: MemoryTransportPair, allowed: string[] = [NAV]): WidgetHost {
  return new WidgetHost({
    widgetId: WIDGET_ID,
    transport: pair.host,
    logger: silentLogger,
    policy: allowListPolicy(allowed),
  });
}

/** Creates a WidgetClient on `pair`, starts `host` and waits until the session has settled. */
async function connectClient(
  pair: MemoryTransportPair,
  host: WidgetHost,
  capabilities: string[],
  protocol?: "msc4412",
): Promise<WidgetClient> {
  const created = WidgetClient.create({
    widgetId: WIDGET_ID,
    transport: pair.widget,
    capabilities,
    logger: silentLogger,
    ...(protocol === undefined ? {} : { protocol }),
  });
  host.start();
  const client = await created;
  await settle();
  return client;
}

/**
 * A widget speaking the wire directly: it advertises `versions`, asks for `[NAV]`, and answers
 * notify_capabilities only when the test calls `acknowledge()`.
 */
function heldWidget(versions: string[] = ["0.0.1", "0.0.2", ApiVersion.MSC2871]) {
  const pair = createMemoryTransportPair();
  const held: Array<() => void> = [];
  pair.widget.subscribe((raw) => {
    const message = raw as { api: string; action: string; response?: unknown };
    if (message.api !== "toWidget" || "response" in message) return;
    const answer = (response: unknown) => pair.widget.send({ ...message, response } as never);
    if (message.action === "capabilities") answer({ capabilities: [NAV] });
    else if (message.action === "supported_api_versions") answer({ supported_versions: versions });
    else if (message.action === "notify_capabilities") held.push(() => answer({}));
    else answer({});
  });
  const host = hostOn(pair);
  return { pair, host, held };
}

describe("WidgetHost lifecycle events of ClientWidgetApi", () => {
  it("emits preparing when the capability exchange begins, then ready, then capabilitiesNotified", async () => {
    const pair = createMemoryTransportPair();
    const host = hostOn(pair);
    const seen = record(host);
    const states: string[] = [];
    host.on("preparing", () => states.push(host.state));
    await connectClient(pair, host, [NAV, SEARCH]);
    expect(seen).toEqual([
      { event: "preparing", payload: {} },
      { event: "ready", payload: { requested: [NAV, SEARCH], granted: [NAV] } },
      {
        event: "capabilitiesNotified",
        payload: { requested: [NAV, SEARCH], granted: [NAV], acknowledged: true },
      },
    ]);
    // Emitted as the exchange begins, not once it is over.
    expect(states).toEqual(["negotiating"]);
    host.destroy();
  });

  it("emits capabilitiesNotified only once the widget acknowledged notify_capabilities", async () => {
    const { host, held } = heldWidget();
    const seen = record(host);
    host.start();
    await settle(5);
    expect(host.state).toBe("ready");
    expect(seen.map(({ event }) => event)).toEqual(["preparing", "ready"]);
    expect(held).toHaveLength(1);
    held[0]?.();
    await settle();
    expect(seen.at(-1)).toEqual({
      event: "capabilitiesNotified",
      payload: { requested: [NAV], granted: [NAV], acknowledged: true },
    });
    host.destroy();
  });

  it("emits capabilitiesNotified, not acknowledged, to a widget without MSC2871, which is not told", async () => {
    const { host, held } = heldWidget(["0.0.1", "0.0.2"]);
    const seen = record(host);
    host.start();
    await settle(5);
    expect(held).toHaveLength(0);
    expect(seen.at(-1)).toEqual({
      event: "capabilitiesNotified",
      payload: { requested: [NAV], granted: [NAV], acknowledged: false },
    });
    host.destroy();
  });

  it("emits capabilitiesNotified after a renegotiation and after a revocation, with the new set", async () => {
    const pair = createMemoryTransportPair();
    const host = hostOn(pair, [NAV, SEARCH]);
    const widget = await connectClient(pair, host, [NAV]);
    const seen = record(host);
    await widget.requestCapabilities([SEARCH]);
    await settle();
    await host.revokeCapabilities([NAV]);
    await settle();
    expect(seen).toEqual([
      { event: "capabilities", payload: { requested: [NAV, SEARCH], granted: [NAV, SEARCH] } },
      {
        event: "capabilitiesNotified",
        payload: { requested: [NAV, SEARCH], granted: [NAV, SEARCH], acknowledged: true },
      },
      { event: "capabilities", payload: { requested: [NAV, SEARCH], granted: [SEARCH] } },
      {
        event: "capabilitiesNotified",
        payload: { requested: [NAV, SEARCH], granted: [SEARCH], acknowledged: true },
      },
    ]);
    host.destroy();
  });

  it("does not emit capabilitiesNotified for a session that ended before the acknowledgement", async () => {
    const { pair, host, held } = heldWidget();
    const seen = record(host);
    host.start();
    await settle(5);
    expect(held).toHaveLength(1);
    // A reload: the grant the pending notify carried is gone.
    pair.host.simulatePeerLoad();
    held[0]?.();
    await settle();
    expect(seen.map(({ event }) => event)).not.toContain("capabilitiesNotified");
    host.destroy();
  });

  it("emits preparing once per document, and again after a reload", async () => {
    const pair = createMemoryTransportPair();
    const host = hostOn(pair);
    const seen = record(host);
    // The load's capabilities request goes unanswered (no client yet), then a client asks again.
    host.start();
    await settle(5);
    const first = await WidgetClient.create({
      widgetId: WIDGET_ID,
      transport: pair.widget,
      capabilities: [NAV],
      logger: silentLogger,
    });
    await settle();
    expect(seen.map(({ event }) => event)).toEqual(["preparing", "ready", "capabilitiesNotified"]);
    first.destroy();
    const fresh = pair.reloadWidget();
    const second = await WidgetClient.create({
      widgetId: WIDGET_ID,
      transport: fresh,
      capabilities: [NAV],
      logger: silentLogger,
    });
    await settle();
    expect(seen.filter(({ event }) => event === "preparing")).toHaveLength(2);
    second.destroy();
    host.destroy();
  });

  it("emits preparing when an MSC4412 widget opens its session with request_capabilities", async () => {
    const pair = createMemoryTransportPair();
    const host = hostOn(pair);
    const seen = record(host);
    await connectClient(pair, host, [NAV], "msc4412");
    expect(seen.map(({ event }) => event)).toEqual(["preparing", "ready", "capabilitiesNotified"]);
    host.destroy();
  });
});

describe("the arrays a host hands out", () => {
  it("are frozen, so a listener or caller that writes to one cannot change what the host grants, asked for or knows", async () => {
    const pair = createMemoryTransportPair();
    const host = hostOn(pair);
    const payloads: Array<{ requested: readonly string[]; granted: readonly string[] }> = [];
    host.on("ready", (payload) => payloads.push(payload));
    host.on("capabilitiesNotified", (payload) => payloads.push(payload));
    const versionsBefore = host.widgetVersions;
    await connectClient(pair, host, [NAV, SEARCH]);
    const handedOut = [
      versionsBefore,
      host.widgetVersions,
      host.supportedVersions,
      host.grantedCapabilities,
      host.requestedCapabilities,
      ...payloads.flatMap((payload) => [payload.requested, payload.granted]),
    ];
    for (const list of handedOut) {
      expect(Object.isFrozen(list)).toBe(true);
      expect(() => (list as string[]).push(SEARCH)).toThrow(TypeError);
    }
    expect(host.grantedCapabilities).toEqual([NAV]);
    expect(host.requestedCapabilities).toEqual([NAV, SEARCH]);
  });
});
