import type {
  ReadEventsQuery,
  ReadRelationsQuery,
  RelationsPage,
  RoomEvent,
  SendEventOptions,
  SentEvent,
  Unsubscribe,
  WidgetDriver,
} from "../../../src/host/driver.js";
import { HomeserverError, type HomeserverErrorDetails } from "../../../src/host/matrix-error.js";

/** The event operations this fake implements. */
export type EventOp =
  | "sendEvent"
  | "updateDelayedEvent"
  | "readRoomEvents"
  | "readStateEvents"
  | "readEventRelations"
  | "getKnownRooms"
  | "watchRoomEvents";

export const EVENT_OPS: readonly EventOp[] = [
  "sendEvent",
  "updateDelayedEvent",
  "readRoomEvents",
  "readStateEvents",
  "readEventRelations",
  "getKnownRooms",
  "watchRoomEvents",
];

/** How an asynchronous operation misbehaves. */
export type EventFault =
  | { kind: "reject"; error: Error }
  | { kind: "throw"; error: Error }
  | { kind: "hang" }
  | { kind: "malformed"; value: unknown };

export const eventFaults = {
  reject: (message = "driver exploded"): EventFault => ({ kind: "reject", error: new Error(message) }),
  homeserver: (details: HomeserverErrorDetails): EventFault => ({
    kind: "reject",
    error: new HomeserverError(details),
  }),
  forbidden: (): EventFault =>
    eventFaults.homeserver({ httpStatus: 403, errcode: "M_FORBIDDEN", error: "Not allowed" }),
  throwSync: (message = "driver threw"): EventFault => ({ kind: "throw", error: new Error(message) }),
  hang: (): EventFault => ({ kind: "hang" }),
  malformed: (value: unknown): EventFault => ({ kind: "malformed", value }),
};

/** One call into the driver. */
export interface EventCall {
  op: EventOp;
  args: unknown[];
}

interface RoomData {
  /** Oldest first. */
  timeline: RoomEvent[];
  state: Map<string, Map<string, RoomEvent>>;
}

let eventCounter = 0;
let clock = 1_700_000_000_000;

/** Builds a room event with fresh ID and increasing timestamp. */
export function makeEvent(fields: {
  room_id: string;
  type: string;
  content?: Record<string, unknown>;
  state_key?: string;
  sender?: string;
  event_id?: string;
}): RoomEvent {
  const event: RoomEvent = {
    type: fields.type,
    event_id: fields.event_id ?? `$e${++eventCounter}`,
    room_id: fields.room_id,
    sender: fields.sender ?? "@alice:example.org",
    origin_server_ts: ++clock,
    content: fields.content ?? {},
    unsigned: {},
  };
  if (fields.state_key !== undefined) event.state_key = fields.state_key;
  return event;
}

/** A message event with a msgtype. */
export function message(room_id: string, msgtype: string, body = "hi"): RoomEvent {
  return makeEvent({ room_id, type: "m.room.message", content: { msgtype, body } });
}

/** A state event. */
export function stateEvent(
  room_id: string,
  type: string,
  state_key: string,
  content: Record<string, unknown> = {},
): RoomEvent {
  return makeEvent({ room_id, type, state_key, content });
}

/**
 * A {@link WidgetDriver} with the event operations over an in-memory set of rooms. It records every
 * call, can be told to misbehave per operation, and can have any operation's answer replaced (to
 * play a driver that lies). {@link emit} plays a live event through every running watcher.
 */
export class FakeEventDriver implements WidgetDriver {
  readonly userId = "@me:example.org";
  readonly deviceId = "DEVICE";
  readonly calls: EventCall[] = [];
  readonly rooms = new Map<string, RoomData>();
  /** Delay IDs that exist, with what they would send. */
  readonly delayed = new Map<string, { type: string; options: SendEventOptions }>();
  /** Rooms reported by getKnownRooms; defaults to every room with data. */
  knownRoomIds: string[] | undefined;

  sendEvent?: NonNullable<WidgetDriver["sendEvent"]>;
  updateDelayedEvent?: NonNullable<WidgetDriver["updateDelayedEvent"]>;
  readRoomEvents?: NonNullable<WidgetDriver["readRoomEvents"]>;
  readStateEvents?: NonNullable<WidgetDriver["readStateEvents"]>;
  readEventRelations?: NonNullable<WidgetDriver["readEventRelations"]>;
  getKnownRooms?: NonNullable<WidgetDriver["getKnownRooms"]>;
  watchRoomEvents?: NonNullable<WidgetDriver["watchRoomEvents"]>;

  private readonly watchers = new Set<(event: RoomEvent) => void>();
  private readonly faults = new Map<EventOp, { fault: EventFault; remaining: number }>();
  private readonly responders = new Map<EventOp, (...args: never[]) => unknown>();
  private sent = 0;

  constructor(options: { ops?: readonly EventOp[] } = {}) {
    const enabled = new Set(options.ops ?? EVENT_OPS);
    if (enabled.has("sendEvent")) {
      this.sendEvent = (type, content, sendOptions) =>
        this.run("sendEvent", [type, content, sendOptions], () => this.doSend(type, sendOptions));
    }
    if (enabled.has("updateDelayedEvent")) {
      this.updateDelayedEvent = (delayId, action) =>
        this.run("updateDelayedEvent", [delayId, action], () => {
          if (!this.delayed.has(delayId)) {
            throw new HomeserverError({ httpStatus: 404, errcode: "M_NOT_FOUND", error: "No such delay" });
          }
          if (action !== "restart") this.delayed.delete(delayId);
        });
    }
    if (enabled.has("readRoomEvents")) {
      this.readRoomEvents = (query) => this.run("readRoomEvents", [query], () => this.doReadEvents(query));
    }
    if (enabled.has("readStateEvents")) {
      this.readStateEvents = (roomId, type, stateKey) =>
        this.run("readStateEvents", [roomId, type, stateKey], () => this.doReadState(roomId, type, stateKey));
    }
    if (enabled.has("readEventRelations")) {
      this.readEventRelations = (query) =>
        this.run("readEventRelations", [query], () => this.doReadRelations(query));
    }
    if (enabled.has("getKnownRooms")) {
      this.getKnownRooms = () => {
        this.calls.push({ op: "getKnownRooms", args: [] });
        const responder = this.responders.get("getKnownRooms");
        if (responder) return responder() as string[];
        return [...(this.knownRoomIds ?? this.rooms.keys())];
      };
    }
    if (enabled.has("watchRoomEvents")) {
      this.watchRoomEvents = (listener) => this.watch(listener);
    }
  }

  /** Makes `op` misbehave for the next `times` calls (default: until {@link heal}). */
  fail(op: EventOp, fault: EventFault, times = Number.POSITIVE_INFINITY): this {
    this.faults.set(op, { fault, remaining: times });
    return this;
  }

  /** Makes `op` behave again. */
  heal(op: EventOp): this {
    this.faults.delete(op);
    return this;
  }

  /** Replaces how `op` computes its answer (faults still come first). */
  respond(op: EventOp, responder: (...args: never[]) => unknown): this {
    this.responders.set(op, responder);
    return this;
  }

  /** The argument lists of every call of `op`, oldest first. */
  callsOf(op: EventOp): unknown[][] {
    return this.calls.filter((call) => call.op === op).map((call) => call.args);
  }

  /** Calls of every operation except the synchronous room listing. */
  get asyncCalls(): EventCall[] {
    return this.calls.filter((call) => call.op !== "getKnownRooms" && call.op !== "watchRoomEvents");
  }

  /** Watchers still subscribed. */
  get activeWatchers(): number {
    return this.watchers.size;
  }

  /** Adds an event to its room as history, without telling watchers. */
  seed(...events: RoomEvent[]): this {
    for (const event of events) this.store(event);
    return this;
  }

  /** Adds a live event to its room and tells every watcher, as a sync would. */
  emit(event: RoomEvent): void {
    this.store(event);
    for (const listener of [...this.watchers]) listener(structuredClone(event));
  }

  /** Tells every watcher about a value as it is, without storing it (for malformed-input tests). */
  emitRaw(value: unknown): void {
    for (const listener of [...this.watchers]) listener(value as RoomEvent);
  }

  private room(roomId: string): RoomData {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = { timeline: [], state: new Map() }));
    return room;
  }

  private store(event: RoomEvent): void {
    const room = this.room(event.room_id);
    room.timeline.push(event);
    if (event.state_key !== undefined) {
      let keys = room.state.get(event.type);
      if (!keys) room.state.set(event.type, (keys = new Map()));
      keys.set(event.state_key, event);
    }
  }

  private doSend(type: string, options: SendEventOptions): SentEvent {
    const n = ++this.sent;
    if (options.delayMs !== undefined || options.parentDelayId !== undefined) {
      const delayId = `delay-${n}`;
      this.delayed.set(delayId, { type, options });
      return { roomId: options.roomId, delayId };
    }
    return { roomId: options.roomId, eventId: `$sent${n}` };
  }

  private doReadEvents(query: ReadEventsQuery): RoomEvent[] {
    const room = this.rooms.get(query.roomId);
    if (!room) return [];
    let timeline = room.timeline;
    if (query.since !== undefined) {
      const index = timeline.findIndex((event) => event.event_id === query.since);
      if (index >= 0) timeline = timeline.slice(index + 1);
    }
    return timeline
      .filter(
        (event) =>
          event.type === query.eventType &&
          event.state_key === undefined &&
          (query.msgtype === undefined || event.content.msgtype === query.msgtype),
      )
      .reverse()
      .slice(0, query.limit)
      .map((event) => structuredClone(event));
  }

  private doReadState(roomId: string, type: string, stateKey: string | undefined): RoomEvent[] {
    const keys = this.rooms.get(roomId)?.state.get(type);
    if (!keys) return [];
    if (stateKey !== undefined) {
      const event = keys.get(stateKey);
      return event ? [structuredClone(event)] : [];
    }
    return [...keys.values()].map((event) => structuredClone(event));
  }

  private doReadRelations(query: ReadRelationsQuery): RelationsPage {
    const room = this.rooms.get(query.roomId);
    if (!room) return { chunk: [] };
    const related = room.timeline.filter((event) => {
      const relation = event.content["m.relates_to"] as
        { event_id?: unknown; rel_type?: unknown } | undefined;
      return (
        relation?.event_id === query.eventId &&
        (query.relationType === undefined || relation.rel_type === query.relationType) &&
        (query.eventType === undefined || event.type === query.eventType)
      );
    });
    const ordered = query.direction === "f" ? related : [...related].reverse();
    const start = query.from === undefined ? 0 : Number(query.from);
    const limit = query.limit ?? 5;
    const chunk = ordered.slice(start, start + limit).map((event) => structuredClone(event));
    const page: RelationsPage = { chunk };
    if (start + limit < ordered.length) page.nextBatch = String(start + limit);
    if (start > 0) page.prevBatch = String(Math.max(0, start - limit));
    return page;
  }

  private takeFault(op: EventOp): EventFault | undefined {
    const entry = this.faults.get(op);
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.faults.delete(op);
    return entry.fault;
  }

  private run<T>(op: EventOp, args: unknown[], produce: () => T): Promise<T> {
    this.calls.push({ op, args: args.map(recordedCopy) });
    const fault = this.takeFault(op);
    if (fault) {
      switch (fault.kind) {
        case "throw":
          throw fault.error;
        case "reject":
          return Promise.reject(fault.error);
        case "hang":
          return new Promise<T>(() => {});
        case "malformed":
          return Promise.resolve(fault.value as T);
      }
    }
    const responder = this.responders.get(op);
    return new Promise<T>((resolve) =>
      resolve((responder ? responder(...(args as never[])) : produce()) as T),
    );
  }

  private watch(listener: (event: RoomEvent) => void): Unsubscribe {
    this.calls.push({ op: "watchRoomEvents", args: [] });
    this.watchers.add(listener);
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      this.watchers.delete(listener);
    };
  }
}

/**
 * A copy of a call's argument as it was at the call. An options object's abort signal is kept as
 * it is: a structured clone would turn it into an empty object.
 */
function recordedCopy(arg: unknown): unknown {
  if (typeof arg === "object" && arg !== null && "signal" in arg && arg.signal instanceof AbortSignal) {
    const { signal, ...rest } = arg;
    return { ...structuredClone(rest), signal };
  }
  return structuredClone(arg);
}
