// Events from the world carry the `unsigned` members Synapse serves to clients: `age` from the
// world's clock when the event is read, and on state that replaced earlier state `replaces_state`,
// `prev_content` and `prev_sender`. Widgets read them through the host, which passes them on.
import { describe, expect, it } from "vitest";
import { MatrixWorld, MemoryDriver, createSteppingClock } from "../../../../src/drivers/memory/index.js";
import { newWorld } from "./helpers.js";

const ME = "@me:example.org";
const ALICE = "@alice:example.org";

/** A room where Alice moderates (50), so both may set its topic. */
function roomWithModerator(world: MatrixWorld = newWorld()): { world: MatrixWorld; room: string } {
  world.addUser({ userId: ALICE, displayName: "Alice" });
  const room = world.createRoom({ creator: ME, isPublic: true, userPowerLevels: { [ALICE]: 50 } });
  world.join(room, ALICE);
  return { world, room };
}

function setTopic(world: MatrixWorld, room: string, sender: string, topic: string) {
  return world.sendEvent(room, sender, { type: "m.room.topic", state_key: "", content: { topic } });
}

describe("MatrixWorld unsigned members, as Synapse serves them", () => {
  it("gives every event read its age by the world's clock then", () => {
    let now = 10_000;
    const world = new MatrixWorld({ ownUserId: ME, now: () => now });
    const room = world.createRoom({ creator: ME });
    const sent = world.sendEvent(room, ME, { type: "m.room.message", content: { body: "hi" } });
    expect(sent.unsigned).toEqual({ age: 0 });
    now += 2500;
    expect(world.getEvent(room, sent.event_id)?.unsigned).toEqual({ age: 2500 });
    expect(world.timeline(room).map((event) => event.unsigned?.age)).toEqual(
      world.timeline(room).map(() => 2500),
    );
    expect(world.recentEvents(room, { type: "m.room.message", limit: 1 })[0]?.unsigned?.age).toBe(2500);
    expect(world.getStateEvent(room, "m.room.create")?.unsigned?.age).toBe(2500);
  });

  it("reads a stepping clock without moving it: reads leave later timestamps as they were", () => {
    const world = new MatrixWorld({ ownUserId: ME, now: createSteppingClock(1_000_000, 1000) });
    const room = world.createRoom({ creator: ME });
    const first = world.sendEvent(room, ME, { type: "m.room.message", content: { body: "one" } });
    for (let i = 0; i < 5; i++) {
      world.timeline(room);
      world.getEvent(room, first.event_id);
      world.stickyEvents(room);
    }
    const second = world.sendEvent(room, ME, { type: "m.room.message", content: { body: "two" } });
    expect(second.origin_server_ts - first.origin_server_ts).toBe(1000);
    // "Now" is the last time the clock showed: the second event's.
    expect(world.getEvent(room, first.event_id)?.unsigned?.age).toBe(1000);
    expect(world.getEvent(room, second.event_id)?.unsigned?.age).toBe(0);
  });

  it("marks a state event that replaced earlier state with replaces_state, prev_content and prev_sender", () => {
    const { world, room } = roomWithModerator();
    const first = setTopic(world, room, ME, "first");
    expect(first.unsigned).toEqual({ age: 0 });
    const second = setTopic(world, room, ALICE, "second");
    const expected = {
      age: 0,
      replaces_state: first.event_id,
      prev_content: { topic: "first" },
      prev_sender: ME,
    };
    expect(second.unsigned).toEqual(expected);
    expect(world.getStateEvent(room, "m.room.topic")?.unsigned).toEqual(expected);
    expect(world.getStateEvents(room, "m.room.topic")[0]?.unsigned).toEqual(expected);
    expect(world.getEvent(room, second.event_id)?.unsigned).toEqual(expected);
    // Membership too: Alice's join replaced nothing, her later leave replaces the join.
    const join = world.getStateEvent(room, "m.room.member", ALICE)!;
    const leave = world.leave(room, ALICE)!;
    expect(leave.unsigned).toMatchObject({
      replaces_state: join.event_id,
      prev_content: { membership: "join", displayname: "Alice" },
      prev_sender: ALICE,
    });
  });

  it("tells listeners the state an event replaced", () => {
    const { world, room } = roomWithModerator();
    const first = setTopic(world, room, ME, "first");
    const heard: unknown[] = [];
    world.on("state", (event) => heard.push(event.unsigned));
    setTopic(world, room, ALICE, "second");
    expect(heard).toEqual([
      { age: 0, replaces_state: first.event_id, prev_content: { topic: "first" }, prev_sender: ME },
    ]);
  });

  it("shows prev_content as the replaced event is now: redacted once it was redacted", () => {
    const { world, room } = roomWithModerator();
    const first = setTopic(world, room, ME, "secret");
    const second = setTopic(world, room, ME, "public");
    world.sendEvent(room, ME, { type: "m.room.redaction", content: { redacts: first.event_id } });
    expect(world.getEvent(room, second.event_id)?.unsigned).toMatchObject({
      replaces_state: first.event_id,
      prev_content: {},
      prev_sender: ME,
    });
  });

  it("keeps replaces_state through a redaction of the replacing event", () => {
    const { world, room } = roomWithModerator();
    const first = setTopic(world, room, ME, "first");
    const second = setTopic(world, room, ME, "second");
    const redaction = world.sendEvent(room, ME, {
      type: "m.room.redaction",
      content: { redacts: second.event_id },
    });
    expect(world.getEvent(room, second.event_id)?.unsigned).toEqual({
      // One step of the clock: the redaction came then.
      age: 1000,
      replaces_state: first.event_id,
      prev_content: { topic: "first" },
      prev_sender: ME,
      redacted_because: redaction,
      redacted_by: redaction.event_id,
    });
  });

  it("stores only replaces_state: a snapshot holds neither age nor prev_content", () => {
    const { world, room } = roomWithModerator();
    const first = setTopic(world, room, ME, "first");
    setTopic(world, room, ME, "second");
    const timeline = world.snapshot().rooms.find((entry) => entry.roomId === room)!.timeline;
    expect(timeline.at(-2)).not.toHaveProperty("unsigned");
    expect(timeline.at(-1)?.unsigned).toEqual({ replaces_state: first.event_id });
  });

  it("hands the widget driver the same unsigned members", async () => {
    const { world, room } = roomWithModerator();
    const driver = new MemoryDriver(world);
    const first = setTopic(world, room, ALICE, "first");
    await driver.sendEvent("m.room.topic", { topic: "second" }, { roomId: room, stateKey: "" });
    const [topic] = await driver.readStateEvents(room, "m.room.topic", "");
    expect(topic?.unsigned).toEqual({
      age: 0,
      replaces_state: first.event_id,
      prev_content: { topic: "first" },
      prev_sender: ALICE,
    });
  });
});
