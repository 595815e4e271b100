// vitest globalSetup for the "ecosystem" project: real peers (Element Call, matrix-widget-api
// widgets at full speed, a matrix-widget-toolkit widget) in real Chromium against the real Synapse.
// It makes sure Chromium is there, then installs (once) and starts Synapse, exactly as the
// browser and homeserver projects do, and hands the connection to tests via provide("synapse").
//
// Synapse advertises one MatrixRTC transport (MSC4143): a LiveKit focus whose service URL is a
// loopback port reserved here. The Element Call suite starts its token-service stub on that port
// (support.ts, startRtcStub); nothing listens there otherwise, so no request leaves the machine.
import { createServer } from "node:net";
import type { TestProject } from "vitest/node";
import { ensureChromium } from "../../scripts/ensure-chromium.mjs";
import homeserverSetup from "../homeserver/global-setup.js";

/** Asks the OS for a free TCP port on 127.0.0.1 (closed again at once, for a server started later). */
function reservePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await ensureChromium();
  const rtcStubPort = await reservePort();
  project.provide("rtcStub", { port: rtcStubPort, serviceUrl: `http://127.0.0.1:${rtcStubPort}` });
  return homeserverSetup(project, {
    rtcTransports: [{ type: "livekit", livekit_service_url: `http://127.0.0.1:${rtcStubPort}` }],
  });
}
