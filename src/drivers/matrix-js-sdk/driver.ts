/**
 * A {@link WidgetDriver} over a matrix-js-sdk `MatrixClient`: what a Matrix client application
 * hands to its `WidgetHost`. It reads from the client's store where the client keeps the data
 * (rooms, timelines, state, account data), calls the Client-Server API for the rest, and turns
 * every homeserver failure into {@link HomeserverError}.
 *
 * Only matrix-js-sdk's types are imported: the driver uses the client the application passes in
 * and never loads the SDK itself, so no other bundle of this package pulls it in.
 */

import { describeThrown } from "../../core/describe.js";
import type { Direction, MatrixClient, MatrixEvent, Method, Preset, Room } from "matrix-js-sdk";
import { consoleLogger, type Logger } from "../../core/logger.js";
import type {
  AccountDataListener,
  AlwaysOnScreenRequest,
  DelayedLeaveDelegation,
  DirectorySearchResult,
  DirectoryUserResult,
  LivekitTokenRequest,
  ModalOpenRequest,
  NavigationContext,
  OpenIdCredentials,
  OpenIdRequestOptions,
  ReadEventsQuery,
  ReadRelationsQuery,
  RelationsPage,
  RoomEvent,
  RtcTransport,
  SendEventOptions,
  SentEvent,
  ToDeviceEvent,
  TurnServer,
  Unsubscribe,
  UserProfile,
  WidgetDriver,
} from "../../host/driver.js";
import { ownProperty } from "../../core/own-property.js";
import { HomeserverError } from "../../host/matrix-error.js";
import type { NavigationTarget } from "../../matrix/links.js";
import { ErrorCode, WidgetApiError } from "../../protocol/errors.js";
import { toHomeserverError } from "./errors.js";
import {
  ACCOUNT_DATA,
  TO_DEVICE_EVENT,
  copyObject,
  isPendingEcho,
  toRoomEvent,
  turnServerFeed,
  watchLiveRoomEvents,
} from "./events.js";
import {
  homeserverDelegateDelayedLeave,
  homeserverLivekitToken,
  homeserverRtcTransports,
  toTransports,
  type RtcTransportSource,
} from "./rtc.js";

/** A value or a promise of it. */
type Awaitable<T> = T | Promise<T>;

/** The event type of a redaction, which the homeserver takes only through its own endpoint. */
const REDACTION = "m.room.redaction";

/** A JSON object. */
type Json = Record<string, unknown>;

/** A room membership as the homeserver names it. */
export type RoomMembership = "join" | "invite" | "leave" | "ban" | "knock";

/**
 * Where a navigation target leads, resolved against the homeserver and the client's store: what
 * an application needs to route to it. Room aliases are resolved to room IDs whether or not the
 * user is in the room.
 */
export type ResolvedNavigationTarget =
  | {
      kind: "room";
      roomId: string;
      /** The alias the link named, when it named one. */
      alias?: string;
      /** Servers to join or preview through: the link's `via`, then the alias directory's. */
      via: string[];
      /** Whether the signed-in user is joined to the room. */
      joined: boolean;
      /** The signed-in user's membership, `undefined` when the client never saw the room. */
      membership: RoomMembership | undefined;
      /** The event to highlight, for event links. */
      eventId?: string;
      /** Whether the application shows this room already (from `getViewedRoomId`). */
      viewed: boolean;
    }
  | {
      kind: "user";
      userId: string;
      displayName?: string;
      avatarUrl?: string;
      /** A direct-message room with the user that the signed-in user is joined to, if any. */
      directRoomId?: string;
    };

/** Options of the {@link MatrixClientDriver} constructor. */
export interface MatrixClientDriverOptions {
  /**
   * Routes the application to a navigation target (MSC2931), after the driver resolved it: open
   * the room (or a join/preview prompt when `joined` is false), scroll to the event, or open the
   * user (or their DM when the link asked for `action: "chat"`). The driver never joins rooms or
   * creates DMs by itself. A rejection fails the widget's request.
   *
   * Without this option the driver has no `navigate`: the host then does not advertise MSC2931
   * and answers navigate requests with `unsupported`.
   */
  onNavigate?(resolved: ResolvedNavigationTarget, target: NavigationTarget): unknown;
  /**
   * Keeps a widget on screen when the user leaves its room, or stops (`set_always_on_screen`):
   * the application's rendering, which matrix-js-sdk has no part in. Resolves with whether it
   * did. Without it the driver has no `setAlwaysOnScreen`, and the host refuses the action.
   */
  onAlwaysOnScreen?(request: AlwaysOnScreenRequest): Awaitable<boolean>;
  /**
   * Shows a modal widget (MSC2790; link it to its opener with `bindModal`): the application's
   * rendering. Without it the driver has no `openModal`, and the host refuses the action.
   */
  onOpenModal?(request: ModalOpenRequest): unknown;
  /**
   * The room the application shows; sets {@link ResolvedNavigationTarget} `viewed` when the host
   * has no viewed room.
   * @deprecated The host holds the viewed room (`WidgetHost.setViewedRoomId`) and passes it with
   *   each navigation; this is read only when the host has none.
   */
  getViewedRoomId?(): string | undefined;
  /**
   * Asks the user whether the widget may have an OpenID token (it proves their Matrix ID to the
   * widget's backend). Default: refused, so `requestOpenId` resolves `undefined`.
   * @deprecated Put OpenID consent on the policy (`HostPolicy.approveOpenId`), beside every other
   *   consent; with that hook this option is never called. Used only when the policy has none.
   */
  confirmOpenId?(): Awaitable<boolean>;
  /**
   * Where MatrixRTC transports (MSC4515) come from. Default `"homeserver"`: the homeserver's
   * `GET /_matrix/client/unstable/org.matrix.msc4143/rtc/transports`, falling back to the client
   * well-known's `org.matrix.msc4143.rtc_foci` when the endpoint is missing. Give a list (or a
   * function) when the application configures its foci itself, or `"none"` to leave the driver
   * without `getRtcTransports` (the host then does not advertise MSC4515).
   */
  rtcTransports?: RtcTransportSource;
  /**
   * Whether the driver offers MSC4533's LiveKit operations (`getLivekitToken`,
   * `delegateDelayedLeave`) through the homeserver's MSC4195 endpoints. Default `"homeserver"`;
   * a homeserver without them answers `unsupported`. `"none"` leaves both out, so the host does
   * not advertise MSC4533 (for homeservers known to lack the endpoints, such as Synapse 1.163).
   */
  livekit?: "homeserver" | "none";
  /**
   * Where the client well-known is read for the `rtc_foci` fallback. Default: the copy the client
   * polls (`clientWellKnownPollPeriod`), else `https://{server name}/.well-known/matrix/client`.
   */
  clientWellKnownUrl?: string;
  /** Where listener failures are reported. Defaults to the console; never given tokens. */
  logger?: Logger;
}

/** The client methods used with arbitrary event types, typed loosely (the SDK types them per event). */
interface LooseClient {
  sendEvent(roomId: string, eventType: string, content: Json, txnId?: string): Promise<{ event_id: string }>;
  redactEvent(
    roomId: string,
    eventId: string,
    txnId?: string,
    options?: { reason?: string },
  ): Promise<{ event_id: string }>;
  sendStateEvent(
    roomId: string,
    eventType: string,
    content: Json,
    stateKey: string,
  ): Promise<{ event_id: string }>;
  _unstable_sendDelayedEvent?(
    roomId: string,
    delay: DelayOptions,
    threadId: null,
    eventType: string,
    content: Json,
  ): Promise<{ delay_id: string }>;
  _unstable_sendDelayedStateEvent?(
    roomId: string,
    delay: DelayOptions,
    eventType: string,
    content: Json,
    stateKey: string,
  ): Promise<{ delay_id: string }>;
  _unstable_sendStickyEvent?(
    roomId: string,
    stickyMs: number,
    threadId: null,
    eventType: string,
    content: Json,
  ): Promise<{ event_id: string }>;
  _unstable_sendStickyDelayedEvent?(
    roomId: string,
    stickyMs: number,
    delay: DelayOptions,
    threadId: null,
    eventType: string,
    content: Json,
  ): Promise<{ delay_id: string }>;
  _unstable_cancelScheduledDelayedEvent?(delayId: string): Promise<unknown>;
  _unstable_restartScheduledDelayedEvent?(delayId: string): Promise<unknown>;
  _unstable_sendScheduledDelayedEvent?(delayId: string): Promise<unknown>;
  _unstable_updateDelayedEvent?(delayId: string, action: string): Promise<unknown>;
  getAccountData(type: string): MatrixEvent | undefined;
  setAccountData(type: string, content: Json): Promise<unknown>;
  setAccountDataRaw?(type: string, content: Json): Promise<unknown>;
  sendToDevice(
    eventType: string,
    contentMap: Map<string, Map<string, Json>>,
    txnId?: string,
  ): Promise<unknown>;
  makeTxnId(): string;
}

/** What `CryptoApi.encryptToDeviceMessages` returns: one encrypted payload per device it knew. */
interface EncryptedBatch {
  eventType: string;
  batch: { userId: string; deviceId: string; payload: Json }[];
}

/** The crypto method used for encrypted to-device messages, typed loosely like the client's. */
interface LooseCrypto {
  encryptToDeviceMessages?(
    eventType: string,
    devices: { userId: string; deviceId: string }[],
    payload: Json,
  ): Promise<EncryptedBatch>;
}

/** Messages per `/sendToDevice` request of an encrypted batch, as matrix-js-sdk's queue splits them. */
const TO_DEVICE_CHUNK = 20;

/** The part of matrix-js-sdk's `MatrixScheduler` the driver uses: its queue choice per event. */
interface LooseScheduler {
  queueAlgorithm(event: MatrixEvent): string | null;
}

/** Per scheduler, the transaction IDs of the driver's sends that must not enter its queue. */
const unqueuedSends = new WeakMap<LooseScheduler, Set<string>>();

/**
 * The transaction IDs the scheduler leaves out of its queue. The first call wraps the scheduler's
 * `queueAlgorithm` so that an event with one of them is sent at once, as the SDK sends every
 * event it does not queue: without the queue's retries, so the homeserver's refusal reaches the
 * caller. The application's own events are queued as before.
 */
function unqueuedTxnIds(scheduler: LooseScheduler): Set<string> {
  let txnIds = unqueuedSends.get(scheduler);
  if (txnIds === undefined) {
    const ids = new Set<string>();
    const original = scheduler.queueAlgorithm;
    scheduler.queueAlgorithm = function (this: LooseScheduler, event: MatrixEvent) {
      const txnId = event.getTxnId();
      return txnId !== undefined && ids.has(txnId) ? null : original.call(this, event);
    };
    unqueuedSends.set(scheduler, (txnIds = ids));
  }
  return txnIds;
}

/** MSC4157 delay options as the SDK takes them. */
type DelayOptions = { delay: number; parent_delay_id?: string } | { parent_delay_id: string };

const GET = "GET" as Method.Get;
/** Prefix of the authenticated media API (Matrix 1.11). */
const AUTHENTICATED_MEDIA_PREFIX = "/_matrix/client/v1/media";
/** The media repository before authenticated media (Matrix 1.11), which older homeservers still have. */
const LEGACY_MEDIA_PREFIX = "/_matrix/media/v3";

/**
 * A {@link WidgetDriver} over a matrix-js-sdk `MatrixClient` (37 or newer; 43 tested). Give it a
 * client that is started (`startClient`) so that its store has rooms, timelines and account data;
 * the directory, profiles, invites and other Client-Server calls work without sync.
 *
 * @example
 * ```ts
 * const driver = new MatrixClientDriver(client, {
 *   onNavigate: (resolved) => router.open(resolved), // your app's routing
 * });
 * const host = new WidgetHost({ widgetId, transport, driver, policy });
 * host.setViewedRoomId(router.currentRoomId); // and again whenever the user switches rooms
 * ```
 *
 * Behaviour worth knowing:
 * - Every homeserver failure (error reply, error status, or no response at all, reported with
 *   status 0) is thrown as {@link HomeserverError}; features the client or server lacks as a
 *   `WidgetApiError` with code `unsupported`.
 * - Reads (`readRoomEvents`, `readStateEvents`, account data) come from the client's store, so
 *   they see what `/sync` delivered; global and room account data fall back to the server.
 * - Events are sent through the client (`client.sendEvent`), which encrypts in encrypted rooms
 *   and shows local echoes as the client's own sends do.
 * - MatrixRTC: transports from the homeserver (else its client well-known) unless the app names
 *   its own; LiveKit tokens and delayed-leave delegation through the homeserver's MSC4195
 *   endpoints, `unsupported` where it lacks them. See the `rtcTransports` and `livekit` options.
 */
export class MatrixClientDriver implements WidgetDriver {
  /**
   * Shows a navigation target (MSC2931): resolves it ({@link resolveNavigationTarget}, whose
   * errors it throws) and hands it to the `onNavigate` option. Absent without that option.
   */
  readonly navigate?: (target: NavigationTarget, context?: NavigationContext) => Promise<void>;

  /** Hands `set_always_on_screen` to the `onAlwaysOnScreen` option; absent without it. */
  readonly setAlwaysOnScreen?: (request: AlwaysOnScreenRequest) => Promise<boolean>;

  /** Hands a modal to the `onOpenModal` option to show; absent without it. */
  readonly openModal?: (request: ModalOpenRequest) => Promise<void>;

  /**
   * The MatrixRTC transports (MSC4515), from the `rtcTransports` option: by default the
   * homeserver's, falling back to the client well-known's foci when its endpoint is missing (see
   * {@link MatrixClientDriverOptions.rtcTransports}). Entries without a string `type` are dropped.
   * Absent with `rtcTransports: "none"`.
   * @throws HomeserverError when the endpoint fails otherwise than by being missing.
   */
  readonly getRtcTransports?: () => Promise<RtcTransport[]>;

  /**
   * A LiveKit JWT from the homeserver's MSC4195 `get_token` endpoint (MSC4533). Absent with
   * `livekit: "none"`.
   * @throws WidgetApiError `unsupported` when the homeserver lacks the endpoint; HomeserverError
   * for its refusals (403 when not joined to the room, 400 for an SFU it does not know).
   */
  readonly getLivekitToken?: (request: LivekitTokenRequest) => Promise<{ jwt: string }>;

  /**
   * Hands a delayed leave event to the homeserver's MSC4195 `delegate_delayed_leave` endpoint
   * (MSC4533). Absent with `livekit: "none"`.
   * @throws WidgetApiError `unsupported` when the homeserver lacks the endpoint; HomeserverError
   * for its refusals.
   */
  readonly delegateDelayedLeave?: (request: DelayedLeaveDelegation) => Promise<void>;

  private readonly loose: LooseClient;
  /** The last of the sends {@link sendOutsideQueue} runs one after the other. */
  private queueTail: Promise<unknown> = Promise.resolve();
  private readonly options: MatrixClientDriverOptions;
  private readonly logger: Logger;

  constructor(
    /** The client the driver acts through, signed in as the user the widget acts for. */
    readonly client: MatrixClient,
    options: MatrixClientDriverOptions = {},
  ) {
    this.loose = client as unknown as LooseClient;
    this.options = options;
    this.logger = options.logger ?? consoleLogger;
    const onNavigate = options.onNavigate;
    if (onNavigate !== undefined) {
      this.navigate = async (target, context) => {
        const resolved = await this.resolveNavigationTarget(target, context);
        await onNavigate.call(options, resolved, target);
      };
    }
    const onAlwaysOnScreen = options.onAlwaysOnScreen;
    if (onAlwaysOnScreen !== undefined) {
      this.setAlwaysOnScreen = async (request) => (await onAlwaysOnScreen.call(options, request)) === true;
    }
    const onOpenModal = options.onOpenModal;
    if (onOpenModal !== undefined) {
      this.openModal = async (request) => {
        await onOpenModal.call(options, request);
      };
    }
    const rtc = options.rtcTransports ?? "homeserver";
    if (rtc === "homeserver") {
      this.getRtcTransports = () =>
        this.call(() => homeserverRtcTransports(client, options.clientWellKnownUrl, this.logger));
    } else if (rtc !== "none") {
      this.getRtcTransports = () =>
        this.call(async () => toTransports(typeof rtc === "function" ? await rtc.call(options) : rtc));
    }
    if ((options.livekit ?? "homeserver") === "homeserver") {
      this.getLivekitToken = (request) => this.call(() => homeserverLivekitToken(client, request));
      this.delegateDelayedLeave = (request) =>
        this.call(() => homeserverDelegateDelayedLeave(client, request));
    }
  }

  /** The signed-in user's ID, from the client. */
  get userId(): string | undefined {
    return this.client.getUserId() ?? undefined;
  }

  /** The signed-in device's ID, from the client. */
  get deviceId(): string | undefined {
    return this.client.getDeviceId() ?? undefined;
  }

  // ---- the four proposals ------------------------------------------------------------------

  /** Searches the user directory (`POST /user_directory/search`), mapping its snake_case fields. */
  searchUserDirectory(searchTerm: string, limit: number | undefined): Promise<DirectorySearchResult> {
    return this.call(async () => {
      const response = await this.client.searchUserDirectory(
        limit === undefined ? { term: searchTerm } : { term: searchTerm, limit },
      );
      const results: DirectoryUserResult[] = [];
      for (const user of Array.isArray(response?.results) ? response.results : []) {
        if (typeof user?.user_id !== "string") continue;
        const result: DirectoryUserResult = { userId: user.user_id };
        if (typeof user.display_name === "string") result.displayName = user.display_name;
        if (typeof user.avatar_url === "string") result.avatarUrl = user.avatar_url;
        results.push(result);
      }
      return { limited: response?.limited === true, results };
    });
  }

  /**
   * A user's global profile (`GET /profile/{userId}`).
   * @throws HomeserverError 404 or 403 when the homeserver has no profile or will not disclose it.
   */
  getProfile(userId: string): Promise<UserProfile> {
    return this.call(async () => {
      const info = await this.client.getProfileInfo(userId);
      const profile: UserProfile = {};
      if (typeof info?.displayname === "string") profile.displayName = info.displayname;
      if (typeof info?.avatar_url === "string") profile.avatarUrl = info.avatar_url;
      return profile;
    });
  }

  /**
   * The signed-in user's global account data of a type: from the client's store, else from
   * `GET /user/{userId}/account_data/{type}`; `undefined` when unset (404). No type is filtered
   * here: keeping secrets from widgets is the host's job.
   */
  readAccountData(type: string): Promise<Record<string, unknown> | undefined> {
    return this.call(async () => {
      const stored = this.loose.getAccountData(type);
      if (stored !== undefined) return copyObject(stored.getContent());
      return this.fetchAccountData(type);
    });
  }

  /** Calls `listener` whenever the client receives global account data (`ClientEvent.AccountData`). */
  watchAccountData(listener: AccountDataListener): () => void {
    const onAccountData = (event: MatrixEvent) => {
      this.safely("account data", () => listener(event.getType(), copyObject(event.getContent())));
    };
    this.client.on(ACCOUNT_DATA, onAccountData);
    return () => {
      this.client.off(ACCOUNT_DATA, onAccountData);
    };
  }

  /**
   * Says where a target leads without showing it: a room alias is resolved through the room
   * directory (joined or not); a room ID is taken as it is (a room the user is not in cannot be
   * checked; the app's preview or join prompt finds out); an event is checked to exist when the
   * user is joined to its room; a user's profile is looked up and a DM with them is found in
   * `m.direct`. Nothing is joined or created.
   * @throws HomeserverError 404 for an unknown alias, event or user.
   */
  resolveNavigationTarget(
    target: NavigationTarget,
    context?: NavigationContext,
  ): Promise<ResolvedNavigationTarget> {
    return this.call(() =>
      target.type === "user" ? this.resolveUser(target.userId) : this.resolveRoom(target, context),
    );
  }

  /**
   * Invites the users into the room, one `POST /rooms/{roomId}/invite` each, in order and without
   * duplicates. Stops at the first failure (earlier invites stay) and throws it.
   * @throws HomeserverError e.g. 403 when the signed-in user may not invite into the room.
   */
  inviteUsers(roomId: string, userIds: readonly string[]): Promise<void> {
    return this.call(async () => {
      for (const userId of new Set(userIds)) await this.client.invite(roomId, userId);
    });
  }

  /**
   * Creates a direct-message room (`is_direct: true`, preset `trusted_private_chat`, the users
   * invited) and lists it under each user in the signed-in user's `m.direct`, merged with the
   * server's current `m.direct` (read fresh, so DMs created moments ago are kept). The room is not
   * encrypted: turn encryption on in your app if it supports it. The signed-in user and
   * duplicates are dropped from the list.
   * @throws HomeserverError 400 `M_INVALID_PARAM` when no other user remains; the homeserver's
   * error when creating the room fails. Nothing is recorded in `m.direct` then, but the room may
   * exist: Synapse creates it before it invites, and keeps it (with the user alone in it) when an
   * invite fails, such as one to a server it cannot reach (502). Its ID is not in the error.
   */
  createDirectMessage(userIds: readonly string[]): Promise<{ roomId: string }> {
    return this.call(async () => {
      const own = this.client.getUserId();
      const others = [...new Set(userIds)].filter((userId) => userId !== own);
      if (others.length === 0) {
        throw new HomeserverError({
          httpStatus: 400,
          errcode: "M_INVALID_PARAM",
          error: "No other user to start a direct message with",
        });
      }
      const { room_id: roomId } = await this.client.createRoom({
        is_direct: true,
        preset: "trusted_private_chat" as Preset.TrustedPrivateChat,
        invite: others,
      });
      const direct: Json = (await this.fetchAccountData("m.direct")) ?? {};
      for (const userId of others) {
        // User IDs start with "@", so they can never be "__proto__" or another special key.
        const existing = Object.hasOwn(direct, userId) ? direct[userId] : undefined;
        const rooms = Array.isArray(existing) ? existing.filter((id) => typeof id === "string") : [];
        if (!rooms.includes(roomId)) rooms.push(roomId);
        direct[userId] = rooms;
      }
      await this.setAccountData("m.direct", direct);
      return { roomId };
    });
  }

  // ---- events ------------------------------------------------------------------------------

  /**
   * Sends a room event (`client.sendEvent`) or a state event (`client.sendStateEvent`). Delayed
   * (MSC4157/MSC4140) and sticky (MSC4354) room events use the SDK's `_unstable_*` methods;
   * sticky state events do not exist. `m.room.message`, relations and redactions go out one after
   * the other but outside matrix-js-sdk's retrying queue, so a refusal (a 429 with its retry time)
   * reaches the widget and the event is not sent later; one whose `options.signal` aborted while
   * it waited its turn (the host gave up on it) is not sent at all.
   * @throws WidgetApiError `unsupported` when the client or the homeserver lacks delayed or sticky
   * events; HomeserverError for refusals (e.g. 403 without the power level).
   */
  sendEvent(
    eventType: string,
    content: Record<string, unknown>,
    options: SendEventOptions,
  ): Promise<SentEvent> {
    return this.call(async () => {
      const { roomId, stateKey, stickyDurationMs } = options;
      const delay = delayOptions(options);
      const body = copyObject(content);
      if (stateKey !== undefined) {
        if (stickyDurationMs !== undefined) throw unsupported("Sticky state events are not supported");
        if (delay === undefined) {
          const { event_id } = await this.loose.sendStateEvent(roomId, eventType, body, stateKey);
          return { roomId, eventId: event_id };
        }
        const send = this.requireMethod("_unstable_sendDelayedStateEvent", "delayed events");
        const { delay_id } = await send(roomId, delay, eventType, body, stateKey);
        return { roomId, delayId: delay_id };
      }
      // matrix-js-sdk sends a delayed room event without encrypting it: refused where that would
      // put the widget's content in the clear in an encrypted room (state events are never encrypted).
      if (delay !== undefined) this.refuseUnencryptedSend(roomId);
      if (stickyDurationMs !== undefined) {
        if (delay === undefined) {
          // The SDK's scheduler queues m.room.message and events related to another one, and sends
          // what it queued without the sticky duration: such an event would go out, not sticky,
          // and be reported as sent.
          if (this.client.scheduler && (eventType === "m.room.message" || hasRelation(body))) {
            throw unsupported(
              "This client cannot send a sticky m.room.message or a sticky event with a relation: matrix-js-sdk queues them and drops the sticky duration",
            );
          }
          const send = this.requireMethod("_unstable_sendStickyEvent", "sticky events");
          const { event_id } = await send(roomId, stickyDurationMs, null, eventType, body);
          return { roomId, eventId: event_id };
        }
        const send = this.requireMethod("_unstable_sendStickyDelayedEvent", "delayed sticky events");
        const { delay_id } = await send(roomId, stickyDurationMs, delay, null, eventType, body);
        return { roomId, delayId: delay_id };
      }
      if (delay === undefined) {
        const redacts = eventType === REDACTION ? ownProperty(body, "redacts") : undefined;
        if (typeof redacts === "string") {
          // A widget writes a redaction with `redacts` in its content (matrix-js-sdk's embedded
          // client does), but only the /redact endpoint takes one in rooms before version 11:
          // sent as an ordinary event there, the homeserver refuses it (Synapse with a 500).
          const reason = ownProperty(body, "reason");
          // A refused redaction's local copy is taken out too: left in place, it showed its
          // target as redacted and blocked the room's later sends.
          const { event_id } = await this.sendOutsideQueue(options.signal, (txnId) =>
            this.sendRemovingFailedEcho(() =>
              this.loose.redactEvent(
                roomId,
                redacts,
                txnId,
                typeof reason === "string" ? { reason } : undefined,
              ),
            ),
          );
          return { roomId, eventId: event_id };
        }
        const send = (txnId?: string) =>
          this.sendRemovingFailedEcho(() => this.loose.sendEvent(roomId, eventType, body, txnId));
        const { event_id } =
          eventType === "m.room.message" || hasRelation(body)
            ? await this.sendOutsideQueue(options.signal, send)
            : await send();
        return { roomId, eventId: event_id };
      }
      const send = this.requireMethod("_unstable_sendDelayedEvent", "delayed events");
      const { delay_id } = await send(roomId, delay, null, eventType, body);
      return { roomId, delayId: delay_id };
    });
  }

  /** Cancels, restarts or sends now a delayed event (MSC4140), with the SDK's `_unstable_*` calls. */
  updateDelayedEvent(delayId: string, action: "cancel" | "restart" | "send"): Promise<void> {
    return this.call(async () => {
      const specific = {
        cancel: this.loose._unstable_cancelScheduledDelayedEvent,
        restart: this.loose._unstable_restartScheduledDelayedEvent,
        send: this.loose._unstable_sendScheduledDelayedEvent,
      }[action];
      if (typeof specific === "function") {
        await specific.call(this.client, delayId);
        return;
      }
      const update = this.requireMethod("_unstable_updateDelayedEvent", "delayed events");
      await update(delayId, action);
    });
  }

  /**
   * Recent events of a type from the room's live timeline in the client's store, newest first:
   * room events only (state is read with {@link readStateEvents}), no pending local echoes, only
   * `msgtype` when given, only events after `since` when given, at most `limit`. A room the user
   * has not joined reads as empty.
   */
  readRoomEvents(query: ReadEventsQuery): Promise<RoomEvent[]> {
    return this.call(async () => {
      const room = this.joinedRoom(query.roomId);
      if (room === undefined || query.limit <= 0) return [];
      const events = room.getLiveTimeline().getEvents();
      const found: RoomEvent[] = [];
      for (let i = events.length - 1; i >= 0 && found.length < query.limit; i--) {
        const event = events[i];
        if (event === undefined) continue;
        if (query.since !== undefined && event.getId() === query.since) break;
        if (isPendingEcho(event) || event.isState() || event.getType() !== query.eventType) continue;
        if (query.msgtype !== undefined && event.getContent()["msgtype"] !== query.msgtype) continue;
        found.push(toRoomEvent(event));
      }
      return found;
    });
  }

  /**
   * The room's current state events of a type from the client's store (`stateKey` undefined: every
   * key). A room the user has not joined reads as empty.
   */
  readStateEvents(roomId: string, eventType: string, stateKey: string | undefined): Promise<RoomEvent[]> {
    return this.call(async () => {
      const room = this.joinedRoom(roomId);
      if (room === undefined) return [];
      if (stateKey === undefined) return room.currentState.getStateEvents(eventType).map(toRoomEvent);
      const event = room.currentState.getStateEvents(eventType, stateKey);
      return event === null ? [] : [toRoomEvent(event)];
    });
  }

  /**
   * The room's currently sticky events (MSC4354) from the client's store
   * (`room._unstable_getStickyEvents()`, filled by `/sync` on a homeserver that offers
   * `org.matrix.msc4354`), without pending local echoes. A room the user has not joined reads as
   * empty.
   * @throws WidgetApiError `unsupported` when the SDK does not track sticky events (before 39).
   */
  readStickyEvents(roomId: string): Promise<RoomEvent[]> {
    return this.call(async () => {
      const room = this.joinedRoom(roomId) as
        (Room & { _unstable_getStickyEvents?: () => Iterable<MatrixEvent> }) | undefined;
      if (room === undefined) return [];
      if (typeof room._unstable_getStickyEvents !== "function") {
        throw unsupported("This client does not track sticky events");
      }
      const found: RoomEvent[] = [];
      for (const event of room._unstable_getStickyEvents()) {
        if (!isPendingEcho(event)) found.push(toRoomEvent(event));
      }
      return found;
    });
  }

  /**
   * Events related to an event (`GET /rooms/{roomId}/relations/{eventId}`, through
   * `client.relations`, which decrypts them). An event type without a relation type is filtered
   * here, since the endpoint cannot.
   * @throws HomeserverError 404 for an unknown event, 403 for a room the user cannot read.
   */
  readEventRelations(query: ReadRelationsQuery): Promise<RelationsPage> {
    return this.call(async () => {
      const options: { from?: string; to?: string; limit?: number; dir: Direction } = {
        dir: (query.direction ?? "b") as Direction,
      };
      if (query.from !== undefined) options.from = query.from;
      if (query.to !== undefined) options.to = query.to;
      if (query.limit !== undefined) options.limit = query.limit;
      const relationType = query.relationType ?? null;
      const eventType = relationType === null ? null : (query.eventType ?? null);
      const result = await this.client.relations(
        query.roomId,
        query.eventId,
        relationType,
        eventType,
        options,
      );
      // Without an event type the SDK starts decrypting the events but does not wait for it.
      await Promise.all(result.events.map((event) => this.client.decryptEventIfNeeded(event)));
      let events = result.events;
      if (relationType === null && query.eventType !== undefined) {
        events = events.filter((event) => event.getType() === query.eventType);
      }
      const page: RelationsPage = { chunk: events.map(toRoomEvent) };
      if (typeof result.nextBatch === "string") page.nextBatch = result.nextBatch;
      if (typeof result.prevBatch === "string") page.prevBatch = result.prevBatch;
      return page;
    });
  }

  /** The rooms the client knows the user is joined to or invited to. */
  getKnownRooms(): readonly string[] {
    return this.client
      .getRooms()
      .filter((room) => ["join", "invite"].includes(room.getMyMembership()))
      .map((room) => room.roomId);
  }

  /**
   * Sends to-device messages: in the clear with `client.sendToDevice`, or encrypted with
   * `getCrypto().encryptToDeviceMessages` (devices `*` expanded from the crypto store; messages
   * with the same content encrypted in one call) and then sent by the driver itself, 20 devices
   * per `/sendToDevice` request, each with its own transaction ID.
   *
   * The encrypted batch is not handed to `client.encryptAndSendToDevice`: that queues it and
   * resolves, and the SDK's queue drops a later failure, so the widget would be told it was sent.
   * A failed request rejects here instead; requests before it have been delivered.
   * @throws WidgetApiError `unsupported` for encrypted messages when the client has no crypto.
   */
  sendToDevice(
    eventType: string,
    encrypted: boolean,
    messages: Record<string, Record<string, Record<string, unknown>>>,
  ): Promise<void> {
    return this.call(async () => {
      if (!encrypted) {
        const contentMap = new Map<string, Map<string, Json>>();
        for (const [userId, devices] of Object.entries(messages)) {
          contentMap.set(
            userId,
            new Map(Object.entries(devices).map(([id, content]) => [id, copyObject(content)])),
          );
        }
        await this.loose.sendToDevice(eventType, contentMap);
        return;
      }
      const crypto = this.client.getCrypto();
      const encrypt = (crypto as LooseCrypto | undefined)?.encryptToDeviceMessages;
      if (crypto === undefined || typeof encrypt !== "function") {
        throw unsupported("This client cannot send encrypted to-device messages");
      }
      const groups = new Map<string, { payload: Json; devices: { userId: string; deviceId: string }[] }>();
      for (const [userId, devices] of Object.entries(messages)) {
        for (const [deviceId, content] of Object.entries(devices)) {
          const targets =
            deviceId === "*"
              ? [...((await crypto.getUserDeviceInfo([userId], true)).get(userId)?.keys() ?? [])]
              : [deviceId];
          const key = JSON.stringify(content);
          let group = groups.get(key);
          if (group === undefined) groups.set(key, (group = { payload: copyObject(content), devices: [] }));
          for (const target of targets) group.devices.push({ userId, deviceId: target });
        }
      }
      for (const { payload, devices } of groups.values()) {
        if (devices.length === 0) continue;
        await this.sendEncryptedBatch(await encrypt.call(crypto, eventType, devices, payload));
      }
    });
  }

  /**
   * OpenID credentials (`POST /user/{userId}/openid/request_token`): at once when the host's
   * policy consented (`approveOpenId`), else after the deprecated `confirmOpenId` option agreed;
   * `undefined` when it refused or is not set.
   */
  requestOpenId(options?: OpenIdRequestOptions): Promise<OpenIdCredentials | undefined> {
    return this.call(async () => {
      const approved = options?.consented === true || ((await this.options.confirmOpenId?.()) ?? false);
      if (!approved) return undefined;
      const token = await this.client.getOpenIdToken();
      return {
        access_token: token.access_token,
        expires_in: token.expires_in,
        matrix_server_name: token.matrix_server_name,
        token_type: token.token_type,
      };
    });
  }

  /**
   * The client's TURN servers, then every refreshed set: see the client's TURN polling
   * (`startClient` starts it). Ends when the consumer returns or on a fatal TURN error.
   */
  getTurnServers(): AsyncIterable<TurnServer> {
    return turnServerFeed(this.client);
  }

  /** The media repository's config (authenticated media; the legacy endpoint when unknown). */
  getMediaConfig(): Promise<Record<string, unknown>> {
    return this.call(async () => {
      try {
        return copyObject(await this.client.getMediaConfig(true));
      } catch (error) {
        if (!isUnrecognised(error)) throw error;
        return copyObject(await this.client.getMediaConfig(false));
      }
    });
  }

  /** Uploads a file to the media repository (`client.uploadContent`) and returns its mxc URI. */
  uploadFile(file: Blob | ArrayBuffer | Uint8Array): Promise<{ contentUri: string }> {
    return this.call(async () => {
      const { content_uri } = await this.client.uploadContent(file as Blob);
      return { contentUri: content_uri };
    });
  }

  /**
   * Downloads a file by mxc URI through authenticated media
   * (`GET /_matrix/client/v1/media/download/{server}/{mediaId}`), or, on a homeserver that does not
   * know that endpoint, through the older unauthenticated one (`/_matrix/media/v3/download/…`).
   * @throws HomeserverError 400 `M_INVALID_PARAM` for a malformed mxc URI, 404 for unknown media.
   */
  downloadFile(contentUri: string): Promise<{ file: Blob }> {
    return this.call(async () => {
      const match = /^mxc:\/\/([^/?#]+)\/([^/?#]+)$/.exec(contentUri);
      if (match === null) {
        throw new HomeserverError({ httpStatus: 400, errcode: "M_INVALID_PARAM", error: "Invalid mxc URI" });
      }
      const [, server = "", mediaId = ""] = match;
      const path = `/download/${encodeURIComponent(server)}/${encodeURIComponent(mediaId)}`;
      try {
        const file = await this.client.http.authedRequest<Blob>(GET, path, undefined, undefined, {
          prefix: AUTHENTICATED_MEDIA_PREFIX,
          rawResponseBody: true,
        });
        return { file };
      } catch (error) {
        if (!isUnrecognised(error)) throw error;
        // Without the access token: the old endpoint takes none, and a media server it redirects
        // to must not be handed one.
        const file = await this.client.http.request<Blob>(GET, path, undefined, undefined, {
          prefix: LEGACY_MEDIA_PREFIX,
          rawResponseBody: true,
        });
        return { file };
      }
    });
  }

  /**
   * The user's account data of a type in a room: from the room in the client's store, else from
   * `GET /user/{userId}/rooms/{roomId}/account_data/{type}`; `undefined` when unset.
   */
  readRoomAccountData(roomId: string, type: string): Promise<Record<string, unknown> | undefined> {
    return this.call(async () => {
      const stored = this.client.getRoom(roomId)?.getAccountData(type);
      if (stored !== undefined) return copyObject(stored.getContent());
      const path = `/user/${encodeURIComponent(this.ownUserId())}/rooms/${encodeURIComponent(roomId)}/account_data/${encodeURIComponent(type)}`;
      return this.getOrUndefined(path);
    });
  }

  /**
   * Calls `listener` for every new room event the client sees: live timeline events (not
   * back-pagination), state changes, and the user's own events once sent, each once.
   */
  watchRoomEvents(listener: (event: RoomEvent) => void): Unsubscribe {
    return watchLiveRoomEvents(this.client, (event) => {
      this.safely("room events", () => listener(toRoomEvent(event)));
    });
  }

  /**
   * Calls `listener` for every to-device message the client receives (`ClientEvent.ToDeviceEvent`),
   * decrypted when it arrived encrypted; messages the client could not decrypt are dropped.
   */
  watchToDevice(listener: (event: ToDeviceEvent) => void): Unsubscribe {
    const onToDevice = (event: MatrixEvent) => {
      const type = event.getType();
      if (type === "m.room.encrypted") return;
      const message: ToDeviceEvent = {
        type,
        sender: event.getSender() ?? "",
        content: copyObject(event.getContent()),
        encrypted: event.isEncrypted(),
      };
      this.safely("to-device messages", () => listener(message));
    };
    this.client.on(TO_DEVICE_EVENT, onToDevice);
    return () => {
      this.client.off(TO_DEVICE_EVENT, onToDevice);
    };
  }

  // -------------------------------------------------------------------------------------------

  private async resolveRoom(
    target: Extract<NavigationTarget, { type: "room" | "event" }>,
    context: NavigationContext | undefined,
  ): Promise<ResolvedNavigationTarget> {
    let roomId = target.room;
    const via = [...target.via];
    let alias: string | undefined;
    if (target.room.startsWith("#")) {
      alias = target.room;
      const found = await this.client.getRoomIdForAlias(alias);
      roomId = found.room_id;
      for (const server of found.servers ?? []) if (!via.includes(server)) via.push(server);
    }
    const room = this.client.getRoom(roomId);
    const membership = room === null ? undefined : (room.getMyMembership() as RoomMembership);
    const resolved: ResolvedNavigationTarget = {
      kind: "room",
      roomId,
      via,
      joined: membership === "join",
      membership,
      // The host's viewed room wins; the deprecated option answers only when the host has none
      // (code written before the host held it gave it to the driver alone).
      viewed: (context?.viewedRoomId ?? this.options.getViewedRoomId?.()) === roomId,
    };
    if (alias !== undefined) resolved.alias = alias;
    if (target.type === "event") {
      // Only a member can read the event; for other rooms the client shows a preview or join prompt.
      if (membership === "join") await this.client.fetchRoomEvent(roomId, target.eventId);
      resolved.eventId = target.eventId;
    }
    return resolved;
  }

  private async resolveUser(userId: string): Promise<ResolvedNavigationTarget> {
    const profile = await this.client.getProfileInfo(userId);
    const resolved: ResolvedNavigationTarget = { kind: "user", userId };
    if (typeof profile?.displayname === "string") resolved.displayName = profile.displayname;
    if (typeof profile?.avatar_url === "string") resolved.avatarUrl = profile.avatar_url;
    const directRoomId = this.directRoomWith(userId);
    if (directRoomId !== undefined) resolved.directRoomId = directRoomId;
    return resolved;
  }

  /**
   * A room listed for `userId` in the signed-in user's `m.direct` (from the store) that the
   * signed-in user is joined to and the other user joined or invited, preferring two-person rooms.
   */
  private directRoomWith(userId: string): string | undefined {
    const direct = this.loose.getAccountData("m.direct")?.getContent() as Json | undefined;
    const listed = direct !== undefined && Object.hasOwn(direct, userId) ? direct[userId] : undefined;
    if (!Array.isArray(listed)) return undefined;
    const usable: Room[] = [];
    for (const roomId of listed) {
      if (typeof roomId !== "string") continue;
      const room = this.joinedRoom(roomId);
      const other = room?.getMember(userId)?.membership;
      if (room !== undefined && (other === "join" || other === "invite")) usable.push(room);
    }
    const size = (room: Room) => room.getJoinedMemberCount() + room.getInvitedMemberCount();
    return (usable.find((room) => size(room) === 2) ?? usable[0])?.roomId;
  }

  private joinedRoom(roomId: string): Room | undefined {
    const room = this.client.getRoom(roomId);
    return room !== null && room.getMyMembership() === "join" ? room : undefined;
  }

  private ownUserId(): string {
    const userId = this.client.getUserId();
    if (userId === null) throw new WidgetApiError("The client is not signed in", ErrorCode.Unsupported);
    return userId;
  }

  /** Global account data straight from the server; `undefined` when unset. */
  private fetchAccountData(type: string): Promise<Json | undefined> {
    const path = `/user/${encodeURIComponent(this.ownUserId())}/account_data/${encodeURIComponent(type)}`;
    return this.getOrUndefined(path);
  }

  private async getOrUndefined(path: string): Promise<Json | undefined> {
    try {
      return copyObject(await this.client.http.authedRequest<Json>(GET, path));
    } catch (error) {
      const converted = toHomeserverError(error);
      if (converted instanceof HomeserverError && converted.details.httpStatus === 404) return undefined;
      throw converted;
    }
  }

  /** Writes account data without waiting for its echo over `/sync` (which may not be running). */
  private async setAccountData(type: string, content: Json): Promise<void> {
    if (typeof this.loose.setAccountDataRaw === "function") await this.loose.setAccountDataRaw(type, content);
    else await this.loose.setAccountData(type, content);
  }

  private requireMethod<K extends keyof LooseClient>(name: K, feature: string): NonNullable<LooseClient[K]> {
    const method = this.loose[name];
    if (typeof method !== "function") throw unsupported(`This client does not support ${feature}`);
    return (method as (...args: never[]) => unknown).bind(this.client) as NonNullable<LooseClient[K]>;
  }

  /** Runs an operation and converts what the SDK throws into HomeserverError / unsupported. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof Error && /^Unsupported\w*EndpointError$/.test(error.name)) {
        throw unsupported(`The homeserver does not support this: ${error.message}`);
      }
      throw toHomeserverError(error);
    }
  }

  /**
   * Sends an encrypted to-device batch in requests of {@link TO_DEVICE_CHUNK} messages, one after
   * the other, each with a fresh transaction ID (as matrix-js-sdk's queue would); the first
   * failure rejects. Devices the crypto did not know are already left out of the batch.
   */
  private async sendEncryptedBatch({ eventType, batch }: EncryptedBatch): Promise<void> {
    for (let start = 0; start < batch.length; start += TO_DEVICE_CHUNK) {
      const contentMap = new Map<string, Map<string, Json>>();
      for (const { userId, deviceId, payload } of batch.slice(start, start + TO_DEVICE_CHUNK)) {
        let devices = contentMap.get(userId);
        if (devices === undefined) contentMap.set(userId, (devices = new Map()));
        devices.set(deviceId, payload);
      }
      await this.loose.sendToDevice(eventType, contentMap, this.loose.makeTxnId());
    }
  }

  /**
   * Refuses a send that matrix-js-sdk would make without encryption (delayed room events) when the
   * room is encrypted, or when the client does not know the room and so cannot tell.
   */
  private refuseUnencryptedSend(roomId: string): void {
    const room = this.client.getRoom(roomId);
    if (room === null || room.hasEncryptionStateEvent()) {
      throw unsupported(
        room === null
          ? "Delayed events can be sent only to rooms this client knows (it cannot tell whether they are encrypted)"
          : "Delayed events cannot be sent to an encrypted room: matrix-js-sdk would send them unencrypted",
      );
    }
  }

  /**
   * Sends an event that matrix-js-sdk's scheduler would queue (`m.room.message`, relations and
   * redactions) without that queue, one after the other in the order the widget asked. The queue
   * retries a rate-limited or failed send in the background, up to four times, each after the
   * retry time the homeserver names: the host has answered the widget with `timeout` by then, and
   * the event still goes out, so a widget that retries sends it twice. Sent past the queue, as
   * the SDK sends every other event type, the first refusal (429 with its retry time, 5xx)
   * reaches the widget and nothing is sent later. The application's own queued events are
   * untouched.
   */
  private sendOutsideQueue<T>(
    signal: AbortSignal | undefined,
    send: (txnId: string | undefined) => Promise<T>,
  ): Promise<T> {
    const scheduler = this.client.scheduler as unknown as LooseScheduler | undefined;
    const run = async () => {
      // The host gave up on this send while it waited its turn (its deadline, the session's
      // end) and told the widget it failed: sent now, a widget that retries would post it twice.
      if (signal?.aborted) throw new Error("The host stopped waiting for this send before its turn came");
      // A client made without a scheduler sends everything at once: still one after the other.
      if (typeof scheduler?.queueAlgorithm !== "function") return send(undefined);
      const txnIds = unqueuedTxnIds(scheduler);
      const txnId = this.loose.makeTxnId();
      txnIds.add(txnId);
      try {
        return await send(txnId);
      } finally {
        txnIds.delete(txnId);
      }
    };
    const result = this.queueTail.then(run, run);
    this.queueTail = result.catch(() => undefined);
    return result;
  }

  /**
   * Sends through the client's queue, and when the homeserver refuses, takes the failed local copy
   * out of the room: left in place, it shows the user a message they never wrote, and with detached
   * pending events it blocks every later send in the room ("Event blocked by other events not yet
   * sent").
   */
  private async sendRemovingFailedEcho<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      // A MatrixError carries the event it was sending; "not_sent" is EventStatus.NOT_SENT, written
      // out because this module does not load the SDK.
      const failed = (error as { event?: { status?: unknown } } | null)?.event;
      if (failed?.status === "not_sent") {
        try {
          this.client.cancelPendingEvent(failed as MatrixEvent);
        } catch {
          // Already gone, or in a state the SDK will not cancel: nothing more to take out.
        }
      }
      throw error;
    }
  }

  /** Runs a widget-side listener, so that its failure never breaks the client's sync processing. */
  private safely(feed: string, run: () => void): void {
    try {
      run();
    } catch (error) {
      this.logger.error(`A ${feed} listener threw: ${describeThrown(error)}`);
    }
  }
}

function delayOptions(options: SendEventOptions): DelayOptions | undefined {
  if (options.delayMs !== undefined) {
    return options.parentDelayId === undefined
      ? { delay: options.delayMs }
      : { delay: options.delayMs, parent_delay_id: options.parentDelayId };
  }
  return options.parentDelayId === undefined ? undefined : { parent_delay_id: options.parentDelayId };
}

function unsupported(message: string): WidgetApiError {
  return new WidgetApiError(message, ErrorCode.Unsupported);
}

/** A 404 / 400 `M_UNRECOGNIZED` or a bare 404: the endpoint does not exist on this server. */
function isUnrecognised(error: unknown): boolean {
  const converted = toHomeserverError(error);
  return (
    converted instanceof HomeserverError &&
    (converted.details.errcode === "M_UNRECOGNIZED" ||
      (converted.details.httpStatus === 404 && converted.details.errcode === "M_UNKNOWN"))
  );
}

/**
 * Whether the content relates to another event (`m.relates_to`): the SDK's scheduler queues such
 * events, as it does m.room.message.
 */
function hasRelation(content: Record<string, unknown>): boolean {
  const relation = ownProperty(content, "m.relates_to");
  return typeof relation === "object" && relation !== null;
}
