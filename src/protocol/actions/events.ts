import * as v from "valibot";
import { isValidEventId, isValidRoomId } from "../../matrix/identifiers.js";
import type { AnyActionDescriptor } from "../action.js";
import { defineAction } from "../action.js";
import { plainObjectSchema } from "../envelope.js";
import { ApiVersion } from "../versions.js";
import { emptyObject, nonNegativeInteger, peerLimit } from "./schemas.js";

// ---- bounds ---------------------------------------------------------------------------------

/** Longest event type accepted (the Client-Server API caps event types at 255 bytes). */
export const MAX_EVENT_TYPE_LENGTH = 255;
/** Longest state key accepted; as long as the longest capability string, so any grantable key fits. */
export const MAX_STATE_KEY_LENGTH = 2048;
/** Longest msgtype accepted. */
export const MAX_MSGTYPE_LENGTH = 255;
/** Longest delay ID accepted (MSC4157). */
export const MAX_DELAY_ID_LENGTH = 255;
/** Longest pagination token accepted (MSC3869 `from`, `to`, `next_batch`, `prev_batch`). */
export const MAX_PAGINATION_TOKEN_LENGTH = 2048;
/** Longest sender or other identifier carried inside an event. */
export const MAX_EVENT_IDENTIFIER_LENGTH = 255;
/** Most rooms one `read_events` request may name in `room_ids`. */
export const MAX_READ_ROOM_IDS = 100;
/** Most events one message (a reply or an `update_state` push) may carry. */
export const MAX_EVENTS_PER_MESSAGE = 10_000;

// ---- building blocks ------------------------------------------------------------------------

const eventType = v.pipe(
  v.string("type must be a string"),
  v.minLength(1, "type must not be empty"),
  v.maxLength(MAX_EVENT_TYPE_LENGTH, "type is too long"),
);

const stateKey = v.pipe(
  v.string("state_key must be a string"),
  v.maxLength(MAX_STATE_KEY_LENGTH, "state_key is too long"),
);

const msgtype = v.pipe(
  v.string("msgtype must be a string"),
  v.maxLength(MAX_MSGTYPE_LENGTH, "msgtype is too long"),
);

/** A room ID in the Matrix grammar (`!opaque[:server]`, at most 255 bytes). */
const roomId = v.pipe(
  v.string("must be a room ID"),
  v.check((id: string) => isValidRoomId(id), "must be a room ID (!opaque:server)"),
);

/** An event ID in the Matrix grammar (`$opaque`, at most 255 bytes). */
const eventId = v.pipe(
  v.string("must be an event ID"),
  v.check((id: string) => isValidEventId(id), "must be an event ID ($opaque)"),
);

const delayId = v.pipe(
  v.string("delay_id must be a string"),
  v.minLength(1, "delay_id must not be empty"),
  v.maxLength(MAX_DELAY_ID_LENGTH, "delay_id is too long"),
);

const paginationToken = v.pipe(
  v.string("must be a pagination token"),
  v.maxLength(MAX_PAGINATION_TOKEN_LENGTH, "pagination token is too long"),
);

const boundedIdentifier = v.pipe(v.string(), v.maxLength(MAX_EVENT_IDENTIFIER_LENGTH));

/**
 * A room event in the Client-Server "ClientEvent" shape, as it travels to a widget. Unknown
 * top-level fields (`redacts`, `sticky`, …) are kept; `unsigned` is optional because not every
 * client fills it.
 */
export const wireRoomEventSchema = v.looseObject({
  type: eventType,
  event_id: boundedIdentifier,
  room_id: boundedIdentifier,
  sender: boundedIdentifier,
  origin_server_ts: v.number(),
  content: plainObjectSchema,
  state_key: v.optional(stateKey),
  unsigned: v.optional(plainObjectSchema),
});

/** A state event: a room event whose `state_key` is present. */
export const wireStateEventSchema = v.looseObject({
  ...wireRoomEventSchema.entries,
  state_key: stateKey,
});

const eventList = v.pipe(
  v.array(wireRoomEventSchema),
  v.maxLength(MAX_EVENTS_PER_MESSAGE, "too many events"),
);

/** A room event as a widget receives it from any of the event actions. */
export type WireRoomEvent = v.InferOutput<typeof wireRoomEventSchema>;
/** A state event as a widget receives it in `update_state`. */
export type WireStateEvent = v.InferOutput<typeof wireStateEventSchema>;

// ---- MSC2762: sending ----------------------------------------------------------------------

/**
 * The widget sends a room or state event (MSC2762), optionally delayed (MSC4157: `delay`,
 * `parent_delay_id`) or sticky (MSC4407: `sticky_duration_ms`).
 */
export const sendEventFromWidget = defineAction({
  id: "send_event (fromWidget)",
  direction: "fromWidget",
  stable: "send_event",
  unstable: [],
  version: ApiVersion.MSC2762,
  capability: {
    dynamic:
      "m.send.event:<type>[#<msgtype>] or m.send.state_event:<type>[#<state_key>]; m.timeline:<room> " +
      "for a room other than the viewed one; m.send.delayed_event with delay or parent_delay_id; " +
      "m.send.sticky_event with sticky_duration_ms",
  },
  request: v.object({
    type: eventType,
    content: plainObjectSchema,
    state_key: v.nullish(stateKey),
    room_id: v.nullish(roomId),
    delay: v.nullish(nonNegativeInteger),
    parent_delay_id: v.nullish(delayId),
    sticky_duration_ms: v.nullish(nonNegativeInteger),
  }),
  response: v.object({
    room_id: boundedIdentifier,
    event_id: v.nullish(boundedIdentifier),
    delay_id: v.nullish(delayId),
  }),
});

/** The widget cancels, restarts or sends now one of its delayed events (MSC4157). */
export const updateDelayedEvent = defineAction({
  id: "update_delayed_event",
  direction: "fromWidget",
  stable: "update_delayed_event",
  unstable: ["org.matrix.msc4157.update_delayed_event"],
  version: ApiVersion.MSC4157,
  capability: { fixed: "update_delayed_event" },
  request: v.object({
    delay_id: delayId,
    // MSC4157's text says "refresh"; matrix-widget-api and MSC4140 say "restart". Both are accepted.
    action: v.picklist(
      ["cancel", "restart", "send", "refresh"],
      "action must be one of cancel, restart, send",
    ),
  }),
  response: emptyObject,
});

// ---- MSC2876: reading ----------------------------------------------------------------------

/** The widget reads recent room events, or current state, of one type (MSC2876). */
export const readEvents = defineAction({
  id: "read_events",
  direction: "fromWidget",
  stable: "read_events",
  unstable: ["org.matrix.msc2876.read_events"],
  version: ApiVersion.MSC2876,
  capability: {
    dynamic:
      "m.receive.event:<type>[#<msgtype>] or m.receive.state_event:<type>[#<state_key>]; m.timeline:<room> " +
      "for every room other than the viewed one; events returned are filtered by the same capabilities",
  },
  request: v.object({
    type: eventType,
    msgtype: v.nullish(msgtype),
    state_key: v.nullish(v.union([stateKey, v.literal(true)], "state_key must be a string or true")),
    limit: v.nullish(peerLimit),
    room_ids: v.nullish(
      v.union(
        [
          v.literal("*"),
          v.pipe(
            v.array(roomId, 'room_ids must be an array of room IDs or "*"'),
            v.maxLength(MAX_READ_ROOM_IDS, "room_ids names too many rooms"),
          ),
        ],
        'room_ids must be an array of room IDs or "*"',
      ),
    ),
    since: v.nullish(eventId),
  }),
  response: v.object({ events: eventList }),
});

// ---- MSC3869: relations --------------------------------------------------------------------

/** The widget reads the events related to one event (MSC3869). */
export const readRelations = defineAction({
  id: "read_relations",
  direction: "fromWidget",
  stable: "read_relations",
  unstable: ["org.matrix.msc3869.read_relations"],
  version: ApiVersion.MSC3869,
  capability: {
    dynamic:
      "m.timeline:<room> for a room other than the viewed one; the chunk holds only events the " +
      "receive capabilities allow",
  },
  request: v.object({
    event_id: eventId,
    room_id: v.nullish(roomId),
    rel_type: v.nullish(v.pipe(v.string("rel_type must be a string"), v.maxLength(MAX_EVENT_TYPE_LENGTH))),
    event_type: v.nullish(eventType),
    limit: v.nullish(nonNegativeInteger),
    from: v.nullish(paginationToken),
    to: v.nullish(paginationToken),
    direction: v.nullish(v.picklist(["f", "b"], 'direction must be "f" or "b"')),
  }),
  response: v.object({
    chunk: eventList,
    next_batch: v.nullish(paginationToken),
    prev_batch: v.nullish(paginationToken),
  }),
});

// ---- MSC2762: receiving --------------------------------------------------------------------

/** The host delivers one room event to the widget; `data` is the event itself (MSC2762). */
export const sendEventToWidget = defineAction({
  id: "send_event (toWidget)",
  direction: "toWidget",
  stable: "send_event",
  unstable: [],
  version: ApiVersion.MSC2762,
  request: wireRoomEventSchema,
  response: emptyObject,
});

/** The host pushes current room state the widget may receive (MSC2762 update). */
export const updateState = defineAction({
  id: "update_state",
  direction: "toWidget",
  stable: "update_state",
  unstable: [],
  version: ApiVersion.MSC2762UpdateState,
  request: v.object({
    state: v.pipe(v.array(wireStateEventSchema), v.maxLength(MAX_EVENTS_PER_MESSAGE, "too many events")),
  }),
  response: emptyObject,
});

/** The MSC2762 family (events, state, reading, relations, delayed and sticky events), keyed by id. */
export const EVENT_ACTIONS = {
  "send_event (fromWidget)": sendEventFromWidget,
  "send_event (toWidget)": sendEventToWidget,
  update_state: updateState,
  update_delayed_event: updateDelayedEvent,
  read_events: readEvents,
  read_relations: readRelations,
} as const satisfies Record<string, AnyActionDescriptor>;
