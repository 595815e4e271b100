// Shared setup of the interop suites: the two origins with every fixture page, one browser per
// file, and typed bridges to the `window` APIs the fixture pages expose.
import { fileURLToPath } from "node:url";
import type { Browser, Frame, Page } from "playwright-core";
import type { MwaHostApi } from "./fixtures/mwa-host.js";
import type { OurWidgetApi } from "./fixtures/our-widget.js";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import {
  launchBrowser,
  openPage,
  startOrigins,
  type OpenedPage,
  type Origins,
} from "../browser/harness/index.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));
const html = (bundle: string) =>
  `<!doctype html><meta charset="utf-8"><body><script type="module" src="/bundle/${bundle}.js"></script></body>`;

/** Both origins with the four fixture pages, and a browser. */
export interface InteropEnvironment {
  origins: Origins;
  browser: Browser;
  close(): Promise<void>;
}

/** Starts the servers (host pages on one origin, widgets on the other) and launches Chromium. */
export async function startInterop(): Promise<InteropEnvironment> {
  const origins = await startOrigins();
  for (const name of ["mwa-widget", "our-host", "mwa-host", "our-widget"]) {
    origins.registerBundle(name, fixture(name));
  }
  origins.setPage("host", "/our-host.html", html("our-host"));
  origins.setPage("host", "/mwa-host.html", html("mwa-host"));
  origins.setPage("widget", "/mwa-widget.html", html("mwa-widget"));
  origins.setPage("widget", "/our-widget.html", html("our-widget"));
  // Built up front, so the first test does not pay for esbuild.
  await Promise.all(["mwa-widget", "our-host", "mwa-host", "our-widget"].map((name) => origins.bundle(name)));
  let browser: Browser;
  try {
    browser = await launchBrowser();
  } catch (error) {
    await origins.close();
    throw error;
  }
  return {
    origins,
    browser,
    async close() {
      await browser.close();
      await origins.close();
    },
  };
}

/** A page or frame API as seen from Node: every method is async and returns the serialised result. */
export type Remote<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/**
 * A typed bridge to `window[name]` in a page or frame: `bridge<Api>(frame, "mwa").sendRoomEvent(…)`
 * runs `window.mwa.sendRoomEvent(…)` there and resolves with its (awaited, serialised) result.
 */
export function bridge<T>(target: Page | Frame, name: string): Remote<T> {
  return new Proxy({} as Remote<T>, {
    get(_, method) {
      if (typeof method !== "string" || method === "then") return undefined;
      return (...args: unknown[]) =>
        target.evaluate(
          ([api, member, values]) => {
            const apis = window as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>;
            const fn = apis[api]?.[member];
            if (typeof fn !== "function") throw new Error(`window.${api}.${member} is not a function`);
            return fn(...values);
          },
          [name, method, args] as const,
        );
    },
  });
}

/** Waits for a frame whose URL contains `part` (e.g. a widget ID) and has loaded. */
export async function frameWith(page: Page, part: string, timeoutMs = 10_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = page.frames().find((f) => f.url().includes(part));
    if (frame) {
      await frame.waitForLoadState("load", { timeout: Math.max(1, deadline - Date.now()) });
      return frame;
    }
    if (Date.now() >= deadline) throw new Error(`no frame with ${part} within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Options for `expect.poll` on cross-page state. */
export const POLL = { timeout: 5_000, interval: 25 } as const;

/** A host page embedding a widget page, opened by {@link interopPages}. */
export interface OpenedPair {
  page: Page;
  frame: Frame;
}

/**
 * Registers one suite's lifecycle (one browser and two origins per file; a fresh page per test that
 * must end with no uncaught page error) and returns `openPair`, which opens `hostPage` embedding
 * `widgetPage` (requesting `caps`, with `approve` approved by the host, and `widgetQuery` added to the
 * widget's URL) and resolves with both frames.
 */
export function interopPages() {
  let env: InteropEnvironment | undefined;
  let opened: OpenedPage | undefined;
  beforeAll(async () => {
    env = await startInterop();
  });
  afterEach(async () => {
    const page = opened;
    opened = undefined;
    if (!page) return;
    const errors = page.pageErrors();
    await page.close();
    // No test may leave an uncaught exception behind, in either library's page.
    expect(errors).toEqual([]);
  });
  afterAll(async () => {
    await env?.close();
  });
  const environment = (): InteropEnvironment => {
    if (!env) throw new Error("The interop environment is not started");
    return env;
  };
  const pages = {
    environment,
    async openPair(
      hostPage: string,
      widgetPage: string,
      widgetId: string,
      caps: readonly string[],
      approve: readonly string[],
      query: Record<string, string>,
      widgetQuery: Record<string, string> = {},
    ): Promise<OpenedPair> {
      const { browser, origins } = environment();
      opened = await openPage(browser);
      const { page } = opened;
      const widgetSearch = new URLSearchParams({ caps: caps.join(","), ...widgetQuery });
      const widget = `${origins.widgetOrigin}/${widgetPage}?${widgetSearch}`;
      const search = new URLSearchParams({ widget, approve: approve.join(","), ...query });
      await page.goto(`${origins.hostOrigin}/${hostPage}?${search}`);
      const frame = await frameWith(page, `widgetId=${widgetId}`);
      return { page, frame };
    },
    /**
     * Opens their host page embedding our widget fixture, which requests `caps` (with
     * `widgetQuery` in its URL, e.g. `client=lite`); their driver approves `approve`. Resolves once
     * our widget's create() has settled (resolved or failed) and their host is ready.
     */
    async openOurWidgetInTheirHost(
      caps: readonly string[],
      approve: readonly string[] = caps,
      query: Record<string, string> = {},
      widgetQuery: Record<string, string> = {},
    ) {
      const { page, frame } = await pages.openPair(
        "mwa-host.html",
        "our-widget.html",
        "our-widget",
        caps,
        approve,
        query,
        widgetQuery,
      );
      await frame.waitForFunction(() => "ours" in window);
      const ours = bridge<OurWidgetApi>(frame, "ours");
      const host = bridge<MwaHostApi>(page, "host");
      const ready = await ours.ready();
      await host.ready();
      return { page, frame, ours, host, ready };
    },
  };
  return pages;
}
