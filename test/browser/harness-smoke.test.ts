// Proves the cross-origin browser harness works: a host page on
// http://localhost:<a> embedding a widget iframe on http://127.0.0.1:<b>
// (a different site, so a separate renderer process). Measures nothing.
import { fileURLToPath } from "node:url";
import type { Browser, Frame } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchBrowser, openPage, startOrigins, type OpenedPage, type Origins } from "./harness/index.js";
import type { SeenMessage, SmokeHost, SmokeWidget } from "./fixtures/smoke-types.js";

const fixture = (file: string): string => fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url));

const PAGE = (title: string, bundle: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>` +
  `<link rel="icon" href="data:,"><script type="module" src="/bundle/${bundle}.js"></script>` +
  `</head><body></body></html>`;

/** Whether `seen` holds a message whose `data.type` is `type`. */
const hasType = (seen: readonly SeenMessage[], type: string): boolean =>
  seen.some((m) => (m.data as { type?: unknown } | null)?.type === type);

describe("cross-origin browser harness", () => {
  let origins: Origins;
  let browser: Browser;
  let p: OpenedPage;
  let widget: Frame;

  beforeAll(async () => {
    origins = await startOrigins();
    origins.registerBundle("smoke-host", fixture("smoke-host.ts"));
    origins.registerBundle("smoke-widget", fixture("smoke-widget.ts"));
    await Promise.all([origins.bundle("smoke-host"), origins.bundle("smoke-widget")]);
    origins.setPage("host", "/host.html", PAGE("host", "smoke-host"));
    origins.setPage("widget", "/widget.html", PAGE("widget", "smoke-widget"));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await origins?.close();
  });

  beforeEach(async () => {
    p = await openPage(browser);
    const widgetUrl = origins.url(
      "widget",
      `/widget.html?parentOrigin=${encodeURIComponent(origins.hostOrigin)}`,
    );
    await p.page.goto(origins.url("host", `/host.html?widget=${encodeURIComponent(widgetUrl)}`));
    await p.page.waitForFunction(
      () =>
        (window as unknown as { smokeHost?: SmokeHost }).smokeHost?.received.some(
          (m) => (m.data as { type?: unknown } | null)?.type === "ready",
        ) === true,
    );
    widget = await p.frameByOrigin(origins.widgetOrigin);
  });

  afterEach(async () => {
    await p?.close();
  });

  const hostReceived = (): Promise<SeenMessage[]> =>
    p.page.evaluate(() => (window as unknown as { smokeHost: SmokeHost }).smokeHost.received);
  const widgetReceived = (): Promise<SeenMessage[]> =>
    widget.evaluate(() => (window as unknown as { smokeWidget: SmokeWidget }).smokeWidget.received);
  const waitInHost = async (type: string): Promise<void> => {
    await p.page.waitForFunction(
      (t) =>
        (window as unknown as { smokeHost: SmokeHost }).smokeHost.received.some(
          (m) => (m.data as { type?: unknown } | null)?.type === t,
        ),
      type,
    );
  };
  const waitInWidget = async (type: string): Promise<void> => {
    await widget.waitForFunction(
      (t) =>
        (window as unknown as { smokeWidget: SmokeWidget }).smokeWidget.received.some(
          (m) => (m.data as { type?: unknown } | null)?.type === t,
        ),
      type,
    );
  };

  it("serves the host and the widget from different origins (and sites)", async () => {
    expect(origins.hostOrigin).toMatch(/^http:\/\/localhost:\d+$/);
    expect(origins.widgetOrigin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const hostOrigin = await p.page.evaluate(() => location.origin);
    const widgetOrigin = await widget.evaluate(() => location.origin);
    expect(hostOrigin).toBe(origins.hostOrigin);
    expect(widgetOrigin).toBe(origins.widgetOrigin);
    expect(widgetOrigin).not.toBe(hostOrigin);
    expect(widget.parentFrame()).toBe(p.page.mainFrame());

    // Cross-origin: the host cannot reach into the widget's document.
    const peek = await p.page.evaluate(() =>
      (window as unknown as { smokeHost: SmokeHost }).smokeHost.peekWidgetDocument(),
    );
    expect(peek).toBe("SecurityError");

    // Site isolation: the widget is an out-of-process iframe (its own CDP target).
    const cdp = await browser.newBrowserCDPSession();
    try {
      const { targetInfos } = await cdp.send("Target.getTargets");
      const iframes = targetInfos.filter((t) => t.type === "iframe" && t.url.startsWith(`${widgetOrigin}/`));
      expect(iframes).toHaveLength(1);
    } finally {
      await cdp.detach();
    }
    expect(p.problems()).toEqual([]);
  });

  it("echoes postMessage both ways when posting to the exact target origin", async () => {
    // host -> widget -> host
    await p.page.evaluate(
      ({ to }) =>
        (window as unknown as { smokeHost: SmokeHost }).smokeHost.postToWidget({ type: "ping", n: 1 }, to),
      { to: origins.widgetOrigin },
    );
    await waitInHost("pong");
    const atHost = (await hostReceived()).filter((m) => hasType([m], "pong"));
    expect(atHost).toEqual([
      {
        data: { type: "pong", n: 1, from: origins.widgetOrigin },
        origin: origins.widgetOrigin,
        fromPeer: true,
      },
    ]);
    expect((await widgetReceived()).filter((m) => hasType([m], "ping"))).toEqual([
      { data: { type: "ping", n: 1 }, origin: origins.hostOrigin, fromPeer: true },
    ]);

    // widget -> host -> widget
    await widget.evaluate(
      ({ to }) =>
        (window as unknown as { smokeWidget: SmokeWidget }).smokeWidget.postToParent(
          { type: "ping", n: 2 },
          to,
        ),
      { to: origins.hostOrigin },
    );
    await waitInWidget("pong");
    expect((await widgetReceived()).filter((m) => hasType([m], "pong"))).toEqual([
      { data: { type: "pong", n: 2, from: origins.hostOrigin }, origin: origins.hostOrigin, fromPeer: true },
    ]);
    expect(p.problems()).toEqual([]);
  });

  it("does not deliver a message posted with the wrong targetOrigin", async () => {
    const { hostOrigin, widgetOrigin } = origins;
    // widget -> host: its own origin, and the host's port on the widget's hostname, are both wrong.
    await widget.evaluate(
      ({ wrong, right }) => {
        const w = (window as unknown as { smokeWidget: SmokeWidget }).smokeWidget;
        for (const origin of wrong) w.postToParent({ type: "misdirected", origin }, origin);
        w.postToParent({ type: "marker" }, right);
      },
      { wrong: [widgetOrigin, hostOrigin.replace("localhost", "127.0.0.1")], right: hostOrigin },
    );
    // host -> widget: the host's own origin, and the widget's port on the host's hostname.
    await p.page.evaluate(
      ({ wrong, right }) => {
        const h = (window as unknown as { smokeHost: SmokeHost }).smokeHost;
        for (const origin of wrong) h.postToWidget({ type: "misdirected", origin }, origin);
        h.postToWidget({ type: "marker" }, right);
      },
      { wrong: [hostOrigin, widgetOrigin.replace("127.0.0.1", "localhost")], right: widgetOrigin },
    );
    // Messages from one window to another arrive in order, so once the marker
    // is in, the misdirected ones would have been too. Add a round trip for good measure.
    await Promise.all([waitInHost("marker"), waitInWidget("marker")]);
    await p.page.evaluate(
      ({ to }) =>
        (window as unknown as { smokeHost: SmokeHost }).smokeHost.postToWidget({ type: "ping", n: 3 }, to),
      { to: widgetOrigin },
    );
    await waitInHost("pong");

    expect(hasType(await hostReceived(), "misdirected")).toBe(false);
    expect(hasType(await widgetReceived(), "misdirected")).toBe(false);
    // Dropped silently: for a cross-process target, Chromium (156) logs no
    // "target origin ... does not match" console message in either frame.
    expect(p.pageErrors()).toEqual([]);
  });

  it("gives the host event.source === iframe.contentWindow for the widget's messages", async () => {
    await widget.evaluate(
      ({ to }) =>
        (window as unknown as { smokeWidget: SmokeWidget }).smokeWidget.postToParent({ type: "hello" }, to),
      { to: origins.hostOrigin },
    );
    await p.page.evaluate(
      ({ to }) => (window as unknown as { smokeHost: SmokeHost }).smokeHost.postToSelf({ type: "self" }, to),
      { to: origins.hostOrigin },
    );
    await Promise.all([waitInHost("hello"), waitInHost("self")]);
    const received = await hostReceived();
    const byType = (type: string): SeenMessage | undefined => received.find((m) => hasType([m], type));
    expect(byType("ready")).toMatchObject({ origin: origins.widgetOrigin, fromPeer: true });
    expect(byType("hello")).toMatchObject({ origin: origins.widgetOrigin, fromPeer: true });
    // Control: the host's message to itself has a source, but not the iframe's window.
    expect(byType("self")).toMatchObject({ origin: origins.hostOrigin, fromPeer: false });
    expect(p.problems()).toEqual([]);
  });

  it("collects console output and uncaught errors from both frames", async () => {
    await p.page.evaluate(() => console.log("from the host"));
    await widget.evaluate(() => {
      console.warn("from the widget");
      setTimeout(() => {
        throw new Error("widget boom");
      });
    });
    await expect.poll(() => p.pageErrors().length).toBe(1);
    expect(p.consoleMessages("from the host")).toMatchObject([{ type: "log" }]);
    expect(p.consoleMessages("from the widget")).toMatchObject([{ type: "warning" }]);
    expect(p.pageErrors()).toMatchObject([{ text: "Error: widget boom" }]);
  });
});
