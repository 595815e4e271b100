// Installs a pinned Synapse homeserver into a project-local Python virtualenv
// (.cache/synapse-venv) so the homeserver tests can run a real server.
//
// Usage: node scripts/synapse/ensure-synapse.mjs
// or:    import { ensureSynapse } from "./scripts/synapse/ensure-synapse.mjs"

import { spawn } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The Synapse release the tests run against. Bump deliberately. */
export const SYNAPSE_VERSION = "1.163.2";

/** Oldest Python that SYNAPSE_VERSION supports (its Requires-Python). */
const MIN_PYTHON = [3, 10];

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CACHE_DIR = join(PROJECT_ROOT, ".cache");
export const VENV_DIR = join(CACHE_DIR, "synapse-venv");
export const VENV_PYTHON = join(VENV_DIR, "bin", "python");
const INSTALL_LOG = join(CACHE_DIR, "synapse-install.log");
const LOCK_DIR = join(CACHE_DIR, "synapse-venv.lock");

/**
 * Runs a command and collects its output. Never throws for a non-zero exit;
 * `error` is set when the process could not be started at all.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ logStream?: import("node:fs").WriteStream }} [opts]
 * @returns {Promise<{ code: number | null; stdout: string; stderr: string; error?: Error }>}
 */
function run(cmd, args, opts = {}) {
  return new Promise((resolvePromise) => {
    let stdout = "";
    let stderr = "";
    let child;
    try {
      child = spawn(cmd, args, {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, PIP_NO_INPUT: "1" },
      });
    } catch (error) {
      resolvePromise({ code: null, stdout, stderr, error: /** @type {Error} */ (error) });
      return;
    }
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      opts.logStream?.write(chunk);
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      opts.logStream?.write(chunk);
    });
    child.on("error", (error) => resolvePromise({ code: null, stdout, stderr, error }));
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Returns the Synapse version installed in the venv, or null if none works. */
async function installedVersion() {
  if (!existsSync(VENV_PYTHON)) return null;
  const probe = await run(VENV_PYTHON, [
    "-c",
    "import importlib.metadata as m, synapse; print(m.version('matrix-synapse'))",
  ]);
  return probe.code === 0 ? probe.stdout.trim() : null;
}

/** Picks a host interpreter that is new enough, or throws with advice. */
async function findHostPython() {
  const candidates = [process.env.SYNAPSE_PYTHON, "python3", "python"].filter(Boolean);
  const seen = [];
  for (const candidate of candidates) {
    const probe = await run(/** @type {string} */ (candidate), [
      "-c",
      "import sys; print('%d.%d.%d' % sys.version_info[:3])",
    ]);
    if (probe.code !== 0) continue;
    const version = probe.stdout.trim();
    const [major = 0, minor = 0] = version.split(".").map(Number);
    seen.push(`${candidate} ${version}`);
    if (major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1])) {
      return { python: /** @type {string} */ (candidate), version };
    }
  }
  const found = seen.length ? ` (found: ${seen.join(", ")})` : "";
  throw new Error(
    `Synapse ${SYNAPSE_VERSION} needs Python >= ${MIN_PYTHON.join(".")} on PATH${found}. ` +
      "Install it, e.g. `apt-get update && apt-get install -y python3 python3-venv python3-pip`, " +
      "or point SYNAPSE_PYTHON at a suitable interpreter.",
  );
}

/** True if a process with this PID exists (and we may signal it). */
function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === "EPERM";
  }
}

/**
 * A tiny cross-process lock so two test runs don't install into the same venv
 * at once. The lock is a directory holding the owner's PID; a lock whose owner
 * is gone (or that is older than 10 minutes) is considered stale and taken over.
 */
async function withLock(fn) {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      await writeFile(join(LOCK_DIR, "pid"), String(process.pid));
      break;
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== "EEXIST") throw error;
      const info = await stat(LOCK_DIR).catch(() => null);
      const owner = Number(await readFile(join(LOCK_DIR, "pid"), "utf8").catch(() => "0"));
      const ownerGone = owner > 0 && !processAlive(owner);
      // A lock without a pid file may be mid-creation; only age makes it stale.
      if (ownerGone || (info && Date.now() - info.mtimeMs > 10 * 60_000)) {
        await rm(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`Timed out waiting for another Synapse install to finish (lock: ${LOCK_DIR}).`, {
          cause: error,
        });
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(LOCK_DIR, { recursive: true, force: true });
  }
}

/**
 * Makes sure `.cache/synapse-venv` holds matrix-synapse==SYNAPSE_VERSION.
 * @returns {Promise<{ python: string; version: string; installSeconds: number }>}
 */
export async function ensureSynapse() {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) / 100) / 10;

  if ((await installedVersion()) === SYNAPSE_VERSION) {
    const installSeconds = elapsed();
    console.log(
      `Synapse ${SYNAPSE_VERSION} already installed in ${VENV_DIR} (checked in ${installSeconds}s)`,
    );
    return { python: VENV_PYTHON, version: SYNAPSE_VERSION, installSeconds };
  }

  await mkdir(CACHE_DIR, { recursive: true });
  return withLock(async () => {
    // Another process may have finished the install while we waited for the lock.
    if ((await installedVersion()) === SYNAPSE_VERSION) {
      return { python: VENV_PYTHON, version: SYNAPSE_VERSION, installSeconds: elapsed() };
    }

    const host = await findHostPython();
    const log = createWriteStream(INSTALL_LOG, { flags: "w" });
    const fail = async (message, result) => {
      await new Promise((r) => log.end(r));
      const output = await readFile(INSTALL_LOG, "utf8").catch(
        () => `${result?.stdout ?? ""}${result?.stderr ?? ""}`,
      );
      process.stderr.write(`\n----- ${INSTALL_LOG} -----\n${output}\n----- end of install log -----\n`);
      throw new Error(`${message} (full log: ${INSTALL_LOG})`);
    };

    console.log(
      `Installing matrix-synapse==${SYNAPSE_VERSION} into ${VENV_DIR} using ${host.python} ${host.version}...`,
    );

    // A venv that exists but can't run Python (moved, or built by another interpreter) is rebuilt.
    if (existsSync(VENV_DIR) && (await run(VENV_PYTHON, ["-c", "pass"])).code !== 0) {
      await rm(VENV_DIR, { recursive: true, force: true });
    }
    if (!existsSync(VENV_PYTHON)) {
      log.write(`$ ${host.python} -m venv ${VENV_DIR}\n`);
      const venv = await run(host.python, ["-m", "venv", VENV_DIR], { logStream: log });
      if (venv.code !== 0 || !existsSync(VENV_PYTHON)) {
        await rm(VENV_DIR, { recursive: true, force: true });
        await fail(
          `Could not create a Python virtualenv with \`${host.python} -m venv\`. ` +
            "On Debian/Ubuntu run `apt-get update && apt-get install -y python3-venv`, then retry.",
          venv,
        );
      }
    }

    const pipCheck = await run(VENV_PYTHON, ["-m", "pip", "--version"], { logStream: log });
    if (pipCheck.code !== 0) {
      await fail(
        "The virtualenv has no working pip. On Debian/Ubuntu run " +
          "`apt-get install -y python3-venv python3-pip`, delete .cache/synapse-venv and retry.",
        pipCheck,
      );
    }

    const pipArgs = [
      "-m",
      "pip",
      "install",
      "--disable-pip-version-check",
      "--no-input",
      "--progress-bar",
      "off",
      `matrix-synapse==${SYNAPSE_VERSION}`,
    ];
    log.write(`$ ${VENV_PYTHON} ${pipArgs.join(" ")}\n`);
    const install = await run(VENV_PYTHON, pipArgs, { logStream: log });
    if (install.code !== 0) {
      await fail(
        `pip could not install matrix-synapse==${SYNAPSE_VERSION}. Check that PyPI is reachable ` +
          "(proxy / PIP_INDEX_URL settings) and that the error above is not a missing system library.",
        install,
      );
    }

    const version = await installedVersion();
    if (version !== SYNAPSE_VERSION) {
      await fail(
        `matrix-synapse installed but \`import synapse\` reports version ${version ?? "(import failed)"}.`,
      );
    }
    await new Promise((r) => log.end(r));

    const installSeconds = elapsed();
    console.log(`Installed Synapse ${SYNAPSE_VERSION} in ${installSeconds}s (log: ${INSTALL_LOG})`);
    return { python: VENV_PYTHON, version: SYNAPSE_VERSION, installSeconds };
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  ensureSynapse().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
