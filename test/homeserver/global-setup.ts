// vitest globalSetup for the "homeserver" project: installs (once) and starts a
// real Synapse, hands its connection details to tests via provide("synapse"),
// and stops it again when the run ends.

import type { TestProject } from "vitest/node";
// @ts-expect-error TS7016: plain .mjs script without a .d.ts; its shape is declared in ./provided.d.ts
import * as ensureScript from "../../scripts/synapse/ensure-synapse.mjs";
// @ts-expect-error TS7016: plain .mjs script without a .d.ts; its shape is declared in ./provided.d.ts
import * as homeserverScript from "../../scripts/synapse/homeserver.mjs";
import type { EnsureSynapseScript, HomeserverScript } from "./provided";

const { ensureSynapse } = ensureScript as EnsureSynapseScript;
const { startSynapse } = homeserverScript as HomeserverScript;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { installSeconds } = await ensureSynapse();
  const hs = await startSynapse();
  console.log(`Synapse install: ${installSeconds}s, start: ${hs.startSeconds}s`);

  project.provide("synapse", {
    baseUrl: hs.baseUrl,
    serverName: hs.serverName,
    registrationSharedSecret: hs.registrationSharedSecret,
  });

  return async () => {
    await hs.stop();
  };
}
