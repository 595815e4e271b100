#!/usr/bin/env node
// The script-tag build of the widget side: src/widget/index.ts bundled with everything it imports
// (valibot included), so a page can load it from a CDN without a bundler or an import map.
//
//   dist/browser/matrix-widget-kit.widget.js        ES module: <script type="module"> / import
//   dist/browser/matrix-widget-kit.widget.iife.js   classic script: defines the global MatrixWidgetKit
//
// Both are minified (es2022, the same target as the rest of the kit) with a linked source map whose
// `sources` point into the package's own src/ (shipped in the tarball) and which carries the
// sources' text too, so the maps also resolve for valibot, whose sources are not shipped.
//
// `npm run build` runs this after tsc. Options: --outdir DIR (default dist/browser). The bench and
// the packaging check import `buildBrowserBundles` instead of spawning it.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The global the IIFE bundle defines; documented in README-npm.md and docs/decisions.md. */
export const BROWSER_GLOBAL = "MatrixWidgetKit";

/** File names of the two bundles, inside the output directory. */
export const BROWSER_FILES = Object.freeze({
  esm: "matrix-widget-kit.widget.js",
  iife: "matrix-widget-kit.widget.iife.js",
});

function banner() {
  const { name, version, license } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const valibot = JSON.parse(readFileSync(join(root, "node_modules", "valibot", "package.json"), "utf8"));
  // `/*!` keeps the notice through minification; valibot is MIT and travels inside the bundle.
  return `/*! ${name} ${version} (widget side) | ${license} | bundles valibot ${valibot.version} (${valibot.license}) */`;
}

/**
 * esbuild names a dependency's sources by their path from the output directory, which depends on
 * where the kit was built (and climbs out of the package). Names them instead as an install lays
 * them out, next to the package (`../../../valibot/…` from dist/browser); their text is inlined in
 * the map either way.
 */
function normaliseDependencySources(mapFile) {
  const map = JSON.parse(readFileSync(mapFile, "utf8"));
  map.sources = map.sources.map((source) => {
    const at = source.lastIndexOf("node_modules/");
    return at < 0 ? source : `../../../${source.slice(at + "node_modules/".length)}`;
  });
  writeFileSync(mapFile, JSON.stringify(map));
}

/**
 * Builds both bundles into `outdir` and returns, per format, the output path and its sizes
 * (minified bytes, and gzip level 9 bytes) without the source map.
 *
 * @param {{ outdir?: string }} [options]
 * @returns {Promise<Record<"esm" | "iife", { file: string; minifiedBytes: number; gzippedBytes: number }>>}
 */
export async function buildBrowserBundles(options = {}) {
  const outdir = resolve(options.outdir ?? join(root, "dist", "browser"));
  mkdirSync(outdir, { recursive: true });
  const common = {
    entryPoints: [join(root, "src", "widget", "index.ts")],
    absWorkingDir: root,
    bundle: true,
    minify: true,
    platform: "browser",
    target: "es2022",
    sourcemap: "linked",
    sourcesContent: true,
    legalComments: "inline",
    banner: { js: banner() },
    logLevel: "warning",
    metafile: false,
  };
  const outputs = {};
  for (const [format, file] of Object.entries(BROWSER_FILES)) {
    const outfile = join(outdir, file);
    await build({
      ...common,
      outfile,
      format,
      ...(format === "iife" ? { globalName: BROWSER_GLOBAL } : {}),
    });
    normaliseDependencySources(`${outfile}.map`);
    const code = readFileSync(outfile);
    outputs[format] = {
      file: outfile,
      minifiedBytes: code.byteLength,
      gzippedBytes: gzipSync(code, { level: 9 }).byteLength,
    };
  }
  return outputs;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--outdir");
  const outdir = at >= 0 ? args[at + 1] : undefined;
  if (at >= 0 && !outdir) throw new Error("usage: build-browser.mjs [--outdir DIR]");
  const outputs = await buildBrowserBundles({ outdir });
  for (const [format, { file, minifiedBytes, gzippedBytes }] of Object.entries(outputs)) {
    console.log(`${format}: ${file} ${minifiedBytes} B min, ${gzippedBytes} B min+gzip`);
  }
}
