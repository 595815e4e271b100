#!/usr/bin/env node
// Makes sure a Chromium executable is available for the browser tests.
//
// Order of preference:
//   1. CHROMIUM_PATH (if set, it must exist and run; nothing is installed)
//   2. /usr/bin/chromium (Debian's package)
//   3. install Debian's chromium package with apt-get (only when running as root)
//
// Playwright's own browser download cannot be used here; Playwright launches
// this executable through `executablePath`.
//
// Usage: node scripts/ensure-chromium.mjs   (prints the executable path last)

import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants, realpathSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where Debian's chromium package puts its launcher. */
export const DEBIAN_CHROMIUM_PATH = "/usr/bin/chromium";

const HOW_TO_FIX =
  "Install Debian's chromium package: sudo apt-get update && sudo apt-get install -y chromium, " +
  "or set CHROMIUM_PATH=/path/to/chromium";

/**
 * Runs `<path> --version` and returns the version line, or null when the
 * executable is missing or does not run.
 * @param {string} path
 * @returns {string | null}
 */
function chromiumVersion(path) {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return null;
  }
  const result = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 30_000 });
  if (result.error || result.status !== 0) return null;
  return result.stdout.trim() || "(unknown version)";
}

/**
 * Finds an executable by name on PATH.
 * @param {string} name
 * @returns {string | null}
 */
function which(name) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return null;
}

/**
 * Runs a command, streaming its output to this process's stderr (stdout is
 * kept for the final path so callers can capture it).
 * @param {string} command
 * @param {string[]} args
 * @returns {Promise<number>} the exit code (-1 when it could not start)
 */
function run(command, args) {
  return new Promise((resolve) => {
    console.error(`[ensure-chromium] $ ${command} ${args.join(" ")}`);
    const child = spawn(command, args, {
      stdio: ["ignore", process.stderr, process.stderr],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    child.on("error", (err) => {
      console.error(`[ensure-chromium] could not run ${command}: ${err.message}`);
      resolve(-1);
    });
    child.on("close", (code) => resolve(code ?? -1));
  });
}

/**
 * Returns the path of a working Chromium executable, installing Debian's
 * `chromium` package with apt-get when it is missing and this process is root.
 *
 * Honours `CHROMIUM_PATH`: when set, that executable must run (`--version`),
 * and nothing is installed. Throws an Error that says how to fix things when no
 * Chromium can be found or installed.
 * @returns {Promise<string>} absolute path of the Chromium executable
 */
export async function ensureChromium() {
  const override = process.env.CHROMIUM_PATH;
  if (override) {
    if (chromiumVersion(override)) return override;
    throw new Error(`CHROMIUM_PATH=${override} is not a working Chromium executable. ${HOW_TO_FIX}`);
  }

  if (chromiumVersion(DEBIAN_CHROMIUM_PATH)) return DEBIAN_CHROMIUM_PATH;

  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const aptGet = which("apt-get");
  if (!isRoot || !aptGet) {
    const why = !aptGet ? "apt-get is not available" : "this process is not root";
    throw new Error(`Chromium was not found at ${DEBIAN_CHROMIUM_PATH} and ${why}. ${HOW_TO_FIX}`);
  }

  console.error(
    `[ensure-chromium] ${DEBIAN_CHROMIUM_PATH} not found; installing Debian's chromium package with apt-get`,
  );
  const started = Date.now();
  const updateCode = await run(aptGet, ["update"]);
  if (updateCode !== 0) {
    throw new Error(`apt-get update failed (exit code ${updateCode}). ${HOW_TO_FIX}`);
  }
  const installCode = await run(aptGet, ["install", "-y", "--no-install-recommends", "chromium"]);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (installCode !== 0) {
    throw new Error(
      `apt-get install chromium failed (exit code ${installCode}) after ${seconds}s. ${HOW_TO_FIX}`,
    );
  }
  const version = chromiumVersion(DEBIAN_CHROMIUM_PATH);
  if (!version) {
    throw new Error(
      `chromium was installed but ${DEBIAN_CHROMIUM_PATH} --version does not run. ${HOW_TO_FIX}`,
    );
  }
  console.error(`[ensure-chromium] installed ${version} in ${seconds}s`);
  return DEBIAN_CHROMIUM_PATH;
}

/** Whether this file is the script node was started with (not imported). */
function isMain() {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(fileURLToPath(import.meta.url)) === realpathSync(entry);
  } catch {
    return false;
  }
}

const invokedDirectly = isMain();
if (invokedDirectly) {
  try {
    const path = await ensureChromium();
    console.error(`[ensure-chromium] using ${chromiumVersion(path)} at ${path}`);
    console.log(path);
  } catch (err) {
    console.error(`[ensure-chromium] ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
