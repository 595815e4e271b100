// Shared by the two-page ecosystem suites (c: a matrix-widget-api widget in our host; d: our widget
// in matrix-widget-api's host; the matrix-widget-toolkit widget in our host): opening a host page
// with its widget frame on another origin, page HTML with the console silenced, the join of both
// pages' wire counts, and the printing of timings.
import { fileURLToPath } from "node:url";
import type { Browser, Frame, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import {
  launchBrowser,
  openPage,
  startOrigins,
  type OpenedPage,
  type Origins,
} from "../browser/harness/index.js";
import { bridge, frameWith, type Remote } from "../interop/support.js";
import type { IdCounts } from "./fixtures/full-speed/wire.js";

/** The full-speed workloads, the same in both directions (suites c and d). */
export const SEQUENTIAL = 3_000;
/** Concurrent requests sent at once. */
export const BURST = 1_000;
/** Room events pushed (c) or fed (d) to the widget. */
export const PUSHES = 3_000;
/** Every how many pushed events one is a state event. */
export const STATE_EVERY = 10;

/** One of the two pages of a {@link PagePairOptions}: which fixture it bundles and where it is served. */
export interface PageSide {
  /** The fixture file's name under `fixtures/<folder>/`, without `.ts`. */
  fixture: string;
  /** The bundle's name on the origins' server. */
  bundle: string;
  /** The paths the page is served at; the first one is the one opened. */
  paths: readonly [string, ...string[]];
  /** The `window` property the fixture exposes its API under. */
  global: string;
}

/** What {@link openPagePair} opens. */
export interface PagePairOptions {
  /** The folder under `test/ecosystem/fixtures/` that holds both fixtures. */
  folder: string;
  /** The host page, served plain on the host origin. */
  host: PageSide;
  /** The widget page, served with its console silenced on the widget origin. */
  widget: PageSide;
  /** A part of the widget frame's URL that tells it apart (e.g. `widgetId=full-speed`). */
  frameUrl: string;
  /** Query parameters of the widget page's URL (e.g. `client=lite`); none by default. */
  widgetQuery?: Record<string, string>;
}

/** A fixture API that says when its page has finished setting up. */
export interface Ready {
  ready(): unknown;
}

/** A host page with its widget frame open in Chromium, and typed bridges to both. */
export interface PagePair<H, W> {
  origins: Origins;
  browser: Browser;
  opened: OpenedPage;
  page: Page;
  frame: Frame;
  host: Remote<H>;
  widget: Remote<W>;
  /** Closes the browser, then the origins' servers. */
  close(): Promise<void>;
}

/**
 * Bundles both fixtures, opens the host page with `?widget=<widget page URL>` and waits until both
 * sides say they are ready. The suites differ only in which fixtures and names they use, so the
 * setup is written once here.
 */
export async function openPagePair<H extends Ready, W extends Ready>(
  options: PagePairOptions,
): Promise<PagePair<H, W>> {
  const { folder, host, widget } = options;
  const fixture = (name: string) =>
    fileURLToPath(new URL(`./fixtures/${folder}/${name}.ts`, import.meta.url));
  const origins = await startOrigins();
  let browser: Browser | undefined;
  try {
    origins.registerBundle(host.bundle, fixture(host.fixture));
    origins.registerBundle(widget.bundle, fixture(widget.fixture));
    for (const path of host.paths) origins.setPage("host", path, plainPage(host.bundle));
    for (const path of widget.paths) origins.setPage("widget", path, silencedPage(widget.bundle));
    await Promise.all([origins.bundle(host.bundle), origins.bundle(widget.bundle)]);
    browser = await launchBrowser();
    const opened = await openPage(browser);
    const page = opened.page;
    const query = new URLSearchParams(options.widgetQuery ?? {}).toString();
    const widgetUrl = `${origins.widgetOrigin}${widget.paths[0]}${query ? `?${query}` : ""}`;
    await page.goto(`${origins.hostOrigin}${host.paths[0]}?${new URLSearchParams({ widget: widgetUrl })}`);
    const frame = await frameWith(page, options.frameUrl);
    await frame.waitForFunction((name) => name in window, widget.global, { timeout: 10_000 });
    const hostApi = bridge<H>(page, host.global);
    const widgetApi = bridge<W>(frame, widget.global);
    await Promise.all([hostApi.ready(), widgetApi.ready()]);
    const launched = browser;
    return {
      origins,
      browser: launched,
      opened,
      page,
      frame,
      host: hostApi,
      widget: widgetApi,
      async close() {
        await launched.close();
        await origins.close();
      },
    };
  } catch (error) {
    await browser?.close();
    await origins.close();
    throw error;
  }
}

/**
 * Registers a suite's lifecycle around one page pair (opened by `open` before the file's tests,
 * closed after them) and returns it; its members can be read inside tests only.
 */
export function usePagePair<H, W>(open: () => Promise<PagePair<H, W>>): Omit<PagePair<H, W>, "close"> {
  let pair: PagePair<H, W> | undefined;
  beforeAll(async () => {
    pair = await open();
  });
  afterAll(async () => {
    await pair?.close();
  });
  const opened = (): PagePair<H, W> => {
    if (pair === undefined) throw new Error("the page pair is not open yet");
    return pair;
  };
  return {
    get origins() {
      return opened().origins;
    },
    get browser() {
      return opened().browser;
    },
    get opened() {
      return opened().opened;
    },
    get page() {
      return opened().page;
    },
    get frame() {
      return opened().frame;
    },
    get host() {
      return opened().host;
    },
    get widget() {
      return opened().widget;
    },
  };
}

/**
 * Opens a full-speed pair: `host` and `widget` name fixtures under fixtures/full-speed/, served as
 * `/<name>.html` from bundles `full-speed-<name>`, exposing `window.fullSpeedHost` and
 * `window.fullSpeed`, with the widget's frame carrying `widgetId=full-speed` (and `widgetQuery`).
 */
export function openFullSpeedPair<H extends Ready, W extends Ready>(
  host: string,
  widget: string,
  widgetQuery?: Record<string, string>,
): Promise<PagePair<H, W>> {
  const side = (name: string, global: string): PageSide => ({
    fixture: name,
    bundle: `full-speed-${name}`,
    paths: [`/${name}.html`],
    global,
  });
  return openPagePair<H, W>({
    folder: "full-speed",
    host: side(host, "fullSpeedHost"),
    widget: side(widget, "fullSpeed"),
    frameUrl: "widgetId=full-speed",
    ...(widgetQuery ? { widgetQuery } : {}),
  });
}

/**
 * A page that runs `bundle` with console.log/info/debug/warn turned into no-ops first, as a
 * production build does: the inline script runs before the (deferred) module script, so the
 * library never logs. With logging on, each request takes long enough to hide timing bugs.
 */
export function silencedPage(bundle: string): string {
  return [
    '<!doctype html><meta charset="utf-8"><body>',
    '<script>for (const level of ["log", "info", "debug", "warn"]) console[level] = () => {};</script>',
    `<script type="module" src="/bundle/${bundle}.js"></script>`,
    "</body>",
  ].join("");
}

/** A page that runs `bundle` as it is. */
export function plainPage(bundle: string): string {
  return `<!doctype html><meta charset="utf-8"><body><script type="module" src="/bundle/${bundle}.js"></script></body>`;
}

/** How many messages a count map holds in all. */
export function total(counts: IdCounts): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/**
 * The request IDs whose number of replies on the wire differs from the number of requests sent
 * with that ID (a reused ID legitimately carries several requests, one after the other), as
 * readable lines; empty when every request was answered exactly once.
 */
export function unanswered(requests: IdCounts, replies: IdCounts): string[] {
  const ids = new Set([...Object.keys(requests), ...Object.keys(replies)]);
  return [...ids]
    .filter((id) => (requests[id] ?? 0) !== (replies[id] ?? 0))
    .map((id) => `${id}: ${requests[id] ?? 0} sent, ${replies[id] ?? 0} answered`);
}

/** How many requests went out under an ID an earlier request had already used. */
export function reusedIds(requests: IdCounts): number {
  return Object.values(requests).reduce((sum, n) => sum + (n - 1), 0);
}

/** Prints one timing line, so `npm test` shows what full speed means on this machine. */
export function report(suite: string, workload: string, count: number, ms: number, extra = ""): void {
  const per = ms / count;
  process.stdout.write(
    `[${suite}] ${workload}: ${count} in ${ms.toFixed(0)} ms (${per.toFixed(3)} ms each, ${(count / (ms / 1000)).toFixed(0)}/s)${extra ? `; ${extra}` : ""}\n`,
  );
}
