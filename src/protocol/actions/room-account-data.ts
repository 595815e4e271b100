import * as v from "valibot";
import { defineAction } from "../action.js";
import { plainObjectSchema } from "../envelope.js";
import { eventTypeSchema, roomIdSchema } from "./misc-schemas.js";

/** Most rooms one read may cover, named or through `*`. */
export const MAX_ROOM_ACCOUNT_DATA_ROOMS = 100;

const roomAccountDataEvent = v.object({
  type: v.string(),
  room_id: v.string(),
  content: plainObjectSchema,
});

/**
 * Beeper's extension: the widget reads the user's room account data of one approved type, in the
 * viewed room by default, or in the rooms named by `room_ids` (`*` for every room it may use).
 */
export const readRoomAccountDataAction = defineAction({
  id: "com.beeper.read_room_account_data",
  direction: "fromWidget",
  stable: "com.beeper.read_room_account_data",
  unstable: [],
  capability: {
    dynamic:
      "com.beeper.capabilities.receive.room_account_data:<type>, and m.timeline:<room> for rooms besides the viewed one",
  },
  request: v.object({
    type: eventTypeSchema,
    room_ids: v.nullish(
      v.union(
        [
          v.literal("*"),
          v.pipe(
            v.array(roomIdSchema),
            v.maxLength(MAX_ROOM_ACCOUNT_DATA_ROOMS, "room_ids names too many rooms"),
          ),
        ],
        'room_ids must be "*" or a list of room IDs',
      ),
    ),
  }),
  response: v.object({ events: v.array(roomAccountDataEvent) }),
});

/** One room account-data value as the widget receives it. */
export type RoomAccountDataEvent = v.InferOutput<typeof roomAccountDataEvent>;
