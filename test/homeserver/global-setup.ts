// vitest globalSetup for the "homeserver" project: installs (once) and starts a
// real Synapse, hands its connection details to tests via provide("synapse"),
// and stops it again when the run ends.

import type { TestProject } from "vitest/node";
import { ensureSynapse } from "../../scripts/synapse/ensure-synapse.mjs";
import { startSynapse } from "../../scripts/synapse/homeserver.mjs";

export default async function setup(
  project: TestProject,
  // Other projects' setups reuse this one with extra Synapse settings (the ecosystem suite's RTC transports).
  startOptions?: Parameters<typeof startSynapse>[0],
): Promise<() => Promise<void>> {
  const { installSeconds, version } = await ensureSynapse();
  const hs = await startSynapse(startOptions);
  console.log(
    `Synapse ${version}: install ${installSeconds}s (a check when already installed), start ${hs.startSeconds}s`,
  );

  project.provide("synapse", {
    baseUrl: hs.baseUrl,
    serverName: hs.serverName,
    registrationSharedSecret: hs.registrationSharedSecret,
  });

  return async () => {
    await hs.stop();
  };
}
