// Figure 5: widget bundle size. Builds the widget entries in bench/fixtures with the same esbuild
// settings (bundle, minify, ESM, browser, es2022, no source map) and gzips them at level 9. Also
// lists the inputs that contribute most to our bundle. Four entries of ours, each a
// {@link BundleSize}: `kit` (WidgetClient, session and the four proposals, size-kit.ts), `kitEvents`
// (the same plus sending, reading and receiving room events, size-kit-events.ts), and `lite` and
// `liteEvents`, the same two widgets written with LiteWidgetClient (size-lite*.ts). Also builds the script-tag bundles
// (scripts/build-browser.mjs: the whole widget side, valibot inlined, ESM and IIFE) and reports their
// sizes. Writes JSON to the path in argv[2].
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { buildBrowserBundles } from "../../scripts/build-browser.mjs";

const root = process.env.BENCH_PROJECT_ROOT ?? process.cwd();

export interface BundleSize {
  entry: string;
  minifiedBytes: number;
  gzippedBytes: number;
  /** Largest contributors to the minified output: input path → bytes. */
  top: Array<{ input: string; bytes: number }>;
}

async function measure(entry: string): Promise<BundleSize> {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
    absWorkingDir: root,
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`no output for ${entry}`);
  const meta = Object.values(result.metafile.outputs)[0];
  const top = Object.entries(meta?.inputs ?? {})
    .map(([input, info]) => ({ input: relative(".", input), bytes: info.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 8);
  return {
    entry,
    minifiedBytes: output.contents.byteLength,
    gzippedBytes: gzipSync(output.contents, { level: 9 }).byteLength,
    top,
  };
}

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error("usage: bundle-size <output.json>");
  const kit = await measure("bench/fixtures/size-kit.ts");
  const kitEvents = await measure("bench/fixtures/size-kit-events.ts");
  const lite = await measure("bench/fixtures/size-lite.ts");
  const liteEvents = await measure("bench/fixtures/size-lite-events.ts");
  const mwa = await measure("bench/fixtures/size-mwa.ts");
  process.stderr.write(
    `[bench] bundle: ours ${kit.gzippedBytes} B gz (with events ${kitEvents.gzippedBytes} B gz), lite ${lite.gzippedBytes} B gz (with events ${liteEvents.gzippedBytes} B gz), mwa ${mwa.gzippedBytes} B gz\n`,
  );
  // The script-tag files are measured as shipped (minified, the source-map comment included).
  const outdir = mkdtempSync(join(tmpdir(), "matrix-widget-kit-script-tag-"));
  let scriptTag: Record<"esm" | "iife", { minifiedBytes: number; gzippedBytes: number }>;
  try {
    const built = await buildBrowserBundles({ outdir });
    scriptTag = {
      esm: { minifiedBytes: built.esm.minifiedBytes, gzippedBytes: built.esm.gzippedBytes },
      iife: { minifiedBytes: built.iife.minifiedBytes, gzippedBytes: built.iife.gzippedBytes },
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  process.stderr.write(
    `[bench] script-tag: esm ${scriptTag.esm.gzippedBytes} B gz, iife ${scriptTag.iife.gzippedBytes} B gz\n`,
  );
  writeFileSync(out, JSON.stringify({ kit, kitEvents, lite, liteEvents, mwa, scriptTag }, null, 2));
}

await main();
