import * as v from "valibot";
import {
  CapabilitySet,
  capabilityKey,
  formatCapability,
  parseCapability,
  type FixedCapabilityName,
} from "../capabilities/index.js";
import { Endpoint, type InboundRequest, type RequestOptions } from "../core/endpoint.js";
import { consoleLogger, type Logger } from "../core/logger.js";
import { callAction, parseRequestData } from "../core/validation.js";
import type { AnyActionDescriptor, RequestInput, ResponseData } from "../protocol/action.js";
import { wireNames } from "../protocol/action.js";
import type { JsonObject } from "../protocol/envelope.js";
import { ErrorCode, WidgetApiError } from "../protocol/errors.js";
import { ApiVersion, BASELINE_VERSIONS } from "../protocol/versions.js";
import {
  capabilitiesRequest,
  contentLoaded,
  notifyCapabilities,
  requestCapabilities,
  supportedApiVersionsFromWidget,
  supportedApiVersionsToWidget,
} from "../protocol/actions/session.js";
import type { Transport } from "../transport/transport.js";
import { builtInHostActions } from "./actions/index.js";
import { builtInHostFeatures, type HostFeature } from "./features/index.js";
import { isGrantable } from "./capability-filter.js";
import type { WidgetDriver } from "./driver.js";
import { DEFAULT_HOST_LIMITS, TokenBucket, type HostLimits, type RateLimit } from "./limits.js";
import { denyAllPolicy, type HostPolicy, type WidgetIdentity } from "./policy.js";
import {
  defineHostAction,
  type HostActionContext,
  type HostActionRegistration,
  type SessionScope,
} from "./registry.js";

/** Where a host session stands. */
export type HostSessionState =
  /** Waiting for the frame to load (or for `content_loaded`). */
  | "waiting"
  /** Asking the widget for its versions and capabilities, and the policy for a decision. */
  | "negotiating"
  /** Capabilities are settled; the widget may use them. */
  | "ready"
  /** destroy() was called. */
  | "destroyed";

/** One request or reply seen by the host, for logs and the playground's traffic view. No payloads. */
export interface TraceEntry {
  direction: "fromWidget" | "toWidget";
  action: string;
  /** When the request was sent or received (ms, performance clock when available). */
  startedAt: number;
  /** How long until the reply. */
  durationMs: number;
  ok: boolean;
  /** The error message of an error reply. */
  error?: string;
}

/** Events a {@link WidgetHost} emits. */
export interface WidgetHostEvents {
  /** The capability exchange finished and the session is usable. */
  ready: { requested: readonly string[]; granted: readonly string[] };
  /** The granted set changed after a renegotiation. */
  capabilities: { requested: readonly string[]; granted: readonly string[] };
  /** The session ended: the frame reloaded or navigated, or the host was destroyed. Grants are gone. */
  sessionEnded: { reason: string };
  /** The host app changed the viewed room. */
  viewedRoom: { roomId: string | undefined; previous: string | undefined };
  /** A request or reply passed, for traffic logs. */
  trace: TraceEntry;
}

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
   * `content_loaded` (false).
   */
  waitForIframeLoad?: boolean;
  /** Bounds and rate limits; unset ones keep their defaults. */
  limits?: Partial<HostLimits>;
  /** Custom actions of the host application, served from the same table as the built-in ones. */
  actions?: readonly HostActionRegistration[];
  /** Extra features to attach besides the built-in ones. */
  features?: readonly HostFeature[];
  /** The widget's origin, shown to policies. */
  origin?: string;
  /** The room the user is viewing. */
  viewedRoomId?: string;
  logger?: Logger;
}

type Listener<T> = (payload: T) => void;

const versionsSchema = v.object({ supported_versions: v.array(v.string()) });

/**
 * The host side of one widget: it runs the session (versions, capabilities, renegotiation),
 * validates every request against the action table, checks capabilities, applies the policy and
 * limits, calls the driver, and answers every request exactly once.
 */
export class WidgetHost {
  /** The widget this host serves. */
  readonly widget: WidgetIdentity;
  private readonly transport: Transport;
  private readonly driver: WidgetDriver;
  private readonly policy: HostPolicy;
  private readonly limits: Readonly<HostLimits>;
  /** Where the host and its features report what they do. */
  readonly logger: Logger;
  private readonly waitForIframeLoad: boolean;
  private readonly endpoint: Endpoint;
  private readonly registry = new Map<string, HostActionRegistration>();
  private readonly customCapabilities = new Set<string>();
  private readonly listeners = new Map<keyof WidgetHostEvents, Set<Listener<never>>>();
  private readonly unsubscribeLoad: (() => void) | undefined;
  private readonly detachFeatures: Array<() => void> = [];
  /** API versions this host advertises. */
  readonly supportedVersions: readonly string[];

  private sessionState: HostSessionState = "waiting";
  private generation = 0;
  private loadCount = 0;
  private contentLoadedCount = 0;
  private scope: MutableScope = new MutableScope(0);
  private granted: string[] = [];
  private grantedSet = CapabilitySet.empty;
  private requested: string[] = [];
  private versionsOfWidget: readonly string[] = BASELINE_VERSIONS;
  /** Rate-limit buckets live as long as the host, not the session: a widget cannot reset them by reloading. */
  private readonly buckets = new Map<string, TokenBucket>();
  private renegotiations: Promise<void> = Promise.resolve();
  private viewedRoom: string | undefined;
  private waitingReady: Array<() => void> = [];

  constructor(options: WidgetHostOptions) {
    this.widget = { widgetId: options.widgetId, ...(options.origin ? { origin: options.origin } : {}) };
    this.transport = options.transport;
    this.driver = options.driver ?? {};
    this.policy = options.policy ?? denyAllPolicy;
    this.limits = { ...DEFAULT_HOST_LIMITS, ...options.limits };
    this.logger = options.logger ?? consoleLogger;
    this.waitForIframeLoad = options.waitForIframeLoad ?? true;
    this.viewedRoom = options.viewedRoomId;

    for (const registration of [
      ...this.sessionActions(),
      ...builtInHostActions,
      ...(options.actions ?? []),
    ]) {
      this.register(registration);
    }
    const features = [...builtInHostFeatures, ...(options.features ?? [])];
    this.supportedVersions = this.computeVersions(features);

    this.endpoint = new Endpoint({
      transport: this.transport,
      widgetId: options.widgetId,
      side: "host",
      defaultTimeoutMs: this.limits.requestTimeoutMs,
      maxPendingOutbound: this.limits.maxPending,
      maxInboundInFlight: this.limits.maxInFlight,
      maxMessageBytes: this.limits.maxMessageBytes,
      logger: this.logger,
      onRequest: (request) => this.traceInbound(request),
    });
    this.unsubscribeLoad = this.transport.onPeerLoad?.(() => this.onFrameLoad());
    for (const feature of features) this.detachFeatures.push(feature.attach(this, this.driver));
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
   * Starts negotiating now, without waiting for a `load` event: for transports that cannot see a
   * frame (MessagePort, in memory) and hosts that attach after the frame loaded.
   */
  start(): void {
    if (this.sessionState === "destroyed") return;
    if (this.waitForIframeLoad) this.onFrameLoad();
  }

  /** Resolves when the current session is ready. */
  whenReady(): Promise<void> {
    if (this.sessionState === "ready") return Promise.resolve();
    return new Promise((resolve) => this.waitingReady.push(resolve));
  }

  /** Listens for a host event; returns a function that stops listening. */
  on<K extends keyof WidgetHostEvents>(event: K, listener: Listener<WidgetHostEvents[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Sends a request to the widget under the name it advertises, and parses the reply. */
  async request<A extends AnyActionDescriptor>(
    action: A,
    data: RequestInput<A>,
    options?: RequestOptions,
  ): Promise<ResponseData<A>> {
    const startedAt = now();
    try {
      const result = await callAction(this.endpoint, action, this.versionsOfWidget, data, options);
      this.emitTrace("toWidget", action.stable, startedAt, undefined);
      return result;
    } catch (error) {
      this.emitTrace("toWidget", action.stable, startedAt, error);
      throw error;
    }
  }

  /** Ends the session for good: rejects pending requests, removes listeners, leaves no timers. */
  destroy(): void {
    if (this.sessionState === "destroyed") return;
    this.endSession("The host was destroyed");
    this.sessionState = "destroyed";
    for (const detach of this.detachFeatures.splice(0)) detach();
    this.endpoint.destroy();
    this.unsubscribeLoad?.();
    this.transport.close();
    this.listeners.clear();
    this.waitingReady = [];
  }

  /** Outbound requests waiting for the widget; for tests and diagnostics. */
  get pendingRequestCount(): number {
    return this.endpoint.pendingCount;
  }

  // ---- session lifecycle -------------------------------------------------------------------

  /**
   * Every frame load is a new document. Loads and content_loaded messages are paired by count,
   * because a new document's content_loaded can overtake its own load event: whichever of the two
   * arrives first for a document starts its session, ending the previous document's session.
   */
  private onFrameLoad(): void {
    if (this.sessionState === "destroyed") return;
    this.loadCount++;
    if (this.waitForIframeLoad) {
      this.beginGeneration("The widget frame was reloaded");
      void this.negotiate(this.generation);
    } else if (this.loadCount > this.contentLoadedCount) {
      this.beginGeneration("The widget frame was reloaded");
    }
  }

  private onContentLoaded(requestId: string): void {
    if (!this.waitForIframeLoad) {
      this.contentLoadedCount++;
      if (this.contentLoadedCount > this.loadCount) {
        this.beginGeneration("The widget frame was reloaded", requestId);
      }
      void this.negotiate(this.generation);
    }
    // With waitForIframeLoad the load event starts negotiation; a content_loaded is acked and ignored.
  }

  private beginGeneration(reason: string, keepRequestId?: string): void {
    if (this.generation > 0) this.endSession(reason, keepRequestId);
    this.generation++;
    this.scope = new MutableScope(this.generation);
    this.sessionState = "waiting";
  }

  private endSession(reason: string, keepRequestId?: string): void {
    const hadSession = this.generation > 0;
    this.endpoint.resetSession(reason, keepRequestId);
    this.scope.end(this.logger);
    this.granted = [];
    this.requested = [];
    this.grantedSet = CapabilitySet.empty;
    this.versionsOfWidget = BASELINE_VERSIONS;
    this.renegotiations = Promise.resolve();
    if (this.sessionState !== "destroyed") this.sessionState = "waiting";
    if (hadSession) this.emit("sessionEnded", { reason });
  }

  private async negotiate(generation: number): Promise<void> {
    // Let the reply to content_loaded leave first.
    await Promise.resolve();
    if (generation !== this.generation || this.sessionState !== "waiting") return;
    this.sessionState = "negotiating";
    const [versions, capabilities] = await Promise.allSettled([
      this.request(supportedApiVersionsToWidget, {}),
      this.request(capabilitiesRequest, {}),
    ]);
    if (generation !== this.generation || this.sessionState !== "negotiating") return;
    if (versions.status === "fulfilled") {
      const parsed = v.safeParse(versionsSchema, versions.value);
      if (parsed.success) this.versionsOfWidget = parsed.output.supported_versions;
    }
    if (capabilities.status === "rejected") {
      // No widget answered (say the frame now holds a foreign page): the session stays
      // unestablished rather than claiming to be ready with nothing granted.
      this.logger.warn(`Widget ${this.widget.widgetId} did not answer the capabilities request`);
      this.sessionState = "waiting";
      return;
    }
    const requested = unique(capabilities.value.capabilities);
    const approved = await this.decide(requested, false);
    if (generation !== this.generation || this.sessionState !== "negotiating") return;
    this.requested = requested;
    this.setGranted(approved);
    this.sessionState = "ready";
    this.emit("ready", { requested: this.requested, granted: this.granted });
    for (const resolve of this.waitingReady.splice(0)) resolve();
    await this.notify();
  }

  private async renegotiate(generation: number, capabilities: readonly string[]): Promise<void> {
    await Promise.resolve();
    if (generation !== this.generation || this.sessionState !== "ready") return;
    const grantedKeys = new Set(this.granted.map((c) => capabilityKey(parseCapability(c))));
    const fresh = unique(capabilities).filter((c) => !grantedKeys.has(capabilityKey(parseCapability(c))));
    this.requested = unique([...this.requested, ...capabilities]);
    const approved = await this.decide(fresh, true);
    if (generation !== this.generation || this.sessionState !== "ready") return;
    this.setGranted(unique([...this.granted, ...approved]));
    this.emit("capabilities", { requested: this.requested, granted: this.granted });
    await this.notify();
  }

  private async notify(): Promise<void> {
    if (!this.versionsOfWidget.includes(ApiVersion.MSC2871)) return;
    try {
      await this.request(notifyCapabilities, { requested: [...this.requested], approved: [...this.granted] });
    } catch (error) {
      this.logger.warn(`notify_capabilities was not acknowledged: ${(error as Error).message}`);
    }
  }

  /** Asks the policy about the grantable subset of `requested`, and keeps only what was requested. */
  private async decide(requested: readonly string[], renegotiation: boolean): Promise<string[]> {
    const context = { customCapabilities: this.customCapabilities, policy: this.policy, widget: this.widget };
    const offered = requested.filter((capability) => {
      try {
        return isGrantable(capability, context);
      } catch (error) {
        this.logger.error(`Policy failed on a capability check: ${(error as Error).message}`);
        return false;
      }
    });
    if (offered.length === 0) return [];
    let answer: Iterable<string>;
    try {
      answer = await this.policy.approveCapabilities({
        widget: this.widget,
        requested: offered,
        granted: [...this.granted],
        renegotiation,
      });
    } catch (error) {
      this.logger.error(`The capability policy failed; granting nothing: ${(error as Error).message}`);
      return [];
    }
    const approved = new Set<string>();
    for (const capability of answer) approved.add(capability);
    return offered.filter((capability) => approved.has(capability));
  }

  private setGranted(granted: string[]): void {
    this.granted = granted;
    this.grantedSet = CapabilitySet.from(granted);
  }

  // ---- request dispatch --------------------------------------------------------------------

  private register(registration: HostActionRegistration): void {
    const { action } = registration;
    if (action.direction !== "fromWidget") {
      throw new Error(`Host handlers serve fromWidget actions; ${action.stable} is ${action.direction}`);
    }
    for (const name of wireNames(action)) {
      if (this.registry.has(name)) throw new Error(`Action ${name} is registered twice`);
      this.registry.set(name, registration);
    }
    const rule = action.capability;
    if (rule && "custom" in rule) this.customCapabilities.add(rule.custom);
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
    for (const registration of new Set(this.registry.values())) {
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

  private async dispatch(request: InboundRequest): Promise<JsonObject> {
    const registration = this.registry.get(request.action);
    if (!registration) {
      throw new WidgetApiError(`Unknown or unsupported action: ${request.action}`, ErrorCode.UnknownAction);
    }
    const { action } = registration;
    if (!action.beforeSession && this.sessionState !== "ready") {
      throw new WidgetApiError(
        `${request.action} is not allowed before the capability exchange has finished`,
        ErrorCode.OutOfSequence,
      );
    }
    const data = parseRequestData(
      registration.strictRequest ? { ...action, request: registration.strictRequest } : action,
      request.data,
    );
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
    return (await registration.handle(this.context(request.action, request.requestId), data)) as JsonObject;
  }

  private context(actionName: string, requestId: string): HostActionContext {
    return {
      requestId,
      widget: this.widget,
      driver: this.driver,
      policy: this.policy,
      capabilities: this.grantedSet,
      limits: this.limits,
      logger: this.logger,
      actionName,
      viewedRoomId: this.viewedRoom,
      session: this.scope,
      widgetVersions: this.versionsOfWidget,
      rateLimit: (name, limit) => this.rateLimit(name, limit),
      sendToWidget: (action, data) => this.request(action, data),
    };
  }

  private rateLimit(name: string, limit: RateLimit): void {
    let bucket = this.buckets.get(name);
    if (!bucket) this.buckets.set(name, (bucket = new TokenBucket(limit)));
    if (!bucket.tryTake()) {
      throw new WidgetApiError(
        `Rate limit exceeded for ${name}; retry in ${bucket.retryAfterMs} ms`,
        ErrorCode.LimitExceeded,
      );
    }
  }

  private sessionActions(): HostActionRegistration[] {
    return [
      defineHostAction({
        action: supportedApiVersionsFromWidget,
        handle: () => ({ supported_versions: [...this.supportedVersions] }),
      }),
      defineHostAction({
        action: contentLoaded,
        handle: (context) => {
          this.onContentLoaded(context.requestId);
          return {};
        },
      }),
      defineHostAction({
        action: requestCapabilities,
        handle: (context, data) => {
          context.rateLimit("renegotiation", this.limits.renegotiation);
          const generation = this.generation;
          this.renegotiations = this.renegotiations
            .then(() => this.renegotiate(generation, data.capabilities))
            .catch((error: unknown) =>
              this.logger.error(`Renegotiation failed: ${(error as Error).message}`),
            );
          return {};
        },
      }),
    ];
  }

  private emit<K extends keyof WidgetHostEvents>(event: K, payload: WidgetHostEvents[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as Listener<WidgetHostEvents[K]>)(payload);
      } catch (error) {
        this.logger.error(`A ${event} listener threw: ${(error as Error).message}`);
      }
    }
  }

  private emitTrace(
    direction: TraceEntry["direction"],
    action: string,
    startedAt: number,
    error: unknown,
  ): void {
    if (!this.listeners.get("trace")?.size) return;
    const entry: TraceEntry = { direction, action, startedAt, durationMs: now() - startedAt, ok: !error };
    if (error) entry.error = error instanceof Error ? error.message : String(error);
    this.emit("trace", entry);
  }
}

class MutableScope implements SessionScope {
  readonly values = new Map<symbol, unknown>();
  private disposers: Array<() => void> = [];
  ended = false;

  constructor(readonly generation: number) {}

  onEnd(dispose: () => void): void {
    if (this.ended) dispose();
    else this.disposers.push(dispose);
  }

  end(logger: Logger): void {
    if (this.ended) return;
    this.ended = true;
    for (const dispose of this.disposers.splice(0)) {
      try {
        dispose();
      } catch (error) {
        logger.error(`Session cleanup failed: ${(error as Error).message}`);
      }
    }
    this.values.clear();
  }
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}
