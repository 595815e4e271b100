// vitest globalSetup for the browser tests: makes sure Chromium is there (or
// fails with instructions) once, before any browser test file starts.
import { ensureChromium } from "../../scripts/ensure-chromium.mjs";

/**
 * Installs Debian's Chromium if it is missing (when root with apt-get), or
 * throws an Error that says how to get one (or set CHROMIUM_PATH).
 */
export default async function setup(): Promise<void> {
  await ensureChromium();
}
