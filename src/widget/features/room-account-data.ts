import type { RequestOptions } from "../../core/endpoint.js";
import type { RequestInput } from "../../protocol/action.js";
import {
  readRoomAccountDataAction,
  type RoomAccountDataEvent,
} from "../../protocol/actions/room-account-data.js";
import type { WidgetSession } from "../session.js";
import { wireRoomIds } from "./room-ids.js";

export type { RoomAccountDataEvent } from "../../protocol/actions/room-account-data.js";

/**
 * Reads the user's room account data of one type (Beeper's extension; needs
 * `com.beeper.capabilities.receive.room_account_data:<type>`). By default from the room the user
 * is viewing; `roomIds` names other rooms (each needs its timeline capability), `"*"` (or a list
 * holding it) means every room the widget may use. Rooms where the type is unset are left out.
 * @category Account data
 */
export async function readRoomAccountData(
  client: WidgetSession,
  type: string,
  options: { roomIds?: readonly string[] | "*" } & RequestOptions = {},
): Promise<RoomAccountDataEvent[]> {
  const { roomIds, ...requestOptions } = options;
  const data: RequestInput<typeof readRoomAccountDataAction> = { type };
  if (roomIds !== undefined) data.room_ids = wireRoomIds(roomIds);
  const { events } = await client.request(readRoomAccountDataAction, data, requestOptions);
  return events;
}
