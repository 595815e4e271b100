#!/usr/bin/env node
// `npm run fuzz`: every fast-check property in test/unit/fuzz, for at least 1,000,000 generated
// inputs in all, with one seed. Not part of `npm test`, which runs the same properties briefly.
//
// How inputs are counted: one run of a property is one generated input (a run may hold several
// messages, e.g. a sequence of up to 12 envelopes). Shrinking runs after a failure are not
// counted. The count is what fast-check reports it executed, written by each property as it ends
// (FUZZ_COUNT_FILE, see test/unit/fuzz/support.ts), not what the plan asked for.
//
// The plan gives each property a number of runs by its cost: the cheap ones (the boundary walk,
// the transports' origin checks) carry most of the count, and the expensive session properties
// still get 10,000 to 25,000 runs each. On the 2-core development machine the whole run took
// 4.6 minutes when quiet and 13 minutes at a load average of 15 (14 properties then), and 7.2
// minutes at a load average of 2 with the 23 of 2026-12-07. A key that matches no property fails
// the run: the plan has to follow renamed tests.
//
// Environment: FUZZ_SEED (an integer; default: a random one, printed), FUZZ_TOTAL (the number of
// inputs to reach; default 1,000,000; the plan is scaled to it).
import { spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_TOTAL = 1_000_000;

/**
 * Runs per property for a total of 1,000,000, keyed by a part of its test name. Properties not
 * named here (say a new one) run 100 times their `npm test` default.
 */
const PLAN = {
  "the boundary walk > measures any JSON value": 300_000,
  "the boundary walk > refuses exactly what the oracle says": 300_000,
  "> HostPostMessageTransport passes on a message": 60_000,
  "> WidgetPostMessageTransport passes on a message": 100_000,
  "> exactOrigin never returns": 140_000,
  "hostile widget → host > I1 I2 I3 I4 I6 hold": 20_000,
  "hostile widget → host > I5:": 15_000,
  "hostile widget → host > I2 I3:": 20_000,
  "hostile widget → host > scenario 9 (fuzzed)": 25_000,
  "hostile widget → host > I1 I2 with payloads up to 10 MB": 10,
  // Each of these two is one property per widget client (the first also in MSC4412): each gets the runs.
  "> I1 I2 I4: every answerable toWidget request": 10_000,
  "> scenario 10: only a reply with the pending ID": 15_000,
  "the fast-path switch under any delivery order > loses, duplicates and reorders nothing": 15_000,
  "the fast-path switch under any delivery order > after a reload": 15_000,
  "the fast-path switch under any delivery order > with something else speaking as the session": 15_000,
  "the boundary walk > with exactSize false": 60_000,
  "random interleavings of calls, pushes, reloads and destroys": 10_000,
  "§4.8 capability strings": 25_000,
};
const UNPLANNED_SCALE = 100;

function integerFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    console.error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

const total = integerFromEnv("FUZZ_TOTAL", DEFAULT_TOTAL);
const seed = integerFromEnv("FUZZ_SEED", randomInt(1, 2 ** 31 - 1));
const factor = total / DEFAULT_TOTAL;
const runs = Object.fromEntries(
  Object.entries(PLAN).map(([key, count]) => [key, Math.max(1, Math.ceil(count * factor))]),
);
const plannedTotal = Object.values(runs).reduce((sum, count) => sum + count, 0);

const work = mkdtempSync(join(tmpdir(), "fuzz-"));
const countFile = join(work, "counts.jsonl");
const started = Date.now();
const minutes = (ms) => `${Math.floor(ms / 60_000)} min ${((ms % 60_000) / 1000).toFixed(0)} s`;

console.log(`Fuzz seed: ${seed}   (reproduce: FUZZ_SEED=${seed} npm run fuzz)`);
console.log(
  `Target: at least ${total.toLocaleString("en")} generated inputs; planned ${plannedTotal.toLocaleString("en")}`,
);

const child = spawn(
  join(root, "node_modules", ".bin", "vitest"),
  ["run", "--project", "unit", "--maxWorkers=2", "test/unit/fuzz"],
  {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      FUZZ_SEED: String(seed),
      FUZZ_PLAN: JSON.stringify({ scale: UNPLANNED_SCALE * factor, runs }),
      FUZZ_COUNT_FILE: countFile,
    },
  },
);

child.on("error", (error) => {
  console.error(`Could not start vitest: ${error.message}`);
  process.exit(2);
});

child.on("exit", (code, signal) => {
  const elapsed = Date.now() - started;
  const lines = existsSync(countFile)
    ? readFileSync(countFile, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line))
    : [];
  rmSync(work, { recursive: true, force: true });
  console.log("\nGenerated inputs per property (runs fast-check executed):");
  for (const line of lines) {
    const status = line.failed ? "FAILED" : "ok";
    const perRun = line.runs > 0 ? (line.ms / line.runs).toFixed(2) : "-";
    console.log(
      `  ${String(line.runs).padStart(8)}  ${status.padEnd(6)}  ${(line.ms / 1000).toFixed(0).padStart(5)} s  ${perRun.padStart(6)} ms/input  ${line.test}`,
    );
  }
  const counted = lines.reduce((sum, line) => sum + line.runs, 0);
  const failed = lines.filter((line) => line.failed);
  const unplanned = lines.filter((line) => !Object.keys(PLAN).some((key) => line.test.includes(key)));
  const missing = Object.keys(PLAN).filter((key) => !lines.some((line) => line.test.includes(key)));
  if (unplanned.length > 0) {
    console.log(`Not in the plan (ran ${UNPLANNED_SCALE}x their default): ${unplanned.length}`);
    for (const line of unplanned) console.log(`  ${line.test}`);
  }
  console.log(`\nFuzz seed: ${seed}`);
  console.log(
    `Properties: ${lines.length}, generated inputs: ${counted.toLocaleString("en")}, time: ${minutes(elapsed)}`,
  );
  let ok = true;
  if (code !== 0) {
    console.log(
      `vitest failed (${signal ?? `exit ${code}`}); ${failed.length} properties reported a counterexample.`,
    );
    ok = false;
  }
  // A key that matches nothing means a property was renamed: its planned runs silently lapsed.
  if (missing.length > 0) {
    console.log(`In the plan but matching no property that ran: ${missing.join("; ")}`);
    console.log("The plan is stale: update PLAN in scripts/fuzz.mjs to the properties' current names.");
    ok = false;
  }
  if (counted < total) {
    console.log(`Only ${counted.toLocaleString("en")} inputs ran, fewer than ${total.toLocaleString("en")}.`);
    ok = false;
  }
  console.log(ok ? "npm run fuzz: passed" : "npm run fuzz: FAILED");
  process.exit(ok ? 0 : 1);
});
