import { capabilityKey, parseCapability, type CapabilitySet } from "../../capabilities/index.js";
import { describeThrown } from "../../core/describe.js";
import { PushQueue } from "./push-queue.js";
import type { Logger } from "../../core/logger.js";
import {
  MAX_EVENTS_PER_MESSAGE,
  sendEventToWidget,
  updateState,
  type WireRoomEvent,
} from "../../protocol/actions/events.js";
import { ApiVersion } from "../../protocol/versions.js";
import { isRoomAccessible, isWireRoomEvent, knownRooms, mayReceive } from "../actions/events/rooms.js";
import type { RoomEvent, Unsubscribe, WidgetDriver } from "../driver.js";
import { DEFAULT_HOST_LIMITS } from "../limits.js";
import type { HostHandle } from "../host-handle.js";
import type { HostFeature } from "./feature.js";
import { withVisibleUnsigned } from "../actions/events/unsigned.js";

/** A feature whose advertised versions depend on what the driver can do. */
export interface DriverAwareHostFeature extends HostFeature {
  /** The API versions to advertise for a host running on `driver`. */
  versionsFor(driver: WidgetDriver): readonly string[];
}

/**
 * The versions the event feed lets a host advertise: `org.matrix.msc2762` when the driver has a
 * live feed (`watchRoomEvents`), `org.matrix.msc2762_update_state` when it can also read current
 * state (`readStateEvents`), and `org.matrix.msc4407` when it can send events (sticky events are
 * sent through `sendEvent`). The request actions advertise their own versions through their
 * registrations' `available`.
 */
export function eventFeedVersions(driver: WidgetDriver): string[] {
  const versions: string[] = [];
  const watches = typeof driver.watchRoomEvents === "function";
  if (watches) versions.push(ApiVersion.MSC2762);
  if (watches && typeof driver.readStateEvents === "function") versions.push(ApiVersion.MSC2762UpdateState);
  if (typeof driver.sendEvent === "function") versions.push(ApiVersion.MSC4407);
  return versions;
}

/** One read of the state the widget may see, waiting for the driver. */
interface StateSnapshot {
  /** The rooms read. Live state changes in these rooms are folded in instead of pushed alone. */
  readonly rooms: ReadonlySet<string>;
  /** Live state changes seen while the reads were running; newer than or equal to what was read. */
  readonly overrides: Map<string, RoomEvent>;
  /** `grant`: after a grant (always pushed, even empty). `room`: after the viewed room changed. */
  readonly reason: "grant" | "room";
  /** The viewed room when the snapshot started. */
  readonly viewedRoomId: string | undefined;
}

/**
 * What the feed holds for one widget session; dropped when the session ends. Its sets and push
 * queue are made when first used: many widgets never receive events, and a host keeps one of
 * these per live session (five empty Sets and a queue were about 1 KiB of it).
 */
class FeedSession {
  ended = false;
  stopWatching: Unsubscribe | undefined = undefined;
  /** Whether any state-receive capability is granted. */
  receivesState = false;
  /** Whether `m.receive.sticky_event` (MSC4407) is granted. */
  receivesSticky = false;
  /** Paces the pushes, so a burst of events never exceeds the host's bound on pending requests. */
  pushQueue: PushQueue | undefined = undefined;
  private coverageSet: Set<string> | undefined = undefined;
  private stickyRoomSet: Set<string> | undefined = undefined;
  private stickySentSet: Set<string> | undefined = undefined;
  private pendingSet: Set<StateSnapshot> | undefined = undefined;
  private timerSet: Set<ReturnType<typeof setTimeout>> | undefined = undefined;

  /** @param lastViewedRoomId the viewed room the feed last acted on; a difference means the room changed */
  constructor(public lastViewedRoomId: string | undefined) {}

  /** Canonical keys of the granted receive (room and state event) and timeline capabilities seen so far. */
  get coverage(): Set<string> {
    return (this.coverageSet ??= new Set());
  }

  /** Rooms whose sticky events were read for the widget since the receive grants last grew. */
  get stickyRooms(): Set<string> {
    return (this.stickyRoomSet ??= new Set());
  }

  /** Sticky events pushed this session, so that a re-read after a wider grant sends only new ones. */
  get stickySent(): Set<string> {
    return (this.stickySentSet ??= new Set());
  }

  /** State snapshots being read. */
  get pending(): Set<StateSnapshot> {
    return (this.pendingSet ??= new Set());
  }

  /** The state snapshots being read, without making the set for a session that has none. */
  snapshots(): Iterable<StateSnapshot> {
    return this.pendingSet ?? [];
  }

  /** Timers of the driver reads in progress. */
  get timers(): Set<ReturnType<typeof setTimeout>> {
    return (this.timerSet ??= new Set());
  }

  /** Ends the session: drops what waits, and clears the timers of its driver reads. */
  end(): void {
    this.ended = true;
    this.pushQueue?.close();
    this.pendingSet?.clear();
    for (const timer of this.timerSet ?? []) clearTimeout(timer);
    this.timerSet?.clear();
  }
}

/** Feed pushes awaiting their ack at once: well under the host's default bound of 512. */
const MAX_PUSHES_IN_FLIGHT = 64;
/** Feed pushes waiting to be sent; a widget further behind loses the oldest. */
const MAX_PUSHES_QUEUED = 10_000;

const stateEntryKey = (event: RoomEvent): string =>
  `${event.room_id}\u0000${event.type}\u0000${event.state_key ?? ""}`;

/**
 * The event feed of one host: delivers the driver's live room events to the widget (toWidget
 * `send_event`) and keeps its view of room state current (toWidget `update_state`).
 *
 * Rules:
 * - The driver's feed is subscribed while the host has a ready session, and dropped when it ends.
 * - An event is delivered if and only if it is well formed, its room is the viewed room or covered
 *   by a timeline capability, and the receive capabilities allow it: two constant-time checks
 *   against the precompiled set, whatever the number of grants.
 * - A state event is delivered as `send_event` (it is a timeline event; older widgets learn state
 *   that way, as with matrix-widget-api hosts) and, when the widget advertises
 *   `org.matrix.msc2762_update_state`, also as `update_state`.
 * - After every grant that covers state (the first grant and each renegotiation that adds a state
 *   or timeline capability) the current state the widget may see is read and pushed with
 *   `update_state`, even when empty. When the viewed room changes, the new room's state is pushed.
 * - Every push is checked against the rooms and capabilities at the moment it is sent, so state of
 *   a room the user left is never pushed; a push taken for a room the user has already left is
 *   dropped. Live state changes that arrive while a snapshot is being read are folded into it, so
 *   an older read never overwrites a newer change.
 * - Pushes are fire-and-forget: none waits for another, failures are logged and never thrown.
 */
class EventFeed {
  private session: FeedSession | undefined;
  private readonly logger: Logger;
  private readonly unsubscribe: Array<() => void>;

  constructor(
    private readonly host: HostHandle,
    private readonly driver: WidgetDriver,
  ) {
    this.logger = host.logger;
    // One array literal, sized to fit (pushing into an empty one reserves room for 17).
    this.unsubscribe = [
      host.on("ready", ({ granted }) => this.begin(granted)),
      host.on("capabilities", ({ granted }) => {
        if (this.session) this.onGrants(this.session, granted);
      }),
      host.on("sessionEnded", () => this.end()),
      host.on("viewedRoom", () => this.refresh()),
    ];
  }

  detach(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    this.end();
  }

  /** Acts on a change of the viewed room, if there was one since the feed last looked. */
  refresh(): void {
    const session = this.session;
    if (session && !session.ended) this.checkViewedRoom(session);
  }

  private begin(granted: readonly string[]): void {
    this.end();
    const session = new FeedSession(this.host.viewedRoomId);
    this.session = session;
    if (typeof this.driver.watchRoomEvents === "function") {
      try {
        const stop: unknown = this.driver.watchRoomEvents((event) => this.onEvent(session, event));
        if (typeof stop === "function") session.stopWatching = stop as Unsubscribe;
      } catch (error) {
        this.logger.error(`Could not watch room events: ${describe(error)}`);
      }
    }
    this.onGrants(session, granted);
  }

  private end(): void {
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    session.end();
    try {
      session.stopWatching?.();
    } catch (error) {
      this.logger.error(`Stopping the room event feed failed: ${describe(error)}`);
    }
  }

  /** Pushes state after a grant that covers state: new state capabilities, or new rooms to see state in. */
  private onGrants(session: FeedSession, granted: readonly string[]): void {
    let newState = false;
    let newTimeline = false;
    let newSticky = false;
    let newReceive = false;
    for (const raw of granted) {
      const cap = parseCapability(raw);
      if (cap.kind === "fixed" && cap.name === "receive_sticky_event") {
        newSticky = !session.receivesSticky;
        session.receivesSticky = true;
        continue;
      }
      if (cap.kind === "room_event" && cap.direction === "receive") {
        const key = capabilityKey(cap);
        if (!session.coverage.has(key)) {
          session.coverage.add(key);
          newReceive = true;
        }
        continue;
      }
      const isStateGrant = cap.kind === "state_event" && cap.direction === "receive";
      if (!isStateGrant && cap.kind !== "timeline") continue;
      const key = capabilityKey(cap);
      if (session.coverage.has(key)) continue;
      session.coverage.add(key);
      if (isStateGrant) {
        newState = true;
        session.receivesState = true;
      } else {
        newTimeline = true;
      }
    }
    if (newState || (newTimeline && session.receivesState)) this.snapshot(session, "grant");
    // MSC4407: after the grant (and each renegotiation that adds rooms), push the sticky events
    // the widget may see; sticky events act like state that live events alone do not rebuild.
    // A new receive capability may allow sticky events of rooms read before: read them again.
    if (newReceive && !newSticky && session.receivesSticky) session.stickyRooms.clear();
    if (newSticky || ((newTimeline || newReceive) && session.receivesSticky)) {
      this.pushSticky(session, this.visibleRooms(this.host.capabilities, this.host.viewedRoomId));
    }
  }

  /**
   * Reads the sticky events of each room not read yet this session and pushes those the widget
   * may see as `send_event`, checked against the grants at the time of the push.
   */
  private pushSticky(session: FeedSession, rooms: Iterable<string>): void {
    const read = this.driver.readStickyEvents;
    if (typeof read !== "function") return;
    for (const roomId of rooms) {
      if (session.stickyRooms.has(roomId)) continue;
      session.stickyRooms.add(roomId);
      this.withTimeout(session, () => read.call(this.driver, roomId)).then(
        (events: unknown) => {
          if (session.ended || !Array.isArray(events)) return;
          const capabilities = this.host.capabilities;
          const viewedRoomId = this.host.viewedRoomId;
          for (const event of events as unknown[]) {
            if (!isWireRoomEvent(event) || event.room_id !== roomId) continue;
            if (!mayReceive(capabilities, viewedRoomId, event)) continue;
            if (session.stickySent.has(event.event_id)) continue;
            session.stickySent.add(event.event_id);
            this.sendEvent(session, event, "a sticky event");
          }
        },
        (error: unknown) => {
          this.logger.warn(`Reading sticky events for the widget failed: ${describe(error)}`);
        },
      );
    }
  }

  private checkViewedRoom(session: FeedSession): void {
    const viewed = this.host.viewedRoomId;
    if (viewed === session.lastViewedRoomId) return;
    session.lastViewedRoomId = viewed;
    if (viewed !== undefined && session.receivesSticky) this.pushSticky(session, [viewed]);
    // A room a timeline capability covers was part of the grant's snapshot and is kept current.
    if (viewed === undefined || !session.receivesState || this.host.capabilities.hasTimeline(viewed)) return;
    this.snapshot(session, "room");
  }

  private supportsUpdateState(): boolean {
    return this.host.widgetVersions.includes(ApiVersion.MSC2762UpdateState);
  }

  private onEvent(session: FeedSession, event: RoomEvent): void {
    try {
      if (session.ended) return;
      this.checkViewedRoom(session);
      if (!isWireRoomEvent(event)) return;
      const capabilities = this.host.capabilities;
      if (!mayReceive(capabilities, this.host.viewedRoomId, event)) return;
      this.sendEvent(session, event, "a room event");
      if (typeof event.state_key !== "string" || !this.supportsUpdateState()) return;
      let folded = false;
      for (const snapshot of session.snapshots()) {
        if (!snapshot.rooms.has(event.room_id)) continue;
        snapshot.overrides.set(stateEntryKey(event), event);
        folded = true;
      }
      if (!folded) this.pushState(session, [event]);
    } catch (error) {
      this.logger.error(`The room event feed failed on an event: ${describe(error)}`);
    }
  }

  /** Reads the current state the widget may see and pushes it once every read has settled. */
  private snapshot(session: FeedSession, reason: StateSnapshot["reason"]): void {
    if (!this.supportsUpdateState()) return;
    const readState = this.driver.readStateEvents;
    if (typeof readState !== "function") return;
    const capabilities = this.host.capabilities;
    const viewedRoomId = this.host.viewedRoomId;
    const rooms =
      reason === "room"
        ? new Set(viewedRoomId === undefined ? [] : [viewedRoomId])
        : this.visibleRooms(capabilities, viewedRoomId);
    const snapshot: StateSnapshot = { rooms, overrides: new Map(), reason, viewedRoomId };
    session.pending.add(snapshot);

    const reads: Array<Promise<unknown>> = [];
    for (const roomId of rooms) {
      for (const { type, stateKey } of stateGrants(capabilities)) {
        reads.push(this.withTimeout(session, () => readState.call(this.driver, roomId, type, stateKey)));
      }
    }
    void Promise.allSettled(reads).then((results) => {
      if (session.ended || !session.pending.delete(snapshot)) return;
      const entries = new Map<string, RoomEvent>();
      for (const result of results) {
        if (result.status === "rejected") {
          this.logger.warn(`Reading room state for the widget failed: ${describe(result.reason)}`);
          continue;
        }
        if (!Array.isArray(result.value)) continue;
        for (const event of result.value as unknown[]) {
          if (!isWireRoomEvent(event) || typeof event.state_key !== "string") continue;
          if (!rooms.has(event.room_id)) continue;
          entries.set(stateEntryKey(event), event);
        }
      }
      for (const [key, event] of snapshot.overrides) entries.set(key, event);
      this.checkViewedRoom(session);
      const viewedNow = this.host.viewedRoomId;
      // A push taken for a room the user has left since is dropped; the newer room's push follows.
      if (reason === "room" && snapshot.viewedRoomId !== viewedNow) return;
      const allowedNow = this.host.capabilities;
      const state = [...entries.values()].filter((event) => mayReceive(allowedNow, viewedNow, event));
      this.pushState(session, state);
    });
  }

  /** The viewed room plus every room a timeline capability covers (known rooms for `timeline:*`). */
  private visibleRooms(capabilities: CapabilitySet, viewedRoomId: string | undefined): Set<string> {
    const rooms = new Set<string>();
    if (viewedRoomId !== undefined) rooms.add(viewedRoomId);
    if (capabilities.hasAllTimelines) {
      for (const room of knownRooms(this.driver)) rooms.add(room);
    }
    for (const cap of capabilities.toArray()) {
      if (cap.kind === "timeline" && cap.roomId !== "*") rooms.add(cap.roomId);
    }
    return new Set([...rooms].filter((room) => isRoomAccessible(capabilities, viewedRoomId, room)));
  }

  /** Sends state to the widget in bounded batches; an empty list is sent as one empty push. */
  private pushState(session: FeedSession, state: readonly RoomEvent[]): void {
    if (session.ended) return;
    const batches: RoomEvent[][] = [];
    for (let start = 0; start < state.length; start += MAX_EVENTS_PER_MESSAGE) {
      batches.push(state.slice(start, start + MAX_EVENTS_PER_MESSAGE));
    }
    if (batches.length === 0) batches.push([]);
    for (const batch of batches) {
      this.pushes(session).push((done) => {
        // Checked again when it leaves the queue: the user may have left a room meanwhile.
        const capabilities = this.host.capabilities;
        const viewedRoomId = this.host.viewedRoomId;
        const visible = batch
          .filter((event) => mayReceive(capabilities, viewedRoomId, event))
          .map((event) => withVisibleUnsigned(event, capabilities));
        if (session.ended || (batch.length > 0 && visible.length === 0)) return done();
        this.host.push(
          updateState,
          { state: visible as Array<WireRoomEvent & { state_key: string }> },
          (error) => {
            if (error) this.logger.warn(`The widget did not acknowledge update_state: ${describe(error)}`);
            done();
          },
        );
      });
    }
  }

  /**
   * Queues the push of an event the caller found the widget may receive. A push that waited for
   * its turn checks again, since the grants, the viewed room or the event may have changed
   * meanwhile; one that starts at once, inside this call, as nearly every push of a live feed does,
   * does not: nothing could change between the two checks, and the second was a visible part of
   * the host's cost per event.
   */
  private sendEvent(session: FeedSession, event: WireRoomEvent, what: string): void {
    let waited = false;
    this.pushes(session).push((done) => {
      if (session.ended || (waited && !mayReceive(this.host.capabilities, this.host.viewedRoomId, event))) {
        return done();
      }
      this.host.push(sendEventToWidget, withVisibleUnsigned(event, this.host.capabilities), (error) => {
        if (error) this.logger.debug(`The widget did not acknowledge ${what}: ${describe(error)}`);
        done();
      });
    });
    waited = true;
  }

  /** The session's push queue, made at its first push. */
  private pushes(session: FeedSession): PushQueue {
    return (session.pushQueue ??= this.pushQueue());
  }

  private pushQueue(): PushQueue {
    let dropped = 0;
    return new PushQueue({
      maxInFlight: MAX_PUSHES_IN_FLIGHT,
      maxQueued: MAX_PUSHES_QUEUED,
      onDrop: () => {
        // Once, then every thousandth: a widget this far behind would flood the log otherwise.
        if (dropped++ % 1000 === 0) {
          this.logger.warn(`The widget is not keeping up with room events; ${dropped} dropped so far`);
        }
      },
    });
  }

  /** Runs one driver read, cut off after the default driver timeout; the timer dies with the session. */
  private withTimeout<T>(session: FeedSession, read: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        session.timers.delete(timer);
        reject(new Error("the client did not answer in time"));
      }, DEFAULT_HOST_LIMITS.driverTimeoutMs);
      session.timers.add(timer);
      const settle = () => {
        clearTimeout(timer);
        session.timers.delete(timer);
      };
      try {
        Promise.resolve(read()).then(
          (value) => {
            settle();
            resolve(value);
          },
          (error: unknown) => {
            settle();
            reject(error instanceof Error ? error : new Error(describeThrown(error)));
          },
        );
      } catch (error) {
        settle();
        reject(error instanceof Error ? error : new Error(describeThrown(error)));
      }
    });
  }
}

/**
 * The distinct state reads the grants call for: one per type granted for every key, and one per
 * key for types granted only for particular keys.
 */
function stateGrants(capabilities: CapabilitySet): Array<{ type: string; stateKey: string | undefined }> {
  const anyKey = new Set<string>();
  const someKeys = new Map<string, Set<string>>();
  for (const cap of capabilities.toArray()) {
    if (cap.kind !== "state_event" || cap.direction !== "receive") continue;
    if (cap.stateKey === undefined) {
      anyKey.add(cap.eventType);
    } else {
      let keys = someKeys.get(cap.eventType);
      if (!keys) someKeys.set(cap.eventType, (keys = new Set()));
      keys.add(cap.stateKey);
    }
  }
  const reads: Array<{ type: string; stateKey: string | undefined }> = [];
  for (const type of anyKey) reads.push({ type, stateKey: undefined });
  for (const [type, keys] of someKeys) {
    if (anyKey.has(type)) continue;
    for (const stateKey of keys) reads.push({ type, stateKey });
  }
  return reads;
}

function describe(error: unknown): string {
  return describeThrown(error);
}

const feeds = new WeakMap<HostHandle, EventFeed>();

/**
 * Makes the event feed of `host` look at the viewed room again now, pushing its state (when the
 * widget receives state and no timeline capability already covers the room). Not needed after
 * `host.setViewedRoomId(…)`: the feed follows the host's `viewedRoom` event by itself. Kept for
 * code written when it was. Does nothing for a host without a ready session.
 */
export function refreshEventFeed(host: HostHandle): void {
  feeds.get(host)?.refresh();
}

/**
 * The live event feed (MSC2762 `send_event` and `update_state` to the widget), attached to every
 * WidgetHost. It follows viewed-room changes through the host's `viewedRoom` event.
 */
export const eventFeedFeature: DriverAwareHostFeature = {
  versionsFor: eventFeedVersions,
  attach(host, driver) {
    const feed = new EventFeed(host, driver);
    feeds.set(host, feed);
    return () => {
      feed.detach();
      if (feeds.get(host) === feed) feeds.delete(host);
    };
  },
};

/** Features of the MSC2762 family (the event feed, update_state). */
export const eventHostFeatures: readonly HostFeature[] = [eventFeedFeature];
