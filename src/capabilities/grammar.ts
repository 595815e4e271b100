/**
 * The capability string grammar of the Matrix Widget API (MSC2762 and the MSCs that add capabilities).
 *
 * A capability travels as an opaque string. This module turns such a string into a structured
 * {@link Capability} and back. The two functions are exact inverses on every valid value
 * (`parseCapability(formatCapability(c, style))` deep-equals `c` for both styles), which is the property
 * the reference implementation lacks: it does not escape `#` when it formats a state capability, so a
 * type such as `com.x#y` comes back as a different type with a different state key.
 *
 * @module
 */

import { ownProperty } from "../core/own-property.js";
import { FIXED_SPELLINGS, PARAMETERISED_FORMS, heads, type ParameterisedForm } from "./spellings.js";

/** Whether a capability lets the widget send (`send`) or see (`receive`) the events it names. */
export type CapabilityDirection = "send" | "receive";

/**
 * Capabilities that take no parameter. Each has a stable (`m.*`) spelling and, where the MSC defines
 * one, an unstable spelling; see {@link formatCapability} for the exact strings.
 */
export type FixedCapabilityName =
  | "screenshot"
  | "always_on_screen"
  | "sticker"
  | "navigate"
  | "user_directory_search"
  | "turn_servers"
  | "upload_file"
  | "download_file"
  | "send_delayed_event"
  | "update_delayed_event"
  | "send_sticky_event"
  | "receive_sticky_event"
  | "requires_client"
  | "modals"
  | "mxid_share"
  | "rtc_transports"
  | "rtc_livekit_get_token"
  | "rtc_livekit_delegate_delayed_leave";

/**
 * One capability, independent of how it was spelled.
 *
 * - `room_event`: send or receive room (non-state) events of `eventType`. `msgtype` is only used when
 *   `eventType` is `m.room.message`; when it is absent every msgtype is covered.
 * - `state_event`: send or receive state events of `eventType`. An absent `stateKey` covers every state
 *   key; `""` is the empty state key only.
 * - `to_device`: send or receive to-device messages of `eventType` (MSC3819).
 * - `timeline`: act in `roomId` besides the viewed room; `"*"` means every room (MSC2762).
 * - `account_data`: read the user's global account data of `eventType` (MSC3751).
 * - `room_account_data`: receive room account data of `eventType` (Beeper's extension).
 * - `fixed`: a parameterless capability, see {@link FixedCapabilityName}.
 * - `custom`: any string this grammar does not recognise, kept verbatim so hosts can still grant it.
 *
 * Every `eventType` and `roomId` is non-empty: an empty one is not a capability, so such strings parse as
 * `custom`.
 */
export type Capability =
  | { kind: "room_event"; direction: CapabilityDirection; eventType: string; msgtype?: string }
  | { kind: "state_event"; direction: CapabilityDirection; eventType: string; stateKey?: string }
  | { kind: "to_device"; direction: CapabilityDirection; eventType: string }
  | { kind: "timeline"; roomId: string }
  | { kind: "account_data"; eventType: string }
  | { kind: "room_account_data"; eventType: string }
  | { kind: "fixed"; name: FixedCapabilityName }
  | { kind: "custom"; name: string };

/**
 * Which spelling {@link formatCapability} produces. `stable` uses the `m.*` names from the MSCs;
 * `unstable` uses the prefixed names that deployed hosts (Element via matrix-widget-api) understand today.
 */
export type CapabilityStyle = "stable" | "unstable";

/** The event type whose capabilities may carry a `#msgtype` suffix. */
const ROOM_MESSAGE = "m.room.message";
const ROOM_MESSAGE_WITH_SEPARATOR = `${ROOM_MESSAGE}#`;

/** Every accepted spelling of a parameterless capability, mapped to its name. */
const FIXED_BY_STRING: ReadonlyMap<string, FixedCapabilityName> = (() => {
  const byString = new Map<string, FixedCapabilityName>();
  for (const [name, spelling] of FIXED_SPELLINGS) {
    byString.set(spelling.stable, name);
    byString.set(spelling.unstable, name);
    for (const extra of spelling.alsoAccepted ?? []) byString.set(extra, name);
  }
  return byString;
})();

/**
 * Form lookup by head. None of the prefixes contains a `:` before its final one, so the head of a string
 * is everything up to its first `:`, and a single map lookup finds the form.
 */
const FORM_BY_HEAD: ReadonlyMap<string, ParameterisedForm> = (() => {
  const byHead = new Map<string, ParameterisedForm>();
  for (const form of PARAMETERISED_FORMS) {
    const { stable, unstable } = heads(form);
    byHead.set(stable, form);
    byHead.set(unstable, form);
  }
  return byHead;
})();

/** Result of reading the type part of a capability parameter. */
interface TypeAndSuffix {
  /** The type with `\#` and `\\` escapes resolved. */
  readonly type: string;
  /** Everything after the first unescaped `#`, verbatim; `undefined` when there is no such `#`. */
  readonly suffix: string | undefined;
}

/**
 * Reads an escaped type. `\#` is a literal `#`, `\\` is a literal `\`, any other `\` is itself.
 * With `split`, the first unescaped `#` ends the type and the rest of the string is the suffix;
 * without it, an unescaped `#` is an ordinary character.
 */
function readType(text: string, split: boolean): TypeAndSuffix {
  let type = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "\\" && (next === "\\" || next === "#")) {
      type += next;
      i += 2;
    } else if (c === "#" && split) {
      return { type, suffix: text.slice(i + 1) };
    } else {
      type += c;
      i += 1;
    }
  }
  return { type, suffix: undefined };
}

/**
 * Escapes a type so that {@link readType} reads it back unchanged.
 *
 * `#` is escaped when `escapeHash` is set (state types, and the rare room type that would otherwise look
 * like `m.room.message#…`). A `\` is escaped only when leaving it bare would change the meaning: before
 * another `\` or a `#`, or at the very end when a `#suffix` follows. Every other character is emitted as
 * is, so ordinary types come out byte-identical to what existing implementations produce.
 */
function escapeType(type: string, escapeHash: boolean, suffixFollows: boolean): string {
  let out = "";
  for (let i = 0; i < type.length; i++) {
    const c = type[i];
    if (c === "#") {
      out += escapeHash ? "\\#" : "#";
    } else if (c === "\\") {
      const next = type[i + 1];
      const ambiguous = next === "\\" || next === "#" || (next === undefined && suffixFollows);
      out += ambiguous ? "\\\\" : "\\";
    } else {
      out += c;
    }
  }
  return out;
}

/** Parses the parameter of a room-event capability (type, plus `#msgtype` for `m.room.message`). */
function parseRoomEvent(direction: CapabilityDirection, param: string): Capability | undefined {
  const split = readType(param, true);
  if (split.suffix !== undefined && split.type === ROOM_MESSAGE) {
    return { kind: "room_event", direction, eventType: ROOM_MESSAGE, msgtype: split.suffix };
  }
  // Any other room type: an unescaped `#` is part of the type.
  const { type } = readType(param, false);
  return type === "" ? undefined : { kind: "room_event", direction, eventType: type };
}

/** Parses the parameter of a state capability (type, plus an optional `#stateKey`). */
function parseStateEvent(direction: CapabilityDirection, param: string): Capability | undefined {
  const { type, suffix } = readType(param, true);
  if (type === "") return undefined;
  return suffix === undefined
    ? { kind: "state_event", direction, eventType: type }
    : { kind: "state_event", direction, eventType: type, stateKey: suffix };
}

function parseParameterised(form: ParameterisedForm, param: string): Capability | undefined {
  switch (form.kind) {
    case "room_event":
      return parseRoomEvent(form.direction, param);
    case "state_event":
      return parseStateEvent(form.direction, param);
    case "to_device":
      // MSC3819 defines no suffix, so the type is taken verbatim.
      return param === "" ? undefined : { kind: "to_device", direction: form.direction, eventType: param };
    case "timeline":
      return param === "" ? undefined : { kind: "timeline", roomId: param };
    case "account_data":
    case "room_account_data":
      // Account data has neither state keys nor msgtypes, so the type is taken verbatim.
      return param === "" ? undefined : { kind: form.kind, eventType: param };
  }
}

/**
 * Parses a capability string. Never throws: anything not recognised (including forms whose type or room
 * is empty) comes back as `{ kind: "custom", name: raw }`.
 *
 * Both the stable (`m.*`) and the unstable (MSC-prefixed) spellings are accepted, plus the two
 * misspellings of `m.capability.screenshot` found in MSC2764. Prefixes are matched exactly and
 * case-sensitively.
 *
 * Suffix rules (MSC2762):
 * - state capabilities: the first unescaped `#` starts the state key, which is everything after it,
 *   verbatim. `…:m.room.name#` is the empty state key; no `#` means any state key.
 * - room-event capabilities: only when the type before the first unescaped `#` is exactly
 *   `m.room.message` does that `#` start a msgtype. For any other type, a `#` is part of the type.
 * - in the type part, `\#` is a literal `#` and `\\` a literal `\`; any other `\` is literal.
 * - to-device, timeline and account-data parameters are verbatim (no suffix, no escapes).
 */
export function parseCapability(raw: string): Capability {
  const fixed = FIXED_BY_STRING.get(raw);
  if (fixed !== undefined) return { kind: "fixed", name: fixed };
  const colon = raw.indexOf(":");
  if (colon >= 0) {
    const form = FORM_BY_HEAD.get(raw.slice(0, colon + 1));
    if (form !== undefined) {
      const parsed = parseParameterised(form, raw.slice(colon + 1));
      if (parsed !== undefined) return parsed;
    }
  }
  return { kind: "custom", name: raw };
}

const DIRECTIONS: ReadonlySet<unknown> = new Set<CapabilityDirection>(["send", "receive"]);

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

/**
 * Whether `cap` is a well-formed capability value, i.e. one that {@link formatCapability} accepts and
 * that survives a format/parse round trip unchanged. Never throws, so it can screen untrusted objects.
 *
 * Invalid values: unknown `kind` or fixed `name`, non-string fields, an empty type or room, a `msgtype`
 * on a type other than `m.room.message`, and a `custom` name that is actually a recognised spelling
 * (it would parse as that capability, not as `custom`).
 */
export function isValidCapability(cap: unknown): cap is Capability {
  try {
    if (typeof cap !== "object" || cap === null) return false;
    const kind = ownProperty(cap, "kind");
    switch (kind) {
      case "room_event": {
        const eventType = ownProperty(cap, "eventType");
        const msgtype = ownProperty(cap, "msgtype");
        if (!DIRECTIONS.has(ownProperty(cap, "direction")) || !isNonEmptyString(eventType)) return false;
        return msgtype === undefined || (typeof msgtype === "string" && eventType === ROOM_MESSAGE);
      }
      case "state_event": {
        const stateKey = ownProperty(cap, "stateKey");
        return (
          DIRECTIONS.has(ownProperty(cap, "direction")) &&
          isNonEmptyString(ownProperty(cap, "eventType")) &&
          (stateKey === undefined || typeof stateKey === "string")
        );
      }
      case "to_device":
        return (
          DIRECTIONS.has(ownProperty(cap, "direction")) && isNonEmptyString(ownProperty(cap, "eventType"))
        );
      case "timeline":
        return isNonEmptyString(ownProperty(cap, "roomId"));
      case "account_data":
      case "room_account_data":
        return isNonEmptyString(ownProperty(cap, "eventType"));
      case "fixed": {
        const name = ownProperty(cap, "name");
        return typeof name === "string" && FIXED_SPELLINGS.has(name as FixedCapabilityName);
      }
      case "custom": {
        const name = ownProperty(cap, "name");
        return typeof name === "string" && parseCapability(name).kind === "custom";
      }
      default:
        return false;
    }
  } catch {
    // A hostile object (a Proxy, a throwing getter) is simply not a valid capability.
    return false;
  }
}

/**
 * Formats a capability as a string in the given style (default `"unstable"`, the spelling deployed hosts
 * such as Element understand). `parseCapability(formatCapability(c, style))` deep-equals `c`.
 *
 * Escaping is minimal so ordinary types come out exactly as other implementations write them:
 * - state types: every `#` becomes `\#`; a `\` is doubled only where it would otherwise be read as an
 *   escape (before `\` or `#`, or last before the `#stateKey` separator).
 * - room types: same `\` rule; `#` is left bare (it is not special for non-message types) except in the
 *   one type that would otherwise read as `m.room.message#msgtype`.
 * - state keys and msgtypes are appended verbatim after a bare `#`.
 * - to-device, timeline, account-data parameters and custom names are emitted verbatim.
 *
 * @throws {TypeError} when `cap` is not valid (see {@link isValidCapability}); such a value has no string
 *   that parses back to it.
 */
export function formatCapability(cap: Capability, style: CapabilityStyle = "unstable"): string {
  if (!isValidCapability(cap)) {
    throw new TypeError(`Not a valid capability value: ${safeDescribe(cap)}`);
  }
  if (style !== "stable" && style !== "unstable") {
    throw new TypeError(`Unknown capability style: ${String(style)}`);
  }
  switch (cap.kind) {
    case "fixed":
      return (FIXED_SPELLINGS.get(cap.name) as { stable: string; unstable: string })[style];
    case "custom":
      return cap.name;
    case "timeline":
      return heads(cap)[style] + cap.roomId;
    case "account_data":
    case "room_account_data":
    case "to_device":
      return heads(cap)[style] + cap.eventType;
    case "state_event": {
      const hasKey = cap.stateKey !== undefined;
      const type = escapeType(cap.eventType, true, hasKey);
      return heads(cap)[style] + (hasKey ? `${type}#${cap.stateKey}` : type);
    }
    case "room_event": {
      const head = heads(cap)[style];
      if (cap.msgtype !== undefined) return `${head}${ROOM_MESSAGE_WITH_SEPARATOR}${cap.msgtype}`;
      // Only a type that starts with `m.room.message#` would be misread as a msgtype form; escape its
      // `#`s. Everywhere else a bare `#` is part of the type, as MSC2762 says.
      const escapeHash = cap.eventType.startsWith(ROOM_MESSAGE_WITH_SEPARATOR);
      return head + escapeType(cap.eventType, escapeHash, false);
    }
  }
}

function safeDescribe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return "(unprintable)";
  }
}

/**
 * A canonical string for a capability, equal for the stable and unstable spellings (and for the
 * screenshot misspellings). It is the stable formatting, so it is also a valid capability string.
 * Use it to de-duplicate or compare capabilities; keep the original strings for echoing to the widget.
 *
 * @throws {TypeError} when `cap` is not valid (see {@link isValidCapability}).
 */
export function capabilityKey(cap: Capability): string {
  return formatCapability(cap, "stable");
}

/** Well-known state event types: asking for them as room events is a kind mismatch. */
const KNOWN_STATE_TYPES: ReadonlySet<string> = new Set([
  "m.room.create",
  "m.room.member",
  "m.room.power_levels",
  "m.room.join_rules",
  "m.room.history_visibility",
  "m.room.name",
  "m.room.topic",
  "m.room.avatar",
  "m.room.canonical_alias",
  "m.room.encryption",
  "m.room.server_acl",
  "m.room.pinned_events",
  "m.room.guest_access",
  "m.room.tombstone",
  "m.room.third_party_invite",
]);

/** Well-known room (non-state) event types: asking for them as state events is a kind mismatch. */
const KNOWN_ROOM_TYPES: ReadonlySet<string> = new Set([
  "m.room.message",
  "m.room.encrypted",
  "m.reaction",
  "m.sticker",
  "m.room.redaction",
]);

/**
 * `m.call.member` (MatrixRTC, MSC3401) is a state event despite its `m.call.` prefix, so it is not part of
 * the `m.call.*` room-event family.
 */
const CALL_STATE_TYPES: ReadonlySet<string> = new Set(["m.call.member"]);

/**
 * Whether a capability names a well-known event type with the wrong kind: a room-event capability for a
 * known state type (e.g. `m.send.event:m.room.topic`), or a state capability for a known room-event type
 * (e.g. `m.send.state_event:m.room.message`, or any VoIP `m.call.*` event). MSC2762 says hosts SHOULD deny
 * these automatically; no event of that kind can exist, so granting them could only be a mistake or a
 * probe. Applies to both directions. Always `false` for other kinds.
 */
export function isKindMismatch(cap: Capability): boolean {
  if (cap.kind === "room_event") return KNOWN_STATE_TYPES.has(cap.eventType);
  if (cap.kind === "state_event") {
    const type = cap.eventType;
    return KNOWN_ROOM_TYPES.has(type) || (type.startsWith("m.call.") && !CALL_STATE_TYPES.has(type));
  }
  return false;
}
