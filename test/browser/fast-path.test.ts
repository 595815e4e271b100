// The MessagePort fast path (issue 11) in Chromium, with the host page and the widget on different
// origins (site-isolated, so each side runs in its own process): our widget and our host move to a
// private port after the handshake; either side's `fastPath: false`, or MSC4412, keeps
// postMessage; a reload closes the port and ends the session as before, and the next document
// gets a port of its own. Hostile cases: a port offered by a sibling frame or from a wrong origin
// is never taken, a second offer is declined while the first port stays, and a port kept past a
// reload (handed to a sibling before it) is not read any more. Stray Widget API messages for another
// widget, either way, leave the port and what is in flight on it alone, and a host that replaces
// ours on the same frame without the fast path (matrix-widget-api's) is never offered a port.
import type { Frame, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fixturePage, startFixtureEnv, type FixtureEnv } from "./fixture-env.js";
import { openPage, type OpenedPage } from "./harness/index.js";
import { waitFor } from "./session-support.js";
import {
  FAST_PATH_KEY,
  FAST_WIDGET_ID,
  type FastHostApi,
  type FastHostConfig,
  type FastProbeApi,
  type FastWidgetApi,
} from "./fixtures/fast-path-types.js";

let env: FixtureEnv;
let hostOrigin: string;
let widgetOrigin: string;
/** The widget's server under the host's host name: the same pages, on an origin nobody pinned. */
let thirdOrigin: string;
const pages: OpenedPage[] = [];

beforeAll(async () => {
  env = await startFixtureEnv(
    {
      "fast-host": "fast-path-host.ts",
      "fast-widget": "fast-path-widget.ts",
      "fast-probe": "fast-path-probe.ts",
    },
    [
      { origin: "host", path: "/host.html", html: fixturePage("fast-host", "host") },
      { origin: "widget", path: "/widget.html", html: fixturePage("fast-widget", "widget") },
      { origin: "widget", path: "/probe.html", html: fixturePage("fast-probe", "probe") },
    ],
  );
  hostOrigin = env.origins.hostOrigin;
  widgetOrigin = env.origins.widgetOrigin;
  thirdOrigin = widgetOrigin.replace("127.0.0.1", "localhost");
}, 120_000);

afterAll(async () => {
  await env?.close();
});

afterEach(async () => {
  for (const p of pages.splice(0)) await p.close();
});

type Target = Page | Frame;

function run<Api, A, R>(
  target: Target,
  global: string,
  fn: (api: Api, arg: A) => R,
  arg: A,
): Promise<Awaited<R>> {
  return target.evaluate(
    ([source, name, a]) => {
      const api = (window as unknown as Record<string, unknown>)[name];
      if (api === undefined) throw new Error(`window.${name} is not there (yet)`);
      return ((0, eval)(`(${source})`) as (api: unknown, arg: unknown) => unknown)(api, a);
    },
    [fn.toString(), global, arg] as const,
  ) as Promise<Awaited<R>>;
}
const onHost = <R, A = undefined>(page: Page, fn: (h: FastHostApi, arg: A) => R, arg?: A) =>
  run(page, "__fast", fn, arg as A);
const onWidget = <R, A = undefined>(frame: Frame, fn: (w: FastWidgetApi, arg: A) => R, arg?: A) =>
  run(frame, "__fastWidget", fn, arg as A);
const onProbe = <R, A = undefined>(frame: Frame, fn: (p: FastProbeApi, arg: A) => R, arg?: A) =>
  run(frame, "__probe", fn, arg as A);

/** The widget URL: our fixture widget (or the probe), with the query the tests ask for. */
function urlOf(
  page: "widget.html" | "probe.html",
  extra: Record<string, string> = {},
  origin = widgetOrigin,
) {
  const query = new URLSearchParams({ widgetId: FAST_WIDGET_ID, parentUrl: hostOrigin, ...extra });
  return `${origin}/${page}?${query.toString()}`;
}

/** The frame whose URL starts with `prefix`, once its fixture has put `global` on its window. */
async function frameAt(page: Page, prefix: string, global: string): Promise<Frame> {
  const frame = await waitFor(
    async () => page.frames().find((f) => f.url().startsWith(prefix)),
    (f) => f !== undefined,
    `a frame at ${prefix}`,
  );
  await waitFor(
    () => (frame as Frame).evaluate((name) => name in window, global),
    (present) => present,
    `window.${global} in ${prefix}`,
  );
  return frame as Frame;
}

/** Opens the host page with the widget at `widgetUrl` and waits for `__fastWidget` or `__probe`. */
async function open(config: Omit<FastHostConfig, "widgetOrigin">): Promise<{ page: Page; p: OpenedPage }> {
  const p = await openPage(env.browser);
  pages.push(p);
  await p.page.goto(`${hostOrigin}/host.html`);
  await onHost(p.page, (h, c) => h.start(c), { ...config, widgetOrigin });
  return { page: p.page, p };
}

async function readyWidget(page: Page, prefix = `${widgetOrigin}/widget.html`): Promise<Frame> {
  const frame = await frameAt(page, prefix, "__fastWidget");
  const status = await waitFor(
    () => onWidget(frame, (w) => w.status),
    (s) => s !== "starting",
    "the widget client to start",
  );
  if (status !== "ready") throw new Error(`the widget failed: ${await onWidget(frame, (w) => w.error)}`);
  return frame;
}

/** Waits until both ends report the fast path as `active`. */
async function bothActive(page: Page, widget: Frame, active: boolean): Promise<void> {
  await waitFor(
    async () => [(await onHost(page, (h) => h.state())).active, await onWidget(widget, (w) => w.active())],
    (both) => both[0] === active && both[1] === active,
    `both ends to report fastPathActive ${active}`,
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const versionsRequest = (requestId: string) => ({
  api: "fromWidget",
  widgetId: FAST_WIDGET_ID,
  requestId,
  action: "supported_api_versions",
  data: {},
});

describe("fast path between our ends", () => {
  it("upgrades after the handshake: requests, bursts and ordered pushes travel over the port, and the window falls silent", async () => {
    const { page, p } = await open({ widgetUrl: urlOf("widget.html") });
    const widget = await readyWidget(page);
    await bothActive(page, widget, true);
    expect((await onHost(page, (h) => h.state())).versions).toContain(FAST_PATH_KEY);

    // The switch on the window, in its order: offer (with one port), switch, switched.
    const controls = (await onHost(page, (h) => h.seen)).filter((s) => s.kind.startsWith("control:"));
    expect(controls).toEqual([
      { kind: "control:offer", fromFrame: true, ports: 1 },
      { kind: "control:switched", fromFrame: true, ports: 0 },
    ]);
    const seenBefore = (await onHost(page, (h) => h.seen)).length;
    const widgetSeenBefore = (await onWidget(widget, (w) => w.windowAfterReady)).length;

    // A burst of 500 requests sent in one task, each answered once with its own text.
    const echoed = await onWidget(widget, (w) => w.echo(500));
    expect(echoed).toEqual(Array.from({ length: 500 }, (_, n) => `t${n}`));
    // Pushes from the host arrive in the order they were sent.
    expect(await onHost(page, (h) => h.push(300))).toBe(300);
    expect(await onWidget(widget, (w) => w.pushes)).toEqual(Array.from({ length: 300 }, (_, n) => n));

    // None of it crossed the window, either way.
    expect((await onHost(page, (h) => h.seen)).slice(seenBefore)).toEqual([]);
    expect((await onWidget(widget, (w) => w.windowAfterReady)).slice(widgetSeenBefore)).toEqual([]);
    expect(p.problems()).toEqual([]);
  });

  it("fastPath: false on the host keeps postMessage: no version advertised, no offer made", async () => {
    const { page } = await open({ widgetUrl: urlOf("widget.html"), fastPath: false });
    const widget = await readyWidget(page);
    await sleep(300);
    expect((await onHost(page, (h) => h.state())).versions).not.toContain(FAST_PATH_KEY);
    expect((await onHost(page, (h) => h.seen)).filter((s) => s.kind.startsWith("control:"))).toEqual([]);
    await bothActive(page, widget, false);
    expect(await onWidget(widget, (w) => w.echo(20))).toHaveLength(20);
  });

  it("fastPath: false on the widget keeps postMessage: no offer made", async () => {
    const { page } = await open({ widgetUrl: urlOf("widget.html", { fastPath: "0" }) });
    const widget = await readyWidget(page);
    await sleep(300);
    expect((await onHost(page, (h) => h.seen)).filter((s) => s.kind.startsWith("control:"))).toEqual([]);
    await bothActive(page, widget, false);
    expect(await onWidget(widget, (w) => w.echo(20))).toHaveLength(20);
  });

  it("an MSC4412 session stays on postMessage", async () => {
    const { page } = await open({ widgetUrl: urlOf("widget.html", { protocol: "msc4412" }) });
    const widget = await readyWidget(page);
    await sleep(300);
    expect((await onHost(page, (h) => h.seen)).filter((s) => s.kind.startsWith("control:"))).toEqual([]);
    await bothActive(page, widget, false);
  });

  it("a reload closes the port and ends the session as before (a pending request gets session_ended); the new document gets a port of its own", async () => {
    const { page } = await open({ widgetUrl: urlOf("widget.html") });
    const widget = await readyWidget(page);
    await bothActive(page, widget, true);
    await onHost(page, (h) => h.stall());
    await sleep(100);
    expect(await onHost(page, (h) => h.stallOutcome)).toBeUndefined();

    await onHost(page, (h, url) => h.load(url), urlOf("widget.html", { doc: "2" }));
    const outcome = await waitFor(
      () => onHost(page, (h) => h.stallOutcome),
      (o) => o !== undefined,
      "the pending request to settle",
    );
    expect(outcome).toEqual({ ok: false, code: "session_ended" });
    expect(await onHost(page, (h) => h.sessionEnds)).toHaveLength(1);

    const reloaded = await readyWidget(page, `${widgetOrigin}/widget.html?widgetId=${FAST_WIDGET_ID}`);
    expect(reloaded.url()).toContain("doc=2");
    await bothActive(page, reloaded, true);
    const offers = (await onHost(page, (h) => h.seen)).filter((s) => s.kind === "control:offer");
    expect(offers).toHaveLength(2);
    expect(await onWidget(reloaded, (w) => w.echo(50))).toHaveLength(50);
  });

  it("destroying the host closes the port: the widget hears it and speaks on the window again", async () => {
    const { page } = await open({ widgetUrl: urlOf("widget.html") });
    const widget = await readyWidget(page);
    await bothActive(page, widget, true);
    await onHost(page, (h) => h.destroy());
    await waitFor(
      () => onWidget(widget, (w) => w.active()),
      (active) => !active,
      "the widget to leave the port",
    );
  });
});

describe("fast path: hostile offers", () => {
  it("a port offered by a sibling frame on the widget's origin is never taken, before or after the switch", async () => {
    const { page } = await open({ widgetUrl: urlOf("widget.html") });
    const widget = await readyWidget(page);
    await bothActive(page, widget, true);
    await onHost(page, (h, url) => h.addSibling(url), urlOf("probe.html", { sibling: "1" }));
    const sibling = await frameAt(page, `${widgetOrigin}/probe.html`, "__probe");
    await onProbe(sibling, (s, origin) => s.offer("sibling-1", origin), hostOrigin);
    await onProbe(
      sibling,
      (s, origin) => s.post({ "dev.matrix_widget_kit.message_port": "switched", id: "sibling-1" }, origin),
      hostOrigin,
    );
    await onProbe(sibling, (s) =>
      s.portSend([
        {
          api: "fromWidget",
          widgetId: "fast-w",
          requestId: "sib",
          action: "dev.test.echo",
          data: { text: "x" },
        },
      ]),
    );
    await sleep(500);
    // The host window did receive it (from the sibling, not the frame), and answered nothing.
    expect(
      (await onHost(page, (h) => h.seen)).filter((s) => s.kind === "control:offer" && !s.fromFrame),
    ).toEqual([{ kind: "control:offer", fromFrame: false, ports: 1 }]);
    expect(await onProbe(sibling, (s) => s.received)).toEqual([]);
    expect(await onProbe(sibling, (s) => s.portReceived)).toEqual([]);
    const handled = await onHost(page, (h) => h.handled);
    expect(handled.filter((a) => a === "dev.test.echo")).toEqual([]);
    // The widget's own port still carries the session.
    await bothActive(page, widget, true);
    expect(await onWidget(widget, (w) => w.echo(5))).toHaveLength(5);
  });

  it("a port offered from a wrong origin in the widget's frame is never taken", async () => {
    const { page } = await open({ widgetUrl: urlOf("probe.html", {}, thirdOrigin) });
    const probe = await frameAt(page, `${thirdOrigin}/probe.html`, "__probe");
    await onProbe(probe, (s, origin) => s.offer("wrong-origin", origin), hostOrigin);
    await sleep(500);
    expect(await onHost(page, (h) => h.seen)).toEqual([{ kind: "control:offer", fromFrame: true, ports: 1 }]);
    expect((await onProbe(probe, (s) => s.received)).filter((k) => k.startsWith("control:"))).toEqual([]);
    expect((await onHost(page, (h) => h.state())).active).toBe(false);
  });

  it("a second offer from the widget's document is declined, and the first port stays in use", async () => {
    const { page } = await open({ widgetUrl: urlOf("widget.html") });
    const widget = await readyWidget(page);
    await bothActive(page, widget, true);
    const again = await onWidget(widget, (w, origin) => w.offerAgain(origin), hostOrigin);
    expect(again).toEqual({ answer: "decline", portMessages: 0 });
    await bothActive(page, widget, true);
    expect(await onWidget(widget, (w) => w.echo(10))).toHaveLength(10);
    expect(await onHost(page, (h) => h.push(10))).toBe(10);
  });

  /** Opens the host with the probe in the widget's frame, and runs the switch by hand under `id`. */
  async function switchedProbe(): Promise<{ page: Page; probe: Frame }> {
    const { page } = await open({ widgetUrl: urlOf("probe.html") });
    const probe = await frameAt(page, `${widgetOrigin}/probe.html`, "__probe");
    await waitFor(
      () => onProbe(probe, (s) => s.received),
      (r) => r.includes("notify_capabilities"),
      "the host's notify_capabilities",
    );
    await onProbe(probe, (s, origin) => s.offer("first", origin), hostOrigin);
    await waitFor(
      () => onProbe(probe, (s) => s.received),
      (r) => r.includes("control:switch"),
      "the host's switch",
    );
    await onProbe(
      probe,
      (s, origin) => s.post({ "dev.matrix_widget_kit.message_port": "switched", id: "first" }, origin),
      hostOrigin,
    );
    await onProbe(probe, (s, m) => s.portSend([m]), versionsRequest("on-port"));
    const replies = await waitFor(
      () => onProbe(probe, (s) => s.portReceived),
      (r) => r.some((json) => json.includes('"on-port"')),
      "the reply on the port",
    );
    // The reply is a batch, and advertises the fast path.
    expect(replies.some((json) => json.startsWith("[") && json.includes(FAST_PATH_KEY))).toBe(true);
    expect((await onHost(page, (h) => h.state())).active).toBe(true);
    return { page, probe };
  }

  it("a hand-made peer offering twice: the second offer is declined and the first port stays", async () => {
    const { page, probe } = await switchedProbe();
    await onProbe(probe, (s, origin) => s.offer("second", origin), hostOrigin);
    await waitFor(
      () => onProbe(probe, (s) => s.received),
      (r) => r.includes("control:decline"),
      "the host's decline",
    );
    expect((await onHost(page, (h) => h.state())).active).toBe(true);
    // The declined port hears nothing (the probe now holds it).
    await onProbe(probe, (s, m) => s.post(m, "*"), versionsRequest("on-window"));
    await sleep(300);
    expect(
      (await onProbe(probe, (s) => s.portReceived)).filter((json) => json.includes("on-window")),
    ).toEqual([]);
  });

  it("a port handed to a sibling is read until the frame reloads, and never after", async () => {
    const { page, probe } = await switchedProbe();
    await onHost(page, (h, url) => h.addSibling(url), urlOf("probe.html", { sibling: "1" }));
    const sibling = await waitFor(
      async () => page.frames().find((f) => f.url().includes("sibling=1")),
      (f) => f !== undefined,
      "the sibling frame",
    );
    await onProbe(probe, (s) => s.handOff(1));
    await waitFor(
      () => onProbe(sibling!, (s) => s.hasPort()),
      (held) => held,
      "the handed-off port",
    );
    // Still the session's port: the host answers what the sibling sends on it.
    await onProbe(sibling!, (s, m) => s.portSend([m]), versionsRequest("before-reload"));
    await waitFor(
      () => onProbe(sibling!, (s) => s.portReceived),
      (r) => r.some((json) => json.includes('"before-reload"')),
      "the reply before the reload",
    );
    const handledBefore = (await onHost(page, (h) => h.handled)).length;

    await onHost(page, (h, url) => h.load(url), urlOf("probe.html", { doc: "2" }));
    await waitFor(
      () => onHost(page, (h) => h.state()),
      (st) => !st.active,
      "the host to give up the port",
    );
    await onProbe(sibling!, (s, m) => s.portSend([m]), versionsRequest("after-reload"));
    await sleep(500);
    expect(
      (await onProbe(sibling!, (s) => s.portReceived)).filter((j) => j.includes("after-reload")),
    ).toEqual([]);
    expect((await onHost(page, (h) => h.handled)).slice(handledBefore)).toEqual([]);
  });
});

describe("fast path: other Widget API speakers (hostile)", () => {
  it("a stray Widget API message for another widget while the port is live: pending requests on the port still get answered", async () => {
    const { page } = await open({ widgetUrl: urlOf("widget.html") });
    const widget = await readyWidget(page);
    await bothActive(page, widget, true);
    await onWidget(widget, (w) => w.startSlow("slow 1", 5000));
    await waitFor(
      () => onHost(page, (h) => h.handled),
      (handled) => handled.includes("dev.test.slow"),
      "the host to hold the slow request",
    );

    // A second Widget API library in the widget's page speaks to the parent as another widget;
    // the widget's requests sent right behind it, on the port, are answered.
    const stray = { ...versionsRequest("stray-from-page"), widgetId: "another-widget" };
    const echoed = await onWidget(
      widget,
      (w, [message, origin]) => w.strayThenEcho(message, origin, 20, 3000),
      [stray, hostOrigin] as const,
    );
    expect(echoed).toEqual(Array.from({ length: 20 }, (_, n) => ({ ok: true, echoed: `s${n}` })));

    // The parent posts a message for another of its widgets to this frame; the reply it sends right
    // behind it on the port reaches the widget.
    await onHost(page, (h, message) => h.strayToFrameThenRelease(message), {
      api: "toWidget",
      widgetId: "another-widget",
      requestId: "stray-from-parent",
      action: "capabilities",
      data: {},
    });
    const outcome = await waitFor(
      () => onWidget(widget, (w) => w.slowOutcome),
      (o) => o !== undefined,
      "the slow request to settle",
    );
    expect(outcome).toEqual({ ok: true, echoed: "slow 1" });
    await bothActive(page, widget, true);
    expect(await onWidget(widget, (w) => w.echo(5))).toHaveLength(5);
  });

  it("host replaced by a non-fast-path host: that host never sees an offer", async () => {
    const { page } = await open({ widgetUrl: urlOf("widget.html") });
    const widget = await readyWidget(page);
    await bothActive(page, widget, true);
    const seenBefore = (await onHost(page, (h) => h.seen)).length;

    // matrix-widget-api's ClientWidgetApi takes the frame over; the widget asks it for a capability
    // (MSC2974), which it answers with notify_capabilities: the moment our host's notify had the
    // widget offer a port.
    await onHost(page, (h) => h.replaceWithTheirs());
    await waitFor(
      () => onWidget(widget, (w) => w.active()),
      (active) => !active,
      "the widget to leave the port",
    );
    const granted = await onWidget(widget, (w) => w.requestCapabilities(["org.matrix.msc2931.navigate"]));
    expect(granted).toContain("org.matrix.msc2931.navigate");
    await sleep(500);
    const seen = (await onHost(page, (h) => h.seen)).slice(seenBefore);
    // It heard the widget on the window, and nothing of the fast path: no control, no port.
    expect(seen.filter((s) => s.fromFrame).map((s) => s.kind)).toContain(
      "org.matrix.msc2974.request_capabilities",
    );
    expect(seen.filter((s) => s.kind.startsWith("control:") || s.ports > 0)).toEqual([]);
    expect(await onWidget(widget, (w) => w.active())).toBe(false);
  });
});
