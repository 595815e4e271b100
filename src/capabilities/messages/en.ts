/**
 * English wording of every capability: the reference catalogue. Every other locale must have exactly
 * these keys (a unit test checks it). Placeholders are `{name}` and are filled with text the widget
 * chose, already made visible and shortened (see `visibleText`).
 *
 * Keys:
 * - `<kind>.<direction>.<variant>.title|detail` for the parameterised forms of the grammar;
 * - `fixed.<name>.title|detail` for every parameterless capability;
 * - `what.*` the plain names of well-known event types and msgtypes, used for `{what}`;
 * - `risk.*` the labels of the three risk levels.
 *
 * @module
 */

/** The English capability catalogue. Its keys are the message IDs of every locale. */
export const en = {
  "room_event.send.any.title": "Send {what} in this room",
  "room_event.send.any.detail": "Posts {what} as you ({type}).",
  "room_event.send.msgtype.title": "Send {what} in this room",
  "room_event.send.msgtype.detail": "Posts messages of type {msgtype} as you.",
  "room_event.send.redaction.title": "Delete messages in this room",
  "room_event.send.redaction.detail": "Removes your messages, and others' where you are a moderator.",
  "room_event.receive.any.title": "See {what} in this room",
  "room_event.receive.any.detail": "Reads {type} events while the widget is open.",
  "room_event.receive.msgtype.title": "See {what} in this room",
  "room_event.receive.msgtype.detail": "Reads messages of type {msgtype} while the widget is open.",

  "state_event.send.any.title": "Change {what} in this room",
  "state_event.send.any.detail": "Sets {type} room state as you, for any state key.",
  "state_event.send.empty.title": "Change {what} in this room",
  "state_event.send.empty.detail": "Sets the room-wide {type} state as you.",
  "state_event.send.key.title": "Change {what} for “{stateKey}” in this room",
  "state_event.send.key.detail": "Sets {type} state with state key {stateKey} as you.",
  "state_event.receive.any.title": "See {what} in this room",
  "state_event.receive.any.detail": "Reads {type} room state, for any state key.",
  "state_event.receive.empty.title": "See {what} in this room",
  "state_event.receive.empty.detail": "Reads the room-wide {type} state.",
  "state_event.receive.key.title": "See {what} for “{stateKey}” in this room",
  "state_event.receive.key.detail": "Reads {type} state with state key {stateKey}.",

  "to_device.send.any.title": "Send {type} messages to devices",
  "to_device.send.any.detail":
    "Sends messages straight to your devices and other people's, outside any room (encrypted when the client encrypts them).",
  "to_device.receive.any.title": "Receive {type} messages sent to this device",
  "to_device.receive.any.detail": "Reads messages other devices send to this one, outside any room.",

  "timeline.all.title": "Act in every room you are in",
  "timeline.all.detail":
    "The other permissions then apply to all your rooms, not only the one you are viewing.",
  "timeline.room.title": "Act in another room: {roomId}",
  "timeline.room.detail": "The other permissions then also apply to that room.",

  "account_data.ordinary.title": "Read your {type} settings",
  "account_data.ordinary.detail": "Reads your account data of type {type}.",
  "account_data.sensitive.title": "Read your private {type} data",
  "account_data.sensitive.detail": "Private: {reason}",
  "account_data.never.title": "Read your secret {type} data (always refused)",
  "account_data.never.detail": "No widget may read this: {reason}",

  "room_account_data.any.title": "Read your {type} settings for this room",
  "room_account_data.any.detail": "Reads your room account data of type {type}.",

  "custom.any.title": "Unrecognised permission",
  "custom.any.detail": "The widget asked for {name}, which this app does not know.",

  "fixed.screenshot.title": "Take screenshots of itself",
  "fixed.screenshot.detail": "Lets the app ask the widget for a picture of what it shows.",
  "fixed.always_on_screen.title": "Stay on screen",
  "fixed.always_on_screen.detail": "Keeps the widget visible when you move to another room.",
  "fixed.sticker.title": "Send stickers",
  "fixed.sticker.detail": "Posts stickers in this room as you.",
  "fixed.navigate.title": "Move you to rooms, people and messages",
  "fixed.navigate.detail": "Opens Matrix links in this app; you are asked before joining anything.",
  "fixed.user_directory_search.title": "Search the people on your homeserver",
  "fixed.user_directory_search.detail": "Looks up names and Matrix IDs in your homeserver's user directory.",
  "fixed.turn_servers.title": "Use your homeserver's call relays",
  "fixed.turn_servers.detail": "Gets TURN server credentials so the widget can place calls.",
  "fixed.upload_file.title": "Upload files",
  "fixed.upload_file.detail": "Stores files on your homeserver as you; anyone with the link can fetch them.",
  "fixed.download_file.title": "Download files",
  "fixed.download_file.detail": "Fetches media from your homeserver as you.",
  "fixed.send_delayed_event.title": "Schedule messages",
  "fixed.send_delayed_event.detail": "Sends events as you later, even after the widget is closed.",
  "fixed.update_delayed_event.title": "Change scheduled messages",
  "fixed.update_delayed_event.detail": "Sends, postpones or cancels events scheduled earlier.",
  "fixed.send_sticky_event.title": "Send sticky events",
  "fixed.send_sticky_event.detail": "Posts events as you that stay visible to the room for a while.",
  "fixed.receive_sticky_event.title": "See sticky events",
  "fixed.receive_sticky_event.detail": "Reads the sticky events others have posted in this room.",
  "fixed.requires_client.title": "Run only inside this app",
  "fixed.requires_client.detail": "Tells the app the widget cannot work on its own; grants nothing else.",
  "fixed.modals.title": "Open dialogs",
  "fixed.modals.detail": "Shows pop-up widgets on top of this app.",
  "fixed.mxid_share.title": "Suggest people to invite or message",
  "fixed.mxid_share.detail": "You see the real profiles and confirm every suggestion.",
  "fixed.rtc_transports.title": "Find call servers",
  "fixed.rtc_transports.detail": "Reads which media servers your homeserver offers for calls.",
  "fixed.rtc_livekit_get_token.title": "Join calls as you",
  "fixed.rtc_livekit_get_token.detail":
    "Gets a token that lets the widget join a call's media server in your name.",
  "fixed.rtc_livekit_delegate_delayed_leave.title": "Leave calls cleanly",
  "fixed.rtc_livekit_delegate_delayed_leave.detail":
    "Lets the call server announce that you left if the widget disappears.",

  "what.event": "“{type}” events",
  "what.state": "“{type}” state",
  "what.msgtype": "“{msgtype}” messages",
  "what.m.room.message": "messages",
  "what.m.room.encrypted": "encrypted messages",
  "what.m.reaction": "reactions",
  "what.m.sticker": "stickers",
  "what.m.room.redaction": "message deletions",
  "what.m.room.name": "the room name",
  "what.m.room.topic": "the room topic",
  "what.m.room.avatar": "the room picture",
  "what.m.room.member": "memberships",
  "what.m.room.power_levels": "permission levels",
  "what.m.room.join_rules": "who may join",
  "what.m.room.history_visibility": "who may read the history",
  "what.m.room.encryption": "encryption settings",
  "what.m.room.pinned_events": "pinned messages",
  "what.m.text": "text messages",
  "what.m.emote": "emotes",
  "what.m.notice": "notices",
  "what.m.image": "images",
  "what.m.file": "files",
  "what.m.audio": "audio messages",
  "what.m.video": "videos",
  "what.m.location": "locations",

  "risk.low": "Low risk",
  "risk.sensitive": "Sensitive",
  "risk.dangerous": "Dangerous",
} as const;

/** The ID of one message of the capability catalogue. */
export type CapabilityMessageId = keyof typeof en;

/** A complete capability catalogue for one locale: one string per message ID. */
export type CapabilityMessages = { readonly [K in CapabilityMessageId]: string };
