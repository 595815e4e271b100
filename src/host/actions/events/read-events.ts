import { formatCapability } from "../../../capabilities/index.js";
import { MAX_READ_ROOM_IDS, readEvents, type WireRoomEvent } from "../../../protocol/actions/events.js";
import { ErrorCode, WidgetApiError } from "../../../protocol/errors.js";
import { callDriver } from "../../call-driver.js";
import type { RoomEvent } from "../../driver.js";
import { defineHostAction, type HostActionContext } from "../../registry.js";
import {
  assertRoomAccessible,
  canReceiveSomeEvent,
  canReceiveSomeState,
  isWireRoomEvent,
  knownRooms,
} from "./rooms.js";
import { withVisibleUnsigned } from "./unsigned.js";

/**
 * Most state events one read returns, and the default when `limit` is absent. A state read
 * returns current state (one event per key), and MSC2876 recommends no limit for `m.room.member`,
 * so this cap is only there to bound the reply.
 */
export const READ_STATE_MAX_LIMIT = 1000;

const ROOM_MESSAGE = "m.room.message";

type RoomIdsQuery = readonly string[] | "*" | null | undefined;

/**
 * The rooms a read covers. Absent `room_ids`: the viewed room (an error when there is none).
 * `"*"`: the viewed room plus known rooms a timeline capability covers, in the driver's order, at
 * most {@link MAX_READ_ROOM_IDS} (100) rooms in all, like an explicit list. A list: each room
 * must be the viewed room or covered by a timeline capability, or the whole read is refused.
 */
function roomsToRead(context: HostActionContext, requested: RoomIdsQuery): string[] {
  const { capabilities, viewedRoomId } = context;
  if (requested === undefined || requested === null) {
    if (viewedRoomId === undefined) {
      throw new WidgetApiError(
        'No room is being viewed, so the read must name its rooms with room_ids (or "*")',
        ErrorCode.InvalidRequest,
      );
    }
    return [viewedRoomId];
  }
  if (requested === "*") {
    // Bounded like an explicit list: one request must not fan out into a read per joined room.
    const rooms = new Set<string>();
    if (viewedRoomId !== undefined) rooms.add(viewedRoomId);
    for (const room of knownRooms(context.driver)) {
      if (rooms.size >= MAX_READ_ROOM_IDS) break;
      if (capabilities.hasTimeline(room)) rooms.add(room);
    }
    return [...rooms];
  }
  for (const room of requested) assertRoomAccessible(capabilities, viewedRoomId, room);
  return [...new Set(requested)];
}

function missing(capability: string): WidgetApiError {
  return new WidgetApiError(`Missing capability ${capability}`, ErrorCode.MissingCapability);
}

/**
 * MSC2876 read_events. Without `state_key` it reads recent room (non-state) events of the type,
 * newest first; with a string `state_key` the current state event for that key; with `true`
 * current state for every key. `msgtype` narrows `m.room.message` reads and is ignored for other
 * types. `since` (an event ID) is passed to the driver for room-event reads; state reads always
 * return current state. The request is refused unless the widget could receive some events of the
 * type, and every event the driver returns is checked again: its room, type, kind, key, msgtype
 * and the receive capabilities. `limit: 0` reads nothing; larger limits are clamped.
 */
export const readEventsHandler = defineHostAction({
  action: readEvents,
  available: (driver) =>
    typeof driver.readRoomEvents === "function" || typeof driver.readStateEvents === "function",
  async handle(context, request) {
    const { capabilities } = context;
    const { type } = request;
    const stateKey = request.state_key ?? undefined;
    const isState = stateKey !== undefined;
    const msgtype = !isState && type === ROOM_MESSAGE ? (request.msgtype ?? undefined) : undefined;

    if (isState) {
      const allowed =
        stateKey === true
          ? canReceiveSomeState(capabilities, type)
          : capabilities.canReceiveState(type, stateKey);
      if (!allowed) {
        throw missing(
          formatCapability(
            stateKey === true
              ? { kind: "state_event", direction: "receive", eventType: type }
              : { kind: "state_event", direction: "receive", eventType: type, stateKey },
            "unstable",
          ),
        );
      }
    } else {
      const allowed =
        capabilities.canReceiveEvent(type, msgtype) ||
        (type === ROOM_MESSAGE && msgtype === undefined && canReceiveSomeEvent(capabilities, type));
      if (!allowed) {
        throw missing(
          formatCapability(
            msgtype === undefined
              ? { kind: "room_event", direction: "receive", eventType: type }
              : { kind: "room_event", direction: "receive", eventType: type, msgtype },
            "unstable",
          ),
        );
      }
    }

    const rooms = roomsToRead(context, request.room_ids);
    const max = isState ? READ_STATE_MAX_LIMIT : context.limits.maxReadEventsLimit;
    const limit = Math.min(request.limit ?? max, max);
    if (limit === 0 || rooms.length === 0) return { events: [] };

    const since = request.since ?? undefined;
    const batches = await Promise.all(
      rooms.map((roomId) =>
        isState
          ? callDriver(context, "reading room state", (driver) =>
              driver.readStateEvents?.(roomId, type, stateKey === true ? undefined : stateKey),
            )
          : callDriver(context, "reading room events", (driver) =>
              driver.readRoomEvents?.({
                roomId,
                eventType: type,
                limit,
                ...(msgtype !== undefined ? { msgtype } : {}),
                ...(since !== undefined ? { since } : {}),
              }),
            ),
      ),
    );

    const asked = new Set(rooms);
    const seen = new Set<string>();
    const events: WireRoomEvent[] = [];
    for (const batch of batches) {
      if (!Array.isArray(batch)) {
        throw new WidgetApiError("The client returned malformed events", ErrorCode.Internal);
      }
      for (const event of batch as unknown[]) {
        if (!isWireRoomEvent(event) || seen.has(event.event_id)) continue;
        if (!asked.has(event.room_id) || event.type !== type) continue;
        if (isState) {
          if (typeof event.state_key !== "string") continue;
          if (stateKey !== true && event.state_key !== stateKey) continue;
        } else {
          if (event.state_key !== undefined) continue;
          if (msgtype !== undefined && contentMsgtype(event) !== msgtype) continue;
        }
        if (!capabilities.allowsEvent("receive", event)) continue;
        seen.add(event.event_id);
        events.push(withVisibleUnsigned(event, capabilities));
      }
    }
    // Each room's events come newest first; several rooms are merged by timestamp, newest first.
    if (!isState && batches.length > 1) events.sort((a, b) => b.origin_server_ts - a.origin_server_ts);
    return { events: events.slice(0, limit) };
  },
});

function contentMsgtype(event: RoomEvent): unknown {
  return Object.prototype.hasOwnProperty.call(event.content, "msgtype") ? event.content.msgtype : undefined;
}
