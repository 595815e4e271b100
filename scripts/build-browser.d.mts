/** Types of scripts/build-browser.mjs, for the TypeScript tests and bench parts that import it. */

/** The global the IIFE bundle defines (`MatrixWidgetKit`). */
export declare const BROWSER_GLOBAL: string;

/** File names of the two bundles, inside the output directory. */
export declare const BROWSER_FILES: Readonly<{ esm: string; iife: string }>;

/** One built bundle: its path and its sizes without the source map. */
export interface BrowserBundleOutput {
  /** Absolute path of the bundle. */
  readonly file: string;
  /** Size of the minified bundle, in bytes. */
  readonly minifiedBytes: number;
  /** Size of the minified bundle after gzip level 9, in bytes. */
  readonly gzippedBytes: number;
}

/** Builds the ESM and IIFE bundles of the widget side into `outdir` (default dist/browser). */
export declare function buildBrowserBundles(options?: {
  outdir?: string;
}): Promise<Record<"esm" | "iife", BrowserBundleOutput>>;
