/**
 * Capability wording for consent prompts: what a capability lets a widget do, in words a user can
 * judge, with a risk level. Covers every form {@link parseCapability} recognises, in both spellings,
 * and every parameterless capability; the text comes from per-locale catalogues (see
 * `messages/en.ts`) so an app can translate it.
 *
 * Risk rules (documented in docs/host-ui.md):
 * - `dangerous`: can take over or break a room or reach outside rooms. Sending state that governs a
 *   room (power levels, membership, join rules, history visibility, encryption, server ACL, tombstone,
 *   create, aliases, guest access, third-party invites), sending redactions, any to-device message
 *   (it reaches devices directly, outside every room, and carries encryption traffic), acting in
 *   every room (`timeline:*`), and account data no widget may ever read.
 * - `sensitive`: acts as the user or reads what people wrote or who they are. Sending any other room
 *   event or state, reading messages (`m.room.message`, `m.room.encrypted`, `m.sticker`), acting in
 *   one other room, sensitive account data (see `SENSITIVE_ACCOUNT_DATA`), user directory search,
 *   stickers, uploads, scheduled and sticky events, call tokens, and anything unrecognised.
 * - `low`: everything else: reading room state and other room events, ordinary account data, room
 *   account data, and the display-only capabilities (screenshots, always on screen, navigation, mxid
 *   share, modals, TURN servers, call transports, downloads, delayed leave, requires_client).
 *
 * @module
 */

import { classifyAccountDataType, findAccountDataRule } from "../matrix/account-data.js";
import { visibleText } from "../core/visible-text.js";
import { parseCapability, type Capability, type FixedCapabilityName } from "./grammar.js";
import { de } from "./messages/de.js";
import { en, type CapabilityMessageId, type CapabilityMessages } from "./messages/en.js";

export type { CapabilityMessageId, CapabilityMessages } from "./messages/en.js";

/** How much a capability lets a widget do behind the user's back. See the module comment for the rules. */
export type CapabilityRisk = "low" | "sensitive" | "dangerous";

/** A capability in words: what {@link describeCapability} returns. */
export interface CapabilityDescription {
  /** A short line naming what the widget may do, e.g. "Send messages in this room". */
  readonly title: string;
  /** One more sentence: how, and why it matters. */
  readonly detail: string;
  /** How careful the user should be; prompts leave `sensitive` and `dangerous` unchecked by default. */
  readonly risk: CapabilityRisk;
  /** The grammar's kind of the capability (`custom` when it was not recognised). */
  readonly kind: Capability["kind"];
  /** The message ID the title came from, for apps that want to style or group by it. */
  readonly messageId: CapabilityMessageId;
  /** The parsed capability. */
  readonly capability: Capability;
}

/** Options of {@link describeCapability}. */
export interface DescribeCapabilityOptions {
  /**
   * A BCP 47 language tag such as `de` or `de-AT`. The exact tag is tried first, then its language,
   * then English. Default `en`.
   */
  locale?: string;
  /** Extra or replacement catalogues by locale tag, tried before the built-in ones. */
  catalogues?: Readonly<Record<string, CapabilityMessages>>;
}

/** The built-in catalogues: English (the reference) and German. */
export const CAPABILITY_CATALOGUES: Readonly<Record<string, CapabilityMessages>> = Object.freeze({ en, de });

/** Room state whose change can take over, lock or break a room. */
const GOVERNING_STATE: ReadonlySet<string> = new Set([
  "m.room.power_levels",
  "m.room.member",
  "m.room.join_rules",
  "m.room.history_visibility",
  "m.room.encryption",
  "m.room.server_acl",
  "m.room.tombstone",
  "m.room.create",
  "m.room.canonical_alias",
  "m.room.guest_access",
  "m.room.third_party_invite",
]);

/** Room events whose content is what people wrote: reading them reads the conversation. */
const CONVERSATION_EVENTS: ReadonlySet<string> = new Set(["m.room.message", "m.room.encrypted", "m.sticker"]);

/** The risk of each parameterless capability; a `Record` so a new name without a risk fails to compile. */
const FIXED_RISK: Readonly<Record<FixedCapabilityName, CapabilityRisk>> = {
  screenshot: "low",
  always_on_screen: "low",
  sticker: "sensitive",
  navigate: "low",
  user_directory_search: "sensitive",
  turn_servers: "low",
  upload_file: "sensitive",
  download_file: "low",
  send_delayed_event: "sensitive",
  update_delayed_event: "sensitive",
  send_sticky_event: "sensitive",
  receive_sticky_event: "sensitive",
  requires_client: "low",
  modals: "low",
  mxid_share: "low",
  rtc_transports: "low",
  rtc_livekit_get_token: "sensitive",
  rtc_livekit_delegate_delayed_leave: "low",
};

/** Picks the catalogue for a locale tag: exact tag, then its language, then English. */
export function capabilityCatalogue(
  locale: string | undefined,
  catalogues?: Readonly<Record<string, CapabilityMessages>>,
): CapabilityMessages {
  const tags = [locale, locale?.split(/[-_]/)[0]].filter((t): t is string => t !== undefined && t !== "");
  for (const source of [catalogues, CAPABILITY_CATALOGUES]) {
    if (source === undefined) continue;
    for (const tag of tags) {
      const exact = Object.hasOwn(source, tag) ? source[tag] : undefined;
      if (exact !== undefined) return exact;
      const lower = tag.toLowerCase();
      const loose = Object.keys(source).find((k) => k.toLowerCase() === lower);
      if (loose !== undefined) return source[loose] as CapabilityMessages;
    }
  }
  return en;
}

/** Values for placeholders; each is made visible and shortened before it is put in a sentence. */
type Values = Readonly<Record<string, string>>;

/** Fills `{name}` placeholders; an unknown placeholder is left as written so a bad translation shows. */
function fill(template: string, values: Values): string {
  return template.replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? (values[name] as string) : whole,
  );
}

/** Upper-cases the first letter, for translations whose title starts with a placeholder. */
function capitalise(text: string, locale: string): string {
  const first = text.codePointAt(0);
  if (first === undefined) return text;
  const head = String.fromCodePoint(first);
  return head.toLocaleUpperCase(locale) + text.slice(head.length);
}

/** Whether `id` is a message ID of the catalogue (used for the per-type `what.*` names). */
function isMessageId(id: string): id is CapabilityMessageId {
  return Object.hasOwn(en, id);
}

/** The plain name of a well-known event type or msgtype, else the generic wording around the raw one. */
function what(
  messages: CapabilityMessages,
  known: string,
  fallback: CapabilityMessageId,
  values: Values,
): string {
  const id = `what.${known}`;
  return isMessageId(id) ? messages[id] : fill(messages[fallback], values);
}

/** The message ID of the title (the detail is the same ID ending in `.detail`) and the risk. */
function classify(cap: Capability): { base: string; risk: CapabilityRisk } {
  switch (cap.kind) {
    case "room_event": {
      if (cap.direction === "send") {
        if (cap.eventType === "m.room.redaction")
          return { base: "room_event.send.redaction", risk: "dangerous" };
        return {
          base: `room_event.send.${cap.msgtype === undefined ? "any" : "msgtype"}`,
          risk: "sensitive",
        };
      }
      return {
        base: `room_event.receive.${cap.msgtype === undefined ? "any" : "msgtype"}`,
        risk: CONVERSATION_EVENTS.has(cap.eventType) ? "sensitive" : "low",
      };
    }
    case "state_event": {
      const variant = cap.stateKey === undefined ? "any" : cap.stateKey === "" ? "empty" : "key";
      if (cap.direction === "receive") return { base: `state_event.receive.${variant}`, risk: "low" };
      return {
        base: `state_event.send.${variant}`,
        risk: GOVERNING_STATE.has(cap.eventType) ? "dangerous" : "sensitive",
      };
    }
    case "to_device":
      return { base: `to_device.${cap.direction}.any`, risk: "dangerous" };
    case "timeline":
      return cap.roomId === "*"
        ? { base: "timeline.all", risk: "dangerous" }
        : { base: "timeline.room", risk: "sensitive" };
    case "account_data": {
      const category = classifyAccountDataType(cap.eventType);
      const risk: CapabilityRisk =
        category === "never" ? "dangerous" : category === "sensitive" ? "sensitive" : "low";
      return { base: `account_data.${category}`, risk };
    }
    case "room_account_data":
      return { base: "room_account_data.any", risk: "low" };
    case "fixed":
      return { base: `fixed.${cap.name}`, risk: FIXED_RISK[cap.name] };
    case "custom":
      return { base: "custom.any", risk: "sensitive" };
  }
}

/** The placeholder values of a capability, each made visible (no bidi or zero-width tricks) and short. */
function valuesOf(cap: Capability, messages: CapabilityMessages): Values {
  const v = (text: string) => visibleText(text, { maxLength: 80 });
  switch (cap.kind) {
    case "room_event": {
      const base = { type: v(cap.eventType) };
      if (cap.msgtype !== undefined) {
        const withMsgtype = { ...base, msgtype: v(cap.msgtype) };
        return { ...withMsgtype, what: what(messages, cap.msgtype, "what.msgtype", withMsgtype) };
      }
      return { ...base, what: what(messages, cap.eventType, "what.event", base) };
    }
    case "state_event": {
      const base = { type: v(cap.eventType), stateKey: v(cap.stateKey ?? "") };
      return { ...base, what: what(messages, cap.eventType, "what.state", base) };
    }
    case "to_device":
    case "room_account_data":
      return { type: v(cap.eventType) };
    case "account_data":
      return {
        type: v(cap.eventType),
        reason: findAccountDataRule(cap.eventType)?.reason ?? "",
      };
    case "timeline":
      return { roomId: v(cap.roomId) };
    case "custom":
      return { name: v(cap.name) };
    case "fixed":
      return {};
  }
}

/**
 * Describes a capability for a consent prompt: a title, a one-line detail, a risk level and the kind.
 *
 * Accepts a capability string (either spelling) or a parsed {@link Capability}. Never throws: an
 * unrecognised string is described as an unrecognised permission. Text the widget chose (event types,
 * state keys, msgtypes, room IDs) is shown with invisible and bidi control characters escaped and cut
 * to 80 characters, so it cannot reorder or hide the sentence around it.
 *
 * @example
 * describeCapability("org.matrix.msc2762.send.event:m.room.message#m.text")
 * // → { title: "Send text messages in this room", risk: "sensitive", kind: "room_event", … }
 */
export function describeCapability(
  capability: string | Capability,
  options: DescribeCapabilityOptions = {},
): CapabilityDescription {
  const cap = typeof capability === "string" ? parseCapability(capability) : capability;
  const locale = options.locale ?? "en";
  const messages = capabilityCatalogue(locale, options.catalogues);
  const { base, risk } = classify(cap);
  const titleId = `${base}.title`;
  const detailId = `${base}.detail`;
  // Every base above has both messages in the reference catalogue (a unit test walks the grammar).
  if (!isMessageId(titleId) || !isMessageId(detailId)) throw new Error(`No wording for ${base}`);
  const values = valuesOf(cap, messages);
  return {
    title: capitalise(fill(messages[titleId], values), locale),
    detail: fill(messages[detailId], values),
    risk,
    kind: cap.kind,
    messageId: titleId,
    capability: cap,
  };
}

/** The label of a risk level in a locale, e.g. "Sensitive". */
export function describeRisk(risk: CapabilityRisk, options: DescribeCapabilityOptions = {}): string {
  return capabilityCatalogue(options.locale, options.catalogues)[`risk.${risk}`];
}
