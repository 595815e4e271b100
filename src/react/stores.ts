// The React-free bookkeeping behind the hooks: merging read and pushed events, deciding which of
// two racing answers wins, and a tiny observable value. Kept apart from the hooks so that the
// ordering rules can be tested in Node without rendering anything.
import type { WireRoomEvent, WireStateEvent } from "../protocol/actions/events.js";

/**
 * Room events in timeline order (oldest first), each event ID once. Events read from the host and
 * events it pushes may overlap; whichever copy arrives first is kept. Ordered by
 * `origin_server_ts`, ties kept in arrival order, so a read that lands after a live push still
 * puts the older events first. Holds at most `keep` events, dropping the oldest.
 */
export class EventTimeline {
  private readonly ids = new Set<string>();
  private events: WireRoomEvent[] = [];
  private snapshot: readonly WireRoomEvent[] = [];

  /** @param keep Most events held; the oldest are dropped beyond it. */
  constructor(private readonly keep: number) {}

  /** Adds events in any order; returns whether anything new was added. */
  add(incoming: readonly WireRoomEvent[]): boolean {
    let changed = false;
    for (const event of incoming) {
      if (this.ids.has(event.event_id)) continue;
      this.ids.add(event.event_id);
      let at = this.events.length;
      while (at > 0 && (this.events[at - 1]?.origin_server_ts ?? 0) > event.origin_server_ts) at--;
      this.events.splice(at, 0, event);
      changed = true;
    }
    if (!changed) return false;
    while (this.events.length > this.keep) {
      const dropped = this.events.shift();
      if (dropped) this.ids.delete(dropped.event_id);
    }
    this.snapshot = [...this.events];
    return true;
  }

  /**
   * Adds the answer of a read, which hosts give newest first (MSC2876): reversed, so that events
   * with equal timestamps still end up in timeline order.
   */
  addNewestFirst(read: readonly WireRoomEvent[]): boolean {
    return this.add([...read].reverse());
  }

  /** The current events, oldest first; a new array only after a change (safe as React state). */
  get list(): readonly WireRoomEvent[] {
    return this.snapshot;
  }
}

const stateKeyOf = (event: WireStateEvent): string =>
  `${event.room_id}\u0000${event.type}\u0000${event.state_key}`;

/**
 * Current state events, one per (room, type, state key). A read answers for the moment the host
 * ran it, so a push that arrived while the read was on its way is newer than what the read
 * returns for the same key: {@link applyRead} leaves such keys alone.
 */
export class StateTable {
  private readonly entries = new Map<string, WireStateEvent>();
  private snapshot: readonly WireStateEvent[] = [];
  /** Keys pushed since each pending read started, by read ticket. */
  private readonly pushedDuringRead = new Map<number, Set<string>>();
  private nextTicket = 0;

  /** Call before sending a read; pass the ticket to {@link applyRead} with its answer. */
  beginRead(): number {
    const ticket = this.nextTicket++;
    this.pushedDuringRead.set(ticket, new Set());
    return ticket;
  }

  /** Forgets a read that failed. */
  abandonRead(ticket: number): void {
    this.pushedDuringRead.delete(ticket);
  }

  /** Applies a read's answer, except for keys pushed while it was pending. Returns whether anything changed. */
  applyRead(ticket: number, events: readonly WireStateEvent[]): boolean {
    const newer = this.pushedDuringRead.get(ticket) ?? new Set<string>();
    this.pushedDuringRead.delete(ticket);
    let changed = false;
    for (const event of events) {
      const key = stateKeyOf(event);
      if (newer.has(key)) continue;
      changed = this.put(key, event) || changed;
    }
    return this.publish(changed);
  }

  /** Applies pushed state (live changes, or the host's snapshot after a grant). */
  applyPush(events: readonly WireStateEvent[]): boolean {
    let changed = false;
    for (const event of events) {
      const key = stateKeyOf(event);
      for (const keys of this.pushedDuringRead.values()) keys.add(key);
      changed = this.put(key, event) || changed;
    }
    return this.publish(changed);
  }

  /** The current state events, in the order their keys were first seen. */
  get list(): readonly WireStateEvent[] {
    return this.snapshot;
  }

  private put(key: string, event: WireStateEvent): boolean {
    const current = this.entries.get(key);
    if (current?.event_id === event.event_id) return false;
    this.entries.set(key, event);
    return true;
  }

  private publish(changed: boolean): boolean {
    if (changed) this.snapshot = [...this.entries.values()];
    return changed;
  }
}

/**
 * Hands out tickets in order; only the newest is current. An answer is used only if its ticket is
 * still current, so an older request that is answered after a newer one never wins.
 */
export class LatestGate {
  private latest = 0;

  /** A new ticket; every earlier one stops being current. */
  issue(): number {
    return ++this.latest;
  }

  /** Whether `ticket` is the newest one issued. */
  isCurrent(ticket: number): boolean {
    return ticket === this.latest;
  }
}

/** A value with change listeners, in the shape `useSyncExternalStore` wants. */
export class Cell<T> {
  private readonly listeners = new Set<() => void>();

  /** @param value The initial value. */
  constructor(private value: T) {}

  /** The current value. */
  readonly get = (): T => this.value;

  /** Replaces the value and tells the listeners, when it differs. */
  set(value: T): void {
    if (Object.is(value, this.value)) return;
    this.value = value;
    for (const listener of [...this.listeners]) listener();
  }

  /** Adds a listener; returns a function that removes it. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };
}
