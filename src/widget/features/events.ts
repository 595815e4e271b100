// Widget-side functions of the MSC2762 family. Each takes the widget session as its first argument,
// so a widget bundle carries only the families it uses.
import type { CapabilityStyle } from "../../capabilities/grammar.js";
import type { RequestOptions } from "../../core/endpoint.js";
import type { RequestInput } from "../../protocol/action.js";
import {
  readEvents,
  readRelations,
  sendEventFromWidget,
  sendEventToWidget,
  updateDelayedEvent as updateDelayedEventDescriptor,
  updateState,
} from "../actions.js";
import type { WireRoomEvent, WireStateEvent } from "../../protocol/actions/events.js";
import type { WidgetSession } from "../session.js";
import {
  formatDelayedOrStickyCapability,
  formatRoomEventCapability,
  formatStateEventCapability,
  formatTimelineCapability,
} from "../capability-format.js";
import { wireRoomIds } from "./room-ids.js";
import { requireHostVersion, runListeners } from "./listeners.js";

export type { WireRoomEvent, WireStateEvent } from "../../protocol/actions/events.js";

/**
 * Where and how {@link sendEvent} sends. Every field is optional.
 * @category Events and state
 */
export interface EventSendOptions extends RequestOptions {
  /** The room to send to; defaults to the room the user is viewing. Another room needs a timeline capability. */
  roomId?: string;
  /** Makes it a state event with this state key (`""` is the empty key). */
  stateKey?: string;
  /** MSC4157: send after this many milliseconds unless cancelled or restarted. Needs `m.send.delayed_event`. */
  delayMs?: number;
  /** MSC4157: send when the delayed event with this ID is sent. Needs `m.send.delayed_event`. */
  parentDelayId?: string;
  /** MSC4407: keep the event sticky for this many milliseconds. Needs `m.send.sticky_event`; room events only. */
  stickyDurationMs?: number;
}

/**
 * What sending produced: the room, and the event ID, or the delay ID of a delayed event.
 * @category Events and state
 */
export interface SentEventResult {
  /** The room the host sent to: `roomId` if it was given, otherwise the room the user is viewing. */
  roomId: string;
  /** The new event's ID; absent for a delayed event, which has none until it is sent. */
  eventId?: string;
  /** The delayed event's ID (MSC4157), for {@link updateDelayedEvent}; absent for an event sent at once. */
  delayId?: string;
}

/**
 * What {@link updateDelayedEvent} does with a delayed event.
 * @category Events and state
 */
export type DelayedEventAction = "cancel" | "restart" | "send";

/**
 * Options of {@link readRoomEvents}.
 * @category Events and state
 */
export interface ReadRoomEventsOptions extends RequestOptions {
  /** Only `m.room.message` events with this msgtype. */
  msgtype?: string;
  /** Most events wanted; the host may return fewer (25 at most from this toolkit's host by default). */
  limit?: number;
  /**
   * Rooms to read; defaults to the viewed room. `"*"`, or a list holding it (matrix-widget-api's
   * `[Symbols.AnyRoom]`), means every room the widget may read.
   */
  roomIds?: readonly string[] | "*";
  /** Only events after this event ID (MSC2876's `since`). */
  since?: string;
}

/**
 * Options of {@link readStateEvents}.
 * @category Events and state
 */
export interface ReadStateEventsOptions extends RequestOptions {
  /** The state key to read; absent means every key. */
  stateKey?: string;
  /** Most events wanted; the host may return fewer. */
  limit?: number;
  /**
   * Rooms to read; defaults to the viewed room. `"*"`, or a list holding it (matrix-widget-api's
   * `[Symbols.AnyRoom]`), means every room the widget may read.
   */
  roomIds?: readonly string[] | "*";
}

/**
 * Options of {@link readEventRelations}, mirroring the Client-Server `/relations` endpoint.
 * @category Events and state
 */
export interface ReadRelationsOptions extends RequestOptions {
  /** The room of the parent event; defaults to the viewed room. */
  roomId?: string;
  /** Only relations of this type, e.g. `m.reference`. */
  relationType?: string;
  /** Only related events of this type. */
  eventType?: string;
  /** Most events wanted; the host may return fewer. */
  limit?: number;
  /** Pagination token to start from. */
  from?: string;
  /** Pagination token to stop at. */
  to?: string;
  /** `"b"` (newest first, the default on the homeserver) or `"f"`. */
  direction?: "f" | "b";
}

/**
 * One page of related events.
 * @category Events and state
 */
export interface RelationsResult {
  /** The related events on this page, only those the widget's receive capabilities allow. */
  chunk: WireRoomEvent[];
  /** Token for the next page; absent when there is none. */
  nextBatch?: string;
  /** Token for the previous page; absent when there is none. */
  prevBatch?: string;
}

function requestOptions(options: RequestOptions | undefined): RequestOptions | undefined {
  return options?.timeoutMs === undefined ? undefined : { timeoutMs: options.timeoutMs };
}

/**
 * Sends a room event (MSC2762) to the viewed room, or to `options.roomId`. With `stateKey` it is
 * a state event (see also {@link sendStateEvent}); with `delayMs` or `parentDelayId` a delayed
 * event (MSC4157), whose delay ID is returned instead of an event ID; with `stickyDurationMs` a
 * sticky event (MSC4407). Rejects with the host's error when a capability is missing.
 * @category Events and state
 */
export async function sendEvent(
  client: WidgetSession,
  type: string,
  content: Record<string, unknown>,
  options: EventSendOptions = {},
): Promise<SentEventResult> {
  requireHostVersion(client, "org.matrix.msc2762", "sending events");
  const data: RequestInput<typeof sendEventFromWidget> = { type, content };
  if (options.roomId !== undefined) data.room_id = options.roomId;
  if (options.stateKey !== undefined) data.state_key = options.stateKey;
  if (options.delayMs !== undefined) data.delay = options.delayMs;
  if (options.parentDelayId !== undefined) data.parent_delay_id = options.parentDelayId;
  if (options.stickyDurationMs !== undefined) data.sticky_duration_ms = options.stickyDurationMs;
  const reply = await client.request(sendEventFromWidget, data, requestOptions(options));
  const result: SentEventResult = { roomId: reply.room_id };
  if (reply.event_id != null) result.eventId = reply.event_id;
  if (reply.delay_id != null) result.delayId = reply.delay_id;
  return result;
}

/**
 * Sends a state event (MSC2762) with `stateKey` (`""` for the empty key). Same options as
 * {@link sendEvent}, except that state events cannot be sticky.
 * @category Events and state
 */
export function sendStateEvent(
  client: WidgetSession,
  type: string,
  stateKey: string,
  content: Record<string, unknown>,
  options: Omit<EventSendOptions, "stateKey" | "stickyDurationMs"> = {},
): Promise<SentEventResult> {
  return sendEvent(client, type, content, { ...options, stateKey });
}

/**
 * Cancels, restarts or sends now a delayed event this widget sent (MSC4157). Needs
 * `m.update_delayed_event`.
 * @category Events and state
 */
export async function updateDelayedEvent(
  client: WidgetSession,
  delayId: string,
  action: DelayedEventAction,
  options?: RequestOptions,
): Promise<void> {
  // Today's hosts (Element through matrix-widget-api) know update_delayed_event only under its
  // unstable name and do not advertise `org.matrix.msc4157`, so the widget always sends the
  // unstable name; this toolkit's host accepts both. Made here, not at module level, where a
  // bundler keeps an object spread (and the descriptor it reads) even in widgets that never call this.
  const asDeployed = {
    ...updateDelayedEventDescriptor,
    stable: "org.matrix.msc4157.update_delayed_event",
    unstable: [] as string[],
  };
  await client.request(asDeployed, { delay_id: delayId, action }, requestOptions(options));
}

/**
 * Reads recent room (non-state) events of `type`, newest first (MSC2876). Needs
 * `m.receive.event:<type>` (with `#<msgtype>` for one msgtype), and a timeline capability for
 * rooms other than the viewed one.
 * @category Events and state
 */
export async function readRoomEvents(
  client: WidgetSession,
  type: string,
  options: ReadRoomEventsOptions = {},
): Promise<WireRoomEvent[]> {
  requireHostVersion(client, "org.matrix.msc2876", "reading events");
  const data: RequestInput<typeof readEvents> = { type };
  if (options.msgtype !== undefined) data.msgtype = options.msgtype;
  if (options.limit !== undefined) data.limit = options.limit;
  if (options.roomIds !== undefined) data.room_ids = wireRoomIds(options.roomIds);
  if (options.since !== undefined) data.since = options.since;
  const { events } = await client.request(readEvents, data, requestOptions(options));
  return events;
}

/**
 * Reads current state events of `type` (MSC2876): the one for `stateKey`, or every key when it is
 * absent. Needs `m.receive.state_event:<type>` (with `#<stateKey>` for one key).
 * @category Events and state
 */
export async function readStateEvents(
  client: WidgetSession,
  type: string,
  options: ReadStateEventsOptions = {},
): Promise<WireRoomEvent[]> {
  requireHostVersion(client, "org.matrix.msc2876", "reading state");
  const data: RequestInput<typeof readEvents> = { type, state_key: options.stateKey ?? true };
  if (options.limit !== undefined) data.limit = options.limit;
  if (options.roomIds !== undefined) data.room_ids = wireRoomIds(options.roomIds);
  const { events } = await client.request(readEvents, data, requestOptions(options));
  return events;
}

/**
 * Reads one page of the events related to `eventId` (MSC3869). The page holds only events the
 * widget's receive capabilities allow; page on with `nextBatch` as `from`.
 * @category Events and state
 */
export async function readEventRelations(
  client: WidgetSession,
  eventId: string,
  options: ReadRelationsOptions = {},
): Promise<RelationsResult> {
  requireHostVersion(client, "org.matrix.msc3869", "reading relations");
  const data: RequestInput<typeof readRelations> = { event_id: eventId };
  if (options.roomId !== undefined) data.room_id = options.roomId;
  if (options.relationType !== undefined) data.rel_type = options.relationType;
  if (options.eventType !== undefined) data.event_type = options.eventType;
  if (options.limit !== undefined) data.limit = options.limit;
  if (options.from !== undefined) data.from = options.from;
  if (options.to !== undefined) data.to = options.to;
  if (options.direction !== undefined) data.direction = options.direction;
  const reply = await client.request(readRelations, data, requestOptions(options));
  const result: RelationsResult = { chunk: reply.chunk };
  if (reply.next_batch != null) result.nextBatch = reply.next_batch;
  if (reply.prev_batch != null) result.prevBatch = reply.prev_batch;
  return result;
}

// ---- pushes from the host ------------------------------------------------------------------

/**
 * A push listener. Its result is awaited (a promise delays the acknowledgement) and otherwise
 * ignored; `unknown`, not `void | Promise<void>`, so that a concise arrow such as
 * `(event) => seen.push(event)` type-checks.
 */
type Listener<T> = (value: T) => unknown;

/** Listener sets per client and action, so several listeners share the one handler a client allows. */
const roomEventListeners = new WeakMap<WidgetSession, Set<Listener<WireRoomEvent>>>();
const stateListeners = new WeakMap<WidgetSession, Set<Listener<WireStateEvent[]>>>();
const unhandle = new WeakMap<Set<unknown>, () => void>();

function subscribe<T>(
  registry: WeakMap<WidgetSession, Set<Listener<T>>>,
  client: WidgetSession,
  listener: Listener<T>,
  install: (listeners: Set<Listener<T>>) => () => void,
): () => void {
  let listeners = registry.get(client);
  if (!listeners) {
    const created = new Set<Listener<T>>();
    registry.set(client, created);
    unhandle.set(created, install(created));
    listeners = created;
  }
  const set = listeners;
  set.add(listener);
  return () => {
    if (!set.delete(listener) || set.size > 0) return;
    unhandle.get(set)?.();
    unhandle.delete(set);
    if (registry.get(client) === set) registry.delete(client);
  };
}

/**
 * Calls `listener` for every room event the host delivers (toWidget `send_event`, MSC2762):
 * events of types the widget may receive, in the viewed room and rooms its timeline capabilities
 * cover. State events arrive here too. The host is acknowledged once every listener has
 * finished; a listener that throws makes the acknowledgement an error. Returns a function that
 * stops listening.
 *
 * Register before the host starts pushing; events that arrive while no listener is registered are
 * refused back to the host.
 * @category Events and state
 */
export function onRoomEvent(client: WidgetSession, listener: Listener<WireRoomEvent>): () => void {
  return subscribe(roomEventListeners, client, listener, (listeners) =>
    client.handle(sendEventToWidget, (event) =>
      runListeners(listeners, event, "A room event listener failed"),
    ),
  );
}

/**
 * Calls `listener` with each batch of room state the host pushes (toWidget `update_state`): the
 * current state the widget may see after every grant that covers state (possibly empty, which
 * means "nothing to see"), the new room's state when the user switches rooms, and every change
 * afterwards. Each event replaces the entry for its (room, type, state key). Returns a function
 * that stops listening.
 * @category Events and state
 */
export function onStateUpdate(client: WidgetSession, listener: Listener<WireStateEvent[]>): () => void {
  return subscribe(stateListeners, client, listener, (listeners) =>
    client.handle(updateState, ({ state }) =>
      runListeners(listeners, state, "A state update listener failed"),
    ),
  );
}

// ---- capability helpers --------------------------------------------------------------------

/**
 * Whether a capability lets the widget send or receive.
 * @category Events and state
 */
export type EventCapabilityDirection = "send" | "receive";

/**
 * The capability to send or receive room (non-state) events of `eventType`, e.g.
 * `eventCapability("send", "m.room.message", { msgtype: "m.text" })` →
 * `org.matrix.msc2762.send.event:m.room.message#m.text`. A msgtype only narrows `m.room.message`.
 * @category Events and state
 */
export function eventCapability(
  direction: EventCapabilityDirection,
  eventType: string,
  options: { msgtype?: string; style?: CapabilityStyle } = {},
): string {
  if (options.msgtype !== undefined && eventType !== "m.room.message") {
    throw new TypeError("A msgtype only narrows m.room.message capabilities");
  }
  return formatRoomEventCapability({ direction, eventType, msgtype: options.msgtype }, options.style);
}

/**
 * The capability to send or receive state events of `eventType`, for every state key or only for
 * `stateKey` (`""` is the empty key), e.g. `stateCapability("receive", "m.room.topic", { stateKey: "" })`.
 * @category Events and state
 */
export function stateCapability(
  direction: EventCapabilityDirection,
  eventType: string,
  options: { stateKey?: string; style?: CapabilityStyle } = {},
): string {
  return formatStateEventCapability({ direction, eventType, stateKey: options.stateKey }, options.style);
}

/**
 * The capability to act in a room other than the viewed one, or in every room with `"*"` (MSC2762).
 * @category Events and state
 */
export function timelineCapability(roomId: string, options: { style?: CapabilityStyle } = {}): string {
  return formatTimelineCapability(roomId, options.style);
}

/**
 * The parameterless capabilities of delayed (MSC4157) and sticky (MSC4407) events, e.g.
 * `delayedEventCapability("send")` → `org.matrix.msc4157.send.delayed_event`.
 * @category Events and state
 */
export function delayedEventCapability(
  which: "send" | "update",
  options: { style?: CapabilityStyle } = {},
): string {
  return formatDelayedOrStickyCapability(
    which === "send" ? "send.delayed_event" : "update_delayed_event",
    options.style,
  );
}

/**
 * The capability to send sticky events, or to be told of currently sticky ones (MSC4407).
 * @category Events and state
 */
export function stickyEventCapability(
  direction: EventCapabilityDirection,
  options: { style?: CapabilityStyle } = {},
): string {
  return formatDelayedOrStickyCapability(
    direction === "send" ? "send.sticky_event" : "receive.sticky_event",
    options.style,
  );
}
