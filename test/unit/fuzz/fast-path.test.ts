// The MessagePort fast path under every delivery order: the host and widget postMessage
// transports run over fake windows and fake ports whose queues are each first in, first out, and
// fast-check picks, step by step, which queue delivers next, when each side sends, and when a
// sibling frame or another origin offers a port of its own. The window and the port are separate
// channels, so a browser may deliver a later port message before an earlier window message; the
// switch must still lose, duplicate and reorder nothing, whatever Widget API messages for another
// widget either window carries meanwhile. A second property reloads the frame at a random step:
// nothing that arrives on a port after the load reaches the host's session. A third lets something
// else speak as the session on either window at any step (another client of the page, another
// host), which makes both ends go back to the window: nothing either sent is lost or duplicated.
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { WireMessage } from "../../../src/protocol/envelope.js";
import { FAST_PATH_VERSION } from "../../../src/transport/fast-path.js";
import { HostPostMessageTransport } from "../../../src/transport/post-message-host.js";
import { WidgetPostMessageTransport } from "../../../src/transport/post-message-widget.js";
import { fuzzParams, fuzzTimeout } from "./support.js";

const HOST = "https://client.example.org";
const WIDGET = "https://widget.example.net";

type Listener = (event: unknown) => void;

/** Every queue of the simulated page: two windows and any number of ports. */
class Network {
  readonly queues: Array<{ name: string; items: Array<() => void> }> = [];
  /** The port whose message is being delivered, if any. */
  deliveringPort: FakePort | undefined;
  /** Every port made so far. */
  readonly ports: FakePort[] = [];
  queue(name: string): { name: string; items: Array<() => void> } {
    const found = this.queues.find((q) => q.name === name);
    if (found) return found;
    const created = { name, items: [] as Array<() => void> };
    this.queues.push(created);
    return created;
  }
  /** Delivers the head of the `pick`-th non-empty queue; false when all are empty. */
  step(pick: number): boolean {
    const ready = this.queues.filter((q) => q.items.length > 0);
    if (ready.length === 0) return false;
    ready[pick % ready.length]!.items.shift()!();
    return true;
  }
}

let net = new Network();
let portCount = 0;

class FakePort {
  peer: FakePort | undefined;
  private readonly listeners = new Set<Listener>();
  closed = false;
  /** What this end received, whether or not anyone listened. */
  readonly received: unknown[] = [];
  constructor(readonly name: string) {
    net.ports.push(this);
  }
  postMessage(data: unknown): void {
    const peer = this.peer;
    if (this.closed || !peer) return;
    const copy = structuredClone(data);
    net.queue(`port ${peer.name}`).items.push(() => {
      if (peer.closed) return;
      peer.received.push(copy);
      net.deliveringPort = peer;
      try {
        for (const listener of [...peer.listeners]) listener({ data: copy });
      } finally {
        net.deliveringPort = undefined;
      }
    });
  }
  addEventListener(_type: string, listener: Listener): void {
    this.listeners.add(listener);
  }
  removeEventListener(_type: string, listener: Listener): void {
    this.listeners.delete(listener);
  }
  start(): void {}
  close(): void {
    this.closed = true;
  }
}

class FakeChannel {
  readonly port1: FakePort;
  readonly port2: FakePort;
  constructor() {
    portCount++;
    this.port1 = new FakePort(`${portCount}a`);
    this.port2 = new FakePort(`${portCount}b`);
    this.port1.peer = this.port2;
    this.port2.peer = this.port1;
  }
}

class FakeWindow {
  private readonly listeners = new Set<Listener>();
  /** Set by the page: where this window's postMessage delivers. */
  post: (data: unknown, targetOrigin: string, ports: readonly unknown[]) => void = () => {};
  constructor(readonly name: string) {}
  addEventListener(_type: string, listener: Listener): void {
    this.listeners.add(listener);
  }
  removeEventListener(_type: string, listener: Listener): void {
    this.listeners.delete(listener);
  }
  postMessage(data: unknown, targetOrigin: string, ports: readonly unknown[] = []): void {
    this.post(data, targetOrigin, ports);
  }
  fire(event: unknown): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}

/** A host page with the widget's frame, and a sibling frame on the widget's origin. */
function page() {
  const hostWindow = new FakeWindow("host");
  const frameWindow = new FakeWindow("frame");
  const sibling = new FakeWindow("sibling");
  const loads = new Set<Listener>();
  const iframe = {
    contentWindow: frameWindow,
    addEventListener: (_: string, l: Listener) => loads.add(l),
    removeEventListener: (_: string, l: Listener) => loads.delete(l),
  };
  const toWindow = (
    target: FakeWindow,
    queue: string,
    data: unknown,
    origin: string,
    source: unknown,
    ports: readonly unknown[],
  ) => {
    const copy = structuredClone(data);
    net.queue(queue).items.push(() => target.fire({ data: copy, origin, source, ports }));
  };
  // The window a page posts with is the one it posts *to*: the widget calls hostWindow.postMessage.
  hostWindow.post = (data, targetOrigin, ports) => {
    if (targetOrigin === HOST) toWindow(hostWindow, "to host", data, WIDGET, frameWindow, ports);
  };
  frameWindow.post = (data, targetOrigin, ports) => {
    if (targetOrigin === WIDGET) toWindow(frameWindow, "to frame", data, HOST, hostWindow, ports);
  };
  return {
    hostWindow,
    frameWindow,
    iframe,
    /** Posts to the host window from elsewhere (its own queue: another sender, another order). */
    postToHost(data: unknown, origin: string, source: unknown, ports: readonly unknown[]) {
      toWindow(hostWindow, "hostile to host", data, origin, source, ports);
    },
    sibling,
    load() {
      for (const l of [...loads]) l({});
    },
  };
}

const request = (side: "w" | "h", n: number): WireMessage =>
  side === "w"
    ? { api: "fromWidget", widgetId: "w", requestId: `w${n}`, action: "dev.test.n", data: { n } }
    : { api: "toWidget", widgetId: "w", requestId: `h${n}`, action: "dev.test.n", data: { n } };

/**
 * The widget's first message, as a client's always is: its versions request (on the window, which
 * also tells the page's channel the widget ID it speaks as).
 */
const VERSIONS_REQUEST: WireMessage = {
  api: "fromWidget",
  widgetId: "w",
  requestId: "versions",
  action: "supported_api_versions",
  data: {},
};

/** The host's reply advertising the fast path, and its notify: what makes our widget offer. */
const HANDSHAKE: WireMessage[] = [
  {
    api: "fromWidget",
    widgetId: "w",
    requestId: "versions",
    action: "supported_api_versions",
    data: {},
    response: { supported_versions: [FAST_PATH_VERSION] },
  },
  { api: "toWidget", widgetId: "w", requestId: "notify", action: "notify_capabilities", data: {} },
];

/** A Widget API message from someone else on a window: `widgetId` "w" speaks as the session. */
const stray = (api: "fromWidget" | "toWidget", widgetId: string, n: number): WireMessage => ({
  api,
  widgetId,
  requestId: `stray${n}`,
  action: "dev.test.stray",
  data: {},
});
const isStray = (message: unknown) => (message as { requestId?: string }).requestId?.startsWith("stray");

const step = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant("deliver" as const), pick: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("widget sends" as const),
      count: fc.integer({ min: 1, max: 40 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("host sends" as const),
      count: fc.integer({ min: 1, max: 40 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("microtasks" as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom("sibling offers" as const, "other origin offers" as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom("page: another widget" as const, "parent: another widget" as const),
    }),
  },
);

/** Something else speaking as the session, from the widget's page or from the parent. */
const sessionStray = fc.record({
  kind: fc.constantFrom("page: same widget" as const, "parent: same widget" as const),
});

async function microtasks(): Promise<void> {
  for (let i = 0; i < 4; i++) await Promise.resolve();
}

function setup() {
  net = new Network();
  const sim = page();
  const host = new HostPostMessageTransport({
    iframe: sim.iframe as unknown as HTMLIFrameElement,
    widgetOrigin: WIDGET,
    hostWindow: sim.hostWindow as unknown as Window,
  });
  const widget = new WidgetPostMessageTransport({
    parentOrigin: HOST,
    parent: sim.hostWindow as unknown as Window,
    self: sim.frameWindow as unknown as Window,
  });
  const atHost: Array<{ message: unknown; viaPort: FakePort | undefined }> = [];
  const atWidget: unknown[] = [];
  host.subscribe((message) => atHost.push({ message, viaPort: net.deliveringPort }));
  widget.subscribe((message) => atWidget.push(message));
  const hostile: FakeChannel[] = [];
  let sentByWidget = 0;
  let sentByHost = 0;
  let strays = 0;
  widget.send(VERSIONS_REQUEST);
  for (const message of HANDSHAKE) host.send(message);
  const run = async (
    s: fc.Arbitrary<unknown> extends never ? never : { kind: string; pick?: number; count?: number },
  ) => {
    switch (s.kind) {
      case "deliver":
        net.step(s.pick ?? 0);
        break;
      case "widget sends":
        for (let i = 0; i < (s.count ?? 1); i++) widget.send(request("w", sentByWidget++));
        break;
      case "host sends":
        for (let i = 0; i < (s.count ?? 1); i++) host.send(request("h", sentByHost++));
        break;
      // The page's and the parent's messages share the window's queue with the session's own.
      case "page: another widget":
      case "page: same widget":
        sim.hostWindow.postMessage(
          stray("fromWidget", s.kind.endsWith("same widget") ? "w" : "other", strays++),
          HOST,
        );
        break;
      case "parent: another widget":
      case "parent: same widget":
        sim.frameWindow.postMessage(
          stray("toWidget", s.kind.endsWith("same widget") ? "w" : "other", strays++),
          WIDGET,
        );
        break;
      case "sibling offers":
      case "other origin offers": {
        const channel = new FakeChannel();
        hostile.push(channel);
        const fromSibling = s.kind === "sibling offers";
        sim.postToHost(
          { [FAST_PATH_VERSION]: "offer", id: `hostile${hostile.length}` },
          fromSibling ? WIDGET : "https://evil.example",
          fromSibling ? sim.sibling : sim.frameWindow,
          [channel.port2],
        );
        break;
      }
    }
    await microtasks();
  };
  const drain = async () => {
    for (let guard = 0; guard < 100_000; guard++) {
      await microtasks();
      if (!net.step(0)) {
        await microtasks();
        if (net.queues.every((q) => q.items.length === 0)) return;
      }
    }
    throw new Error("the queues never drained");
  };
  return {
    sim,
    host,
    widget,
    atHost,
    atWidget,
    hostile,
    run,
    drain,
    sent: () => ({ byWidget: sentByWidget, byHost: sentByHost }),
  };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("fuzz: the fast-path switch under any delivery order", () => {
  it(
    "loses, duplicates and reorders nothing either way, and never takes a sibling's or another origin's port",
    async () => {
      vi.stubGlobal("MessageChannel", FakeChannel);
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), async (steps) => {
          const t = setup();
          for (const s of steps) await t.run(s);
          await t.drain();
          const { byWidget, byHost } = t.sent();
          // Messages for another widget reach the transports' listeners (the session drops them)
          // and change nothing else.
          expect(t.atHost.map((e) => e.message).filter((m) => !isStray(m))).toEqual([
            VERSIONS_REQUEST,
            ...Array.from({ length: byWidget }, (_, n) => request("w", n)),
          ]);
          expect(t.atWidget.filter((m) => !isStray(m))).toEqual([
            ...HANDSHAKE,
            ...Array.from({ length: byHost }, (_, n) => request("h", n)),
          ]);
          // The switch always completes once the handshake has been delivered.
          expect(t.host.fastPath.active).toBe(true);
          expect(t.widget.fastPath?.active).toBe(true);
          // A hostile port never heard a thing.
          for (const channel of t.hostile) expect(channel.port1.received).toEqual([]);
          t.widget.close();
          t.host.close();
        }),
        fuzzParams(150),
      );
    },
    fuzzTimeout(30_000),
  );

  it(
    "after a reload, nothing that arrives on a port reaches the host's session",
    async () => {
      vi.stubGlobal("MessageChannel", FakeChannel);
      await fc.assert(
        fc.asyncProperty(
          fc.array(step, { minLength: 1, maxLength: 40 }),
          fc.array(step, { minLength: 0, maxLength: 40 }),
          async (before, after) => {
            const t = setup();
            for (const s of before) await t.run(s);
            t.sim.load();
            expect(t.host.fastPath.active).toBe(false);
            const seenAtLoad = t.atHost.length;
            const oldPorts = new Set(net.ports);
            // The old document keeps using what it held (as a page that kept its port elsewhere
            // would); a port offered after the load counts as the new document's.
            for (const s of after) await t.run(s);
            await t.drain();
            const late = t.atHost.slice(seenAtLoad);
            expect(late.filter((e) => e.viaPort !== undefined && oldPorts.has(e.viaPort))).toEqual([]);
            t.widget.close();
            t.host.close();
          },
        ),
        fuzzParams(150),
      );
    },
    fuzzTimeout(30_000),
  );
  it(
    "with something else speaking as the session on either window, loses and duplicates nothing",
    async () => {
      vi.stubGlobal("MessageChannel", FakeChannel);
      const byId = (a: unknown, b: unknown) =>
        String((a as WireMessage).requestId).localeCompare(String((b as WireMessage).requestId));
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof({ weight: 12, arbitrary: step }, { weight: 1, arbitrary: sessionStray }), {
            minLength: 1,
            maxLength: 60,
          }),
          async (steps) => {
            const t = setup();
            for (const s of steps) await t.run(s);
            await t.drain();
            const { byWidget, byHost } = t.sent();
            // The window and the port have no order between them, so once a side goes back to the
            // window its messages may be handled out of order; each exactly once all the same.
            expect(
              t.atHost
                .map((e) => e.message)
                .filter((m) => !isStray(m))
                .sort(byId),
            ).toEqual(
              [VERSIONS_REQUEST, ...Array.from({ length: byWidget }, (_, n) => request("w", n))].sort(byId),
            );
            expect(t.atWidget.filter((m) => !isStray(m)).sort(byId)).toEqual(
              [...HANDSHAKE, ...Array.from({ length: byHost }, (_, n) => request("h", n))].sort(byId),
            );
            // Both ends agree on the channel once everything was delivered.
            expect(t.host.fastPath.active).toBe(t.widget.fastPath?.active);
            for (const channel of t.hostile) expect(channel.port1.received).toEqual([]);
            t.widget.close();
            t.host.close();
          },
        ),
        fuzzParams(150),
      );
    },
    fuzzTimeout(30_000),
  );
});
