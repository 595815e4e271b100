#!/usr/bin/env node
// `npm run bench`: performance figures of the toolkit next to matrix-widget-api and raw
// postMessage. Prints a table and writes bench/results.md. Not part of `npm test`; nothing asserts
// on timing.
//
// The parts are TypeScript (bench/browser, bench/node). Node 20 cannot run TypeScript, so each
// Node-side part is bundled with esbuild into a temporary directory and run in its own process
// (the memory part with --expose-gc). Bare imports that must stay outside the bundle (playwright-core,
// esbuild, the .mjs scripts) are pointed at their files in this project.
//
//   1-3  browser figures  bench/browser/driver.ts (pages: bench/browser/{kit,mwa}-{host,widget}.ts)
//   4    capability filtering  bench/node/capability-filter.ts
//   5    widget bundle size    bench/node/bundle-size.ts (entries: bench/fixtures/size-*.ts; 5b: the
//        script-tag bundles of scripts/build-browser.mjs)
//   6    memory per session    bench/node/memory.ts
//   7    library CPU per request without IPC (supplementary)  bench/node/overhead.ts
//
// Environment: BENCH_REPS (browser repetitions, default 5), BENCH_BROWSER_BUDGET (seconds for the
// measured browser runs, default 170; fewer repetitions, never under 3, are run when the machine is
// too slow), BENCH_ONLY (comma-separated: browser,filter,bundle,memory,overhead).
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
  { key: "memory", entry: "bench/node/memory.ts", nodeArgs: ["--expose-gc"] },
  // --no-warnings: matrix-widget-api adds an abort listener per pending request (MaxListenersExceeded).
  { key: "overhead", entry: "bench/node/overhead.ts", nodeArgs: ["--no-warnings"] },
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
const yesNo = (ok) => (ok ? "yes" : "**no**");

function browserRows(browser) {
  const { kit, mwa } = browser.results;
  const counts = browser.counts;
  const defs = [
    {
      key: "sequential",
      name: `1. Sequential round trip (${counts.sequential} requests)`,
      per: counts.sequential,
      target: 1.2,
    },
    { key: "burst", name: `2. Burst (${counts.burst} concurrent)`, per: counts.burst, target: 1.5 },
    { key: "feed", name: `3. Event feed (${counts.feed} pushes)`, per: counts.feed, target: 1.2 },
  ];
  return defs.map(({ key, name, per, target }) => {
    const ours = kit[key];
    const theirs = mwa[key];
    const perItem = (total) => `${fmt((total / per) * 1000, 0)} µs each`;
    return [
      name,
      `${ms(ours.libMedian)} (${perItem(ours.libMedian)})`,
      `${ms(theirs.libMedian)} (${perItem(theirs.libMedian)})`,
      `ours page ${ms(ours.rawMedian)} · mwa page ${ms(theirs.rawMedian)}`,
      `${times(ours.ratio)} (CPU ${times(ours.cpuRatio)})`,
      `${times(theirs.ratio)} (CPU ${times(theirs.cpuRatio)})`,
      `≤ ${target}× raw`,
      `${yesNo(ours.ratio <= target)} (CPU: ${ours.cpuRatio <= target ? "yes" : "no"})`,
    ];
  });
}

const FILTER_TARGET_NS = 100;
/** "Flat": the 500-grant check costs at most this much more than the 1-grant check. */
const FLAT_FACTOR = 1.5;

function filterRows(filter) {
  const first = filter[0];
  return filter.map((row) => {
    const flat = row.kit.nsPerCheck <= first.kit.nsPerCheck * FLAT_FACTOR;
    const perSecond = (value) => `${fmt(value / 1e6, 2)} M events/s`;
    return [
      `4. Capability filter, ${row.grants} grant${row.grants === 1 ? "" : "s"}`,
      `${fmt(row.kit.nsPerCheck)} ns/check (${perSecond(row.kit.eventsPerSecond)})`,
      `${fmt(row.mwa.nsPerCheck)} ns/check (${perSecond(row.mwa.eventsPerSecond)})`,
      "—",
      `${times(row.kit.nsPerCheck / first.kit.nsPerCheck)} of 1-grant cost`,
      `${times(row.mwa.nsPerCheck / first.mwa.nsPerCheck)} of 1-grant cost`,
      `≤ ${FILTER_TARGET_NS} ns, flat 1→500`,
      `${yesNo(row.kit.nsPerCheck <= FILTER_TARGET_NS)} (flat: ${flat ? "yes" : "no"})`,
    ];
  });
}

const BUNDLE_TARGET = 8 * 1024;

function bundleRow(sizes) {
  return [
    "5. Widget bundle (min + gzip -9)",
    `${kib(sizes.kit.gzippedBytes)} (${kib(sizes.kit.minifiedBytes)} min)`,
    `${kib(sizes.mwa.gzippedBytes)} (${kib(sizes.mwa.minifiedBytes)} min)`,
    "—",
    `${times(sizes.kit.gzippedBytes / sizes.mwa.gzippedBytes)} of mwa`,
    "—",
    "≤ 8 KiB gzipped",
    yesNo(sizes.kit.gzippedBytes <= BUNDLE_TARGET),
  ];
}

function scriptTagRows(sizes) {
  if (!sizes.scriptTag) return [];
  const names = { esm: "5b. Script-tag build, ESM", iife: "5c. Script-tag build, IIFE" };
  return Object.entries(names).map(([key, name]) => {
    const size = sizes.scriptTag[key];
    return [
      `${name} (min + gzip -9)`,
      `${kib(size.gzippedBytes)} (${kib(size.minifiedBytes)} min)`,
      "—",
      "—",
      "—",
      "—",
      "(none: every family, nothing tree-shaken)",
      "—",
    ];
  });
}

function memoryRow(memory) {
  return [
    `6. Memory, ${memory.sessions} live sessions (Node)`,
    `${kib(memory.kitBytesPerSession)} per session`,
    `${kib(memory.mwaBytesPerSession)} per session`,
    "—",
    `${times(memory.kitBytesPerSession / memory.mwaBytesPerSession)} of mwa`,
    "—",
    "(none)",
    "—",
  ];
}

function overheadRows(overhead) {
  const names = {
    sequential: "7a. In-process sequential (no IPC)",
    burst: "7b. In-process burst (no IPC)",
    feed: "7c. In-process event feed (no IPC)",
  };
  return Object.entries(names).map(([key, name]) => {
    const { raw, kit, mwa } = overhead[key];
    const cell = (value) =>
      `${fmt(value.microsPerRequest)} µs CPU/req (+${fmt(value.microsPerRequest - raw.microsPerRequest)} µs)`;
    return [
      name,
      cell(kit),
      cell(mwa),
      `${fmt(raw.microsPerRequest)} µs CPU/req (in-process wire)`,
      times(kit.microsPerRequest / raw.microsPerRequest),
      times(mwa.microsPerRequest / raw.microsPerRequest),
      "(supplementary)",
      "—",
    ];
  });
}

function table(rows) {
  const header = [
    "Figure",
    "Ours",
    "matrix-widget-api",
    "Raw",
    "Ours ratio",
    "mwa ratio",
    "Target",
    "Met? (ours)",
  ];
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function runsList(values) {
  return values.map((value) => fmt(value, 0)).join(", ");
}

function report(results, failures, machine) {
  const rows = [];
  if (results.browser) rows.push(...browserRows(results.browser));
  else
    rows.push(["1–3. Browser figures", `failed: ${failures.browser ?? "skipped"}`, "", "", "", "", "", ""]);
  if (results.filter) rows.push(...filterRows(results.filter));
  else rows.push(["4. Capability filter", `failed: ${failures.filter ?? "skipped"}`, "", "", "", "", "", ""]);
  if (results.bundle) rows.push(bundleRow(results.bundle), ...scriptTagRows(results.bundle));
  else rows.push(["5. Widget bundle", `failed: ${failures.bundle ?? "skipped"}`, "", "", "", "", "", ""]);
  if (results.memory) rows.push(memoryRow(results.memory));
  else rows.push(["6. Memory", `failed: ${failures.memory ?? "skipped"}`, "", "", "", "", "", ""]);
  if (results.overhead) rows.push(...overheadRows(results.overhead));
  else rows.push(["7. In-process", `failed: ${failures.overhead ?? "skipped"}`, "", "", "", "", "", ""]);

  const out = [];
  out.push("# Benchmark results", "");
  out.push(`Generated by \`npm run bench\` (bench/run.mjs) on ${machine.date}.`, "");
  out.push(table(rows), "");
  out.push("## Machine", "");
  out.push(`- CPUs: ${machine.nproc} (${machine.cpuModel}), memory ${fmt(machine.memoryGiB, 1)} GiB`);
  out.push(`- Node ${machine.node}; Chromium ${machine.chromium} (headless, Debian package)`);
  out.push(
    `- Load average (1 min) at start ${fmt(machine.loadStart, 2)}, at end ${fmt(machine.loadEnd, 2)}` +
      " — other jobs share this machine; wall-clock figures move with it, CPU-time figures much less",
  );
  out.push(`- Total benchmark time ${fmt(machine.seconds, 0)} s`, "");

  out.push("## What each figure measures", "");
  out.push(
    "Browser figures (1–3): a host page on `http://localhost:<port>` embeds the widget from `http://127.0.0.1:<port>`" +
      " (another site, so the widget runs in its own renderer process), served and driven by the test harness" +
      " (test/browser/harness). Each implementation has its own page pair; both stay open and their runs are" +
      " interleaved. **Raw** is a postMessage echo between the same two windows, in the same page, with the same" +
      " source/origin checks and envelope-sized messages (the reply repeats the request plus `response`), run" +
      " alternately with the library. Each figure is the median of the repetitions; a ratio is median(library) ÷" +
      " median(raw). Wall time is measured in the page (`performance.now()`); **CPU** is the CPU time of all" +
      " Chromium processes (browser process, which routes cross-process messages, and both renderers) over the" +
      " same run, from /proc schedstat, which does not count time spent waiting for a CPU. `console.log` is" +
      " silenced in every page because the harness forwards console calls over CDP and matrix-widget-api logs" +
      " every message it sends.",
    "",
  );
  if (results.browser) {
    const b = results.browser;
    out.push(
      `- Repetitions: ${b.reps} per figure (after a warm-up at a sixth of each count). Idle Chromium CPU: ${fmt(b.idleCpuMsPerSecond, 1)} ms per second.`,
    );
  }
  out.push(
    '- **1. Sequential:** the widget calls `searchUserDirectory(client, "ali", { limit: 10 })` (ours) /' +
      ' `WidgetApi.searchUserDirectory("ali", 10)` (mwa) one after another; the host\'s driver answers at once' +
      " with a fixed 2-user result (ours: `WidgetHost` with a `searchUserDirectory` driver; mwa: `ClientWidgetApi`" +
      " with a `WidgetDriver` subclass, capabilities approved in `validateCapabilities`). Ours raises the" +
      " directory-search rate limit (default burst 20, then 5/s), which would otherwise refuse the run." +
      " Raw: envelope-sized echo widget → host → widget, one after another.",
  );
  out.push(
    "- **2. Burst:** the same request issued concurrently (`Promise.all`). Ours sets `maxPending: 4096` on" +
      " the client (default 64 would refuse requests 65+). Raw: all echoes sent, then all replies awaited.",
  );
  out.push(
    "- **3. Event feed:** host → widget, each push acknowledged before the next. Ours has no MSC2762 event" +
      " delivery yet: `host.request(customToWidgetAction, event)` answered by `client.handle(...)`, the" +
      " action's schema checking the event's fields. mwa: `ClientWidgetApi.feedEvent(event)` (viewed room set," +
      " `receive.event:m.room.message` approved), which checks the capability and sends `send_event`;" +
      " the widget acknowledges in its `action:send_event` listener. Raw: host → widget echoes of the same" +
      " event in an envelope.",
  );
  out.push(
    "- **4. Capability filtering** (Node, CPU time of the thread): 1024 room and state events, of types" +
      " granted early, late or never, checked in a loop against 1, 50 and 500 receive grants. Ours:" +
      ' `CapabilitySet.allowsEvent("receive", event)`. mwa: what `ClientWidgetApi.feedEvent` runs per' +
      " event — `allowedEvents.some(cap => cap.matchesAsStateEvent / matchesAsRoomEvent(...))` over the" +
      " `WidgetEventCapability` objects that `WidgetEventCapability.findEventCapabilities(grants)` returns" +
      " (mwa parses the grants once, at approval, not per event). Both checks agree on every event. Median" +
      " of 9 runs of ≥ 40 ms CPU each, after calibration and 3 warm-up runs.",
  );
  out.push(
    "- **5. Widget bundle:** esbuild (bundle, minify, ESM, browser, es2022, no source map), then gzip level 9." +
      " Ours: bench/fixtures/size-kit.ts (`WidgetClient.create` plus `navigate`, `searchUserDirectory`," +
      " `shareUsers`, `readAccountData`). mwa: bench/fixtures/size-mwa.ts (`WidgetApi` with `navigateTo` and" +
      " `searchUserDirectory`); mwa ships CommonJS only, so nothing of it is tree-shaken.",
  );
  out.push(
    "- **5b, 5c. Script-tag build:** the files `npm run build` writes to dist/browser (scripts/build-browser.mjs):" +
      " the whole widget side (`matrix-widget-kit/widget`, every action family) with valibot inlined, minified" +
      " (es2022), as an ES module and as an IIFE defining `MatrixWidgetKit`; measured as shipped, without the" +
      " source map, then gzip level 9. A page loading one of them needs nothing else.",
  );
  out.push(
    "- **6. Memory:** `heapUsed` growth after full GCs (`--expose-gc`) for 50 negotiated sessions, divided" +
      " by 50; each session is both ends (ours: `WidgetHost` + `WidgetClient` over `createMemoryTransportPair`," +
      " which also keeps a log of up to 1000 sent messages per end; mwa: `ClientWidgetApi` + `WidgetApi` over a" +
      " stand-in for `window`/`window.parent`/the iframe, an in-process bus with structured cloning). Median of" +
      ` ${results.memory?.rounds ?? 5} rounds after a warm-up round.`,
  );
  out.push(
    "- **7. In-process (supplementary, no target):** on this machine a cross-process postMessage round trip" +
      " costs about a millisecond of CPU across the browser process and both renderers, which hides the" +
      " libraries' own JavaScript in figures 1–3 (their ratios would be larger where IPC is cheaper). Here both" +
      " ends run in one Node process over a wire that does to the data what postMessage does (a structured" +
      " clone, delivered in a microtask): raw = envelope echo on that wire; ours = `WidgetHost` + `WidgetClient`" +
      " over a `Transport` on it (host `maxInFlight` raised for the burst: microtask delivery hands the host the" +
      " whole burst at once); mwa = `ClientWidgetApi` + `WidgetApi` over the stand-in windows. Same three" +
      " workloads as 1–3. CPU time of the process per request (`process.cpuUsage`), median of 7 round-robin" +
      ' runs; "+x µs" is the library\'s own cost over the wire.',
    "",
  );

  if (results.bundle) {
    out.push("## Largest inputs of our widget bundle (minified bytes)", "");
    for (const { input, bytes } of results.bundle.kit.top) out.push(`- ${input}: ${bytes}`);
    out.push("");
  }
  if (results.browser) {
    out.push("## Browser runs (ms, wall · CPU)", "");
    for (const impl of ["kit", "mwa"]) {
      for (const [key, figure] of Object.entries(results.browser.results[impl])) {
        out.push(
          `- ${impl === "kit" ? "ours" : "mwa"} ${key}: library [${runsList(figure.lib)}] · [${runsList(figure.libCpu)}];` +
            ` raw [${runsList(figure.raw)}] · [${runsList(figure.rawCpu)}]`,
        );
      }
    }
    const problems = Object.entries(results.browser.problems).flatMap(([impl, list]) =>
      list.map((entry) => `${impl}: ${entry}`),
    );
    if (problems.length) out.push("", "Console errors in the pages:", ...problems.map((p) => `- ${p}`));
    out.push("");
  }
  if (results.memory) {
    out.push(
      `Memory runs (bytes per session): ours [${runsList(results.memory.kitRuns)}], mwa [${runsList(results.memory.mwaRuns)}]`,
      "",
    );
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
const loadStart = loadavg()[0];
try {
  for (const part of PARTS) {
    if (only && !only.has(part.key)) continue;
    const script = join(temp, `${part.key}.mjs`);
    const output = join(temp, `${part.key}.json`);
    const since = Date.now();
    process.stderr.write(`[bench] ${part.key}: ${part.entry}\n`);
    try {
      await bundle(part.entry, script);
    } catch (error) {
      failures[part.key] = `build failed: ${error instanceof Error ? error.message : String(error)}`;
      continue;
    }
    const failure = await runPart(script, part.nodeArgs, output);
    if (failure) {
      failures[part.key] = failure;
      continue;
    }
    results[part.key] = JSON.parse(readFileSync(output, "utf8"));
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
const { markdown, tableText } = report(results, failures, machine);
writeFileSync(join(root, "bench", "results.md"), `${markdown.trimEnd()}\n`);
console.log(`\n${tableText}\n`);
console.log(
  `Machine: ${machine.nproc} CPUs, Node ${machine.node}, Chromium ${machine.chromium}, load ${fmt(loadStart, 2)}→${fmt(machine.loadEnd, 2)}; ${fmt(machine.seconds, 0)} s. Written to bench/results.md`,
);
if (Object.keys(failures).length) process.exitCode = 1;
