// The ordering rules behind the React hooks, without React: read and pushed events merged once
// each in timeline order, state pushes that win over a read still on its way, and the newest
// ticket winning over an older answer that arrives later.
import { describe, expect, it } from "vitest";
import type { WireRoomEvent, WireStateEvent } from "../../../src/protocol/actions/events.js";
import { Cell, EventTimeline, LatestGate, StateTable } from "../../../src/react/stores.js";

const event = (id: string, ts: number): WireRoomEvent => ({
  type: "m.room.message",
  event_id: id,
  room_id: "!r:example.org",
  sender: "@a:example.org",
  origin_server_ts: ts,
  content: { body: id },
});

const state = (id: string, stateKey: string, body: string): WireStateEvent => ({
  type: "org.example.state",
  event_id: id,
  room_id: "!r:example.org",
  sender: "@a:example.org",
  origin_server_ts: 1,
  state_key: stateKey,
  content: { body },
});

const ids = (events: readonly { event_id: string }[]) => events.map((e) => e.event_id);

describe("EventTimeline", () => {
  it("puts a newest-first read before live events that were pushed earlier, each event ID once", () => {
    const timeline = new EventTimeline(100);
    // A live push lands while the read is on its way; the read then returns it too.
    timeline.add([event("$3", 30)]);
    timeline.addNewestFirst([event("$3", 30), event("$2", 20), event("$1", 10)]);
    timeline.add([event("$4", 40)]);
    expect(ids(timeline.list)).toEqual(["$1", "$2", "$3", "$4"]);
  });

  it("puts a newest-first read with equal timestamps in timeline order", () => {
    const timeline = new EventTimeline(100);
    timeline.addNewestFirst([event("$2", 7), event("$1", 7)]);
    timeline.add([event("$3", 7)]);
    expect(ids(timeline.list)).toEqual(["$1", "$2", "$3"]);
  });

  it("keeps events with equal timestamps in arrival order", () => {
    const timeline = new EventTimeline(100);
    timeline.add([event("$b", 5)]);
    timeline.add([event("$a", 5)]);
    expect(ids(timeline.list)).toEqual(["$b", "$a"]);
  });

  it("reports no change and keeps the same array when only duplicates arrive", () => {
    const timeline = new EventTimeline(100);
    timeline.add([event("$1", 1)]);
    const before = timeline.list;
    expect(timeline.add([event("$1", 1)])).toBe(false);
    expect(timeline.list).toBe(before);
  });

  it("drops the oldest events beyond `keep`", () => {
    const timeline = new EventTimeline(2);
    timeline.add([event("$1", 1), event("$2", 2), event("$3", 3)]);
    expect(ids(timeline.list)).toEqual(["$2", "$3"]);
  });
});

describe("StateTable", () => {
  it("lets a push that arrived while a read was pending win over that read for its key", () => {
    const table = new StateTable();
    const ticket = table.beginRead();
    table.applyPush([state("$new", "a", "new")]);
    table.applyRead(ticket, [state("$old", "a", "old"), state("$b", "b", "b")]);
    expect(table.list.map((e) => e.content["body"])).toEqual(["new", "b"]);
  });

  it("lets a read replace keys pushed before it started", () => {
    const table = new StateTable();
    table.applyPush([state("$1", "a", "first")]);
    const ticket = table.beginRead();
    table.applyRead(ticket, [state("$2", "a", "second")]);
    expect(table.list.map((e) => e.content["body"])).toEqual(["second"]);
  });

  it("keeps one entry per state key, replaced by later pushes", () => {
    const table = new StateTable();
    table.applyPush([state("$1", "a", "1"), state("$2", "", "2")]);
    table.applyPush([state("$3", "a", "3")]);
    expect(table.list.map((e) => [e.state_key, e.content["body"]])).toEqual([
      ["a", "3"],
      ["", "2"],
    ]);
  });
});

describe("LatestGate", () => {
  it("an older ticket answered after a newer one is not current", () => {
    const gate = new LatestGate();
    const older = gate.issue();
    const newer = gate.issue();
    expect(gate.isCurrent(newer)).toBe(true);
    expect(gate.isCurrent(older)).toBe(false);
  });
});

describe("Cell", () => {
  it("tells its listeners of a change, not of the same value again, and stops after unsubscribing", () => {
    const cell = new Cell<string | undefined>(undefined);
    const seen: Array<string | undefined> = [];
    const stop = cell.subscribe(() => seen.push(cell.get()));
    cell.set("fr");
    cell.set("fr");
    stop();
    cell.set("de");
    expect(seen).toEqual(["fr"]);
    expect(cell.get()).toBe("de");
  });
});
