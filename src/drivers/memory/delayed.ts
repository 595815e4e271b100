/**
 * Delayed events (MSC4140) and their MatrixRTC delegation (MSC4195) for the in-memory world: the
 * world's homeserver side. Timers are real (`setTimeout`), since widgets such as Element Call
 * restart their delayed leave every few seconds and expect it to fire when they stop.
 */

import { homeserverError, notFound } from "./json.js";
import type { EventDraft, MatrixEvent } from "./world.js";

/** The longest delay the world accepts, as Synapse's `max_event_delay_duration` would (24 h). */
export const MAX_EVENT_DELAY_MS = 24 * 60 * 60 * 1000;
/** The shortest delay MSC4195 lets a client delegate to its homeserver (one hour). */
export const MIN_DELEGATED_DELAY_MS = 60 * 60 * 1000;

/** A delayed event waiting in the world. */
export interface DelayedEventInfo {
  /** Its delay ID, `syd_memory_<n>` from a counter; the sender cancels, restarts or sends it by this ID. */
  delayId: string;
  /** The room it will be sent to; the world's room checks apply when it is sent. */
  roomId: string;
  /** The user ID it will be sent as; only this user can see, update or delegate it. */
  sender: string;
  /** The event it will send. */
  draft: EventDraft;
  /** Its delay; `undefined` for one that waits only for its parent. */
  delayMs: number | undefined;
  /** The delayed event whose sending sends this one too. */
  parentDelayId: string | undefined;
  /** Whether its sender handed it to the homeserver (MSC4195), which now keeps it alive. */
  delegated: boolean;
}

interface DelayedRecord extends DelayedEventInfo {
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** What the scheduler needs from the world. */
export interface DelayedEventHost {
  /** Sends the event as the world would (room and membership checks included). */
  send(roomId: string, sender: string, draft: EventDraft): MatrixEvent;
  /** Reports a delayed event that could not be sent when its time came (e.g. the sender left). */
  onSendFailure(error: unknown, delayId: string): void;
}

/**
 * The world's delayed events. Every operation acts for a sender and sees only that sender's
 * delayed events, as a homeserver does (another user's delay ID answers 404).
 */
export class DelayedEvents {
  private readonly records = new Map<string, DelayedRecord>();
  private nextNumber = 1;

  constructor(private readonly host: DelayedEventHost) {}

  /**
   * Schedules `draft` to be sent as `sender` after `delayMs`, or when the delayed event
   * `parentDelayId` is sent (whichever comes first). Returns its delay ID.
   * @throws HomeserverError 400 `M_INVALID_PARAM` for a delay outside 0…24 h or neither a delay
   * nor a parent; 404 for an unknown parent.
   */
  schedule(
    roomId: string,
    sender: string,
    draft: EventDraft,
    delay: { delayMs?: number; parentDelayId?: string },
  ): string {
    const { delayMs, parentDelayId } = delay;
    if (delayMs === undefined && parentDelayId === undefined) {
      throw homeserverError(400, "M_INVALID_PARAM", "A delayed event needs a delay or a parent");
    }
    if (
      delayMs !== undefined &&
      (!Number.isSafeInteger(delayMs) || delayMs < 0 || delayMs > MAX_EVENT_DELAY_MS)
    ) {
      throw homeserverError(400, "M_INVALID_PARAM", "The delay must be between 0 and 24 hours");
    }
    if (parentDelayId !== undefined) this.own(sender, parentDelayId);
    const record: DelayedRecord = {
      delayId: `syd_memory_${this.nextNumber++}`,
      roomId,
      sender,
      draft: structuredClone(draft),
      delayMs,
      parentDelayId,
      delegated: false,
      timer: undefined,
    };
    this.records.set(record.delayId, record);
    this.arm(record);
    return record.delayId;
  }

  /**
   * Cancels, restarts or sends now one of `sender`'s delayed events (MSC4140).
   * @throws HomeserverError 404 `M_NOT_FOUND` for an unknown delay ID or one of another user;
   * what sending throws for `send`.
   */
  update(sender: string, delayId: string, action: "cancel" | "restart" | "send"): void {
    const record = this.own(sender, delayId);
    if (action === "restart") {
      this.arm(record);
    } else if (action === "cancel") {
      this.drop(record, true);
    } else {
      this.fire(record, true);
    }
  }

  /**
   * Hands `sender`'s delayed event to the homeserver (MSC4195): its timer stops, and it is sent
   * when {@link dropRtcConnection} reports the sender's SFU connection gone.
   * @throws HomeserverError 404 for an unknown delay ID; 400 `M_BAD_JSON` for a delay under an hour
   * (MSC4195's rule).
   */
  delegate(sender: string, delayId: string): void {
    const record = this.own(sender, delayId);
    if (record.delayMs === undefined || record.delayMs < MIN_DELEGATED_DELAY_MS) {
      throw homeserverError(400, "M_BAD_JSON", "A delegated delayed event needs a delay of at least an hour");
    }
    record.delegated = true;
    if (record.timer !== undefined) clearTimeout(record.timer);
    record.timer = undefined;
  }

  /** Sends every delayed event `sender` delegated, as a homeserver does once the SFU connection drops. */
  dropRtcConnection(sender: string): void {
    for (const record of [...this.records.values()]) {
      // Skipped when gone meanwhile: sent with its parent earlier in this loop, or cancelled.
      if (!this.records.has(record.delayId)) continue;
      if (record.sender === sender && record.delegated) this.fire(record, false);
    }
  }

  /**
   * Cancels the delayed state events of users other than `sender` that would set the state
   * `sender` just set (same room, type and state key), with their children, as Synapse does when
   * the room's current state changes (MSC4140): a delayed event must not overwrite state that
   * someone else changed after it was scheduled. The sender's own delayed events stay.
   */
  cancelOverwrittenState(roomId: string, type: string, stateKey: string, sender: string): void {
    for (const record of [...this.records.values()]) {
      // Skipped when gone meanwhile: the child of one cancelled earlier in this loop.
      if (!this.records.has(record.delayId)) continue;
      const { draft } = record;
      if (
        record.roomId === roomId &&
        record.sender !== sender &&
        draft.state_key === stateKey &&
        draft.type === type
      ) {
        this.drop(record, true);
      }
    }
  }

  /** Copies of the delayed events waiting for `sender`, oldest first. */
  list(sender: string): DelayedEventInfo[] {
    return [...this.records.values()]
      .filter((record) => record.sender === sender)
      .map(({ timer: _timer, ...info }) => structuredClone(info));
  }

  /** Stops every timer and forgets every delayed event (nothing is sent). */
  clear(): void {
    for (const record of this.records.values()) if (record.timer !== undefined) clearTimeout(record.timer);
    this.records.clear();
  }

  private own(sender: string, delayId: string): DelayedRecord {
    const record = this.records.get(delayId);
    if (record === undefined || record.sender !== sender) throw notFound("Delayed event not found");
    return record;
  }

  private arm(record: DelayedRecord): void {
    if (record.timer !== undefined) clearTimeout(record.timer);
    record.timer = undefined;
    if (record.delayMs === undefined || record.delegated) return;
    record.timer = setTimeout(() => {
      record.timer = undefined;
      try {
        this.fire(record, true);
      } catch (error) {
        this.host.onSendFailure(error, record.delayId);
      }
    }, record.delayMs);
    // In Node, a pending delayed event (Element Call's are hours long) does not keep the process
    // alive: a test that ends with one still waiting must not hang its runner.
    (record.timer as { unref?: () => void }).unref?.();
  }

  /** Cancels the record and its children (recursively). */
  private drop(record: DelayedRecord, withChildren: boolean): void {
    if (record.timer !== undefined) clearTimeout(record.timer);
    this.records.delete(record.delayId);
    if (!withChildren) return;
    for (const child of [...this.records.values()]) {
      if (child.parentDelayId === record.delayId) this.drop(child, true);
    }
  }

  /**
   * Sends the record's event, then its children's. The record is gone even when sending fails
   * (a homeserver does not retry either); `throwing` says whether that failure reaches the caller.
   */
  private fire(record: DelayedRecord, throwing: boolean): void {
    this.drop(record, false);
    const children = [...this.records.values()].filter((child) => child.parentDelayId === record.delayId);
    let failure: unknown;
    try {
      this.host.send(record.roomId, record.sender, record.draft);
    } catch (error) {
      failure = error;
    }
    for (const child of children) {
      // A listener of the parent's event may have cancelled (or sent) a child meanwhile.
      if (!this.records.has(child.delayId)) continue;
      try {
        this.fire(child, true);
      } catch (error) {
        this.host.onSendFailure(error, child.delayId);
      }
    }
    if (failure !== undefined) {
      if (throwing) throw failure;
      this.host.onSendFailure(failure, record.delayId);
    }
  }
}
