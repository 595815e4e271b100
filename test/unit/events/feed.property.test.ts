import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatCapability, type Capability } from "../../../src/capabilities/index.js";
import type { RoomEvent } from "../../../src/host/driver.js";
import { makeEvent } from "./fake-driver.js";
import { openRawSession, OTHER, ROOM, settle, THIRD } from "./harness.js";

const ROOMS = [ROOM, OTHER, THIRD] as const;
const TYPES = ["m.room.message", "m.room.member", "com.example.a", "com.x#y", "__proto__"] as const;
const MSGTYPES = ["m.text", "m.emote", ""] as const;
const KEYS = ["", "@alice:example.org", "#k", "a#b", "constructor"] as const;

const direction = fc.constantFrom("send" as const, "receive" as const);

const grantArb: fc.Arbitrary<Capability> = fc.oneof(
  fc
    .record({
      kind: fc.constant("room_event" as const),
      direction,
      eventType: fc.constantFrom(...TYPES),
      msgtype: fc.option(fc.constantFrom(...MSGTYPES), { nil: undefined }),
    })
    .map((cap): Capability =>
      cap.msgtype === undefined || cap.eventType !== "m.room.message"
        ? { kind: "room_event", direction: cap.direction, eventType: cap.eventType }
        : { kind: "room_event", direction: cap.direction, eventType: cap.eventType, msgtype: cap.msgtype },
    ),
  fc
    .record({
      kind: fc.constant("state_event" as const),
      direction,
      eventType: fc.constantFrom(...TYPES),
      stateKey: fc.option(fc.constantFrom(...KEYS), { nil: undefined }),
    })
    .map((cap): Capability =>
      cap.stateKey === undefined
        ? { kind: "state_event", direction: cap.direction, eventType: cap.eventType }
        : { kind: "state_event", direction: cap.direction, eventType: cap.eventType, stateKey: cap.stateKey },
    ),
  fc.constantFrom<Capability>(
    { kind: "timeline", roomId: "*" },
    { kind: "timeline", roomId: OTHER },
    { kind: "timeline", roomId: THIRD },
  ),
);

interface EventSpec {
  room: string;
  type: string;
  stateKey: string | undefined;
  msgtype: unknown;
}

const eventArb: fc.Arbitrary<EventSpec> = fc.record({
  room: fc.constantFrom(...ROOMS),
  type: fc.constantFrom(...TYPES),
  stateKey: fc.option(fc.constantFrom(...KEYS), { nil: undefined }),
  msgtype: fc.oneof(fc.constantFrom<unknown>(...MSGTYPES), fc.constant(undefined), fc.constant(7)),
});

function toEvent(spec: EventSpec): RoomEvent {
  const content: Record<string, unknown> = { body: "x" };
  if (spec.msgtype !== undefined) content.msgtype = spec.msgtype;
  return makeEvent({
    room_id: spec.room,
    type: spec.type,
    content,
    ...(spec.stateKey !== undefined ? { state_key: spec.stateKey } : {}),
  });
}

/**
 * The naive reference: loops over every grant, written straight from MSC2762's rules, with no
 * shared code with the host beyond the capability values themselves.
 */
function referenceAllows(
  grants: readonly Capability[],
  viewed: string | undefined,
  event: RoomEvent,
): boolean {
  const roomOk =
    event.room_id === viewed ||
    grants.some((g) => g.kind === "timeline" && (g.roomId === "*" || g.roomId === event.room_id));
  if (!roomOk) return false;
  if (event.state_key !== undefined) {
    return grants.some(
      (g) =>
        g.kind === "state_event" &&
        g.direction === "receive" &&
        g.eventType === event.type &&
        (g.stateKey === undefined || g.stateKey === event.state_key),
    );
  }
  return grants.some(
    (g) =>
      g.kind === "room_event" &&
      g.direction === "receive" &&
      g.eventType === event.type &&
      (g.msgtype === undefined || (event.type === "m.room.message" && event.content.msgtype === g.msgtype)),
  );
}

describe("event feed: property", () => {
  it("delivers exactly the events a naive reference filter allows, for random grants, rooms and events", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(grantArb, { maxLength: 6 }),
        fc.array(eventArb, { maxLength: 12 }),
        fc.option(fc.constantFrom(...ROOMS), { nil: undefined }),
        fc.constantFrom("stable" as const, "unstable" as const),
        async (grants, specs, viewed, style) => {
          const capabilities = grants.map((g) => formatCapability(g, style));
          const s = await openRawSession({ capabilities, viewedRoomId: viewed ?? null });
          try {
            // The host may refuse some grants (kind mismatches); the reference sees what was granted.
            const granted = new Set(s.host.grantedCapabilities);
            const effective = grants.filter((g) => granted.has(formatCapability(g, style)));
            const updatesBefore = s.widget.stateUpdates.length;
            const events = specs.map(toEvent);
            for (const event of events) s.driver.emit(event);
            await settle();
            const expected = events
              .filter((e) => referenceAllows(effective, viewed, e))
              .map((e) => e.event_id);
            const delivered = s.widget.events.map((e) => e.event_id);
            expect(delivered).toEqual(expected);
            // Live state changes also go out as update_state, and only allowed ones.
            const pushed = s.widget.stateUpdates
              .slice(updatesBefore)
              .flat()
              .map((e) => e.event_id);
            const expectedState = events
              .filter((e) => e.state_key !== undefined && referenceAllows(effective, viewed, e))
              .map((e) => e.event_id);
            expect(pushed).toEqual(expectedState);
          } finally {
            s.host.destroy();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
