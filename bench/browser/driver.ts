// Node side of the browser figures: serves the host and widget pages from two origins (different
// sites, so the widget runs in its own renderer process), launches Debian's Chromium with the test
// harness, and runs the workloads on several page pairs:
//
//   kit                 our host and our widget, fastPath: true (the default)
//   mwa                 matrix-widget-api's ClientWidgetApi and WidgetApi
//   kitNoFastPath       our host and our widget, fastPath: false (plain postMessage)
//   mwaWidgetInKitHost  matrix-widget-api's widget in our host (a cross pair)
//   kitWidgetInMwaHost  our widget in matrix-widget-api's host (a cross pair)
//
// Each pair gets its own page load (its own browser context, so its own renderer processes); raw
// postMessage is measured in that same page, between the same two windows, alternating with the
// library runs. Writes JSON to the path in argv[2].
//
// Environment: BENCH_REPS (default 5), BENCH_BROWSER_BUDGET (seconds, default 480), BENCH_SCALE
// (development only: scales the counts), BENCH_PAIRS (development only: comma-separated pair keys).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Frame, Page } from "playwright-core";
import {
  launchBrowser,
  openPage,
  startOrigins,
  type OpenedPage,
  type Origins,
} from "../../test/browser/harness/index.js";
import type { HostBench, WidgetBench } from "./shared.js";

/**
 * Repetitions per figure. The targets are medians of at least 5 alternating runs, so 5 are always
 * run (unless BENCH_REPS asks for fewer, in development); more than 5 only when they fit the budget.
 */
const MAX_REPS = Number(process.env.BENCH_REPS ?? 5);
const MIN_REPS = Math.min(5, MAX_REPS);
/** Seconds the measured runs of every pair may take together. */
const BUDGET_SECONDS = Number(process.env.BENCH_BROWSER_BUDGET ?? 480);
/** For development only: scales the request counts down. */
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const SEQUENTIAL = Math.round(3000 * SCALE);
const BURST = Math.round(1000 * SCALE);
const FEED = Math.round(3000 * SCALE);

type Impl = "kit" | "mwa";
type Side = "host" | "widget";
type Method = "rawFeed" | "libFeed" | "rawSequential" | "rawBurst" | "libSequential" | "libBurst";
export type FigureKey = "sequential" | "burst" | "feed";

/** Per figure: the library's and raw's runs (ms), medians, and the ratio of the medians. */
export interface BrowserFigure {
  /** Wall time of each run, ms. */
  lib: number[];
  raw: number[];
  libMedian: number;
  rawMedian: number;
  ratio: number;
  /** Ratio of each repetition (library ÷ raw of the same repetition). */
  ratios: number[];
  /** CPU time of all Chromium processes in each run, ms. */
  libCpu: number[];
  rawCpu: number[];
  libCpuMedian: number;
  rawCpuMedian: number;
  cpuRatio: number;
}

/** One page pair: which host and widget, and what it measured. */
export interface BrowserPair {
  host: Impl;
  widget: Impl;
  /** The `fastPath` option given to our host and widget, when one was given. */
  fastPath?: boolean;
  /**
   * Whether our host's and widget's fast path was in use at every check (`null`: that side has
   * none, or does not say): a figure measured with it requires true on both sides.
   */
  fastPathActive: FastPathState;
  /** Each check of `fastPathActive`: once both pages were ready, after the warm-up, at the end. */
  fastPathChecks: Array<{ when: string } & FastPathState>;
  figures: Partial<Record<FigureKey, BrowserFigure>>;
  /** Pushed events the widget received, and how many were pushed (feed figure only). */
  events?: { delivered: number; expected: number };
  /** Why this pair stopped (a request that failed or never finished); its figures are then partial. */
  failure?: string;
  /** Console errors and uncaught errors in the pair's pages. */
  problems: string[];
}

export interface BrowserResults {
  chromium: string;
  reps: number;
  /** CPU time Chromium used while idle, ms per second (what every CPU figure includes per second). */
  idleCpuMsPerSecond: number;
  counts: Record<FigureKey, number>;
  pairs: Record<string, BrowserPair>;
}

/** What our host and widget say of their fast path; `null` where a side has none. */
export interface FastPathState {
  host: boolean | null;
  widget: boolean | null;
}

interface PairDef {
  key: string;
  host: Impl;
  widget: Impl;
  fastPath?: boolean;
  figures: readonly FigureKey[];
}

const ALL_FIGURES: readonly FigureKey[] = ["sequential", "burst", "feed"];
const PAIRS: readonly PairDef[] = [
  { key: "kit", host: "kit", widget: "kit", fastPath: true, figures: ALL_FIGURES },
  { key: "mwa", host: "mwa", widget: "mwa", figures: ALL_FIGURES },
  // Ours on plain postMessage: the fast path's comparison, and the browser ratios without it.
  { key: "kitNoFastPath", host: "kit", widget: "kit", fastPath: false, figures: ALL_FIGURES },
  { key: "mwaWidgetInKitHost", host: "kit", widget: "mwa", figures: ALL_FIGURES },
  { key: "kitWidgetInMwaHost", host: "mwa", widget: "kit", figures: ALL_FIGURES },
];
const ONLY_PAIRS = process.env.BENCH_PAIRS ? new Set(process.env.BENCH_PAIRS.split(",")) : undefined;

// This file runs bundled from a temporary directory, so the pages are found from the project root.
const root = process.env.BENCH_PROJECT_ROOT ?? process.cwd();
const here = (file: string): string => join(root, "bench", "browser", file);
const PAGE = (bundle: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${bundle}</title>` +
  `<link rel="icon" href="data:,"><script type="module" src="/bundle/${bundle}.js"></script>` +
  `</head><body></body></html>`;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * CPU time (ns) used so far by every thread of every Chromium process this process started: the
 * browser process (which routes cross-process postMessage), the renderers and helpers. Read from
 * /proc/<pid>/task/<tid>/schedstat, which counts nanoseconds. Unlike wall time it does not grow
 * while the processes wait for a CPU, so it stays meaningful on a loaded machine.
 */
function chromiumCpuNs(): number {
  const parent = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parent.set(Number(name), ppid);
    } catch {
      // The process ended meanwhile.
    }
  }
  const ours = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p))
      if (p === process.pid) return true;
    return false;
  };
  let total = 0;
  for (const pid of parent.keys()) {
    if (!ours(pid)) continue;
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      }
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

interface Run {
  /** Wall time measured in the page, ms. */
  ms: number;
  /** CPU time of all Chromium processes during the run, ms. */
  cpuMs: number;
}

/** A workload that has not finished after this long has lost a request or a push. */
const callTimeoutMs = (n: number): number => Math.max(60_000, n * 30);

async function call(target: Page | Frame, method: Method, n: number): Promise<Run> {
  const cpuBefore = chromiumCpuNs();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${method}(${n}) did not finish in ${callTimeoutMs(n) / 1000} s`)),
      callTimeoutMs(n),
    );
  });
  try {
    const ms = await Promise.race([
      target.evaluate(
        ({ method, n }) =>
          (window as unknown as { __bench: Record<string, (n: number) => Promise<number>> }).__bench[method]!(
            n,
          ),
        { method, n },
      ),
      timeout,
    ]);
    const cpuMs = (chromiumCpuNs() - cpuBefore) / 1e6;
    return { ms, cpuMs };
  } finally {
    clearTimeout(timer);
  }
}

const FIGURES: ReadonlyArray<{ key: FigureKey; side: Side; raw: Method; lib: Method; n: number }> = [
  { key: "sequential", side: "widget", raw: "rawSequential", lib: "libSequential", n: SEQUENTIAL },
  { key: "burst", side: "widget", raw: "rawBurst", lib: "libBurst", n: BURST },
  { key: "feed", side: "host", raw: "rawFeed", lib: "libFeed", n: FEED },
];

interface Session {
  def: PairDef;
  page: OpenedPage;
  targets: Record<Side, Page | Frame>;
  /** Set when a run failed; the pair is not run again. */
  failure?: string;
  runs: Map<FigureKey, { lib: Run[]; raw: Run[] }>;
  fastPathChecks: Array<{ when: string } & FastPathState>;
}

async function waitReady(target: Page | Frame, label: string): Promise<void> {
  await target.waitForFunction(
    () => {
      const bench = (window as unknown as { __bench?: HostBench | WidgetBench }).__bench;
      return bench?.ready === true || bench?.error !== undefined;
    },
    undefined,
    { timeout: 30_000 },
  );
  const error = await target.evaluate(
    () => (window as unknown as { __bench: HostBench | WidgetBench }).__bench.error,
  );
  if (error) throw new Error(`${label}: ${error}`);
}

async function eventsDelivered(session: Session): Promise<number> {
  return session.targets.widget.evaluate(
    () => (window as unknown as { __bench: WidgetBench }).__bench.eventsDelivered,
  );
}

async function fastPathActive(target: Page | Frame): Promise<boolean | null> {
  return target.evaluate(() =>
    (window as unknown as { __bench: HostBench | WidgetBench }).__bench.fastPathActive(),
  );
}

/** Records what both pages of a pair say of the fast path now. */
async function checkFastPath(session: Session, when: string): Promise<void> {
  if (session.failure) return;
  try {
    session.fastPathChecks.push({
      when,
      host: await fastPathActive(session.targets.host),
      widget: await fastPathActive(session.targets.widget),
    });
  } catch (error) {
    session.failure = `reading fastPathActive ${when}: ${describeError(error)}`;
  }
}

/** Per side: true if every check said true, null if any said nothing, false otherwise. */
function fastPathOverall(checks: ReadonlyArray<FastPathState>): FastPathState {
  const side = (key: keyof FastPathState): boolean | null => {
    if (checks.length === 0 || checks.some((check) => check[key] === null)) return null;
    return checks.every((check) => check[key] === true);
  };
  return { host: side("host"), widget: side("widget") };
}

const describeError = (error: unknown): string =>
  error instanceof Error ? error.message.split("\n")[0]! : String(error);

/** Runs one workload of a pair, unless the pair has failed; a failure stops the pair, not the bench. */
async function measure(session: Session, method: Method, side: Side, n: number): Promise<Run | undefined> {
  if (session.failure) return undefined;
  try {
    return await call(session.targets[side], method, n);
  } catch (error) {
    session.failure = `${method}(${n}): ${describeError(error)}`;
    process.stderr.write(`[bench] browser: ${session.def.key} failed: ${session.failure}\n`);
    return undefined;
  }
}

function pagePath(impl: Impl, side: Side): string {
  return `/${impl}-${side}.html`;
}

async function openPair(origins: Origins, browser: Browser, def: PairDef): Promise<Session> {
  const fastPath = def.fastPath === undefined ? "" : `&fastPath=${def.fastPath ? "1" : "0"}`;
  const widgetUrl = origins.url(
    "widget",
    `${pagePath(def.widget, "widget")}?widgetId=bench-widget&parentUrl=${encodeURIComponent(`${origins.hostOrigin}/`)}${fastPath}`,
  );
  const page = await openPage(browser);
  await page.page.goto(
    origins.url("host", `${pagePath(def.host, "host")}?widget=${encodeURIComponent(widgetUrl)}${fastPath}`),
  );
  const frame = await page.frameByOrigin(origins.widgetOrigin);
  await waitReady(page.page, `${def.key} host page`);
  await waitReady(frame, `${def.key} widget page`);
  const runs = new Map(def.figures.map((key) => [key, { lib: [] as Run[], raw: [] as Run[] }]));
  return {
    def,
    page,
    targets: { host: page.page, widget: frame },
    runs,
    fastPathChecks: [],
  };
}

function summarize(libRuns: readonly Run[], rawRuns: readonly Run[]): BrowserFigure | undefined {
  const count = Math.min(libRuns.length, rawRuns.length);
  if (count === 0) return undefined;
  const lib = libRuns.slice(0, count).map((run) => run.ms);
  const raw = rawRuns.slice(0, count).map((run) => run.ms);
  const libCpu = libRuns.slice(0, count).map((run) => run.cpuMs);
  const rawCpu = rawRuns.slice(0, count).map((run) => run.cpuMs);
  const libMedian = median(lib);
  const rawMedian = median(raw);
  const libCpuMedian = median(libCpu);
  const rawCpuMedian = median(rawCpu);
  return {
    lib,
    raw,
    libMedian,
    rawMedian,
    ratio: libMedian / rawMedian,
    ratios: lib.map((value, i) => value / raw[i]!),
    libCpu,
    rawCpu,
    libCpuMedian,
    rawCpuMedian,
    cpuRatio: libCpuMedian / rawCpuMedian,
  };
}

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error("usage: driver <output.json>");
  const defs = PAIRS.filter((def) => !ONLY_PAIRS || ONLY_PAIRS.has(def.key));
  const origins = await startOrigins();
  const browser = await launchBrowser();
  const sessions: Session[] = [];
  const pairs: Record<string, BrowserPair> = {};
  try {
    for (const impl of ["kit", "mwa"] as const) {
      for (const side of ["host", "widget"] as const) {
        origins.registerBundle(`${impl}-${side}`, here(`${impl}-${side}.ts`));
        await origins.bundle(`${impl}-${side}`);
        origins.setPage(side, pagePath(impl, side), PAGE(`${impl}-${side}`));
      }
    }

    // Every pair stays open side by side (each in its own browser context, so in its own pair of
    // renderer processes), and their runs are interleaved, so a load change on the machine hits
    // them alike. An idle page costs nothing.
    for (const def of defs) {
      try {
        sessions.push(await openPair(origins, browser, def));
      } catch (error) {
        pairs[def.key] = {
          host: def.host,
          widget: def.widget,
          ...(def.fastPath === undefined ? {} : { fastPath: def.fastPath }),
          fastPathActive: { host: null, widget: null },
          fastPathChecks: [],
          figures: {},
          failure: `setting up: ${describeError(error)}`,
          problems: [],
        };
      }
    }
    for (const session of sessions) await checkFastPath(session, "once ready");
    const delivered0 = await Promise.all(sessions.map(eventsDelivered));

    // Warm-up (JIT, caches) at a sixth of each count; its timings size the repetitions.
    let projectedRepMs = 0;
    for (const fig of FIGURES) {
      for (const session of sessions) {
        if (!session.def.figures.includes(fig.key)) continue;
        const warm = Math.ceil(fig.n / 6);
        const rawRun = await measure(session, fig.raw, fig.side, warm);
        const libRun = await measure(session, fig.lib, fig.side, warm);
        if (rawRun && libRun) projectedRepMs += ((rawRun.ms + libRun.ms) * fig.n) / warm;
      }
    }
    // The fast path is set up after the handshake; it must still be in use after the warm-up.
    for (const session of sessions) await checkFastPath(session, "after the warm-up");
    const reps = Math.max(
      MIN_REPS,
      Math.min(MAX_REPS, Math.floor((BUDGET_SECONDS * 1000) / Math.max(1, projectedRepMs))),
    );
    process.stderr.write(
      `[bench] browser: one repetition of everything ≈ ${(projectedRepMs / 1000).toFixed(1)} s; running ${reps}\n`,
    );

    const idleBefore = chromiumCpuNs();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idleCpuMsPerSecond = (chromiumCpuNs() - idleBefore) / 1e6;

    for (let rep = 0; rep < reps; rep++) {
      for (const fig of FIGURES) {
        // Alternate which pair and which of raw/library goes first, so drift favours none.
        const order = rep % 2 === 0 ? sessions : [...sessions].reverse();
        for (const session of order) {
          const into = session.runs.get(fig.key);
          if (!into) continue;
          const first = rep % 2 === 0 ? fig.raw : fig.lib;
          const second = rep % 2 === 0 ? fig.lib : fig.raw;
          const a = await measure(session, first, fig.side, fig.n);
          const b = await measure(session, second, fig.side, fig.n);
          if (!a || !b) continue;
          into.raw.push(rep % 2 === 0 ? a : b);
          into.lib.push(rep % 2 === 0 ? b : a);
        }
      }
      process.stderr.write(`[bench] browser: repetition ${rep + 1}/${reps} done\n`);
    }

    for (const session of sessions) await checkFastPath(session, "at the end");
    const delivered = await Promise.all(sessions.map(eventsDelivered));
    sessions.forEach((session, i) => {
      const figures: BrowserPair["figures"] = {};
      for (const [key, { lib, raw }] of session.runs) {
        const figure = summarize(lib, raw);
        if (figure) figures[key] = figure;
      }
      const pair: BrowserPair = {
        host: session.def.host,
        widget: session.def.widget,
        ...(session.def.fastPath === undefined ? {} : { fastPath: session.def.fastPath }),
        fastPathActive: fastPathOverall(session.fastPathChecks),
        fastPathChecks: session.fastPathChecks,
        figures,
        problems: session.page.problems().map((entry) => `${entry.type} ${entry.origin}: ${entry.text}`),
      };
      if (session.def.figures.includes("feed") && !session.failure) {
        const expected = Math.ceil(FEED / 6) + reps * FEED;
        pair.events = { delivered: delivered[i]! - delivered0[i]!, expected };
        // Every push acknowledged, yet a different count, means events were lost or doubled.
        if (pair.events.delivered !== expected) {
          session.failure = `the widget handled ${pair.events.delivered} pushed events, expected ${expected}`;
        }
      }
      if (session.failure) pair.failure = session.failure;
      pairs[session.def.key] = pair;
    });

    const output: BrowserResults = {
      chromium: browser.version(),
      reps,
      idleCpuMsPerSecond,
      counts: { sequential: SEQUENTIAL, burst: BURST, feed: FEED },
      pairs,
    };
    writeFileSync(out, JSON.stringify(output, null, 2));
  } finally {
    for (const session of sessions) await session.page.close().catch(() => {});
    await browser.close();
    await origins.close();
  }
}

await main();
