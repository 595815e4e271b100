/** Types of scripts/build-examples.mjs, for the TypeScript tests that import it. */

/** The examples the script type-checks and builds, by directory name under examples/. */
export declare const EXAMPLES: readonly string[];

/** One JavaScript file of a built example and its sizes. */
export interface ExampleScript {
  /** Path relative to the example's output directory. */
  readonly file: string;
  /** Size in bytes, as built (minified, except the no-bundler example's own module). */
  readonly minifiedBytes: number;
  /** Size after gzip level 9, in bytes. */
  readonly gzippedBytes: number;
}

/** What {@link buildExample} produced: the output directory and its JavaScript sizes. */
export interface BuiltExample {
  readonly outDir: string;
  readonly files: readonly ExampleScript[];
  readonly minifiedBytes: number;
  readonly gzippedBytes: number;
}

/**
 * Runs `npm run build`'s two steps: tsc into dist/, and the script-tag bundles into dist/browser/,
 * one build at a time across processes. With `ifStale`, only when dist/ is older than src/.
 */
export declare function buildPackage(options?: { ifStale?: boolean }): Promise<void>;

/** Whether dist/ has every entry the examples use, none older than the newest file under src/. */
export declare function isPackageBuildFresh(): boolean;

/** Creates examples/node_modules/matrix-widget-kit, a symlink to the repository root, if missing. */
export declare function linkPackage(): void;

/** Type-checks one example with its tsconfig.json; resolves with the number of root files. */
export declare function typeCheckExample(name: string): Promise<number>;

/** Sizes of the JavaScript files under `dir`. */
export declare function measureScripts(dir: string): Omit<BuiltExample, "outDir">;

/** Builds one example into `options.outDir` (default examples/<name>/dist). */
export declare function buildExample(name: string, options?: { outDir?: string }): Promise<BuiltExample>;
