// The world refuses what Synapse refuses when a member sends into a room (room version 11
// authorisation rules): the room's power levels decide who may send state, and nobody sets
// another user's state.
import { describe, expect, it } from "vitest";
import type { MatrixWorld } from "../../../../src/drivers/memory/index.js";
import { expectHomeserverError, newWorld, thrownBy } from "./helpers.js";

const ME = "@me:example.org";
const ALICE = "@alice:example.org";

function room(userPowerLevels?: Record<string, number>): { world: MatrixWorld; room: string } {
  const world = newWorld();
  world.addUser({ userId: ALICE, displayName: "Alice" });
  const roomId = world.createRoom({
    creator: ME,
    isPublic: true,
    ...(userPowerLevels ? { userPowerLevels } : {}),
  });
  world.join(roomId, ALICE);
  return { world, room: roomId };
}

describe("MatrixWorld send permissions", () => {
  it("lets a member at level 0 send messages (events_default 0)", () => {
    const { world, room: roomId } = room();
    const sent = world.sendEvent(roomId, ALICE, {
      type: "m.room.message",
      content: { msgtype: "m.text", body: "hi" },
    });
    expect(world.getEvent(roomId, sent.event_id)?.sender).toBe(ALICE);
  });

  it("refuses (403 M_FORBIDDEN) a state event from a member below state_default, storing nothing", () => {
    const { world, room: roomId } = room();
    const before = world.timeline(roomId).length;
    expectHomeserverError(
      thrownBy(() =>
        world.sendEvent(roomId, ALICE, { type: "m.room.topic", state_key: "", content: { topic: "x" } }),
      ),
      403,
      "M_FORBIDDEN",
    );
    expect(world.timeline(roomId)).toHaveLength(before);
    expect(world.getStateEvent(roomId, "m.room.topic", "")).toBeUndefined();
  });

  it("lets a member send state once the room gives them the level, or gives the type a lower one", () => {
    const moderated = room({ [ALICE]: 50 });
    moderated.world.sendEvent(moderated.room, ALICE, {
      type: "m.room.topic",
      state_key: "",
      content: { topic: "x" },
    });
    expect(moderated.world.getStateEvent(moderated.room, "m.room.topic", "")?.content).toEqual({
      topic: "x",
    });

    const open = room();
    const levels = open.world.getStateEvent(open.room, "m.room.power_levels", "")!.content;
    open.world.sendEvent(open.room, ME, {
      type: "m.room.power_levels",
      state_key: "",
      content: { ...levels, events: { "org.example.status": 0 } },
    });
    open.world.sendEvent(open.room, ALICE, { type: "org.example.status", state_key: "_alice", content: {} });
    expectHomeserverError(
      thrownBy(() =>
        open.world.sendEvent(open.room, ALICE, { type: "m.room.name", state_key: "", content: {} }),
      ),
      403,
      "M_FORBIDDEN",
    );
  });

  it("refuses a state key that is another user's ID, even to the room's creator, and takes the sender's own", () => {
    const { world, room: roomId } = room();
    expectHomeserverError(
      thrownBy(() =>
        world.sendEvent(roomId, ME, { type: "org.example.profile", state_key: ALICE, content: {} }),
      ),
      403,
      "M_FORBIDDEN",
    );
    world.sendEvent(roomId, ME, { type: "org.example.profile", state_key: ME, content: { ok: true } });
    expect(world.getStateEvent(roomId, "org.example.profile", ME)?.content).toEqual({ ok: true });
  });
});
