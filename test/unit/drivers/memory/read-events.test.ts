import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryDriver, type MatrixWorld } from "../../../../src/drivers/memory/index.js";
import { newWorld } from "./helpers.js";

const ME = "@me:example.org";
const ALICE = "@alice:example.org";

function roomWithHistory(messages: number): { world: MatrixWorld; driver: MemoryDriver; room: string } {
  const world = newWorld();
  world.addUser({ userId: ALICE, displayName: "Alice" });
  const room = world.createRoom({ creator: ME, alias: "history", isPublic: true });
  world.join(room, ALICE);
  for (let i = 0; i < messages; i++) {
    world.sendEvent(room, i % 2 ? ALICE : ME, {
      type: "m.room.message",
      content: { msgtype: i % 3 === 0 ? "m.notice" : "m.text", body: `message ${i}` },
    });
  }
  return { world, driver: new MemoryDriver(world), room };
}

const bodies = (events: ReadonlyArray<{ content: Record<string, unknown> }>) =>
  events.map((event) => event.content["body"]);

afterEach(() => {
  vi.restoreAllMocks();
});

describe("MemoryDriver.readRoomEvents", () => {
  it("returns the newest events of the type, newest first, at most limit", async () => {
    const { driver, room } = roomWithHistory(20);
    const events = await driver.readRoomEvents({ roomId: room, eventType: "m.room.message", limit: 3 });
    expect(bodies(events)).toEqual(["message 19", "message 18", "message 17"]);
  });

  it("keeps only the msgtype asked for, skips state events and stops at `since`", async () => {
    const { world, driver, room } = roomWithHistory(10);
    world.sendEvent(room, ME, { type: "m.room.message", state_key: "", content: { body: "state" } });
    const notices = await driver.readRoomEvents({
      roomId: room,
      eventType: "m.room.message",
      msgtype: "m.notice",
      limit: 10,
    });
    expect(bodies(notices)).toEqual(["message 9", "message 6", "message 3", "message 0"]);

    const all = await driver.readRoomEvents({ roomId: room, eventType: "m.room.message", limit: 10 });
    const since = all[3]!.event_id;
    const after = await driver.readRoomEvents({
      roomId: room,
      eventType: "m.room.message",
      limit: 10,
      since,
    });
    expect(bodies(after)).toEqual(["message 9", "message 8", "message 7"]);
  });

  it("returns copies: changing them does not change the room", async () => {
    const { driver, room } = roomWithHistory(2);
    const [newest] = await driver.readRoomEvents({ roomId: room, eventType: "m.room.message", limit: 1 });
    newest!.content["body"] = "changed";
    const again = await driver.readRoomEvents({ roomId: room, eventType: "m.room.message", limit: 1 });
    expect(bodies(again)).toEqual(["message 1"]);
  });

  it("costs O(limit), not O(room history): a read of 10 copies 10 events, however long the room", async () => {
    // The world hands out deep copies (structuredClone). Before, a read copied the whole timeline
    // and then picked the newest events from it, so a read of ten in a room of 100,000 events
    // cloned 100,000; now only the events returned are copied.
    const { driver, room } = roomWithHistory(5_000);
    const clone = vi.spyOn(globalThis, "structuredClone");
    const events = await driver.readRoomEvents({ roomId: room, eventType: "m.room.message", limit: 10 });
    expect(events).toHaveLength(10);
    // Every event copied, whether one by one (as each is served with its `unsigned`) or in a list;
    // other copies (the call log's copy of the query) are not events.
    const isEvent = (value: unknown) => typeof value === "object" && value !== null && "event_id" in value;
    const copiedEvents = clone.mock.calls
      .map(([value]) => (Array.isArray(value) ? value.filter(isEvent).length : isEvent(value) ? 1 : 0))
      .reduce((sum, count) => sum + count, 0);
    expect(copiedEvents).toBe(10);
  });
});
