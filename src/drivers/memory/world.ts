/**
 * An in-memory Matrix "world": users with profiles, rooms with timelines, state and membership,
 * room aliases, global and per-room account data, and what the signed-in user is looking at.
 * It plays homeserver and client at once for the playground and for tests: deterministic (IDs
 * come from counters, time from an injectable clock), synchronous, and without network.
 */

import type { DirectorySearchResult, DirectoryUserResult, RtcTransport } from "../../host/driver.js";
import type { HomeserverError } from "../../host/matrix-error.js";
import { isValidRoomAlias, isValidRoomId, isValidUserId, parseUserId } from "../../matrix/identifiers.js";
import { DelayedEvents } from "./delayed.js";
import { searchDirectory } from "./directory.js";
import {
  copy,
  copyJsonObject,
  forbidden,
  homeserverError,
  invalidParam,
  notFound,
  type JsonContent,
} from "./json.js";
import {
  banPowerLevel,
  creatorListingError,
  defaultPowerLevels,
  invitePowerLevel,
  kickPowerLevel,
  powerLevelsChangeError,
  redactPowerLevel,
  roomCreators,
  sendPowerLevel,
  userPowerLevel,
  type RoomCreators,
  type RoomPreset,
  type RoomVersion,
} from "./power-levels.js";
import { redactEvent } from "./redaction.js";
import { fakeReferenceHash } from "./room-id.js";

/**
 * A user's membership of a room. A user who never had one has `undefined` instead. `ban` is what
 * a moderator's ban leaves (see {@link MatrixWorld.ban}); knocking is not modelled.
 */
export type Membership = "join" | "invite" | "leave" | "ban";

/**
 * Options of the world's timeline reads ({@link MatrixWorld.timeline}, {@link MatrixWorld.getEvent},
 * {@link MatrixWorld.recentEvents}, {@link MatrixWorld.stickyEvents}).
 */
export interface EventReadOptions {
  /**
   * The user who reads, as a homeserver knows the requesting user: each event then carries
   * `unsigned.membership`, that user's membership in the room's state right after the event
   * (`leave` when they had none), as Synapse serves timeline events (MSC4115). Without it the
   * events carry no `membership`.
   */
  asUser?: string;
}

/** A room event as the world stores and returns it (the client-server "ClientEvent" shape). */
export interface MatrixEvent {
  /**
   * Deterministic: `$e1`, `$e2`, … in the order the world creates events. The create event of a
   * version 12 room whose ID has no server name is the exception: its ID is the room ID with `$`
   * for `!`, as in room version 12 both are the create event's reference hash.
   */
  event_id: string;
  /** The ID of the room the event belongs to, e.g. `!Xp1r…` (version 12) or `!r1:example.org` (11). */
  room_id: string;
  /**
   * The user ID of the sender, e.g. `@alice:example.org`. For a membership event, the user who made
   * the change: the inviter of an invite, the member for a join or leave.
   */
  sender: string;
  /** The event type, e.g. `m.room.message` or `m.room.member`. */
  type: string;
  /** The event body, a JSON object whose fields depend on `type`. */
  content: JsonContent;
  /** From the world's clock when the event was created. */
  origin_server_ts: number;
  /** Present on state events only; `""` for most room-wide state. */
  state_key?: string;
  /** Present on sticky events (MSC4354, unstable name): how long the event stays sticky. */
  msc4354_sticky?: { duration_ms: number };
  /**
   * On `m.room.redaction` events only: the ID of the redacted event, the same as `content.redacts`.
   * Room version 11 moved it into the content; homeservers still serve it here too, for clients
   * written before that.
   */
  redacts?: string;
  /**
   * Data the homeserver adds outside the event, as Synapse serves it to clients. The world stores
   * only `replaces_state`, `redacted_because` and `redacted_by`; `age`, `prev_content`,
   * `prev_sender` and `membership` are worked out whenever an event is read, so they tell the time,
   * the replaced event and the reader's membership as they are then. {@link MatrixWorld.snapshot}
   * shows the stored form.
   */
  unsigned?: EventUnsigned;
}

/**
 * The `unsigned` members of a {@link MatrixEvent}. A type, not an interface, so that an event
 * stays assignable to the host's `RoomEvent`, whose `unsigned` is any JSON object.
 */
export type EventUnsigned = {
  /** Milliseconds between the event's `origin_server_ts` and the world's clock when it was read. */
  age?: number;
  /** On a state event that replaced earlier state of its type and key: that event's ID. */
  replaces_state?: string;
  /** With `replaces_state`: the content of the replaced event (redacted if it was redacted since). */
  prev_content?: JsonContent;
  /** With `replaces_state`: the sender of the replaced event. */
  prev_sender?: string;
  /** On a redacted event: the redaction that emptied it. */
  redacted_because?: MatrixEvent;
  /** On a redacted event: the ID of that redaction, as Synapse serves it beside `redacted_because`. */
  redacted_by?: string;
  /**
   * The reading user's membership right after the event (MSC4115): only on events read with
   * {@link EventReadOptions.asUser}.
   */
  membership?: Membership;
};

/** The event type of a redaction, which also changes the event it names. */
const REDACTION = "m.room.redaction";

/** The longest time an event stays sticky (MSC4354: one hour), whatever its sender asked. */
export const MAX_STICKY_DURATION_MS = 60 * 60 * 1000;

/** What a caller supplies to {@link MatrixWorld.sendEvent}. */
export interface EventDraft {
  /**
   * The event type, e.g. `m.room.message`; not empty. An `m.room.member` event (with the target
   * user's ID as state key) changes a membership under the rules {@link MatrixWorld.join},
   * {@link MatrixWorld.invite}, {@link MatrixWorld.leave}, {@link MatrixWorld.kick},
   * {@link MatrixWorld.ban} and {@link MatrixWorld.unban} apply, as a homeserver's state endpoint does.
   */
  type: string;
  /** The event body; must be a JSON object. The world stores a deep copy. */
  content: JsonContent;
  /** Makes the event a state event. */
  state_key?: string;
  /** Makes the event sticky (MSC4354) for this long; not for state events. */
  msc4354_sticky?: { duration_ms: number };
  /**
   * For an `m.room.redaction`: the event to redact, where the `/redact` endpoint and rooms before
   * version 11 put it. `content.redacts` (version 11) wins when both are given.
   */
  redacts?: string;
}

/** A user known to the world and their global profile. */
export interface WorldUser {
  /** A Matrix user ID such as `@alice:example.org`, of any server; unique in the world. */
  userId: string;
  /** The global display name, absent when unset; copied into `displayname` of later membership events. */
  displayName?: string;
  /**
   * The global avatar, absent when unset; copied into `avatar_url` of later membership events. A
   * homeserver holds an `mxc://` URI here; the world does not check the value.
   */
  avatarUrl?: string;
}

/** A profile change: a string sets the field, `null` clears it, `undefined` leaves it alone. */
export interface ProfileUpdate {
  /** The new display name; `null` or `""` removes it, `undefined` keeps the current one. */
  displayName?: string | null;
  /** The new avatar URL (`mxc://…` on a homeserver); `null` or `""` removes it, `undefined` keeps it. */
  avatarUrl?: string | null;
}

/** Options of {@link MatrixWorld.createRoom}. */
export interface CreateRoomOptions {
  /**
   * The room ID. Generated when omitted: for version 12, `!` and 43 characters of URL-safe base64
   * (a deterministic stand-in for the create event's hash, with no server name); for version 11,
   * `!r<n>:<server name>`.
   */
  roomId?: string;
  /**
   * The room version, `"12"` by default as on Synapse 1.163. In version 12 (MSC4289) the creator,
   * and in a `trusted_private_chat` the invitees (`additional_creators` of the create event), have
   * unlimited power and are never listed in the power levels' `users`; the tombstone needs 150.
   * Version 11 lists the creator at 100 and lets the power levels change anyone's level.
   */
  roomVersion?: RoomVersion;
  /** The user who creates the room and is joined to it first. */
  creator: string;
  /** `m.room.name`. */
  name?: string;
  /** `m.room.topic`. */
  topic?: string;
  /** A full alias (`#lobby:example.org`) or just its localpart (`lobby`, on the world's server). */
  alias?: string;
  /**
   * `join_rule: public` instead of `invite`; public rooms' members are visible in the directory.
   * Defaults to whether {@link preset} is `public_chat`.
   */
  isPublic?: boolean;
  /**
   * The `createRoom` preset whose power levels the room gets, as Synapse makes them: `invite` at 50
   * in `public_chat` and 0 otherwise, and in `trusted_private_chat` (what clients use for direct
   * messages) the invitees as powerful as the creator (additional creators in version 12, level 100
   * in version 11). Defaults to `public_chat` for a public room
   * and `private_chat` for any other, as Synapse picks it from the room's visibility.
   */
  preset?: RoomPreset;
  /** `history_visibility: world_readable` instead of `shared`. */
  worldReadable?: boolean;
  /** Marks the invites `is_direct`, as `createRoom` with `is_direct: true` does. */
  isDirect?: boolean;
  /** Users invited right after creation. */
  invite?: readonly string[];
  /**
   * Power levels of users besides the creators, as `createRoom`'s `power_level_content_override`
   * sets them. Everyone else has 0, so may send messages but not state events (50) or redact
   * others' events (50), nor invite in a public room (50): the world refuses what Synapse refuses.
   * Synapse's defaults keep some state at 100 (power levels, history visibility, encryption,
   * server ACLs; the tombstone at 100 in version 11, 150 in 12), which a moderator at 50 may not
   * change. A creator named here is refused in version 12 (400, as Synapse refuses it) and ignored
   * in version 11, where the creator keeps 100.
   */
  userPowerLevels?: Readonly<Record<string, number>>;
}

/** A room as {@link MatrixWorld.getRoom} describes it, read from its current state. */
export interface RoomSummary {
  /** The room ID, e.g. `!Xp1r…` (version 12) or `!r1:example.org` (version 11). */
  roomId: string;
  /** `room_version` of the room's `m.room.create` event, e.g. `"12"`; `""` if there is none. */
  roomVersion: string;
  /** The user ID that sent the room's `m.room.create` event, i.e. its creator; `""` if there is none. */
  creator: string;
  /** `name` of `m.room.name`; absent when the room has no name. */
  name?: string;
  /** `topic` of `m.room.topic`; absent when the room has no topic. */
  topic?: string;
  /**
   * `alias` of `m.room.canonical_alias`; absent when none is set. It is read from room state, so the
   * directory need not still map it to the room.
   */
  canonicalAlias?: string;
  /** Every alias in the world's directory that points at the room, in creation order. */
  aliases: string[];
  /** `join_rule` of `m.room.join_rules`, e.g. `public` or `invite`; `invite` when the room has none. */
  joinRule: string;
  /** `history_visibility` of `m.room.history_visibility`, e.g. `shared`; `shared` when the room has none. */
  historyVisibility: string;
  /** `join_rule` public or history world-readable: what the user directory calls a public room. */
  isPublic: boolean;
  /** User IDs of the joined members, in the order of their first membership event in the room. */
  joinedMembers: string[];
  /** User IDs with a pending invite, in the same order. */
  invitedMembers: string[];
}

/**
 * How Synapse names a membership change: the memberships themselves, and `kick` and `unban`,
 * which leave a `leave` membership after checks of their own.
 */
type MembershipAction = Membership | "kick" | "unban";

/** What each kind of change passed to {@link MatrixWorld.on} delivers to its listeners. */
export interface WorldChanges {
  /** Any event appended to any timeline, state events included. */
  event: MatrixEvent;
  /** A state event, after the room's current state was updated. */
  state: MatrixEvent;
  /** A user's global account data was set. */
  accountData: { userId: string; type: string; content: JsonContent };
  /** A user's account data for one room was set. */
  roomAccountData: { userId: string; roomId: string; type: string; content: JsonContent };
  /** A membership event changed a user's membership (also fired for repeated memberships). */
  membership: {
    roomId: string;
    userId: string;
    membership: Membership;
    previous: Membership | undefined;
    event: MatrixEvent;
  };
  /** The signed-in user's viewed room or highlighted event changed. */
  viewedRoom: { roomId: string | undefined; eventId: string | undefined; previousRoomId: string | undefined };
  /** The profile the signed-in user looks at changed (navigation to a user). */
  viewedUser: { userId: string | undefined };
  /** A user was added or their global profile changed. */
  profile: WorldUser;
}

/** The kinds of change {@link MatrixWorld.on} can listen to. */
export type WorldChangeKind = keyof WorldChanges;

/** A listener for one kind of world change. */
export type WorldListener<K extends WorldChangeKind> = (change: WorldChanges[K]) => void;

/** Options of the {@link MatrixWorld} constructor. */
export interface MatrixWorldOptions {
  /** The signed-in user whose perspective drivers take. Added to the world if missing. */
  ownUserId: string;
  /** The local server: generated room IDs and bare aliases use it. Defaults to `example.org`. */
  serverName?: string;
  /**
   * The clock for `origin_server_ts`. Defaults to `Date.now`; see {@link createSteppingClock}.
   * The world also reads it for what depends on the present (events' `unsigned.age`, sticky
   * events): through its `peek` method when it has one, so such reads do not move a clock that
   * steps on every reading.
   */
  now?: () => number;
  /**
   * Whether the user directory finds every local user, like Synapse's
   * `user_directory.search_all_users`. Defaults to `true`. When `false`, only users sharing a
   * room with the searcher and members of public rooms are found.
   */
  searchAllUsers?: boolean;
  /** Called when a change listener throws; the default logs with `console.error`. */
  onListenerError?: (error: unknown, kind: WorldChangeKind) => void;
  /**
   * The MatrixRTC transports the world's homeserver lists (MSC4143), e.g. a LiveKit focus
   * `{ type: "livekit", livekit_service_url: "…" }`. Defaults to none.
   */
  rtcTransports?: readonly RtcTransport[];
  /**
   * Called when a delayed event cannot be sent when its time comes (e.g. its sender left the
   * room); the default logs with `console.warn`.
   */
  onDelayedEventFailure?: (error: unknown, delayId: string) => void;
}

/** A plain, deep-copied dump of a world, e.g. to compare two worlds with `toEqual`. */
export interface WorldSnapshot {
  /** The signed-in user, {@link MatrixWorld.ownUserId}. */
  ownUserId: string;
  /** The world's local server name, e.g. `example.org`. */
  serverName: string;
  /** The room the signed-in user is viewing; `undefined` when none. */
  viewedRoomId: string | undefined;
  /** The event highlighted in the viewed room; `undefined` when none. */
  highlightedEventId: string | undefined;
  /** The user whose profile the signed-in user has open; `undefined` when none. */
  viewedUserId: string | undefined;
  /** Every user with their global profile, in the order they were added. */
  users: WorldUser[];
  /** The room alias directory: each alias and the room it points at, in the order they were added. */
  aliases: { alias: string; roomId: string }[];
  /**
   * Every room with its whole timeline, state events included, in creation order. Current state is
   * not listed apart: it is the last state event of each type and state key. Events are as stored:
   * their `unsigned` holds `replaces_state`, `redacted_because` and `redacted_by` only, not what a
   * read adds (`age`, `prev_content`, `prev_sender`, `membership`), so snapshots taken at different
   * times compare equal.
   */
  rooms: { roomId: string; timeline: MatrixEvent[] }[];
  /** Global account data: one entry per user and type, users in order of their first entry. */
  accountData: { userId: string; type: string; content: JsonContent }[];
  /** Per-room account data: one entry per user, room and type. */
  roomAccountData: { userId: string; roomId: string; type: string; content: JsonContent }[];
}

/** A clock that can be looked at without moving it, as {@link createSteppingClock} makes. */
export interface PeekableClock {
  /** Reads the clock (a stepping clock moves on). */
  (): number;
  /** The time the clock last showed (its start before any reading), without moving it. */
  peek(): number;
}

/**
 * A clock for {@link MatrixWorldOptions.now} that starts at `startMs` and moves `stepMs` forward
 * on every reading, so timelines get distinct, reproducible timestamps. The world looks at it
 * with `peek` where only "now" matters (events' `age`, what is sticky), so reads do not move it.
 */
export function createSteppingClock(startMs: number, stepMs = 1000): PeekableClock {
  let next = startMs;
  let last = startMs;
  const clock = () => {
    last = next;
    next += stepMs;
    return last;
  };
  return Object.assign(clock, { peek: () => last });
}

interface RoomRecord {
  readonly roomId: string;
  readonly timeline: MatrixEvent[];
  readonly events: Map<string, MatrixEvent>;
  /** Current state: event type → state key → event. */
  readonly state: Map<string, Map<string, MatrixEvent>>;
  /** Each event's index in the timeline. */
  readonly positions: Map<string, number>;
  /** Each user's membership events: their timeline index and the membership they set, in order. */
  readonly memberships: Map<string, { position: number; membership: Membership }[]>;
}

interface ListenerEntry {
  readonly listener: (change: never) => void;
}

const CHANGE_KINDS: readonly WorldChangeKind[] = [
  "event",
  "state",
  "accountData",
  "roomAccountData",
  "membership",
  "viewedRoom",
  "viewedUser",
  "profile",
];

/**
 * An in-memory Matrix world. Everything is kept in `Map`s, so any string (`__proto__` included)
 * is an ordinary key, and every object goes in and comes out as a deep copy, so callers can never
 * change the world except through its methods.
 *
 * Methods that a homeserver would refuse throw {@link "matrix-widget-kit/host"!HomeserverError | HomeserverError}: `404 M_NOT_FOUND` for
 * unknown users, rooms and events, `403 M_FORBIDDEN` for membership violations, `400` for
 * malformed input. Lookups (`getProfile`, `resolveAlias`, `getAccountData`, …) return
 * `undefined` instead of throwing. Change listeners run synchronously, before the method returns.
 */
export class MatrixWorld {
  /** The signed-in user. */
  readonly ownUserId: string;
  /** The local server name. */
  readonly serverName: string;
  /** Whether directory searches find every local user; see {@link MatrixWorldOptions.searchAllUsers}. */
  searchAllUsers: boolean;
  /**
   * The homeserver's delayed events (MSC4140), with their MatrixRTC delegation (MSC4195). They
   * send through {@link sendEvent} when due, so the usual room checks apply then.
   */
  readonly delayedEvents: DelayedEvents;

  private readonly transports: RtcTransport[];

  private readonly now: () => number;
  private readonly onListenerError: (error: unknown, kind: WorldChangeKind) => void;
  private readonly users = new Map<string, WorldUser>();
  private readonly rooms = new Map<string, RoomRecord>();
  private readonly aliases = new Map<string, string>();
  /** user → type → content */
  private readonly accountData = new Map<string, Map<string, JsonContent>>();
  /** user → room → type → content */
  private readonly roomAccountData = new Map<string, Map<string, Map<string, JsonContent>>>();
  private readonly listeners = new Map<WorldChangeKind, Set<ListenerEntry>>();
  private nextRoomNumber = 1;
  private nextEventNumber = 1;
  private viewed: { roomId: string | undefined; eventId: string | undefined } = {
    roomId: undefined,
    eventId: undefined,
  };
  private viewedUser: string | undefined;

  constructor(options: MatrixWorldOptions) {
    if (!isValidUserId(options.ownUserId)) throw invalidParam("ownUserId is not a valid user ID");
    const serverName = options.serverName ?? "example.org";
    if (parseUserId(`@x:${serverName}`) === undefined)
      throw invalidParam("serverName is not a valid server name");
    this.ownUserId = options.ownUserId;
    this.serverName = serverName;
    this.now = options.now ?? Date.now;
    this.searchAllUsers = options.searchAllUsers ?? true;
    this.onListenerError =
      options.onListenerError ??
      ((error, kind) => console.error(`MatrixWorld: a "${kind}" listener threw`, error));
    for (const kind of CHANGE_KINDS) this.listeners.set(kind, new Set());
    this.users.set(this.ownUserId, { userId: this.ownUserId });
    this.transports = copy([...(options.rtcTransports ?? [])]);
    const onDelayedFailure =
      options.onDelayedEventFailure ??
      ((error, delayId) => console.warn(`MatrixWorld: delayed event ${delayId} could not be sent`, error));
    this.delayedEvents = new DelayedEvents({
      send: (roomId, sender, draft) => this.sendEvent(roomId, sender, draft),
      onSendFailure: onDelayedFailure,
    });
  }

  /** Copies of the MatrixRTC transports the world's homeserver lists (MSC4143). */
  get rtcTransports(): RtcTransport[] {
    return copy(this.transports);
  }

  // -------------------------------------------------------------------------------------------
  // Change feed

  /**
   * Calls `listener` with a deep copy of every change of `kind`, synchronously, until the returned
   * function is called. A listener that throws is reported to `onListenerError` and does not stop
   * the change or the other listeners.
   */
  on<K extends WorldChangeKind>(kind: K, listener: WorldListener<K>): () => void {
    const set = this.listeners.get(kind);
    if (set === undefined) throw new TypeError(`Unknown world change kind: ${String(kind)}`);
    const entry: ListenerEntry = { listener: listener as (change: never) => void };
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  private emit<K extends WorldChangeKind>(kind: K, change: WorldChanges[K]): void {
    const set = this.listeners.get(kind);
    if (set === undefined || set.size === 0) return;
    for (const entry of [...set]) {
      // A listener removed by an earlier one during this dispatch is not called.
      if (!set.has(entry)) continue;
      try {
        (entry.listener as WorldListener<K>)(copy(change));
      } catch (error) {
        this.onListenerError(error, kind);
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Users and profiles

  /**
   * Adds a user (of any server: the world stands for the whole federation).
   * @throws HomeserverError 400 `M_INVALID_PARAM` for an invalid user ID, 400 `M_USER_IN_USE`
   * when the user exists.
   */
  addUser(user: WorldUser): WorldUser {
    if (!isValidUserId(user.userId)) throw invalidParam(`Invalid user ID: ${String(user.userId)}`);
    if (this.users.has(user.userId)) throw homeserverError(400, "M_USER_IN_USE", "User ID already taken.");
    const stored: WorldUser = { userId: user.userId };
    if (user.displayName) stored.displayName = String(user.displayName);
    if (user.avatarUrl) stored.avatarUrl = String(user.avatarUrl);
    this.users.set(user.userId, stored);
    this.emit("profile", stored);
    return { ...stored };
  }

  /**
   * Changes a user's global profile. Membership events already in rooms keep the old values.
   * @throws HomeserverError 404 `M_NOT_FOUND` for an unknown user.
   */
  setProfile(userId: string, update: ProfileUpdate): WorldUser {
    const user = this.requireUser(userId);
    const next: WorldUser = { ...user };
    if (update.displayName === null || update.displayName === "") delete next.displayName;
    else if (update.displayName !== undefined) next.displayName = String(update.displayName);
    if (update.avatarUrl === null || update.avatarUrl === "") delete next.avatarUrl;
    else if (update.avatarUrl !== undefined) next.avatarUrl = String(update.avatarUrl);
    this.users.set(userId, next);
    this.emit("profile", next);
    return { ...next };
  }

  /** The user's profile, or `undefined` when the world does not know the user. */
  getProfile(userId: string): WorldUser | undefined {
    const user = this.users.get(userId);
    return user === undefined ? undefined : { ...user };
  }

  /** Whether the world knows the user. */
  hasUser(userId: string): boolean {
    return this.users.has(userId);
  }

  /** Every known user, in the order they were added. */
  listUsers(): WorldUser[] {
    return [...this.users.values()].map((user) => ({ ...user }));
  }

  /**
   * Searches the user directory as `searcherId`, with Synapse-like rules:
   *
   * - Who can be found: users sharing a room with the searcher (both joined), members of public
   *   rooms, and, when {@link searchAllUsers} is on, every user of the local server. The searcher
   *   is never in the results (Synapse leaves them out when `search_all_users` is on).
   * - Matching: case-insensitive and NFKC-normalised; every word of the term must start a word of
   *   the user ID or display name (anywhere inside a word for CJK, kana, Hangul and Thai). A term
   *   without any letter or digit matches nobody.
   * - Order: exact matches, then exact words, then whole-term prefixes, then word prefixes; ties
   *   put users with a display name, then with an avatar, first, then sort by user ID.
   * - `limit` defaults to 10 and is clamped to [0, 50]; `limited` says more users matched.
   */
  searchUserDirectory(searcherId: string, term: string, limit?: number): DirectorySearchResult {
    const visible = this.directoryVisibleUsers(searcherId);
    visible.delete(searcherId);
    const candidates: DirectoryUserResult[] = [];
    for (const userId of visible) {
      const user = this.users.get(userId);
      if (user !== undefined) candidates.push(user);
    }
    return searchDirectory(candidates, term, limit);
  }

  private directoryVisibleUsers(searcherId: string): Set<string> {
    const visible = new Set<string>();
    if (this.searchAllUsers) {
      for (const userId of this.users.keys()) {
        if (parseUserId(userId)?.serverName === this.serverName) visible.add(userId);
      }
    }
    for (const room of this.rooms.values()) {
      const joined = this.membersOf(room, "join");
      if (this.isPublicRoom(room) || joined.includes(searcherId))
        for (const userId of joined) visible.add(userId);
    }
    return visible;
  }

  // -------------------------------------------------------------------------------------------
  // Rooms, aliases and membership

  /**
   * Creates a room the way `POST /createRoom` does: create event, the creator's join, power
   * levels (Synapse's defaults for the {@link CreateRoomOptions.preset}), join rules, history
   * visibility, canonical alias, name and topic, then the invites. Everything is checked before
   * anything is written.
   * @returns the room ID.
   * @throws HomeserverError 404 for an unknown creator or invitee, 400 `M_ROOM_IN_USE` when the
   * room ID or alias is taken, 400 `M_INVALID_PARAM` for malformed IDs or an unknown preset, 400
   * `M_UNSUPPORTED_ROOM_VERSION` for a version other than 11 and 12, 400 `M_UNKNOWN` when
   * `userPowerLevels` names a creator of a version 12 room.
   */
  createRoom(options: CreateRoomOptions): string {
    const creator = this.requireUser(options.creator);
    const version = options.roomVersion ?? "12";
    if (version !== "11" && version !== "12") {
      throw homeserverError(
        400,
        "M_UNSUPPORTED_ROOM_VERSION",
        `Your homeserver does not support this room version: ${String(version)}`,
      );
    }
    const roomId = options.roomId ?? this.generateRoomId(version);
    if (!isValidRoomId(roomId)) throw invalidParam(`Invalid room ID: ${String(roomId)}`);
    if (this.rooms.has(roomId)) throw homeserverError(400, "M_ROOM_IN_USE", "Room ID already in use.");
    const alias = options.alias === undefined ? undefined : this.fullAlias(options.alias);
    if (alias !== undefined && this.aliases.has(alias)) {
      throw homeserverError(400, "M_ROOM_IN_USE", "Room alias already taken");
    }
    const invitees = [...new Set(options.invite ?? [])].filter((userId) => userId !== creator.userId);
    for (const userId of invitees) this.requireUser(userId);
    const preset = options.preset ?? (options.isPublic ? "public_chat" : "private_chat");
    if (!["private_chat", "trusted_private_chat", "public_chat"].includes(preset)) {
      throw invalidParam(`Unknown room preset: ${String(preset)}`);
    }
    const isPublic = options.isPublic ?? preset === "public_chat";
    const createContent: JsonContent = { room_version: version };
    // Synapse makes the invitees of a trusted private chat (a direct message) creators too.
    if (version === "12" && preset === "trusted_private_chat" && invitees.length > 0) {
      createContent["additional_creators"] = invitees;
    }
    const powerLevels = defaultPowerLevels(
      version,
      preset,
      creator.userId,
      invitees,
      options.userPowerLevels,
    );
    const creators = roomCreators({ sender: creator.userId, content: createContent });
    const refusal = creatorListingError(powerLevels, creators);
    if (refusal !== undefined) throw homeserverError(400, "M_UNKNOWN", refusal);

    const room: RoomRecord = {
      roomId,
      timeline: [],
      events: new Map(),
      state: new Map(),
      positions: new Map(),
      memberships: new Map(),
    };
    this.rooms.set(roomId, room);
    if (alias !== undefined) this.aliases.set(alias, roomId);
    const sender = creator.userId;
    // In version 12 the room ID is the create event's hash, so the two IDs share it.
    const createId = version === "12" && !roomId.includes(":") ? `$${roomId.slice(1)}` : undefined;
    this.append(
      room,
      sender,
      { type: "m.room.create", state_key: "", content: createContent },
      undefined,
      createId,
    );
    this.append(room, sender, {
      type: "m.room.member",
      state_key: sender,
      content: memberContent("join", creator),
    });
    this.append(room, sender, {
      type: "m.room.power_levels",
      state_key: "",
      content: powerLevels,
    });
    this.append(room, sender, {
      type: "m.room.join_rules",
      state_key: "",
      content: { join_rule: isPublic ? "public" : "invite" },
    });
    this.append(room, sender, {
      type: "m.room.history_visibility",
      state_key: "",
      content: { history_visibility: options.worldReadable ? "world_readable" : "shared" },
    });
    if (alias !== undefined) {
      this.append(room, sender, { type: "m.room.canonical_alias", state_key: "", content: { alias } });
    }
    if (options.name !== undefined) {
      this.append(room, sender, {
        type: "m.room.name",
        state_key: "",
        content: { name: String(options.name) },
      });
    }
    if (options.topic !== undefined) {
      this.append(room, sender, {
        type: "m.room.topic",
        state_key: "",
        content: { topic: String(options.topic) },
      });
    }
    for (const userId of invitees) {
      this.append(room, sender, {
        type: "m.room.member",
        state_key: userId,
        content: memberContent("invite", this.users.get(userId), options.isDirect === true),
      });
    }
    return roomId;
  }

  /** Whether the room exists. */
  hasRoom(roomId: string): boolean {
    return this.rooms.has(roomId);
  }

  /** Every room ID, in creation order. */
  listRoomIds(): string[] {
    return [...this.rooms.keys()];
  }

  /** The room's current-state summary, or `undefined` for an unknown room. */
  getRoom(roomId: string): RoomSummary | undefined {
    const room = this.rooms.get(roomId);
    if (room === undefined) return undefined;
    const summary: RoomSummary = {
      roomId,
      roomVersion: stringField(stateEvent(room, "m.room.create"), "room_version") ?? "",
      creator: stateEvent(room, "m.room.create")?.sender ?? "",
      aliases: [...this.aliases].filter(([, target]) => target === roomId).map(([alias]) => alias),
      joinRule: stringField(stateEvent(room, "m.room.join_rules"), "join_rule") ?? "invite",
      historyVisibility:
        stringField(stateEvent(room, "m.room.history_visibility"), "history_visibility") ?? "shared",
      isPublic: this.isPublicRoom(room),
      joinedMembers: this.membersOf(room, "join"),
      invitedMembers: this.membersOf(room, "invite"),
    };
    const name = stringField(stateEvent(room, "m.room.name"), "name");
    if (name !== undefined) summary.name = name;
    const topic = stringField(stateEvent(room, "m.room.topic"), "topic");
    if (topic !== undefined) summary.topic = topic;
    const canonicalAlias = stringField(stateEvent(room, "m.room.canonical_alias"), "alias");
    if (canonicalAlias !== undefined) summary.canonicalAlias = canonicalAlias;
    return summary;
  }

  /**
   * Points `alias` (full, or a localpart on the world's server) at a room.
   * @throws HomeserverError 404 for an unknown room, 409 `M_UNKNOWN` when the alias exists.
   */
  addAlias(alias: string, roomId: string): string {
    const full = this.fullAlias(alias);
    this.requireRoom(roomId);
    if (this.aliases.has(full)) throw homeserverError(409, "M_UNKNOWN", `Room alias ${full} already exists`);
    this.aliases.set(full, roomId);
    return full;
  }

  /** Removes an alias from the directory; `false` when it did not exist. */
  removeAlias(alias: string): boolean {
    return this.aliases.delete(alias);
  }

  /** The room an alias points at (exact, case-sensitive match), or `undefined`. */
  resolveAlias(alias: string): string | undefined {
    return this.aliases.get(alias);
  }

  /** The user's membership of the room, or `undefined` when they never had one (or no room). */
  membership(roomId: string, userId: string): Membership | undefined {
    const room = this.rooms.get(roomId);
    return room === undefined ? undefined : membershipOf(room, userId);
  }

  /** The users with the given membership (joined by default), in order of their first membership. */
  members(roomId: string, membership: Membership = "join"): string[] {
    const room = this.rooms.get(roomId);
    return room === undefined ? [] : this.membersOf(room, membership);
  }

  /** The rooms in which the user has the given membership (joined by default), in creation order. */
  roomsOf(userId: string, membership: Membership = "join"): string[] {
    return [...this.rooms.values()]
      .filter((room) => membershipOf(room, userId) === membership)
      .map((r) => r.roomId);
  }

  /**
   * Joins a user to a room. Joining a public room, or one the user is invited to, works; joining
   * again is a no-op that returns `undefined`. A kicked user (membership `leave`) may join a
   * public room again; a banned one may not until unbanned.
   * @throws HomeserverError 404 for an unknown room or user, 403 `M_FORBIDDEN` when the room is
   * not public and the user is not invited, 403 `M_BAD_STATE` when the user is banned.
   */
  join(roomId: string, userId: string): MatrixEvent | undefined {
    const room = this.requireRoom(roomId);
    this.requireUser(userId);
    if (membershipOf(room, userId) === "join") return undefined;
    return this.changeMembership(room, userId, userId, "join", { membership: "join" });
  }

  /**
   * Invites `userId` on behalf of `inviterId`. Inviting a user who is already invited is a no-op
   * that returns `undefined`.
   * @throws HomeserverError 404 for an unknown room or user; 403 `M_FORBIDDEN` when the inviter is
   * not joined, the invitee already is, or the inviter's power level is below the room's `invite`
   * level (Synapse's rules and messages).
   */
  invite(
    roomId: string,
    inviterId: string,
    userId: string,
    options?: { isDirect?: boolean },
  ): MatrixEvent | undefined {
    const room = this.requireRoom(roomId);
    this.checkInviteIn(room, inviterId, userId);
    if (membershipOf(room, userId) === "invite") return undefined;
    return this.append(room, inviterId, {
      type: "m.room.member",
      state_key: userId,
      content: memberContent("invite", this.users.get(userId), options?.isDirect === true),
    });
  }

  /**
   * Checks, without changing anything, that `inviterId` may invite `userId` into the room; throws
   * what {@link invite} would throw.
   */
  checkInvite(roomId: string, inviterId: string, userId: string): void {
    this.checkInviteIn(this.requireRoom(roomId), inviterId, userId);
  }

  private checkInviteIn(room: RoomRecord, inviterId: string, userId: string): void {
    if (!isValidUserId(userId)) throw invalidParam(`Invalid user ID: ${String(userId)}`);
    // Synapse refuses this before it looks at the inviter.
    if (membershipOf(room, userId) === "ban") throw bannedError("invite");
    if (membershipOf(room, inviterId) !== "join") throw forbidden(`${inviterId} not in room ${room.roomId}.`);
    this.requireUser(userId);
    if (membershipOf(room, userId) === "join") throw forbidden(`${userId} is already in the room.`);
    const power = powerOf(room, inviterId);
    if (power.level < invitePowerLevel(power.levels))
      throw forbidden("You don't have permission to invite users");
  }

  /**
   * Makes a joined or invited user leave (or reject the invite). A no-op returning `undefined`
   * when the user has no such membership.
   * @throws HomeserverError 404 for an unknown room.
   */
  leave(roomId: string, userId: string): MatrixEvent | undefined {
    const room = this.requireRoom(roomId);
    const current = membershipOf(room, userId);
    if (current !== "join" && current !== "invite") return undefined;
    return this.append(room, userId, {
      type: "m.room.member",
      state_key: userId,
      content: { membership: "leave" },
    });
  }

  /**
   * Kicks `userId` out of the room on behalf of `senderId`, as Synapse's `/kick` does: the target
   * gets membership `leave` (with `reason` when given), and may join again where the join rules let them.
   * @throws HomeserverError 404 for an unknown room, 400 for an invalid user ID; 403 `M_FORBIDDEN`
   * when the target is not joined or invited ("The target user is not in the room"), the sender
   * is not joined, or the sender's power level is below the room's `kick` level (50 by default)
   * or not above the target's (Synapse's rules and words).
   */
  kick(roomId: string, senderId: string, userId: string, reason?: string): MatrixEvent {
    return this.moderate(roomId, senderId, userId, "kick", reason);
  }

  /**
   * Bans `userId` from the room on behalf of `senderId`, as Synapse's `/ban` does, whatever their
   * membership (a user who never joined can be banned too). A banned user can neither join nor
   * be invited until {@link unban}.
   * @throws HomeserverError 404 for an unknown room, 400 for an invalid user ID; 403 `M_FORBIDDEN`
   * when the sender is not joined, or the sender's power level is below the room's `ban` level
   * (50 by default) or not above the target's.
   */
  ban(roomId: string, senderId: string, userId: string, reason?: string): MatrixEvent {
    return this.moderate(roomId, senderId, userId, "ban", reason);
  }

  /**
   * Lifts a ban on behalf of `senderId`, as Synapse's `/unban` does: the user's membership becomes
   * `leave`, so they may join a public room, or be invited, again.
   * @throws HomeserverError 404 for an unknown room, 400 for an invalid user ID; 403 `M_BAD_STATE`
   * when the user is not banned; 403 `M_FORBIDDEN` when the sender is not joined or is below the
   * room's `ban` level.
   */
  unban(roomId: string, senderId: string, userId: string): MatrixEvent {
    return this.moderate(roomId, senderId, userId, "unban", undefined);
  }

  private moderate(
    roomId: string,
    senderId: string,
    userId: string,
    action: "kick" | "ban" | "unban",
    reason: string | undefined,
  ): MatrixEvent {
    const room = this.requireRoom(roomId);
    if (!isValidUserId(userId)) throw invalidParam(`Invalid user ID: ${String(userId)}`);
    const content: JsonContent = { membership: action === "ban" ? "ban" : "leave" };
    if (reason !== undefined) content["reason"] = String(reason);
    // Synapse's /kick, /ban and /unban compare the request's content, which has no membership,
    // with the current event's: never the same, so they always make an event.
    return this.changeMembership(room, senderId, userId, action, content, false);
  }

  /**
   * A membership change as Synapse's membership handler makes it, whichever endpoint asked: its
   * own checks first (a ban blocks everything but another ban, an unban or a leave; a kick needs
   * a target in the room), then the same change again is the event already there, then the
   * authorisation rules for `m.room.member`, then the event. Joins and invites get the target's
   * profile where `content` has none.
   */
  private changeMembership(
    room: RoomRecord,
    sender: string,
    target: string,
    action: MembershipAction,
    content: JsonContent,
    reuseSame = true,
  ): MatrixEvent {
    const membership: Membership = action === "kick" || action === "unban" ? "leave" : action;
    const previous = stateEvent(room, "m.room.member", target);
    const current = membershipOf(room, target);
    if (previous !== undefined) {
      if (action === "unban" && current !== "ban") {
        throw homeserverError(
          403,
          "M_BAD_STATE",
          `Cannot unban user who was not banned (membership=${current ?? "None"})`,
        );
      }
      if (current === "ban" && action !== "ban" && action !== "unban" && action !== "leave") {
        throw bannedError(action);
      }
    }
    const full: JsonContent = { ...content, membership };
    if (membership === "join" || membership === "invite") {
      const profile = this.users.get(target);
      if (!Object.hasOwn(full, "displayname") && profile?.displayName !== undefined) {
        full["displayname"] = profile.displayName;
      }
      if (!Object.hasOwn(full, "avatar_url") && profile?.avatarUrl !== undefined) {
        full["avatar_url"] = profile.avatarUrl;
      }
    }
    if (reuseSame && previous?.sender === sender && sameJson(previous.content, full)) {
      return this.serve(room, previous, this.present());
    }
    if (action === "kick" && current !== "join" && current !== "invite") {
      throw forbidden("The target user is not in the room");
    }
    this.checkMembershipAuth(room, sender, target, membership);
    return this.append(room, sender, { type: "m.room.member", state_key: target, content: full });
  }

  /** The authorisation rules for an `m.room.member` event (room versions 11 and 12), in Synapse's words. */
  private checkMembershipAuth(
    room: RoomRecord,
    sender: string,
    target: string,
    membership: Membership,
  ): void {
    const caller = membershipOf(room, sender);
    const current = membershipOf(room, target);
    if (membership !== "join") {
      // An invitee may reject the invite; any other change needs a sender in the room.
      if (caller === "invite" && membership === "leave" && target === sender) return;
      if (caller !== "join") throw forbidden(`${sender} not in room ${room.roomId}.`);
    }
    const power = powerOf(room, sender);
    const targetLevel = userPowerLevel(power.levels, power.creators, target);
    switch (membership) {
      case "invite":
        if (current === "ban") throw forbidden(`${target} is banned from the room`);
        if (current === "join") throw forbidden(`${target} is already in the room.`);
        if (power.level < invitePowerLevel(power.levels))
          throw forbidden("You don't have permission to invite users");
        return;
      case "join":
        if (sender !== target) throw forbidden("Cannot force another user to join.");
        if (current === "ban") throw forbidden("You are banned from this room");
        if (stringField(stateEvent(room, "m.room.join_rules"), "join_rule") === "public") return;
        if (caller !== "join" && caller !== "invite") throw forbidden("You are not invited to this room.");
        return;
      case "leave":
        if (current === "ban") {
          if (power.level < banPowerLevel(power.levels)) throw forbidden(`You cannot unban user ${target}.`);
        } else if (
          target !== sender &&
          (power.level < kickPowerLevel(power.levels) || power.level <= targetLevel)
        ) {
          throw forbidden(`You cannot kick user ${target}.`);
        }
        return;
      case "ban":
        if (power.level < banPowerLevel(power.levels)) throw forbidden("You don't have permission to ban");
        if (power.level <= targetLevel) throw forbidden("You don't have permission to ban this user");
        return;
    }
  }

  /**
   * An `m.room.member` event sent as a state event, routed as Synapse routes it: the state key
   * names the target and `content.membership` the change.
   */
  private sendMembership(
    room: RoomRecord,
    sender: string,
    draft: EventDraft,
    content: JsonContent,
  ): MatrixEvent {
    const target = draft.state_key;
    if (target === undefined)
      throw invalidParam("A membership event needs the target user's ID as its state key");
    if (!isValidUserId(target)) throw invalidParam(`Invalid user ID: ${String(target)}`);
    const membership = content["membership"];
    if (typeof membership !== "string")
      throw homeserverError(400, "M_UNKNOWN", "Invalid membership (must be a string)");
    if (membership === "knock") {
      const rule = stringField(stateEvent(room, "m.room.join_rules"), "join_rule");
      if (rule !== "knock" && rule !== "knock_restricted")
        throw forbidden("You don't have permission to knock");
      throw invalidParam("The in-memory world does not model knocking");
    }
    if (membership !== "join" && membership !== "invite" && membership !== "leave" && membership !== "ban") {
      throw homeserverError(400, "M_UNKNOWN", "Invalid membership key");
    }
    // Only the homeserver that checked a restricted join may name its authorising user.
    delete content["join_authorised_via_users_server"];
    if (membership === "invite") this.requireUser(target);
    if (membership === "join" && target === sender) this.requireUser(target);
    return this.changeMembership(room, sender, target, membership, content);
  }

  // -------------------------------------------------------------------------------------------
  // Timelines and state

  /**
   * Appends an event sent by `sender`, who must be joined. State events (with `state_key`) also
   * replace the room's current state for their type and state key. Membership changes go through
   * {@link join}, {@link invite} and {@link leave}, which enforce the membership rules.
   *
   * An `m.room.redaction` also redacts the event it names (`content.redacts`, or
   * {@link EventDraft.redacts}) as Synapse does in a room of version 11 or 12: the stored copy, and the
   * room's current state when it is a current state event, take the redacted form, with the
   * redaction in `unsigned.redacted_because`. Listeners get the redaction, not the redacted event
   * again. Senders may redact their own events; others' need the room's `redact` power level. An
   * event redacted already stays as its first redaction left it. With that level, a redaction of
   * an unknown event is stored and changes nothing else.
   * @returns a copy of the stored event.
   * @throws HomeserverError 404 for an unknown room, 403 `M_FORBIDDEN` when the sender is not
   * joined, 400 for a missing type, an `m.room.member` event or content that is not a JSON object,
   * 400 `M_UNKNOWN` for power levels of a version 12 room that list one of its creators in `users`.
   * For a redaction: 400 when it names no event or one of another room, 403 for the room's create
   * or server ACL event or another user's event without the `redact` level, 404 for an unknown
   * event without that level (Synapse's answers).
   */
  sendEvent(roomId: string, sender: string, draft: EventDraft): MatrixEvent {
    const room = this.requireRoom(roomId);
    if (typeof draft?.type !== "string" || draft.type === "")
      throw invalidParam("The event type must be a string");
    if (draft.state_key !== undefined && typeof draft.state_key !== "string") {
      throw invalidParam("The state key must be a string");
    }
    const content = copyJsonObject(draft.content, "Event content");
    const sticky = draft.msc4354_sticky;
    if (sticky !== undefined) {
      if (draft.state_key !== undefined) throw invalidParam("A state event cannot be sticky");
      if (!Number.isSafeInteger(sticky?.duration_ms) || sticky.duration_ms < 0) {
        throw invalidParam("The sticky duration must be a non-negative integer");
      }
    }
    if (draft.type === "m.room.member") return this.sendMembership(room, sender, draft, content);
    if (membershipOf(room, sender) !== "join") throw forbidden(`User ${sender} not in room ${roomId}`);
    const power = powerOf(room, sender);
    checkSendPower(power, sender, draft.type, draft.state_key);
    if (draft.type === "m.room.power_levels" && draft.state_key === "") {
      checkCreatorsUnlisted(power, content);
      const refusal = powerLevelsChangeError(power.levels, content, sender, power.level);
      if (refusal !== undefined) throw forbidden(refusal);
    }
    if (draft.type !== REDACTION) return this.append(room, sender, { ...draft, content });
    const redacts = redactionTarget(draft, content);
    const target = this.checkRedaction(room, power, sender, redacts);
    // Stored with `redacts` in both places, as Synapse serves a redaction in a version 11 or 12 room.
    return this.append(room, sender, { ...draft, content: { ...content, redacts }, redacts }, target);
  }

  /**
   * Synapse's checks of a redaction, made before anything is stored: the target (when the room
   * has it) is returned for {@link append} to redact.
   */
  private checkRedaction(
    room: RoomRecord,
    power: SenderPower,
    sender: string,
    redacts: string,
  ): MatrixEvent | undefined {
    const target = room.events.get(redacts);
    if (target === undefined && [...this.rooms.values()].some((other) => other.events.has(redacts))) {
      throw homeserverError(400, "M_UNKNOWN", "Cannot redact event from a different room");
    }
    // Refused whoever asks: the create event defines the room, and a redacted server ACL would
    // lift the room's bans on servers.
    if (target?.type === "m.room.create") throw forbidden("Redacting create events is not permitted");
    if (target?.type === "m.room.server_acl") throw forbidden("Redacting server ACL events is not permitted");
    if (power.level >= redactPowerLevel(power.levels)) return target;
    // A moderator may redact an event the server has not seen yet; anyone else must show it is theirs.
    if (target === undefined) throw notFound(`Could not find event ${redacts}`);
    if (target.sender !== sender) throw forbidden("You don't have permission to redact events");
    return target;
  }

  /**
   * The room's events that are sticky now (MSC4354): sent with a sticky duration that, capped at
   * {@link MAX_STICKY_DURATION_MS}, has not run out by the world's clock. Oldest first; empty for
   * an unknown room.
   */
  stickyEvents(roomId: string, options?: EventReadOptions): MatrixEvent[] {
    const room = this.rooms.get(roomId);
    if (room === undefined) return [];
    const now = this.present();
    return room.timeline
      .filter((event) => {
        const duration = event.msc4354_sticky?.duration_ms;
        return (
          duration !== undefined && event.origin_server_ts + Math.min(duration, MAX_STICKY_DURATION_MS) > now
        );
      })
      .map((event) => this.serve(room, event, now, options?.asUser));
  }

  /** The room's timeline, oldest first (empty for an unknown room). */
  timeline(roomId: string, options?: EventReadOptions): MatrixEvent[] {
    const room = this.rooms.get(roomId);
    if (room === undefined) return [];
    const now = this.present();
    return room.timeline.map((event) => this.serve(room, event, now, options?.asUser));
  }

  /**
   * The newest room (non-state) events of `type` in the room's timeline, newest first, at most
   * `limit`: only those with `msgtype` when given, and only those after the event `since` when
   * given. Empty for an unknown room.
   *
   * It walks back from the newest event and copies only what it returns, so a read of the last
   * few events costs the same in a room of a thousand events and in one of a hundred thousand
   * (when the type is common in the room); {@link timeline} copies the whole history.
   */
  recentEvents(
    roomId: string,
    query: { type: string; limit: number; msgtype?: string; since?: string } & EventReadOptions,
  ): MatrixEvent[] {
    const room = this.rooms.get(roomId);
    if (room === undefined) return [];
    const timeline = room.timeline;
    const found: MatrixEvent[] = [];
    for (let i = timeline.length - 1; i >= 0 && found.length < query.limit; i--) {
      const event = timeline[i]!;
      if (query.since !== undefined && event.event_id === query.since) break;
      if (event.state_key !== undefined || event.type !== query.type) continue;
      if (query.msgtype !== undefined && event.content["msgtype"] !== query.msgtype) continue;
      found.push(event);
    }
    const now = this.present();
    return found.map((event) => this.serve(room, event, now, query.asUser));
  }

  /** One event of the room, or `undefined`. */
  getEvent(roomId: string, eventId: string, options?: EventReadOptions): MatrixEvent | undefined {
    const room = this.rooms.get(roomId);
    const event = room?.events.get(eventId);
    return room === undefined || event === undefined
      ? undefined
      : this.serve(room, event, this.present(), options?.asUser);
  }

  /** The current state event of a type and state key, or `undefined`. */
  getStateEvent(roomId: string, type: string, stateKey = ""): MatrixEvent | undefined {
    const room = this.rooms.get(roomId);
    const event = room === undefined ? undefined : stateEvent(room, type, stateKey);
    return room === undefined || event === undefined ? undefined : this.serve(room, event, this.present());
  }

  /**
   * The current state events of a type, one per state key, in the order their keys first got
   * state (empty for an unknown room or type).
   */
  getStateEvents(roomId: string, type: string): MatrixEvent[] {
    const room = this.rooms.get(roomId);
    if (room === undefined) return [];
    const now = this.present();
    return [...(room.state.get(type)?.values() ?? [])].map((event) => this.serve(room, event, now));
  }

  /** The content of the current state event of a type and state key, or `undefined`. */
  getState(roomId: string, type: string, stateKey = ""): JsonContent | undefined {
    return this.getStateEvent(roomId, type, stateKey)?.content;
  }

  // -------------------------------------------------------------------------------------------
  // Account data

  /**
   * Sets a user's global account data of a type (replacing it whole) and notifies `accountData`
   * listeners. Server-managed types such as `m.push_rules` can be set too: the world is also the
   * server.
   * @throws HomeserverError 404 for an unknown user, 400 for an empty type or non-JSON content.
   */
  setAccountData(userId: string, type: string, content: JsonContent): void {
    this.requireUser(userId);
    requireType(type);
    const stored = copyJsonObject(content, "Account data");
    let byType = this.accountData.get(userId);
    if (byType === undefined) this.accountData.set(userId, (byType = new Map()));
    byType.set(type, stored);
    this.emit("accountData", { userId, type, content: stored });
  }

  /** A copy of the user's global account data of a type, or `undefined` when unset. */
  getAccountData(userId: string, type: string): JsonContent | undefined {
    const content = this.accountData.get(userId)?.get(type);
    return content === undefined ? undefined : copy(content);
  }

  /** The types of global account data the user has, in the order they were first set. */
  accountDataTypes(userId: string): string[] {
    return [...(this.accountData.get(userId)?.keys() ?? [])];
  }

  /**
   * Sets a user's account data for one room and notifies `roomAccountData` listeners. Room
   * account data never falls back to global account data, nor the reverse.
   * @throws HomeserverError 404 for an unknown user or room, 400 for an empty type or non-JSON
   * content.
   */
  setRoomAccountData(userId: string, roomId: string, type: string, content: JsonContent): void {
    this.requireUser(userId);
    this.requireRoom(roomId);
    requireType(type);
    const stored = copyJsonObject(content, "Account data");
    let byRoom = this.roomAccountData.get(userId);
    if (byRoom === undefined) this.roomAccountData.set(userId, (byRoom = new Map()));
    let byType = byRoom.get(roomId);
    if (byType === undefined) byRoom.set(roomId, (byType = new Map()));
    byType.set(type, stored);
    this.emit("roomAccountData", { userId, roomId, type, content: stored });
  }

  /** A copy of the user's account data of a type in a room, or `undefined` when unset. */
  getRoomAccountData(userId: string, roomId: string, type: string): JsonContent | undefined {
    const content = this.roomAccountData.get(userId)?.get(roomId)?.get(type);
    return content === undefined ? undefined : copy(content);
  }

  // -------------------------------------------------------------------------------------------
  // What the signed-in user is looking at

  /** The room the signed-in user is viewing, if any. Setting it is {@link view} without an event. */
  get viewedRoomId(): string | undefined {
    return this.viewed.roomId;
  }

  /**
   * Calls {@link view} with no event: clears any highlighted event and open profile.
   * @throws HomeserverError 404 for an unknown room.
   */
  set viewedRoomId(roomId: string | undefined) {
    this.view(roomId);
  }

  /** The event highlighted in the viewed room (after navigating to an event), if any. */
  get highlightedEventId(): string | undefined {
    return this.viewed.eventId;
  }

  /** The user whose profile the signed-in user opened by navigating to them, if any. */
  get viewedUserId(): string | undefined {
    return this.viewedUser;
  }

  /**
   * Shows a room (or none), optionally highlighting one of its events, and notifies `viewedRoom`
   * listeners when that changes anything. Viewing a room closes an open user profile.
   * @throws HomeserverError 404 for an unknown room, or an event the room does not have.
   */
  view(roomId: string | undefined, eventId?: string): void {
    if (roomId === undefined) {
      if (eventId !== undefined) throw invalidParam("An event can only be highlighted in a room");
    } else {
      const room = this.requireRoom(roomId);
      if (eventId !== undefined && !room.events.has(eventId)) throw notFound("Event not found.");
    }
    this.viewUser(undefined);
    const previousRoomId = this.viewed.roomId;
    if (previousRoomId === roomId && this.viewed.eventId === eventId) return;
    this.viewed = { roomId, eventId };
    this.emit("viewedRoom", { roomId, eventId, previousRoomId });
  }

  /**
   * Opens a user's profile (or closes it with `undefined`) without changing the viewed room, and
   * notifies `viewedUser` listeners when that changes anything.
   * @throws HomeserverError 404 for an unknown user.
   */
  viewUser(userId: string | undefined): void {
    if (userId !== undefined) this.requireUser(userId);
    if (this.viewedUser === userId) return;
    this.viewedUser = userId;
    this.emit("viewedUser", { userId });
  }

  // -------------------------------------------------------------------------------------------
  // Whole-world views

  /** A deep-copied dump of everything in the world, in insertion order. */
  snapshot(): WorldSnapshot {
    const accountData: WorldSnapshot["accountData"] = [];
    for (const [userId, byType] of this.accountData) {
      for (const [type, content] of byType) accountData.push({ userId, type, content });
    }
    const roomAccountData: WorldSnapshot["roomAccountData"] = [];
    for (const [userId, byRoom] of this.roomAccountData) {
      for (const [roomId, byType] of byRoom) {
        for (const [type, content] of byType) roomAccountData.push({ userId, roomId, type, content });
      }
    }
    return copy({
      ownUserId: this.ownUserId,
      serverName: this.serverName,
      viewedRoomId: this.viewed.roomId,
      highlightedEventId: this.viewed.eventId,
      viewedUserId: this.viewedUser,
      users: [...this.users.values()],
      aliases: [...this.aliases].map(([alias, roomId]) => ({ alias, roomId })),
      rooms: [...this.rooms.values()].map((room) => ({ roomId: room.roomId, timeline: room.timeline })),
      accountData,
      roomAccountData,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private append(
    room: RoomRecord,
    sender: string,
    draft: EventDraft,
    redacted?: MatrixEvent,
    eventId?: string,
  ): MatrixEvent {
    // The number is taken even when the ID is given, so later events get the same IDs in rooms of
    // either version.
    const numbered = `$e${this.nextEventNumber++}`;
    const event: MatrixEvent = {
      event_id: eventId ?? numbered,
      room_id: room.roomId,
      sender,
      type: draft.type,
      content: copy(draft.content),
      origin_server_ts: this.now(),
    };
    if (draft.state_key !== undefined) event.state_key = draft.state_key;
    if (draft.msc4354_sticky !== undefined)
      event.msc4354_sticky = { duration_ms: draft.msc4354_sticky.duration_ms };
    if (event.type === REDACTION && draft.redacts !== undefined) event.redacts = draft.redacts;
    const previous = event.type === "m.room.member" ? membershipOf(room, draft.state_key ?? "") : undefined;
    if (event.state_key !== undefined) {
      // Kept with the event, as Synapse keeps it; `prev_content` is looked up when it is read.
      const replaced = stateEvent(room, event.type, event.state_key);
      if (replaced !== undefined) event.unsigned = { replaces_state: replaced.event_id };
    }
    room.timeline.push(event);
    room.events.set(event.event_id, event);
    const position = room.timeline.length - 1;
    room.positions.set(event.event_id, position);
    const setMembership =
      event.type === "m.room.member" ? asMembership(event.content["membership"]) : undefined;
    if (setMembership !== undefined && event.state_key !== undefined) {
      let history = room.memberships.get(event.state_key);
      if (history === undefined) room.memberships.set(event.state_key, (history = []));
      history.push({ position, membership: setMembership });
    }
    if (event.state_key !== undefined) {
      let byKey = room.state.get(event.type);
      if (byKey === undefined) room.state.set(event.type, (byKey = new Map()));
      byKey.set(event.state_key, event);
      // MSC4140 as Synapse has it: a change of state cancels other users' delayed events that
      // would have overwritten it. Done before listeners run, so they see it already gone.
      this.delayedEvents.cancelOverwrittenState(room.roomId, event.type, event.state_key, sender);
    }
    // Redacted before anyone hears of the redaction, so a listener that reads the room then sees
    // what a client syncing from Synapse would. The first redaction of an event is the one kept.
    if (redacted !== undefined && redacted.unsigned?.redacted_because === undefined) {
      replaceInPlace(redacted, redactEvent(redacted, event));
    }
    // Served as just sent (age 0), without reading the clock again: a clock of the caller's that
    // steps on every reading would otherwise move twice per event.
    const served = this.serve(room, event, event.origin_server_ts);
    this.emit("event", served);
    if (event.state_key !== undefined) this.emit("state", served);
    if (event.type === "m.room.member" && event.state_key !== undefined) {
      const membership = membershipOf(room, event.state_key);
      if (membership !== undefined) {
        this.emit("membership", {
          roomId: room.roomId,
          userId: event.state_key,
          membership,
          previous,
          event: served,
        });
      }
    }
    return served;
  }

  /** The world's time now, for what depends on it, read without moving a stepping clock. */
  private present(): number {
    const clock = this.now as Partial<PeekableClock>;
    return typeof clock.peek === "function" ? clock.peek() : this.now();
  }

  /**
   * A copy of a stored event as Synapse serves it to a client at `now`: `unsigned` gets the
   * event's `age` and, on a state event that replaced other state, the replaced event's content
   * and sender as they are now (redacted, if that event was redacted since). An embedded
   * `redacted_because` gets its own `age`. With `asUser`, the event gets `membership`, that
   * user's membership right after it (MSC4115); the embedded redaction does not, as on Synapse.
   */
  private serve(room: RoomRecord, event: MatrixEvent, now: number, asUser?: string): MatrixEvent {
    const served = copy(event);
    const unsigned: EventUnsigned = { ...served.unsigned, age: ageAt(event, now) };
    if (asUser !== undefined) {
      const position = room.positions.get(event.event_id) ?? room.timeline.length - 1;
      unsigned.membership = membershipAfter(room, asUser, position);
    }
    const replaced =
      unsigned.replaces_state === undefined ? undefined : room.events.get(unsigned.replaces_state);
    if (replaced !== undefined) {
      unsigned.prev_content = copy(replaced.content);
      unsigned.prev_sender = replaced.sender;
    }
    const because = unsigned.redacted_because;
    if (because !== undefined) because.unsigned = { ...because.unsigned, age: ageAt(because, now) };
    served.unsigned = unsigned;
    return served;
  }

  private membersOf(room: RoomRecord, membership: Membership): string[] {
    const members: string[] = [];
    for (const [userId, event] of room.state.get("m.room.member") ?? []) {
      if (event.content["membership"] === membership) members.push(userId);
    }
    return members;
  }

  private isPublicRoom(room: RoomRecord): boolean {
    return (
      stringField(stateEvent(room, "m.room.join_rules"), "join_rule") === "public" ||
      stringField(stateEvent(room, "m.room.history_visibility"), "history_visibility") === "world_readable"
    );
  }

  private generateRoomId(version: RoomVersion): string {
    let roomId: string;
    do {
      const number = this.nextRoomNumber++;
      roomId =
        version === "12"
          ? `!${fakeReferenceHash(`${this.serverName} room ${number}`)}`
          : `!r${number}:${this.serverName}`;
    } while (this.rooms.has(roomId));
    return roomId;
  }

  private fullAlias(alias: string): string {
    const full = typeof alias === "string" && !alias.startsWith("#") ? `#${alias}:${this.serverName}` : alias;
    if (!isValidRoomAlias(full)) throw invalidParam(`Invalid room alias: ${String(alias)}`);
    return full;
  }

  private requireUser(userId: string): WorldUser {
    const user = this.users.get(userId);
    if (user === undefined) throw notFound(`Unknown user ${String(userId)}`);
    return user;
  }

  private requireRoom(roomId: string): RoomRecord {
    const room = this.rooms.get(roomId);
    if (room === undefined) throw notFound(`Unknown room ${String(roomId)}`);
    return room;
  }
}

/** How long before `now` the event was sent; never negative, whatever a test's clock does. */
function ageAt(event: MatrixEvent, now: number): number {
  return Math.max(0, now - event.origin_server_ts);
}

function memberContent(membership: Membership, user: WorldUser | undefined, isDirect = false): JsonContent {
  const content: JsonContent = { membership };
  if (user?.displayName !== undefined) content["displayname"] = user.displayName;
  if (user?.avatarUrl !== undefined) content["avatar_url"] = user.avatarUrl;
  if (isDirect) content["is_direct"] = true;
  return content;
}

function membershipOf(room: RoomRecord, userId: string): Membership | undefined {
  return asMembership(room.state.get("m.room.member")?.get(userId)?.content["membership"]);
}

function asMembership(value: unknown): Membership | undefined {
  return value === "join" || value === "invite" || value === "leave" || value === "ban" ? value : undefined;
}

/** The user's membership in the room's state right after the event at `position`; `leave` when none. */
function membershipAfter(room: RoomRecord, userId: string, position: number): Membership {
  const history = room.memberships.get(userId);
  if (history === undefined) return "leave";
  // The last membership event at or before `position`: a binary search, so a long timeline costs little.
  let low = 0;
  let high = history.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (history[middle]!.position <= position) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? "leave" : history[low - 1]!.membership;
}

/** What Synapse answers when a banned user's membership would change other than by ban, unban or leave. */
function bannedError(action: string): HomeserverError {
  return homeserverError(403, "M_BAD_STATE", `Cannot ${action} user who was banned`);
}

/** Whether two JSON values are equal, member by member (key order aside). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every(
    (key) =>
      Object.hasOwn(b, key) &&
      sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

/** The room's power levels and creators, and the level they give the sender. */
interface SenderPower {
  readonly levels: JsonContent | undefined;
  readonly creators: RoomCreators;
  readonly level: number;
}

function powerOf(room: RoomRecord, sender: string): SenderPower {
  const levels = stateEvent(room, "m.room.power_levels")?.content;
  const creators = roomCreators(stateEvent(room, "m.room.create"));
  return { levels, creators, level: userPowerLevel(levels, creators, sender) };
}

/**
 * Room version 12 keeps the creators out of the power levels' `users`, so no power levels can
 * demote (or promote) a creator. Synapse answers 400, after the check of the sender's level.
 */
function checkCreatorsUnlisted(power: SenderPower, content: JsonContent): void {
  const refusal = creatorListingError(content, power.creators);
  if (refusal !== undefined) throw homeserverError(400, "M_UNKNOWN", refusal);
}

/**
 * The authorisation rule for sending (room versions 11 and 12): the sender's power level must reach the
 * level the room's power levels give the event type (`events`), else `state_default` for a state
 * event or `events_default` for any other. A state key that is a user ID other than the sender's
 * is refused too, whatever the level.
 */
function checkSendPower(
  power: SenderPower,
  sender: string,
  type: string,
  stateKey: string | undefined,
): void {
  const required = sendPowerLevel(power.levels, type, stateKey !== undefined);
  if (power.level < required) {
    throw forbidden(
      `You don't have permission to post that to the room. user_level (${power.level}) < send_level (${required})`,
    );
  }
  if (stateKey !== undefined && stateKey.startsWith("@") && stateKey !== sender) {
    throw forbidden("You are not allowed to set others state");
  }
}

/**
 * The ID a redaction names: `content.redacts` (room version 11) or else the top-level `redacts`.
 * @throws HomeserverError 400 when neither is a non-empty string.
 */
function redactionTarget(draft: EventDraft, content: JsonContent): string {
  const redacts = Object.hasOwn(content, "redacts") ? content["redacts"] : draft.redacts;
  if (typeof redacts !== "string" || redacts === "") {
    throw invalidParam("A redaction must name the event it redacts in content.redacts");
  }
  return redacts;
}

/**
 * Gives a stored event another form without replacing the object: the timeline, the event index
 * and the room's current state all hold that one object, so all three show the change.
 */
function replaceInPlace(stored: MatrixEvent, next: MatrixEvent): void {
  for (const key of Object.keys(stored)) delete (stored as unknown as Record<string, unknown>)[key];
  Object.assign(stored, next);
}

function stateEvent(room: RoomRecord, type: string, stateKey = ""): MatrixEvent | undefined {
  return room.state.get(type)?.get(stateKey);
}

function stringField(event: MatrixEvent | undefined, field: string): string | undefined {
  const value = event?.content[field];
  return typeof value === "string" ? value : undefined;
}

function requireType(type: string): void {
  if (typeof type !== "string" || type === "")
    throw invalidParam("The account data type must be a non-empty string");
}
