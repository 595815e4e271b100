import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openPage, startOrigins, type Origins } from "../browser/harness/index.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));
const page = (bundle: string) =>
  `<!doctype html><meta charset="utf-8"><body><script type="module" src="/bundle/${bundle}.js"></script></body>`;

const NAV = "org.matrix.msc2931.navigate";
const SEARCH = "org.matrix.msc3973.user_directory_search";

let browser: Browser;
let origins: Origins;

beforeAll(async () => {
  origins = await startOrigins();
  for (const name of ["mwa-widget", "our-host", "mwa-host", "our-widget"])
    origins.registerBundle(name, fixture(name));
  origins.setPage("host", "/our-host.html", page("our-host"));
  origins.setPage("host", "/mwa-host.html", page("mwa-host"));
  origins.setPage("widget", "/mwa-widget.html", page("mwa-widget"));
  origins.setPage("widget", "/our-widget.html", page("our-widget"));
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await origins?.close();
});

describe("their widget (matrix-widget-api WidgetApi) in our host", () => {
  async function open(caps: string[], approve: string[]) {
    const opened = await openPage(browser);
    const widget = `${origins.widgetOrigin}/mwa-widget.html?caps=${encodeURIComponent(caps.join(","))}`;
    await opened.page.goto(
      `${origins.hostOrigin}/our-host.html?widget=${encodeURIComponent(widget)}&approve=${encodeURIComponent(approve.join(","))}`,
    );
    const frame = await opened.frameByOrigin(origins.widgetOrigin);
    await frame.waitForFunction(() => "mwa" in window);
    return { ...opened, frame };
  }

  it("negotiates: their widget becomes ready with exactly the capabilities our policy approved", async () => {
    const { page, frame, close } = await open([NAV, SEARCH], [NAV]);
    await frame.evaluate(() => (window as never as { mwa: { ready(): Promise<boolean> } }).mwa.ready());
    await page.evaluate(() => (window as never as { host: { ready(): Promise<boolean> } }).host.ready());
    expect(
      await page.evaluate(() => (window as never as { host: { granted(): string[] } }).host.granted()),
    ).toEqual([NAV]);
    const notified = await frame.evaluate(() =>
      (window as never as { mwa: { notified(): unknown[] } }).mwa.notified(),
    );
    expect(notified).toEqual([{ requested: [NAV, SEARCH], approved: [NAV] }]);
    const widgetVersions = await page.evaluate(() =>
      (window as never as { host: { widgetVersions(): string[] } }).host.widgetVersions(),
    );
    expect(widgetVersions).toContain("org.matrix.msc2871");
    await close();
  });

  it("renegotiates: their request_capabilities gets the new capability approved and notified", async () => {
    const { frame, page, close } = await open([NAV], [NAV, SEARCH]);
    await frame.evaluate(() => (window as never as { mwa: { ready(): Promise<boolean> } }).mwa.ready());
    const ask = await frame.evaluate(() =>
      (window as never as { mwa: { askMore(c: string[]): Promise<{ ok: boolean }> } }).mwa.askMore([
        "org.matrix.msc3973.user_directory_search",
      ]),
    );
    expect(ask.ok).toBe(true);
    await page.waitForFunction(
      () => (window as never as { host: { granted(): string[] } }).host.granted().length === 2,
    );
    await frame.waitForFunction(
      () => (window as never as { mwa: { notified(): unknown[] } }).mwa.notified().length === 2,
    );
    const notified = await frame.evaluate(() =>
      (window as never as { mwa: { notified(): unknown[] } }).mwa.notified(),
    );
    expect(notified[1]).toEqual({ requested: [NAV, SEARCH], approved: [NAV, SEARCH] });
    await close();
  });

  it("navigates: their navigateTo reaches our driver as a parsed target", async () => {
    const { page, frame, close } = await open([NAV], [NAV]);
    await frame.evaluate(() => (window as never as { mwa: { ready(): Promise<boolean> } }).mwa.ready());
    const result = await frame.evaluate(() =>
      (window as never as { mwa: { navigate(u: string): Promise<{ ok: boolean }> } }).mwa.navigate(
        "https://matrix.to/#/%23lobby:example.org?via=example.org",
      ),
    );
    expect(result).toEqual({ ok: true, value: {} });
    const navigations = await page.evaluate(() =>
      (window as never as { host: { navigations(): unknown[] } }).host.navigations(),
    );
    expect(navigations).toEqual([{ type: "room", room: "#lobby:example.org", via: ["example.org"] }]);
    await close();
  });

  it("searches the user directory: their searchUserDirectory gets our driver's results", async () => {
    const { page, frame, close } = await open([SEARCH], [SEARCH]);
    await frame.evaluate(() => (window as never as { mwa: { ready(): Promise<boolean> } }).mwa.ready());
    const result = await frame.evaluate(() =>
      (window as never as { mwa: { search(t: string, l?: number): Promise<unknown> } }).mwa.search("ali", 5),
    );
    expect(result).toEqual({
      ok: true,
      value: { limited: false, results: [{ user_id: "@alice:example.org", display_name: "Alice" }] },
    });
    expect(
      await page.evaluate(() => (window as never as { host: { searches(): unknown[] } }).host.searches()),
    ).toEqual([["ali", 5]]);
    await close();
  });

  it("refuses their navigate without the capability, and our driver is not called", async () => {
    const { page, frame, close } = await open([NAV], []);
    await frame.evaluate(() => (window as never as { mwa: { ready(): Promise<boolean> } }).mwa.ready());
    const result = await frame.evaluate(() =>
      (
        window as never as { mwa: { navigate(u: string): Promise<{ ok: boolean; error?: string }> } }
      ).mwa.navigate("https://matrix.to/#/%23lobby:example.org"),
    );
    expect(result.ok).toBe(false);
    expect(
      await page.evaluate(() =>
        (window as never as { host: { navigations(): unknown[] } }).host.navigations(),
      ),
    ).toEqual([]);
    await close();
  });
});

describe("our widget (WidgetClient) in their host (matrix-widget-api ClientWidgetApi)", () => {
  async function open(caps: string[], approve: string[]) {
    const opened = await openPage(browser);
    const widget = `${origins.widgetOrigin}/our-widget.html?caps=${encodeURIComponent(caps.join(","))}`;
    await opened.page.goto(
      `${origins.hostOrigin}/mwa-host.html?widget=${encodeURIComponent(widget)}&approve=${encodeURIComponent(approve.join(","))}`,
    );
    const frame = await opened.frameByOrigin(origins.widgetOrigin);
    await frame.waitForFunction(() => "ours" in window);
    return { ...opened, frame };
  }
  type Ours = {
    ours: {
      ready(): Promise<{ ok: boolean; value?: string[] }>;
      hostVersions(): Promise<string[]>;
      navigate(u: string): Promise<{ ok: boolean; error?: string }>;
      search(t: string, l?: number): Promise<{ ok: boolean; value?: unknown; error?: string }>;
      slow(ms: number): Promise<{ ok: boolean; code?: string }>;
      unknownAction(ms: number): Promise<{ ok: boolean; error?: string }>;
    };
  };

  it("negotiates: create() resolves with the capabilities their host approved", async () => {
    const { frame, page, close } = await open([NAV, SEARCH], [SEARCH]);
    const ready = await frame.evaluate(() => (window as never as Ours).ours.ready());
    expect(ready).toEqual({ ok: true, value: [SEARCH] });
    await page.evaluate(() => (window as never as { host: { ready(): Promise<boolean> } }).host.ready());
    const versions = await frame.evaluate(() => (window as never as Ours).ours.hostVersions());
    expect(versions).toEqual(
      expect.arrayContaining(["org.matrix.msc2871", "org.matrix.msc3973", "org.matrix.msc2931"]),
    );
    await close();
  });

  it("navigates through their host with the unstable action name it advertises", async () => {
    const { frame, page, close } = await open([NAV], [NAV]);
    await frame.evaluate(() => (window as never as Ours).ours.ready());
    const result = await frame.evaluate(() =>
      (window as never as Ours).ours.navigate("https://matrix.to/#/%23lobby:example.org"),
    );
    expect(result).toEqual({ ok: true });
    expect(
      await page.evaluate(() =>
        (window as never as { host: { navigations(): string[] } }).host.navigations(),
      ),
    ).toEqual(["https://matrix.to/#/%23lobby:example.org"]);
    await close();
  });

  it("searches the user directory through their host and gets a validated reply", async () => {
    const { frame, close } = await open([SEARCH], [SEARCH]);
    await frame.evaluate(() => (window as never as Ours).ours.ready());
    const result = await frame.evaluate(() => (window as never as Ours).ours.search("ali", 3));
    expect(result).toEqual({
      ok: true,
      value: { limited: false, results: [{ user_id: "@alice:example.org", display_name: "Alice (ali, 3)" }] },
    });
    await close();
  });

  it("answers their host's custom toWidget action through a registered handler", async () => {
    const { frame, page, close } = await open([], []);
    await frame.evaluate(() => (window as never as Ours).ours.ready());
    const reply = await page.evaluate(() =>
      (
        window as never as {
          host: { customToWidget(a: string, d: Record<string, unknown>): Promise<unknown> };
        }
      ).host.customToWidget("com.example.hello", { name: "element" }),
    );
    expect(reply).toEqual({ ok: true, value: { greeting: "hello element" } });
    await close();
  });

  it("times out a request their host claims and never answers, with a timeout error", async () => {
    const { frame, close } = await open([], []);
    await frame.evaluate(() => (window as never as Ours).ours.ready());
    const result = await frame.evaluate(() => (window as never as Ours).ours.slow(300));
    expect(result).toMatchObject({ ok: false, code: "timeout" });
    await close();
  });

  it("gets their host's standard error for an action it does not serve", async () => {
    const { frame, close } = await open([], []);
    await frame.evaluate(() => (window as never as Ours).ours.ready());
    const result = await frame.evaluate(() => (window as never as Ours).ours.unknownAction(2000));
    expect(result.ok).toBe(false);
    // matrix-widget-api words it "Unknown or unsupported from-widget action: …"; ours omits "from-widget".
    expect(result.error).toMatch(/^Unknown or unsupported (from-widget )?action: com\.example\.not_served$/);
    await close();
  });
});
