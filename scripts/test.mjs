#!/usr/bin/env node
// `npm test`: every suite, in one command. It sets up what the suites need (Debian's Chromium,
// Synapse in a project-local virtualenv), then runs the type check, the linters and every vitest
// project: unit, browser (Chromium), interop (matrix-widget-api), homeserver (Synapse) and
// ecosystem (Element Call, matrix-widget-api at full speed, matrix-widget-toolkit), the API
// reference check (scripts/check-api-docs.mjs), the packaging check (scripts/check-package.mjs: the
// packed tarball, publint, attw) and the examples' builds (scripts/build-examples.mjs).
// Nothing is skipped silently: a missing prerequisite that cannot be installed stops the run
// with a message that says what to do.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureChromium } from "./ensure-chromium.mjs";
import { ensureSynapse } from "./synapse/ensure-synapse.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const started = Date.now();
const seconds = (since) => ((Date.now() - since) / 1000).toFixed(1);

function run(label, command, args) {
  const since = Date.now();
  console.log(`\n=== ${label}`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: "inherit", env: process.env });
    child.on("exit", (code, signal) => {
      const ok = code === 0;
      console.log(
        `=== ${label}: ${ok ? "ok" : `FAILED (${signal ?? `exit ${code}`})`} in ${seconds(since)}s`,
      );
      resolve(ok);
    });
    child.on("error", (error) => {
      console.error(`Could not start ${command}: ${error.message}`);
      resolve(false);
    });
  });
}

async function prepare(label, task) {
  const since = Date.now();
  console.log(`\n=== ${label}`);
  try {
    const result = await task();
    console.log(`=== ${label}: ok in ${seconds(since)}s`);
    return result;
  } catch (error) {
    console.error(`\n${label} failed:\n${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

await prepare("Chromium (Debian package)", ensureChromium);
await prepare("Synapse (project-local virtualenv)", ensureSynapse);

const failures = [];
if (!(await run("Type check (tsc, including type tests)", bin("tsc"), ["-p", "tsconfig.json", "--noEmit"]))) {
  failures.push("type check");
}
if (!(await run("Lint (eslint)", bin("eslint"), ["."]))) failures.push("eslint");
if (!(await run("Format (prettier --check)", bin("prettier"), ["--check", "."]))) failures.push("prettier");
// The API reference, built without writing it: a broken {@link} or an exported declaration or
// member without a doc comment fails the step (scripts/check-api-docs.mjs says what is let through).
if (
  !(await run("API reference (typedoc: links and doc comments)", process.execPath, [
    join(root, "scripts", "check-api-docs.mjs"),
  ]))
) {
  failures.push("api reference");
}
// Builds and packs in .cache/package-check (not dist/), so it needs no earlier `npm run build`.
if (
  !(await run("Packaging (npm pack with its hooks, publint, attw, tarball checks)", process.execPath, [
    join(root, "scripts", "check-package.mjs"),
  ]))
) {
  failures.push("packaging");
}
// Builds the package into dist/ once, then type-checks and builds each example against it (as an
// installed dependency, through examples/node_modules) and prints their bundle sizes.
if (
  !(await run("Examples (npm run build, then type-check and build each, bundle sizes)", process.execPath, [
    join(root, "scripts", "build-examples.mjs"),
  ]))
) {
  failures.push("examples");
}

mkdirSync(join(root, ".cache"), { recursive: true });
const resultsFile = join(root, ".cache", "vitest-results.json");
const vitestOk = await run(
  "Tests: unit, browser (Chromium), interop, homeserver (Synapse), ecosystem (real peers)",
  bin("vitest"),
  ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${resultsFile}`],
);
if (!vitestOk) failures.push("tests");

let summary = "no test results were written";
try {
  const results = JSON.parse(readFileSync(resultsFile, "utf8"));
  const byProject = new Map();
  for (const file of results.testResults ?? []) {
    const project = /test\/([^/]+)\//.exec(file.name)?.[1] ?? "other";
    const counts = byProject.get(project) ?? { passed: 0, failed: 0 };
    for (const test of file.assertionResults ?? []) {
      if (test.status === "passed") counts.passed++;
      else if (test.status === "failed") counts.failed++;
    }
    byProject.set(project, counts);
  }
  for (const [project, counts] of byProject)
    console.log(`  ${project}: ${counts.passed} passed, ${counts.failed} failed`);
  for (const required of ["unit", "browser", "interop", "homeserver", "ecosystem"]) {
    if (!byProject.get(required)?.passed) failures.push(`no ${required} test ran`);
  }
  summary = `${results.numPassedTests} passed, ${results.numFailedTests} failed`;
  if (results.numTotalTests === 0) failures.push("no test ran");
} catch (error) {
  failures.push(`reading ${resultsFile}: ${error instanceof Error ? error.message : String(error)}`);
}

console.log(`\nnpm test finished in ${seconds(started)}s`);
console.log(`tests: ${summary}`);
if (failures.length > 0) {
  console.error(`FAILED: ${failures.join(", ")}`);
  process.exit(1);
}
