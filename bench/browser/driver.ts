// Node side of the browser figures (1–3): serves the host and widget pages from two origins
// (different sites, so the widget runs in its own renderer process), launches Debian's Chromium
// with the test harness, and runs every figure for our toolkit and for matrix-widget-api. Each
// implementation gets its own page load; raw postMessage is measured in that same page, between the
// same two windows, interleaved with the library runs. Writes JSON to the path in argv[2].
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Frame, Page } from "playwright-core";
import { launchBrowser, openPage, startOrigins, type OpenedPage } from "../../test/browser/harness/index.js";
import type { HostBench, WidgetBench } from "./shared.js";

/** Repetitions per figure; fewer are run when the machine is too slow to fit the time budget. */
const MAX_REPS = Number(process.env.BENCH_REPS ?? 5);
const MIN_REPS = Math.min(3, MAX_REPS);
/** Seconds the measured runs of the three figures may take together (both implementations). */
const BUDGET_SECONDS = Number(process.env.BENCH_BROWSER_BUDGET ?? 170);
/** For development only: scales the request counts down. */
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const SEQUENTIAL = Math.round(3000 * SCALE);
const BURST = Math.round(1000 * SCALE);
const FEED = Math.round(3000 * SCALE);

type Impl = "kit" | "mwa";
type Side = "host" | "widget";
type Method = "rawFeed" | "libFeed" | "rawSequential" | "rawBurst" | "libSequential" | "libBurst";

/** Per figure: the library's and raw's runs (ms), medians, and the ratio of the medians. */
export interface BrowserFigure {
  /** Wall time of each run, ms. */
  lib: number[];
  raw: number[];
  libMedian: number;
  rawMedian: number;
  ratio: number;
  /** CPU time of all Chromium processes in each run, ms. */
  libCpu: number[];
  rawCpu: number[];
  libCpuMedian: number;
  rawCpuMedian: number;
  cpuRatio: number;
}
export interface BrowserResults {
  chromium: string;
  reps: number;
  /** CPU time Chromium used while idle, ms per second (what every CPU figure includes per second). */
  idleCpuMsPerSecond: number;
  counts: { sequential: number; burst: number; feed: number };
  results: Record<Impl, Record<"sequential" | "burst" | "feed", BrowserFigure>>;
  problems: Record<Impl, string[]>;
}

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

async function call(target: Page | Frame, method: Method, n: number): Promise<Run> {
  const cpuBefore = chromiumCpuNs();
  const ms = await target.evaluate(
    ({ method, n }) =>
      (window as unknown as { __bench: Record<string, (n: number) => Promise<number>> }).__bench[method]!(n),
    { method, n },
  );
  const cpuMs = (chromiumCpuNs() - cpuBefore) / 1e6;
  return { ms, cpuMs };
}

const FIGURES = [
  { key: "sequential", side: "widget", raw: "rawSequential", lib: "libSequential", n: SEQUENTIAL },
  { key: "burst", side: "widget", raw: "rawBurst", lib: "libBurst", n: BURST },
  { key: "feed", side: "host", raw: "rawFeed", lib: "libFeed", n: FEED },
] as const;
type FigureKey = (typeof FIGURES)[number]["key"];

interface Session {
  impl: Impl;
  page: OpenedPage;
  targets: Record<Side, Page | Frame>;
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

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error("usage: driver <output.json>");
  const origins = await startOrigins();
  const browser = await launchBrowser();
  const sessions: Session[] = [];
  try {
    for (const impl of ["kit", "mwa"] as const) {
      for (const side of ["host", "widget"] as const) {
        origins.registerBundle(`${impl}-${side}`, here(`${impl}-${side}.ts`));
        await origins.bundle(`${impl}-${side}`);
      }
      origins.setPage("host", `/${impl}-host.html`, PAGE(`${impl}-host`));
      origins.setPage("widget", `/${impl}-widget.html`, PAGE(`${impl}-widget`));
    }

    // Both implementations stay open side by side (each in its own browser context, so in its own
    // pair of renderer processes), and their runs are interleaved, so a load change on the machine
    // hits both alike. An idle page costs nothing.
    for (const impl of ["kit", "mwa"] as const) {
      const page = await openPage(browser);
      const widgetUrl = origins.url(
        "widget",
        `/${impl}-widget.html?widgetId=bench-widget&parentUrl=${encodeURIComponent(`${origins.hostOrigin}/`)}`,
      );
      await page.page.goto(origins.url("host", `/${impl}-host.html?widget=${encodeURIComponent(widgetUrl)}`));
      const frame = await page.frameByOrigin(origins.widgetOrigin);
      await waitReady(page.page, `${impl} host page`);
      await waitReady(frame, `${impl} widget page`);
      sessions.push({ impl, page, targets: { host: page.page, widget: frame } });
    }
    const delivered0 = await Promise.all(sessions.map(eventsDelivered));

    // Warm-up (JIT, caches) at a sixth of each count; its timings size the repetitions.
    let projectedRepMs = 0;
    for (const fig of FIGURES) {
      for (const session of sessions) {
        const warm = Math.ceil(fig.n / 6);
        const rawRun = await call(session.targets[fig.side], fig.raw, warm);
        const libRun = await call(session.targets[fig.side], fig.lib, warm);
        projectedRepMs += ((rawRun.ms + libRun.ms) * fig.n) / warm;
      }
    }
    const reps = Math.max(MIN_REPS, Math.min(MAX_REPS, Math.floor((BUDGET_SECONDS * 1000) / projectedRepMs)));
    process.stderr.write(
      `[bench] browser: one repetition of everything ≈ ${(projectedRepMs / 1000).toFixed(1)} s; running ${reps}\n`,
    );

    const idleBefore = chromiumCpuNs();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idleCpuMsPerSecond = (chromiumCpuNs() - idleBefore) / 1e6;

    const runs = new Map<string, { lib: Run[]; raw: Run[] }>();
    for (const fig of FIGURES)
      for (const session of sessions) runs.set(`${session.impl}/${fig.key}`, { lib: [], raw: [] });
    for (let rep = 0; rep < reps; rep++) {
      for (const fig of FIGURES) {
        // Alternate which implementation and which of raw/library goes first, so drift favours neither.
        const order = rep % 2 === 0 ? sessions : [...sessions].reverse();
        for (const session of order) {
          const target = session.targets[fig.side];
          const into = runs.get(`${session.impl}/${fig.key}`)!;
          if (rep % 2 === 0) {
            into.raw.push(await call(target, fig.raw, fig.n));
            into.lib.push(await call(target, fig.lib, fig.n));
          } else {
            into.lib.push(await call(target, fig.lib, fig.n));
            into.raw.push(await call(target, fig.raw, fig.n));
          }
        }
      }
      process.stderr.write(`[bench] browser: repetition ${rep + 1}/${reps} done\n`);
    }

    const delivered = await Promise.all(sessions.map(eventsDelivered));
    const expected = FIGURES.filter((fig) => fig.key === "feed")
      .map((fig) => Math.ceil(fig.n / 6) + reps * fig.n)
      .reduce((a, b) => a + b, 0);
    sessions.forEach((session, i) => {
      const handled = delivered[i]! - delivered0[i]!;
      if (handled !== expected) {
        throw new Error(`${session.impl}: the widget handled ${handled} pushed events, expected ${expected}`);
      }
    });

    const results = {} as BrowserResults["results"];
    const problems = {} as BrowserResults["problems"];
    for (const session of sessions) {
      const figures = {} as Record<FigureKey, BrowserFigure>;
      for (const fig of FIGURES) {
        const { lib: libRuns, raw: rawRuns } = runs.get(`${session.impl}/${fig.key}`)!;
        const lib = libRuns.map((run) => run.ms);
        const raw = rawRuns.map((run) => run.ms);
        const libCpu = libRuns.map((run) => run.cpuMs);
        const rawCpu = rawRuns.map((run) => run.cpuMs);
        const libMedian = median(lib);
        const rawMedian = median(raw);
        const libCpuMedian = median(libCpu);
        const rawCpuMedian = median(rawCpu);
        figures[fig.key] = {
          lib,
          raw,
          libMedian,
          rawMedian,
          ratio: libMedian / rawMedian,
          libCpu,
          rawCpu,
          libCpuMedian,
          rawCpuMedian,
          cpuRatio: libCpuMedian / rawCpuMedian,
        };
      }
      results[session.impl] = figures;
      problems[session.impl] = session.page
        .problems()
        .map((entry) => `${entry.type} ${entry.origin}: ${entry.text}`);
    }
    const output: BrowserResults = {
      chromium: browser.version(),
      reps,
      idleCpuMsPerSecond,
      counts: { sequential: SEQUENTIAL, burst: BURST, feed: FEED },
      results,
      problems,
    };
    writeFileSync(out, JSON.stringify(output, null, 2));
  } finally {
    for (const session of sessions) await session.page.close().catch(() => {});
    await browser.close();
    await origins.close();
  }
}

await main();
