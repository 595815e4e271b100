// Starting the harness's two origins with a set of fixture bundles and pages, and Chromium: what
// the session and late-client helpers (session-support.ts, late-support.ts) both need first.
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { launchBrowser, startOrigins, type Origins } from "./harness/index.js";

/** A page of fixture HTML that runs one bundle as a module, with an empty favicon so none is fetched. */
export function fixturePage(bundle: string, title?: string): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8">` +
    (title === undefined ? "" : `<title>${title}</title>`) +
    `<link rel="icon" href="data:,"><script type="module" src="/bundle/${bundle}.js"></script>` +
    `</head><body></body></html>`
  );
}

/** One page to serve: on which origin, at which path, which HTML. */
export interface FixturePage {
  origin: "host" | "widget";
  path: string;
  html: string;
}

/** The servers and the browser one test file shares. */
export interface FixtureEnv {
  readonly origins: Origins;
  readonly browser: Browser;
  /** Closes the browser, then the servers. */
  close(): Promise<void>;
}

/**
 * Starts both origins, builds every bundle up front (`bundles` maps a bundle name to a file under
 * test/browser/fixtures/) so the first test does not pay for esbuild, serves `pages`, and launches
 * Chromium. The servers are closed again when any of that fails.
 */
export async function startFixtureEnv(
  bundles: Readonly<Record<string, string>>,
  pages: readonly FixturePage[],
): Promise<FixtureEnv> {
  const origins = await startOrigins();
  try {
    for (const [name, file] of Object.entries(bundles)) {
      origins.registerBundle(name, fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url)));
    }
    await Promise.all(Object.keys(bundles).map((name) => origins.bundle(name)));
    for (const page of pages) origins.setPage(page.origin, page.path, page.html);
    const browser = await launchBrowser();
    return {
      origins,
      browser,
      async close() {
        await browser.close();
        await origins.close();
      },
    };
  } catch (error) {
    await origins.close();
    throw error;
  }
}
