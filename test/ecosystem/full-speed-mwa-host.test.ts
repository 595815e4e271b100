// Ecosystem test d: OUR widget at full speed inside matrix-widget-api 1.19's ClientWidgetApi,
// the host Element Web uses, in real Chromium with the widget on another origin. The same three
// workloads as test c: 3,000 sequential requests, a burst of 1,000, and 3,000 events fed the way
// Element feeds them. Every request is answered exactly once (counted per requestId on the wire,
// in both pages) and none times out. ClientWidgetApi names its pushes `widgetapi-<Date.now()>`
// too, so here it is our widget that must take a reused ID as a new request. It runs once with each
// widget client: WidgetClient, and LiteWidgetClient (`client=lite` in the widget's URL).
import { describe, expect, it } from "vitest";
import type { FullSpeedMwaHost } from "./fixtures/full-speed/mwa-host.js";
import type { FullSpeedOurWidget } from "./fixtures/full-speed/our-widget.js";
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

/** Each widget client, with the query that makes the fixture create it and the kind it reports. */
const CLIENTS = [
  { name: "WidgetClient", query: undefined, kind: "full" },
  { name: "LiteWidgetClient", query: { client: "lite" }, kind: "lite" },
] as const;

describe.each(CLIENTS)("d: our $name at full speed in matrix-widget-api's ClientWidgetApi", (client) => {
  const SUITE = `d: our ${client.name} → matrix-widget-api ClientWidgetApi`;
  const pair = usePagePair(() =>
    openFullSpeedPair<FullSpeedMwaHost, FullSpeedOurWidget>("mwa-host", "our-widget", client.query),
  );
  const resetCounts = async (): Promise<void> => {
    await Promise.all([pair.host.resetWire(), pair.widget.resetWire()]);
  };

  it("is the client asked for, granted what it asked for", async () => {
    expect(await pair.widget.clientKind()).toBe(client.kind);
    expect(new Set(await pair.host.granted([...WIDGET_CAPABILITIES]))).toEqual(new Set(WIDGET_CAPABILITIES));
    expect(new Set(await pair.widget.capabilities())).toEqual(new Set(WIDGET_CAPABILITIES));
  });

  it(`gets ${SEQUENTIAL} sequential requests answered exactly once each, with no timeout`, async () => {
    await resetCounts();
    const result = await pair.widget.sequential(SEQUENTIAL);
    const [sent, answered] = await Promise.all([pair.host.wire(), pair.widget.wire()]);
    report(
      SUITE,
      "sequential requests",
      SEQUENTIAL,
      result.ms,
      `${reusedIds(sent.fromWidgetRequests)} reused a request ID`,
    );
    expect(result.failures).toEqual([]);
    expect(result.fulfilled).toBe(SEQUENTIAL);
    expect(total(sent.fromWidgetRequests)).toBe(SEQUENTIAL);
    expect(unanswered(sent.fromWidgetRequests, answered.fromWidgetReplies).slice(0, 5)).toEqual([]);
    expect(total(answered.fromWidgetReplies)).toBe(SEQUENTIAL);
  });

  it(`gets a burst of ${BURST} concurrent requests answered exactly once each, with no timeout`, async () => {
    await resetCounts();
    const result = await pair.widget.burst(BURST);
    const [sent, answered] = await Promise.all([pair.host.wire(), pair.widget.wire()]);
    report(SUITE, "burst", BURST, result.ms, `${Object.keys(sent.fromWidgetRequests).length} distinct IDs`);
    expect(result.failures.slice(0, 5)).toEqual([]);
    expect(result.fulfilled).toBe(BURST);
    expect(total(sent.fromWidgetRequests)).toBe(BURST);
    expect(unanswered(sent.fromWidgetRequests, answered.fromWidgetReplies).slice(0, 5)).toEqual([]);
  });

  it(`acknowledges ${PUSHES} fed events exactly once each, with no timeout`, async () => {
    await resetCounts();
    const before = await pair.widget.received();
    const fed = await pair.host.pushEvents(PUSHES, STATE_EVERY);
    const [sent, answered, after] = await Promise.all([
      pair.widget.wire(),
      pair.host.wire(),
      pair.widget.received(),
    ]);
    report(
      SUITE,
      "fed events",
      PUSHES,
      fed.ms,
      `${fed.state} state events; ${after.update_state - before.update_state} update_state pushes; ${reusedIds(sent.toWidgetRequests)} reused a request ID`,
    );
    expect(fed.failures.slice(0, 5)).toEqual([]);
    expect(after.send_event - before.send_event).toBe(PUSHES);
    expect(after.stateEvents - before.stateEvents).toBe(fed.state);
    expect(total(sent.toWidgetRequests)).toBe(PUSHES + fed.state);
    expect(unanswered(sent.toWidgetRequests, answered.toWidgetReplies).slice(0, 5)).toEqual([]);
  });

  it("left no uncaught error in either page", () => {
    expect(pair.opened.pageErrors()).toEqual([]);
  });
});
