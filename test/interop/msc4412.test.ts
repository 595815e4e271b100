// MSC4412 in Chromium, host and widget on different origins: our WidgetClient in msc4412 mode
// against our WidgetHost, "auto" against matrix-widget-api's ClientWidgetApi (which falls back to
// classic), and a hand-written raw MSC4412 widget through the handshake, a request, an
// acknowledged-then-notified action and a reload.
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  launchBrowser,
  openPage,
  startOrigins,
  type OpenedPage,
  type Origins,
} from "../browser/harness/index.js";
import { UUID_V4 } from "../../src/protocol/envelope.js";
import { CAP } from "./fixtures/data.js";
import type { MwaHostApi } from "./fixtures/mwa-host.js";
import type { Msc4412HostApi } from "./fixtures/msc4412-host.js";
import type { RawMsc4412Api } from "./fixtures/msc4412-raw.js";
import type { Msc4412WidgetApi } from "./fixtures/msc4412-widget.js";
import { POLL, bridge, frameWith } from "./support.js";

const BUNDLES = ["msc4412-host", "msc4412-widget", "msc4412-raw", "mwa-host"];
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));
const html = (bundle: string) =>
  `<!doctype html><meta charset="utf-8"><body><script type="module" src="/bundle/${bundle}.js"></script></body>`;

let origins: Origins;
let browser: Browser;
let opened: OpenedPage | undefined;

beforeAll(async () => {
  origins = await startOrigins();
  for (const name of BUNDLES) origins.registerBundle(name, fixture(name));
  origins.setPage("host", "/msc4412-host.html", html("msc4412-host"));
  origins.setPage("host", "/mwa-host.html", html("mwa-host"));
  origins.setPage("widget", "/msc4412-widget.html", html("msc4412-widget"));
  origins.setPage("widget", "/msc4412-raw.html", html("msc4412-raw"));
  await Promise.all(BUNDLES.map((name) => origins.bundle(name)));
  browser = await launchBrowser();
});

afterEach(async () => {
  const page = opened;
  opened = undefined;
  if (!page) return;
  const errors = page.pageErrors();
  await page.close();
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await origins?.close();
});

async function openHost(hostPage: string, widgetPage: string, query: Record<string, string>): Promise<Page> {
  opened = await openPage(browser);
  const widget = `${origins.widgetOrigin}/${widgetPage}`;
  await opened.page.goto(`${origins.hostOrigin}/${hostPage}?${new URLSearchParams({ widget, ...query })}`);
  return opened.page;
}

type Wire = Record<string, unknown>;

/** Every message after the widget's first MSC4412 one has the MSC4412 envelope and no widgetId. */
function expectMsc4412(messages: Wire[], source: "host" | "widget") {
  expect(messages.length).toBeGreaterThan(0);
  for (const message of messages) {
    expect(message).toMatchObject({ source, version: "v1" });
    expect(String(message.requestId)).toMatch(UUID_V4);
    expect(message).not.toHaveProperty("widgetId");
    expect(message).not.toHaveProperty("api");
  }
}

describe("MSC4412 in Chromium (host and widget on different origins)", () => {
  it("our WidgetClient in msc4412 mode gets its session from our host, and a request works, all in MSC4412 envelopes", async () => {
    const page = await openHost(
      "msc4412-host.html",
      "msc4412-widget.html?protocol=msc4412&caps=" + CAP.navigate,
      {
        approve: CAP.navigate,
      },
    );
    const frame = await frameWith(page, "widgetId=msc4412-widget");
    await frame.waitForFunction(() => "widget" in window);
    const widget = bridge<Msc4412WidgetApi>(frame, "widget");
    const host = bridge<Msc4412HostApi>(page, "host");
    expect(await widget.ready()).toEqual({ ok: true, value: [CAP.navigate] });
    expect(await widget.dialect()).toBe("msc4412");
    expect(await host.dialect()).toBe("msc4412");
    expect(await host.state()).toBe("ready");
    expect(await widget.navigate("https://matrix.to/#/#room:example.org")).toEqual({
      ok: true,
      value: undefined,
    });
    expect(await host.navigations()).toBe(1);
    expectMsc4412((await host.received()) as Wire[], "widget");
    const toWidget = (await widget.received()) as Wire[];
    const first = toWidget.findIndex((message) => "source" in message);
    expectMsc4412(toWidget.slice(first), "host");
    expect(toWidget.slice(first).map((message) => message.action)).toContain("notify_capabilities");
  });

  it("our WidgetClient in msc4412 mode gets a fresh session after a reload, and the old one ends exactly once", async () => {
    const page = await openHost(
      "msc4412-host.html",
      "msc4412-widget.html?protocol=msc4412&caps=" + CAP.navigate,
      {
        approve: CAP.navigate,
      },
    );
    let frame = await frameWith(page, "widgetId=msc4412-widget");
    await frame.waitForFunction(() => "widget" in window);
    const host = bridge<Msc4412HostApi>(page, "host");
    expect(await bridge<Msc4412WidgetApi>(frame, "widget").ready()).toEqual({
      ok: true,
      value: [CAP.navigate],
    });
    await host.reload();
    await expect.poll(() => host.readyCount(), POLL).toBe(2);
    frame = await frameWith(page, "widgetId=msc4412-widget");
    await frame.waitForFunction(() => "widget" in window);
    const widget = bridge<Msc4412WidgetApi>(frame, "widget");
    expect(await widget.ready()).toEqual({ ok: true, value: [CAP.navigate] });
    expect(await host.ended()).toHaveLength(1);
    expect(await host.dialect()).toBe("msc4412");
    expect(await host.state()).toBe("ready");
    expect(await widget.navigate("https://matrix.to/#/#room:example.org")).toEqual({
      ok: true,
      value: undefined,
    });
    // The load of the new document did not end its session after the fact.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await host.ended()).toHaveLength(1);
  });

  it('"auto" against matrix-widget-api\'s ClientWidgetApi falls back to classic within the bounded wait and gets its session', async () => {
    const page = await openHost(
      "mwa-host.html",
      `msc4412-widget.html?protocol=auto&caps=${encodeURIComponent([CAP.navigate, CAP.search].join(","))}`,
      { approve: CAP.search },
    );
    const frame = await frameWith(page, "widgetId=our-widget");
    await frame.waitForFunction(() => "widget" in window);
    const widget = bridge<Msc4412WidgetApi>(frame, "widget");
    const host = bridge<MwaHostApi>(page, "host");
    expect(await widget.ready()).toEqual({ ok: true, value: [CAP.search] });
    expect(await host.ready()).toBe(true);
    expect(await widget.dialect()).toBe("classic");
    const createMs = await widget.createMs();
    console.log(`auto against ClientWidgetApi: create() took ${Math.round(createMs ?? -1)} ms`);
    expect(createMs).toBeGreaterThanOrEqual(1000);
    expect(createMs).toBeLessThan(5000);
    // Their host asked once, on load, and that request was answered after the fallback.
    expect(await host.sent("capabilities")).toHaveLength(1);
    expect(await host.hasCapability(CAP.search)).toBe(true);
  });

  it("a raw MSC4412 widget: handshake, an acknowledged-then-notified capability request, a request, and a reload that ends the session", async () => {
    const page = await openHost("msc4412-host.html", "msc4412-raw.html", {
      approve: CAP.navigate,
      consent: "ask",
    });
    let frame = await frameWith(page, "widgetId=msc4412-widget");
    await frame.waitForFunction(() => "raw" in window);
    let raw = bridge<RawMsc4412Api>(frame, "raw");
    const host = bridge<Msc4412HostApi>(page, "host");

    const loaded = await raw.contentLoaded();
    expect(loaded).toEqual({
      source: "host",
      action: "content_loaded",
      requestId: expect.stringMatching(UUID_V4),
      response: {},
      version: "v1",
    });
    expect(await host.dialect()).toBe("msc4412");

    // Acknowledged at once, while the consent prompt is still open.
    const ack = await raw.requestCapabilities([CAP.navigate]);
    expect(ack).toMatchObject({ source: "host", action: "request_capabilites", response: {} });
    expect(ack).not.toHaveProperty("request");
    expect(await host.deciding()).toBe(true);
    expect(await host.state()).toBe("negotiating");
    // A request before the session is refused, in the MSC4412 envelope.
    expect(await raw.navigate("https://matrix.to/#/#room:example.org")).toMatchObject({
      source: "host",
      response: { error: { code: "out_of_sequence" } },
    });

    await host.decide([CAP.navigate]);
    await expect
      .poll(async () => (await raw.log()).filter((message) => message.action === "notify_capabilities"), POLL)
      .toEqual([
        {
          source: "host",
          action: "notify_capabilities",
          requestId: expect.stringMatching(UUID_V4),
          request: { requested: [CAP.navigate], approved: [CAP.navigate] },
          version: "v1",
        },
      ]);
    // The raw widget acknowledged it: nothing left waiting on the host.
    await expect.poll(() => host.pending(), POLL).toBe(0);
    expect(await host.state()).toBe("ready");

    expect(await raw.navigate("https://matrix.to/#/#room:example.org")).toMatchObject({ response: {} });
    expect(await host.navigations()).toBe(1);

    // Everything the host sent after the widget's first message was MSC4412.
    const log = (await raw.log()) as Wire[];
    expectMsc4412(log.slice(log.findIndex((message) => "source" in message)), "host");

    await host.reload();
    await expect.poll(() => host.ended(), POLL).toHaveLength(1);
    expect(await host.granted()).toEqual([]);
    expect(await host.dialect()).toBeNull();
    frame = await frameWith(page, "widgetId=msc4412-widget");
    await frame.waitForFunction(() => "raw" in window);
    raw = bridge<RawMsc4412Api>(frame, "raw");
    // The new document is asked again: nothing carried over.
    await raw.contentLoaded();
    await raw.requestCapabilities([CAP.navigate]);
    await expect.poll(() => host.deciding(), POLL).toBe(true);
    await host.decide([]);
    await expect.poll(() => host.readyCount(), POLL).toBe(2);
    expect(await host.granted()).toEqual([]);
    expect(await raw.navigate("https://matrix.to/#/#room:example.org")).toMatchObject({
      response: { error: { code: "missing_capability" } },
    });
  });
});
