/**
 * An immutable set of granted capabilities with precompiled, constant-time checks.
 *
 * @module
 */

import {
  capabilityKey,
  isValidCapability,
  parseCapability,
  type Capability,
  type CapabilityDirection,
  type FixedCapabilityName,
} from "./grammar.js";

const ROOM_MESSAGE = "m.room.message";

/** Room and state grants for one direction, compiled into lookup tables. */
class DirectionTable {
  /** Room-event types granted without a msgtype (for `m.room.message`: every msgtype). */
  readonly roomTypes = new Set<string>();
  /** Msgtypes granted for `m.room.message` individually. */
  readonly messageMsgtypes = new Set<string>();
  /** State types granted for every state key. */
  readonly stateAnyKey = new Set<string>();
  /** State types granted for particular state keys only: type → keys. */
  readonly stateKeys = new Map<string, Set<string>>();
  /** To-device types. */
  readonly toDevice = new Set<string>();

  add(cap: Capability): void {
    switch (cap.kind) {
      case "room_event":
        if (cap.msgtype === undefined) this.roomTypes.add(cap.eventType);
        else this.messageMsgtypes.add(cap.msgtype);
        return;
      case "state_event":
        if (cap.stateKey === undefined) {
          this.stateAnyKey.add(cap.eventType);
        } else {
          let keys = this.stateKeys.get(cap.eventType);
          if (keys === undefined) {
            keys = new Set();
            this.stateKeys.set(cap.eventType, keys);
          }
          keys.add(cap.stateKey);
        }
        return;
      case "to_device":
        this.toDevice.add(cap.eventType);
        return;
      default:
        return;
    }
  }

  room(eventType: unknown, msgtype: unknown): boolean {
    if (typeof eventType !== "string") return false;
    if (this.roomTypes.has(eventType)) return true;
    // A msgtype-restricted grant only matches a message whose msgtype is exactly that string.
    return eventType === ROOM_MESSAGE && typeof msgtype === "string" && this.messageMsgtypes.has(msgtype);
  }

  state(eventType: unknown, stateKey: unknown): boolean {
    if (typeof eventType !== "string" || typeof stateKey !== "string") return false;
    if (this.stateAnyKey.has(eventType)) return true;
    return this.stateKeys.get(eventType)?.has(stateKey) === true;
  }
}

/** Reads an own data property without running getters or following the prototype chain. */
function ownData(target: object, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  return descriptor !== undefined && "value" in descriptor ? descriptor.value : undefined;
}

function isObject(value: unknown): value is object {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}

function toCapability(input: string | Capability): Capability {
  if (typeof input === "string") return parseCapability(input);
  if (!isValidCapability(input)) {
    throw new TypeError("CapabilitySet.from: not a valid capability value");
  }
  // Rebuild from the canonical string: a fresh object with exactly the known fields, so neither later
  // mutation of the caller's object nor extra properties on it can leak into the set.
  return parseCapability(capabilityKey(input));
}

/**
 * An immutable set of granted capabilities.
 *
 * Capabilities are compared semantically: the stable and unstable spellings of one capability (and the
 * screenshot misspellings) are the same member. Every check is a constant number of `Map`/`Set` lookups,
 * whatever the number of grants: the grants are compiled once, when the set is built, and no check loops
 * over grants or parses strings. Lookups use `Map`/`Set`, never plain objects, so types such as
 * `__proto__` or `constructor` behave like any other string.
 */
export class CapabilitySet {
  /** The set with no capabilities. */
  static readonly empty: CapabilitySet = new CapabilitySet([]);

  /**
   * Builds a set from capability strings (parsed with {@link parseCapability}; never throws) and/or
   * capability values.
   *
   * @throws {TypeError} when a capability value is not valid (see {@link isValidCapability}).
   */
  static from(capabilities: Iterable<string | Capability>): CapabilitySet {
    const list: Capability[] = [];
    for (const input of capabilities) list.push(toCapability(input));
    return new CapabilitySet(list);
  }

  /** Number of distinct capabilities (spellings of the same capability count once). */
  readonly size: number;
  /** Whether `m.timeline:*` is granted: the widget may act in every room. */
  readonly hasAllTimelines: boolean;

  readonly #byKey = new Map<string, Readonly<Capability>>();
  readonly #fixed = new Set<FixedCapabilityName>();
  readonly #custom = new Set<string>();
  readonly #send = new DirectionTable();
  readonly #receive = new DirectionTable();
  readonly #timelines = new Set<string>();
  readonly #accountData = new Set<string>();
  readonly #roomAccountData = new Set<string>();

  private constructor(capabilities: readonly Capability[]) {
    for (const cap of capabilities) {
      const key = capabilityKey(cap);
      if (this.#byKey.has(key)) continue;
      this.#byKey.set(key, Object.freeze(cap));
      this.#compile(cap);
    }
    this.size = this.#byKey.size;
    this.hasAllTimelines = this.#timelines.has("*");
    Object.freeze(this);
  }

  #compile(cap: Capability): void {
    switch (cap.kind) {
      case "room_event":
      case "state_event":
      case "to_device":
        (cap.direction === "send" ? this.#send : this.#receive).add(cap);
        return;
      case "timeline":
        this.#timelines.add(cap.roomId);
        return;
      case "account_data":
        this.#accountData.add(cap.eventType);
        return;
      case "room_account_data":
        this.#roomAccountData.add(cap.eventType);
        return;
      case "fixed":
        this.#fixed.add(cap.name);
        return;
      case "custom":
        this.#custom.add(cap.name);
        return;
    }
  }

  #table(direction: unknown): DirectionTable | undefined {
    if (direction === "send") return this.#send;
    if (direction === "receive") return this.#receive;
    return undefined;
  }

  /**
   * Whether exactly this capability is a member (not whether it is implied by a broader grant: use the
   * `can…` checks for that). Strings are parsed, so either spelling matches; an invalid value is never
   * a member.
   */
  has(cap: string | Capability): boolean {
    const parsed = typeof cap === "string" ? parseCapability(cap) : cap;
    return isValidCapability(parsed) && this.#byKey.has(capabilityKey(parsed));
  }

  /** Whether the parameterless capability `name` is granted. */
  hasFixed(name: FixedCapabilityName): boolean {
    return this.#fixed.has(name);
  }

  /** Whether the unrecognised capability string `name` was granted, compared verbatim. */
  hasCustom(name: string): boolean {
    return this.#custom.has(name);
  }

  /**
   * Whether the widget may send a room event of `eventType`. For `m.room.message` pass the msgtype: a
   * grant without msgtype allows every msgtype, a grant with one allows only that msgtype (so a message
   * without a string msgtype needs the unrestricted grant).
   */
  canSendEvent(eventType: string, msgtype?: string): boolean {
    return this.#send.room(eventType, msgtype);
  }

  /** Like {@link canSendEvent}, for events delivered to the widget. */
  canReceiveEvent(eventType: string, msgtype?: string): boolean {
    return this.#receive.room(eventType, msgtype);
  }

  /**
   * Whether the widget may send a state event of `eventType` with `stateKey`. A grant without a state key
   * covers every key; a grant with one covers exactly that key (`""` included).
   */
  canSendState(eventType: string, stateKey: string): boolean {
    return this.#send.state(eventType, stateKey);
  }

  /** Like {@link canSendState}, for state delivered to or read by the widget. */
  canReceiveState(eventType: string, stateKey: string): boolean {
    return this.#receive.state(eventType, stateKey);
  }

  /** Whether the widget may send to-device messages of `eventType` (exact type). */
  canSendToDevice(eventType: string): boolean {
    return typeof eventType === "string" && this.#send.toDevice.has(eventType);
  }

  /** Whether the widget may receive to-device messages of `eventType` (exact type). */
  canReceiveToDevice(eventType: string): boolean {
    return typeof eventType === "string" && this.#receive.toDevice.has(eventType);
  }

  /** Whether the widget may read global account data of `eventType`: exact type only, no wildcards. */
  canReadAccountData(eventType: string): boolean {
    return typeof eventType === "string" && this.#accountData.has(eventType);
  }

  /** Whether the widget may receive room account data of `eventType`: exact type only, no wildcards. */
  canReadRoomAccountData(eventType: string): boolean {
    return typeof eventType === "string" && this.#roomAccountData.has(eventType);
  }

  /**
   * Rooms the widget may act in besides the viewed room: true for "*" or the exact room. Without any
   * timeline capability a widget is limited to the room it is viewed in, which this does not cover.
   */
  hasTimeline(roomId: string): boolean {
    return typeof roomId === "string" && (this.hasAllTimelines || this.#timelines.has(roomId));
  }

  /**
   * One check for a whole event object: picks room/state by presence of a string state_key, reads
   * content.msgtype for m.room.message. Safe on hostile input (never throws, ignores inherited
   * properties).
   *
   * Only own data properties are read (getters are not run), so a prototype carrying `state_key` or
   * `msgtype` cannot change the verdict. A non-string `type` is denied; a non-string `state_key` makes it
   * a room event, as it would be on the wire.
   */
  allowsEvent(
    direction: CapabilityDirection,
    event: { type: unknown; state_key?: unknown; content?: unknown },
  ): boolean {
    try {
      const table = this.#table(direction);
      if (table === undefined || !isObject(event)) return false;
      const type = ownData(event, "type");
      if (typeof type !== "string") return false;
      const stateKey = ownData(event, "state_key");
      if (typeof stateKey === "string") return table.state(type, stateKey);
      let msgtype: unknown;
      if (type === ROOM_MESSAGE) {
        const content = ownData(event, "content");
        msgtype = isObject(content) ? ownData(content, "msgtype") : undefined;
      }
      return table.room(type, msgtype);
    } catch {
      // Proxies can throw from any reflection trap; a check that cannot be answered is a denial.
      return false;
    }
  }

  /** A new set holding the members of this set and `other`. */
  union(other: Iterable<string | Capability>): CapabilitySet {
    return CapabilitySet.from([...this.#byKey.values(), ...other]);
  }

  /** The members as fresh capability values, in the order they were first added. */
  toArray(): Capability[] {
    return Array.from(this.#byKey.values(), (cap) => ({ ...cap }));
  }
}
