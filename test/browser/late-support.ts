// Node-side helpers of the late-client tests (test/browser/late-clients.test.ts for our host,
// test/interop/late-clients.test.ts for matrix-widget-api's ClientWidgetApi): serves the late
// fixtures on the harness's two origins and opens a host page with the widget in a cross-origin
// iframe, then waits for the widget's client to settle.
import type { Frame, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import {
  LATE_CAPABILITY,
  type LateHostState,
  type LateMode,
  type LateWidgetState,
} from "./fixtures/late-types.js";
import { fixturePage, startFixtureEnv, type FixtureEnv } from "./fixture-env.js";
import { openPage, type OpenedPage } from "./harness/index.js";

/** The servers and the browser one test file shares. */
export type LateEnv = FixtureEnv;

/** Starts both origins with the late fixtures, and launches Chromium. */
export function startLateEnv(): Promise<LateEnv> {
  return startFixtureEnv({ "late-host": "late-host.ts", "late-widget": "late-widget.ts" }, [
    { origin: "host", path: "/late-host.html", html: fixturePage("late-host") },
    { origin: "widget", path: "/late-widget.html", html: fixturePage("late-widget") },
  ]);
}

/** One late-client case. */
export interface LateCase {
  kind: "ours" | "theirs";
  waitForIframeLoad: boolean;
  mode: LateMode;
  /**
   * When our host is created: before the frame loads (default), after its load event and told
   * with start() ("after"), or after it without start() ("after-silent").
   */
  attach?: "before" | "after" | "after-silent";
  /** The capability the widget requests; defaults to LATE_CAPABILITY. */
  capability?: string;
  /** The widget client the page creates: WidgetClient (`full`, the default) or LiteWidgetClient. */
  client?: "full" | "lite";
}

/** How a case ended. */
export interface LateResult {
  widget: LateWidgetState;
  host: Omit<LateHostState, "navigate">;
  opened: OpenedPage;
}

/** Opens the host page for `c` and waits until the surviving widget client is ready or failed. */
export async function runLateCase(env: LateEnv, c: LateCase): Promise<LateResult> {
  const opened = await openPage(env.browser);
  const widget = new URL(`${env.origins.widgetOrigin}/late-widget.html`);
  widget.searchParams.set("mode", c.mode);
  // Widgets send content_loaded exactly when their host is configured to wait for it.
  widget.searchParams.set("cl", c.waitForIframeLoad ? "0" : "1");
  // Set before the URL is copied into the host page's query below.
  if (c.capability) widget.searchParams.set("cap", c.capability);
  if (c.client === "lite") widget.searchParams.set("client", "lite");
  const query = new URLSearchParams({
    kind: c.kind,
    wait: c.waitForIframeLoad ? "1" : "0",
    widget: widget.href,
    attach: c.attach ?? "before",
  });
  await opened.page.goto(`${env.origins.hostOrigin}/late-host.html?${query.toString()}`);
  const frame = await opened.frameByOrigin(env.origins.widgetOrigin, 20_000);
  const widgetState = await waitForWidget(frame, (state) => state.status !== "starting");
  return { widget: widgetState, host: await readHost(opened.page), opened };
}

/** Polls the widget frame's state until `done` holds (or 25 s passed), and returns the last one. */
export async function waitForWidget(
  frame: Frame,
  done: (state: LateWidgetState) => boolean,
): Promise<LateWidgetState> {
  const deadline = Date.now() + 25_000;
  let state: LateWidgetState | undefined;
  for (;;) {
    // A document being replaced cannot be read: that counts as "not yet".
    state = await readWidget(frame).catch(() => undefined);
    if (state && done(state)) break;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return state ?? { status: "starting", creates: 0, destroyed: 0, capabilities: [] };
}

/**
 * Points the case's widget iframe at a new document of the late widget page, with `query` as its
 * URL parameters (the host adds `widgetId` and `parentUrl`), and waits until that document's
 * surviving client has settled.
 */
export async function navigateWidget(
  env: LateEnv,
  result: LateResult,
  query: Record<string, string>,
): Promise<{ frame: Frame; widget: LateWidgetState }> {
  const next = new URL(`${env.origins.widgetOrigin}/late-widget.html`);
  for (const [name, value] of Object.entries(query)) next.searchParams.set(name, value);
  // Tells the new document apart from the old one, whose URL has no `doc`.
  next.searchParams.set("doc", "next");
  const { page } = result.opened;
  const frame = await result.opened.frameByOrigin(env.origins.widgetOrigin);
  await page.evaluate(
    (url) => (window as unknown as { __lateHost: LateHostState }).__lateHost.navigate(url),
    next.href,
  );
  const widget = await waitForWidget(
    frame,
    (state) => state.status !== "starting" && frame.url().includes("doc=next"),
  );
  expect(frame.url()).toContain("doc=next");
  return { frame, widget };
}

/** The host page's record, as plain data. */
export function readHost(page: Page): Promise<Omit<LateHostState, "navigate">> {
  return page.evaluate(() => {
    const { loads, approvals, capabilityRequests, log, granted, sessionState } = (
      window as unknown as { __lateHost: LateHostState }
    ).__lateHost;
    return { loads, approvals, capabilityRequests, log, granted, sessionState };
  });
}

function readWidget(frame: Frame): Promise<LateWidgetState> {
  return frame.evaluate(() => (window as unknown as { __lateWidget: LateWidgetState }).__lateWidget);
}

/** Collects time-to-session figures of the late cases, printed at the end of a file. */
export function timings(): { add(name: string, result: LateResult): void; print(title: string): void } {
  const rows: string[] = [];
  return {
    add(name, result) {
      const ms = result.widget.timeToSessionMs;
      rows.push(
        `${name}: ${result.widget.status}` +
          (ms === undefined ? "" : `, time to session ${ms.toFixed(0)} ms`) +
          `, created after load: ${String(result.widget.createdAfterLoad)}` +
          `, creates ${result.widget.creates}, approvals ${result.host.approvals}` +
          `, capabilities requests ${result.host.capabilityRequests}`,
      );
    },
    print(title) {
      process.stdout.write(`\n${title}\n${rows.map((row) => `  ${row}`).join("\n")}\n`);
    },
  };
}

/** What {@link lateSuite} gives the tests of one describe block. */
export interface LateSuite {
  /** The file's servers and browser; set once the suite's beforeAll ran. */
  readonly env: LateEnv;
  /**
   * Runs a case; its page is checked for uncaught errors and closed after the test, and, when
   * `figure` is given, its time to session is printed under that name at the end.
   */
  run(c: LateCase, figure?: string): Promise<LateResult>;
}

/**
 * Registers the lifecycle both late-client files share (one environment per file, every opened
 * page closed after its test with no uncaught page error, the timings printed under `title` at
 * the end) and returns the way to run cases in it.
 */
export function lateSuite(title: string): LateSuite {
  let env: LateEnv | undefined;
  const opened: OpenedPage[] = [];
  const figures = timings();
  beforeAll(async () => {
    env = await startLateEnv();
  });
  afterEach(async () => {
    for (const page of opened.splice(0)) {
      const errors = page.pageErrors();
      await page.close();
      expect(errors).toEqual([]);
    }
  });
  afterAll(async () => {
    figures.print(title);
    await env?.close();
  });
  const started = (): LateEnv => {
    if (env === undefined) throw new Error("the late-client environment is not started yet");
    return env;
  };
  return {
    get env() {
      return started();
    },
    async run(c, figure) {
      const result = await runLateCase(started(), c);
      opened.push(result.opened);
      if (figure !== undefined) figures.add(figure, result);
      return result;
    },
  };
}

/**
 * What every host must give the surviving client of a `mode` case: a session with the requested
 * capability and no error, after as many creations and destructions as the mode makes.
 */
export function expectSurvivingClient(
  widget: LateWidgetState,
  mode: LateMode,
  client: "full" | "lite" = "full",
): void {
  expect(widget.error).toBeUndefined();
  expect(widget.status).toBe("ready");
  expect(widget.clientKind).toBe(client);
  expect(widget.capabilities).toEqual([LATE_CAPABILITY]);
  if (mode === "delayed") expect(widget.createdAfterLoad).toBe(true);
  if (mode === "react" || mode === "remount") expect(widget.creates).toBe(2);
  if (mode === "remount") expect(widget.destroyed).toBe(1);
}
