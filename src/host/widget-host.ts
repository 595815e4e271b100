import * as v from "valibot";
import {
  CapabilitySet,
  capabilityKey,
  formatCapability,
  parseCapability,
  type FixedCapabilityName,
} from "../capabilities/index.js";
import { describeThrown } from "../core/describe.js";
import { Endpoint, type InboundRequest, type RequestOptions } from "../core/endpoint.js";
import { consoleLogger, redactingLogger, type Logger } from "../core/logger.js";
import { parseRequestData, pushAction, sendAction } from "../core/validation.js";
import type { AnyActionDescriptor, RequestInput, ResponseData } from "../protocol/action.js";
import type { Dialect, JsonObject } from "../protocol/envelope.js";
import { ErrorCode, WidgetApiError } from "../protocol/errors.js";
import { ApiVersion, BASELINE_VERSIONS, internVersions } from "../protocol/versions.js";
import {
  capabilitiesRequest,
  contentLoaded,
  notifyCapabilities,
  requestCapabilities,
  supportedApiVersionsFromWidget,
  supportedApiVersionsToWidget,
} from "../protocol/actions/session.js";
import type { Transport } from "../transport/transport.js";
import { withFastPath } from "../transport/fast-path.js";
import { MAX_CAPABILITIES_PER_REQUEST } from "../protocol/actions/schemas.js";
import { builtInHostParts } from "./built-ins.js";
import type { HostFeature } from "./features/feature.js";
import type { HostHandle, HostSessionState, TraceEntry, WidgetHostEvents } from "./host-handle.js";
import { isGrantable, MAX_GRANTABLE_CAPABILITY_LENGTH, type GrantableContext } from "./capability-filter.js";
import type { WidgetDriver } from "./driver.js";
import { DEFAULT_HOST_LIMITS, TokenBucket, type HostLimits, type RateLimit } from "./limits.js";
import { denyAllPolicy, type HostPolicy, type WidgetIdentity } from "./policy.js";
import { HostActionTable, hostRegistrations } from "./action-table.js";
import {
  defineHostAction,
  type HostActionContext,
  type HostActionRegistration,
  type SessionScope,
} from "./registry.js";

export type { HostSessionState, TraceEntry, WidgetHostEvents } from "./host-handle.js";

/** Options of a {@link WidgetHost}. */
export interface WidgetHostOptions {
  /** The widget's ID; messages for other IDs are ignored. */
  widgetId: string;
  /** How to reach the widget. The host never builds its own. */
  transport: Transport;
  /** The Matrix client the host acts through. */
  driver?: WidgetDriver;
  /** Consent and policy decisions. Defaults to {@link denyAllPolicy}. */
  policy?: HostPolicy;
  /**
   * Start negotiating on the frame's `load` event (true, the default), or when the widget sends
   * `content_loaded` after it (false). Either way, a widget client created later announces itself
   * and is asked again; see docs/widget-lifecycle.md. A widget speaking MSC4412 starts its own
   * negotiation instead, and its `content_loaded` is only acknowledged.
   */
  waitForIframeLoad?: boolean;
  /** Bounds and rate limits; unset ones keep their defaults. */
  limits?: Partial<HostLimits>;
  /** Custom actions of the host application, served from the same table as the built-in ones. */
  actions?: readonly HostActionRegistration[];
  /** Extra features to attach besides the built-in ones. */
  features?: readonly HostFeature[];
  /**
   * The widget's origin, shown to policies and keying remembered consent.
   * @deprecated The host reads it from the transport (`Transport.peerOrigin`; the postMessage
   *   transport's `widgetOrigin`). Kept for transports that pin no origin (MessagePort, in
   *   memory); when both are known and differ, the transport's wins and a warning is logged.
   */
  origin?: string;
  /**
   * The room the user is viewing. The host is the one place that holds it: change it with
   * {@link WidgetHost.setViewedRoomId}; drivers are given it where they need it (navigation).
   */
  viewedRoomId?: string;
  /**
   * The room whose state defines the widget; absent for a user's own (account-data) widgets.
   * Shown to policies as `widget.roomId`, and part of the key of remembered consent.
   */
  roomId?: string;
  /**
   * Where the host and its features report what they do; every line is scrubbed of tokens first.
   * Default: the console (warnings and errors only).
   */
  logger?: Logger;
  /**
   * Let the session move to a private MessagePort that our widget offers after the handshake
   * (default true), when the transport can (the postMessage one). False keeps plain postMessage.
   * Other widgets see one more version string and nothing else. See docs/security.md.
   */
  fastPath?: boolean;
}

type Listener<T> = (payload: T) => void;

/**
 * How long a widget's first announcement (content_loaded, or with waitForIframeLoad any session
 * opener) waits for a load event when the host has seen none: a document that is still loading
 * has its load event a moment later; one that loaded before the host attached never will.
 */
const PAIRING_MS = 500;
/**
 * How long a capabilities request may stay unanswered after the widget announced itself before it
 * is sent again. A client that existed when the request arrived answers at once; one created
 * later (in a React effect, after a delay) never saw the request and needs another.
 */
const UNANSWERED_MS = 200;
/**
 * How long an MSC4412 session opened before its document's load event was seen waits for that
 * load (which then belongs to it rather than ending it). The proposal's recommended content_loaded
 * timeout; after it, the document counts as loaded and the next load is a reload.
 */
const MSC4412_LOAD_WAIT_MS = 10_000;
/** Most capability requests of one host waiting for an answer at once; bounds the resends. */
const MAX_CAPABILITY_ATTEMPTS = 4;

/** The unservable capabilities of a host that can serve every optional one: shared. */
const NONE_UNSERVABLE: ReadonlySet<string> = new Set();

const versionsSchema = v.object({ supported_versions: v.array(v.string()) });

/**
 * The host side of one widget: it runs the session (versions, capabilities, renegotiation),
 * validates every request against the action table, checks capabilities, applies the policy and
 * limits, calls the driver, and answers every request exactly once.
 */
export class WidgetHost implements HostHandle {
  /** The widget this host serves. */
  readonly widget: WidgetIdentity;
  private readonly transport: Transport;
  private readonly driver: WidgetDriver;
  private readonly policy: HostPolicy;
  private readonly limits: Readonly<HostLimits>;
  /** What every request context shares, made once. */
  private readonly contextParts: ContextParts;
  /** Where the host and its features report what they do. */
  readonly logger: Logger;
  private readonly waitForIframeLoad: boolean;
  private readonly endpoint: Endpoint;
  /** The actions this host serves: shared with every host that adds none of its own. */
  private readonly actions: HostActionTable;
  /** What decides whether a capability could ever be granted by this host; see isGrantable. */
  private readonly grantableContext: GrantableContext;
  /**
   * Listeners by event, in arrays replaced on every change (never changed in place, so emit() runs
   * the listeners of the moment it started): most events have one listener, a feature's, and a Set
   * costs about 150 bytes, an array grown by push as much.
   */
  private readonly listeners = new Map<keyof WidgetHostEvents, Array<Listener<never>>>();
  private readonly unsubscribeLoad: (() => void) | undefined;
  private detachFeatures: Array<() => void> = [];
  /** API versions this host advertises. */
  readonly supportedVersions: readonly string[];

  private sessionState: HostSessionState = "waiting";
  /** Counts documents: every load event (or start(), or an unpaired announcement) begins one. */
  private generation = 0;
  /** The current document's load event was seen (or start() said it had loaded). */
  private loadSeen = false;
  /**
   * This document is to get a session: it loaded and, with waitForIframeLoad false, sent
   * content_loaded. Stays set while the capabilities request goes unanswered, so that the widget's
   * next announcement asks again.
   */
  private sessionWanted = false;
  /**
   * A content_loaded (or with waitForIframeLoad an announcement) came that may belong to the
   * document of the next load event: it overtook that load, or it is a duplicate from the current
   * document. Either way the next load starts negotiating at once instead of waiting for a
   * content_loaded that may already have been sent.
   */
  private announcedBeforeLoad = false;
  private pairingTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * An MSC4412 session was opened by a document whose load event has not been seen yet (its first
   * message overtook the load): that load, when it comes, is this document's and does not end it.
   */
  private loadBelongsToSession = false;
  private loadWaitTimer: ReturnType<typeof setTimeout> | undefined;
  /** The current MSC4412 document has sent content_loaded; a second one comes from a new document. */
  private msc4412ContentLoaded = false;
  /**
   * The widget's latest request, if it was a request_capabilities taken as a renegotiation of an
   * MSC4412 session: it may instead be the first message of a reloaded document that overtook its
   * load event (see onFrameLoad).
   */
  private lastRenegotiation: { capabilities: readonly string[]; at: number } | undefined;
  private unansweredTimer: ReturnType<typeof setTimeout> | undefined;
  /** The current capabilities request; answers to earlier ones are ignored. */
  private attempt = 0;
  /** The current attempt's capabilities request is still waiting for the widget's answer. */
  private capabilitiesPending = false;
  /** Capabilities requests of any attempt still waiting for an answer. */
  private pendingAttempts = 0;
  private scope: MutableScope = new MutableScope(0);
  private granted: readonly string[] = NONE;
  private grantedSet = CapabilitySet.empty;
  /**
   * Capabilities (by key, so either spelling) the policy was asked about in this session and did
   * not approve. Asking again for them is "nothing new": the user is not asked twice in one
   * session, and matrix-widget-toolkit, which re-sends its whole list on every request, is not
   * rate-limited for capabilities the user already declined.
   */
  private declined: Set<string> | undefined;
  private requested: readonly string[] = NONE;
  private versionsOfWidget: readonly string[] = FROZEN_BASELINE;
  /** Rate-limit buckets live as long as the host, not the session: a widget cannot reset them by reloading. */
  private buckets: Map<string, TokenBucket> | undefined;
  private renegotiations: Promise<void> = Promise.resolve();
  /**
   * The renegotiation queued behind the one running, not started yet. Later requests join it: a
   * widget asking again and again while the user decides (or while it leaves notify_capabilities
   * unacknowledged) queues one renegotiation and one notify, not one per request, each holding
   * its request's list, which asking for what the widget holds would add without limit or charge.
   */
  private queuedRenegotiation: { generation: number; capabilities: string[] } | undefined;
  private viewedRoom: string | undefined;
  private waitingReady: Array<() => void> | undefined;
  /** The document (generation) `preparing` was last emitted for. */
  private preparedGeneration = -1;

  constructor(options: WidgetHostOptions) {
    this.transport = options.transport;
    // Every line the host or its features log is scrubbed of tokens first.
    this.logger = redactingLogger(options.logger ?? consoleLogger);
    const origin = widgetOrigin(this.transport, options.origin, this.logger);
    this.widget = {
      widgetId: options.widgetId,
      ...(origin ? { origin } : {}),
      ...(options.roomId === undefined ? {} : { roomId: options.roomId }),
    };
    this.driver = options.driver ?? {};
    this.policy = options.policy ?? denyAllPolicy;
    this.limits = { ...DEFAULT_HOST_LIMITS, ...options.limits };
    this.waitForIframeLoad = options.waitForIframeLoad ?? true;
    this.viewedRoom = options.viewedRoomId;
    this.contextParts = {
      widget: this.widget,
      driver: this.driver,
      policy: this.policy,
      limits: this.limits,
      logger: this.logger,
      host: this,
      rateLimit: (name, limit) => this.rateLimit(name, limit),
    };

    // The built-in handlers and features come from a factory: the core does not import the action
    // table, whose handlers import the core's types (see test/unit/host/import-cycles.test.ts).
    const builtIns = builtInHostParts();
    this.actions = WidgetHost.actionTable(builtIns.actions, options.actions);
    const features = [...builtIns.features, ...(options.features ?? [])];
    this.supportedVersions = Object.freeze(
      withFastPath(this.computeVersions(features), this.transport, options.fastPath),
    );
    this.grantableContext = {
      customCapabilities: this.actions.customCapabilities,
      unservableCapabilities: this.unservableCapabilities(),
      policy: this.policy,
      widget: this.widget,
    };

    this.endpoint = new Endpoint({
      transport: this.transport,
      widgetId: options.widgetId,
      side: "host",
      defaultTimeoutMs: this.limits.requestTimeoutMs,
      maxPendingOutbound: this.limits.maxPending,
      maxInboundInFlight: this.limits.maxInFlight,
      maxMessageBytes: this.limits.maxMessageBytes,
      binaryAllowed: (action) => this.actions.acceptsBinary(action),
      logger: this.logger,
      // Traced only while someone listens: a trace costs a clock read and an entry per request.
      onRequest: (request) => (this.tracing() ? this.traceInbound(request) : this.dispatch(request)),
      dialect: "peer",
      onDialect: (dialect, previous) => this.onDialect(dialect, previous),
    });
    this.unsubscribeLoad = this.transport.onPeerLoad?.(() => this.onFrameLoad());
    this.detachFeatures = features.map((feature) => feature.attach(this, this.driver));
  }

  /** The session's state. */
  get state(): HostSessionState {
    return this.sessionState;
  }

  /** The granted capabilities, as a precompiled set. */
  get capabilities(): CapabilitySet {
    return this.grantedSet;
  }

  /** The granted capabilities, exactly as the widget wrote them. */
  get grantedCapabilities(): readonly string[] {
    return this.granted;
  }

  /** Everything the widget requested in this session. */
  get requestedCapabilities(): readonly string[] {
    return this.requested;
  }

  /** The API versions the widget advertised. */
  get widgetVersions(): readonly string[] {
    return this.versionsOfWidget;
  }

  /**
   * The base protocol the current document speaks, from its first message: `classic` or
   * `msc4412`; undefined until it has spoken.
   */
  get dialect(): Dialect | undefined {
    return this.endpoint.sessionDialect;
  }

  /** Whether the session runs over the widget's MessagePort (the fast path) rather than postMessage. */
  get fastPathActive(): boolean {
    return this.transport.fastPath?.active === true;
  }

  /** The room the user is viewing. */
  get viewedRoomId(): string | undefined {
    return this.viewedRoom;
  }

  /** Tells the host which room the user is viewing. */
  setViewedRoomId(roomId: string | undefined): void {
    if (roomId === this.viewedRoom) return;
    const previous = this.viewedRoom;
    this.viewedRoom = roomId;
    this.emit("viewedRoom", { roomId, previous });
  }

  /**
   * Takes capabilities back from the widget (in either spelling): the live session loses them at
   * once, the widget is told with `notify_capabilities`, and the policy's `consentRevoked` hook
   * forgets any remembered consent (see `rememberConsent`), so the next session asks again. A
   * revoked capability counts as declined for the rest of the session: the widget asking for it
   * again does not prompt the user, who has just said no. Resolves when the widget was notified
   * and the policy hook finished; neither failing undoes the revocation.
   */
  async revokeCapabilities(capabilities: Iterable<string>): Promise<void> {
    const revoked = unique([...capabilities].filter((c): c is string => typeof c === "string"));
    if (revoked.length === 0) return;
    const keys = new Set(revoked.map(capabilityKeyOf));
    let changed = false;
    if (this.sessionState !== "destroyed") {
      for (const key of keys) this.decline(key);
      const kept = this.granted.filter((capability) => !keys.has(capabilityKeyOf(capability)));
      changed = kept.length !== this.granted.length;
      if (changed) this.setGranted(kept);
    }
    const hook = this.policy.consentRevoked;
    const forgotten = (async () => {
      try {
        await hook?.call(this.policy, { widget: this.widget, capabilities: revoked });
      } catch (error) {
        this.logger.error(`The policy failed to forget revoked consent: ${describeThrown(error)}`);
      }
    })();
    if (changed && this.sessionState === "ready") {
      this.emit("capabilities", { requested: this.requested, granted: this.granted });
      await this.notify();
    }
    await forgotten;
  }

  /**
   * Declares that the widget's current document has loaded, as its `load` event would: for
   * transports that cannot see a frame (MessagePort, in memory) and hosts that attach after the
   * frame loaded. With `waitForIframeLoad` it starts negotiating at once; without, it negotiates as
   * soon as the widget sends `content_loaded` (at once if it already has). Once a load has been
   * seen, it does nothing: a running session is never restarted by it.
   */
  start(): void {
    if (this.sessionState === "destroyed" || this.loadSeen) return;
    this.onFrameLoad();
  }

  /**
   * Resolves when the current session is ready (at once if it is). It never rejects: if the host is
   * destroyed first, the promise stays pending, so an app that stops waiting on unmount gets no
   * unhandled rejection; listen for `destroyed` to give up.
   */
  whenReady(): Promise<void> {
    if (this.sessionState === "ready") return Promise.resolve();
    // Nothing would wake it: keep no resolver for it either.
    if (this.sessionState === "destroyed") return new Promise(() => {});
    return new Promise((resolve) => (this.waitingReady ??= []).push(resolve));
  }

  /** Listens for a host event; returns a function that stops listening. */
  on<K extends keyof WidgetHostEvents>(event: K, listener: Listener<WidgetHostEvents[K]>): () => void {
    const added = listener as Listener<never>;
    const list = this.listeners.get(event) ?? [];
    // Once per listener, as in a Set.
    // concat, not a spread: a spread (like push) reserves room for 17 listeners.
    if (!list.includes(added)) this.listeners.set(event, list.concat([added]));
    return () => {
      const current = this.listeners.get(event);
      if (!current?.includes(added)) return;
      this.listeners.set(
        event,
        current.filter((other) => other !== added),
      );
    };
  }

  /** Sends a request to the widget under the name it advertises, and parses the reply. */
  request<A extends AnyActionDescriptor>(
    action: A,
    data: RequestInput<A>,
    options?: RequestOptions,
  ): Promise<ResponseData<A>> {
    if (!this.tracing()) return sendAction(this.endpoint, action, this.versionsOfWidget, data, options);
    const startedAt = now();
    return sendAction(this.endpoint, action, this.versionsOfWidget, data, options).then(
      (result) => {
        this.emitTrace("toWidget", action.stable, startedAt, undefined);
        return result;
      },
      (error: unknown) => {
        this.emitTrace("toWidget", action.stable, startedAt, error);
        throw error;
      },
    );
  }

  /** See {@link HostHandle.push}. */
  push<A extends AnyActionDescriptor>(
    action: A,
    data: RequestInput<A>,
    done: (error?: WidgetApiError) => void,
  ): void {
    if (!this.tracing()) {
      pushAction(this.endpoint, action, this.versionsOfWidget, data, done);
      return;
    }
    const startedAt = now();
    pushAction(this.endpoint, action, this.versionsOfWidget, data, (error) => {
      this.emitTrace("toWidget", action.stable, startedAt, error);
      done(error);
    });
  }

  /** Ends the session for good: rejects pending requests, removes listeners, leaves no timers. */
  destroy(): void {
    if (this.sessionState === "destroyed") return;
    this.endSession("The host was destroyed");
    this.sessionState = "destroyed";
    this.clearTimers();
    for (const detach of this.detachFeatures.splice(0)) detach();
    this.endpoint.destroy();
    this.unsubscribeLoad?.();
    this.transport.close();
    this.emit("destroyed", {});
    this.listeners.clear();
    this.waitingReady = undefined;
  }

  /** Outbound requests waiting for the widget; for tests and diagnostics. */
  get pendingRequestCount(): number {
    return this.endpoint.pendingCount;
  }

  // ---- session lifecycle -------------------------------------------------------------------

  /**
   * Every frame load is a new document: it ends the previous document's session, whatever came
   * before it, so no document ever inherits another's grants. A load then starts negotiating at
   * once with `waitForIframeLoad`, or when a `content_loaded` was heard that may be this
   * document's (one that overtook this load event); otherwise negotiation waits for the
   * document's `content_loaded`.
   */
  private onFrameLoad(): void {
    if (this.sessionState === "destroyed") return;
    if (this.loadBelongsToSession) {
      // The MSC4412 document that opened this session has now finished loading.
      this.clearLoadWait();
      this.loadSeen = true;
      return;
    }
    const overtaken = this.overtakingOpening();
    this.clearPairingTimer();
    this.beginGeneration("The widget frame was reloaded");
    this.loadSeen = true;
    if (overtaken) {
      this.reopenMsc4412(overtaken);
      return;
    }
    if (this.waitForIframeLoad || this.announcedBeforeLoad) {
      this.announcedBeforeLoad = false;
      this.sessionWanted = true;
      void this.negotiate(this.generation);
    }
  }

  /**
   * A widget client announces itself when it is created: it asks for the host's versions, and with
   * `waitForIframeLoad` false it sends `content_loaded`. The announcement is how the host learns
   * that a client exists now, which the load event cannot tell: a client created after the load
   * (in a React effect, after a delay) missed the capabilities request sent on load.
   */
  private onAnnouncement(contentLoaded: boolean): void {
    if (this.sessionState === "destroyed") return;
    const opensSession = this.waitForIframeLoad || contentLoaded;
    if (!this.sessionWanted) {
      // Without waitForIframeLoad only content_loaded says the widget is ready to negotiate.
      if (!opensSession) return;
      if (this.loadSeen) {
        this.sessionWanted = true;
        void this.negotiate(this.generation);
        return;
      }
      // No load event seen for this document: it is still loading (its load pairs with this
      // announcement in a moment), or it loaded before the host attached (no load will come).
      this.announcedBeforeLoad = true;
      this.pairingTimer ??= setTimeout(() => this.startUnpaired(), PAIRING_MS);
      return;
    }
    // A content_loaded in a document that already sent one is a re-created client's, or a new
    // document's that overtook its load event; if the latter, that load must negotiate at once.
    if (contentLoaded && !this.waitForIframeLoad) this.announcedBeforeLoad = true;
    if (this.sessionState === "waiting") {
      // The capabilities request went unanswered (no client listened then); ask the new client.
      void this.negotiate(this.generation);
    } else if (this.sessionState === "negotiating" && this.capabilitiesPending) {
      const attempt = this.attempt;
      clearTimeout(this.unansweredTimer);
      this.unansweredTimer = setTimeout(() => {
        this.unansweredTimer = undefined;
        if (this.attempt === attempt && this.capabilitiesPending) void this.negotiate(this.generation, true);
      }, UNANSWERED_MS);
    }
  }

  /**
   * The current document's first message settled the session's dialect. A classic one carries on
   * as before. An MSC4412 one starts its own negotiation (MSC4412: the widget starts it): the
   * classic requests sent on the load are withdrawn, and the host waits for request_capabilities.
   * `previous` set means the session spoke the other dialect: a document never switches, so this
   * is a new one whose message overtook its load event.
   */
  private onDialect(dialect: Dialect, previous: Dialect | undefined): void {
    if (this.sessionState === "destroyed") return;
    if (previous !== undefined) {
      this.clearLoadWait();
      this.beginGeneration("The widget frame holds a new document speaking another protocol");
    }
    if (dialect !== "msc4412") return;
    this.clearPairingTimer();
    if (this.generation === 0 || previous !== undefined) {
      // No load seen for this document yet (or the one seen was the previous document's).
      if (this.generation === 0) this.beginGeneration("The widget frame was reloaded");
      this.awaitOwnLoad();
    }
    // Withdraw the classic capabilities request of this load: its answer will never come.
    this.attempt++;
    this.capabilitiesPending = false;
    this.announcedBeforeLoad = false;
    this.sessionWanted = false;
    clearTimeout(this.unansweredTimer);
    this.unansweredTimer = undefined;
    this.endpoint.resetSession("The widget speaks MSC4412");
    this.sessionState = "waiting";
    this.msc4412ContentLoaded = false;
    // No version exchange in MSC4412: the capabilities gate what is sent, and actions keep the
    // names in use today (its "Unstable prefix" section), which the host's own versions select.
    this.versionsOfWidget = this.supportedVersions;
  }

  /**
   * MSC4412 lets a widget open its session with request_capabilities, before or without
   * content_loaded. A reloaded document doing so can overtake its own load event: its request then
   * arrives in the old session, looks like a renegotiation there, and the load ends that session,
   * leaving the new document waiting for a notify that would never come. So when the widget's last
   * message before a load was such a request, recent enough for the load to be its document's
   * (MSC4412_LOAD_WAIT_MS), the load ends the old session as always, and that request opens the new
   * one: nothing is carried over but the list asked for, and the policy decides it afresh.
   */
  private overtakingOpening(): readonly string[] | undefined {
    const last = this.lastRenegotiation;
    this.lastRenegotiation = undefined;
    if (!last || this.dialect !== "msc4412" || now() - last.at > MSC4412_LOAD_WAIT_MS) return undefined;
    return last.capabilities;
  }

  /** Opens the new document's MSC4412 session with the request that overtook its load. */
  private reopenMsc4412(capabilities: readonly string[]): void {
    // The load made the endpoint forget the dialect; the overtaking request already spoke it.
    this.endpoint.chooseDialect("msc4412");
    if (this.dialect !== "msc4412" || this.sessionState !== "waiting") return;
    const generation = this.generation;
    this.sessionState = "negotiating";
    this.emitPreparing();
    this.renegotiations = this.renegotiations
      .then(() => this.negotiateMsc4412(generation, capabilities))
      .catch((error: unknown) => this.logger.error(`Negotiation failed: ${describeThrown(error)}`));
  }

  private awaitOwnLoad(): void {
    this.clearLoadWait();
    this.loadBelongsToSession = true;
    this.loadWaitTimer = setTimeout(() => {
      this.loadWaitTimer = undefined;
      this.loadBelongsToSession = false;
      this.loadSeen = true;
    }, MSC4412_LOAD_WAIT_MS);
  }

  private clearLoadWait(): void {
    clearTimeout(this.loadWaitTimer);
    this.loadWaitTimer = undefined;
    this.loadBelongsToSession = false;
  }

  /**
   * MSC4412's content_loaded: always required, acknowledged at once, and never what starts
   * negotiation (the widget does that). One per document, so a second one in a session comes from
   * a new document that overtook its load event: the old session ends there.
   */
  private onMsc4412ContentLoaded(requestId: string): Record<string, never> {
    if (this.msc4412ContentLoaded) {
      this.clearLoadWait();
      this.beginGeneration("The widget frame was reloaded", requestId);
      this.awaitOwnLoad();
    }
    this.msc4412ContentLoaded = true;
    return {};
  }

  /** The widget opened its MSC4412 session with request_capabilities: decide, then notify. */
  private async negotiateMsc4412(generation: number, capabilities: readonly string[]): Promise<void> {
    await Promise.resolve();
    if (generation !== this.generation || this.sessionState !== "negotiating") return;
    const requested = unique(capabilities)
      .filter((capability) => capability.length <= MAX_GRANTABLE_CAPABILITY_LENGTH)
      .slice(0, MAX_CAPABILITIES_PER_REQUEST);
    let approved: string[];
    try {
      approved = await this.decide(requested, false);
    } catch (error) {
      this.logger.error(`The capability decision failed; granting nothing: ${describeThrown(error)}`);
      approved = [];
    }
    if (generation !== this.generation || this.sessionState !== "negotiating") return;
    this.requested = Object.freeze(requested);
    this.setGranted(approved.filter((c) => !this.isDeclined(c)));
    this.sessionState = "ready";
    this.emit("ready", { requested: this.requested, granted: this.granted });
    this.wakeReadyWaiters();
    await this.notify();
  }

  /** No load event came within the pairing time: the document loaded before the host attached. */
  private startUnpaired(): void {
    this.pairingTimer = undefined;
    if (this.sessionState === "destroyed" || this.loadSeen) return;
    this.beginGeneration("The widget frame was reloaded");
    this.loadSeen = true;
    this.sessionWanted = true;
    // announcedBeforeLoad stays set: if this document's load does come later, it ends this session
    // and negotiates again at once, since the document there may already have announced itself.
    void this.negotiate(this.generation);
  }

  private onContentLoaded(): Record<string, never> {
    // Always acknowledged at once: refusing a re-created client's content_loaded (React StrictMode
    // mounts twice) would fail its create(), and holding it would delay it.
    this.onAnnouncement(true);
    return {};
  }

  private clearPairingTimer(): void {
    clearTimeout(this.pairingTimer);
    this.pairingTimer = undefined;
  }

  private clearTimers(): void {
    this.clearPairingTimer();
    this.clearLoadWait();
    clearTimeout(this.unansweredTimer);
    this.unansweredTimer = undefined;
  }

  private beginGeneration(reason: string, keepRequestId?: string): void {
    if (this.generation > 0) this.endSession(reason, keepRequestId);
    this.generation++;
    this.scope = new MutableScope(this.generation);
    this.sessionState = "waiting";
    this.loadSeen = false;
    this.sessionWanted = false;
  }

  /**
   * Ends the current session. The grants go first: nothing after them (a throwing disposer, a
   * throwing listener) can leave the next document with them.
   */
  private endSession(reason: string, keepRequestId?: string): void {
    const hadSession = this.generation > 0;
    this.granted = NONE;
    this.requested = NONE;
    this.grantedSet = CapabilitySet.empty;
    this.declined = undefined;
    this.versionsOfWidget = FROZEN_BASELINE;
    this.renegotiations = Promise.resolve();
    this.queuedRenegotiation = undefined;
    this.capabilitiesPending = false;
    clearTimeout(this.unansweredTimer);
    this.unansweredTimer = undefined;
    if (this.sessionState !== "destroyed") this.sessionState = "waiting";
    this.msc4412ContentLoaded = false;
    this.lastRenegotiation = undefined;
    this.endpoint.resetSession(reason, keepRequestId);
    this.scope.end(this.logger);
    if (hadSession) this.emit("sessionEnded", { reason });
  }

  /**
   * Asks the widget for its versions and capabilities, then the policy. `resend` replaces a
   * capabilities request that went unanswered; the answer to the replaced one is ignored.
   */
  private async negotiate(generation: number, resend = false): Promise<void> {
    // Let the reply to content_loaded leave first.
    await Promise.resolve();
    if (generation !== this.generation) return;
    const state = this.sessionState;
    if (!(state === "waiting" || (resend && state === "negotiating" && this.capabilitiesPending))) return;
    // Bounds the resends a widget can cause by announcing itself over and over.
    if (this.pendingAttempts >= MAX_CAPABILITY_ATTEMPTS) return;
    const attempt = ++this.attempt;
    this.sessionState = "negotiating";
    this.capabilitiesPending = true;
    this.pendingAttempts++;
    this.emitPreparing();
    const [versions, capabilities] = await Promise.allSettled([
      this.request(supportedApiVersionsToWidget, {}),
      this.request(capabilitiesRequest, {}),
    ]);
    this.pendingAttempts--;
    if (generation !== this.generation || attempt !== this.attempt || this.sessionState !== "negotiating") {
      return;
    }
    this.capabilitiesPending = false;
    if (versions.status === "fulfilled") {
      const parsed = v.safeParse(versionsSchema, versions.value);
      if (parsed.success)
        this.versionsOfWidget = Object.freeze(internVersions(parsed.output.supported_versions));
    }
    if (capabilities.status === "rejected") {
      // No widget answered (no client yet, or the frame now holds a foreign page): the session
      // stays unestablished rather than claiming to be ready with nothing granted. The widget's
      // next announcement asks again.
      this.logger.warn(`Widget ${this.widget.widgetId} did not answer the capabilities request`);
      this.sessionState = "waiting";
      return;
    }
    const requested = unique(capabilities.value.capabilities);
    let approved: string[];
    try {
      approved = await this.decide(requested, false);
    } catch (error) {
      // A policy that fails in any way grants nothing; the widget still hears the outcome.
      this.logger.error(`The capability decision failed; granting nothing: ${describeThrown(error)}`);
      approved = [];
    }
    if (generation !== this.generation || this.sessionState !== "negotiating") return;
    // Kept as the widget sent it (MSC2871), less strings too long to be any capability.
    this.requested = Object.freeze(
      fitted(requested.filter((capability) => capability.length <= MAX_GRANTABLE_CAPABILITY_LENGTH)),
    );
    // A capability revoked while the policy was deciding stays revoked.
    this.setGranted(approved.filter((c) => !this.isDeclined(c)));
    this.sessionState = "ready";
    this.emit("ready", { requested: this.requested, granted: this.granted });
    this.wakeReadyWaiters();
    await this.notify();
  }

  private async renegotiate(generation: number, capabilities: readonly string[]): Promise<void> {
    await Promise.resolve();
    if (generation !== this.generation || this.sessionState !== "ready") return;
    // Only what the host could grant is remembered, and the session's total stays within what one
    // notify_capabilities may carry: renegotiating cannot grow the host's memory or its notifies.
    const fresh = this.newGrantable(capabilities);
    const known = new Set(this.requested.map(capabilityKeyOf));
    const room = Math.max(0, MAX_CAPABILITIES_PER_REQUEST - this.requested.length);
    this.requested = Object.freeze(
      this.requested.concat(fresh.filter((c) => !known.has(capabilityKeyOf(c))).slice(0, room)),
    );
    const kept = new Set(this.requested.map(capabilityKeyOf));
    const approved = await this.decide(
      fresh.filter((c) => kept.has(capabilityKeyOf(c))),
      true,
    );
    if (generation !== this.generation || this.sessionState !== "ready") return;
    // A capability revoked while the policy was deciding stays revoked.
    this.setGranted(unique([...this.granted, ...approved.filter((c) => !this.isDeclined(c))]));
    this.emit("capabilities", { requested: this.requested, granted: this.granted });
    await this.notify();
  }

  /**
   * Tells the widget the granted set (MSC2871), then emits `capabilitiesNotified` with what was
   * sent, unless the session ended meanwhile. A widget without MSC2871 is not told (it would
   * refuse the action), and the event says so.
   */
  private async notify(): Promise<void> {
    const generation = this.generation;
    // Both lists are replaced, never changed in place: these are what is sent.
    const requested = this.requested;
    const granted = this.granted;
    let acknowledged = false;
    if (this.versionsOfWidget.includes(ApiVersion.MSC2871)) {
      try {
        await this.request(notifyCapabilities, { requested: [...requested], approved: [...granted] });
        acknowledged = true;
      } catch (error) {
        this.logger.warn(`notify_capabilities was not acknowledged: ${describeThrown(error)}`);
      }
    }
    if (generation !== this.generation || this.sessionState !== "ready") return;
    this.emit("capabilitiesNotified", { requested, granted, acknowledged });
  }

  /** Asks the policy about the grantable subset of `requested`, and keeps only what was requested. */
  private async decide(requested: readonly string[], renegotiation: boolean): Promise<string[]> {
    const context = this.grantableContext;
    const offered = requested.filter((capability) => {
      try {
        return isGrantable(capability, context);
      } catch (error) {
        this.logger.error(`Policy failed on a capability check: ${describeThrown(error)}`);
        return false;
      }
    });
    if (offered.length === 0) return [];
    let answer: Iterable<string>;
    const scope = this.scope;
    try {
      answer = await this.policy.approveCapabilities({
        widget: this.widget,
        requested: offered,
        granted: [...this.granted],
        renegotiation,
        // Made on first read: most policies never look, and a signal costs every session memory.
        get signal() {
          return scope.signal;
        },
      });
    } catch (error) {
      this.logger.error(`The capability policy failed; granting nothing: ${describeThrown(error)}`);
      return [];
    }
    const approved = new Set<unknown>();
    try {
      for (const capability of answer) approved.add(capability);
    } catch (error) {
      this.logger.error(
        `The capability policy's answer could not be read; granting nothing: ${describeThrown(error)}`,
      );
      return [];
    }
    this.warnAboutUnaskedApprovals(approved, offered);
    // Only an answer counts as a decision: a policy that failed above declined nothing, so the
    // widget may ask again.
    for (const capability of offered) {
      if (!approved.has(capability)) this.decline(capabilityKeyOf(capability));
    }
    return offered.filter((capability) => approved.has(capability));
  }

  /**
   * Approvals of capabilities the policy was not asked about are never granted. Dropping them
   * silently would hide a mistake in the app's policy (a fixed list returned whatever was asked,
   * a spelling the widget did not use, a capability the host can never grant), so it is logged.
   */
  private warnAboutUnaskedApprovals(approved: ReadonlySet<unknown>, offered: readonly string[]): void {
    const asked = new Set(offered);
    const unasked = [...approved].filter((capability) => !asked.has(capability as string));
    if (unasked.length === 0) return;
    const shown = unasked
      .slice(0, 5)
      .map((capability) =>
        typeof capability === "string" ? JSON.stringify(capability.slice(0, 100)) : `a ${typeof capability}`,
      );
    const more = unasked.length > shown.length ? ` and ${unasked.length - shown.length} more` : "";
    this.logger.warn(
      `The capability policy approved ${unasked.length} capabilities it was not asked about, which are not granted: ${shown.join(", ")}${more}`,
    );
  }

  /**
   * The capabilities of `capabilities` that the host could grant, that the widget does not hold yet
   * and that were not declined earlier in this session
   * (in either spelling), once each. Empty means the widget asked for nothing new.
   */
  private newGrantable(capabilities: readonly string[]): string[] {
    const context = this.grantableContext;
    const seen = new Set([...this.granted.map(capabilityKeyOf), ...(this.declined ?? [])]);
    const fresh: string[] = [];
    for (const capability of capabilities) {
      let grantable: boolean;
      try {
        grantable = isGrantable(capability, context);
      } catch (error) {
        this.logger.error(`Policy failed on a capability check: ${describeThrown(error)}`);
        grantable = false;
      }
      if (!grantable) continue;
      const key = capabilityKeyOf(capability);
      if (seen.has(key)) continue;
      seen.add(key);
      fresh.push(capability);
    }
    return fresh;
  }

  /** Whether a capability (in either spelling) was declined in this session. */
  private isDeclined(capability: string): boolean {
    return this.declined !== undefined && this.declined.has(capabilityKeyOf(capability));
  }

  /** Counts a capability key as declined for the rest of the session. */
  private decline(key: string): void {
    (this.declined ??= new Set()).add(key);
  }

  private wakeReadyWaiters(): void {
    const waiting = this.waitingReady;
    this.waitingReady = undefined;
    for (const resolve of waiting ?? []) resolve();
  }

  private setGranted(granted: string[]): void {
    this.granted = Object.freeze(fitted(granted));
    this.grantedSet = CapabilitySet.from(granted);
  }

  // ---- request dispatch --------------------------------------------------------------------

  /**
   * Optional capabilities (a registration's `servesCapability`, such as `mxid_share`) that no
   * action of this host can serve: every registration serving one is unavailable with this driver
   * and policy, the same test that withholds its version. They are not grantable, so what is
   * granted and what is advertised agree. (Capabilities an action's rule requires stay grantable
   * and the action answers `unsupported`, as before; see docs/decisions.md.)
   */
  private unservableCapabilities(): ReadonlySet<string> {
    const servable = new Map<string, boolean>();
    for (const registration of this.actions.registrations) {
      const name = registration.servesCapability;
      if (name === undefined) continue;
      const available = registration.available?.(this.driver, this.policy) ?? true;
      servable.set(name, (servable.get(name) ?? false) || available);
    }
    const unservable = [...servable].filter(([, available]) => !available).map(([name]) => name);
    return unservable.length === 0 ? NONE_UNSERVABLE : new Set(unservable);
  }

  private computeVersions(features: readonly HostFeature[]): string[] {
    const versions = new Set<string>([
      ...features.flatMap((feature) => [
        ...(feature.versions ?? []),
        ...(feature.versionsFor?.(this.driver) ?? []),
      ]),
      ...BASELINE_VERSIONS,
      ApiVersion.MSC2871,
      ApiVersion.MSC2974,
    ]);
    for (const registration of this.actions.registrations) {
      const version = registration.action.version;
      if (version && (registration.available?.(this.driver, this.policy) ?? true)) versions.add(version);
    }
    return [...versions];
  }

  private async traceInbound(request: InboundRequest): Promise<JsonObject> {
    const startedAt = now();
    try {
      const response = await this.dispatch(request);
      this.emitTrace("fromWidget", request.action, startedAt, undefined);
      return response;
    } catch (error) {
      this.emitTrace("fromWidget", request.action, startedAt, error);
      throw error;
    }
  }

  /** Whether anyone listens to the trace. */
  private tracing(): boolean {
    return (this.listeners.get("trace")?.length ?? 0) > 0;
  }

  /**
   * Serves one request: its reply, or a throw (synchronous or not) for an error reply; the
   * endpoint turns either into exactly one reply.
   */
  private dispatch(request: InboundRequest): Promise<JsonObject> | JsonObject {
    // Any later request means an earlier request_capabilities was not a reloaded document's first.
    this.lastRenegotiation = undefined;
    const registration = this.actions.lookup(request.dialect, request.action);
    if (!registration) {
      throw new WidgetApiError(`Unknown or unsupported action: ${request.action}`, ErrorCode.UnknownAction);
    }
    const { action } = registration;
    const msc4412 = request.dialect === "msc4412";
    const beforeSession = msc4412
      ? action.beforeSession || action.msc4412?.beforeSession
      : action.beforeSession;
    if (!beforeSession && this.sessionState !== "ready") {
      throw new WidgetApiError(
        `${request.action} is not allowed before the capability exchange has finished`,
        ErrorCode.OutOfSequence,
      );
    }
    const data = parseRequestData(this.actions.actionFor(registration), request.data);
    const rule = action.capability;
    if (rule && !("dynamic" in rule)) {
      const held =
        "fixed" in rule
          ? this.grantedSet.hasFixed(rule.fixed as FixedCapabilityName)
          : this.grantedSet.hasCustom(rule.custom);
      if (!held) {
        const needed =
          "fixed" in rule
            ? formatCapability({ kind: "fixed", name: rule.fixed as FixedCapabilityName }, "unstable")
            : rule.custom;
        throw new WidgetApiError(
          `Missing capability ${needed} for ${request.action}`,
          ErrorCode.MissingCapability,
        );
      }
    }
    return registration.handle(new RequestContext(this.contextParts, this.scope, request), data) as
      Promise<JsonObject> | JsonObject;
  }

  private rateLimit(name: string, limit: RateLimit): void {
    const buckets = (this.buckets ??= new Map());
    let bucket = buckets.get(name);
    if (!bucket) buckets.set(name, (bucket = new TokenBucket(limit)));
    if (!bucket.tryTake()) {
      throw new WidgetApiError(
        `Rate limit exceeded for ${name}; retry in ${bucket.retryAfterMs} ms`,
        ErrorCode.LimitExceeded,
      );
    }
  }

  /**
   * The session actions, served by whichever host the request came to. Shared by every host (they
   * reach theirs through the request context), so the tables holding them can be shared too.
   */
  private static readonly sessionActions: readonly HostActionRegistration[] = [
    defineHostAction({
      action: supportedApiVersionsFromWidget,
      handle: (context) => hostOf(context).onVersionsRequest(),
    }),
    defineHostAction({
      action: contentLoaded,
      handle: (context) => hostOf(context).onContentLoadedRequest(context.requestId),
    }),
    defineHostAction({
      action: requestCapabilities,
      handle: (context, data) => hostOf(context).onCapabilitiesRequest(context, data.capabilities),
    }),
  ];

  /** The action table of hosts that add no actions of their own, by the built-in list: one per process. */
  private static readonly sharedTables = new WeakMap<readonly HostActionRegistration[], HostActionTable>();

  /** The table serving the session actions, the built-ins and a host application's own actions. */
  private static actionTable(
    builtIns: readonly HostActionRegistration[],
    own: readonly HostActionRegistration[] | undefined,
  ): HostActionTable {
    if (own !== undefined && own.length > 0) {
      return new HostActionTable(hostRegistrations(WidgetHost.sessionActions, builtIns, own));
    }
    let table = WidgetHost.sharedTables.get(builtIns);
    if (!table) {
      table = new HostActionTable([...WidgetHost.sessionActions, ...builtIns]);
      WidgetHost.sharedTables.set(builtIns, table);
    }
    return table;
  }

  private onVersionsRequest(): { supported_versions: string[] } {
    // Every client asks for the versions when it is created: it announces itself.
    this.onAnnouncement(false);
    return { supported_versions: [...this.supportedVersions] };
  }

  private onContentLoadedRequest(requestId: string): Record<string, never> {
    return this.dialect === "msc4412" ? this.onMsc4412ContentLoaded(requestId) : this.onContentLoaded();
  }

  private onCapabilitiesRequest(
    context: HostActionContext,
    capabilities: readonly string[],
  ): Record<string, never> {
    const generation = this.generation;
    if (this.dialect === "msc4412" && this.sessionState === "waiting") {
      // MSC4412: this request opens the session, as the host's capabilities request does in
      // classic, so it is no renegotiation and charges nothing. Acknowledged now; the
      // outcome is the notify_capabilities that follows (a slow action).
      this.sessionState = "negotiating";
      this.emitPreparing();
      this.renegotiations = this.renegotiations
        .then(() => this.negotiateMsc4412(generation, capabilities))
        .catch((error: unknown) => this.logger.error(`Negotiation failed: ${describeThrown(error)}`));
      return {};
    }
    // Asking again for what the widget holds (matrix-widget-toolkit does, repeatedly) or for
    // what can never be granted reaches no policy: it is answered at once and charges nothing.
    const fresh = this.newGrantable(capabilities);
    if (fresh.length > 0) {
      const known = new Set(this.requested.map(capabilityKeyOf));
      const additions = fresh.filter((c) => !known.has(capabilityKeyOf(c))).length;
      if (this.requested.length + additions > MAX_CAPABILITIES_PER_REQUEST) {
        throw new WidgetApiError(
          `This session has requested ${this.requested.length} capabilities; at most ${MAX_CAPABILITIES_PER_REQUEST} are kept`,
          ErrorCode.LimitExceeded,
        );
      }
      context.rateLimit("renegotiation", this.limits.renegotiation);
    }
    if (this.dialect === "msc4412") {
      this.lastRenegotiation = { capabilities: [...capabilities], at: now() };
    }
    // Only the new grantable ones are kept: the rest would be left out when the turn comes too.
    const queued = this.queuedRenegotiation;
    if (queued !== undefined && queued.generation === generation) {
      for (const capability of fresh) queued.capabilities.push(capability);
      return {};
    }
    const next = { generation, capabilities: fresh };
    this.queuedRenegotiation = next;
    this.renegotiations = this.renegotiations
      .then(() => {
        if (this.queuedRenegotiation === next) this.queuedRenegotiation = undefined;
        return this.renegotiate(generation, next.capabilities);
      })
      .catch((error: unknown) => this.logger.error(`Renegotiation failed: ${describeThrown(error)}`));
    return {};
  }

  /**
   * Emits `preparing` when the document's first capability exchange begins: not for a resend, a
   * second ask after an unanswered request, or an MSC4412 widget taking over the exchange the
   * load began.
   */
  private emitPreparing(): void {
    if (this.preparedGeneration === this.generation) return;
    this.preparedGeneration = this.generation;
    this.emit("preparing", {});
  }

  private emit<K extends keyof WidgetHostEvents>(event: K, payload: WidgetHostEvents[K]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        (listener as Listener<WidgetHostEvents[K]>)(payload);
      } catch (error) {
        this.logger.error(`A ${event} listener threw: ${describeThrown(error)}`);
      }
    }
  }

  private emitTrace(
    direction: TraceEntry["direction"],
    action: string,
    startedAt: number,
    error: unknown,
  ): void {
    if (!this.listeners.get("trace")?.length) return;
    const entry: TraceEntry = { direction, action, startedAt, durationMs: now() - startedAt, ok: !error };
    // Only our own error replies are shown; anything else may quote internals (URLs, tokens).
    if (error) entry.error = error instanceof WidgetApiError ? error.message : "internal error";
    this.emit("trace", entry);
  }
}

/** The parts of a request context that are the same for every request of a host. */
interface ContextParts {
  readonly widget: WidgetIdentity;
  readonly driver: WidgetDriver;
  readonly policy: HostPolicy;
  readonly limits: Readonly<HostLimits>;
  readonly logger: Logger;
  readonly host: WidgetHost;
  readonly rateLimit: (name: string, limit: RateLimit) => void;
}

/**
 * What a handler gets besides its request. Every member is an own data property, so a spread
 * copy (`{ ...context, limits }`) keeps them all, as with the object literal this replaces. A class:
 * an object literal with a getter cost nearly a microsecond to make, more than the rest of a
 * request's dispatch. An own accessor defined on each context still cost about 300 ns, so the live
 * grants are a view made once per session ({@link MutableScope.liveCapabilities}).
 */
class RequestContext implements HostActionContext {
  /** The grants, read at each access: the session's live view (see {@link MutableScope.liveCapabilities}). */
  readonly capabilities: CapabilitySet;
  readonly widget: WidgetIdentity;
  readonly driver: WidgetDriver;
  readonly policy: HostPolicy;
  readonly limits: Readonly<HostLimits>;
  readonly logger: Logger;
  readonly requestId: string;
  readonly actionName: string;
  readonly viewedRoomId: string | undefined;
  readonly widgetVersions: readonly string[];
  readonly rateLimit: (name: string, limit: RateLimit) => void;
  readonly afterReply: (task: () => void) => void;
  readonly sendToWidget: <A extends AnyActionDescriptor>(
    action: A,
    data: RequestInput<A>,
  ) => Promise<ResponseData<A>>;
  /** The host serving the request; the session actions reach it here (see {@link hostOf}). */
  readonly host: WidgetHost;

  constructor(
    parts: ContextParts,
    readonly session: MutableScope,
    request: InboundRequest,
  ) {
    this.capabilities = session.liveCapabilities(parts.host);
    this.widget = parts.widget;
    this.driver = parts.driver;
    this.policy = parts.policy;
    this.limits = parts.limits;
    this.logger = parts.logger;
    this.host = parts.host;
    this.rateLimit = parts.rateLimit;
    this.requestId = request.requestId;
    this.actionName = request.action;
    this.viewedRoomId = parts.host.viewedRoomId;
    this.widgetVersions = parts.host.widgetVersions;
    this.afterReply = (task) => request.afterReply(task);
    this.sendToWidget = (action, data) => parts.host.request(action, data);
  }
}

/** The host a session action's request came to: its context is always the host's own. */
function hostOf(context: HostActionContext): WidgetHost {
  return (context as RequestContext).host;
}

/**
 * One session's scope. Its map, cleanup list and abort signal are made when first used: most
 * sessions never need the signal, and a host keeps one scope per live session.
 */
class MutableScope implements SessionScope {
  private valueMap: Map<symbol, unknown> | undefined;
  private disposers: Array<() => void> | undefined;
  private controller: AbortController | undefined;
  private liveGrants: CapabilitySet | undefined;
  ended = false;

  constructor(readonly generation: number) {}

  /**
   * The session's grants as a live view, made at the first request: the host's granted set at
   * each access, and nothing once the session has ended. Every request context of the session
   * holds it, so a closure kept past its request (a watch, a push) sees grants added by
   * renegotiation, and a copy of the context does too.
   */
  liveCapabilities(host: WidgetHost): CapabilitySet {
    return (this.liveGrants ??= CapabilitySet.live(() =>
      this.ended ? CapabilitySet.empty : host.capabilities,
    ));
  }

  get values(): Map<symbol, unknown> {
    return (this.valueMap ??= new Map());
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.ended) this.controller.abort();
    }
    return this.controller.signal;
  }

  onEnd(dispose: () => void): void {
    if (this.ended) dispose();
    else (this.disposers ??= []).push(dispose);
  }

  end(logger: Logger): void {
    if (this.ended) return;
    this.ended = true;
    this.controller?.abort();
    const disposers = this.disposers ?? [];
    this.disposers = undefined;
    for (const dispose of disposers) {
      try {
        dispose();
      } catch (error) {
        logger.error(`Session cleanup failed: ${describeThrown(error)}`);
      }
    }
    this.valueMap?.clear();
  }
}

/**
 * The widget's origin: the transport's pinned one, else the deprecated `origin` option. A mismatch
 * is a setup mistake worth a warning; the transport wins because it is what messages are checked
 * against.
 */
function widgetOrigin(transport: Transport, option: string | undefined, logger: Logger): string | undefined {
  let pinned: unknown;
  try {
    pinned = transport.peerOrigin;
  } catch (error) {
    logger.warn(`The transport's peerOrigin could not be read: ${describeThrown(error)}`);
  }
  const fromTransport = typeof pinned === "string" && pinned !== "" ? pinned : undefined;
  if (fromTransport !== undefined && option && option !== fromTransport) {
    logger.warn(
      `The origin option (${option}) differs from the transport's (${fromTransport}); using the transport's`,
    );
  }
  return fromTransport ?? (option || undefined);
}

/** One key per capability whatever its spelling, so stable and unstable names count as the same. */
function capabilityKeyOf(capability: string): string {
  return capabilityKey(parseCapability(capability));
}

/**
 * The arrays a host hands to listeners and callers are frozen: they are the host's own (a copy per
 * event would cost every negotiation), and a listener that wrote to one would change what the host
 * believes it granted or was asked for. The baseline is the host's own frozen copy, since
 * {@link BASELINE_VERSIONS} is shared with the widget SDK.
 */
const NONE: readonly string[] = Object.freeze([]);
const FROZEN_BASELINE: readonly string[] = Object.freeze([...BASELINE_VERSIONS]);

/**
 * A copy of an array with no room to spare. Arrays built by filter, push or a spread keep room for
 * 17 elements; the session's requested and granted lists live as long as the session.
 */
function fitted<T>(values: readonly T[]): T[] {
  return values.slice();
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}
