import type { CapabilitySet } from "../../../capabilities/index.js";
import { formatCapability } from "../../../capabilities/index.js";
import {
  MAX_EVENT_IDENTIFIER_LENGTH,
  MAX_EVENT_TYPE_LENGTH,
  MAX_STATE_KEY_LENGTH,
  type WireRoomEvent,
} from "../../../protocol/actions/events.js";
import { isPlainObject } from "../../../protocol/envelope.js";
import { ErrorCode, WidgetApiError } from "../../../protocol/errors.js";
import type { RoomEvent, WidgetDriver } from "../../driver.js";

/**
 * Whether the widget may act in (or see) `roomId`: the room the user is viewing, or a room a
 * timeline capability covers (`m.timeline:<room>` or `m.timeline:*`). Two constant-time lookups.
 */
export function isRoomAccessible(
  capabilities: CapabilitySet,
  viewedRoomId: string | undefined,
  roomId: string,
): boolean {
  return (viewedRoomId !== undefined && roomId === viewedRoomId) || capabilities.hasTimeline(roomId);
}

/** Throws the error reply for a room the widget may not act in. */
export function assertRoomAccessible(
  capabilities: CapabilitySet,
  viewedRoomId: string | undefined,
  roomId: string,
): void {
  if (isRoomAccessible(capabilities, viewedRoomId, roomId)) return;
  const needed = formatCapability({ kind: "timeline", roomId }, "unstable");
  throw new WidgetApiError(
    `Missing capability ${needed}: ${roomId} is not the viewed room`,
    ErrorCode.MissingCapability,
  );
}

/**
 * The room a request acts in: `room_id` when given, else the viewed room. Throws a clear error
 * when neither exists, and a missing-capability error for a room outside the widget's reach.
 */
export function resolveTargetRoom(
  capabilities: CapabilitySet,
  viewedRoomId: string | undefined,
  requested: string | null | undefined,
): string {
  const roomId = requested ?? viewedRoomId;
  if (roomId === undefined) {
    throw new WidgetApiError(
      "No room is being viewed, so the request must name its room with room_id",
      ErrorCode.InvalidRequest,
    );
  }
  assertRoomAccessible(capabilities, viewedRoomId, roomId);
  return roomId;
}

/**
 * Whether a value from the driver is a well-formed room event that fits on the wire. The driver
 * is not trusted: anything else is dropped before the capability filter even looks at it.
 */
export function isWireRoomEvent(value: unknown): value is RoomEvent & WireRoomEvent {
  // The rules of wireRoomEventSchema, by hand: this runs on every event of the live feed, where the
  // schema cost more than the rest of the host's work on the event. A property test
  // (test/unit/events/wire-room-event.property.test.ts) holds the two to the same answers.
  if (typeof value !== "object" || value === null) return false;
  const event = value as Record<string, unknown>;
  const { type, state_key: stateKey, unsigned } = event;
  return (
    typeof type === "string" &&
    type.length > 0 &&
    type.length <= MAX_EVENT_TYPE_LENGTH &&
    isIdentifier(event.event_id) &&
    isIdentifier(event.room_id) &&
    isIdentifier(event.sender) &&
    typeof event.origin_server_ts === "number" &&
    !Number.isNaN(event.origin_server_ts) &&
    isPlainObject(event.content) &&
    (stateKey === undefined || (typeof stateKey === "string" && stateKey.length <= MAX_STATE_KEY_LENGTH)) &&
    (unsigned === undefined || isPlainObject(unsigned))
  );
}

function isIdentifier(value: unknown): value is string {
  return typeof value === "string" && value.length <= MAX_EVENT_IDENTIFIER_LENGTH;
}

/**
 * Whether the widget may see `event` now: its room is accessible and the receive capabilities
 * allow it. One precompiled check each; safe on hostile input.
 */
export function mayReceive(
  capabilities: CapabilitySet,
  viewedRoomId: string | undefined,
  event: RoomEvent,
): boolean {
  return (
    typeof event.room_id === "string" &&
    isRoomAccessible(capabilities, viewedRoomId, event.room_id) &&
    capabilities.allowsEvent("receive", event)
  );
}

/**
 * The driver's known rooms (joined or invited), or an empty list when it cannot tell or answers
 * with something that is not a list of strings.
 */
export function knownRooms(driver: WidgetDriver): string[] {
  try {
    const rooms: unknown = driver.getKnownRooms?.();
    if (!Array.isArray(rooms)) return [];
    return rooms.filter((room): room is string => typeof room === "string");
  } catch {
    return [];
  }
}

/** Whether the widget holds some receive grant for state of `type`, for any key or for some key. */
export function canReceiveSomeState(capabilities: CapabilitySet, type: string): boolean {
  return capabilities
    .toArray()
    .some((cap) => cap.kind === "state_event" && cap.direction === "receive" && cap.eventType === type);
}

/** Whether the widget holds some receive grant for room events of `type`, with or without a msgtype. */
export function canReceiveSomeEvent(capabilities: CapabilitySet, type: string): boolean {
  return capabilities
    .toArray()
    .some((cap) => cap.kind === "room_event" && cap.direction === "receive" && cap.eventType === type);
}
