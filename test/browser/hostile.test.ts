// Hostile origins in Chromium (security reference §4, items 1–3): the host page runs a WidgetHost
// over HostPostMessageTransport on http://localhost:<a>; its iframe holds either a plain probe
// document or a real WidgetClient. The messages come from the iframe's own window (the right
// `event.source`), so only the origin check stands between them and the WidgetHost: documents on
// lookalike origins (another port, another host name, a prefix, another scheme) and in a sandbox
// without allow-same-origin (origin "null") must get no reply and cause nothing. The widget side
// is tested the same way, embedded by a page on a lookalike of the origin it expects. Siblings,
// popups and navigations are covered by session.test.ts. Every case runs in both dialects: the
// classic protocol and MSC4412 (forged messages in its envelope, the widget in msc4412 mode). The
// widget-side cases also run with LiteWidgetClient, in the classic protocol it speaks.
import { fileURLToPath } from "node:url";
import type { Browser, Frame, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openPage, startOrigins, type OpenedPage, type Origins } from "./harness/index.js";
import { waitFor } from "./session-support.js";
import {
  HOSTILE_WIDGET_ID,
  type HostileHostApi,
  type HostileHostConfig,
  type HostileWidgetApi,
  type ProbeApi,
} from "./fixtures/hostile-types.js";

const NAVIGATE = "org.matrix.msc2931.navigate";
const fixture = (file: string): string => fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url));

/**
 * A page with its bundle inlined. Sandboxed documents have an opaque origin, so a module script
 * fetched from the server would be a cross-origin request the harness does not allow; inline code
 * needs no fetch.
 */
const inlinePage = (title: string, code: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,">` +
  `<script type="module">${code.replaceAll("</script", "<\\/script")}</script></head><body></body></html>`;

type Target = Page | Frame;

/** Runs `fn(window[global], arg)` in a page or frame. `fn` must not close over test variables. */
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
const onHost = <R, A = undefined>(page: Page, fn: (h: HostileHostApi, arg: A) => R, arg?: A) =>
  run(page, "__hostile", fn, arg as A);
const onProbe = <R, A = undefined>(frame: Frame, fn: (p: ProbeApi, arg: A) => R, arg?: A) =>
  run(frame, "__probe", fn, arg as A);
const onWidget = <R, A = undefined>(frame: Frame, fn: (w: HostileWidgetApi, arg: A) => R, arg?: A) =>
  run(frame, "__hostileWidget", fn, arg as A);

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

interface WireMessage {
  api?: string;
  widgetId?: string;
  source?: string;
  version?: string;
  request?: unknown;
  requestId?: string;
  action?: string;
  data?: unknown;
  response?: unknown;
}

type Dialect = "classic" | "msc4412";
const DIALECTS: readonly Dialect[] = ["classic", "msc4412"];

/** A random UUID v4 (MSC4412 request IDs); the test page may not be a secure context. */
function uuidV4(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The forged requests of {@link forged} in the given dialect: in MSC4412 the same actions in its
 * envelope (no widget ID to know, UUID v4 request IDs).
 */
const forgedIn = (dialect: Dialect, tag: string): WireMessage[] =>
  dialect === "classic"
    ? forged(tag)
    : forged(tag).map(({ action, data }) => ({
        source: "widget",
        action,
        requestId: uuidV4(),
        request: data,
        version: "v1",
      }));

/** Request IDs of a list of messages, to find their replies. */
const idsOf = (messages: readonly WireMessage[]): Set<unknown> => new Set(messages.map((m) => m.requestId));

/** Requests as a forger writes them: the right widget ID, one needing no session, one needing a grant. */
const forged = (tag: string): WireMessage[] => [
  {
    api: "fromWidget",
    widgetId: HOSTILE_WIDGET_ID,
    requestId: `${tag}-versions`,
    action: "supported_api_versions",
    data: {},
  },
  {
    api: "fromWidget",
    widgetId: HOSTILE_WIDGET_ID,
    requestId: `${tag}-loaded`,
    action: "content_loaded",
    data: {},
  },
  {
    api: "fromWidget",
    widgetId: HOSTILE_WIDGET_ID,
    requestId: `${tag}-navigate`,
    action: NAVIGATE,
    data: { uri: "https://matrix.to/#/#room:example.org" },
  },
];

/** A notify_capabilities granting NAVIGATE, as the host would send it (classic). */
const forgedNotify = (): WireMessage => ({
  api: "toWidget",
  widgetId: HOSTILE_WIDGET_ID,
  requestId: "forged-notify",
  action: "notify_capabilities",
  data: { requested: [NAVIGATE], approved: [NAVIGATE] },
});

describe.each(DIALECTS)("hostile origins in Chromium (%s)", (dialect) => {
  let origins: Origins;
  let browser: Browser;
  let p: OpenedPage | undefined;
  /** http://localhost:<host port>: the host page. */
  let hostOrigin: string;
  /** http://127.0.0.1:<widget port>: the widget. */
  let widgetOrigin: string;
  let hostPort: string;
  let widgetPort: string;

  beforeAll(async () => {
    origins = await startOrigins();
    hostOrigin = origins.hostOrigin;
    widgetOrigin = origins.widgetOrigin;
    hostPort = new URL(hostOrigin).port;
    widgetPort = new URL(widgetOrigin).port;
    const bundles = ["hostile-host", "hostile-frame", "hostile-widget"] as const;
    for (const name of bundles) origins.registerBundle(name, fixture(`${name}.ts`));
    const [hostCode, frameCode, widgetCode] = await Promise.all(bundles.map((name) => origins.bundle(name)));
    for (const side of ["host", "widget"] as const) {
      origins.setPage(side, "/hostile-host.html", inlinePage("host", hostCode as string));
      origins.setPage(side, "/probe.html", inlinePage("probe", frameCode as string));
      origins.setPage(side, "/widget.html", inlinePage("widget", widgetCode as string));
    }
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await origins?.close();
  });

  afterEach(async () => {
    await p?.close();
    p = undefined;
  });

  /** Everything the widget's frame posted was written in this suite's dialect. */
  async function expectFrameSpokeDialect(page: Page): Promise<void> {
    const fromFrame = await onHost(page, (h) => h.received.filter((r) => r.fromFrame).map((r) => r.data));
    expect(fromFrame.length).toBeGreaterThan(0);
    const field = dialect === "classic" ? "api" : "source";
    expect(fromFrame.filter((data) => !Object.hasOwn(data as object, field))).toEqual([]);
  }

  /** Opens the host page on `pageOrigin` and starts the WidgetHost. */
  async function openHost(pageOrigin: string, config: HostileHostConfig): Promise<Page> {
    p = await openPage(browser);
    await p.page.goto(`${pageOrigin}/hostile-host.html`);
    const started = await onHost(p.page, (h, c) => h.start(c), config);
    expect(started, JSON.stringify(started)).toMatchObject({ ok: true });
    return p.page;
  }

  /**
   * Makes the probe in the widget's iframe post `messages` to the host page, checks that they
   * reached the host window from the iframe's own window on `expectedOrigin`, and that the
   * WidgetHost neither answered nor acted on them.
   */
  async function expectIgnored(page: Page, probe: Frame, expectedOrigin: string, tag: string): Promise<void> {
    const messages = forgedIn(dialect, tag);
    const ids = idsOf(messages);
    expect(await onProbe(probe, (f) => f.origin)).toBe(expectedOrigin);
    // The host has asked the frame for its versions and capabilities, at the pinned origin only.
    await waitFor(
      () => onHost(page, (h) => h.sent as WireMessage[]),
      (sent) => sent.some((m) => m.action === "capabilities"),
      "the host's capabilities request",
    );
    await onProbe(probe, (f, { list, to }) => list.forEach((m) => f.post(m, to)), {
      list: messages,
      to: hostOrigin,
    });
    const seen = await waitFor(
      () => onHost(page, (h) => h.received),
      (all) =>
        messages.every((m) => all.some((r) => (r.data as WireMessage | null)?.requestId === m.requestId)),
      "the forged requests at the host window",
    );
    const arrivals = seen.filter((r) => ids.has((r.data as WireMessage | null)?.requestId));
    expect(arrivals.map((r) => [r.origin, r.fromFrame])).toEqual(messages.map(() => [expectedOrigin, true]));
    // Give any reply time to be sent, then check nothing happened.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const sent = (await onHost(page, (h) => h.sent)) as WireMessage[];
    expect(sent.filter((m) => ids.has(m.requestId))).toEqual([]);
    expect(await onHost(page, (h) => h.driverCalls)).toEqual([]);
    expect((await onHost(page, (h) => h.trace)).filter((t) => t.direction === "fromWidget")).toEqual([]);
    expect(await onHost(page, (h) => h.policyCalls)).toBe(0);
    expect((await onHost(page, (h) => h.snapshot())).state).toBe("negotiating");
    // Nothing the host sent reached the lookalike document either.
    expect(await onProbe(probe, (f) => f.received)).toEqual([]);
  }

  describe("the widget's iframe holds a document on a lookalike origin", () => {
    const cases = [
      {
        name: "the widget's host name on another port",
        url: () => `http://127.0.0.1:${hostPort}/probe.html`,
        origin: () => `http://127.0.0.1:${hostPort}`,
        sandbox: undefined,
      },
      {
        name: "the widget's port on another host name",
        url: () => `http://localhost:${widgetPort}/probe.html`,
        origin: () => `http://localhost:${widgetPort}`,
        sandbox: undefined,
      },
      {
        name: 'the widget\'s own URL, sandboxed without allow-same-origin (origin "null")',
        url: () => `${widgetOrigin}/probe.html`,
        origin: () => "null",
        sandbox: "allow-scripts",
      },
    ];
    for (const c of cases) {
      it(`${c.name}: its requests from the right window get no reply and cause nothing`, async () => {
        const page = await openHost(hostOrigin, {
          frameUrl: c.url(),
          widgetOrigin,
          approve: [NAVIGATE],
          ...(c.sandbox !== undefined ? { sandbox: c.sandbox } : {}),
        });
        const probe = await frameAt(page, c.url(), "__probe");
        await expectIgnored(page, probe, c.origin(), "look");
        expect(p?.problems()).toEqual([]);
      });
    }
  });

  describe("the transport is pinned to a lookalike of the frame's real origin", () => {
    const cases = [
      {
        name: "a prefix of it (one port digit short)",
        pinned: () => `http://127.0.0.1:${widgetPort.slice(0, -1)}`,
      },
      { name: "the same host and port over https", pinned: () => `https://127.0.0.1:${widgetPort}` },
      { name: "the same port on another host name", pinned: () => `http://localhost:${widgetPort}` },
    ];
    for (const c of cases) {
      it(`${c.name}: the real widget origin's requests are ignored`, async () => {
        const page = await openHost(hostOrigin, {
          frameUrl: `${widgetOrigin}/probe.html`,
          widgetOrigin: c.pinned(),
          approve: [NAVIGATE],
        });
        const probe = await frameAt(page, `${widgetOrigin}/probe.html`, "__probe");
        await expectIgnored(page, probe, widgetOrigin, "pinned");
      });
    }

    it("control: pinned to the exact origin (given as a full URL), the same requests are answered, at that origin only", async () => {
      const page = await openHost(hostOrigin, {
        frameUrl: `${widgetOrigin}/probe.html`,
        widgetOrigin: `${widgetOrigin}/some/widget.html?widgetId=x#fragment`,
        approve: [NAVIGATE],
      });
      const probe = await frameAt(page, `${widgetOrigin}/probe.html`, "__probe");
      const messages = forgedIn(dialect, "exact");
      const ids = idsOf(messages);
      const actionOf = new Map(messages.map((m) => [m.requestId, m.action]));
      await onProbe(probe, (f, { list, to }) => list.forEach((m) => f.post(m, to)), {
        list: messages,
        to: hostOrigin,
      });
      const received = await waitFor(
        () => onProbe(probe, (f) => f.received),
        (all) => messages.every((m) => all.some((r) => (r.data as WireMessage).requestId === m.requestId)),
        "the replies in the probe",
      );
      const replies = received.filter((r) => ids.has((r.data as WireMessage).requestId));
      expect(replies.map((r) => r.origin)).toEqual([hostOrigin, hostOrigin, hostOrigin]);
      // Every reply is in the dialect of its request.
      for (const r of replies) {
        expect(r.data).toMatchObject(
          dialect === "classic" ? { api: "fromWidget" } : { source: "host", version: "v1" },
        );
      }
      const byAction = Object.fromEntries(
        replies.map((r) => [
          actionOf.get((r.data as WireMessage).requestId),
          (r.data as WireMessage).response,
        ]),
      );
      if (dialect === "classic") expect(byAction.supported_api_versions).toHaveProperty("supported_versions");
      // MSC4412 drops supported_api_versions.
      else expect(byAction.supported_api_versions).toMatchObject({ error: { code: "unknown_action" } });
      expect(byAction.content_loaded).toEqual({});
      // Not negotiated: a request that needs a session is refused, and the driver is not called.
      expect(byAction[NAVIGATE]).toMatchObject({ error: { code: "out_of_sequence" } });
      expect(await onHost(page, (h) => h.driverCalls)).toEqual([]);
    });

    it("refuses to be pinned to an opaque, wildcard or unparsable origin", async () => {
      p = await openPage(browser);
      await p.page.goto(`${hostOrigin}/hostile-host.html`);
      const results = await onHost(p.page, (h, candidates) => candidates.map((c) => h.tryTransport(c)), [
        "null",
        "*",
        "",
        "127.0.0.1",
        "data:text/html,hi",
        "about:blank",
        "javascript:void 0",
        `${widgetOrigin}/x`,
      ]);
      expect(results.slice(0, -1).every((r) => typeof r === "string" && r.length > 0)).toBe(true);
      expect(results.at(-1)).toBeNull();
    });
  });

  describe("a real widget in a sandboxed iframe", () => {
    const widgetUrl = (parentUrl: string) => {
      const query = new URLSearchParams({
        widgetId: HOSTILE_WIDGET_ID,
        parentUrl,
        readyTimeoutMs: "60000",
        protocol: dialect,
      });
      query.append("cap", NAVIGATE);
      return `${widgetOrigin}/widget.html?${query.toString()}`;
    };

    it('without allow-same-origin (origin "null"): no session is established either way', async () => {
      const page = await openHost(hostOrigin, {
        frameUrl: widgetUrl(hostOrigin),
        widgetOrigin,
        approve: [NAVIGATE],
        sandbox: "allow-scripts",
      });
      const widget = await frameAt(page, `${widgetOrigin}/widget.html`, "__hostileWidget");
      expect(await onWidget(widget, (w) => w.origin)).toBe("null");
      // The widget's own requests reach the host window from the frame, on origin "null"...
      const fromWidget = await waitFor(
        () => onHost(page, (h) => h.received.filter((r) => r.fromFrame)),
        (all) => all.length > 0,
        "the widget's requests at the host window",
      );
      expect(new Set(fromWidget.map((r) => r.origin))).toEqual(new Set(["null"]));
      await new Promise((resolve) => setTimeout(resolve, 300));
      // ...and are not answered; the host's requests, for the widget's origin, never reach it.
      const ids = new Set(fromWidget.map((r) => (r.data as WireMessage).requestId));
      const sent = (await onHost(page, (h) => h.sent)) as WireMessage[];
      expect(sent.filter((m) => ids.has(m.requestId))).toEqual([]);
      expect(await onWidget(widget, (w) => w.received.filter((r) => r.fromParent))).toEqual([]);
      expect(await onWidget(widget, (w) => w.status)).toBe("starting");
      expect((await onHost(page, (h) => h.snapshot())).state).toBe("negotiating");
      expect(await onHost(page, (h) => h.policyCalls)).toBe(0);
    });

    it("control: with allow-same-origin the same widget negotiates normally", async () => {
      const page = await openHost(hostOrigin, {
        frameUrl: widgetUrl(hostOrigin),
        widgetOrigin,
        approve: [NAVIGATE],
        sandbox: "allow-scripts allow-same-origin",
      });
      const widget = await frameAt(page, `${widgetOrigin}/widget.html`, "__hostileWidget");
      expect(
        await waitFor(
          () => onWidget(widget, (w) => w.status),
          (s) => s !== "starting",
          "the widget to start",
        ),
      ).toBe("ready");
      expect(await onWidget(widget, (w) => w.capabilities())).toEqual([NAVIGATE]);
      expect(await onHost(page, (h) => h.snapshot())).toEqual({ state: "ready", granted: [NAVIGATE] });
      await expectFrameSpokeDialect(page);
    });
  });

  describe("the widget, embedded by a page on a lookalike of the origin it expects", () => {
    const cases = [
      {
        name: "the expected port on another host name",
        page: () => `http://127.0.0.1:${hostPort}`,
        parentUrl: () => hostOrigin,
      },
      {
        name: "a prefix of the page's origin",
        page: () => hostOrigin,
        parentUrl: () => `http://localhost:${hostPort.slice(0, -1)}`,
      },
      {
        name: "the page's origin over https",
        page: () => hostOrigin,
        parentUrl: () => `https://localhost:${hostPort}`,
      },
    ];
    // LiteWidgetClient speaks the classic protocol only; its tests say so in their names.
    const clients = dialect === "classic" ? (["full", "lite"] as const) : (["full"] as const);
    for (const client of clients) {
      const named = (name: string) => (client === "lite" ? `LiteWidgetClient: ${name}` : name);

      for (const c of cases) {
        it(
          named(`${c.name}: the widget ignores its parent's requests, and its own never leave`),
          async () => {
            const query = new URLSearchParams({
              widgetId: HOSTILE_WIDGET_ID,
              parentUrl: c.parentUrl(),
              readyTimeoutMs: "60000",
              protocol: dialect,
              client,
            });
            const page = await openHost(c.page(), {
              frameUrl: `${widgetOrigin}/widget.html?${query.toString()}`,
              widgetOrigin,
              approve: [NAVIGATE],
            });
            const widget = await frameAt(page, `${widgetOrigin}/widget.html`, "__hostileWidget");
            expect(await onWidget(widget, (w) => w.clientKind)).toBe(client);
            const fromParent = await waitFor(
              () => onWidget(widget, (w) => w.received.filter((r) => r.fromParent)),
              (all) => all.some((r) => (r.data as WireMessage).action === "capabilities"),
              "the host's capabilities request at the widget window",
            );
            expect(new Set(fromParent.map((r) => r.origin))).toEqual(new Set([c.page()]));
            if (dialect === "classic") {
              // The parent itself grants by a notify_capabilities posted to any origin: it reaches the
              // widget's window from its parent, and must change nothing.
              await page.evaluate((notify) => {
                const frame = document.getElementById("widget") as HTMLIFrameElement;
                frame.contentWindow?.postMessage(notify, "*");
              }, forgedNotify());
              await waitFor(
                () => onWidget(widget, (w) => w.received.filter((r) => r.fromParent)),
                (all) => all.some((r) => (r.data as WireMessage).requestId === "forged-notify"),
                "the forged notify at the widget window",
              );
            }
            await new Promise((resolve) => setTimeout(resolve, 300));
            expect(await onHost(page, (h) => h.received.filter((r) => r.fromFrame))).toEqual([]);
            expect(await onWidget(widget, (w) => w.status)).toBe("starting");
            expect(await onWidget(widget, (w) => w.capabilities())).toEqual([]);
            expect((await onHost(page, (h) => h.snapshot())).state).toBe("negotiating");
            expect(await onHost(page, (h) => h.policyCalls)).toBe(0);
          },
        );
      }

      it(named("control: embedded by the page it expects, the widget negotiates"), async () => {
        const query = new URLSearchParams({
          widgetId: HOSTILE_WIDGET_ID,
          parentUrl: `${hostOrigin}/any/path?x=1`,
          readyTimeoutMs: "60000",
          protocol: dialect,
          client,
        });
        query.append("cap", NAVIGATE);
        const page = await openHost(hostOrigin, {
          frameUrl: `${widgetOrigin}/widget.html?${query.toString()}`,
          widgetOrigin,
          approve: [NAVIGATE],
        });
        const widget = await frameAt(page, `${widgetOrigin}/widget.html`, "__hostileWidget");
        expect(await onWidget(widget, (w) => w.clientKind)).toBe(client);
        expect(
          await waitFor(
            () => onWidget(widget, (w) => w.status),
            (s) => s !== "starting",
            "the widget to start",
          ),
        ).toBe("ready");
        expect(await onWidget(widget, (w) => w.capabilities())).toEqual([NAVIGATE]);
        expect((await onHost(page, (h) => h.snapshot())).state).toBe("ready");
        await expectFrameSpokeDialect(page);
      });
    }
  });
});
