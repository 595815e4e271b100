// Shared by the playground's homeserver suites (playground.test.ts, playground-widgets.test.ts):
// the playground server signed in to a registered account together with Chromium, the polling both
// use, and the page problems that are expected on a real homeserver.
import type { Browser } from "playwright-core";
import { vi } from "vitest";
import { startPlayground, type RunningPlayground } from "../../scripts/playground-server.mjs";
import { launchBrowser, type BrowserLogEntry } from "../browser/harness/index.js";
import type { RegisteredUser, SynapseConnection } from "./provided";

/** Retries `check` until it passes; homeserver round trips and sync take their time. */
export const eventually = <T>(check: () => T | Promise<T>) =>
  vi.waitFor(check, { timeout: 20_000, interval: 200 });

/** The playground signed in as one account, and a browser to open it in. */
export interface PlaygroundOnHomeserver {
  playground: RunningPlayground;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Starts the playground on a free port in homeserver mode, signed in as `user`, and Chromium, at
 * the same time.
 */
export async function startPlaygroundAs(
  hs: SynapseConnection,
  user: RegisteredUser,
): Promise<PlaygroundOnHomeserver> {
  const [playground, browser] = await Promise.all([
    startPlayground({
      port: 0,
      homeserver: {
        baseUrl: hs.baseUrl,
        userId: user.userId,
        accessToken: user.accessToken,
        deviceId: user.deviceId,
      },
    }),
    launchBrowser(),
  ]);
  return {
    playground,
    browser,
    async close() {
      await browser.close();
      await playground.close();
    },
  };
}

/**
 * The page problems that are not the expected 404s: the browser's favicon request, and
 * matrix-js-sdk probing unstable endpoints Synapse lacks.
 */
export function unexpectedProblems(problems: BrowserLogEntry[], hs: SynapseConnection): BrowserLogEntry[] {
  return problems.filter(
    (entry) =>
      !(
        entry.text.startsWith("Failed to load resource") &&
        (entry.url.endsWith("/favicon.ico") || entry.url.startsWith(`${hs.baseUrl}/_matrix/client/unstable/`))
      ),
  );
}
