import type { NavigationTarget } from "../matrix/links.js";
import type { ModalDefinition } from "../protocol/actions/modals.js";
import type { HostHandle } from "./host-handle.js";
import type { WidgetIdentity } from "./policy.js";

// Every type a driver sees is declared here or in a module that imports nothing of the host's
// (policy.ts, host-handle.ts), so the driver interface never pulls the host's features or actions
// into its import graph.

/** A widget asks to stay on screen, or to stop (`set_always_on_screen`). */
export interface AlwaysOnScreenRequest {
  /** The widget that asked. */
  widget: WidgetIdentity;
  /** The host of the widget, to find its frame. */
  host: HostHandle | undefined;
  /** true: keep the widget visible when the user leaves its room; false: stop doing so. */
  value: boolean;
}

/** A widget asks to open a modal widget; handed to the driver's `openModal`. */
export interface ModalOpenRequest {
  /** The widget that asked. */
  opener: WidgetIdentity;
  /** Its host: pass it to `bindModal`. */
  openerHost: HostHandle;
  /**
   * What to render: URL template (fill it with `templateWidgetUrl`), title, buttons (invalid ones
   * removed) and the opener's data. Without an `m.close` button, render one labelled "Close" of
   * kind `m.link` (MSC2790); it is always enabled.
   */
  definition: ModalDefinition;
  /** Aborted when the opener's session ends; the modal must be closed then (MSC2790). */
  signal: AbortSignal;
}

/** A user as the directory returns it. */
export interface DirectoryUserResult {
  /** The user's Matrix ID, e.g. `@alice:example.org`. */
  userId: string;
  /** The display name (wire: `display_name`); absent when the directory has none. */
  displayName?: string;
  /** The avatar as an `mxc://` URI (wire: `avatar_url`); absent when the user has none. */
  avatarUrl?: string;
}

/** A directory search result. `limited` says whether more matches exist than were returned. */
export interface DirectorySearchResult {
  /** True when the homeserver had more matches than it returned. */
  limited: boolean;
  /** The matching users. The host keeps at most `limit` of them and sets `limited` when it cuts. */
  results: DirectoryUserResult[];
}

/** A user's public profile. */
export interface UserProfile {
  /** The global display name (the profile's `displayname`); absent when unset. */
  displayName?: string;
  /** The avatar as an `mxc://` URI (the profile's `avatar_url`); absent when unset. */
  avatarUrl?: string;
}

/** An account-data value changed: `content` is the new value. */
export type AccountDataListener = (type: string, content: Record<string, unknown>) => void;

/** A room event in the Client-Server "ClientEvent" shape, as widgets receive it. */
export interface RoomEvent {
  /** The event type, e.g. `m.room.message`; the decrypted type when the client could decrypt it. */
  type: string;
  /** The event's ID as the homeserver assigned it, e.g. `$abc123`. */
  event_id: string;
  /** The ID of the room the event belongs to, e.g. `!abc:example.org`. */
  room_id: string;
  /** The Matrix ID of the user who sent it, e.g. `@alice:example.org`. */
  sender: string;
  /** When it was sent, by the sender's homeserver's clock, in milliseconds since the Unix epoch. */
  origin_server_ts: number;
  /** The event's content, decrypted when the client could decrypt it. */
  content: Record<string, unknown>;
  /** Present on state events. */
  state_key?: string;
  /** Data the homeserver added outside the signed event (such as `age`); absent when there is none. */
  unsigned?: Record<string, unknown>;
  /**
   * MSC4354 (unstable name): present on sticky events; how long the sender asked the event to stay
   * sticky. A widget's client needs it to treat the event as sticky.
   */
  msc4354_sticky?: { duration_ms: number };
}

/** A to-device message as a widget receives it. */
export interface ToDeviceEvent {
  /** The message's event type; for an encrypted message, the decrypted type. */
  type: string;
  /** The Matrix ID of the user who sent it, e.g. `@alice:example.org`. */
  sender: string;
  /** The message's content, decrypted when it arrived encrypted. */
  content: Record<string, unknown>;
  /** Whether it arrived encrypted (the host decrypted it). */
  encrypted: boolean;
}

/** Where and how to send an event. */
export interface SendEventOptions {
  /** The room to send to: the widget's `room_id`, else the viewed room. */
  roomId: string;
  /** Makes it a state event. */
  stateKey?: string;
  /** MSC4157: send after this many milliseconds, unless cancelled or restarted. */
  delayMs?: number;
  /** MSC4157: send when the delayed event with this ID is sent. */
  parentDelayId?: string;
  /** MSC4407: keep the event sticky for this many milliseconds. */
  stickyDurationMs?: number;
  /**
   * Aborted when the host stops waiting for this send (the driver timeout, the session's end) and
   * has answered the widget with an error. A driver that has not started sending yet (a send
   * waiting its turn) should not send any more: the widget was told it failed, and may retry.
   */
  signal?: AbortSignal;
}

/** What sending an event produced: an event ID, or a delay ID for a delayed event. */
export interface SentEvent {
  /** The room the event went to. The host's reply names the room it asked for, not this value. */
  roomId: string;
  /** The new event's ID; required when the event was sent at once, absent for a delayed one. */
  eventId?: string;
  /** The delay ID (MSC4157), required for a delayed event; pass it to `updateDelayedEvent`. */
  delayId?: string;
}

/** A read of a room's timeline (MSC2876). */
export interface ReadEventsQuery {
  /** The ID of the room to read; the host makes one query per room. */
  roomId: string;
  /** Only room (non-state) events of this type, e.g. `m.room.message`. */
  eventType: string;
  /** Only `m.room.message` events with this msgtype. */
  msgtype?: string;
  /** Most events to return, newest first. */
  limit: number;
  /** Only events after this event ID. */
  since?: string;
}

/** A read of relations (MSC3869). */
export interface ReadRelationsQuery {
  /** The room holding the event: the widget's `room_id`, else the viewed room. */
  roomId: string;
  /** The event whose related events to read, e.g. `$abc123`. */
  eventId: string;
  /** Only relations of this `rel_type`, e.g. `m.annotation` or `m.thread`; absent: any. */
  relationType?: string;
  /** Only related events of this type; absent: any. The host also filters the chunk by it. */
  eventType?: string;
  /** Most events in the page. The host always sets it (at most 50, `READ_RELATIONS_MAX_LIMIT`). */
  limit?: number;
  /** Where the page starts: a token from an earlier page (`nextBatch`); absent: the first page. */
  from?: string;
  /** A pagination token at which the page stops; absent: no bound. */
  to?: string;
  /** `f`: forwards (oldest first); `b`: backwards (newest first). Both bundled drivers default to `b`. */
  direction?: "f" | "b";
}

/** A page of related events. */
export interface RelationsPage {
  /** The related events of this page, in the query's direction. */
  chunk: RoomEvent[];
  /** Token for the next page, to pass as `from`; absent when there is no more. */
  nextBatch?: string;
  /** Token for the page before this one; absent on the first page. */
  prevBatch?: string;
}

/** OpenID credentials for the widget (MSC1960 / get_openid). */
export interface OpenIdCredentials {
  /** The token the widget gives its backend, which checks it with the homeserver. A secret: do not log it. */
  access_token: string;
  /** How long the token stays valid, in seconds from when it was issued; never negative. */
  expires_in: number;
  /** The homeserver's server name, e.g. `example.org`, which the backend asks to check the token. */
  matrix_server_name: string;
  /** The kind of token; the Matrix spec defines only `Bearer`. */
  token_type: string;
}

/** What the host tells a driver along with a navigation. */
export interface NavigationContext {
  /** The room the user is viewing, from `WidgetHost.viewedRoomId`; undefined when none. */
  viewedRoomId: string | undefined;
}

/** How the host asks a driver for OpenID credentials. */
export interface OpenIdRequestOptions {
  /** The host's policy has approved this request: the driver must not ask the user again. */
  consented?: boolean;
}

/** A TURN server for calls (MSC3846). */
export interface TurnServer {
  /** The server's TURN URIs, e.g. `turn:turn.example.org:3478?transport=udp`. */
  uris: string[];
  /** The username to authenticate to these servers with. */
  username: string;
  /** The password paired with `username` (matrix-js-sdk calls it `credential`). A secret: do not log it. */
  password: string;
}

/** One MatrixRTC transport (MSC4515): `type` names it, every other property is transport-specific. */
export interface RtcTransport {
  /** The kind of transport, e.g. `livekit`; never empty. It says how to read the other properties. */
  type: string;
  [key: string]: unknown;
}

/** The MatrixRTC member a LiveKit request is made for (MSC4533). */
export interface RtcMember {
  /** The member's identifier within the MatrixRTC session. */
  id: string;
  /** The device ID the member claims to use, when the widget named one. */
  claimedDeviceId?: string;
}

/** A request for a LiveKit JWT (MSC4533), validated by the host. */
export interface LivekitTokenRequest {
  /** The homeserver hosting the MatrixRTC session. */
  serverName: string;
  /** The LiveKit SFU the token is for. */
  url: string;
  /** The Matrix room whose MatrixRTC session the token is for. */
  roomId: string;
  /** The MatrixRTC session (slot). */
  slotId: string;
  /** The member the token is for, as the widget named it. */
  member: RtcMember;
}

/** A delayed leave event to hand over to the server (MSC4533), validated by the host. */
export interface DelayedLeaveDelegation {
  /** The Matrix room of the MatrixRTC session the member would leave. */
  roomId: string;
  /** The MatrixRTC session (slot) the leave event belongs to. */
  slotId: string;
  /** The member whose leave event it is. */
  member: RtcMember;
  /** The delay ID of the delayed leave event (MSC4157). */
  delayId: string;
  /**
   * The LiveKit SFU the member is connected to, when the widget named it. matrix-widget-api 1.19
   * does not list it, but matrix-js-sdk's widget client sends it, and the homeserver's
   * `delegate_delayed_leave` endpoint (MSC4195) needs it.
   */
  url?: string;
}

/** A live feed the driver offers; the host subscribes while a session needs it. */
export type Unsubscribe = () => void;

/**
 * What the host asks of the Matrix client it runs in. Every operation is optional: the host
 * advertises an action only when the driver can do it, and answers any other call with an error.
 * Operations throw {@link HomeserverError} for homeserver failures, so the widget sees them as
 * `matrix_api_error`.
 *
 * Two ready drivers exist: the in-memory world (`matrix-widget-kit/drivers/memory`) and one over
 * matrix-js-sdk.
 */
export interface WidgetDriver {
  /** Searches the user directory (MSC3973). `limit` is already clamped by the host. */
  searchUserDirectory?(searchTerm: string, limit: number | undefined): Promise<DirectorySearchResult>;
  /** Looks up a user's profile (for mxid share). Throws when the profile cannot be found. */
  getProfile?(userId: string): Promise<UserProfile>;
  /** Reads the current global account data of a type, or `undefined` when unset (MSC3751). */
  readAccountData?(type: string): Promise<Record<string, unknown> | undefined>;
  /** Calls `listener` whenever global account data changes; returns a function that stops it. */
  watchAccountData?(listener: AccountDataListener): () => void;
  /**
   * Shows the target to the user (MSC2931). The host has parsed and vetted the link already, and
   * passes what it knows that bears on routing (the viewed room, held by the host alone).
   */
  navigate?(target: NavigationTarget, context?: NavigationContext): Promise<void>;
  /** Invites users into a room, after the user consented (mxid share). */
  inviteUsers?(roomId: string, userIds: readonly string[]): Promise<void>;
  /** Creates a direct-message room with the users, marks it as a DM, and returns its ID. */
  createDirectMessage?(userIds: readonly string[]): Promise<{ roomId: string }>;

  // ---- events and the rest of matrix-widget-api's surface ---------------------------------

  /** The signed-in user's ID. */
  readonly userId?: string;
  /** The signed-in device's ID. */
  readonly deviceId?: string;
  /** Sends a room or state event (MSC2762), possibly delayed (MSC4157) or sticky (MSC4407). */
  sendEvent?(
    eventType: string,
    content: Record<string, unknown>,
    options: SendEventOptions,
  ): Promise<SentEvent>;
  /** Cancels, restarts or sends a delayed event now (MSC4157). */
  updateDelayedEvent?(delayId: string, action: "cancel" | "restart" | "send"): Promise<void>;
  /** Reads recent room events of a type, newest first (MSC2876). */
  readRoomEvents?(query: ReadEventsQuery): Promise<RoomEvent[]>;
  /** Reads current state events of a type; `stateKey` undefined means every key. */
  readStateEvents?(roomId: string, eventType: string, stateKey: string | undefined): Promise<RoomEvent[]>;
  /**
   * The room's currently sticky events (MSC4354) that the client holds, for widgets granted
   * `m.receive.sticky_event` (MSC4407): the host pushes them after the grant. A room the user has
   * not joined reads as empty.
   */
  readStickyEvents?(roomId: string): Promise<RoomEvent[]>;
  /** Reads events related to an event (MSC3869). */
  readEventRelations?(query: ReadRelationsQuery): Promise<RelationsPage>;
  /** Rooms the user is joined to or invited to, for `timeline:*`. */
  getKnownRooms?(): readonly string[];
  /** Sends to-device messages (MSC3819): user ID → device ID (or `*`) → content. */
  sendToDevice?(
    eventType: string,
    encrypted: boolean,
    messages: Record<string, Record<string, Record<string, unknown>>>,
  ): Promise<void>;
  /**
   * Gets OpenID credentials. With `consented`, the host's policy (`HostPolicy.approveOpenId`)
   * already has the user's consent: fetch the token without asking. Without it (a policy with no
   * such hook), the driver may ask by its own means, and resolves `undefined` when refused.
   */
  requestOpenId?(options?: OpenIdRequestOptions): Promise<OpenIdCredentials | undefined>;
  /** Streams TURN servers; the iterator ends when the host stops watching. */
  getTurnServers?(): AsyncIterable<TurnServer>;
  /** The homeserver's MatrixRTC transports, from `GET /_matrix/client/v1/rtc/transports` (MSC4515). */
  getRtcTransports?(): Promise<RtcTransport[]>;
  /** Gets a LiveKit JWT from the homeserver's `/rtc/livekit/get_token` endpoint (MSC4533). */
  getLivekitToken?(request: LivekitTokenRequest): Promise<{ jwt: string }>;
  /** Hands a delayed leave event over through `/rtc/livekit/delegate_delayed_leave` (MSC4533). */
  delegateDelayedLeave?(request: DelayedLeaveDelegation): Promise<void>;
  /** The media repository's config (MSC4039). */
  getMediaConfig?(): Promise<Record<string, unknown>>;
  /** Uploads a file and returns its mxc URI (MSC4039). */
  uploadFile?(file: Blob | ArrayBuffer | Uint8Array): Promise<{ contentUri: string }>;
  /** Downloads a file by mxc URI (MSC4039). */
  downloadFile?(contentUri: string): Promise<{ file: Blob | ArrayBuffer | Uint8Array }>;
  /** Reads the user's room account data of a type in a room. */
  readRoomAccountData?(roomId: string, type: string): Promise<Record<string, unknown> | undefined>;
  /** Calls `listener` for every new room event (timeline and state) the client sees. */
  watchRoomEvents?(listener: (event: RoomEvent) => void): Unsubscribe;
  /** Calls `listener` for every to-device message the client receives. */
  watchToDevice?(listener: (event: ToDeviceEvent) => void): Unsubscribe;

  // ---- what the app renders ----------------------------------------------------------------

  /**
   * Keeps the widget on screen when the user leaves its room, or stops (`set_always_on_screen`).
   * Resolves with whether it did. Called with `value: false` when the session of a widget kept on
   * screen ends.
   */
  setAlwaysOnScreen?(request: AlwaysOnScreenRequest): Promise<boolean>;
  /** Shows a modal widget (MSC2790); resolves once shown. Link it to its opener with `bindModal`. */
  openModal?(request: ModalOpenRequest): Promise<void>;
}

/**
 * A driver with the on-screen operations (`setAlwaysOnScreen`, `openModal`), which
 * {@link WidgetDriver} now declares itself.
 * @deprecated Use {@link WidgetDriver}; this name stays until 1.0.
 */
export type WidgetUiDriver = WidgetDriver;
