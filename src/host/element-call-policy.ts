/**
 * A capability preset for an Element Call the host serves itself and trusts, the way Element Web
 * treats its own embedded Element Call: what a call needs is granted without a prompt, scoped to
 * the call's room and to the user's own device, and nothing else is.
 *
 * ```ts
 * const policy = trustedElementCallPolicy({
 *   roomId,
 *   userId: client.getSafeUserId(),
 *   deviceId: client.getDeviceId(),
 * });
 * const host = new WidgetHost({ ...options, policy });
 * ```
 *
 * Use it only for a build you control (Element serves its copy from its own site). A widget from
 * any other URL asking for the same capabilities should go through a consent prompt.
 * @module
 */
import {
  capabilityKey,
  formatCapability,
  parseCapability,
  type Capability,
  type FixedCapabilityName,
} from "../capabilities/index.js";
import type { HostPolicy } from "./policy.js";

/** Where the call is and who joins it, which bound what the preset grants. */
export interface ElementCallIdentity {
  /** The call's room: the only room whose timeline the widget may read. */
  roomId: string;
  /** The signed-in user, whose call membership the widget may write. */
  userId: string;
  /**
   * The client's device. Without it only the legacy per-user membership key is granted; Element
   * Call 0.26 writes per-device keys, so pass it.
   */
  deviceId?: string | null;
}

/** Parameterless capabilities a call uses: screen, TURN, avatars, its delayed leave, sticky membership, its focus. */
const FIXED: readonly FixedCapabilityName[] = [
  "always_on_screen",
  "turn_servers",
  "download_file",
  "send_delayed_event",
  "update_delayed_event",
  "send_sticky_event",
  "receive_sticky_event",
  "rtc_transports",
];

/** Room events a call both sends and reads: keys, reactions and their redactions, membership, declines, rageshakes. */
const ROOM_EVENTS_BOTH_WAYS = [
  "io.element.call.encryption_keys",
  "org.matrix.rageshake_request",
  "m.reaction",
  "m.room.redaction",
  "io.element.call.reaction",
  "org.matrix.msc4310.rtc.decline",
  "m.rtc.decline",
  "org.matrix.msc4143.rtc.member",
  "m.rtc.member",
];

/** Room events a call only sends: it rings the others. */
const ROOM_EVENTS_SENT = ["org.matrix.msc4075.call.notify", "org.matrix.msc4075.rtc.notification"];

/** Room state a call reads: the room's version and name, who is in it, whether it is encrypted, who is in the call. */
const STATE_READ = [
  "m.room.create",
  "m.room.name",
  "m.room.member",
  "m.room.encryption",
  "org.matrix.msc3401.call",
  "org.matrix.msc3401.call.member",
];

/** The call's membership state, written only under the user's own keys. */
const CALL_MEMBER = "org.matrix.msc3401.call.member";

/** To-device messages of 1:1 VoIP and of per-participant media keys, both ways. */
const TO_DEVICE_BOTH_WAYS = [
  "m.call.invite",
  "m.call.candidates",
  "m.call.answer",
  "m.call.hangup",
  "m.call.reject",
  "m.call.select_answer",
  "m.call.negotiate",
  "m.call.sdp_stream_metadata_changed",
  "org.matrix.call.sdp_stream_metadata_changed",
  "m.call.replaces",
  "io.element.call.encryption_keys",
];

/**
 * The capabilities a trusted Element Call gets without a prompt, in the spelling deployed hosts
 * use: those Element Web grants its own Element Call, plus the three that Element Call 0.26
 * requests beyond them (downloading avatars, reading sticky events, asking for its RTC transports).
 * The timeline is the call's room only, and call membership is writable only under the keys of
 * `userId` and `deviceId`.
 */
export function elementCallCapabilities(identity: ElementCallIdentity): string[] {
  return presetOf(identity).map((capability) => formatCapability(capability));
}

/** The preset as capability values, before any spelling is chosen. */
function presetOf(identity: ElementCallIdentity): Capability[] {
  const { roomId, userId, deviceId } = identity;
  return [
    ...FIXED.map((name): Capability => ({ kind: "fixed", name })),
    { kind: "timeline", roomId },
    ...ROOM_EVENTS_BOTH_WAYS.flatMap((eventType): Capability[] => [
      { kind: "room_event", direction: "send", eventType },
      { kind: "room_event", direction: "receive", eventType },
    ]),
    ...ROOM_EVENTS_SENT.map((eventType): Capability => ({
      kind: "room_event",
      direction: "send",
      eventType,
    })),
    ...STATE_READ.map((eventType): Capability => ({ kind: "state_event", direction: "receive", eventType })),
    ...membershipKeys(userId, deviceId).map((stateKey): Capability => ({
      kind: "state_event",
      direction: "send",
      eventType: CALL_MEMBER,
      stateKey,
    })),
    ...TO_DEVICE_BOTH_WAYS.flatMap((eventType): Capability[] => [
      { kind: "to_device", direction: "send", eventType },
      { kind: "to_device", direction: "receive", eventType },
    ]),
  ];
}

/**
 * The state keys a call's membership may be written under: the legacy per-user key and, with a
 * device, the per-device keys (with and without the leading underscore that room versions which
 * reserve user-ID keys need, and with and without the `_m.call` application suffix).
 */
function membershipKeys(userId: string, deviceId: string | null | undefined): string[] {
  if (!deviceId) return [userId];
  const device = `${userId}_${deviceId}`;
  return [userId, `_${device}`, `_${device}_m.call`, device, `${device}_m.call`];
}

/**
 * A policy for an Element Call the host trusts: it grants the requested capabilities that are in
 * {@link elementCallCapabilities} (in either spelling), refuses the rest, and lets Element Call have
 * an OpenID token, which it needs to reach its call focus. `extra` supplies other hooks, and may
 * replace `approveOpenId`.
 */
export function trustedElementCallPolicy(
  identity: ElementCallIdentity,
  extra: Omit<HostPolicy, "approveCapabilities"> = {},
): HostPolicy {
  const allowed = new Set<string | undefined>(presetOf(identity).map(capabilityKey));
  return {
    approveOpenId: () => true,
    ...extra,
    approveCapabilities: ({ requested }) => requested.filter((capability) => allowed.has(keyOf(capability))),
  };
}

/** The spelling-independent key of a capability string; `undefined` for one no key can be made of. */
function keyOf(capability: string): string | undefined {
  try {
    return capabilityKey(parseCapability(capability));
  } catch {
    return undefined;
  }
}
