// Ecosystem test c: a matrix-widget-api 1.19 WidgetApi widget at FULL SPEED against our
// WidgetHost, in real Chromium, the widget on another origin with its console silenced as in
// production. Three workloads: 3,000 sequential requests, a burst of 1,000 concurrent requests, and
// 3,000 room events pushed through the host's event feed. Every request is answered exactly once
// (counted per requestId on the wire, in both pages) and none times out.
//
// matrix-widget-api names requests `widgetapi-<Date.now()>` and reuses a name once the earlier
// request was answered, so at full speed many requests share IDs; the host must treat each as new.
import { describe, expect, it } from "vitest";
import type { FullSpeedHost } from "./fixtures/full-speed/our-host.js";
import type { FullSpeedWidget } from "./fixtures/full-speed/mwa-widget.js";
import { WIDGET_CAPABILITIES } from "./fixtures/full-speed/shared.js";
import {
  BURST,
  openFullSpeedPair,
  PUSHES,
  SEQUENTIAL,
  STATE_EVERY,
  report,
  reusedIds,
  total,
  unanswered,
  usePagePair,
} from "./full-speed-support.js";

const SUITE = "c: matrix-widget-api WidgetApi → our WidgetHost";

const pair = usePagePair(() => openFullSpeedPair<FullSpeedHost, FullSpeedWidget>("our-host", "mwa-widget"));

async function resetCounts(): Promise<void> {
  await Promise.all([pair.host.resetWire(), pair.widget.resetWire(), pair.host.resetTraces()]);
}

describe("c: a matrix-widget-api widget at full speed in our host", () => {
  it("is granted what it asked for", async () => {
    expect(new Set(await pair.host.granted())).toEqual(new Set(WIDGET_CAPABILITIES));
    expect(new Set(await pair.widget.capabilities())).toEqual(new Set(WIDGET_CAPABILITIES));
  });

  it(`answers ${SEQUENTIAL} sequential requests exactly once each, reused request IDs included, with no timeout`, async () => {
    await resetCounts();
    const result = await pair.widget.sequential(SEQUENTIAL);
    const [sent, answered, traces] = await Promise.all([
      pair.host.wire(),
      pair.widget.wire(),
      pair.host.traces(),
    ]);
    const reused = reusedIds(sent.fromWidgetRequests);
    report(SUITE, "sequential requests", SEQUENTIAL, result.ms, `${reused} reused a request ID`);
    expect(result.failures.slice(0, 5)).toEqual([]);
    expect(result.fulfilled).toBe(SEQUENTIAL);
    expect(total(sent.fromWidgetRequests)).toBe(SEQUENTIAL);
    expect(unanswered(sent.fromWidgetRequests, answered.fromWidgetReplies).slice(0, 5)).toEqual([]);
    expect(total(answered.fromWidgetReplies)).toBe(SEQUENTIAL);
    expect(traces.errors.slice(0, 5)).toEqual([]);
  });

  it(`answers a burst of ${BURST} concurrent requests exactly once each, with no timeout`, async () => {
    await resetCounts();
    const result = await pair.widget.burst(BURST);
    const [sent, answered, traces] = await Promise.all([
      pair.host.wire(),
      pair.widget.wire(),
      pair.host.traces(),
    ]);
    report(SUITE, "burst", BURST, result.ms, `${Object.keys(sent.fromWidgetRequests).length} distinct IDs`);
    expect(result.failures.slice(0, 5)).toEqual([]);
    expect(result.fulfilled).toBe(BURST);
    expect(total(sent.fromWidgetRequests)).toBe(BURST);
    expect(unanswered(sent.fromWidgetRequests, answered.fromWidgetReplies).slice(0, 5)).toEqual([]);
    expect(traces.errors.slice(0, 5)).toEqual([]);
  });

  it(`delivers ${PUSHES} pushed room events through the event feed, each acknowledged exactly once`, async () => {
    await resetCounts();
    const before = await pair.widget.received();
    const started = Date.now();
    const pushed = await pair.host.pushEvents(PUSHES, STATE_EVERY);
    await expect
      .poll(async () => (await pair.widget.received()).send_event - before.send_event, {
        timeout: 60_000,
        interval: 50,
      })
      .toBe(PUSHES);
    // Every push the host made must have been answered before counting.
    await expect
      .poll(
        async () => {
          const [sent, answered] = await Promise.all([pair.widget.wire(), pair.host.wire()]);
          return unanswered(sent.toWidgetRequests, answered.toWidgetReplies).length;
        },
        { timeout: 30_000, interval: 50 },
      )
      .toBe(0);
    const elapsed = Date.now() - started;
    const [sent, answered, traces, after] = await Promise.all([
      pair.widget.wire(),
      pair.host.wire(),
      pair.host.traces(),
      pair.widget.received(),
    ]);
    report(
      SUITE,
      "pushed events",
      PUSHES,
      elapsed,
      `${pushed.state} state events; ${after.update_state - before.update_state} update_state pushes; world writes took ${pushed.ms.toFixed(0)} ms`,
    );
    expect(traces.count["toWidget send_event"]).toBe(PUSHES);
    expect(after.update_state - before.update_state).toBeGreaterThan(0);
    expect(total(sent.toWidgetRequests)).toBe(total(answered.toWidgetReplies));
    expect(unanswered(sent.toWidgetRequests, answered.toWidgetReplies)).toEqual([]);
    expect(traces.errors.slice(0, 5)).toEqual([]);
  });

  it("left no uncaught error in either page", () => {
    expect(pair.opened.pageErrors()).toEqual([]);
  });
});
