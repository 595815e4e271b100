// The MSC4412 reload race: a reloaded widget whose first message is request_capabilities (MSC4412
// allows it before content_loaded) can overtake the frame's load event. Its request then arrives in
// the old session, where it looks like a renegotiation, and the load ends that session.
import { describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { allowListPolicy } from "../../../src/host/policy.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { createMemoryTransportPair, MemoryTransport } from "../../../src/transport/memory.js";
import { settle, WIDGET_ID } from "../../support/memory-session.js";

const NAVIGATE = "org.matrix.msc2931.navigate";
const ROOM_LINK = "https://matrix.to/#/#room:example.org";

function raw(action: string, request: Record<string, unknown> = {}) {
  return { source: "widget", action, requestId: crypto.randomUUID(), request, version: "v1" };
}

/** A host whose MSC4412 widget (a raw one on the pair's widget end) holds a session with NAVIGATE. */
async function readySession(decisions: string[][]) {
  const pair = createMemoryTransportPair();
  const navigated: unknown[] = [];
  const policy = allowListPolicy([NAVIGATE]);
  const host = new WidgetHost({
    widgetId: WIDGET_ID,
    transport: pair.host,
    logger: silentLogger,
    policy: {
      ...policy,
      approveCapabilities: (request) => {
        decisions.push([...request.requested]);
        return policy.approveCapabilities(request);
      },
    },
    driver: { navigate: (target) => (navigated.push(target), Promise.resolve()) },
  });
  const ended: string[] = [];
  host.on("sessionEnded", ({ reason }) => ended.push(reason));
  host.start();
  pair.widget.send(raw("content_loaded") as never);
  pair.widget.send(raw("request_capabilities", { capabilities: [NAVIGATE] }) as never);
  await settle(5);
  expect(host.state).toBe("ready");
  return { pair, host, ended, navigated };
}

/** The frame gets a new document whose messages reach the host before its load event does. */
function newDocument(pair: ReturnType<typeof createMemoryTransportPair>) {
  pair.widget.peer = undefined;
  pair.widget.close();
  const fresh = new MemoryTransport(true);
  fresh.peer = pair.host;
  pair.host.peer = fresh;
  pair.widget = fresh;
  const seen: Array<Record<string, unknown>> = [];
  fresh.subscribe((message) => seen.push(message as Record<string, unknown>));
  return { end: fresh, seen };
}

/** Sends a raw request on `end` and returns the responses its ID got. */
async function ask(end: MemoryTransport, seen: Array<Record<string, unknown>>, action: string, data = {}) {
  const message = raw(action, data);
  end.send(message as never);
  await settle(5);
  return seen.filter((m) => m.requestId === message.requestId && "response" in m).map((m) => m.response);
}

describe("MSC4412 reload race: request_capabilities first, overtaking the load", () => {
  it("opens the new document's session with that request: the old session ends, the policy decides afresh, and the widget is notified and served", async () => {
    const decisions: string[][] = [];
    const { pair, host, ended, navigated } = await readySession(decisions);
    const { end, seen } = newDocument(pair);
    // The new document's first message, before its load event.
    const opening = raw("request_capabilities", { capabilities: [NAVIGATE] });
    end.send(opening as never);
    await settle(5);
    pair.host.simulatePeerLoad();
    await settle(5);
    expect(ended).toEqual(["The widget frame was reloaded"]);
    expect(host.dialect).toBe("msc4412");
    expect(host.state).toBe("ready");
    expect(host.grantedCapabilities).toEqual([NAVIGATE]);
    // Asked once for the first document and once for the new one (the race's request).
    expect(decisions).toEqual([[NAVIGATE], [NAVIGATE]]);
    // The new document hears the outcome after its load: a notify in the new session, MSC4412-shaped.
    const notifies = seen.filter((m) => m.action === "notify_capabilities" && m.source === "host");
    expect(notifies.at(-1)).toMatchObject({ request: { requested: [NAVIGATE], approved: [NAVIGATE] } });
    // Nothing classic was sent to it: the host did not start a classic negotiation on that load.
    expect(seen.filter((m) => "api" in m)).toEqual([]);
    expect(await ask(end, seen, NAVIGATE, { uri: ROOM_LINK })).toEqual([{}]);
    expect(navigated).toHaveLength(1);
    host.destroy();
  });

  it("a renegotiation followed by another request is the old document's: the load leaves the new document without a session", async () => {
    const decisions: string[][] = [];
    const { pair, host, ended } = await readySession(decisions);
    pair.widget.send(raw("request_capabilities", { capabilities: [NAVIGATE] }) as never);
    pair.widget.send(raw(NAVIGATE, { uri: ROOM_LINK }) as never);
    await settle(5);
    const { end, seen } = newDocument(pair);
    pair.host.simulatePeerLoad();
    await settle(5);
    expect(ended).toEqual(["The widget frame was reloaded"]);
    expect(host.grantedCapabilities).toEqual([]);
    expect(host.state).not.toBe("ready");
    expect(decisions).toHaveLength(1);
    const replies = await ask(end, seen, NAVIGATE, { uri: ROOM_LINK });
    expect(replies).toMatchObject([{ error: { code: "out_of_sequence" } }]);
    host.destroy();
  });

  it("a renegotiation more than 10 s before the load is the old document's: the load leaves the new document without a session", async () => {
    const decisions: string[][] = [];
    const { pair, host } = await readySession(decisions);
    pair.widget.send(raw("request_capabilities", { capabilities: [NAVIGATE] }) as never);
    await settle(5);
    const later = performance.now() + 10_001;
    vi.spyOn(performance, "now").mockImplementation(() => later);
    try {
      newDocument(pair);
      pair.host.simulatePeerLoad();
      await settle(5);
    } finally {
      vi.restoreAllMocks();
    }
    expect(host.grantedCapabilities).toEqual([]);
    expect(host.state).not.toBe("ready");
    expect(decisions).toHaveLength(1);
    host.destroy();
  });
});
