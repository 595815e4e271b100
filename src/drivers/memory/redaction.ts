/**
 * The redaction algorithm of room version 11, which version 12 keeps: the world's rooms are of
 * one or the other. It is a pure function of the event, so the world can apply it to its stored
 * copy and tests can check it apart from any room.
 * https://spec.matrix.org/v1.12/rooms/v11/#redactions
 */

import { copy, type JsonContent } from "./json.js";
import type { MatrixEvent } from "./world.js";

/**
 * Top-level keys that survive a redaction. Federation keys (hashes, signatures, …) are listed
 * though the world never sets them, so the function stays right for any event handed to it.
 * `unsigned` is not among them: the redacted form gets a new one.
 */
const KEPT_KEYS: ReadonlySet<string> = new Set([
  "event_id",
  "type",
  "room_id",
  "sender",
  "state_key",
  "content",
  "hashes",
  "signatures",
  "depth",
  "prev_events",
  "auth_events",
  "origin_server_ts",
]);

/**
 * Content keys kept per event type: those the authorisation rules read, so that a room's later
 * events stay valid once its state events are redacted. A `Map`, so an event type such as
 * `__proto__` is just an unknown type. `m.room.create` keeps all of its content and
 * `m.room.member` also keeps part of `third_party_invite`; both are handled in {@link redactedContent}.
 */
const KEPT_CONTENT_KEYS: ReadonlyMap<string, readonly string[]> = new Map([
  ["m.room.member", ["membership", "join_authorised_via_users_server"]],
  ["m.room.join_rules", ["join_rule", "allow"]],
  [
    "m.room.power_levels",
    [
      "ban",
      "events",
      "events_default",
      "invite",
      "kick",
      "redact",
      "state_default",
      "users",
      "users_default",
    ],
  ],
  ["m.room.history_visibility", ["history_visibility"]],
  ["m.room.redaction", ["redacts"]],
]);

/**
 * What is left of an event's content after a redaction, for an event of `type` (room version
 * 11): the keys the authorisation rules need, deep-copied; an empty object for every other type.
 */
export function redactedContent(type: string, content: JsonContent): JsonContent {
  if (type === "m.room.create") return copy(content);
  const kept: JsonContent = {};
  for (const key of KEPT_CONTENT_KEYS.get(type) ?? []) {
    if (Object.hasOwn(content, key)) kept[key] = copy(content[key]);
  }
  if (type === "m.room.member") {
    // Only `signed` proves a third-party invite was accepted; the display name and the rest may
    // be what the redaction was meant to remove.
    const invite = Object.hasOwn(content, "third_party_invite") ? content["third_party_invite"] : undefined;
    if (isObject(invite) && Object.hasOwn(invite, "signed")) {
      kept["third_party_invite"] = { signed: copy(invite["signed"]) };
    }
  }
  return kept;
}

/**
 * The redacted form of `event` as a homeserver stores it: only the keys room version 11 keeps,
 * the content cut down by {@link redactedContent}, and `unsigned` holding `redacted_because`, a
 * copy of the redaction, so a client can show who removed it and why, `redacted_by`, its ID (both
 * as Synapse serves a redacted event), and the event's
 * `replaces_state`, which Synapse keeps through a redaction (it says where the state came from,
 * not what the sender wrote). The arguments are not changed.
 */
export function redactEvent(event: MatrixEvent, redaction: MatrixEvent): MatrixEvent {
  const kept: Record<string, unknown> = {};
  // Every own key is looked at, not just those MatrixEvent names: whatever else an event carries
  // (an MSC's field, a key the world adds later) is dropped unless the algorithm keeps it.
  for (const [key, value] of Object.entries(event)) {
    if (KEPT_KEYS.has(key)) kept[key] = copy(value);
  }
  kept["content"] = redactedContent(event.type, event.content);
  const replaces = event.unsigned?.replaces_state;
  kept["unsigned"] = {
    ...(typeof replaces === "string" ? { replaces_state: replaces } : {}),
    redacted_because: copy(redaction),
    redacted_by: redaction.event_id,
  };
  return kept as unknown as MatrixEvent;
}

function isObject(value: unknown): value is JsonContent {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
