// What of an event's `unsigned` a widget may see. The homeserver puts other events there: the
// redaction that redacted it (`redacted_because`) and bundled relations (`m.relations`: a thread's
// latest event, an edit's replacement). The receive checks look at the outer event only, so without
// this a widget granted `m.room.message#m.text` read an `m.file` in a thread root's bundle, and one
// without `m.room.redaction` read who redacted what and why.
import type { CapabilitySet } from "../../../capabilities/set.js";
import type { RoomEvent } from "../../driver.js";

/** `unsigned` members that hold no other event, passed on as they are. */
const PLAIN_MEMBERS: ReadonlySet<string> = new Set([
  "age",
  "transaction_id",
  "membership",
  // State events: the previous state of the same type and key, which the same grant covers.
  "prev_content",
  "prev_sender",
  "replaces_state",
]);

/** Embedded events inside embedded events: deeper than a server bundles, refused. */
const MAX_EMBEDDING = 3;

/**
 * What decides whether the widget may receive an embedded event: the session's grants (their
 * `receive` rules by type, state key and msgtype; the room is the outer event's).
 */
export type ReceiveRules = Pick<CapabilitySet, "allowsEvent">;

/**
 * The event as the widget may see it: the same object when its `unsigned` holds nothing to hide
 * (no `unsigned`, or only plain members: the live feed's usual case), otherwise a copy whose
 * `unsigned` keeps the plain members, an embedded event only when `grants` let the widget receive it (its own
 * `unsigned` filtered the same way), and nothing else. Deny by default: an `unsigned` member this
 * does not know is dropped.
 */
export function withVisibleUnsigned<E extends RoomEvent>(event: E, grants: ReceiveRules): E {
  const unsigned = event.unsigned;
  if (unsigned === undefined || onlyPlain(unsigned)) return event;
  return { ...event, unsigned: visibleUnsigned(unsigned, grants, 0) };
}

function onlyPlain(unsigned: Record<string, unknown>): boolean {
  for (const key in unsigned) {
    if (Object.prototype.hasOwnProperty.call(unsigned, key) && !PLAIN_MEMBERS.has(key)) return false;
  }
  return true;
}

function visibleUnsigned(
  unsigned: Record<string, unknown>,
  grants: ReceiveRules,
  depth: number,
): Record<string, unknown> {
  const visible: Record<string, unknown> = {};
  for (const key of Object.keys(unsigned)) {
    const value = unsigned[key];
    if (PLAIN_MEMBERS.has(key)) visible[key] = value;
    else if (key === "redacted_because") {
      const redaction = visibleEmbedded(value, grants, depth);
      if (redaction !== undefined) visible[key] = redaction;
    } else if (key === "m.relations") {
      const relations = visibleRelations(value, grants, depth);
      if (relations !== undefined) visible[key] = relations;
    }
  }
  return visible;
}

/** Bundled relations: a thread summary and an edit, each only with an event the widget may see. */
function visibleRelations(
  value: unknown,
  grants: ReceiveRules,
  depth: number,
): Record<string, unknown> | undefined {
  if (!isRecord(value)) return undefined;
  const visible: Record<string, unknown> = {};
  const thread = value["m.thread"];
  if (isRecord(thread)) {
    const latest = visibleEmbedded(thread.latest_event, grants, depth);
    // The summary goes with its latest event or not at all: its count and participation describe
    // replies the widget may not be allowed to see.
    if (latest !== undefined) visible["m.thread"] = { ...thread, latest_event: latest };
  }
  const edit = value["m.replace"];
  if (isRecord(edit)) {
    if (typeof edit.type === "string") {
      const replacement = visibleEmbedded(edit, grants, depth);
      if (replacement !== undefined) visible["m.replace"] = replacement;
    } else {
      // The older summary names the edit without its content.
      const { event_id: eventId, origin_server_ts: ts, sender } = edit;
      if (typeof eventId === "string" && typeof ts === "number" && typeof sender === "string") {
        visible["m.replace"] = { event_id: eventId, origin_server_ts: ts, sender };
      }
    }
  }
  return Object.keys(visible).length > 0 ? visible : undefined;
}

/** An embedded event the widget may receive, with its own `unsigned` filtered; else undefined. */
function visibleEmbedded(value: unknown, grants: ReceiveRules, depth: number): unknown {
  if (depth >= MAX_EMBEDDING || !isRecord(value) || typeof value.type !== "string") return undefined;
  if (!isRecord(value.content) || !grants.allowsEvent("receive", value as { type: string })) return undefined;
  const inner = value.unsigned;
  if (!isRecord(inner) || onlyPlain(inner)) return value;
  return { ...value, unsigned: visibleUnsigned(inner, grants, depth + 1) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
