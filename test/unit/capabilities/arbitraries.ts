/** fast-check arbitraries shared by the capability property tests. */
import fc from "fast-check";
import {
  parseCapability,
  type Capability,
  type FixedCapabilityName,
} from "../../../src/capabilities/index.js";

/** Strings rich in the characters the grammar cares about, plus arbitrary unicode (including lone surrogates). */
export const trickyString = fc.string({
  unit: fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom("#", "\\", "*", ":", "m.room.message", "m.room.message#", ".", "m."),
    },
    { weight: 4, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  ),
  maxLength: 12,
});
export const nonEmptyTricky = trickyString.filter((s) => s !== "");
export const direction = fc.constantFrom("send" as const, "receive" as const);
export const FIXED_NAMES: FixedCapabilityName[] = [
  "screenshot",
  "always_on_screen",
  "sticker",
  "navigate",
  "user_directory_search",
  "turn_servers",
  "upload_file",
  "download_file",
  "send_delayed_event",
  "update_delayed_event",
  "send_sticky_event",
  "receive_sticky_event",
  "requires_client",
  "modals",
  "mxid_share",
];

export const roomEvent: fc.Arbitrary<Capability> = fc.oneof(
  fc.record({ direction, eventType: nonEmptyTricky }).map(({ direction, eventType }) => ({
    kind: "room_event" as const,
    direction,
    eventType,
  })),
  fc.record({ direction, msgtype: trickyString }).map(({ direction, msgtype }) => ({
    kind: "room_event" as const,
    direction,
    eventType: "m.room.message",
    msgtype,
  })),
);
export const stateEvent: fc.Arbitrary<Capability> = fc
  .record({ direction, eventType: nonEmptyTricky, stateKey: fc.option(trickyString, { nil: undefined }) })
  .map(({ direction, eventType, stateKey }) =>
    stateKey === undefined
      ? { kind: "state_event" as const, direction, eventType }
      : { kind: "state_event" as const, direction, eventType, stateKey },
  );
export const toDevice: fc.Arbitrary<Capability> = fc
  .record({ direction, eventType: nonEmptyTricky })
  .map(({ direction, eventType }) => ({ kind: "to_device" as const, direction, eventType }));
export const timeline: fc.Arbitrary<Capability> = fc
  .oneof(fc.constant("*"), nonEmptyTricky)
  .map((roomId) => ({ kind: "timeline" as const, roomId }));
export const accountData: fc.Arbitrary<Capability> = nonEmptyTricky.map((eventType) => ({
  kind: "account_data" as const,
  eventType,
}));
export const roomAccountData: fc.Arbitrary<Capability> = nonEmptyTricky.map((eventType) => ({
  kind: "room_account_data" as const,
  eventType,
}));
export const fixed: fc.Arbitrary<Capability> = fc
  .constantFrom(...FIXED_NAMES)
  .map((name) => ({ kind: "fixed" as const, name }));
export const custom: fc.Arbitrary<Capability> = trickyString
  .filter((name) => parseCapability(name).kind === "custom")
  .map((name) => ({ kind: "custom" as const, name }));

export const anyCapability: fc.Arbitrary<Capability> = fc.oneof(
  roomEvent,
  stateEvent,
  toDevice,
  timeline,
  accountData,
  roomAccountData,
  fixed,
  custom,
);
