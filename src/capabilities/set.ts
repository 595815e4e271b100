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

/**
 * The lookup tables of a kind nothing was granted of, shared. A set usually holds a few grants of a
 * few kinds, and a host keeps one per live session: an empty Set or Map per kind cost about 150
 * bytes each, most of the set's size. Never added to: {@link withAdded} replaces them first.
 */
const NONE: ReadonlySet<never> = new Set();
const NO_KEYS: ReadonlyMap<string, never> = new Map<string, never>();

/** `set` with `value` added: a fresh Set in place of the shared empty one. */
function withAdded<T>(set: ReadonlySet<T>, value: T): ReadonlySet<T> {
  const target = set === NONE ? new Set<T>() : (set as Set<T>);
  target.add(value);
  return target;
}

/** Room and state grants for one direction, compiled into lookup tables. */
class DirectionTable {
  /** Room-event types granted without a msgtype (for `m.room.message`: every msgtype). */
  roomTypes: ReadonlySet<string> = NONE;
  /** Msgtypes granted for `m.room.message` individually. */
  messageMsgtypes: ReadonlySet<string> = NONE;
  /** State types granted for every state key. */
  stateAnyKey: ReadonlySet<string> = NONE;
  /** State types granted for particular state keys only: type → keys. */
  stateKeys: ReadonlyMap<string, ReadonlySet<string>> = NO_KEYS;
  /** To-device types. */
  toDevice: ReadonlySet<string> = NONE;

  add(cap: Capability): void {
    switch (cap.kind) {
      case "room_event":
        if (cap.msgtype === undefined) this.roomTypes = withAdded(this.roomTypes, cap.eventType);
        else this.messageMsgtypes = withAdded(this.messageMsgtypes, cap.msgtype);
        return;
      case "state_event":
        if (cap.stateKey === undefined) {
          this.stateAnyKey = withAdded(this.stateAnyKey, cap.eventType);
        } else {
          const byType =
            this.stateKeys === NO_KEYS
              ? new Map<string, ReadonlySet<string>>()
              : (this.stateKeys as Map<string, ReadonlySet<string>>);
          byType.set(cap.eventType, withAdded(byType.get(cap.eventType) ?? NONE, cap.stateKey));
          this.stateKeys = byType;
        }
        return;
      case "to_device":
        this.toDevice = withAdded(this.toDevice, cap.eventType);
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

/** The direction table of a set that grants nothing in that direction, shared; never added to. */
const NO_GRANTS = new DirectionTable();

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

  /**
   * A set that answers every question with whatever set `current()` returns at that moment: what
   * a host's request context hands its handlers, so a closure that outlives the request sees later
   * grants, and a copy of the context (a spread) still does. One per session, not per request.
   * @internal
   */
  static live(current: () => CapabilitySet): CapabilitySet {
    return new CapabilitySet([], current);
  }

  /** Number of distinct capabilities (spellings of the same capability count once). */
  get size(): number {
    return this.#now().#byKey.size;
  }

  /** Whether `m.timeline:*` is granted: the widget may act in every room. */
  get hasAllTimelines(): boolean {
    return this.#now().#allTimelines;
  }

  /** Set for a {@link live} view: the set it answers for. */
  readonly #current: (() => CapabilitySet) | undefined;
  #allTimelines = false;
  /** The members by canonical key; the shared empty map for a set of none (a live view, `empty`). */
  readonly #byKey: ReadonlyMap<string, Readonly<Capability>>;
  // The tables below stay the shared empty ones (NONE, NO_GRANTS) until a grant of their kind.
  #fixed: ReadonlySet<FixedCapabilityName> = NONE;
  #custom: ReadonlySet<string> = NONE;
  #send = NO_GRANTS;
  #receive = NO_GRANTS;
  #timelines: ReadonlySet<string> = NONE;
  #accountData: ReadonlySet<string> = NONE;
  #roomAccountData: ReadonlySet<string> = NONE;

  private constructor(capabilities: readonly Capability[], current?: () => CapabilitySet) {
    this.#current = current;
    const byKey = capabilities.length === 0 ? NO_KEYS : new Map<string, Readonly<Capability>>();
    for (const cap of capabilities) {
      const key = capabilityKey(cap);
      if (byKey.has(key)) continue;
      (byKey as Map<string, Readonly<Capability>>).set(key, Object.freeze(cap));
      this.#compile(cap);
    }
    this.#byKey = byKey;
    this.#allTimelines = this.#timelines.has("*");
    Object.freeze(this);
  }

  /** The set whose tables answer: this one, or for a live view the set of the moment. */
  #now(): CapabilitySet {
    return this.#current === undefined ? this : this.#current().#now();
  }

  #compile(cap: Capability): void {
    switch (cap.kind) {
      case "room_event":
      case "state_event":
      case "to_device":
        if (cap.direction === "send") {
          if (this.#send === NO_GRANTS) this.#send = new DirectionTable();
          this.#send.add(cap);
        } else {
          if (this.#receive === NO_GRANTS) this.#receive = new DirectionTable();
          this.#receive.add(cap);
        }
        return;
      case "timeline":
        this.#timelines = withAdded(this.#timelines, cap.roomId);
        return;
      case "account_data":
        this.#accountData = withAdded(this.#accountData, cap.eventType);
        return;
      case "room_account_data":
        this.#roomAccountData = withAdded(this.#roomAccountData, cap.eventType);
        return;
      case "fixed":
        this.#fixed = withAdded(this.#fixed, cap.name);
        return;
      case "custom":
        this.#custom = withAdded(this.#custom, cap.name);
        return;
    }
  }

  #table(direction: unknown): DirectionTable | undefined {
    const set = this.#now();
    if (direction === "send") return set.#send;
    if (direction === "receive") return set.#receive;
    return undefined;
  }

  /**
   * Whether exactly this capability is a member (not whether it is implied by a broader grant: use the
   * `can…` checks for that). Strings are parsed, so either spelling matches; an invalid value is never
   * a member.
   */
  has(cap: string | Capability): boolean {
    const parsed = typeof cap === "string" ? parseCapability(cap) : cap;
    return isValidCapability(parsed) && this.#now().#byKey.has(capabilityKey(parsed));
  }

  /** Whether the parameterless capability `name` is granted. */
  hasFixed(name: FixedCapabilityName): boolean {
    return this.#now().#fixed.has(name);
  }

  /** Whether the unrecognised capability string `name` was granted, compared verbatim. */
  hasCustom(name: string): boolean {
    return this.#now().#custom.has(name);
  }

  /**
   * Whether the widget may send a room event of `eventType`. For `m.room.message` pass the msgtype: a
   * grant without msgtype allows every msgtype, a grant with one allows only that msgtype (so a message
   * without a string msgtype needs the unrestricted grant).
   */
  canSendEvent(eventType: string, msgtype?: string): boolean {
    return this.#now().#send.room(eventType, msgtype);
  }

  /** Like {@link canSendEvent}, for events delivered to the widget. */
  canReceiveEvent(eventType: string, msgtype?: string): boolean {
    return this.#now().#receive.room(eventType, msgtype);
  }

  /**
   * Whether the widget may send a state event of `eventType` with `stateKey`. A grant without a state key
   * covers every key; a grant with one covers exactly that key (`""` included).
   */
  canSendState(eventType: string, stateKey: string): boolean {
    return this.#now().#send.state(eventType, stateKey);
  }

  /** Like {@link canSendState}, for state delivered to or read by the widget. */
  canReceiveState(eventType: string, stateKey: string): boolean {
    return this.#now().#receive.state(eventType, stateKey);
  }

  /** Whether the widget may send to-device messages of `eventType` (exact type). */
  canSendToDevice(eventType: string): boolean {
    return typeof eventType === "string" && this.#now().#send.toDevice.has(eventType);
  }

  /** Whether the widget may receive to-device messages of `eventType` (exact type). */
  canReceiveToDevice(eventType: string): boolean {
    return typeof eventType === "string" && this.#now().#receive.toDevice.has(eventType);
  }

  /** Whether the widget may read global account data of `eventType`: exact type only, no wildcards. */
  canReadAccountData(eventType: string): boolean {
    return typeof eventType === "string" && this.#now().#accountData.has(eventType);
  }

  /** Whether the widget may receive room account data of `eventType`: exact type only, no wildcards. */
  canReadRoomAccountData(eventType: string): boolean {
    return typeof eventType === "string" && this.#now().#roomAccountData.has(eventType);
  }

  /**
   * Rooms the widget may act in besides the viewed room: true for "*" or the exact room. Without any
   * timeline capability a widget is limited to the room it is viewed in, which this does not cover.
   */
  hasTimeline(roomId: string): boolean {
    if (typeof roomId !== "string") return false;
    const set = this.#now();
    return set.#allTimelines || set.#timelines.has(roomId);
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
    return CapabilitySet.from([...this.#now().#byKey.values(), ...other]);
  }

  /** The members as fresh capability values, in the order they were first added. */
  toArray(): Capability[] {
    return Array.from(this.#now().#byKey.values(), (cap) => ({ ...cap }));
  }
}
