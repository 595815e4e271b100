/**
 * German wording of every capability. Same keys and placeholders as the English reference catalogue;
 * the type below makes a missing key a compile error, and a unit test checks it at run time too.
 *
 * @module
 */
import type { CapabilityMessages } from "./en.js";

/** The German capability catalogue. */
export const de: CapabilityMessages = {
  "room_event.send.any.title": "{what} in diesem Raum senden",
  "room_event.send.any.detail": "Sendet {what} in deinem Namen ({type}).",
  "room_event.send.msgtype.title": "{what} in diesem Raum senden",
  "room_event.send.msgtype.detail": "Sendet Nachrichten vom Typ {msgtype} in deinem Namen.",
  "room_event.send.redaction.title": "Nachrichten in diesem Raum löschen",
  "room_event.send.redaction.detail":
    "Entfernt deine Nachrichten, und die anderer, wo du Moderationsrechte hast.",
  "room_event.receive.any.title": "{what} in diesem Raum sehen",
  "room_event.receive.any.detail": "Liest {type}-Ereignisse, solange das Widget offen ist.",
  "room_event.receive.msgtype.title": "{what} in diesem Raum sehen",
  "room_event.receive.msgtype.detail": "Liest Nachrichten vom Typ {msgtype}, solange das Widget offen ist.",

  "state_event.send.any.title": "{what} in diesem Raum ändern",
  "state_event.send.any.detail": "Setzt den Raumzustand {type} in deinem Namen, für jeden Zustandsschlüssel.",
  "state_event.send.empty.title": "{what} in diesem Raum ändern",
  "state_event.send.empty.detail": "Setzt den raumweiten Zustand {type} in deinem Namen.",
  "state_event.send.key.title": "{what} für „{stateKey}“ in diesem Raum ändern",
  "state_event.send.key.detail": "Setzt den Zustand {type} mit dem Schlüssel {stateKey} in deinem Namen.",
  "state_event.receive.any.title": "{what} in diesem Raum sehen",
  "state_event.receive.any.detail": "Liest den Raumzustand {type}, für jeden Zustandsschlüssel.",
  "state_event.receive.empty.title": "{what} in diesem Raum sehen",
  "state_event.receive.empty.detail": "Liest den raumweiten Zustand {type}.",
  "state_event.receive.key.title": "{what} für „{stateKey}“ in diesem Raum sehen",
  "state_event.receive.key.detail": "Liest den Zustand {type} mit dem Schlüssel {stateKey}.",

  "to_device.send.any.title": "{type}-Nachrichten an Geräte senden",
  "to_device.send.any.detail":
    "Sendet Nachrichten direkt an deine Geräte und die anderer, außerhalb jedes Raums (verschlüsselt, wenn die App sie verschlüsselt).",
  "to_device.receive.any.title": "{type}-Nachrichten an dieses Gerät empfangen",
  "to_device.receive.any.detail":
    "Liest Nachrichten, die andere Geräte an dieses senden, außerhalb jedes Raums.",

  "timeline.all.title": "In allen deinen Räumen handeln",
  "timeline.all.detail":
    "Die anderen Berechtigungen gelten dann für alle deine Räume, nicht nur für den offenen.",
  "timeline.room.title": "In einem anderen Raum handeln: {roomId}",
  "timeline.room.detail": "Die anderen Berechtigungen gelten dann auch für diesen Raum.",

  "account_data.ordinary.title": "Deine Einstellungen {type} lesen",
  "account_data.ordinary.detail": "Liest deine Kontodaten vom Typ {type}.",
  "account_data.sensitive.title": "Deine privaten Daten {type} lesen",
  "account_data.sensitive.detail": "Privat: {reason}",
  "account_data.never.title": "Deine geheimen Daten {type} lesen (wird immer abgelehnt)",
  "account_data.never.detail": "Kein Widget darf das lesen: {reason}",

  "room_account_data.any.title": "Deine Einstellungen {type} für diesen Raum lesen",
  "room_account_data.any.detail": "Liest deine Raum-Kontodaten vom Typ {type}.",

  "custom.any.title": "Unbekannte Berechtigung",
  "custom.any.detail": "Das Widget fragt nach {name}; diese App kennt das nicht.",

  "fixed.screenshot.title": "Bildschirmfotos von sich selbst machen",
  "fixed.screenshot.detail": "Die App kann das Widget um ein Bild seines Inhalts bitten.",
  "fixed.always_on_screen.title": "Sichtbar bleiben",
  "fixed.always_on_screen.detail": "Das Widget bleibt sichtbar, wenn du in einen anderen Raum wechselst.",
  "fixed.sticker.title": "Sticker senden",
  "fixed.sticker.detail": "Sendet Sticker in deinem Namen in diesen Raum.",
  "fixed.navigate.title": "Dich zu Räumen, Personen und Nachrichten führen",
  "fixed.navigate.detail": "Öffnet Matrix-Links in dieser App; vor jedem Beitritt wirst du gefragt.",
  "fixed.user_directory_search.title": "Personen auf deinem Homeserver suchen",
  "fixed.user_directory_search.detail":
    "Sucht Namen und Matrix-IDs im Benutzerverzeichnis deines Homeservers.",
  "fixed.turn_servers.title": "Die Anruf-Relays deines Homeservers nutzen",
  "fixed.turn_servers.detail": "Holt TURN-Zugangsdaten, damit das Widget Anrufe führen kann.",
  "fixed.upload_file.title": "Dateien hochladen",
  "fixed.upload_file.detail":
    "Speichert Dateien in deinem Namen auf deinem Homeserver; jeder mit dem Link kann sie abrufen.",
  "fixed.download_file.title": "Dateien herunterladen",
  "fixed.download_file.detail": "Lädt Medien in deinem Namen von deinem Homeserver.",
  "fixed.send_delayed_event.title": "Nachrichten planen",
  "fixed.send_delayed_event.detail":
    "Sendet später Ereignisse in deinem Namen, auch wenn das Widget geschlossen ist.",
  "fixed.update_delayed_event.title": "Geplante Nachrichten ändern",
  "fixed.update_delayed_event.detail": "Sendet, verschiebt oder storniert früher geplante Ereignisse.",
  "fixed.send_sticky_event.title": "Haftende Ereignisse senden",
  "fixed.send_sticky_event.detail":
    "Sendet Ereignisse in deinem Namen, die eine Weile im Raum sichtbar bleiben.",
  "fixed.receive_sticky_event.title": "Haftende Ereignisse sehen",
  "fixed.receive_sticky_event.detail": "Liest die haftenden Ereignisse anderer in diesem Raum.",
  "fixed.requires_client.title": "Nur in dieser App laufen",
  "fixed.requires_client.detail":
    "Sagt der App, dass das Widget allein nicht funktioniert; erlaubt sonst nichts.",
  "fixed.modals.title": "Dialoge öffnen",
  "fixed.modals.detail": "Zeigt Pop-up-Widgets über dieser App an.",
  "fixed.mxid_share.title": "Personen zum Einladen oder Anschreiben vorschlagen",
  "fixed.mxid_share.detail": "Du siehst die echten Profile und bestätigst jeden Vorschlag.",
  "fixed.rtc_transports.title": "Anrufserver finden",
  "fixed.rtc_transports.detail": "Liest, welche Medienserver dein Homeserver für Anrufe anbietet.",
  "fixed.rtc_livekit_get_token.title": "Anrufen in deinem Namen beitreten",
  "fixed.rtc_livekit_get_token.detail":
    "Holt ein Token, mit dem das Widget in deinem Namen dem Medienserver eines Anrufs beitritt.",
  "fixed.rtc_livekit_delegate_delayed_leave.title": "Anrufe sauber verlassen",
  "fixed.rtc_livekit_delegate_delayed_leave.detail":
    "Der Anrufserver darf melden, dass du gegangen bist, wenn das Widget verschwindet.",

  "what.event": "„{type}“-Ereignisse",
  "what.state": "den Zustand „{type}“",
  "what.msgtype": "„{msgtype}“-Nachrichten",
  "what.m.room.message": "Nachrichten",
  "what.m.room.encrypted": "verschlüsselte Nachrichten",
  "what.m.reaction": "Reaktionen",
  "what.m.sticker": "Sticker",
  "what.m.room.redaction": "Löschungen von Nachrichten",
  "what.m.room.name": "den Raumnamen",
  "what.m.room.topic": "das Raumthema",
  "what.m.room.avatar": "das Raumbild",
  "what.m.room.member": "Mitgliedschaften",
  "what.m.room.power_levels": "Berechtigungsstufen",
  "what.m.room.join_rules": "wer beitreten darf",
  "what.m.room.history_visibility": "wer den Verlauf lesen darf",
  "what.m.room.encryption": "Verschlüsselungseinstellungen",
  "what.m.room.pinned_events": "angeheftete Nachrichten",
  "what.m.text": "Textnachrichten",
  "what.m.emote": "Emotes",
  "what.m.notice": "Hinweise",
  "what.m.image": "Bilder",
  "what.m.file": "Dateien",
  "what.m.audio": "Sprachnachrichten",
  "what.m.video": "Videos",
  "what.m.location": "Standorte",

  "risk.low": "Geringes Risiko",
  "risk.sensitive": "Heikel",
  "risk.dangerous": "Gefährlich",
};
