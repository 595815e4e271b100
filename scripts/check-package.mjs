#!/usr/bin/env node
// The packaging check of `npm test` (also `npm run check:package`): packs the kit the way `npm publish`
// would and checks the tarball, without touching the checkout.
//
// 1. Stages a copy of what the pack needs (package.json, READMEs, LICENSE, tsconfigs, src/, the pack
//    scripts; node_modules linked) in .cache/package-check, and runs `npm pack` there, so the real
//    prepack/postpack hooks run: a clean build (tsc and the script-tag bundles) and the README swap.
// 2. publint on the tarball (any error or warning fails; suggestions are printed).
// 3. are-the-types-wrong on the tarball, profile esm-only (the package is ES modules only; see
//    docs/decisions.md, "Packaging").
// 4. Its own checks on the unpacked tarball: only package.json, README.md, LICENSE, dist/ and src/;
//    the README is the npm one, names every entry point, and every TypeScript snippet in it
//    type-checks (strict) against the packed types; LICENSE is Apache-2.0; every
//    `sourceMappingURL` names a shipped map, and every source of every map is a shipped file or
//    has its text inlined; every export resolves both through `import` and `require()`, to the
//    same module.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";
import { publint } from "publint";
import { formatMessage } from "publint/utils";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const work = join(root, ".cache", "package-check");
const stage = join(work, "stage");
const installed = join(work, "installed");
const started = Date.now();
const problems = [];
const fail = (message) => problems.push(message);
const step = (label) => console.log(`--- ${label} (${((Date.now() - started) / 1000).toFixed(1)}s)`);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", ...options });
  if (result.error) throw result.error;
  return result;
}

/** Like `run`, without blocking: the slow checks (attw, tsc) run side by side. */
function runAsync(command, args, options = {}) {
  return new Promise((resolveRun, rejectRun) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", rejectRun);
    child.on("exit", (status) => resolveRun({ status, stdout, stderr }));
  });
}

// ---- 1. stage and pack --------------------------------------------------------------------------

step("staging and packing");
rmSync(work, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
for (const path of [
  "package.json",
  "README.md",
  "README-npm.md",
  "LICENSE",
  "tsconfig.json",
  "tsconfig.build.json",
  "scripts/pack.mjs",
  "scripts/build-browser.mjs",
]) {
  cpSync(join(root, path), join(stage, path), { recursive: true });
}
// CHECK_PACKAGE_SRC_REF=<commit> packs src/ as committed there instead of the working tree's.
const srcRef = process.env.CHECK_PACKAGE_SRC_REF;
if (srcRef) {
  const archive = run("sh", ["-c", `git archive "$0" src | tar -x -C "$1"`, srcRef, stage], { cwd: root });
  if (archive.status !== 0) throw new Error(`git archive ${srcRef} src failed: ${archive.stderr}`);
} else {
  cpSync(join(root, "src"), join(stage, "src"), { recursive: true });
}
symlinkSync(join(root, "node_modules"), join(stage, "node_modules"), "dir");
const repositoryReadme = readFileSync(join(stage, "README.md"), "utf8");

const pack = run("npm", ["pack", "--json", "--pack-destination", work], {
  cwd: stage,
  env: { ...process.env, npm_config_loglevel: "warn" },
});
if (pack.status !== 0) {
  console.error(pack.stdout, pack.stderr);
  throw new Error("npm pack failed in the staged copy");
}
// npm prints the lifecycle scripts' output before the JSON.
const packed = JSON.parse(pack.stdout.slice(pack.stdout.search(/^\[/m)))[0];
const tarball = join(work, packed.filename);
console.log(
  `${packed.filename}: ${packed.entryCount} files, ${packed.size} B packed, ${packed.unpackedSize} B unpacked`,
);
if (readFileSync(join(stage, "README.md"), "utf8") !== repositoryReadme)
  fail("postpack did not put the repository README back");

// Unpacked as an install would place it, next to its dependencies.
step("unpacking");
const pkgDir = join(installed, "node_modules", "matrix-widget-kit");
mkdirSync(pkgDir, { recursive: true });
const untar = run("tar", ["-xzf", tarball, "-C", pkgDir, "--strip-components=1"]);
if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
// The package's own dependencies and peers, as an install would place them next to it.
for (const name of ["valibot", "react", "react-dom", "matrix-js-sdk", "@types/react"]) {
  const target = join(installed, "node_modules", name);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(join(root, "node_modules", name), target, "dir");
}

// ---- 2. publint -----------------------------------------------------------------------------------

step("publint");
// The unpacked tarball is exactly what is published, so publint need not pack again.
const lint = await publint({ pkgDir, level: "suggestion", pack: false });
for (const message of lint.messages) {
  const text = `publint ${message.type}: ${formatMessage(message, lint.pkg) ?? message.code}`;
  console.log(text);
  if (message.type !== "suggestion") fail(text);
}

// ---- 3. are-the-types-wrong --------------------------------------------------------------------

// It takes a while, so it runs alongside the checks below.
const attwRun = runAsync(
  process.execPath,
  [
    join(root, "node_modules", "@arethetypeswrong", "cli", "dist", "index.js"),
    tarball,
    "--profile",
    "esm-only",
    "--format",
    "table",
    "--no-color",
    "--no-emoji",
    // The types ship in the package; there is no @types package to look up (on the network).
    "--no-definitely-typed",
  ],
  { cwd: work },
);

// ---- 4. the unpacked tarball ---------------------------------------------------------------------

step("unpacked tarball");
const files = packed.files.map((file) => file.path);
const inTarball = new Set(files);
for (const file of files) {
  if (!/^(package\.json|README\.md|LICENSE|dist\/.+|src\/.+)$/.test(file))
    fail(`unexpected file in the tarball: ${file}`);
}
for (const required of [
  "LICENSE",
  "README.md",
  "dist/browser/matrix-widget-kit.widget.js",
  "dist/browser/matrix-widget-kit.widget.iife.js",
]) {
  if (!inTarball.has(required)) fail(`missing from the tarball: ${required}`);
}

const license = readFileSync(join(pkgDir, "LICENSE"), "utf8");
if (!/Apache License\s+Version 2\.0, January 2004/.test(license) || !license.includes("END OF TERMS"))
  fail("LICENSE is not the Apache License 2.0 text");
const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
for (const field of ["repository", "homepage", "bugs", "license"]) {
  if (!manifest[field]) fail(`package.json has no ${field}`);
}

// README: the npm one, starting with the install command; links absolute (docs/ is not shipped).
const readme = readFileSync(join(pkgDir, "README.md"), "utf8");
if (readme !== readFileSync(join(root, "README-npm.md"), "utf8"))
  fail("the packed README.md is not README-npm.md");
const firstBlock = /```[a-z]*\n([^`]*?)```/.exec(readme)?.[1]?.trim();
if (firstBlock !== "npm install matrix-widget-kit")
  fail(`the README's first code block is not \`npm install matrix-widget-kit\`: ${firstBlock}`);
for (const [, target] of readme.matchAll(/\]\(([^)\s]+)\)/g)) {
  if (!/^(https:\/\/|#)/.test(target)) fail(`README link does not work on npm: ${target}`);
}
for (const [, version] of readme.matchAll(/matrix-widget-kit@([^/\s]+)\//g)) {
  if (version !== manifest.version)
    fail(`the README's CDN paths name version ${version}, the package is ${manifest.version}`);
}
for (const key of Object.keys(manifest.exports)) {
  if (key !== "./package.json" && !readme.includes(`\`matrix-widget-kit${key.slice(1)}\``))
    fail(`the README does not name the entry point matrix-widget-kit${key.slice(1)}`);
}
const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
if (snippets.length < 2) fail("the README has fewer than two TypeScript examples");
const snippetDir = join(installed, "readme");
mkdirSync(snippetDir, { recursive: true });
snippets.forEach((code, index) => writeFileSync(join(snippetDir, `snippet-${index + 1}.ts`), code));
writeFileSync(
  join(installed, "tsconfig.json"),
  JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      lib: ["ES2023", "DOM", "DOM.Iterable"],
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: [],
    },
    include: ["readme/*.ts"],
  }),
);
writeFileSync(join(installed, "package.json"), JSON.stringify({ private: true, type: "module" }));
const snippetRun = runAsync(
  process.execPath,
  [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "."],
  { cwd: installed },
);

// Source maps: every map comment names a shipped map; every source is shipped or inlined.
let maps = 0;
let sources = 0;
const inPackage = (absolute) => {
  const path = relative(pkgDir, absolute);
  return path.startsWith("..") ? undefined : path.split(sep).join("/");
};
for (const file of files) {
  if (/\.(js|d\.ts)$/.test(file)) {
    const text = readFileSync(join(pkgDir, file), "utf8");
    const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
    if (url === undefined) {
      if (file.startsWith("dist/")) fail(`${file} has no sourceMappingURL`);
      continue;
    }
    const map = inPackage(resolve(dirname(join(pkgDir, file)), url));
    if (!map || !inTarball.has(map)) fail(`${file} points at a map that is not shipped: ${url}`);
  }
  if (!file.endsWith(".map")) continue;
  maps++;
  const map = JSON.parse(readFileSync(join(pkgDir, file), "utf8"));
  const base = resolve(dirname(join(pkgDir, file)), map.sourceRoot ?? "");
  map.sources.forEach((source, index) => {
    sources++;
    const shipped = inPackage(resolve(base, source));
    if (shipped && inTarball.has(shipped)) return;
    if (typeof map.sourcesContent?.[index] === "string") return;
    fail(`${file}: source ${source} is neither shipped nor inlined`);
  });
}
console.log(`${maps} source maps, ${sources} sources: all resolve`);

// And they point at the right place: a known piece of code in a built file maps back to the shipped
// source line that holds it (one tsc output, both script-tag bundles).
const probes = [
  ["dist/widget/widget-client.js", "class WidgetClient", "src/widget/widget-client.ts"],
  ["dist/browser/matrix-widget-kit.widget.js", '"must be a JSON object"', "src/widget/guards.ts"],
  ["dist/browser/matrix-widget-kit.widget.iife.js", '"must be a JSON object"', "src/widget/guards.ts"],
];
for (const [file, needle, expected] of probes) {
  const code = readFileSync(join(pkgDir, file), "utf8");
  const at = code.indexOf(needle);
  const lines = code.slice(0, at).split("\n");
  const map = new SourceMap(JSON.parse(readFileSync(join(pkgDir, `${file}.map`), "utf8")));
  const entry = at < 0 ? undefined : map.findEntry(lines.length - 1, lines.at(-1).length);
  const source =
    entry?.originalSource && inPackage(resolve(dirname(join(pkgDir, file)), entry.originalSource));
  const line =
    source && inTarball.has(source)
      ? readFileSync(join(pkgDir, source), "utf8").split("\n")[entry.originalLine]
      : undefined;
  if (source !== expected || !line?.includes(needle.replace(/^"|"$/g, "")))
    fail(`${file}: ${needle} maps to ${source}:${entry?.originalLine} (${line?.trim()}), not to ${expected}`);
  else console.log(`${file}: ${needle} maps to ${source}:${entry.originalLine + 1}`);
}

// Every export, through import and through require(): the same module either way.
const entries = Object.keys(manifest.exports)
  .filter((key) => key !== "./package.json")
  .map((key) => `matrix-widget-kit${key.slice(1)}`);
const probe = `
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const out = {};
for (const entry of ${JSON.stringify(entries)}) {
  try {
    const viaImport = await import(entry);
    const viaRequire = require(entry);
    const names = Object.keys(viaImport);
    out[entry] = {
      names: names.length,
      same: names.length > 0 && names.every((name) => viaRequire[name] === viaImport[name]),
    };
  } catch (error) {
    out[entry] = { error: String(error) };
  }
}
console.log(JSON.stringify(out));
`;
writeFileSync(join(installed, "probe.mjs"), probe);
const probed = run(process.execPath, ["probe.mjs"], { cwd: installed });
// Node prints an ExperimentalWarning for require(esm) on some versions; anything else is a problem.
const stray = probed.stderr
  .split("\n")
  .filter((line) => line.trim() && !/ExperimentalWarning|--trace-warnings/.test(line));
if (stray.length > 0) fail(`loading the entry points printed:\n${stray.join("\n")}`);
if (probed.stderr.includes("ExperimentalWarning")) console.log(probed.stderr.trim());
if (probed.status !== 0) {
  fail(`loading the entry points failed:\n${probed.stderr}`);
} else {
  const result = JSON.parse(probed.stdout.trim().split("\n").pop());
  for (const entry of entries) {
    const { names, same, error } = result[entry] ?? {};
    if (error) fail(`${entry} does not load: ${error}`);
    else if (!same) fail(`${entry}: require() and import disagree (or export nothing)`);
    else console.log(`${entry}: ${names} exports, same through import and require()`);
  }
}

step("the README's TypeScript examples (tsc --strict against the packed types)");
const snippetCheck = await snippetRun;
if (snippetCheck.status !== 0)
  fail(`the README's TypeScript examples do not type-check:\n${snippetCheck.stdout}${snippetCheck.stderr}`);
else console.log(`${snippets.length} examples type-check`);

step("are-the-types-wrong (profile esm-only)");
const attw = await attwRun;
console.log(`${attw.stdout}${attw.stderr}`.trim());
if (attw.status !== 0) fail("attw reported problems (above)");

console.log(`packaging check finished in ${((Date.now() - started) / 1000).toFixed(1)}s`);
if (problems.length > 0) {
  console.error(`\nPackaging check FAILED:\n${problems.map((problem) => `- ${problem}`).join("\n")}`);
  process.exit(1);
}
if (!existsSync(tarball)) process.exit(1);
