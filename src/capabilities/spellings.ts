/**
 * The spellings of every capability: the tables the full grammar (grammar.ts) reads, and the
 * widget SDK's light normaliser ({@link stableSpelling}). It imports nothing, so a widget bundle
 * that only needs to compare spellings carries neither the parser nor the tables.
 */
import type { CapabilityDirection, FixedCapabilityName } from "./grammar.js";

/** Spellings of every parameterless capability: the stable one, the unstable one, and extra accepted ones. */
export const FIXED_SPELLINGS: ReadonlyMap<
  FixedCapabilityName,
  { readonly stable: string; readonly unstable: string; readonly alsoAccepted?: readonly string[] }
> = /* @__PURE__ */ new Map([
  [
    "screenshot",
    {
      stable: "m.capability.screenshot",
      unstable: "m.capability.screenshot",
      // MSC2764 itself misspells the name in two places; widgets written from the text may send these.
      alsoAccepted: ["m.capbility.screenshot", "m.capabilitity.screenshot"],
    },
  ],
  ["always_on_screen", { stable: "m.always_on_screen", unstable: "m.always_on_screen" }],
  ["sticker", { stable: "m.sticker", unstable: "m.sticker" }],
  ["navigate", { stable: "m.navigate", unstable: "org.matrix.msc2931.navigate" }],
  [
    "user_directory_search",
    { stable: "m.user_directory_search", unstable: "org.matrix.msc3973.user_directory_search" },
  ],
  ["turn_servers", { stable: "m.turn_servers", unstable: "town.robin.msc3846.turn_servers" }],
  ["upload_file", { stable: "m.upload_file", unstable: "org.matrix.msc4039.upload_file" }],
  ["download_file", { stable: "m.download_file", unstable: "org.matrix.msc4039.download_file" }],
  [
    "send_delayed_event",
    { stable: "m.send.delayed_event", unstable: "org.matrix.msc4157.send.delayed_event" },
  ],
  [
    "update_delayed_event",
    { stable: "m.update_delayed_event", unstable: "org.matrix.msc4157.update_delayed_event" },
  ],
  ["send_sticky_event", { stable: "m.send.sticky_event", unstable: "org.matrix.msc4407.send.sticky_event" }],
  [
    "receive_sticky_event",
    { stable: "m.receive.sticky_event", unstable: "org.matrix.msc4407.receive.sticky_event" },
  ],
  ["requires_client", { stable: "io.element.requires_client", unstable: "io.element.requires_client" }],
  ["modals", { stable: "m.modals", unstable: "org.matrix.msc2790.modals" }],
  ["mxid_share", { stable: "m.mxid_share", unstable: "uk.half-shot.msc3662.mxid_share" }],
  ["rtc_transports", { stable: "m.rtc_transports", unstable: "org.matrix.msc4515.rtc_transports" }],
  [
    "rtc_livekit_get_token",
    { stable: "m.rtc_livekit_get_token", unstable: "org.matrix.msc4533.rtc_livekit_get_token" },
  ],
  [
    "rtc_livekit_delegate_delayed_leave",
    {
      stable: "m.rtc_livekit_delegate_delayed_leave",
      unstable: "org.matrix.msc4533.rtc_livekit_delegate_delayed_leave",
    },
  ],
]);

/** The parameterised forms, one entry per `<prefix>:` head. */
export type ParameterisedForm =
  | { readonly kind: "room_event" | "state_event" | "to_device"; readonly direction: CapabilityDirection }
  | { readonly kind: "timeline" | "account_data" | "room_account_data" };

/** The head (everything up to and including the first `:`) of each parameterised form, per style. */
export function heads(form: ParameterisedForm): { readonly stable: string; readonly unstable: string } {
  switch (form.kind) {
    case "room_event":
      return {
        stable: `m.${form.direction}.event:`,
        unstable: `org.matrix.msc2762.${form.direction}.event:`,
      };
    case "state_event":
      return {
        stable: `m.${form.direction}.state_event:`,
        unstable: `org.matrix.msc2762.${form.direction}.state_event:`,
      };
    case "to_device":
      return {
        stable: `m.${form.direction}.to_device:`,
        unstable: `org.matrix.msc3819.${form.direction}.to_device:`,
      };
    case "timeline":
      return { stable: "m.timeline:", unstable: "org.matrix.msc2762.timeline:" };
    case "account_data":
      return { stable: "m.read.account_data:", unstable: "org.matrix.msc3751.read.account_data:" };
    case "room_account_data":
      // Beeper's extension has only ever had this one spelling.
      return {
        stable: "com.beeper.capabilities.receive.room_account_data:",
        unstable: "com.beeper.capabilities.receive.room_account_data:",
      };
  }
}

export const PARAMETERISED_FORMS: readonly ParameterisedForm[] = [
  { kind: "room_event", direction: "send" },
  { kind: "room_event", direction: "receive" },
  { kind: "state_event", direction: "send" },
  { kind: "state_event", direction: "receive" },
  { kind: "to_device", direction: "send" },
  { kind: "to_device", direction: "receive" },
  { kind: "timeline" },
  { kind: "account_data" },
  { kind: "room_account_data" },
];

/**
 * Every unstable spelling that differs from its stable one: the parameterless names, and the heads
 * of the parameterised forms. Each stable spelling is `m.` followed by what comes after the
 * unstable one's three-part MSC prefix (`org.matrix.msc2931.navigate` → `m.navigate`,
 * `org.matrix.msc2762.send.event:` → `m.send.event:`). Kept as a short list rather than derived
 * from the tables above, so the widget SDK, which only compares spellings, carries neither table;
 * test/unit/capabilities/spellings.test.ts checks that it says what the tables say.
 */
const UNSTABLE: ReadonlySet<string> = /* @__PURE__ */ new Set([
  "org.matrix.msc2931.navigate",
  "org.matrix.msc3973.user_directory_search",
  "town.robin.msc3846.turn_servers",
  "org.matrix.msc4039.upload_file",
  "org.matrix.msc4039.download_file",
  "org.matrix.msc4157.send.delayed_event",
  "org.matrix.msc4157.update_delayed_event",
  "org.matrix.msc4407.send.sticky_event",
  "org.matrix.msc4407.receive.sticky_event",
  "org.matrix.msc2790.modals",
  "uk.half-shot.msc3662.mxid_share",
  "org.matrix.msc4515.rtc_transports",
  "org.matrix.msc4533.rtc_livekit_get_token",
  "org.matrix.msc4533.rtc_livekit_delegate_delayed_leave",
  "org.matrix.msc2762.send.event:",
  "org.matrix.msc2762.receive.event:",
  "org.matrix.msc2762.send.state_event:",
  "org.matrix.msc2762.receive.state_event:",
  "org.matrix.msc3819.send.to_device:",
  "org.matrix.msc3819.receive.to_device:",
  "org.matrix.msc2762.timeline:",
  "org.matrix.msc3751.read.account_data:",
]);

/**
 * The stable spelling of a capability string: unstable prefixes and known misspellings are
 * replaced, the parameter is kept verbatim. Two spellings of one capability written the same way
 * otherwise compare equal after this, without parsing.
 */
export function stableSpelling(raw: string): string {
  // MSC2764 misspells the screenshot capability in two places; widgets written from it send these.
  if (raw === "m.capbility.screenshot" || raw === "m.capabilitity.screenshot")
    return "m.capability.screenshot";
  const colon = raw.indexOf(":");
  const head = colon < 0 ? raw : raw.slice(0, colon + 1);
  return UNSTABLE.has(head) ? `m.${head.split(".").slice(3).join(".")}${raw.slice(head.length)}` : raw;
}
