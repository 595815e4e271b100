// isWireRoomEvent (the host's check on every event a driver hands it) is written by hand for the
// live feed's sake; it must answer exactly as the action table's wireRoomEventSchema does.
import fc from "fast-check";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { isWireRoomEvent } from "../../../src/host/actions/events/rooms.js";
import {
  MAX_EVENT_IDENTIFIER_LENGTH,
  MAX_EVENT_TYPE_LENGTH,
  MAX_STATE_KEY_LENGTH,
  wireRoomEventSchema,
} from "../../../src/protocol/actions/events.js";

/** Strings around each bound, and values of every other kind. */
const around = (max: number) =>
  fc.oneof(
    fc.constantFrom("", "x", "x".repeat(max), "x".repeat(max + 1)),
    fc.string({ maxLength: 8 }),
    fc.constantFrom(undefined, null, 0, Number.NaN, true, [], {}, Object.create(null) as object),
  );
const plainish = fc.oneof(
  fc.constantFrom(
    {},
    { body: "hi" },
    Object.create(null) as object,
    [],
    null,
    undefined,
    "text",
    3,
    new Map(),
  ),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
);
const number = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.NaN, Infinity, "1", null, undefined),
);

/** Event-shaped objects, each field right, wrong or missing. */
const eventLike = fc.record(
  {
    type: around(MAX_EVENT_TYPE_LENGTH),
    event_id: around(MAX_EVENT_IDENTIFIER_LENGTH),
    room_id: around(MAX_EVENT_IDENTIFIER_LENGTH),
    sender: around(MAX_EVENT_IDENTIFIER_LENGTH),
    origin_server_ts: number,
    content: plainish,
    state_key: around(MAX_STATE_KEY_LENGTH),
    unsigned: plainish,
    redacts: fc.string({ maxLength: 4 }),
  },
  { requiredKeys: [] },
);
/** Events that are right in every field but maybe one. */
const nearlyValid = fc
  .record({
    type: fc.string({ minLength: 1, maxLength: 20 }),
    event_id: fc.string({ maxLength: 20 }),
    room_id: fc.string({ maxLength: 20 }),
    sender: fc.string({ maxLength: 20 }),
    origin_server_ts: fc.integer(),
    content: fc.constant({ body: "x" }),
  })
  .chain((event) =>
    fc.oneof(
      fc.constant<object>(event),
      fc.constant<object>({ ...event, state_key: "" }),
      fc.constant<object>({ ...event, unsigned: { age: 1 } }),
      eventLike.map((broken): object => ({ ...event, ...broken })),
    ),
  );

describe("isWireRoomEvent", () => {
  it("answers as wireRoomEventSchema does, for events right, nearly right and wrong", () => {
    fc.assert(
      fc.property(fc.oneof(nearlyValid, eventLike, fc.anything()), (value) => {
        expect(isWireRoomEvent(value)).toBe(v.is(wireRoomEventSchema, value));
      }),
      { numRuns: 5000 },
    );
  });

  it("accepts a complete event and refuses one without content or with a NaN timestamp", () => {
    const event = {
      type: "m.room.message",
      event_id: "$e",
      room_id: "!r:example.org",
      sender: "@a:example.org",
      origin_server_ts: 1,
      content: { body: "hi" },
    };
    expect(isWireRoomEvent(event)).toBe(true);
    expect(isWireRoomEvent({ ...event, content: undefined })).toBe(false);
    expect(isWireRoomEvent({ ...event, origin_server_ts: Number.NaN })).toBe(false);
  });
});
