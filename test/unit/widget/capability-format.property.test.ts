// The widget's event helpers format their capabilities with src/widget/capability-format.ts, a
// lean copy of what formatCapability does for those forms. Here both are run on generated input,
// valid and not (a JavaScript caller can pass anything): same string, or the same TypeError.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatCapability, type Capability } from "../../../src/capabilities/grammar.js";
import {
  delayedEventCapability,
  eventCapability,
  stateCapability,
  stickyEventCapability,
  timelineCapability,
} from "../../../src/widget/features/events.js";
import { trickyString } from "../capabilities/arbitraries.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

/** The outcome of a call: its result, or the class and message of what it threw. */
function outcome(run: () => string): unknown {
  try {
    return { value: run() };
  } catch (error) {
    return {
      threw: error instanceof TypeError ? "TypeError" : String(error),
      message: (error as Error).message,
    };
  }
}

const direction = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom("send" as const, "receive" as const) },
  { weight: 1, arbitrary: fc.constantFrom("both", "", undefined, 1) as fc.Arbitrary<never> },
);
const typeLike = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.oneof(trickyString, fc.constantFrom("m.room.message", "m.room.message#x", "a\\", "\\#")),
  },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, 5) as fc.Arbitrary<never> },
);
const style = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom("stable" as const, "unstable" as const, undefined) },
  { weight: 1, arbitrary: fc.constantFrom("other", 3) as fc.Arbitrary<never> },
);
const optionalText = fc.option(typeLike, { nil: undefined });

/** formatCapability, with the same style default as the helpers. */
function reference(cap: Capability, chosen: unknown): string {
  return formatCapability(cap, chosen as "stable" | undefined);
}

describe("the widget's capability helpers format as formatCapability does", () => {
  it("eventCapability", () => {
    fc.assert(
      fc.property(direction, typeLike, optionalText, style, (dir, eventType, msgtype, chosen) => {
        const options = {
          ...(msgtype === undefined ? {} : { msgtype }),
          ...(chosen === undefined ? {} : { style: chosen }),
        };
        const expected = outcome(() => {
          if (msgtype !== undefined && eventType !== "m.room.message") {
            throw new TypeError("A msgtype only narrows m.room.message capabilities");
          }
          const cap =
            msgtype === undefined
              ? { kind: "room_event", direction: dir, eventType }
              : { kind: "room_event", direction: dir, eventType, msgtype };
          return reference(cap as Capability, chosen);
        });
        expect(outcome(() => eventCapability(dir, eventType, options))).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });

  it("stateCapability", () => {
    fc.assert(
      fc.property(direction, typeLike, optionalText, style, (dir, eventType, stateKey, chosen) => {
        const options = {
          ...(stateKey === undefined ? {} : { stateKey }),
          ...(chosen === undefined ? {} : { style: chosen }),
        };
        const cap =
          stateKey === undefined
            ? { kind: "state_event", direction: dir, eventType }
            : { kind: "state_event", direction: dir, eventType, stateKey };
        expect(outcome(() => stateCapability(dir, eventType, options))).toEqual(
          outcome(() => reference(cap as Capability, chosen)),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it("timelineCapability", () => {
    fc.assert(
      fc.property(typeLike, style, (roomId, chosen) => {
        const options = chosen === undefined ? {} : { style: chosen };
        expect(outcome(() => timelineCapability(roomId, options))).toEqual(
          outcome(() => reference({ kind: "timeline", roomId }, chosen)),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it("delayedEventCapability and stickyEventCapability", () => {
    for (const chosen of ["stable", "unstable", undefined, "other"] as const) {
      const options = chosen === undefined ? {} : { style: chosen as "stable" };
      for (const which of ["send", "update"] as const) {
        const name = which === "send" ? "send_delayed_event" : "update_delayed_event";
        expect(outcome(() => delayedEventCapability(which, options))).toEqual(
          outcome(() => reference({ kind: "fixed", name }, chosen)),
        );
      }
      for (const dir of ["send", "receive"] as const) {
        const name = dir === "send" ? "send_sticky_event" : "receive_sticky_event";
        expect(outcome(() => stickyEventCapability(dir, options))).toEqual(
          outcome(() => reference({ kind: "fixed", name }, chosen)),
        );
      }
    }
  });
});
