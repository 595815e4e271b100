import type { CapabilitySet } from "../../../capabilities/index.js";
import { readRelations, type WireRoomEvent } from "../../../protocol/actions/events.js";
import { MAX_PAGINATION_TOKEN_LENGTH } from "../../../protocol/actions/events.js";
import { ErrorCode, WidgetApiError } from "../../../protocol/errors.js";
import { callDriver } from "../../call-driver.js";
import type { ReadRelationsQuery } from "../../driver.js";
import { defineHostAction } from "../../registry.js";
import { isWireRoomEvent, resolveTargetRoom } from "./rooms.js";
import { withVisibleUnsigned } from "./unsigned.js";

/**
 * Most related events one page asks the driver for, and the default when `limit` is absent
 * (MSC3869's example uses 50). Larger limits are clamped.
 */
export const READ_RELATIONS_MAX_LIMIT = 50;

function token(value: unknown): string | undefined {
  return typeof value === "string" && value.length <= MAX_PAGINATION_TOKEN_LENGTH ? value : undefined;
}

/**
 * Whether the widget could receive any event at all (of `eventType`, when given): a room-event or
 * state receive grant. Without one every chunk would be empty, so refusing loses a widget nothing.
 */
function receivesSomething(capabilities: CapabilitySet, eventType: string | undefined): boolean {
  return capabilities
    .toArray()
    .some(
      (cap) =>
        (cap.kind === "room_event" || cap.kind === "state_event") &&
        cap.direction === "receive" &&
        (eventType === undefined || cap.eventType === eventType),
    );
}

/**
 * MSC3869 read_relations. The room is `room_id` or the viewed room, with the usual timeline rule.
 * MSC3869 adds no capability, but the widget must hold some receive capability (for
 * `event_type`, when given): otherwise the reply (an error or an empty chunk) would tell a widget
 * that may see nothing in the room whether an event exists there. The chunk holds only events of
 * that room that the receive capabilities allow (and of `event_type`, when given); others are
 * dropped silently. `limit: 0` returns an empty chunk without asking the driver.
 */
export const readRelationsHandler = defineHostAction({
  action: readRelations,
  available: (driver) => typeof driver.readEventRelations === "function",
  async handle(context, request) {
    const { capabilities } = context;
    const roomId = resolveTargetRoom(capabilities, context.viewedRoomId, request.room_id);
    const eventType = request.event_type ?? undefined;
    if (!receivesSomething(capabilities, eventType)) {
      throw new WidgetApiError(
        eventType === undefined
          ? "Missing capability: read_relations needs a capability to receive some events"
          : `Missing capability: read_relations needs a capability to receive events of type ${eventType}`,
        ErrorCode.MissingCapability,
      );
    }
    const limit = Math.min(request.limit ?? READ_RELATIONS_MAX_LIMIT, READ_RELATIONS_MAX_LIMIT);
    if (limit === 0) return { chunk: [] };

    const query: ReadRelationsQuery = { roomId, eventId: request.event_id, limit };
    if (request.rel_type != null) query.relationType = request.rel_type;
    if (request.event_type != null) query.eventType = request.event_type;
    if (request.from != null) query.from = request.from;
    if (request.to != null) query.to = request.to;
    if (request.direction != null) query.direction = request.direction;

    const page = await callDriver(context, "reading event relations", (driver) =>
      driver.readEventRelations?.(query),
    );
    if (typeof page !== "object" || page === null || !Array.isArray(page.chunk)) {
      throw new WidgetApiError("The client returned malformed relations", ErrorCode.Internal);
    }
    const chunk: WireRoomEvent[] = [];
    for (const event of page.chunk as unknown[]) {
      if (chunk.length >= limit) break;
      if (!isWireRoomEvent(event) || event.room_id !== roomId) continue;
      if (query.eventType !== undefined && event.type !== query.eventType) continue;
      if (!capabilities.allowsEvent("receive", event)) continue;
      chunk.push(withVisibleUnsigned(event, capabilities));
    }
    const reply: { chunk: WireRoomEvent[]; next_batch?: string; prev_batch?: string } = { chunk };
    const next = token(page.nextBatch);
    const prev = token(page.prevBatch);
    if (next !== undefined) reply.next_batch = next;
    if (prev !== undefined) reply.prev_batch = prev;
    return reply;
  },
});
