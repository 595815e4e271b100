/**
 * To-device message types no widget may send or receive, whatever the user or the host policy
 * says: the messages end-to-end encryption is built from. The client decrypts to-device messages
 * before a driver sees them, so a widget allowed `m.receive.to_device:m.room_key` would be handed
 * the room keys of the user's conversations, and one allowed `m.secret.send` the user's secrets
 * (cross-signing keys, the key-backup key). Sending them would let a widget request or inject
 * keys and secrets, or drive a device verification, in the user's name.
 *
 * Reviewed (December 2026) against the to-device types matrix-js-sdk 43 and its Rust crypto use.
 */

import type { AccountDataRule } from "./account-data.js";

/**
 * The never-exposed to-device types, exact or by prefix (case-sensitive, as event types are).
 * Same shape as the account-data lists, so docs and prompts can be generated alike.
 */
export const NEVER_EXPOSED_TO_DEVICE: readonly AccountDataRule[] = Object.freeze(
  (
    [
      { match: "exact", type: "m.room_key", reason: "Carries a room key that decrypts the user's messages." },
      {
        match: "exact",
        type: "m.forwarded_room_key",
        reason: "Carries a room key that decrypts the user's messages.",
      },
      {
        match: "exact",
        type: "m.room_key_request",
        reason: "Asks the user's devices to hand out room keys.",
      },
      {
        match: "prefix",
        type: "m.room_key.withheld",
        reason: "Part of the room-key exchange between the user's devices.",
      },
      {
        match: "exact",
        type: "org.matrix.room_key.withheld",
        reason: "Part of the room-key exchange between the user's devices.",
      },
      {
        match: "prefix",
        type: "m.secret.",
        reason: "Requests or carries the user's secrets (cross-signing and key-backup keys).",
      },
      {
        match: "prefix",
        type: "m.key.verification.",
        reason: "Device verification, which decides whom the user's devices trust.",
      },
      {
        match: "exact",
        type: "m.room.encrypted",
        reason: "Olm ciphertext, the carrier of every encrypted to-device message.",
      },
      { match: "exact", type: "m.dummy", reason: "Used by the client to repair encryption sessions." },
      {
        match: "prefix",
        type: "io.element.msc4268.",
        reason: "Shares room-key history with newly invited users (MSC4268).",
      },
      {
        match: "prefix",
        type: "m.room_key_bundle",
        reason: "Shares room-key history with newly invited users (MSC4268).",
      },
    ] satisfies AccountDataRule[]
  ).map((rule) => Object.freeze({ ...rule })),
);

/**
 * Whether a to-device type is never exposed to widgets (see {@link NEVER_EXPOSED_TO_DEVICE}).
 * A non-string fails closed as never exposed.
 */
export function isNeverExposedToDeviceType(type: string): boolean {
  if (typeof type !== "string") return true;
  return NEVER_EXPOSED_TO_DEVICE.some((rule) =>
    rule.match === "exact" ? type === rule.type : type.startsWith(rule.type),
  );
}
