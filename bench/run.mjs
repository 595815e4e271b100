#!/usr/bin/env node
// `npm run bench`: every performance target of the toolkit (issue 11) in one table, next to
// matrix-widget-api and raw postMessage from the same run, each marked met or not met. Prints the
// table and writes bench/results.md. Not part of `npm test`; nothing asserts on timing.
//
// The parts are TypeScript (bench/browser, bench/node). Node 20 cannot run TypeScript, so each
// part is bundled with esbuild into a temporary directory and run in its own process (the memory
// part with --expose-gc). Bare imports that must stay outside the bundle (playwright-core,
// esbuild, the .mjs scripts) are pointed at their files in this project.
//
//   bundle    widget bundle sizes          bench/node/bundle-size.ts (entries: bench/fixtures/size-*.ts)
//   filter    capability filtering         bench/node/capability-filter.ts
//   reads     read_events growth           bench/node/read-events.ts
//   memory    memory per session, growth   bench/node/memory.ts
//   overhead  CPU per request in-process   bench/node/overhead.ts
//   browser   Chromium ratios to raw, cross pairs, fast path   bench/browser/driver.ts
//
// A part that fails, or a figure a part does not produce, is shown as "not available"; the run
// goes on and exits non-zero at the end.
//
// Environment: BENCH_ONLY (comma-separated part keys), BENCH_REPS (browser repetitions, default
// and minimum for the targets 5), BENCH_SCALE (browser counts, development only), BENCH_PAIRS
// (browser page pairs, development only), BENCH_BROWSER_BUDGET, BENCH_OVERHEAD_RUNS,
// BENCH_MEMORY_ROUNDS, BENCH_FILTER_RUNS, BENCH_READ_RUNS.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const started = Date.now();
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(",")) : undefined;

const PARTS = [
  { key: "bundle", entry: "bench/node/bundle-size.ts", nodeArgs: [] },
  { key: "filter", entry: "bench/node/capability-filter.ts", nodeArgs: [] },
  { key: "reads", entry: "bench/node/read-events.ts", nodeArgs: [] },
  { key: "memory", entry: "bench/node/memory.ts", nodeArgs: ["--expose-gc"] },
  // --no-warnings: matrix-widget-api adds an abort listener per pending request (MaxListenersExceeded).
  // Three processes, their runs pooled (see mergeOverhead): one process's figures moved more from
  // the next's than any change of code did.
  { key: "overhead", entry: "bench/node/overhead.ts", nodeArgs: ["--no-warnings"], processes: 3 },
  { key: "browser", entry: "bench/browser/driver.ts", nodeArgs: [] },
];

/** Keeps playwright-core, esbuild and the project's .mjs scripts out of the bundles, by absolute URL. */
const externals = {
  name: "bench-externals",
  setup(builder) {
    builder.onResolve({ filter: /^(playwright-core|esbuild)$/ }, (args) => ({
      path: import.meta.resolve(args.path),
      external: true,
    }));
    builder.onResolve({ filter: /\.mjs$/ }, (args) => ({
      path: new URL(args.path, pathToFileURL(args.importer)).href,
      external: true,
    }));
  },
};

async function bundle(entry, outfile) {
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "warning",
    // matrix-widget-api is CommonJS and requires Node built-ins ("events").
    banner: {
      js: 'import { createRequire as __benchCreateRequire } from "node:module"; const require = __benchCreateRequire(import.meta.url);',
    },
    plugins: [externals],
  });
}

/**
 * The in-process figures of several processes as one: each side's runs, in order, one process's
 * after another's (the runs of one process stay paired with raw's of the same slices), the median
 * over all of them, and a side's extra as the median of its per-run differences to raw. In one
 * process the sides' figures moved together with what the JIT made of that process: the same code
 * gave a feed extra of 0.21× to 0.47× of matrix-widget-api's from one process to the next.
 */
function mergeOverhead(outputs) {
  const merged = {};
  for (const figure of Object.keys(outputs[0])) {
    merged[figure] = {};
    const rawRuns = outputs.flatMap((output) => output[figure].raw.runs);
    for (const impl of Object.keys(outputs[0][figure])) {
      const runs = outputs.flatMap((output) => output[figure][impl].runs);
      merged[figure][impl] = {
        microsPerRequest: median(runs),
        runs,
        extraMicrosPerRequest: median(runs.map((value, index) => value - rawRuns[index])),
        processes: outputs.length,
      };
    }
  }
  return merged;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function runPart(script, nodeArgs, output) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, script, output], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, BENCH_PROJECT_ROOT: root },
    });
    child.on("exit", (code, signal) => resolve(code === 0 ? null : `exit ${signal ?? code}`));
    child.on("error", (error) => resolve(error.message));
  });
}

// ---- formatting ----------------------------------------------------------------------------------

const fmt = (value, digits = 1) => value.toFixed(digits);
const kib = (bytes) => `${fmt(bytes / 1024, 1)} KiB`;
const ms = (value) => `${fmt(value, value < 100 ? 1 : 0)} ms`;
const times = (ratio) => `${fmt(ratio, 2)}×`;
const signed = (value) => `${value >= 0 ? "+" : "−"}${fmt(Math.abs(value))}`;
const MET = "met";
const NOT_MET = "**not met**";
const NA = "not available";
const met = (ok) => (ok ? MET : NOT_MET);
const isNumber = (value) => typeof value === "number" && Number.isFinite(value);

/** A table row: figure, ours, matrix-widget-api, raw, target, met. */
const row = (figure, ours, mwa, raw, target, verdict) => [figure, ours, mwa, raw, target, verdict];
/** A row for a figure whose input is missing: says why, never throws. */
const unavailable = (figure, target, why) =>
  row(figure, `${NA}${why ? ` (${why})` : ""}`, "", "", target, NA);

/**
 * Builds rows with `build`; a missing part or key (another part failed, or does not produce this
 * figure yet) turns into "not available" rows instead of stopping the report.
 */
function rowsOf(figures, build) {
  try {
    return build();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return figures.map(([figure, target]) => unavailable(figure, target, why));
  }
}

/** The output of a part, or an error saying why there is none. */
function partOf(results, failures, key) {
  if (results[key] !== undefined) return results[key];
  throw new Error(failures[key] ? `the ${key} part failed: ${failures[key]}` : `the ${key} part was not run`);
}

function need(value, what) {
  if (value === undefined || value === null) throw new Error(`${what} missing`);
  return value;
}

// ---- rows ----------------------------------------------------------------------------------------

const IN_PROCESS = [
  ["sequential", "CPU per request above the wire, in-process, sequential"],
  ["burst", "CPU per request above the wire, in-process, burst"],
  ["feed", "CPU per request above the wire, in-process, event feed"],
];
const IN_PROCESS_TARGET = "ours' extra ≤ ½ of mwa's";

function inProcessRows(results, failures) {
  return IN_PROCESS.map(([key, figure]) =>
    rowsOf([[figure, IN_PROCESS_TARGET]], () => {
      const overhead = partOf(results, failures, "overhead");
      const { raw, kit, mwa } = need(overhead[key], `overhead.${key}`);
      // The median of the per-run differences to raw (overhead.ts); older outputs had only the medians.
      const ours = kit.extraMicrosPerRequest ?? kit.microsPerRequest - raw.microsPerRequest;
      const theirs = mwa.extraMicrosPerRequest ?? mwa.microsPerRequest - raw.microsPerRequest;
      return [
        row(
          figure,
          `${fmt(kit.microsPerRequest)} µs (${signed(ours)} µs)`,
          `${fmt(mwa.microsPerRequest)} µs (${signed(theirs)} µs)`,
          `${fmt(raw.microsPerRequest)} µs`,
          IN_PROCESS_TARGET,
          `${met(ours <= theirs / 2)} (${times(ours / theirs)} of mwa's)`,
        ),
      ];
    }),
  ).flat();
}

function memoryRow(results, failures) {
  const figure = "Memory per live session";
  const target = "≤ mwa";
  return rowsOf([[figure, target]], () => {
    const memory = partOf(results, failures, "memory");
    const ours = need(memory.kitBytesPerSession, "memory.kitBytesPerSession");
    const theirs = need(memory.mwaBytesPerSession, "memory.mwaBytesPerSession");
    return [
      row(
        `${figure} (${memory.sessions} sessions, both ends)`,
        kib(ours),
        kib(theirs),
        "—",
        target,
        `${met(ours <= theirs)} (${times(ours / theirs)})`,
      ),
    ];
  });
}

function bundleRows(results, failures) {
  const defs = [
    ["kit", "Widget bundle: session + four proposals, min+gzip (WidgetClient)", 5],
    ["kitEvents", "Widget bundle: plus events (send, read, receive), min+gzip (WidgetClient)", 8],
    ["lite", "Widget bundle: session + four proposals, min+gzip (LiteWidgetClient)", 5],
    ["liteEvents", "Widget bundle: plus events (send, read, receive), min+gzip (LiteWidgetClient)", 8],
  ];
  return defs
    .map(([key, figure, targetKib]) =>
      rowsOf([[figure, `≤ ${targetKib} KiB`]], () => {
        const sizes = partOf(results, failures, "bundle");
        const ours = need(sizes[key], `bundle.${key}`);
        const mwa = sizes.mwa;
        return [
          row(
            figure,
            `${kib(ours.gzippedBytes)} (${kib(ours.minifiedBytes)} min)`,
            mwa ? `${kib(mwa.gzippedBytes)} (whole library: CommonJS)` : "—",
            "—",
            `≤ ${targetKib} KiB`,
            met(ours.gzippedBytes <= targetKib * 1024),
          ),
        ];
      }),
    )
    .flat();
}

const BROWSER = [
  ["sequential", "Browser, sequential round trips", 1.1],
  ["burst", "Browser, burst of concurrent requests", 1.3],
  ["feed", "Browser, event feed (each push acknowledged)", 1.1],
];

function browserPart(results, failures) {
  return partOf(results, failures, "browser");
}

function figureOf(browser, pairKey, figureKey) {
  const pair = need(browser.pairs?.[pairKey], `browser pair ${pairKey}`);
  const figure = pair.figures?.[figureKey];
  if (!figure) throw new Error(`${pairKey} ${figureKey}${pair.failure ? `: ${pair.failure}` : ""}`);
  return figure;
}

/** A pair's figure, or undefined when the pair or figure is missing. */
function optionalFigure(browser, pairKey, figureKey) {
  try {
    return figureOf(browser, pairKey, figureKey);
  } catch {
    return undefined;
  }
}

function browserRows(results, failures) {
  return BROWSER.map(([key, figure, target]) =>
    rowsOf([[figure, `≤ ${target}× raw`]], () => {
      const browser = browserPart(results, failures);
      const count = browser.counts[key];
      const ours = figureOf(browser, "kit", key);
      const theirs = optionalFigure(browser, "mwa", key);
      const plain = optionalFigure(browser, "kitNoFastPath", key);
      const active = browser.pairs.kit.fastPathActive ?? {};
      const fast = active.host === true && active.widget === true ? "fast path" : "fast path not in use";
      return [
        row(
          `${figure} (${count})`,
          `${times(ours.ratio)} (${ms(ours.libMedian)}, ${fast}); fastPath: false ${plain ? times(plain.ratio) : NA}`,
          theirs ? `${times(theirs.ratio)} (${ms(theirs.libMedian)})` : NA,
          `ours' pages ${ms(ours.rawMedian)}${theirs ? ` · mwa's ${ms(theirs.rawMedian)}` : ""}`,
          `≤ ${target}× raw`,
          `${met(ours.ratio <= target)}${plain ? ` (fastPath: false: ${met(plain.ratio <= target)})` : ""}`,
        ),
      ];
    }),
  ).flat();
}

const CROSS = [
  ["mwaWidgetInKitHost", "Cross pair: matrix-widget-api's widget in our host"],
  ["kitWidgetInMwaHost", "Cross pair: our widget in matrix-widget-api's host"],
];
const CROSS_TARGET = "answers every request";

function crossRows(results, failures) {
  return CROSS.map(([key, figure]) =>
    rowsOf([[figure, CROSS_TARGET]], () => {
      const browser = browserPart(results, failures);
      const pair = need(browser.pairs?.[key], `browser pair ${key}`);
      const cells = ["sequential", "burst", "feed"].map((name) => {
        const f = pair.figures?.[name];
        return f ? `${name} ${times(f.ratio)}` : `${name} ${NA}`;
      });
      const raws = ["sequential", "burst", "feed"]
        .map((name) => pair.figures?.[name])
        .filter(Boolean)
        .map((f) => ms(f.rawMedian));
      const complete = ["sequential", "burst", "feed"].every((name) => pair.figures?.[name]);
      const ok = complete && !pair.failure;
      return [
        row(
          figure,
          cells.join(" · "),
          "—",
          raws.join(" · ") || "—",
          `${CROSS_TARGET} (ratios reported)`,
          ok ? MET : `${NOT_MET}${pair.failure ? ` (${pair.failure})` : ""}`,
        ),
      ];
    }),
  ).flat();
}

const FAST = [
  ["burst", "Fast path: burst of concurrent requests", "< 1.0× raw", (ratio) => ratio < 1.0],
  ["sequential", "Fast path: sequential round trips", "≤ 1.05× raw", (ratio) => ratio <= 1.05],
];

function fastPathRows(results, failures) {
  return FAST.map(([key, figure, target, passes]) =>
    rowsOf([[figure, target]], () => {
      const browser = browserPart(results, failures);
      const pair = need(browser.pairs?.kit, "browser pair kit");
      const active = pair.fastPathActive ?? {};
      if (active.host !== true || active.widget !== true) {
        return [unavailable(figure, target, `fastPathActive ${fastPathChecks(pair)}`)];
      }
      const ours = figureOf(browser, "kit", key);
      const off = optionalFigure(browser, "kitNoFastPath", key);
      const theirs = optionalFigure(browser, "mwa", key);
      return [
        row(
          `${figure} (${browser.counts[key]})`,
          `${times(ours.ratio)} (fastPath: false ${off ? times(off.ratio) : NA})`,
          theirs ? times(theirs.ratio) : NA,
          ms(ours.rawMedian),
          target,
          met(passes(ours.ratio)),
        ),
      ];
    }),
  ).flat();
}

/** What the checks of a pair's fastPathActive said, in order. */
function fastPathChecks(pair) {
  const checks = pair.fastPathChecks ?? [];
  if (checks.length === 0) return "never read";
  return checks
    .map((check) => `${check.when}: host ${check.host ?? "unknown"}, widget ${check.widget ?? "unknown"}`)
    .join("; ");
}

/** "Flat" growth: the larger size costs at most this many times the smaller. */
const FLAT = 1.5;

function filterGrowthRow(results, failures) {
  const figure = "Growth: capability filter, 1 → 500 grants";
  const target = `O(1): ≤ ${FLAT}×`;
  return rowsOf([[figure, target]], () => {
    const filter = partOf(results, failures, "filter");
    const small = need(filter[0], "filter rows");
    const large = need(filter[filter.length - 1], "filter rows");
    const ours = large.kit.nsPerCheck / small.kit.nsPerCheck;
    const theirs = large.mwa.nsPerCheck / small.mwa.nsPerCheck;
    return [
      row(
        `Growth: capability filter, ${small.grants} → ${large.grants} grants`,
        `${fmt(small.kit.nsPerCheck)} → ${fmt(large.kit.nsPerCheck)} ns/check (${times(ours)})`,
        `${fmt(small.mwa.nsPerCheck)} → ${fmt(large.mwa.nsPerCheck)} ns/check (${times(theirs)})`,
        "—",
        target,
        met(ours <= FLAT),
      ),
    ];
  });
}

function readsGrowthRow(results, failures) {
  const figure = "Growth: read_events (limit 10), memory driver, 1,000 → 100,000 events";
  const target = `O(limit): ≤ ${FLAT}×`;
  return rowsOf([[figure, target]], () => {
    const reads = partOf(results, failures, "reads");
    const small = need(reads.sizes?.[0], "reads.sizes");
    const large = need(reads.sizes?.[reads.sizes.length - 1], "reads.sizes");
    const ratio = large.hostMicros / small.hostMicros;
    const count = (n) => n.toLocaleString("en-US");
    return [
      row(
        `Growth: read_events (limit ${reads.limit}), memory driver, ${count(small.events)} → ${count(large.events)} events`,
        `${fmt(small.hostMicros)} → ${fmt(large.hostMicros)} µs/read (${times(ratio)}); driver alone ${fmt(small.driverMicros)} → ${fmt(large.driverMicros)} µs`,
        "— (no in-memory driver)",
        "—",
        target,
        met(ratio <= FLAT),
      ),
    ];
  });
}

/**
 * Points of memory.json's `growth`: [{ requests, bytes }], read loosely. Accepts an array of
 * points, or an object holding one (under `points`, `kit` or `ours`), whose entries have a number
 * under a key naming requests and one naming bytes (ours preferred where both sides are given).
 */
function growthPoints(growth) {
  const list = Array.isArray(growth)
    ? growth
    : [growth?.points, growth?.kit, growth?.ours, ...Object.values(growth ?? {})].find(Array.isArray);
  if (!Array.isArray(list)) return undefined;
  const points = list.map((point) => {
    if (typeof point !== "object" || point === null) return undefined;
    const entries = Object.entries(point).filter(([, value]) => isNumber(value));
    const requests = entries.find(([key]) => /request/i.test(key))?.[1];
    const byteKeys = entries.filter(([key]) => /byte|heap/i.test(key));
    const bytes = (byteKeys.find(([key]) => /kit|ours/i.test(key)) ?? byteKeys[0])?.[1];
    return isNumber(requests) && isNumber(bytes) ? { requests, bytes } : undefined;
  });
  return points.length >= 2 && points.every(Boolean) ? points : undefined;
}

function memoryGrowthRow(results, failures) {
  const figure = "Growth: a session's memory with requests served";
  const target = "does not grow: ≤ 1 KiB more";
  return rowsOf([[figure, target]], () => {
    const memory = partOf(results, failures, "memory");
    const growth = need(memory.growth, "memory.growth");
    const points = growthPoints(growth);
    if (!points) throw new Error("memory.growth in a shape this report does not read");
    const first = points[0];
    const last = points[points.length - 1];
    const count = (n) => n.toLocaleString("en-US");
    return [
      row(
        `Growth: a session's memory after ${count(first.requests)} → ${count(last.requests)} requests`,
        `${kib(first.bytes)} → ${kib(last.bytes)} (${signed((last.bytes - first.bytes) / 1024)} KiB)`,
        "—",
        "—",
        target,
        met(last.bytes - first.bytes <= 1024),
      ),
    ];
  });
}

function table(rows) {
  const header = ["Figure", "Ours", "matrix-widget-api", "Raw", "Target", "Met?"];
  const line = (cells) => `| ${cells.map((cell) => String(cell).replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function runsList(values, digits = 0) {
  return (values ?? []).map((value) => fmt(value, digits)).join(", ");
}

// ---- report --------------------------------------------------------------------------------------

const PAIR_NAMES = {
  kit: "ours (our host and widget, fastPath: true)",
  mwa: "matrix-widget-api (ClientWidgetApi and WidgetApi)",
  kitNoFastPath: "ours with fastPath: false",
  mwaWidgetInKitHost: "matrix-widget-api's widget in our host",
  kitWidgetInMwaHost: "our widget in matrix-widget-api's host",
};

function report(results, failures, machine, loads) {
  // Every helper returns a list of rows (one or more).
  const rows = [
    ...inProcessRows(results, failures),
    ...memoryRow(results, failures),
    ...bundleRows(results, failures),
    ...browserRows(results, failures),
    ...crossRows(results, failures),
    ...fastPathRows(results, failures),
    ...filterGrowthRow(results, failures),
    ...readsGrowthRow(results, failures),
    ...memoryGrowthRow(results, failures),
  ];

  const out = [];
  out.push("# Benchmark results", "");
  out.push(
    `Generated by \`npm run bench\` (bench/run.mjs) on ${machine.date}. Every target of issue 11, measured in` +
      " this one run; ratios are to raw postMessage between the same two windows, measured alternately with" +
      " the library in the same page. Medians; the runs behind each median are listed below.",
    "",
  );
  out.push(table(rows), "");

  out.push("## Machine", "");
  out.push(`- CPUs: ${machine.nproc} (${machine.cpuModel}), memory ${fmt(machine.memoryGiB, 1)} GiB`);
  out.push(`- Node ${machine.node}; Chromium ${machine.chromium} (headless, Debian package)`);
  out.push(
    `- Load average (1 min) at start ${fmt(machine.loadStart, 2)}, at end ${fmt(machine.loadEnd, 2)}; per part: ` +
      Object.entries(loads)
        .map(([key, [before, after]]) => `${key} ${fmt(before, 2)}→${fmt(after, 2)}`)
        .join(", ") +
      ". Other jobs may share the machine: wall-clock figures move with its load, CPU-time figures much less.",
  );
  out.push(`- Total benchmark time ${fmt(machine.seconds, 0)} s`, "");

  out.push("## How each figure is measured", "");
  out.push(
    "- **CPU per request above the wire (in-process)** — bench/node/overhead.ts. Both ends in one Node" +
      " process over a wire that does to the data what postMessage does (a structured clone, delivered in" +
      " a microtask); CPU time of the process per request, median of 75 runs (25 in each of three processes, pooled: one process's figures moved more from the next's than any change of code did), in each of which the three take turns in slices of 150 requests (bursts: three whole bursts each), in all six orders by rotation, so that each runs after each of the others equally often. Raw is an envelope" +
      " echo on the same wire; a library's extra is the median over the runs of its figure minus raw's in the same run. The target compares the extras:" +
      " ours at most half of matrix-widget-api's. Workloads: directory searches one after another, the same" +
      " as a burst, and room events fed to the widget one at a time, each acknowledged.",
  );
  out.push(
    "- **Memory per live session** — bench/node/memory.ts: heap growth after full GCs for a number of" +
      " negotiated sessions (both ends each), divided by that number; median of rounds after a warm-up." +
      " Its `growth` figure (when present) is a session's memory after serving few and many requests.",
  );
  out.push(
    "- **Widget bundle** — bench/node/bundle-size.ts: esbuild (bundle, minify, ESM, browser, es2022, no" +
      " source map), then gzip level 9, of bench/fixtures/size-*.ts. matrix-widget-api ships CommonJS only," +
      " so nothing of it is tree-shaken: its figure is the whole library either way.",
  );
  out.push(
    "- **Browser ratios, cross pairs, fast path** — bench/browser/driver.ts. A host page on" +
      " `http://localhost:<port>` embeds the widget from `http://127.0.0.1:<port>` (another site, so the" +
      " widget has its own renderer process) in Chromium. Five page pairs stay open side by side, each in its" +
      " own browser context: " +
      Object.values(PAIR_NAMES).join("; ") +
      ". Per repetition and workload, every pair runs raw and library back to back (the order of pairs and of" +
      " raw/library alternates between repetitions). **Raw** is a postMessage echo between the same two" +
      " windows with the same source/origin checks and envelope-sized messages. A ratio is median(library) ÷" +
      " median(raw) of the same pair. Sequential: `searchUserDirectory` one after another (the host's driver" +
      " answers at once with a fixed two-user result; our host's directory rate limit raised). Burst: the same" +
      " requests all at once. Event feed: host → widget, each push acknowledged before the next — ours through" +
      " the real feed (the driver's `watchRoomEvents` listener called, WidgetHost's MSC2762 feed sends" +
      " `send_event`, the widget's `onRoomEvent` listener receives it and the client acknowledges it; a push" +
      " counts once the host's `trace` entry for it says the acknowledgement is back), matrix-widget-api's" +
      " `ClientWidgetApi.feedEvent` answered in the widget's `action:send_event` listener. The widget counts" +
      " what it received, and the count is checked. The fast-path rows use the first pair; they are" +
      ' "not available" unless our host and widget both report `fastPathActive` once the pages are ready, after' +
      " the warm-up and at the end (a port given up mid-run would make them wrong). console.log" +
      " is silenced in every page (matrix-widget-api logs every message).",
  );
  out.push(
    "- **Growth: capability filter** — bench/node/capability-filter.ts: 1024 room and state events checked" +
      " against 1, 50 and 500 receive grants, CPU time of the thread per check, median of runs. Ours:" +
      ' `CapabilitySet.allowsEvent("receive", event)`; matrix-widget-api: the per-event check feedEvent runs' +
      " over the capabilities it parsed at approval. Both agree on every event.",
  );
  out.push(
    "- **Growth: read_events** — bench/node/read-events.ts: `readRoomEvents(client, type, { limit: 10 })`" +
      " from a WidgetClient through a WidgetHost to the in-memory driver (MemoryDriver), in a room of" +
      " 1,000 events and one of 100,000, all of the type read; CPU time of the thread per read, median of runs." +
      " The driver's own share (MemoryDriver.readRoomEvents called directly) is shown too.",
    "",
  );

  if (results.browser) {
    const b = results.browser;
    out.push("## Browser runs", "");
    out.push(
      `Repetitions: ${b.reps} (after a warm-up at a sixth of each count). Counts: ${b.counts.sequential} sequential,` +
        ` ${b.counts.burst} in a burst, ${b.counts.feed} pushes. Idle Chromium CPU: ${fmt(b.idleCpuMsPerSecond, 1)} ms per second.` +
        " Wall ms per run (library · raw), ratio per repetition, and CPU ms of all Chromium processes per run.",
      "",
    );
    for (const [key, pair] of Object.entries(b.pairs ?? {})) {
      out.push(`### ${PAIR_NAMES[key] ?? key}`, "");
      if (pair.host === "kit" || pair.widget === "kit") out.push(`- fastPathActive ${fastPathChecks(pair)}`);
      for (const [name, figure] of Object.entries(pair.figures ?? {})) {
        out.push(
          `- ${name}: ratio ${times(figure.ratio)} (CPU ${times(figure.cpuRatio)}); library [${runsList(figure.lib)}]` +
            ` · raw [${runsList(figure.raw)}]; ratios [${runsList(figure.ratios, 2)}]; CPU library` +
            ` [${runsList(figure.libCpu)}] · raw [${runsList(figure.rawCpu)}]`,
        );
      }
      if (pair.events)
        out.push(`- events received by the widget: ${pair.events.delivered} of ${pair.events.expected}`);
      if (pair.failure) out.push(`- **failed:** ${pair.failure}`);
      if (pair.problems?.length) out.push(...pair.problems.map((p) => `- console: ${p}`));
      out.push("");
    }
  }
  if (results.overhead) {
    out.push("## In-process runs (µs of CPU per request)", "");
    for (const [key, figure] of Object.entries(results.overhead)) {
      const parts = Object.entries(figure).map(([impl, value]) => `${impl} [${runsList(value.runs, 1)}]`);
      out.push(`- ${key}: ${parts.join(" · ")}`);
    }
    out.push("");
  }
  if (results.memory) {
    out.push(
      "## Memory runs",
      "",
      `Bytes per session: ours [${runsList(results.memory.kitRuns)}], mwa [${runsList(results.memory.mwaRuns)}]`,
    );
    if (results.memory.growth !== undefined) {
      out.push(
        "",
        "Growth (as memory.ts reported it):",
        "",
        "```json",
        JSON.stringify(results.memory.growth),
        "```",
      );
    }
    out.push("");
  }
  if (results.filter) {
    out.push("## Capability filter, every size (ns per check)", "");
    for (const r of results.filter) {
      out.push(
        `- ${r.grants} grants: ours ${fmt(r.kit.nsPerCheck)} [${runsList(r.kit.runs, 1)}],` +
          ` mwa ${fmt(r.mwa.nsPerCheck)} [${runsList(r.mwa.runs, 1)}]`,
      );
    }
    out.push("");
  }
  if (results.reads) {
    out.push("## read_events runs (µs of CPU per read)", "");
    for (const size of results.reads.sizes) {
      out.push(
        `- ${size.events} events: through the host [${runsList(size.hostRuns, 1)}]; driver alone [${runsList(size.driverRuns, 1)}]`,
      );
    }
    out.push("");
  }
  if (results.bundle) {
    out.push("## Bundles", "");
    for (const key of ["kit", "kitEvents", "lite", "liteEvents"]) {
      const entry = results.bundle[key];
      if (!entry) continue;
      out.push(`Largest inputs of ${entry.entry ?? key} (minified bytes):`, "");
      for (const { input, bytes } of entry.top ?? []) out.push(`- ${input}: ${bytes}`);
      out.push("");
    }
    if (results.bundle.scriptTag) {
      const { esm, iife } = results.bundle.scriptTag;
      out.push(
        `Script-tag builds (dist/browser, every family, valibot inlined, min+gzip): ESM ${kib(esm.gzippedBytes)},` +
          ` IIFE ${kib(iife.gzippedBytes)}. No target.`,
        "",
      );
    }
  }
  const failed = Object.entries(failures);
  if (failed.length) {
    out.push("## Failures", "", ...failed.map(([key, why]) => `- ${key}: ${why}`), "");
  }
  return { markdown: out.join("\n"), tableText: table(rows) };
}

// ---- main ----------------------------------------------------------------------------------------

const temp = mkdtempSync(join(tmpdir(), "matrix-widget-kit-bench-"));
const results = {};
const failures = {};
const loads = {};
const loadStart = loadavg()[0];
try {
  for (const part of PARTS) {
    if (only && !only.has(part.key)) continue;
    const script = join(temp, `${part.key}.mjs`);
    const output = join(temp, `${part.key}.json`);
    const since = Date.now();
    const loadBefore = loadavg()[0];
    process.stderr.write(`[bench] ${part.key}: ${part.entry}\n`);
    try {
      await bundle(part.entry, script);
    } catch (error) {
      failures[part.key] = `build failed: ${error instanceof Error ? error.message : String(error)}`;
      continue;
    }
    const outputs = [];
    let failure = null;
    for (let index = 0; index < (part.processes ?? 1) && failure === null; index++) {
      const file = index === 0 ? output : join(temp, `${part.key}.${index}.json`);
      failure = await runPart(script, part.nodeArgs, file);
      outputs.push(file);
    }
    loads[part.key] = [loadBefore, loadavg()[0]];
    if (failure) {
      failures[part.key] = failure;
      continue;
    }
    try {
      const parsed = outputs.map((file) => JSON.parse(readFileSync(file, "utf8")));
      results[part.key] = parsed.length === 1 ? parsed[0] : mergeOverhead(parsed);
    } catch (error) {
      failures[part.key] = `no readable output: ${error instanceof Error ? error.message : String(error)}`;
      continue;
    }
    process.stderr.write(`[bench] ${part.key}: done in ${fmt((Date.now() - since) / 1000, 1)} s\n`);
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}

const machine = {
  date: new Date().toISOString(),
  nproc: availableParallelism(),
  cpuModel: cpus()[0]?.model ?? "unknown",
  memoryGiB: totalmem() / 2 ** 30,
  node: process.version,
  chromium: results.browser?.chromium ?? "(not run)",
  loadStart,
  loadEnd: loadavg()[0],
  seconds: (Date.now() - started) / 1000,
};
const { markdown, tableText } = report(results, failures, machine, loads);
writeFileSync(join(root, "bench", "results.md"), `${markdown.trimEnd()}\n`);
console.log(`\n${tableText}\n`);
console.log(
  `Machine: ${machine.nproc} CPUs, Node ${machine.node}, Chromium ${machine.chromium}, load ${fmt(loadStart, 2)}→${fmt(machine.loadEnd, 2)}; ${fmt(machine.seconds, 0)} s. Written to bench/results.md`,
);
if (Object.keys(failures).length) process.exitCode = 1;
