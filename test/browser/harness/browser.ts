/**
 * Launching Debian's Chromium through playwright-core and opening pages whose
 * console output and uncaught errors (from the page and all its frames,
 * including cross-process iframes) are collected for assertions.
 */
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from "playwright-core";
import { ensureChromium } from "../../../scripts/ensure-chromium.mjs";

/** Command-line flags every test browser is launched with (headless is set separately). */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/**
 * Launches headless Chromium (the executable from `ensureChromium()`, so
 * `CHROMIUM_PATH` is honoured) with {@link CHROMIUM_FLAGS}. One browser per
 * test file is enough; use {@link openPage} for a fresh context per test.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: await ensureChromium(),
    args: [...CHROMIUM_FLAGS],
    headless: true,
  });
}

/** One console message or uncaught error seen in a page or any of its frames. */
export interface BrowserLogEntry {
  /** Console type (`log`, `error`, `warning`, ...) or `pageerror` for an uncaught exception. */
  readonly type: string;
  /** The message text (for `pageerror`: `name: message`). */
  readonly text: string;
  /** URL of the script or document that produced it, when known. */
  readonly url: string;
  /** Origin of `url` (e.g. the widget origin for messages from the widget frame), or "" when unknown. */
  readonly origin: string;
}

/** A page in its own browser context, with its collected logs; see {@link openPage}. */
export interface OpenedPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Everything logged so far, in arrival order (live array). */
  readonly logs: BrowserLogEntry[];
  /** Console messages so far, optionally only those whose text contains `includes`. */
  consoleMessages(includes?: string): BrowserLogEntry[];
  /** Uncaught errors so far (`pageerror` entries). */
  pageErrors(): BrowserLogEntry[];
  /** Console messages of type `error` plus uncaught errors: handy for `expect(p.problems()).toEqual([])`. */
  problems(): BrowserLogEntry[];
  /**
   * Waits for a frame whose URL starts with `origin` (e.g. the widget
   * iframe) to have loaded, and returns it.
   */
  frameByOrigin(origin: string, timeoutMs?: number): Promise<Frame>;
  /** Closes the context (and so the page). */
  close(): Promise<void>;
}

function originOf(url: string): string {
  try {
    const origin = new URL(url).origin;
    return origin === "null" ? "" : origin;
  } catch {
    return "";
  }
}

/**
 * Opens a page in a fresh browser context of `browser`, collecting console
 * messages and uncaught errors into `logs`. Set `BROWSER_LOGS=1` to also echo
 * them to the test's stderr while debugging.
 */
export async function openPage(browser: Browser): Promise<OpenedPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const logs: BrowserLogEntry[] = [];
  const echo = process.env.BROWSER_LOGS === "1";
  const record = (entry: BrowserLogEntry): void => {
    logs.push(entry);
    if (echo) process.stderr.write(`[browser ${entry.type}] ${entry.origin || "?"} ${entry.text}\n`);
  };

  page.on("console", (msg) => {
    const url = msg.location().url;
    record({ type: msg.type(), text: msg.text(), url, origin: originOf(url) });
  });
  page.on("pageerror", (error) => {
    // Playwright does not say which frame threw; the first stack frame usually does.
    const url = /\b(https?:\/\/[^\s)]+?)(?::\d+){0,2}\)?$/m.exec(error.stack ?? "")?.[1] ?? "";
    record({ type: "pageerror", text: `${error.name}: ${error.message}`, url, origin: originOf(url) });
  });

  return {
    page,
    context,
    logs,
    consoleMessages(includes) {
      return logs.filter(
        (e) => e.type !== "pageerror" && (includes === undefined || e.text.includes(includes)),
      );
    },
    pageErrors() {
      return logs.filter((e) => e.type === "pageerror");
    },
    problems() {
      return logs.filter((e) => e.type === "pageerror" || e.type === "error");
    },
    async frameByOrigin(origin, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const frame = page.frames().find((f) => f.url().startsWith(`${origin}/`));
        if (frame) {
          await frame.waitForLoadState("load", { timeout: Math.max(1, deadline - Date.now()) });
          return frame;
        }
        if (Date.now() >= deadline) {
          const urls = page.frames().map((f) => f.url());
          throw new Error(`no frame from ${origin} within ${timeoutMs}ms; frames: ${urls.join(", ")}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async close() {
      await context.close();
    },
  };
}
