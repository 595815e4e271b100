import { describe, expect, it } from "vitest";
import { READ_RELATIONS_MAX_LIMIT } from "../../../src/host/actions/events/index.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { readEventRelations } from "../../../src/widget/features/events.js";
import { eventFaults, FakeEventDriver, makeEvent } from "./fake-driver.js";
import { cap, openClientSession, openRawSession, OTHER, ROOM } from "./harness.js";

const RELATIONS = "org.matrix.msc3869.read_relations";
const PARENT = "$parent";
const ids = (events: unknown) => (events as Array<{ event_id: string }>).map((e) => e.event_id);

function relationsDriver(room = ROOM) {
  const driver = new FakeEventDriver();
  const relatesTo = (rel_type: string) => ({ "m.relates_to": { rel_type, event_id: PARENT } });
  const parent = makeEvent({ room_id: room, type: "org.matrix.msc3381.poll.start", event_id: PARENT });
  const vote = makeEvent({
    room_id: room,
    type: "org.matrix.msc3381.poll.response",
    content: relatesTo("m.reference"),
  });
  const reaction = makeEvent({ room_id: room, type: "m.reaction", content: relatesTo("m.annotation") });
  const vote2 = makeEvent({
    room_id: room,
    type: "org.matrix.msc3381.poll.response",
    content: relatesTo("m.reference"),
  });
  driver.seed(parent, vote, reaction, vote2);
  return { driver, vote, reaction, vote2 };
}

describe("read_relations (MSC3869)", () => {
  it.each([RELATIONS, "read_relations"])(
    "answers %s with only the related events the widget may receive",
    async (action) => {
      const { driver, vote, vote2 } = relationsDriver();
      const s = await openRawSession({
        capabilities: [cap.receive("org.matrix.msc3381.poll.response")],
        driver,
      });
      const { response, reply } = await s.send(action, { event_id: PARENT });
      expect(reply.action).toBe(action);
      expect(ids(response.chunk)).toEqual([vote2.event_id, vote.event_id]);
      expect(driver.callsOf("readEventRelations")).toEqual([
        [{ roomId: ROOM, eventId: PARENT, limit: READ_RELATIONS_MAX_LIMIT }],
      ]);
    },
  );

  it("passes every filter and paging parameter to the driver and returns its tokens", async () => {
    const { driver, vote2 } = relationsDriver();
    const s = await openRawSession({
      capabilities: [cap.receive("org.matrix.msc3381.poll.response")],
      driver,
    });
    const { response } = await s.send(RELATIONS, {
      event_id: PARENT,
      room_id: ROOM,
      rel_type: "m.reference",
      event_type: "org.matrix.msc3381.poll.response",
      limit: 1,
      from: "0",
      direction: "b",
    });
    expect(response).toEqual({
      chunk: [expect.objectContaining({ event_id: vote2.event_id })],
      next_batch: "1",
    });
    expect(driver.callsOf("readEventRelations")).toEqual([
      [
        {
          roomId: ROOM,
          eventId: PARENT,
          relationType: "m.reference",
          eventType: "org.matrix.msc3381.poll.response",
          limit: 1,
          from: "0",
          direction: "b",
        },
      ],
    ]);
  });

  it("drops events of other rooms, other types than event_type, and malformed ones", async () => {
    const good = makeEvent({ room_id: ROOM, type: "m.reaction" });
    const driver = new FakeEventDriver().respond("readEventRelations", () => ({
      chunk: [
        good,
        makeEvent({ room_id: OTHER, type: "m.reaction" }),
        makeEvent({ room_id: ROOM, type: "m.room.message" }),
        { type: "m.reaction" },
      ],
      nextBatch: 42,
    }));
    const s = await openRawSession({
      capabilities: [cap.receive("m.reaction"), cap.receive("m.room.message")],
      driver,
    });
    const { response } = await s.send(RELATIONS, { event_id: PARENT, event_type: "m.reaction" });
    expect(response).toEqual({ chunk: [expect.objectContaining({ event_id: good.event_id })] });
  });

  it("needs a timeline capability for a room other than the viewed one", async () => {
    const { driver } = relationsDriver(OTHER);
    const refused = await openRawSession({ capabilities: [cap.receive("m.reaction")], driver });
    const { error } = await refused.send(RELATIONS, { event_id: PARENT, room_id: OTHER });
    expect(error?.code).toBe(ErrorCode.MissingCapability);
    expect(driver.asyncCalls).toEqual([]);

    const allowed = await openRawSession({
      capabilities: [cap.receive("m.reaction"), cap.timeline(OTHER)],
      driver,
    });
    expect((await allowed.send(RELATIONS, { event_id: PARENT, room_id: OTHER })).response.chunk).toHaveLength(
      1,
    );
  });

  it("refuses without any receive capability, so a widget that may see nothing cannot probe for events", async () => {
    const { driver } = relationsDriver();
    const s = await openRawSession({ capabilities: [cap.timeline(ROOM), "m.send.event:m.reaction"], driver });
    const { error } = await s.send(RELATIONS, { event_id: PARENT });
    expect(error?.code).toBe(ErrorCode.MissingCapability);
    expect(driver.asyncCalls).toEqual([]);
  });

  it("refuses an event_type the widget cannot receive, and serves one it can", async () => {
    const { driver } = relationsDriver();
    const s = await openRawSession({ capabilities: [cap.receive("m.reaction")], driver });
    const refused = await s.send(RELATIONS, {
      event_id: PARENT,
      event_type: "org.matrix.msc3381.poll.response",
    });
    expect(refused.error?.code).toBe(ErrorCode.MissingCapability);
    expect(driver.asyncCalls).toEqual([]);
    const served = await s.send(RELATIONS, { event_id: PARENT, event_type: "m.reaction" });
    expect(served.response.chunk).toHaveLength(1);
  });

  it("refuses with a clear error when no room is viewed and none is named", async () => {
    const s = await openRawSession({ capabilities: [cap.receive("m.reaction")], viewedRoomId: null });
    const { error } = await s.send(RELATIONS, { event_id: PARENT });
    expect(error?.code).toBe(ErrorCode.InvalidRequest);
    expect(s.driver.asyncCalls).toEqual([]);
  });

  it("clamps the limit and answers limit 0 with an empty chunk and no driver call", async () => {
    const { driver } = relationsDriver();
    const s = await openRawSession({ capabilities: [cap.receive("m.reaction")], driver });
    await s.send(RELATIONS, { event_id: PARENT, limit: 10_000 });
    expect(driver.callsOf("readEventRelations")).toEqual([
      [{ roomId: ROOM, eventId: PARENT, limit: READ_RELATIONS_MAX_LIMIT }],
    ]);
    expect((await s.send(RELATIONS, { event_id: PARENT, limit: 0 })).response).toEqual({ chunk: [] });
    expect(driver.callsOf("readEventRelations")).toHaveLength(1);
  });

  it.each([
    ["a missing event_id", {}],
    ["an event_id without $", { event_id: "parent" }],
    ["a negative limit", { event_id: PARENT, limit: -1 }],
    ["an unknown direction", { event_id: PARENT, direction: "up" }],
    ["a numeric from token", { event_id: PARENT, from: 3 }],
  ])("refuses %s as invalid", async (_name, data) => {
    const s = await openRawSession({ capabilities: [cap.receive("m.reaction")] });
    const { error } = await s.send(RELATIONS, data);
    expect(error?.code).toBe(ErrorCode.InvalidRequest);
    expect(s.driver.asyncCalls).toEqual([]);
  });

  it.each([
    ["a malformed page", eventFaults.malformed({ events: [] }), ErrorCode.Internal],
    ["a rejection", eventFaults.reject(), ErrorCode.Internal],
    ["a homeserver error", eventFaults.forbidden(), ErrorCode.HomeserverError],
  ])("answers %s from the driver with exactly one error", async (_name, fault, code) => {
    const driver = new FakeEventDriver().fail("readEventRelations", fault);
    const s = await openRawSession({ capabilities: [cap.receive("m.reaction")], driver });
    expect((await s.send(RELATIONS, { event_id: PARENT })).error?.code).toBe(code);
  });

  it("pages through the widget's readEventRelations", async () => {
    const { driver, vote, vote2 } = relationsDriver();
    const s = await openClientSession({
      capabilities: [cap.receive("org.matrix.msc3381.poll.response")],
      driver,
    });
    const first = await readEventRelations(s.client, PARENT, { relationType: "m.reference", limit: 1 });
    expect(ids(first.chunk)).toEqual([vote2.event_id]);
    expect(first.nextBatch).toBe("1");
    const second = await readEventRelations(s.client, PARENT, {
      relationType: "m.reference",
      limit: 1,
      from: first.nextBatch,
    });
    expect(ids(second.chunk)).toEqual([vote.event_id]);
    expect(second).toMatchObject({ prevBatch: "0" });
    expect(second.nextBatch).toBeUndefined();
    expect(s.pair.widget.sent.filter((m) => m.action === RELATIONS)).toHaveLength(2);
  });
});
