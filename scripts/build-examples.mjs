#!/usr/bin/env node
// Builds the package once, then type-checks and builds every example in examples/, and prints each
// example's bundle size (minified, and gzip level 9). `npm test` runs it; so can you.
//
// The examples import `matrix-widget-kit/...` exactly as a user's project does: through
// node_modules and the package's `exports`. Here that node_modules entry is a symlink,
// examples/node_modules/matrix-widget-kit -> the repository root (what `npm link` or a workspace
// would make), so TypeScript reads dist/**/*.d.ts and Vite bundles dist/**/*.js, both just built.
// Their other dependencies (vite, react, matrix-js-sdk) come from the root devDependencies.
//
//   node scripts/build-examples.mjs [--skip-package-build] [name ...]
import { spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { BROWSER_FILES, buildBrowserBundles } from "./build-browser.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const examplesDir = join(root, "examples");
const seconds = (since) => ((Date.now() - since) / 1000).toFixed(1);

/** The examples this script builds; a directory without a tsconfig.json (script-tag) is only HTML. */
export const EXAMPLES = Object.freeze([
  "vite-widget",
  "no-bundler-widget",
  "react-widget",
  "matrix-js-sdk-host",
]);

/** Examples with no bundler: "building" them copies the page, its module and the script-tag file. */
const NO_BUNDLER = new Set(["no-bundler-widget"]);

function exec(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")}: ${signal ?? `exit ${code}`}`)),
    );
  });
}

/** Takes the lock directory; false when another process holds it. */
function tryLock(lock) {
  try {
    mkdirSync(lock);
    return true;
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "EEXIST") return false;
    throw error;
  }
}

/** How long the lock has been held, in ms; 0 when it was released in between. */
function lockAge(lock) {
  try {
    return Date.now() - statSync(lock).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * `npm run build`: the tsc output in dist/ and the script-tag bundles in dist/browser/. Test files
 * that run in parallel (browser and homeserver projects) take turns through a lock directory, so
 * two builds never write dist/ at once. With `ifStale`, it builds only when
 * {@link isPackageBuildFresh} says dist/ is out of date.
 */
export async function buildPackage(options = {}) {
  const lock = join(root, ".cache", "build-package.lock");
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 300_000;
  while (!tryLock(lock)) {
    // A lock left by a killed run is older than any build takes.
    if (lockAge(lock) > 300_000) rmSync(lock, { recursive: true, force: true });
    else if (Date.now() > deadline) throw new Error(`${lock} is held by another build`);
    else await new Promise((resolve) => setTimeout(resolve, 500));
  }
  try {
    // With ifStale, a build that finished while this one waited for the lock is enough.
    if (!options.ifStale || !isPackageBuildFresh()) await buildPackageUnlocked();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function buildPackageUnlocked() {
  await exec(process.execPath, [
    join(root, "node_modules", "typescript", "bin", "tsc"),
    "-p",
    "tsconfig.build.json",
  ]);
  await buildBrowserBundles();
}

/**
 * Whether dist/ holds a build of the current src/: every entry the examples use exists and none is
 * older than the newest file under src/ (tsc rewrites every output, so a build refreshes them all).
 * Lets a test build the package only when it has to.
 */
export function isPackageBuildFresh() {
  const outputs = [
    "widget/index.js",
    "widget/index.d.ts",
    "react/index.js",
    "host/index.js",
    "drivers/matrix-js-sdk/index.js",
    `browser/${BROWSER_FILES.esm}`,
  ].map((file) => join(root, "dist", file));
  if (!outputs.every((file) => existsSync(file))) return false;
  let newestSource = 0;
  const walk = (at) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else newestSource = Math.max(newestSource, statSync(path).mtimeMs);
    }
  };
  walk(join(root, "src"));
  return outputs.every((file) => statSync(file).mtimeMs >= newestSource);
}

/**
 * Makes `matrix-widget-kit` resolvable from examples/ as an installed package would be: a symlink
 * examples/node_modules/matrix-widget-kit pointing at the repository root (gitignored).
 */
export function linkPackage() {
  const modules = join(examplesDir, "node_modules");
  const link = join(modules, "matrix-widget-kit");
  mkdirSync(modules, { recursive: true });
  let linked;
  try {
    linked = lstatSync(link).isSymbolicLink();
  } catch {
    linked = false;
  }
  if (!linked) {
    rmSync(link, { recursive: true, force: true });
    try {
      symlinkSync(relative(modules, root), link, "dir");
    } catch (error) {
      // Another process (a parallel test file) made it first.
      if (!(error instanceof Error && "code" in error && error.code === "EEXIST")) throw error;
    }
  }
}

function formatDiagnostics(ts, diagnostics) {
  return ts.formatDiagnosticsWithColorAndContext(diagnostics, {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => root,
    getNewLine: () => "\n",
  });
}

/** The last program {@link typeCheckExample} made; the next one reuses its unchanged source files. */
let oldProgram;

/** Type-checks one example with its own tsconfig.json (strict; checkJs for the no-bundler one). */
export async function typeCheckExample(name) {
  const ts = (await import("typescript")).default;
  const configFile = join(examplesDir, name, "tsconfig.json");
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configFile,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(formatDiagnostics(ts, [diagnostic]));
      },
    },
  );
  if (!parsed) throw new Error(`could not read ${configFile}`);
  if (parsed.fileNames.length === 0) throw new Error(`${configFile} includes no file`);
  // The previous example's program lends its parsed files (lib.d.ts, the kit's declarations).
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, oldProgram });
  oldProgram = program;
  const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)];
  if (diagnostics.length > 0) throw new Error(`${name}: type errors\n${formatDiagnostics(ts, diagnostics)}`);
  // Guards against a check that passes because it resolved nothing: the example must have been
  // checked against the package's built declarations.
  const declarations = program
    .getSourceFiles()
    .map((file) => file.fileName)
    .filter((file) => file.startsWith(join(root, "dist") + "/") && file.endsWith(".d.ts"));
  if (declarations.length === 0) throw new Error(`${name}: no matrix-widget-kit declaration was read`);
  return parsed.fileNames.length;
}

/**
 * Sizes of the JavaScript files under `dir`: per file and in total, minified bytes and gzip level 9
 * bytes. Other assets (matrix-js-sdk's crypto WebAssembly, loaded only by `initRustCrypto`) are
 * left out.
 */
export function measureScripts(dir) {
  const files = [];
  const walk = (at) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".js")) {
        const code = readFileSync(path);
        files.push({
          file: relative(dir, path),
          minifiedBytes: code.byteLength,
          gzippedBytes: gzipSync(code, { level: 9 }).byteLength,
        });
      }
    }
  };
  walk(dir);
  files.sort((a, b) => a.file.localeCompare(b.file));
  const total = (key) => files.reduce((sum, file) => sum + file[key], 0);
  return { files, minifiedBytes: total("minifiedBytes"), gzippedBytes: total("gzippedBytes") };
}

/**
 * Builds one example into `outDir` (default examples/<name>/dist) and returns the sizes of its
 * scripts. Vite examples build with their own vite.config.ts; the no-bundler one is copied next to
 * the script-tag file its import map names (vendor/matrix-widget-kit.widget.js).
 */
export async function buildExample(name, options = {}) {
  const dir = join(examplesDir, name);
  const outDir = options.outDir ?? join(dir, "dist");
  if (NO_BUNDLER.has(name)) {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(join(outDir, "vendor"), { recursive: true });
    for (const file of ["index.html", "widget.js"]) cpSync(join(dir, file), join(outDir, file));
    const bundle = join(root, "dist", "browser", BROWSER_FILES.esm);
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: build the package first`);
    cpSync(bundle, join(outDir, "vendor", BROWSER_FILES.esm));
  } else {
    const { build } = await import("vite");
    await build({ root: dir, logLevel: "warn", build: { outDir, emptyOutDir: true } });
  }
  return { outDir, ...measureScripts(outDir) };
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const skipPackageBuild = args.includes("--skip-package-build");
  const names = args.filter((arg) => !arg.startsWith("--"));
  for (const name of names) if (!EXAMPLES.includes(name)) throw new Error(`no example named ${name}`);
  const started = Date.now();
  if (!skipPackageBuild) {
    const since = Date.now();
    await buildPackage();
    console.log(`package built in ${seconds(since)}s`);
  }
  linkPackage();
  const rows = [];
  let failed = false;
  for (const name of names.length > 0 ? names : EXAMPLES) {
    const since = Date.now();
    try {
      await typeCheckExample(name);
      const built = await buildExample(name);
      rows.push({ name, ...built });
      console.log(`${name}: type-checked and built in ${seconds(since)}s`);
      for (const file of built.files) {
        console.log(`  ${file.file}: ${file.minifiedBytes} B, ${file.gzippedBytes} B gzip`);
      }
    } catch (error) {
      failed = true;
      console.error(`${name}: FAILED\n${error instanceof Error ? error.message : String(error)}`);
    }
  }
  console.log(
    `\nexample bundles, all their JavaScript (minified, except the no-bundler widget.js) / gzip -9:`,
  );
  for (const row of rows)
    console.log(`  ${row.name.padEnd(20)} ${kb(row.minifiedBytes).padStart(10)} / ${kb(row.gzippedBytes)}`);
  console.log(`examples done in ${seconds(started)}s`);
  if (failed) process.exit(1);
}
