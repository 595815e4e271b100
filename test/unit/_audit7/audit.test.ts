import { describe, expect, it, vi, afterEach } from "vitest";
import { MatrixWorld, createSteppingClock } from "../../../src/drivers/memory/world.js";
import { MemoryDriver } from "../../../src/drivers/memory/driver.js";
import { mountWidget, TEST_ROOM_ID, TEST_OTHER_USER_ID, TEST_OWN_USER_ID } from "../../../src/testing/index.js";

function world() {
  const w = new MatrixWorld({ ownUserId: "@me:example.org", now: createSteppingClock(1000) });
  w.addUser({ userId: "@mod:example.org" });
  w.addUser({ userId: "@bob:example.org" });
  w.addUser({ userId: "@carol:example.org" });
  const roomId = w.createRoom({ creator: "@me:example.org", isPublic: true, userPowerLevels: { "@mod:example.org": 50 } });
  w.join(roomId, "@mod:example.org");
  w.join(roomId, "@bob:example.org");
  return { w, roomId };
}

describe("audit", () => {
  afterEach(() => vi.useRealTimers());

  it("A: a moderator (50) may not change m.room.power_levels / history_visibility on Synapse defaults", () => {
    const { w, roomId } = world();
    const pl = w.getState(roomId, "m.room.power_levels");
    console.log("world default PL", JSON.stringify(pl));
    expect(() =>
      w.sendEvent(roomId, "@mod:example.org", { type: "m.room.history_visibility", state_key: "", content: { history_visibility: "joined" } }),
    ).toThrow();
  });

  it("A2: kit's Alice (50) sets power levels giving herself 100", async () => {
    const kit = await mountWidget({});
    try {
      const ev = await kit.setRoomState("m.room.power_levels", "", { users: { [TEST_OTHER_USER_ID]: 100 } });
      console.log("Alice set PL:", ev.event_id);
      expect.fail("Synapse would answer 403: m.room.power_levels needs 100");
    } finally {
      kit.destroy();
    }
  });

  it("B: invite power level is not enforced", () => {
    const { w, roomId } = world();
    const pl = w.getState(roomId, "m.room.power_levels")!;
    w.sendEvent(roomId, "@me:example.org", { type: "m.room.power_levels", state_key: "", content: { ...pl, invite: 50 } });
    expect(() => w.invite(roomId, "@bob:example.org", "@carol:example.org")).toThrow(/permission|power|forbidden/i);
  });

  it("C: kit destroy leaves a widget-scheduled delayed event timer which fires afterwards", async () => {
    const kit = await mountWidget({});
    await kit.driver.sendEvent("org.example.ping", { a: 1 }, { roomId: TEST_ROOM_ID, delayMs: 50 });
    kit.destroy();
    const before = kit.world.timeline(TEST_ROOM_ID).length;
    await new Promise((r) => setTimeout(r, 100));
    const after = kit.world.timeline(TEST_ROOM_ID).length;
    console.log("timeline before/after destroy+100ms", before, after, "pending delayed:", kit.world.delayedEvents.list(TEST_OWN_USER_ID).length);
    expect(after).toBe(before);
  });

  it("D: stickyEvents() reading advances the world's stepping clock", () => {
    const { w, roomId } = world();
    const a = w.sendEvent(roomId, "@bob:example.org", { type: "m.x", content: {} });
    w.stickyEvents(roomId); w.stickyEvents(roomId); w.stickyEvents(roomId);
    const b = w.sendEvent(roomId, "@bob:example.org", { type: "m.x", content: {} });
    expect(b.origin_server_ts - a.origin_server_ts).toBe(1000);
  });

  it("E: a redacted redaction keeps top-level redacts (Synapse serializes it for v11)", () => {
    const { w, roomId } = world();
    const m = w.sendEvent(roomId, "@bob:example.org", { type: "m.room.message", content: { body: "x" } });
    const r = w.sendEvent(roomId, "@bob:example.org", { type: "m.room.redaction", content: { redacts: m.event_id } });
    w.sendEvent(roomId, "@me:example.org", { type: "m.room.redaction", content: { redacts: r.event_id } });
    const rr = w.getEvent(roomId, r.event_id)!;
    console.log(JSON.stringify(rr));
    expect(rr.redacts).toBe(m.event_id);
  });

  it("F: delayed event scheduled by a user without power is accepted, then silently dropped", async () => {
    const { w, roomId } = world();
    const failures: unknown[] = [];
    const w2 = w; // onDelayedEventFailure default logs
    const id = w2.delayedEvents.schedule(roomId, "@bob:example.org", { type: "m.room.name", state_key: "", content: { name: "x" } }, { delayMs: 0 });
    expect(id).toBeDefined();
  });

  it("G: readStateEvents after leaving", async () => {
    const { w, roomId } = world();
    const d = new MemoryDriver(w);
    w.leave(roomId, "@me:example.org");
    console.log(await d.readStateEvents(roomId, "m.room.create", ""));
  });

  it("H: delayed child with its own delay + parent: restart parent", async () => {
    vi.useFakeTimers();
    const { w, roomId } = world();
    const p = w.delayedEvents.schedule(roomId, "@me:example.org", { type: "m.a", content: {} }, { delayMs: 1000 });
    const c = w.delayedEvents.schedule(roomId, "@me:example.org", { type: "m.b", content: {} }, { parentDelayId: p });
    w.delayedEvents.update("@me:example.org", c, "send");
    console.log(w.delayedEvents.list("@me:example.org").map((x) => x.delayId));
  });
});
