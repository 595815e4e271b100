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
import { heads } from "../capabilities/spellings.js";

/** The capability forms the event helpers build. */
export type EventCapabilityValue =
  | { kind: "room_event"; direction: CapabilityDirection; eventType: string; msgtype?: string }
  | { kind: "state_event"; direction: CapabilityDirection; eventType: string; stateKey?: string }
  | { kind: "timeline"; roomId: string };

const ROOM_MESSAGE = "m.room.message#";

function isName(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

function isDirection(value: unknown): boolean {
  return value === "send" || value === "receive";
}

/** Throws as formatCapability does for a style it does not know. */
function checkStyle(style: unknown): asserts style is CapabilityStyle {
  if (style !== "stable" && style !== "unstable") {
    throw new TypeError(`Unknown capability style: ${String(style)}`);
  }
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

/** formatCapability for the forms of {@link EventCapabilityValue}. */
export function formatEventCapability(cap: EventCapabilityValue, style: unknown = "unstable"): string {
  const valid =
    cap.kind === "timeline"
      ? isName(cap.roomId)
      : isDirection(cap.direction) &&
        isName(cap.eventType) &&
        (cap.kind === "room_event"
          ? cap.msgtype === undefined ||
            (typeof cap.msgtype === "string" && cap.eventType === "m.room.message")
          : cap.stateKey === undefined || typeof cap.stateKey === "string");
  if (!valid) {
    let shown: string;
    try {
      shown = JSON.stringify(cap);
    } catch {
      shown = "(unprintable)";
    }
    throw new TypeError(`Not a valid capability value: ${shown}`);
  }
  checkStyle(style);
  const head = heads(cap)[style];
  if (cap.kind === "timeline") return head + cap.roomId;
  if (cap.kind === "state_event") {
    const hasKey = cap.stateKey !== undefined;
    const type = escapeType(cap.eventType, true, hasKey);
    return head + (hasKey ? `${type}#${cap.stateKey}` : type);
  }
  if (cap.msgtype !== undefined) return head + ROOM_MESSAGE + cap.msgtype;
  // Only a type that starts with `m.room.message#` could be read as the msgtype form.
  return head + escapeType(cap.eventType, cap.eventType.startsWith(ROOM_MESSAGE), false);
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
