import * as v from "valibot";
import { afterEach, describe, expect, it, vi } from "vitest";
import { silentLogger, type Logger } from "../../../src/core/logger.js";
import { approveCapabilities, type HostPolicy } from "../../../src/host/policy.js";
import { defineHostAction } from "../../../src/host/registry.js";
import { WidgetHost, type WidgetHostOptions } from "../../../src/host/widget-host.js";
import { defineAction } from "../../../src/protocol/action.js";
import { ErrorCode, WidgetApiError } from "../../../src/protocol/errors.js";
import { createMemoryTransportPair, type MemoryTransportPair } from "../../../src/transport/memory.js";
import type { Transport } from "../../../src/transport/transport.js";
import type { WidgetClient, WidgetClientOptions } from "../../../src/widget/widget-client.js";
import {
  CLIENT_KINDS,
  createWidgetClient,
  settle,
  WIDGET_ID,
  type WidgetClientKind,
} from "../../support/memory-session.js";

/** Another custom capability, so that what these tests grant does not depend on the driver or policy hooks. */
const OTHER = "com.example.capability.other";
const SECRET = "com.example.capability.secret";

/** A custom action that needs a custom capability: stands in for "reads account data it was granted". */
const readSecret = defineAction({
  id: "read secret",
  direction: "fromWidget",
  stable: "com.example.read_secret",
  unstable: [],
  request: v.object({}),
  response: v.object({ secret: v.string() }),
  capability: { custom: SECRET },
  summary: "Reads something only a granted widget may read.",
});
const readSecretHost = defineHostAction({ action: readSecret, handle: () => ({ secret: "s3cret" }) });
const other = defineAction({
  id: "other",
  direction: "fromWidget",
  stable: "com.example.other",
  unstable: [],
  request: v.object({}),
  response: v.object({}),
  capability: { custom: OTHER },
  summary: "Needs the other custom capability.",
});
const otherHost = defineHostAction({ action: other, handle: () => ({}) });

const opened: Array<{ destroy(): void }> = [];
afterEach(() => {
  for (const item of opened.splice(0)) item.destroy();
});

function makeHost(options: Partial<WidgetHostOptions> = {}) {
  const pair = createMemoryTransportPair();
  const host = new WidgetHost({
    widgetId: WIDGET_ID,
    transport: pair.host,
    policy: approveCapabilities("all-requested"),
    actions: [readSecretHost, otherHost],
    logger: silentLogger,
    ...options,
  });
  opened.push(host);
  return { pair, host };
}

async function createClient(
  kind: WidgetClientKind,
  transport: Transport,
  options: Partial<WidgetClientOptions> = {},
) {
  const client = await createWidgetClient(kind, {
    widgetId: WIDGET_ID,
    transport,
    logger: silentLogger,
    readyTimeoutMs: 5_000,
    ...options,
  });
  opened.push(client);
  return client;
}

/** Creates a client and resolves with it and how long create() took. */
async function timedCreate(
  kind: WidgetClientKind,
  transport: Transport,
  options: Partial<WidgetClientOptions> = {},
): Promise<{ client: WidgetClient; ms: number }> {
  const started = performance.now();
  const client = await createClient(kind, transport, options);
  return { client, ms: performance.now() - started };
}

/**
 * Connects a new widget end to the host without a load event: another client in the same document
 * (a React remount), or a new document whose load event has not arrived yet.
 */
function endWithoutLoad(pair: MemoryTransportPair): MemoryTransportPair["widget"] {
  const original = pair.host.simulatePeerLoad.bind(pair.host);
  pair.host.simulatePeerLoad = () => {};
  const fresh = pair.reloadWidget();
  pair.host.simulatePeerLoad = original;
  return fresh;
}

/**
 * Transports for several clients in one document: each listens to the same widget end, as every
 * client of a page listens to the same window, and closing one leaves the others listening.
 */
function sameDocument(end: MemoryTransportPair["widget"]): () => Transport {
  return () => {
    const stops: Array<() => void> = [];
    return {
      send: (message) => end.send(message),
      subscribe: (listener) => {
        const stop = end.subscribe(listener);
        stops.push(stop);
        return stop;
      },
      close: () => {
        for (const stop of stops.splice(0)) stop();
      },
    };
  };
}

/**
 * React StrictMode in a widget that creates its client in an effect: mount (create), unmount (the
 * cleanup destroys the first client once its create() settles), mount again (create). Resolves
 * with how the first create() ended and the surviving client with its time to session.
 */
async function strictModeMount(
  kind: WidgetClientKind,
  end: MemoryTransportPair["widget"],
  options: Partial<WidgetClientOptions>,
) {
  const transportFor = sameDocument(end);
  const first = createWidgetClient(kind, {
    widgetId: WIDGET_ID,
    transport: transportFor(),
    logger: silentLogger,
    ...options,
  })
    .then((client) => (client.destroy(), "ready"))
    .catch((error: unknown) => (error instanceof WidgetApiError ? error.code : "other"));
  const second = await timedCreate(kind, transportFor(), options);
  return { first: await first, ...second };
}

describe.each(CLIENT_KINDS)(
  "a reload after an early content_loaded (waitForIframeLoad false) (%s)",
  (kind) => {
    it("ends the old document's session at the new document's load when the first document's load was never seen", async () => {
      const { pair, host } = makeHost({ waitForIframeLoad: false });
      // The host attached after the frame loaded: no load event for the first document.
      const first = await createClient(kind, pair.widget, {
        capabilities: [SECRET],
        sendContentLoaded: true,
      });
      expect(first.capabilities).toEqual([SECRET]);
      expect(host.grantedCapabilities).toEqual([SECRET]);

      const ended: string[] = [];
      host.on("sessionEnded", ({ reason }) => ended.push(reason));
      const fresh = pair.reloadWidget();
      expect(ended).toEqual(["The widget frame was reloaded"]);
      expect(host.grantedCapabilities).toEqual([]);

      const { client, ms } = await timedCreate(kind, fresh, {
        capabilities: [OTHER],
        sendContentLoaded: true,
      });
      expect(ms).toBeLessThan(1_000);
      expect(client.capabilities).toEqual([OTHER]);
      expect(host.grantedCapabilities).toEqual([OTHER]);
      await expect(client.request(readSecret, {})).rejects.toMatchObject({
        code: ErrorCode.MissingCapability,
      });
    });

    it("gives a new document a fresh session when the first document navigated away before its load", async () => {
      const { pair, host } = makeHost({ waitForIframeLoad: false });
      // The first document announces itself and is replaced before its load event.
      const firstOutcome = createWidgetClient(kind, {
        widgetId: WIDGET_ID,
        transport: pair.widget,
        capabilities: [SECRET],
        sendContentLoaded: true,
        readyTimeoutMs: 300,
        logger: silentLogger,
      }).then(
        () => "ready",
        (error: unknown) => (error as WidgetApiError).code,
      );
      await settle(5);
      const fresh = pair.reloadWidget();
      const { client, ms } = await timedCreate(kind, fresh, {
        capabilities: [OTHER],
        sendContentLoaded: true,
      });
      expect(ms).toBeLessThan(1_000);
      expect(await firstOutcome).toBe(ErrorCode.Timeout);
      expect(host.grantedCapabilities).toEqual([OTHER]);
      await expect(client.request(readSecret, {})).rejects.toMatchObject({
        code: ErrorCode.MissingCapability,
      });
    });

    it("after start() on a host attached to a loaded frame, negotiates on content_loaded and the next load ends the session", async () => {
      const { pair, host } = makeHost({ waitForIframeLoad: false });
      host.start();
      const { ms } = await timedCreate(kind, pair.widget, {
        capabilities: [SECRET],
        sendContentLoaded: true,
      });
      expect(ms).toBeLessThan(200);
      expect(host.grantedCapabilities).toEqual([SECRET]);
      const fresh = pair.reloadWidget();
      expect(host.grantedCapabilities).toEqual([]);
      const client = await createClient(kind, fresh, { capabilities: [OTHER], sendContentLoaded: true });
      expect(host.grantedCapabilities).toEqual([OTHER]);
      expect(client.capabilities).toEqual([OTHER]);
    });

    it("answers a new document's content_loaded that overtakes its load at once, and starts its session on that load", async () => {
      const { pair, host } = makeHost({ waitForIframeLoad: false });
      pair.host.simulatePeerLoad();
      await createClient(kind, pair.widget, { capabilities: [SECRET], sendContentLoaded: true });
      const fresh = endWithoutLoad(pair);
      const replies: unknown[] = [];
      fresh.subscribe((m) => {
        const message = m as { action?: string; response?: unknown };
        if (message.action === "content_loaded" && "response" in message) replies.push(message.response);
      });
      const second = timedCreate(kind, fresh, { capabilities: [OTHER], sendContentLoaded: true });
      await settle(5);
      expect(replies).toEqual([{}]);
      pair.host.simulatePeerLoad();
      const { client, ms } = await second;
      expect(ms).toBeLessThan(1_000);
      expect(client.capabilities).toEqual([OTHER]);
      expect(host.grantedCapabilities).toEqual([OTHER]);
    });
  },
);

describe.each(CLIENT_KINDS)(
  "pairing the first document's content_loaded with its load (waitForIframeLoad false) (%s)",
  (kind) => {
    it("negotiates once, after the load, when content_loaded overtakes the first document's load event", async () => {
      let asked = 0;
      const policy: HostPolicy = {
        approveCapabilities: ({ requested }) => {
          asked++;
          return requested;
        },
      };
      const { pair, host } = makeHost({ waitForIframeLoad: false, policy });
      const ended: string[] = [];
      host.on("sessionEnded", ({ reason }) => ended.push(reason));
      const created = timedCreate(kind, pair.widget, { capabilities: [SECRET], sendContentLoaded: true });
      await settle(100);
      // Still waiting for the load event that pairs with it: nothing negotiated, nothing granted.
      expect(host.state).toBe("waiting");
      pair.host.simulatePeerLoad();
      const { client } = await created;
      await settle(300);
      expect(asked).toBe(1);
      expect(ended).toEqual([]);
      expect(client.capabilities).toEqual([SECRET]);
      const asks = pair.host.sent.filter((m) => m.action === "capabilities" && !("response" in m));
      expect(asks).toHaveLength(1);
    });

    it("start() after a load event does not restart the running session", async () => {
      const { pair, host } = makeHost();
      const ended: string[] = [];
      host.on("sessionEnded", ({ reason }) => ended.push(reason));
      pair.host.simulatePeerLoad();
      await createClient(kind, pair.widget, { capabilities: [SECRET] });
      host.start();
      await settle(5);
      expect(ended).toEqual([]);
      expect(host.state).toBe("ready");
      expect(host.grantedCapabilities).toEqual([SECRET]);
    });
  },
);

describe.each(CLIENT_KINDS)("a client created after the frame's load gets a session (%s)", (kind) => {
  for (const waitForIframeLoad of [true, false]) {
    it(`within a second when created 300 ms after the load (waitForIframeLoad ${waitForIframeLoad})`, async () => {
      const { pair, host } = makeHost({ waitForIframeLoad });
      pair.host.simulatePeerLoad();
      await settle(300);
      const { client, ms } = await timedCreate(kind, pair.widget, {
        capabilities: [OTHER],
        sendContentLoaded: !waitForIframeLoad,
      });
      expect(ms).toBeLessThan(1_000);
      expect(client.capabilities).toEqual([OTHER]);
      expect(host.state).toBe("ready");
    });

    it(`within a second under React StrictMode's create, destroy, create after the load (waitForIframeLoad ${waitForIframeLoad})`, async () => {
      const { pair, host } = makeHost({ waitForIframeLoad });
      pair.host.simulatePeerLoad();
      await settle(50);
      const { first, client, ms } = await strictModeMount(kind, pair.widget, {
        capabilities: [OTHER],
        sendContentLoaded: !waitForIframeLoad,
      });
      expect(ms).toBeLessThan(1_000);
      expect(first).toBe("ready");
      expect(client.capabilities).toEqual([OTHER]);
      expect(host.state).toBe("ready");
    });
  }

  it("asks the policy once when a late client's announcement and the resent request cross", async () => {
    let asked = 0;
    const policy: HostPolicy = {
      approveCapabilities: ({ requested }) => {
        asked++;
        return requested;
      },
    };
    const { pair } = makeHost({ policy });
    pair.host.simulatePeerLoad();
    await settle(20);
    await createClient(kind, pair.widget, { capabilities: [OTHER] });
    await settle(300);
    expect(asked).toBe(1);
  });

  it("does not resend the capabilities request to a client that was there when it was sent", async () => {
    const { pair, host } = makeHost();
    const created = createClient(kind, pair.widget, { capabilities: [OTHER] });
    host.start();
    await created;
    await settle(300);
    const asks = pair.host.sent.filter((m) => m.action === "capabilities" && !("response" in m));
    expect(asks).toHaveLength(1);
  });

  it("on a host attached to an already loaded frame without start(), after the pairing wait", async () => {
    const { pair, host } = makeHost();
    const { client, ms } = await timedCreate(kind, pair.widget, { capabilities: [OTHER] });
    expect(ms).toBeLessThan(1_000);
    expect(client.capabilities).toEqual([OTHER]);
    expect(host.state).toBe("ready");
  });

  it("on a host attached to an already loaded frame, at once with start()", async () => {
    const { pair, host } = makeHost();
    await settle(20);
    host.start();
    const { client, ms } = await timedCreate(kind, pair.widget, { capabilities: [OTHER] });
    expect(ms).toBeLessThan(300);
    expect(client.capabilities).toEqual([OTHER]);
  });
});

describe("a widget end that only announces itself, with no widget client", () => {
  it("bounds the capabilities requests a widget can cause by announcing itself over and over", async () => {
    const { pair, host } = makeHost();
    host.start();
    // Nobody answers; the widget end only announces.
    for (let i = 0; i < 40; i++) {
      pair.widget.send({
        api: "fromWidget",
        widgetId: WIDGET_ID,
        requestId: `announce-${i}`,
        action: "supported_api_versions",
        data: {},
      } as never);
      await settle(210);
      if (i === 10) break;
    }
    const asks = pair.host.sent.filter((m) => m.action === "capabilities" && !("response" in m));
    expect(asks.length).toBeLessThanOrEqual(4);
    expect(host.pendingRequestCount).toBeLessThanOrEqual(8);
  });
});

describe.each(CLIENT_KINDS)("thrown values that are not Errors (%s)", (kind) => {
  function recordingLogger(): { logger: Logger; lines: string[] } {
    const lines: string[] = [];
    const logger: Logger = {
      ...silentLogger,
      error: (message: string) => lines.push(message),
      warn: (message: string) => lines.push(message),
    };
    return { logger, lines };
  }

  it("a session disposer that throws undefined does not stop the reset on reload: the grants are cleared", async () => {
    const register = defineAction({
      id: "register disposer",
      direction: "fromWidget",
      stable: "com.example.register_disposer",
      unstable: [],
      request: v.object({}),
      response: v.object({}),
      summary: "Registers a session disposer that throws undefined.",
    });
    const registerHost = defineHostAction({
      action: register,
      handle: (context) => {
        context.session.onEnd(() => {
          throw undefined;
        });
        context.session.onEnd(() => {
          throw Object.create(null) as object;
        });
        return {};
      },
    });
    const { logger, lines } = recordingLogger();
    const { pair, host } = makeHost({ actions: [readSecretHost, otherHost, registerHost], logger });
    host.start();
    const first = await createClient(kind, pair.widget, { capabilities: [SECRET] });
    await first.request(register, {});
    const ended: string[] = [];
    host.on("sessionEnded", ({ reason }) => ended.push(reason));

    const fresh = pair.reloadWidget();
    expect(host.grantedCapabilities).toEqual([]);
    expect(host.capabilities.hasCustom(SECRET)).toBe(false);
    expect(ended).toEqual(["The widget frame was reloaded"]);
    expect(lines.filter((line) => line.startsWith("Session cleanup failed"))).toEqual([
      "Session cleanup failed: undefined was thrown",
      "Session cleanup failed: a non-Error object was thrown",
    ]);
    const client = await createClient(kind, fresh, { capabilities: [OTHER] });
    await expect(client.request(readSecret, {})).rejects.toMatchObject({ code: ErrorCode.MissingCapability });
  });

  it("a sessionEnded listener that throws undefined does not stop the reset", async () => {
    const { logger, lines } = recordingLogger();
    const { pair, host } = makeHost({ logger });
    host.start();
    await createClient(kind, pair.widget, { capabilities: [SECRET] });
    host.on("sessionEnded", () => {
      throw undefined;
    });
    pair.reloadWidget();
    expect(host.grantedCapabilities).toEqual([]);
    expect(lines).toContain("A sessionEnded listener threw: undefined was thrown");
  });

  it("approveCapabilities rejecting with undefined grants nothing, becomes ready and notifies", async () => {
    const { logger, lines } = recordingLogger();
    const { pair, host } = makeHost({
      logger,
      policy: { approveCapabilities: () => Promise.reject(undefined as unknown as Error) },
    });
    host.start();
    const { client, ms } = await timedCreate(kind, pair.widget, { capabilities: [SECRET] });
    expect(ms).toBeLessThan(500);
    expect(host.state).toBe("ready");
    expect(client.capabilities).toEqual([]);
    expect(host.grantedCapabilities).toEqual([]);
    expect(lines.some((line) => line.includes("undefined was thrown"))).toBe(true);
  });

  it("approveCapabilities rejecting with undefined on renegotiation keeps the previous grants and notifies", async () => {
    let calls = 0;
    const policy: HostPolicy = {
      approveCapabilities: ({ requested }) => {
        calls++;
        if (calls > 1) return Promise.reject(undefined as unknown as Error);
        return requested;
      },
    };
    const { pair, host } = makeHost({ policy });
    host.start();
    const client = await createClient(kind, pair.widget, { capabilities: [SECRET] });
    const granted = await client.requestCapabilities([OTHER], { timeoutMs: 1_000 });
    expect(granted).toEqual([SECRET]);
    expect(host.grantedCapabilities).toEqual([SECRET]);
    expect(host.state).toBe("ready");
  });
});

describe.each(CLIENT_KINDS)("the widget client with hosts that do not ask again (%s)", (kind) => {
  /**
   * A host in the manner of matrix-widget-api's ClientWidgetApi: it answers the versions request,
   * refuses content_loaded when told to, sends its capabilities request only when the test says
   * so, and answers MSC2974 renegotiation with notify_capabilities.
   */
  function fakeHost(options: { refuseContentLoaded?: boolean } = {}) {
    const pair = createMemoryTransportPair();
    const received: string[] = [];
    let next = 0;
    const send = (action: string, data: Record<string, unknown>) =>
      pair.host.send({
        api: "toWidget",
        widgetId: WIDGET_ID,
        requestId: `host-${++next}`,
        action,
        data,
      } as never);
    pair.host.subscribe((raw) => {
      const message = raw as { api: string; action: string; data: Record<string, unknown> };
      if (message.api !== "fromWidget" || "response" in message) return;
      received.push(message.action);
      const reply = (response: Record<string, unknown>) => pair.host.send({ ...message, response } as never);
      if (message.action === "supported_api_versions") {
        reply({ supported_versions: ["0.0.1", "0.0.2", "org.matrix.msc2871", "org.matrix.msc2974"] });
      } else if (message.action === "content_loaded") {
        reply(options.refuseContentLoaded ? { error: { message: "Improper sequence" } } : {});
      } else if (message.action === "org.matrix.msc2974.request_capabilities") {
        reply({});
        const requested = message.data.capabilities as string[];
        send("notify_capabilities", { requested, approved: requested });
      } else {
        reply({ error: { message: "unknown" } });
      }
    });
    return { pair, received, send };
  }

  it("asks for its session by renegotiation when the host's capabilities request came before it existed", async () => {
    const { pair, received } = fakeHost();
    const { client, ms } = await timedCreate(kind, pair.widget, { capabilities: [SECRET] });
    expect(client.capabilities).toEqual([SECRET]);
    expect(ms).toBeLessThan(1_000);
    expect(received.filter((a) => a.endsWith("request_capabilities"))).toHaveLength(1);
  });

  it("does not ask by renegotiation when the host sends its capabilities request", async () => {
    const { pair, received, send } = fakeHost();
    const created = timedCreate(kind, pair.widget, { capabilities: [SECRET] });
    await settle(5);
    send("capabilities", {});
    await settle(5);
    send("notify_capabilities", { requested: [SECRET], approved: [SECRET] });
    await created;
    await settle(700);
    expect(received.filter((a) => a.endsWith("request_capabilities"))).toEqual([]);
  });

  it("a client destroyed while it waits to ask again leaves no timer behind", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const { pair } = fakeHost();
      let captured: WidgetClient | undefined;
      const outcome = createWidgetClient(kind, {
        widgetId: WIDGET_ID,
        transport: pair.widget,
        capabilities: [SECRET],
        logger: silentLogger,
        beforeStart: (client) => (captured = client),
      }).then(
        () => "ready",
        (error: unknown) => (error as WidgetApiError).code,
      );
      // The versions request is answered; the client now waits to ask by renegotiation.
      await vi.advanceTimersByTimeAsync(10);
      captured?.destroy();
      expect(await outcome).toBe(ErrorCode.SessionEnded);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("still gets its session when the host refuses its content_loaded (a second one in the same document)", async () => {
    const { pair } = fakeHost({ refuseContentLoaded: true });
    const { client } = await timedCreate(kind, pair.widget, {
      capabilities: [SECRET],
      sendContentLoaded: true,
    });
    expect(client.capabilities).toEqual([SECRET]);
  });
});
