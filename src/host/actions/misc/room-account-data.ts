import { classifyAccountDataType, containsEncryptedSecret } from "../../../matrix/account-data.js";
import {
  MAX_ROOM_ACCOUNT_DATA_ROOMS,
  readRoomAccountDataAction,
  type RoomAccountDataEvent,
} from "../../../protocol/actions/room-account-data.js";
import { isPlainObject } from "../../../protocol/envelope.js";
import { ErrorCode, WidgetApiError } from "../../../protocol/errors.js";
import { callDriver } from "../../call-driver.js";
import { defineHostAction, type HostActionContext } from "../../registry.js";
import { malformedDriverAnswer, refused } from "./shared.js";

/**
 * Room account-data types that reveal reading habits or private labels (security.md §3): treated
 * like the sensitive global types, so they need the policy's explicit opt-in. (Proposed for
 * SENSITIVE_ACCOUNT_DATA in matrix/account-data.ts.)
 */
export const SENSITIVE_ROOM_ACCOUNT_DATA: readonly string[] = Object.freeze([
  "m.fully_read",
  "m.marked_unread",
  "com.famedly.marked_unread",
  "m.tag",
]);

/**
 * The checks a room account-data read passes before any driver call, in order: the exact
 * capability, the never-exposed list, and the policy's opt-in for sensitive types.
 */
function assertReadable(context: HostActionContext, type: string): void {
  if (!context.capabilities.canReadRoomAccountData(type)) {
    throw new WidgetApiError(
      `Missing capability to read room account data of type ${type}`,
      ErrorCode.MissingCapability,
    );
  }
  const category = classifyAccountDataType(type);
  if (category === "never") throw refused(`Account data of type ${type} is never shared with widgets`);
  const sensitive = category === "sensitive" || SENSITIVE_ROOM_ACCOUNT_DATA.includes(type);
  if (sensitive && context.policy.allowSensitiveAccountData?.(type, context.widget) !== true) {
    throw refused(`Account data of type ${type} is sensitive and not allowed`);
  }
}

/** The rooms a read covers, each one the widget may use; throws for a named room it may not. */
function roomsToRead(context: HostActionContext, roomIds: "*" | string[] | null | undefined): string[] {
  const viewed = context.viewedRoomId;
  const usable = (roomId: string) => roomId === viewed || context.capabilities.hasTimeline(roomId);
  if (roomIds === undefined || roomIds === null) return viewed === undefined ? [] : [viewed];
  if (roomIds === "*") {
    const known = context.driver.getKnownRooms?.() ?? [];
    const rooms = [...new Set([...(viewed === undefined ? [] : [viewed]), ...known])].filter(
      (roomId) => typeof roomId === "string" && usable(roomId),
    );
    if (rooms.length > MAX_ROOM_ACCOUNT_DATA_ROOMS) {
      throw new WidgetApiError(
        `The widget may use more than ${MAX_ROOM_ACCOUNT_DATA_ROOMS} rooms; name the rooms to read`,
        ErrorCode.LimitExceeded,
      );
    }
    return rooms;
  }
  const rooms = [...new Set(roomIds)];
  for (const roomId of rooms) {
    if (!usable(roomId)) {
      throw new WidgetApiError(`Missing capability to use the room ${roomId}`, ErrorCode.MissingCapability);
    }
  }
  return rooms;
}

/**
 * com.beeper.read_room_account_data. Unlike matrix-widget-api, every check runs before the
 * driver is called, and `room_ids` is honoured: the viewed room by default, other rooms only with
 * their timeline capability.
 */
export const readRoomAccountDataHandler = defineHostAction({
  action: readRoomAccountDataAction,
  available: (driver) => typeof driver.readRoomAccountData === "function",
  async handle(context, { type, room_ids }) {
    assertReadable(context, type);
    const rooms = roomsToRead(context, room_ids);
    if (rooms.length === 0) return { events: [] };
    const contents = await Promise.all(
      rooms.map((roomId) =>
        callDriver(context, "reading room account data", (driver) =>
          driver.readRoomAccountData?.(roomId, type),
        ),
      ),
    );
    const events: RoomAccountDataEvent[] = [];
    contents.forEach((content, index) => {
      if (content === undefined || content === null) return;
      if (!isPlainObject(content)) throw malformedDriverAnswer("reading room account data");
      if (containsEncryptedSecret(content))
        throw refused(`Account data of type ${type} holds encrypted secrets`);
      events.push({ type, room_id: rooms[index] as string, content });
    });
    return { events };
  },
});
