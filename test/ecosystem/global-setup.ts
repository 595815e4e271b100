// vitest globalSetup for the "ecosystem" project: real peers (Element Call, matrix-widget-api
// widgets at full speed, a matrix-widget-toolkit widget) in real Chromium against the real Synapse.
// It makes sure Chromium is there, then installs (once) and starts Synapse, exactly as the
// browser and homeserver projects do, and hands the connection to tests via provide("synapse").
import type { TestProject } from "vitest/node";
import { ensureChromium } from "../../scripts/ensure-chromium.mjs";
import homeserverSetup from "../homeserver/global-setup.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await ensureChromium();
  return homeserverSetup(project);
}
