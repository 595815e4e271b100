import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  capabilityKey,
  formatCapability,
  isValidCapability,
  parseCapability,
  type Capability,
  type CapabilityStyle,
} from "../../../src/capabilities/index.js";
import {
  accountData,
  anyCapability,
  custom,
  fixed,
  roomAccountData,
  roomEvent,
  stateEvent,
  timeline,
  toDevice,
  trickyString,
} from "./arbitraries.js";

const style = fc.constantFrom<CapabilityStyle>("stable", "unstable");

const KINDS: Array<[string, fc.Arbitrary<Capability>]> = [
  ["room_event", roomEvent],
  ["state_event", stateEvent],
  ["to_device", toDevice],
  ["timeline", timeline],
  ["account_data", accountData],
  ["room_account_data", roomAccountData],
  ["fixed", fixed],
  ["custom", custom],
];

/** Arbitrary strings, plus strings built from a real prefix and a tricky parameter. */
const anyRawString = fc.oneof(
  fc.string({ unit: "binary" }),
  trickyString,
  fc
    .tuple(
      fc.constantFrom(
        "m.send.event:",
        "org.matrix.msc2762.receive.event:",
        "m.send.state_event:",
        "org.matrix.msc2762.receive.state_event:",
        "m.receive.to_device:",
        "org.matrix.msc3819.send.to_device:",
        "m.timeline:",
        "m.read.account_data:",
        "com.beeper.capabilities.receive.room_account_data:",
      ),
      trickyString,
    )
    .map(([head, param]) => head + param),
);

describe("capability grammar properties", () => {
  it.each(KINDS)(
    "%s values round trip through formatCapability/parseCapability in both styles",
    (_kind, arb) => {
      fc.assert(
        fc.property(arb, style, (cap, s) => {
          expect(isValidCapability(cap)).toBe(true);
          expect(parseCapability(formatCapability(cap, s))).toStrictEqual(cap);
        }),
        { numRuns: 500 },
      );
    },
  );

  it("the stable and unstable spellings of a value share one capabilityKey", () => {
    fc.assert(
      fc.property(anyCapability, (cap) => {
        const key = capabilityKey(cap);
        expect(capabilityKey(parseCapability(formatCapability(cap, "stable")))).toBe(key);
        expect(capabilityKey(parseCapability(formatCapability(cap, "unstable")))).toBe(key);
      }),
      { numRuns: 500 },
    );
  });

  it("parseCapability never throws and always returns a valid value", () => {
    fc.assert(
      fc.property(anyRawString, (raw) => {
        expect(isValidCapability(parseCapability(raw))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("formatCapability(parseCapability(s)) is a fixed point after one pass", () => {
    fc.assert(
      fc.property(anyRawString, style, (raw, s) => {
        const once = formatCapability(parseCapability(raw), s);
        const twice = formatCapability(parseCapability(once), s);
        expect(twice).toBe(once);
        expect(parseCapability(once)).toStrictEqual(parseCapability(raw));
      }),
      { numRuns: 2000 },
    );
  });

  it("strings a value was formatted from parse back as the same capability in either style", () => {
    fc.assert(
      fc.property(anyRawString, (raw) => {
        const cap = parseCapability(raw);
        expect(parseCapability(formatCapability(cap, "stable"))).toStrictEqual(
          parseCapability(formatCapability(cap, "unstable")),
        );
      }),
      { numRuns: 1000 },
    );
  });
});
