import { parseCapability, classifyAccountDataType } from "../../src/host/index.js";

/** A capability in plain words, for the consent dialog. */
export interface CapabilityText {
  text: string;
  sensitive: boolean;
}

/** Describes a capability string the way a user can judge it. */
export function describeCapability(raw: string): CapabilityText {
  const capability = parseCapability(raw);
  switch (capability.kind) {
    case "fixed":
      return fixedText[capability.name] ?? { text: raw, sensitive: false };
    case "room_event":
      return {
        text: `${capability.direction === "send" ? "Send" : "See"} ${capability.eventType}${capability.msgtype ? ` (${capability.msgtype})` : ""} messages in this room`,
        sensitive: capability.direction === "send",
      };
    case "state_event":
      return {
        text: `${capability.direction === "send" ? "Change" : "See"} ${capability.eventType} state${capability.stateKey !== undefined ? ` for "${capability.stateKey}"` : ""} in this room`,
        sensitive: capability.direction === "send",
      };
    case "to_device":
      return {
        text: `${capability.direction === "send" ? "Send" : "Receive"} ${capability.eventType} device messages`,
        sensitive: true,
      };
    case "timeline":
      return {
        text: capability.roomId === "*" ? "Act in every room you are in" : `Act in room ${capability.roomId}`,
        sensitive: true,
      };
    case "account_data": {
      const category = classifyAccountDataType(capability.eventType);
      return {
        text: `Read your ${capability.eventType} account data${category === "sensitive" ? " (private: reveals personal information)" : ""}`,
        sensitive: category !== "ordinary",
      };
    }
    case "room_account_data":
      return { text: `Read your ${capability.eventType} room settings`, sensitive: false };
    default:
      return { text: `Unknown permission ${raw} (will be refused)`, sensitive: true };
  }
}

const fixedText: Record<string, CapabilityText> = {
  navigate: { text: "Move you to other rooms, users and messages", sensitive: false },
  user_directory_search: { text: "Search the people on your homeserver", sensitive: true },
  mxid_share: { text: "Suggest people to invite or message (you always confirm)", sensitive: false },
  screenshot: { text: "Take screenshots of itself", sensitive: false },
  always_on_screen: { text: "Stay on screen when you change rooms", sensitive: false },
  sticker: { text: "Send stickers", sensitive: false },
  turn_servers: { text: "Use your homeserver's TURN servers for calls", sensitive: false },
  upload_file: { text: "Upload files", sensitive: false },
  download_file: { text: "Download files", sensitive: false },
  modals: { text: "Open dialogs", sensitive: false },
};
