/**
 * A {@link WidgetDriver} over a {@link MatrixWorld}: the host's view of a Matrix client, answered
 * from memory, with a call log, injectable faults and optional artificial latency for tests.
 */

import type {
  AccountDataListener,
  DelayedLeaveDelegation,
  DirectorySearchResult,
  LivekitTokenRequest,
  OpenIdCredentials,
  ReadEventsQuery,
  ReadRelationsQuery,
  RelationsPage,
  RoomEvent,
  RtcTransport,
  SendEventOptions,
  SentEvent,
  Unsubscribe,
  UserProfile,
  WidgetDriver,
} from "../../host/driver.js";
import { ConfigErrorCode, WidgetKitConfigError } from "../../core/config-error.js";
import { isValidUserId } from "../../matrix/identifiers.js";
import type { NavigationTarget } from "../../matrix/links.js";
import {
  copy,
  copyJsonObject,
  forbidden,
  homeserverError,
  invalidParam,
  notFound,
  type JsonContent,
} from "./json.js";
import type { EventDraft, MatrixEvent, MatrixWorld, Membership } from "./world.js";

/** Names of the driver operations that {@link MemoryDriver.failNext} can make fail. */
export type MemoryDriverOperation = keyof WidgetDriver | "resolveNavigationTarget" | "joinRoom";

/** One entry of {@link MemoryDriver.calls}: a {@link WidgetDriver} operation and a copy of its arguments. */
export interface DriverCall {
  /** The name of the {@link WidgetDriver} method that was called, e.g. `sendEvent`. */
  op: string;
  /** Its arguments, deep-copied at the call; functions (listeners) and uncopyable values are kept as is. */
  args: unknown[];
}

/** A failure queued for the next call of an operation. */
export interface InjectedFailure {
  /** The operation whose next call fails. Any other string is accepted but never matches a call. */
  operation: MemoryDriverOperation | (string & {});
  /** What that call throws, or rejects with for an asynchronous operation. */
  error: Error;
}

/** Options of the {@link MemoryDriver} constructor. */
export interface MemoryDriverOptions {
  /** Delay, in milliseconds, before every asynchronous operation settles. Defaults to 0. */
  latencyMs?: number;
  /** Failures queued up front, as if passed to {@link MemoryDriver.failNext} in this order. */
  failures?: readonly InjectedFailure[];
  /** The signed-in device's ID. Defaults to `MEMORYDEVICE`. */
  deviceId?: string;
  /** Whether {@link MemoryDriver.requestOpenId} hands out (fake) credentials. Defaults to `true`. */
  grantOpenId?: boolean;
}

/** Most related events {@link MemoryDriver.readEventRelations} returns per page without a `limit`. */
const DEFAULT_RELATIONS_LIMIT = 50;

/**
 * Where a navigation target leads, as {@link MemoryDriver.resolveNavigationTarget} reports it
 * before anything is shown: a room (with the signed-in user's membership, so a host can ask
 * "join or preview?") or a user (with an existing direct-message room, when there is one).
 */
export type ResolvedNavigationTarget =
  | {
      kind: "room";
      roomId: string;
      /** Whether the signed-in user is joined to the room. */
      joined: boolean;
      /** The signed-in user's membership, `undefined` when they never had one. */
      membership: Membership | undefined;
      /** The event to highlight, for event links. */
      eventId?: string;
    }
  | {
      kind: "user";
      userId: string;
      /** A direct-message room with the user that the signed-in user is joined to, if any. */
      directRoomId?: string;
    };

/**
 * The in-memory driver. Every operation acts as {@link MatrixWorld.ownUserId} and throws
 * {@link "matrix-widget-kit/host"!HomeserverError | HomeserverError} where a homeserver would answer with an error.
 *
 * For tests: {@link calls} records the {@link WidgetDriver} operations (so a test can assert that
 * none happened; the host's own feed subscription is in {@link subscriptions}), {@link failNext} makes the next call of an operation fail with a given error,
 * and {@link latencyMs} delays every asynchronous operation.
 */
export class MemoryDriver implements WidgetDriver {
  /**
   * Every {@link WidgetDriver} operation called so far, oldest first, with copies of its
   * arguments, except the host's own room-event feed subscription (see {@link subscriptions}): a
   * test that asserts "the widget's request caused exactly these calls" is not thrown off by it.
   */
  readonly calls: DriverCall[] = [];
  /**
   * The `watchRoomEvents` subscriptions, oldest first. The host opens one by itself whenever a
   * session starts (it feeds room events to the widget), not because the widget asked for
   * anything, so it is kept out of {@link calls}. `watchAccountData` stays in `calls`: the host
   * calls it only when a widget asks to watch account data.
   */
  readonly subscriptions: DriverCall[] = [];

  /** The signed-in device's ID. */
  readonly deviceId: string;
  /** Whether {@link requestOpenId} hands out credentials; `false` acts as if the user refused. */
  grantOpenId: boolean;

  private latency = 0;
  private readonly failures = new Map<string, Error[]>();
  private openIdTokens = 0;

  constructor(
    /** The world the driver reads and changes. */
    readonly world: MatrixWorld,
    options: MemoryDriverOptions = {},
  ) {
    this.deviceId = options.deviceId ?? "MEMORYDEVICE";
    this.grantOpenId = options.grantOpenId ?? true;
    this.latencyMs = options.latencyMs ?? 0;
    for (const { operation, error } of options.failures ?? []) this.failNext(operation, error);
  }

  /** Delay before every asynchronous operation settles, in milliseconds (0: next microtask). */
  get latencyMs(): number {
    return this.latency;
  }

  /**
   * Sets the delay for operations that start from now on.
   * @throws WidgetKitConfigError `invalid_option` for a negative or non-finite value.
   */
  set latencyMs(value: number) {
    if (!Number.isFinite(value) || value < 0) {
      throw new WidgetKitConfigError("latencyMs must be a finite number >= 0", ConfigErrorCode.InvalidOption);
    }
    this.latency = value;
  }

  /**
   * Makes the next call of `operation` fail with `error` (by default a `500 M_UNKNOWN`
   * {@link "matrix-widget-kit/host"!HomeserverError | HomeserverError}). Calls queue: two `failNext` make the next two calls fail. The failure
   * is taken when the call starts and thrown after the latency; a failed call changes nothing.
   * `watchAccountData` throws synchronously.
   */
  failNext(operation: MemoryDriverOperation | (string & {}), error?: Error): void {
    const queue = this.failures.get(operation) ?? [];
    queue.push(error ?? homeserverError(500, "M_UNKNOWN", "Injected failure"));
    this.failures.set(operation, queue);
  }

  /** Drops every queued failure. */
  clearFailures(): void {
    this.failures.clear();
  }

  /** Searches the directory as the signed-in user; see {@link MatrixWorld.searchUserDirectory}. */
  searchUserDirectory(searchTerm: string, limit: number | undefined): Promise<DirectorySearchResult> {
    return this.perform("searchUserDirectory", [searchTerm, limit], () =>
      this.world.searchUserDirectory(this.world.ownUserId, searchTerm, limit),
    );
  }

  /**
   * A user's global profile.
   * @throws HomeserverError 404 `M_NOT_FOUND` "Profile not found" for users the world does not know.
   */
  getProfile(userId: string): Promise<UserProfile> {
    return this.perform("getProfile", [userId], () => {
      const user = this.world.getProfile(userId);
      if (user === undefined) throw notFound("Profile not found");
      const profile: UserProfile = {};
      if (user.displayName !== undefined) profile.displayName = user.displayName;
      if (user.avatarUrl !== undefined) profile.avatarUrl = user.avatarUrl;
      return profile;
    });
  }

  /**
   * A copy of the signed-in user's global account data of a type, or `undefined` when unset. No
   * type is filtered here: keeping secrets from widgets is the host's job.
   */
  readAccountData(type: string): Promise<Record<string, unknown> | undefined> {
    return this.perform("readAccountData", [type], () =>
      this.world.getAccountData(this.world.ownUserId, type),
    );
  }

  /** Calls `listener` on every change of the signed-in user's global account data, until stopped. */
  watchAccountData(listener: AccountDataListener): () => void {
    this.record("watchAccountData", [listener]);
    const failure = this.takeFailure("watchAccountData");
    if (failure !== undefined) throw failure;
    const own = this.world.ownUserId;
    return this.world.on("accountData", ({ userId, type, content }) => {
      if (userId === own) listener(type, content);
    });
  }

  /**
   * Shows the target, after {@link resolveNavigationTarget} (whose errors it throws):
   * - room: becomes the viewed room, whatever the membership (a client shows a preview or a join
   *   prompt; `action: "join"` does not join, use {@link joinRoom} after asking the user);
   * - event: its room becomes the viewed room and the event {@link MatrixWorld.highlightedEventId};
   * - user: with `action: "chat"` and an existing direct-message room, that room is viewed;
   *   otherwise the user's profile is opened ({@link MatrixWorld.viewedUserId}). No room is ever
   *   created by navigation.
   */
  navigate(target: NavigationTarget): Promise<void> {
    return this.perform("navigate", [target], () => {
      const resolved = this.resolve(target);
      if (resolved.kind === "room") {
        this.world.view(resolved.roomId, resolved.eventId);
      } else if (target.type === "user" && target.action === "chat" && resolved.directRoomId !== undefined) {
        this.world.view(resolved.directRoomId);
      } else {
        this.world.viewUser(resolved.userId);
      }
    });
  }

  /**
   * Invites users into a room as the signed-in user. Duplicates are ignored, and users who are
   * already invited are left as they are. Every user is checked before anyone is invited, so a
   * failed call invites nobody.
   * @throws HomeserverError 404 for an unknown room or user, 403 `M_FORBIDDEN` when the signed-in
   * user is not joined, is below the room's `invite` power level (50 in a public room), or a user
   * is already in the room, 400 for an invalid user ID.
   */
  inviteUsers(roomId: string, userIds: readonly string[]): Promise<void> {
    return this.perform("inviteUsers", [roomId, userIds], () => {
      const own = this.world.ownUserId;
      if (!this.world.hasRoom(roomId)) throw notFound(`Unknown room ${roomId}`);
      if (this.world.membership(roomId, own) !== "join") throw forbidden(`${own} not in room ${roomId}.`);
      const unique = [...new Set(userIds)];
      for (const userId of unique) this.world.checkInvite(roomId, own, userId);
      for (const userId of unique) this.world.invite(roomId, own, userId);
    });
  }

  /**
   * Creates a new private room (preset `trusted_private_chat`, so the invitees are as powerful as
   * the creator: additional creators of the version 12 room) with the users invited as direct
   * (`is_direct`), and lists it under each of them in the signed-in user's `m.direct`, keeping what was there. An existing direct
   * room is never reused. The signed-in user and duplicates are dropped from the list.
   * @throws HomeserverError 400 when no other user remains or a user ID is invalid, 404 for an
   * unknown user (nothing is created then).
   */
  createDirectMessage(userIds: readonly string[]): Promise<{ roomId: string }> {
    return this.perform("createDirectMessage", [userIds], () => {
      const own = this.world.ownUserId;
      const others = [...new Set(userIds)].filter((userId) => userId !== own);
      if (others.length === 0) throw invalidParam("No other user to start a direct message with");
      for (const userId of others) {
        if (!isValidUserId(userId)) throw invalidParam(`Invalid user ID: ${String(userId)}`);
      }
      // The preset clients use for direct messages, which makes the invitees creators too.
      const roomId = this.world.createRoom({
        creator: own,
        isDirect: true,
        preset: "trusted_private_chat",
        invite: others,
      });
      const direct: JsonContent = this.world.getAccountData(own, "m.direct") ?? {};
      for (const userId of others) {
        // User IDs start with "@", so they can never be "__proto__" or another special key.
        const existing = Object.hasOwn(direct, userId) ? direct[userId] : undefined;
        const rooms = Array.isArray(existing) ? existing : [];
        if (!rooms.includes(roomId)) rooms.push(roomId);
        direct[userId] = rooms;
      }
      this.world.setAccountData(own, "m.direct", direct);
      return { roomId };
    });
  }

  /**
   * Says where a target leads without showing it, so a host can ask before navigating (e.g.
   * "You are not in this room: join or preview?"). Not recorded in {@link calls}.
   * @throws HomeserverError 404 `M_NOT_FOUND` for an unknown alias, room, event or user.
   */
  resolveNavigationTarget(target: NavigationTarget): Promise<ResolvedNavigationTarget> {
    return this.perform("resolveNavigationTarget", undefined, () => this.resolve(target));
  }

  /**
   * Joins the signed-in user to a room by ID or alias, e.g. after the user confirmed a join
   * prompt. Not recorded in {@link calls}.
   * @returns the room ID.
   * @throws HomeserverError 404 for an unknown alias or room, 403 when the room is not public and
   * the user is not invited.
   */
  joinRoom(roomIdOrAlias: string): Promise<{ roomId: string }> {
    return this.perform("joinRoom", undefined, () => {
      const roomId = this.roomIdOf(roomIdOrAlias);
      this.world.join(roomId, this.world.ownUserId);
      return { roomId };
    });
  }

  /** The signed-in user: {@link MatrixWorld.ownUserId}. */
  get userId(): string {
    return this.world.ownUserId;
  }

  // ---- events and the rest ------------------------------------------------------------------

  /**
   * Sends a room or state event as the signed-in user, through {@link MatrixWorld.sendEvent}. A
   * delayed event (MSC4140) is scheduled in {@link MatrixWorld.delayedEvents} and answered with its
   * delay ID; a sticky event (MSC4354) carries `msc4354_sticky`. An `m.room.redaction` with
   * `content.redacts`, as widgets send it, redacts that event (see {@link MatrixWorld.sendEvent}); an
   * `m.room.member` state event changes the membership its state key names (a kick, ban, unban,
   * invite or the user's own join or leave), under the homeserver's rules.
   * @throws HomeserverError what {@link MatrixWorld.sendEvent} throws (404 unknown room, 403 not
   * joined, below the level the change needs, or not allowed to redact, 400 for non-JSON content or
   * a sticky state event); for delayed events, the room checks up front and 400 for a delay outside 0…24 h, 404
   * for an unknown parent.
   */
  sendEvent(
    eventType: string,
    content: Record<string, unknown>,
    options: SendEventOptions,
  ): Promise<SentEvent> {
    return this.perform("sendEvent", [eventType, content, options], () => {
      const draft: EventDraft = {
        type: eventType,
        content: copyJsonObject(content, "Event content"),
        ...(options.stateKey !== undefined ? { state_key: options.stateKey } : {}),
        ...(options.stickyDurationMs !== undefined
          ? { msc4354_sticky: { duration_ms: options.stickyDurationMs } }
          : {}),
      };
      if (options.delayMs !== undefined || options.parentDelayId !== undefined) {
        // A homeserver refuses a delayed event it could never send: check the room now.
        this.requireJoined(options.roomId);
        const delayId = this.world.delayedEvents.schedule(options.roomId, this.world.ownUserId, draft, {
          ...(options.delayMs !== undefined ? { delayMs: options.delayMs } : {}),
          ...(options.parentDelayId !== undefined ? { parentDelayId: options.parentDelayId } : {}),
        });
        return { roomId: options.roomId, delayId };
      }
      const event = this.world.sendEvent(options.roomId, this.world.ownUserId, draft);
      return { roomId: event.room_id, eventId: event.event_id };
    });
  }

  /**
   * Cancels, restarts or sends now one of the signed-in user's delayed events (MSC4140).
   * @throws HomeserverError 404 `M_NOT_FOUND` for an unknown delay ID; what sending throws.
   */
  updateDelayedEvent(delayId: string, action: "cancel" | "restart" | "send"): Promise<void> {
    return this.perform("updateDelayedEvent", [delayId, action], () => {
      this.world.delayedEvents.update(this.world.ownUserId, delayId, action);
    });
  }

  /** The room's currently sticky events (MSC4354), oldest first; empty for a room the user is not in. */
  readStickyEvents(roomId: string): Promise<RoomEvent[]> {
    return this.perform("readStickyEvents", [roomId], () =>
      this.isJoined(roomId) ? this.world.stickyEvents(roomId) : [],
    );
  }

  /** The world's MatrixRTC transports ({@link MatrixWorldOptions.rtcTransports}); empty when none. */
  getRtcTransports(): Promise<RtcTransport[]> {
    return this.perform("getRtcTransports", [], () => this.world.rtcTransports);
  }

  /**
   * A stand-in LiveKit JWT (MSC4533), checked as a homeserver would (MSC4195): the room must be
   * one the user is joined to, the SFU one of the world's LiveKit transports, and the server the
   * world's own (federation is not simulated). The token is an unsigned JWT (`alg: none`) whose
   * claims name the user, device, room, slot and member, so a test can read what it was for. No
   * SFU accepts it.
   * @throws HomeserverError 403 when not joined, 400 `M_INVALID_PARAM` for another server or an
   * unknown SFU, 404 for an unknown room.
   */
  getLivekitToken(request: LivekitTokenRequest): Promise<{ jwt: string }> {
    return this.perform("getLivekitToken", [request], () => {
      if (request.serverName !== this.world.serverName) {
        throw homeserverError(400, "M_INVALID_PARAM", "Only the world's own server issues tokens");
      }
      this.requireJoined(request.roomId);
      this.requireSfu(request.url);
      const claims: Record<string, unknown> = {
        iss: this.world.serverName,
        sub: `${this.world.ownUserId}:${this.deviceId}`,
        room_id: request.roomId,
        slot_id: request.slotId,
        member_id: request.member.id,
        url: request.url,
        exp: Math.floor(Date.now() / 1000) + 3600,
      };
      if (request.member.claimedDeviceId !== undefined)
        claims["claimed_device_id"] = request.member.claimedDeviceId;
      return { jwt: `${base64Url({ alg: "none", typ: "JWT" })}.${base64Url(claims)}.` };
    });
  }

  /**
   * Hands a delayed leave event to the world's homeserver (MSC4533 over MSC4195): its timer stops
   * and it is sent when `world.delayedEvents.dropRtcConnection(userId)` reports the SFU connection
   * gone.
   * @throws HomeserverError 404 for an unknown delay ID or room, 403 when not joined, 400
   * `M_BAD_JSON` for a delay under an hour, 400 `M_INVALID_PARAM` for an unknown SFU `url`.
   */
  delegateDelayedLeave(request: DelayedLeaveDelegation): Promise<void> {
    return this.perform("delegateDelayedLeave", [request], () => {
      this.requireJoined(request.roomId);
      if (request.url !== undefined) this.requireSfu(request.url);
      this.world.delayedEvents.delegate(this.world.ownUserId, request.delayId);
    });
  }

  /**
   * Recent events of a type from the room's timeline, newest first: room events only (state is
   * read with {@link readStateEvents}), only `msgtype` when given, only events after `since` when
   * given, at most `limit`. A room the signed-in user has not joined reads as empty. Each event
   * carries `unsigned.membership`, the signed-in user's membership right after it, as Synapse
   * serves timeline events (MSC4115).
   */
  readRoomEvents(query: ReadEventsQuery): Promise<RoomEvent[]> {
    return this.perform("readRoomEvents", [query], () => {
      if (!this.isJoined(query.roomId) || query.limit <= 0) return [];
      // Walks back from the newest event and copies only the events returned: O(limit) when the
      // type is common, never a copy of the room's whole history.
      return this.world.recentEvents(query.roomId, {
        type: query.eventType,
        limit: query.limit,
        msgtype: query.msgtype,
        since: query.since,
        asUser: this.world.ownUserId,
      });
    });
  }

  /**
   * The room's current state events of a type (`stateKey` undefined: every key). A room the
   * signed-in user has not joined reads as empty.
   */
  readStateEvents(roomId: string, eventType: string, stateKey: string | undefined): Promise<RoomEvent[]> {
    return this.perform("readStateEvents", [roomId, eventType, stateKey], () => {
      if (!this.isJoined(roomId)) return [];
      if (stateKey === undefined) return this.world.getStateEvents(roomId, eventType);
      const event = this.world.getStateEvent(roomId, eventType, stateKey);
      return event === undefined ? [] : [event];
    });
  }

  /**
   * Events whose `m.relates_to.event_id` names the event, filtered by relation and event type,
   * newest first (`direction: "b"`, the default) or oldest first. Pages are `limit` long (default
   * 50); `nextBatch` is the token of the next page, for `from`. Each carries
   * `unsigned.membership`, as {@link readRoomEvents}.
   * @throws HomeserverError 404 for an unknown room or event, 403 when the signed-in user is not
   * joined, 400 for a malformed `from` or `to` token.
   */
  readEventRelations(query: ReadRelationsQuery): Promise<RelationsPage> {
    return this.perform("readEventRelations", [query], () => {
      if (!this.world.hasRoom(query.roomId)) throw notFound(`Unknown room ${query.roomId}`);
      if (!this.isJoined(query.roomId))
        throw forbidden(`${this.world.ownUserId} not in room ${query.roomId}.`);
      if (this.world.getEvent(query.roomId, query.eventId) === undefined) throw notFound("Event not found.");
      const related = this.world.timeline(query.roomId, { asUser: this.world.ownUserId }).filter((event) => {
        const relation = event.content["m.relates_to"];
        if (typeof relation !== "object" || relation === null || Array.isArray(relation)) return false;
        const { event_id: target, rel_type: relType } = relation as Record<string, unknown>;
        return (
          target === query.eventId &&
          (query.relationType === undefined || relType === query.relationType) &&
          (query.eventType === undefined || event.type === query.eventType)
        );
      });
      if ((query.direction ?? "b") === "b") related.reverse();
      const start = pageToken(query.from, 0);
      const end = Math.min(pageToken(query.to, related.length), related.length);
      const limit = query.limit === undefined ? DEFAULT_RELATIONS_LIMIT : Math.max(0, query.limit);
      const stop = Math.min(start + limit, end);
      const page: RelationsPage = { chunk: related.slice(start, stop) };
      if (stop < end) page.nextBatch = String(stop);
      if (start > 0) page.prevBatch = String(start);
      return page;
    });
  }

  /** The rooms the signed-in user is joined to, then those they are invited to. */
  getKnownRooms(): readonly string[] {
    this.record("getKnownRooms", []);
    const failure = this.takeFailure("getKnownRooms");
    if (failure !== undefined) throw failure;
    const own = this.world.ownUserId;
    return [...this.world.roomsOf(own, "join"), ...this.world.roomsOf(own, "invite")];
  }

  /** Fake OpenID credentials for the world's server, or `undefined` when {@link grantOpenId} is off. */
  requestOpenId(): Promise<OpenIdCredentials | undefined> {
    return this.perform("requestOpenId", [], () => {
      if (!this.grantOpenId) return undefined;
      return {
        access_token: `memory-openid-${++this.openIdTokens}`,
        expires_in: 3600,
        matrix_server_name: this.world.serverName,
        token_type: "Bearer",
      };
    });
  }

  /** A copy of the signed-in user's account data of a type in a room, or `undefined` when unset. */
  readRoomAccountData(roomId: string, type: string): Promise<Record<string, unknown> | undefined> {
    return this.perform("readRoomAccountData", [roomId, type], () =>
      this.world.getRoomAccountData(this.world.ownUserId, roomId, type),
    );
  }

  /**
   * Calls `listener` for every event appended in a room the signed-in user is joined to (after
   * the event), and for the user's own membership changes anywhere (e.g. an invite, a kick), until
   * stopped. Each event carries `unsigned.membership`, as {@link readRoomEvents}.
   */
  watchRoomEvents(listener: (event: RoomEvent) => void): Unsubscribe {
    this.subscriptions.push({ op: "watchRoomEvents", args: [listener] });
    const failure = this.takeFailure("watchRoomEvents");
    if (failure !== undefined) throw failure;
    const own = this.world.ownUserId;
    return this.world.on("event", (event: MatrixEvent) => {
      const ownMembership = event.type === "m.room.member" && event.state_key === own;
      if (!ownMembership && !this.isJoined(event.room_id)) return;
      const membership = this.world.getEvent(event.room_id, event.event_id, { asUser: own })?.unsigned
        ?.membership;
      if (membership !== undefined) event.unsigned = { ...event.unsigned, membership };
      listener(event);
    });
  }

  // -------------------------------------------------------------------------------------------

  private resolve(target: NavigationTarget): ResolvedNavigationTarget {
    if (target.type === "user") {
      if (!this.world.hasUser(target.userId)) throw notFound("Profile not found");
      const directRoomId = this.directRoomWith(target.userId);
      return directRoomId === undefined
        ? { kind: "user", userId: target.userId }
        : { kind: "user", userId: target.userId, directRoomId };
    }
    const roomId = this.roomIdOf(target.room);
    const membership = this.world.membership(roomId, this.world.ownUserId);
    const resolved: ResolvedNavigationTarget = {
      kind: "room",
      roomId,
      joined: membership === "join",
      membership,
    };
    if (target.type === "event") {
      if (this.world.getEvent(roomId, target.eventId) === undefined) throw notFound("Event not found.");
      resolved.eventId = target.eventId;
    }
    return resolved;
  }

  private isJoined(roomId: string): boolean {
    return this.world.membership(roomId, this.world.ownUserId) === "join";
  }

  /** 404 for an unknown room, 403 when the signed-in user is not joined, as a homeserver answers. */
  private requireJoined(roomId: string): void {
    if (!this.world.hasRoom(roomId)) throw notFound(`Unknown room ${roomId}`);
    if (!this.isJoined(roomId)) throw forbidden(`${this.world.ownUserId} not in room ${roomId}.`);
  }

  /** 400 `M_INVALID_PARAM` unless `url` names one of the world's LiveKit transports. */
  private requireSfu(url: string): void {
    const known = this.world.rtcTransports.some(
      (transport) =>
        transport.type === "livekit" &&
        (transport["url"] === url || transport["livekit_service_url"] === url),
    );
    if (!known) throw homeserverError(400, "M_INVALID_PARAM", "Not one of the homeserver's SFUs");
  }

  private roomIdOf(roomIdOrAlias: string): string {
    if (roomIdOrAlias.startsWith("#")) {
      const roomId = this.world.resolveAlias(roomIdOrAlias);
      if (roomId === undefined) throw notFound(`Room alias ${roomIdOrAlias} not found`);
      return roomId;
    }
    if (!this.world.hasRoom(roomIdOrAlias)) throw notFound(`Unknown room ${roomIdOrAlias}`);
    return roomIdOrAlias;
  }

  /**
   * A room listed for `userId` in the signed-in user's `m.direct` that both are in (the other user
   * joined or invited), preferring rooms with just the two of them.
   */
  private directRoomWith(userId: string): string | undefined {
    const own = this.world.ownUserId;
    const direct = this.world.getAccountData(own, "m.direct");
    const listed = direct !== undefined && Object.hasOwn(direct, userId) ? direct[userId] : undefined;
    if (!Array.isArray(listed)) return undefined;
    const usable = listed.filter(
      (roomId): roomId is string =>
        typeof roomId === "string" &&
        this.world.membership(roomId, own) === "join" &&
        ["join", "invite"].includes(this.world.membership(roomId, userId) ?? ""),
    );
    const size = (roomId: string) =>
      this.world.members(roomId, "join").length + this.world.members(roomId, "invite").length;
    return usable.find((roomId) => size(roomId) === 2) ?? usable[0];
  }

  private record(op: string, args: unknown[]): void {
    this.calls.push({ op, args: args.map(snapshotArgument) });
  }

  private takeFailure(op: string): Error | undefined {
    const queue = this.failures.get(op);
    const failure = queue?.shift();
    if (queue !== undefined && queue.length === 0) this.failures.delete(op);
    return failure;
  }

  private async perform<T>(
    op: MemoryDriverOperation,
    logArgs: unknown[] | undefined,
    action: () => T,
  ): Promise<T> {
    if (logArgs !== undefined) this.record(op, logArgs);
    const failure = this.takeFailure(op);
    if (this.latency > 0) await new Promise((resolve) => setTimeout(resolve, this.latency));
    else await Promise.resolve();
    if (failure !== undefined) throw failure;
    return action();
  }
}

/** A relations page token: an offset into the ordered related events. */
function pageToken(token: string | undefined, fallback: number): number {
  if (token === undefined) return fallback;
  if (!/^\d{1,9}$/.test(token)) throw invalidParam("Invalid pagination token");
  return Number(token);
}

/** A copy of a logged argument; functions (listeners) are kept as they are. */
function snapshotArgument(value: unknown): unknown {
  if (typeof value === "function") return value;
  try {
    return copy(value);
  } catch {
    return value;
  }
}

/** Base64url of a JSON value, for the stand-in JWT. */
function base64Url(value: unknown): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(JSON.stringify(value))) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
