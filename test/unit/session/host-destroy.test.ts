// Issue 12 item 7: after host.destroy(), the widget's calls end with session_ended instead of
// waiting for their timeout. In-flight requests are answered by the host as it is destroyed (any
// transport); later ones fail at once where the channel can tell that the host closed its end
// (the in-memory pair). See docs/decisions.md, "A destroyed host and the widget's calls".
import { expect, it } from "vitest";
import { mountWidget } from "../../../src/testing/index.js";
import { readAccountData as readAccountDataAction } from "../../../src/protocol/actions/account-data.js";
import type { WidgetClient } from "../../../src/widget/widget-client.js";
import type { WidgetMessage } from "../../../src/protocol/envelope.js";
import { ErrorCode, WidgetApiError } from "../../../src/protocol/errors.js";
import { defineAction } from "../../../src/protocol/action.js";
import * as v from "valibot";
import { silentLogger } from "../../../src/core/logger.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";

const TYPE = "org.example.settings";

/** The widget's account-data read, sent through the client (any widget call would do). */
async function readAccountData(client: WidgetClient): Promise<unknown> {
  const { events } = await client.request(readAccountDataAction, { type: TYPE });
  return events[0]?.content;
}
const READ = `org.matrix.msc3751.read.account_data:${TYPE}`;

async function outcomeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => error,
  );
}

it("a widget call in flight when the host is destroyed rejects with session_ended, long before its timeout", async () => {
  const kit = await mountWidget({
    capabilities: [READ],
    driver: { latencyMs: 60_000 },
    client: { timeoutMs: 30_000 },
  });
  const call = outcomeOf(readAccountData(kit.client));
  await new Promise((resolve) => setTimeout(resolve, 5));
  const started = Date.now();
  kit.host.destroy();
  const outcome = await call;
  expect(outcome).toBeInstanceOf(WidgetApiError);
  expect((outcome as WidgetApiError).code).toBe(ErrorCode.SessionEnded);
  expect(Date.now() - started).toBeLessThan(1_000);
  kit.destroy();
});

it("the in-flight request gets exactly one reply, though its driver call finishes after the destroy", async () => {
  const kit = await mountWidget({
    capabilities: [READ],
    driver: { latencyMs: 30 },
    client: { timeoutMs: 30_000 },
  });
  const call = outcomeOf(readAccountData(kit.client));
  await new Promise((resolve) => setTimeout(resolve, 5));
  const request = kit.transports.widget.sent.at(-1) as WidgetMessage;
  kit.host.destroy();
  await call;
  // Let the driver call finish: its result must not be sent as a second reply.
  await new Promise((resolve) => setTimeout(resolve, 60));
  const replies = kit.transports.host.sent.filter(
    (message) => message.requestId === request.requestId && "response" in message,
  );
  expect(replies).toHaveLength(1);
  expect(replies[0]).toMatchObject({ response: { error: { code: ErrorCode.SessionEnded } } });
  kit.destroy();
});

it("a widget call made after the host was destroyed rejects with session_ended at once over the memory pair", async () => {
  const kit = await mountWidget({ capabilities: [READ], client: { timeoutMs: 30_000 } });
  kit.host.destroy();
  await new Promise((resolve) => setTimeout(resolve, 0));
  const started = Date.now();
  const outcome = await outcomeOf(readAccountData(kit.client));
  expect((outcome as WidgetApiError).code).toBe(ErrorCode.SessionEnded);
  expect(Date.now() - started).toBeLessThan(1_000);
  kit.destroy();
});

const hold = defineAction({
  id: "com.example.hold",
  stable: "com.example.hold",
  direction: "toWidget",
  unstable: [],
  request: v.object({}),
  response: v.object({}),
});

it("a host request the widget is still handling when the widget is destroyed is answered session_ended", async () => {
  const kit = await mountWidget({});
  kit.client.handle(hold, () => new Promise<never>(() => {}));
  const call = outcomeOf(kit.host.request(hold, {}, { timeoutMs: 30_000 }));
  await new Promise((resolve) => setTimeout(resolve, 5));
  kit.client.destroy();
  const outcome = await call;
  expect((outcome as WidgetApiError).code).toBe(ErrorCode.SessionEnded);
  expect((outcome as WidgetApiError).message).toMatch(/ended before this request was answered/);
  kit.host.destroy();
});

it("emits destroyed once, as its last event, also for a host whose frame never loaded", async () => {
  const host = new WidgetHost({
    widgetId: "w",
    transport: createMemoryTransportPair().host,
    logger: silentLogger,
  });
  const events: string[] = [];
  host.on("sessionEnded", () => events.push("sessionEnded"));
  host.on("destroyed", () => events.push("destroyed"));
  host.destroy();
  host.destroy();
  expect(events).toEqual(["destroyed"]);

  const kit = await mountWidget({ capabilities: [] });
  const order: string[] = [];
  kit.host.on("sessionEnded", () => order.push("sessionEnded"));
  kit.host.on("destroyed", () => order.push(`destroyed (state ${kit.host.state})`));
  kit.host.destroy();
  expect(order).toEqual(["sessionEnded", "destroyed (state destroyed)"]);
});

it("whenReady() waiting when the host is destroyed, or called after, neither resolves nor rejects, and the host emits destroyed to give up on", async () => {
  const pair = createMemoryTransportPair();
  const host = new WidgetHost({ widgetId: "w", transport: pair.host, driver: {}, logger: silentLogger });
  const outcomes: string[] = [];
  const watch = (label: string, promise: Promise<void>) =>
    void promise.then(
      () => outcomes.push(`${label} resolved`),
      () => outcomes.push(`${label} rejected`),
    );
  watch("before", host.whenReady());
  let destroyed = 0;
  host.on("destroyed", () => destroyed++);
  host.destroy();
  watch("after", host.whenReady());
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(destroyed).toBe(1);
  expect(outcomes).toEqual([]);
});
