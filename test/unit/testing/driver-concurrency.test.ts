import { afterEach, expect, it } from "vitest";
import { mountWidget } from "../../../src/testing/index.js";
import { readAccountData as readAccountDataAction } from "../../../src/protocol/actions/account-data.js";
import type { WidgetClient } from "../../../src/widget/widget-client.js";

const TYPE = "org.example.settings";

/** The widget's account-data read, sent through the client (any widget call would do). */
async function readAccountData(client: WidgetClient): Promise<unknown> {
  const { events } = await client.request(readAccountDataAction, { type: TYPE });
  return events[0]?.content;
}
const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);

afterEach(() => {
  process.off("warning", onWarning);
  warnings.length = 0;
});

it("50 concurrent driver calls of one session print no MaxListenersExceededWarning and all succeed", async () => {
  process.on("warning", onWarning);
  // Latency keeps all 50 calls inside the driver at once, each waiting on the session's signal.
  const kit = await mountWidget({
    capabilities: [`org.matrix.msc3751.read.account_data:${TYPE}`],
    driver: { latencyMs: 30 },
  });
  try {
    kit.world.setAccountData(kit.world.ownUserId, TYPE, { n: 1 });
    const results = await Promise.all(Array.from({ length: 50 }, () => readAccountData(kit.client)));
    expect(results).toEqual(Array.from({ length: 50 }, () => ({ n: 1 })));
    expect(kit.driverCalls("readAccountData")).toHaveLength(50);
    // Node emits process warnings on a later turn.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(warnings.map((warning) => `${warning.name}: ${warning.message}`)).toEqual([]);
  } finally {
    kit.destroy();
  }
});

it("50 driver calls still waiting when the host is destroyed all reject with session_ended at once", async () => {
  const kit = await mountWidget({
    capabilities: [`org.matrix.msc3751.read.account_data:${TYPE}`],
    driver: { latencyMs: 60_000 },
    client: { timeoutMs: 30_000 },
  });
  try {
    const calls = Array.from({ length: 50 }, () =>
      readAccountData(kit.client).catch((error: unknown) => error),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(kit.driverCalls("readAccountData")).toHaveLength(50);
    const started = Date.now();
    kit.host.destroy();
    const outcomes = await Promise.all(calls);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(outcomes.map((outcome) => (outcome as { code?: unknown }).code)).toEqual(
      Array.from({ length: 50 }, () => "session_ended"),
    );
  } finally {
    kit.destroy();
  }
});
