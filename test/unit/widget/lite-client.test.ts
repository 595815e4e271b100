import { afterEach, describe, expect, it } from "vitest";
import { approveCapabilities } from "../../../src/host/policy.js";
import { navigate } from "../../../src/widget/features/navigate.js";
import { connect } from "../../support/memory-session.js";
import { RecordingDriver } from "../../support/recording-driver.js";

const NAV = "org.matrix.msc2931.navigate";
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe("LiteWidgetClient against our host, in memory", () => {
  it("finishes the capability exchange and navigates with a granted capability", async () => {
    const driver = new RecordingDriver();
    const { host, client } = await connect({
      client: "LiteWidgetClient",
      capabilities: [NAV],
      policy: approveCapabilities([NAV]),
      driver,
    });
    cleanups.push(() => {
      client.destroy();
      host.destroy();
    });
    expect(client.capabilities).toEqual([NAV]);
    expect(client.hasCapability("m.navigate")).toBe(true);
    await expect(navigate(client, "https://matrix.to/#/#room:example.org")).resolves.toBeUndefined();
    expect(JSON.stringify(driver.calls)).toContain("#room:example.org");
  });
});
