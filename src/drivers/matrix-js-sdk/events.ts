/**
 * Conversions between matrix-js-sdk's `MatrixEvent` and the plain shapes widgets receive, and the
 * live feeds (room events, TURN servers) built on the client's emitters. Type imports only.
 */

import type {
  ClientEvent,
  EventStatus,
  MatrixClient,
  MatrixEvent,
  MatrixEventEvent,
  RoomEvent as SdkRoomEvent,
  RoomStateEvent,
} from "matrix-js-sdk";
import { RecentIds } from "../../core/recent-ids.js";
import type { RoomEvent, TurnServer } from "../../host/driver.js";

// matrix-js-sdk's event names, as the string values its enums hold. Written out so that this
// module needs the enums' types only, never the SDK at run time.
/** `ClientEvent.AccountData`: global account data arrived. */
export const ACCOUNT_DATA = "accountData" as ClientEvent.AccountData;
/** `ClientEvent.ToDeviceEvent`: a (decrypted, where possible) to-device message arrived. */
export const TO_DEVICE_EVENT = "toDeviceEvent" as ClientEvent.ToDeviceEvent;
const TURN_SERVERS = "turnServers" as ClientEvent.TurnServers;
const TURN_SERVERS_ERROR = "turnServers.error" as ClientEvent.TurnServersError;
const TIMELINE = "Room.timeline" as SdkRoomEvent.Timeline;
const LOCAL_ECHO_UPDATED = "Room.localEchoUpdated" as SdkRoomEvent.LocalEchoUpdated;
const STATE_EVENTS = "RoomState.events" as RoomStateEvent.Events;
const DECRYPTED = "Event.decrypted" as MatrixEventEvent.Decrypted;

/** How many event IDs the room-event feed remembers to drop duplicates. */
const DEDUPLICATION_WINDOW = 2048;

/**
 * Whether the event is a local echo that the homeserver has not accepted yet (its ID is still a
 * temporary one). Sent echoes (`sent`) and remote events (`null`) are real.
 */
export function isPendingEcho(event: MatrixEvent): boolean {
  return event.status !== null && event.status !== ("sent" as EventStatus.SENT);
}

/**
 * The event as a widget receives it: the Client-Server "ClientEvent" shape, decrypted when the
 * client could decrypt it, with content and unsigned data deep-copied.
 */
export function toRoomEvent(event: MatrixEvent): RoomEvent {
  const result: RoomEvent = {
    type: event.getType(),
    event_id: event.getId() ?? "",
    room_id: event.getRoomId() ?? "",
    sender: event.getSender() ?? "",
    origin_server_ts: event.getTs(),
    content: copyObject(event.getContent()),
  };
  const stateKey = event.getStateKey();
  if (stateKey !== undefined) result.state_key = stateKey;
  const unsigned = event.getUnsigned();
  if (unsigned !== undefined && Object.keys(unsigned).length > 0) result.unsigned = copyObject(unsigned);
  // Read from the event itself: older SDKs have no `unstableStickyInfo` getter.
  const sticky: unknown = (event.event as { msc4354_sticky?: unknown }).msc4354_sticky;
  const duration: unknown =
    typeof sticky === "object" && sticky !== null
      ? (sticky as { duration_ms?: unknown }).duration_ms
      : undefined;
  if (typeof duration === "number" && Number.isFinite(duration))
    result.msc4354_sticky = { duration_ms: duration };
  return result;
}

/** A deep copy of a JSON object from the client's store, so a widget can never change the store. */
export function copyObject(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  return structuredClone(value) as Record<string, unknown>;
}

/**
 * Calls `deliver` once per new room event the client sees live: timeline events from `/sync`
 * (never back-paginated history), state changes, and the user's own events once the homeserver
 * accepted them (a local echo is delivered with its real event ID, not its temporary one).
 * Encrypted events are delivered once decrypted. One the client cannot decrypt yet is held (weakly)
 * and delivered when a later attempt succeeds, as when its room key arrives after the event: Element
 * Call's reactions and call membership in an encrypted room often come that way.
 */
export function watchLiveRoomEvents(client: MatrixClient, deliver: (event: MatrixEvent) => void): () => void {
  const seen = new RecentIds(DEDUPLICATION_WINDOW);
  // Events offered while still encrypted. Weak: an event the client drops is not kept alive here.
  const undecrypted = new WeakSet<MatrixEvent>();
  let stopped = false;

  const offer = (event: MatrixEvent) => {
    if (stopped || isPendingEcho(event)) return;
    const eventId = event.getId();
    if (eventId === undefined || eventId.startsWith("~") || seen.has(eventId)) return;
    seen.add(eventId);
    if (event.isBeingDecrypted() || event.isDecryptionFailure()) {
      undecrypted.add(event);
      // The event's own signal as well as the client's: only an event the SDK mapped re-emits it.
      if (event.isBeingDecrypted()) event.once(DECRYPTED, () => onDecrypted(event));
      return;
    }
    deliver(event);
  };

  // Every decryption attempt the client makes, the retries after a late key included; the set makes
  // sure an event is delivered once, after its first successful one.
  const onDecrypted = (event: MatrixEvent) => {
    if (stopped || !undecrypted.has(event) || event.isBeingDecrypted() || event.isDecryptionFailure()) return;
    undecrypted.delete(event);
    deliver(event);
  };

  const onTimeline = (
    event: MatrixEvent,
    _room: unknown,
    toStartOfTimeline: boolean | undefined,
    removed: boolean,
    data: { liveEvent?: boolean },
  ) => {
    if (toStartOfTimeline === true || removed || data.liveEvent !== true) return;
    offer(event);
  };
  const onLocalEcho = (event: MatrixEvent) => offer(event);
  const onState = (event: MatrixEvent) => offer(event);

  client.on(TIMELINE, onTimeline);
  client.on(LOCAL_ECHO_UPDATED, onLocalEcho);
  client.on(STATE_EVENTS, onState);
  client.on(DECRYPTED, onDecrypted);
  return () => {
    if (stopped) return;
    stopped = true;
    client.off(TIMELINE, onTimeline);
    client.off(LOCAL_ECHO_UPDATED, onLocalEcho);
    client.off(STATE_EVENTS, onState);
    client.off(DECRYPTED, onDecrypted);
  };
}

/** The SDK's shape of one TURN server. */
interface SdkTurnServer {
  urls: string[];
  username: string;
  credential: string;
}

function toTurnServer(server: SdkTurnServer): TurnServer {
  return { uris: [...server.urls], username: server.username, password: server.credential };
}

/**
 * The client's TURN servers as an async iterable: first the servers the client knows now, then
 * the new list each time the client refreshes its credentials. When the client knows none yet, it
 * asks the homeserver once (`checkTurnServers`); the feed ends at once when the client offers none
 * (it does not poll TURN, e.g. before `startClient` or without WebRTC, or the server has none).
 * Each iteration subscribes on its own; it ends when the consumer returns (`break` in
 * `for await`, or `return()` while a `next()` is waiting), or on a fatal TURN error.
 */
export function turnServerFeed(client: MatrixClient): AsyncIterable<TurnServer> {
  return {
    [Symbol.asyncIterator]: () => new TurnServerIterator(client),
  };
}

class TurnServerIterator implements AsyncIterator<TurnServer, undefined> {
  private readonly queue: TurnServer[];
  /** Pending next() calls, oldest first. */
  private readonly waiting: Array<(result: IteratorResult<TurnServer, undefined>) => void> = [];
  private finished = false;
  private readonly onServers = (servers: SdkTurnServer[]) => {
    if (this.finished) return;
    this.queue.push(...servers.map(toTurnServer));
    this.flush();
  };
  private readonly onError = (_error: Error, fatal: boolean) => {
    if (fatal) this.finish();
  };

  constructor(private readonly client: MatrixClient) {
    this.queue = client.getTurnServers().map(toTurnServer);
    client.on(TURN_SERVERS, this.onServers);
    client.on(TURN_SERVERS_ERROR, this.onError);
    if (this.queue.length === 0) void this.probe();
  }

  /** With no servers known: ends unless the client polls TURN and the homeserver has some. */
  private async probe(): Promise<void> {
    if (!this.client.pollingTurnServers) {
      this.finish();
      return;
    }
    // A successful check emits the servers (queued by onServers); a failed one emits an error.
    const good = await this.client.checkTurnServers().catch(() => false);
    if (good !== true && this.queue.length === 0) this.finish();
  }

  next(): Promise<IteratorResult<TurnServer, undefined>> {
    const value = this.waiting.length === 0 ? this.queue.shift() : undefined;
    if (value !== undefined) return Promise.resolve({ done: false, value });
    if (this.finished) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  return(): Promise<IteratorResult<TurnServer, undefined>> {
    this.finish();
    return Promise.resolve({ done: true, value: undefined });
  }

  private flush(): void {
    while (this.waiting.length > 0 && this.queue.length > 0) {
      const resolve = this.waiting.shift();
      const value = this.queue.shift();
      if (resolve !== undefined && value !== undefined) resolve({ done: false, value });
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.queue.length = 0;
    this.client.off(TURN_SERVERS, this.onServers);
    this.client.off(TURN_SERVERS_ERROR, this.onError);
    for (const resolve of this.waiting.splice(0)) resolve({ done: true, value: undefined });
  }
}
