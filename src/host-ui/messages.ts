/**
 * The words of the host-ui dialogs (buttons, headings, warnings), per locale. Capability wording
 * lives in the capability catalogues (`describeCapability`); these are only the dialogs' own strings.
 *
 * @module
 */

/** English dialog strings: the reference catalogue, whose keys every locale must have. */
export const hostUiEn = {
  "consent.heading": "{widget} asks for permission",
  "consent.heading.more": "{widget} asks for more permissions",
  "consent.intro": "Choose what this widget may do. Sensitive and dangerous permissions start unchecked.",
  "consent.origin": "From {origin}",
  "consent.remember": "Remember my choice for this widget",
  "consent.deny": "Deny all",
  "consent.approve": "Allow selected",
  "consent.none": "The widget asks for nothing that needs your decision.",
  "share.heading.invite": "{widget} suggests people to invite",
  "share.heading.create_room": "{widget} suggests people to start a chat with",
  "share.heading.other": "{widget} suggests people",
  "share.intro": "Check who these people really are before you go on. The widget cannot act without you.",
  "share.unverified":
    "⚠ Unverified: the homeserver has no profile for this user; the name comes from the widget",
  "share.mismatch": '⚠ The widget called this user "{claimed}", but their real name is "{real}"',
  "share.hidden": "⚠ This name contains hidden or direction-changing characters, shown as \\u{…}",
  "share.include": "Include {user}",
  "share.cancel": "Cancel",
  "share.invite": "Invite to {room}",
  "share.dm": "Open a direct message",
  "navigate.heading": "{widget} wants to take you somewhere",
  "navigate.user": "Show the person {target}",
  "navigate.user.chat": "Open a chat with {target}",
  "navigate.room": "Show the room {target}",
  "navigate.room.join": "Join the room {target}",
  "navigate.event": "Show a message in {target}",
  "navigate.event.join": "Join {target} and show a message there",
  "navigate.cancel": "Stay here",
  "navigate.confirm": "Go",
  "confirm.cancel": "Cancel",
  "confirm.ok": "OK",
} as const;

/** The ID of one host-ui dialog string. */
export type HostUiMessageId = keyof typeof hostUiEn;

/** A complete set of host-ui dialog strings for one locale. */
export type HostUiMessages = { readonly [K in HostUiMessageId]: string };

/** German dialog strings. */
export const hostUiDe: HostUiMessages = {
  "consent.heading": "{widget} bittet um Erlaubnis",
  "consent.heading.more": "{widget} bittet um weitere Berechtigungen",
  "consent.intro":
    "Wähle, was dieses Widget darf. Heikle und gefährliche Berechtigungen sind nicht vorausgewählt.",
  "consent.origin": "Von {origin}",
  "consent.remember": "Meine Wahl für dieses Widget merken",
  "consent.deny": "Alle ablehnen",
  "consent.approve": "Auswahl erlauben",
  "consent.none": "Das Widget fragt nach nichts, das du entscheiden musst.",
  "share.heading.invite": "{widget} schlägt Personen zum Einladen vor",
  "share.heading.create_room": "{widget} schlägt Personen für einen Chat vor",
  "share.heading.other": "{widget} schlägt Personen vor",
  "share.intro": "Prüfe, wer diese Personen wirklich sind. Das Widget kann ohne dich nichts tun.",
  "share.unverified":
    "⚠ Nicht bestätigt: der Homeserver kennt kein Profil dieser Person; der Name stammt vom Widget",
  "share.mismatch": "⚠ Das Widget nennt diese Person „{claimed}“, ihr echter Name ist aber „{real}“",
  "share.hidden": "⚠ Dieser Name enthält versteckte oder richtungsändernde Zeichen, angezeigt als \\u{…}",
  "share.include": "{user} einbeziehen",
  "share.cancel": "Abbrechen",
  "share.invite": "In {room} einladen",
  "share.dm": "Direktnachricht öffnen",
  "navigate.heading": "{widget} möchte dich woanders hinbringen",
  "navigate.user": "Die Person {target} zeigen",
  "navigate.user.chat": "Einen Chat mit {target} öffnen",
  "navigate.room": "Den Raum {target} zeigen",
  "navigate.room.join": "Dem Raum {target} beitreten",
  "navigate.event": "Eine Nachricht in {target} zeigen",
  "navigate.event.join": "{target} beitreten und dort eine Nachricht zeigen",
  "navigate.cancel": "Hier bleiben",
  "navigate.confirm": "Los",
  "confirm.cancel": "Abbrechen",
  "confirm.ok": "OK",
};

/** The built-in dialog catalogues by locale tag. */
export const HOST_UI_CATALOGUES: Readonly<Record<string, HostUiMessages>> = Object.freeze({
  en: hostUiEn,
  de: hostUiDe,
});

/** Picks the dialog strings for a locale: exact tag, then its language, then English. */
export function hostUiMessages(locale: string | undefined): HostUiMessages {
  if (locale === undefined) return hostUiEn;
  for (const tag of [locale, locale.split(/[-_]/)[0] ?? ""]) {
    const key = Object.keys(HOST_UI_CATALOGUES).find((k) => k.toLowerCase() === tag.toLowerCase());
    if (key !== undefined) return HOST_UI_CATALOGUES[key] as HostUiMessages;
  }
  return hostUiEn;
}
