// The React bindings in Chromium: a StrictMode widget under WidgetClientProvider, on another
// origin than its host (our WidgetHost over the in-memory world), using every hook. Asserts what
// the widget renders and what crossed the wire.
import { fileURLToPath } from "node:url";
import type { Frame, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  REACT_DEBOUNCE_MS,
  REACT_INITIAL_CAPABILITIES,
  REACT_LATER_CAPABILITY,
  type ReactHostApi,
  type ReactWidgetRecord,
} from "./fixtures/react-types.js";
import { launchBrowser, openPage, startOrigins, type OpenedPage, type Origins } from "./harness/index.js";
import type { Browser } from "playwright-core";

const fixture = (file: string): string => fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url));
const PAGE = (bundle: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">` +
  `<script type="module" src="/bundle/${bundle}.js"></script></head><body></body></html>`;

type HostCounts = Omit<
  ReactHostApi,
  | "takeErrors"
  | "state"
  | "delaySearch"
  | "releaseApproval"
  | "sendMessage"
  | "setTopic"
  | "setSettings"
  | "setTheme"
  | "setLanguage"
>;

const readHost = (page: Page): Promise<HostCounts> =>
  page.evaluate(() => {
    const host = (window as unknown as { __reactHost: ReactHostApi }).__reactHost;
    return {
      capabilityRequests: host.capabilityRequests,
      notifies: host.notifies,
      versionRequests: host.versionRequests,
      approvals: host.approvals,
      searches: [...host.searches],
      errors: [...host.errors],
    };
  });

const readWidget = (frame: Frame): Promise<ReactWidgetRecord> =>
  frame.evaluate(() => (window as unknown as { __reactWidget: ReactWidgetRecord }).__reactWidget);

const text = (frame: Frame, id: string): Promise<string> =>
  frame.evaluate((selector) => document.querySelector(selector)?.textContent ?? "", `#${id}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("matrix-widget-kit/react in Chromium (StrictMode widget, cross-origin, our WidgetHost on MemoryDriver)", () => {
  let origins: Origins;
  let browser: Browser;
  const opened: OpenedPage[] = [];

  beforeAll(async () => {
    origins = await startOrigins();
    origins.registerBundle("react-host", fixture("react-host.ts"));
    origins.registerBundle("react-widget", fixture("react-widget.ts"));
    await Promise.all([origins.bundle("react-host"), origins.bundle("react-widget")]);
    origins.setPage("host", "/react-host.html", PAGE("react-host"));
    origins.setPage("widget", "/react-widget.html", PAGE("react-widget"));
    browser = await launchBrowser();
  });
  afterEach(async () => {
    for (const p of opened.splice(0)) {
      const problems = p.problems();
      const errors = await readHost(p.page).then((host) => host.errors);
      await p.close();
      expect(problems).toEqual([]);
      // No push refused, no request failed, on either side.
      expect(errors).toEqual([]);
    }
  });
  afterAll(async () => {
    await browser?.close();
    await origins?.close();
  });

  /** Opens the host page with the React widget and waits until the provider's client is ready. */
  async function open({
    broken = false,
    ssr = false,
    notes = false,
    holdApproval = false,
    expected = "ready",
  }: {
    broken?: boolean;
    ssr?: boolean;
    notes?: boolean;
    holdApproval?: boolean;
    expected?: string | RegExp;
  } = {}): Promise<{
    page: Page;
    frame: Frame;
    readyMs: number;
  }> {
    const p = await openPage(browser);
    opened.push(p);
    const query = new URLSearchParams();
    if (broken) query.set("broken", "1");
    if (ssr) query.set("ssr", "1");
    if (notes) query.set("notes", "1");
    const widget = `${origins.widgetOrigin}/react-widget.html?${query.toString()}`;
    const startedAt = Date.now();
    const hold = holdApproval ? "&holdApproval=1" : "";
    await p.page.goto(`${origins.hostOrigin}/react-host.html?widget=${encodeURIComponent(widget)}${hold}`);
    const frame = await p.frameByOrigin(origins.widgetOrigin, 20_000);
    await expect.poll(() => text(frame, "status"), { timeout: 15_000 }).toMatch(expected);
    return { page: p.page, frame, readyMs: Date.now() - startedAt };
  }

  it("a StrictMode double mount creates one client and negotiates once: one versions request, one capabilities request, one notify, one approval", async () => {
    const { page, frame, readyMs } = await open();
    process.stdout.write(`\nReact widget under StrictMode: page load to provider ready ${readyMs} ms\n`);
    expect((await readWidget(frame)).mountEffects).toBe(2);
    expect((await readWidget(frame)).beforeStartCalls).toBe(1);
    await expect.poll(() => text(frame, "granted")).toBe([...REACT_INITIAL_CAPABILITIES].sort().join(","));
    // Give a second client, had there been one, time to ask for its session (it would ask again
    // 0.5 s after load, and our host resends its request within 0.2 s).
    await sleep(1_000);
    const host = await readHost(page);
    expect(host.versionRequests).toBe(1);
    expect(host.capabilityRequests).toBe(1);
    expect(host.notifies).toBe(1);
    expect(host.approvals).toBe(1);
  });

  it("useWidgetClient reports the error when WidgetClient.create() fails, and the hooks stay in their loading state", async () => {
    const { frame } = await open({ broken: true, expected: /^error: / });
    expect(await text(frame, "status")).toBe(
      "error: No widget ID: pass `widgetId`, or load the widget with a `widgetId` URL parameter",
    );
    expect(await text(frame, "granted")).toBe("");
    expect(await text(frame, "messages-status")).toBe("loading");
  });

  it("markup rendered on the server hydrates without a mismatch, then connects once", async () => {
    const { page, frame } = await open({ ssr: true });
    const record = await readWidget(frame);
    expect(record.serverStatus).toBe("connecting");
    expect(record.recoverableErrors).toEqual([]);
    expect(record.beforeStartCalls).toBe(1);
    await expect.poll(() => text(frame, "messages-status")).toBe("ready");
    expect((await readHost(page)).capabilityRequests).toBe(1);
  });

  it("unmounting the provider destroys its client: a request on it then fails with session_ended", async () => {
    const { frame } = await open();
    await frame.click("#unmount");
    await expect.poll(async () => (await readWidget(frame)).afterUnmount).toBe("session_ended");
    expect(await text(frame, "status")).toBe("");
  });

  it("unmounting the provider while it still connects destroys its client at once, before the host's approval arrives", async () => {
    const { page, frame } = await open({ holdApproval: true, expected: "connecting" });
    await expect.poll(async () => (await readHost(page)).approvals).toBe(1);
    await frame.click("#unmount");
    // Destroyed: a request on the unmounted provider's client fails at once with session_ended.
    await expect.poll(async () => (await readWidget(frame)).afterUnmount).toBe("session_ended");
    await page.evaluate(() =>
      (window as unknown as { __reactHost: ReactHostApi }).__reactHost.releaseApproval(),
    );
  });

  it("useCapabilities re-renders through a renegotiation, and request() resolves with the wider set", async () => {
    const { page, frame } = await open();
    expect(await text(frame, "can-navigate")).toBe("false");
    await frame.click("#more");
    await expect
      .poll(() => text(frame, "more-outcome"))
      .toBe(`granted ${REACT_INITIAL_CAPABILITIES.length + 1}`);
    expect(await text(frame, "granted")).toBe(
      [...REACT_INITIAL_CAPABILITIES, REACT_LATER_CAPABILITY].sort().join(","),
    );
    // has() takes the stable spelling of the unstable capability that was granted.
    expect(await text(frame, "can-navigate")).toBe("true");
    const host = await readHost(page);
    expect(host.capabilityRequests).toBe(1);
    expect(host.notifies).toBe(2);
  });

  it("useRoomEvents shows the current events read from the host, then live ones as they are pushed, each once", async () => {
    const { page, frame } = await open();
    await expect.poll(() => text(frame, "messages-status")).toBe("ready");
    expect((await readWidget(frame)).messageRenders[0]).toEqual(["one", "two"]);
    await page.evaluate(() =>
      (window as unknown as { __reactHost: ReactHostApi }).__reactHost.sendMessage("three"),
    );
    await page.evaluate(() =>
      (window as unknown as { __reactHost: ReactHostApi }).__reactHost.sendMessage("four"),
    );
    await expect
      .poll(async () => (await readWidget(frame)).messageRenders.at(-1))
      .toEqual(["one", "two", "three", "four"]);
    const renders = (await readWidget(frame)).messageRenders;
    for (const bodies of renders) expect(new Set(bodies).size).toBe(bodies.length);
  });

  it("useRoomEvents fails without the receive capability, then fills in once a renegotiation grants it", async () => {
    const { page, frame } = await open({ notes: true });
    await expect.poll(() => text(frame, "notes-status")).toMatch(/^error: /);
    expect(await text(frame, "notes")).toBe("");
    await frame.click("#grant-notes");
    await expect.poll(() => text(frame, "notes-status")).toBe("ready");
    expect(await text(frame, "notes")).toBe("a note");
    // The one refusal is the read before the grant; nothing else failed.
    const refused = await page.evaluate(() =>
      (window as unknown as { __reactHost: ReactHostApi }).__reactHost.takeErrors(),
    );
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/^fromWidget (org\.matrix\.msc2876\.)?read_events: /);
  });

  it("useStateEvents shows the current topic, then the change the host pushes", async () => {
    const { page, frame } = await open();
    await expect.poll(() => text(frame, "topic")).toBe("first topic");
    await page.evaluate(() =>
      (window as unknown as { __reactHost: ReactHostApi }).__reactHost.setTopic("second topic"),
    );
    await expect.poll(() => text(frame, "topic")).toBe("second topic");
  });

  it("useAccountData shows the stored content and follows each change pushed through the watch", async () => {
    const { page, frame } = await open();
    await expect.poll(() => text(frame, "settings")).toBe(JSON.stringify({ colour: "blue" }));
    expect(await text(frame, "settings-live")).toBe("true");
    await page.evaluate(() =>
      (window as unknown as { __reactHost: ReactHostApi }).__reactHost.setSettings({ colour: "green" }),
    );
    await expect.poll(() => text(frame, "settings")).toBe(JSON.stringify({ colour: "green" }));
    await page.evaluate(() =>
      (window as unknown as { __reactHost: ReactHostApi }).__reactHost.setSettings({
        colour: "red",
        size: 2,
      }),
    );
    await expect.poll(() => text(frame, "settings")).toBe(JSON.stringify({ colour: "red", size: 2 }));
  });

  it("useUserDirectorySearch searches only the term typing settled on", async () => {
    const { page, frame } = await open();
    // Keys 40 ms apart, well inside the debounce.
    await frame.locator("#search").pressSequentially("bob", { delay: 40 });
    await expect.poll(() => text(frame, "search-results")).toBe("@bob:example.org");
    expect(await text(frame, "search-term")).toBe("bob");
    expect((await readHost(page)).searches).toEqual(["bob"]);
  });

  it("useUserDirectorySearch drops an older answer that arrives after the newer one", async () => {
    const { page, frame } = await open();
    await page.evaluate(() =>
      (window as unknown as { __reactHost: ReactHostApi }).__reactHost.delaySearch("al", 1_500),
    );
    await frame.fill("#search", "al");
    await expect.poll(async () => (await readHost(page)).searches).toEqual(["al"]);
    await frame.fill("#search", "ali");
    await expect.poll(() => text(frame, "search-term")).toBe("ali");
    expect(await text(frame, "search-results")).toBe("@alice:example.org,@alina:example.org");
    // The answer for "al" lands about 1.5 s after it was asked: long after the one for "ali".
    await sleep(1_500 + REACT_DEBOUNCE_MS);
    expect((await readHost(page)).searches).toEqual(["al", "ali"]);
    expect(await text(frame, "search-term")).toBe("ali");
    expect(await text(frame, "search-results")).toBe("@alice:example.org,@alina:example.org");
    expect((await readWidget(frame)).searchRenders.map((render) => render.term)).not.toContain("al");
  });

  it("useTheme and useLanguage start from the provider's props and follow theme_change and language_change", async () => {
    const { page, frame } = await open();
    expect(await text(frame, "theme")).toBe(JSON.stringify({ name: "light" }));
    expect(await text(frame, "language")).toBe("en");
    const sent = await page.evaluate(async () => {
      const host = (window as unknown as { __reactHost: ReactHostApi }).__reactHost;
      return [await host.setTheme({ name: "dark", accent: "#0dbd8b" }), await host.setLanguage("fr_CA")];
    });
    expect(sent).toEqual([true, true]);
    await expect.poll(() => text(frame, "theme")).toBe(JSON.stringify({ name: "dark", accent: "#0dbd8b" }));
    expect(await text(frame, "language")).toBe("fr_CA");
  });
});
