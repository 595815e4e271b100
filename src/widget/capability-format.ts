/**
 * The capability strings the widget's event helpers write (`eventCapability`, `stateCapability`,
 * `timelineCapability`, `delayedEventCapability`, `stickyEventCapability`), formatted exactly as
 * `formatCapability` formats them, without its validator and the full grammar behind it: the
 * helpers only ever build these few forms, and the grammar costs a widget bundle about 6 KB.
 * test/unit/widget/capability-format.property.test.ts checks, on generated values (awkward types,
 * `#` and `\` included, invalid ones too), that the strings and the errors are formatCapability's.
 * @internal
 */
import type { CapabilityDirection, CapabilityStyle } from "../capabilities/grammar.js";

/** A room event capability, as {@link formatRoomEventCapability} takes it. */
export interface RoomEventCapabilityValue {
  direction: CapabilityDirection;
  eventType: string;
  msgtype?: string;
}

/** A state event capability, as {@link formatStateEventCapability} takes it. */
export interface StateEventCapabilityValue {
  direction: CapabilityDirection;
  eventType: string;
  stateKey?: string;
}

const ROOM_MESSAGE = "m.room.message#";

function isName(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

function isDirection(value: unknown): boolean {
  return value === "send" || value === "receive";
}

/** Throws as formatCapability does for a value its validator refuses. */
function refuseValue(kind: string, value: object): never {
  let shown: string;
  try {
    shown = JSON.stringify({ kind, ...value });
  } catch {
    shown = "(unprintable)";
  }
  throw new TypeError(`Not a valid capability value: ${shown}`);
}

/** Throws as formatCapability does for a style it does not know. */
function checkStyle(style: unknown): asserts style is CapabilityStyle {
  if (style !== "stable" && style !== "unstable") {
    throw new TypeError(`Unknown capability style: ${String(style)}`);
  }
}

/**
 * The head of an MSC2762 capability (room events, state events, the timeline): `m.` when stable,
 * `org.matrix.msc2762.` when not, then `rest`. Written here rather than read from spellings.ts's
 * heads(), which would bring every form's strings into the bundle; the property test holds the
 * two to the same output.
 */
function msc2762Head(rest: string, style: unknown): string {
  checkStyle(style);
  return (style === "stable" ? "m." : "org.matrix.msc2762.") + rest;
}

/**
 * Escapes an event type as the grammar does: `#` as `\#` where a `#` would be read as the start
 * of a suffix, and a backslash doubled where it would be read as an escape.
 */
function escapeType(type: string, escapeHash: boolean, suffixFollows: boolean): string {
  let out = "";
  for (let i = 0; i < type.length; i++) {
    const c = type[i];
    const next = type[i + 1];
    out +=
      c === "#"
        ? escapeHash
          ? "\\#"
          : "#"
        : c === "\\" && (next === "\\" || next === "#" || (next === undefined && suffixFollows))
          ? "\\\\"
          : c;
  }
  return out;
}

/**
 * formatCapability for a room event capability. Each form has a function of its own, so that a
 * widget using only one of them does not carry the others.
 */
export function formatRoomEventCapability(
  cap: RoomEventCapabilityValue,
  style: unknown = "unstable",
): string {
  const { direction, eventType, msgtype } = cap;
  if (
    !isDirection(direction) ||
    !isName(eventType) ||
    (msgtype !== undefined && (typeof msgtype !== "string" || eventType !== "m.room.message"))
  ) {
    refuseValue("room_event", cap);
  }
  const head = msc2762Head(`${direction}.event:`, style);
  if (msgtype !== undefined) return head + ROOM_MESSAGE + msgtype;
  // Only a type that starts with `m.room.message#` could be read as the msgtype form.
  return head + escapeType(eventType, eventType.startsWith(ROOM_MESSAGE), false);
}

/** formatCapability for a state event capability. */
export function formatStateEventCapability(
  cap: StateEventCapabilityValue,
  style: unknown = "unstable",
): string {
  const { direction, eventType, stateKey } = cap;
  if (
    !isDirection(direction) ||
    !isName(eventType) ||
    (stateKey !== undefined && typeof stateKey !== "string")
  ) {
    refuseValue("state_event", cap);
  }
  const hasKey = stateKey !== undefined;
  const type = escapeType(eventType, true, hasKey);
  return msc2762Head(`${direction}.state_event:`, style) + (hasKey ? `${type}#${stateKey}` : type);
}

/** formatCapability for a timeline capability. */
export function formatTimelineCapability(roomId: unknown, style: unknown = "unstable"): string {
  if (!isName(roomId)) refuseValue("timeline", { roomId });
  return msc2762Head("timeline:", style) + roomId;
}

/** formatCapability for the parameterless capabilities of delayed (MSC4157) and sticky (MSC4407) events. */
export function formatDelayedOrStickyCapability(
  name: "send.delayed_event" | "update_delayed_event" | "send.sticky_event" | "receive.sticky_event",
  style: unknown = "unstable",
): string {
  checkStyle(style);
  if (style === "stable") return `m.${name}`;
  return `org.matrix.${name.endsWith("delayed_event") ? "msc4157" : "msc4407"}.${name}`;
}
