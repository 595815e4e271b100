import { stableSpelling } from "../capabilities/spellings.js";
import { ConfigErrorCode, WidgetKitConfigError } from "../core/config-error.js";
import { describeThrown } from "../core/describe.js";
import { Endpoint, type InboundRequest, type RequestOptions } from "../core/endpoint.js";
import { consoleLogger, type Logger } from "../core/logger.js";
import { callAction, parseRequestData } from "../core/validation.js";
import type {
  AnyActionDescriptor,
  RequestData,
  RequestInput,
  ResponseData,
  ResponseInput,
} from "../protocol/action.js";
import { wireNames, wireNamesIn } from "../protocol/action.js";
import {
  capabilitiesRequest,
  contentLoaded,
  notifyCapabilities,
  requestCapabilities,
  supportedApiVersionsFromWidget,
  supportedApiVersionsToWidget,
} from "./actions.js";
import type { JsonObject } from "../protocol/envelope.js";
import { ErrorCode, WidgetApiError } from "../protocol/errors.js";
import { ApiVersion, internVersions } from "../protocol/versions.js";
import { WidgetPostMessageTransport } from "../transport/post-message-widget.js";
import type { Transport } from "../transport/transport.js";
import { readWidgetParameters } from "./parameters.js";

/**
 * Options of {@link WidgetClient.create}.
 * @category Session
 */
export interface WidgetClientOptions {
  /**
   * Capabilities to request at start, e.g. `"org.matrix.msc2931.navigate"`. For typed ones, use
   * `formatCapability(...)`, which writes the unstable form deployed hosts know.
   */
  capabilities?: Iterable<string>;
  /** The widget ID; defaults to the `widgetId` URL parameter. */
  widgetId?: string;
  /** The host's origin; defaults to the origin of the `parentUrl` URL parameter. */
  parentOrigin?: string;
  /** A transport; defaults to postMessage with the parent window, pinned to `parentOrigin`. */
  transport?: Transport;
  /**
   * Send `content_loaded` at start, for hosts that do not wait for the frame's load event. It is
   * sent once the document has loaded, and once per document: a client re-created in the same
   * page (React StrictMode mounts twice) does not send it again, since hosts refuse a second one.
   */
  sendContentLoaded?: boolean;
  /** Default timeout of requests to the host, in ms. Default 10 000. */
  timeoutMs?: number;
  /** How long create() waits for the capability exchange, in ms. Default 120 000 (the user may be deciding). */
  readyTimeoutMs?: number;
  /** Most requests waiting for the host at once. Default 1024. */
  maxPending?: number;
  logger?: Logger;
  /** The URL to read parameters from; defaults to `location.href`. */
  url?: string;
  /**
   * Runs before the capability exchange: register toWidget listeners here (`onStateUpdate`,
   * `onRoomEvent`, …) so that no push sent right after the grant is refused.
   */
  beforeStart?: (client: WidgetClient) => void;
  /**
   * The base protocol to speak (default `"classic"`):
   * - `"classic"`: the deployed Widget API (`api`, `widgetId`, host-initiated negotiation).
   * - `"msc4412"`: the MSC4412 draft. The client sends `content_loaded` once the document has
   *   loaded (always, whatever `sendContentLoaded` says), then opens its session with
   *   `request_capabilities`; the host acknowledges it and later sends `notify_capabilities`.
   * - `"auto"`: offers MSC4412 (its first `content_loaded`), and speaks classic with a host that
   *   does not answer that offer within `protocolFallbackMs`. Classic requests the host sends
   *   meanwhile are held and answered after the fallback. See docs/decisions.md.
   */
  protocol?: "classic" | "msc4412" | "auto";
  /** How long `"auto"` waits for the host to answer its MSC4412 offer, in ms. Default 1000. */
  protocolFallbackMs?: number;
  /**
   * Move to a private MessagePort after the handshake when the host is matrix-widget-kit's
   * (default true); other hosts never see an offer. False keeps plain postMessage. Applies to the
   * default transport. See docs/security.md.
   */
  fastPath?: boolean;
}

/** A toWidget request handler; its return value is the reply. */
export type ToWidgetHandler<A extends AnyActionDescriptor> = (
  request: RequestData<A>,
) => ResponseInput<A> | Promise<ResponseInput<A>>;

/** The API versions this widget SDK speaks. */
export const WIDGET_SUPPORTED_VERSIONS: readonly string[] = [
  ApiVersion.Prerelease1,
  ApiVersion.Prerelease2,
  ApiVersion.MSC2762,
  ApiVersion.MSC2762UpdateState,
  ApiVersion.MSC2871,
  ApiVersion.MSC2873,
  ApiVersion.MSC2931,
  ApiVersion.MSC2974,
  ApiVersion.MSC3662,
  ApiVersion.MSC3751,
  ApiVersion.MSC3819,
  ApiVersion.MSC3846,
  ApiVersion.MSC3973,
  ApiVersion.MSC4039,
  ApiVersion.MSC4515,
  ApiVersion.MSC4533,
  ApiVersion.AccountDataWatch,
];

/**
 * toWidget notifications that hosts send unasked to every widget advertising their version
 * (MSC2873 theme and language, visibility); answered `{}` when no listener is registered. Room
 * events, state, to-device messages and TURN updates are not among them: the widget asked for
 * those (capabilities, watch_turn_servers), so an unhandled one is a widget bug the host's trace
 * should show.
 */
const ACKED_WITHOUT_LISTENER: ReadonlySet<string> = new Set([
  "theme_change",
  "language_change",
  "visibility",
  // Account-data changes (our watch extension): there is no unwatch action, so a widget stops
  // listening by dropping its listeners, and later pushes are acknowledged rather than refused.
  "dev.matrix_widget_kit.account_data",
]);

/**
 * How long after the document has loaded (and the host answered the versions request) a client
 * waits for the host's capabilities request before asking for its session by renegotiation.
 * A host that negotiates on the frame's load event asks within milliseconds of it; one that asked
 * before this client existed (a client created in a React effect, or later) never asks again.
 */
const ASK_AGAIN_AFTER_MS = 500;

/** How long an "auto" client waits for an answer to its MSC4412 offer before speaking classic. */
const PROTOCOL_FALLBACK_MS = 1000;

/** What the clients of one document share: the page's own global, not the module's (bundles may repeat). */
interface DocumentState {
  /** Widget IDs whose content_loaded this document has already sent. */
  contentLoadedSent: Set<string>;
  /**
   * Widget IDs for which a client of this document has asked for the session by renegotiation:
   * every client of the page hears the one notify that follows, so one ask (one consent prompt)
   * is enough.
   */
  askedAgain: Set<string>;
}
const DOCUMENT_STATE = Symbol.for("matrix-widget-kit.widget-document");

function documentState(): DocumentState {
  const holder = globalThis as { [DOCUMENT_STATE]?: DocumentState };
  return (holder[DOCUMENT_STATE] ??= { contentLoadedSent: new Set(), askedAgain: new Set() });
}

/** Resolves once the widget's document has loaded; at once outside a browser. */
function documentLoaded(): Promise<void> {
  const page = globalThis.document as Document | undefined;
  if (!page || page.readyState === "complete") return Promise.resolve();
  return new Promise((resolve) => globalThis.addEventListener("load", () => resolve(), { once: true }));
}

/**
 * The widget side's session. Create it with one awaited call; it resolves once capabilities are
 * negotiated, with the granted set known. The actions themselves are free functions that take the
 * client (`sendEvent(client, …)`, `navigate(client, …)`), so a bundle carries only the families it
 * uses. Every reply is validated before it reaches you.
 *
 * ```ts
 * const client = await WidgetClient.create({ capabilities: ["org.matrix.msc2931.navigate"] });
 * await navigate(client, "https://matrix.to/#/#room:example.org");
 * ```
 * @category Session
 */
export class WidgetClient {
  /**
   * The handlers of the session's own toWidget actions, shared by every client: each is handed
   * the client the request came to, so no client builds its own map and closures for them.
   */
  private static readonly sessionHandlers: ReadonlyMap<string, HandlerEntry> = handlerMap([
    sessionHandler(supportedApiVersionsToWidget, () => ({
      supported_versions: [...WIDGET_SUPPORTED_VERSIONS],
    })),
    sessionHandler(capabilitiesRequest, (client) => {
      client.askedForCapabilities = true;
      // Hosts without MSC2871 never notify: take the request as granted once they have asked.
      if (client.versionsOfHost && !client.versionsOfHost.includes(ApiVersion.MSC2871)) {
        queueMicrotask(() => client.updateGranted(client.requested));
      }
      return { capabilities: [...client.requested] };
    }),
    sessionHandler(notifyCapabilities, (client, { approved }) => {
      client.updateGranted(approved);
      return {};
    }),
  ]);

  /** The widget's ID. */
  readonly widgetId: string;
  private readonly endpoint: Endpoint;
  private readonly transport: Transport;
  private readonly logger: Logger;
  /**
   * The toWidget handlers by wire name: the shared session handlers until the app registers one
   * of its own, when this client gets a map of its own (a copy of them plus the app's).
   */
  private handlers: ReadonlyMap<string, HandlerEntry> = WidgetClient.sessionHandlers;
  /** Made at the first listener: most widgets never listen. */
  private capabilityListeners: Set<(granted: readonly string[]) => void> | undefined;
  private requested: string[];
  private granted: readonly string[] = [];
  private grantedKeys: ReadonlySet<string> = NO_KEYS;
  private versionsOfHost: readonly string[] | undefined;
  private notifyWaiters: Array<() => void> = [];
  private destroyed = false;
  /** The host has sent this client a capabilities request. */
  private askedForCapabilities = false;
  /** A notify_capabilities has arrived: the session is known. */
  private notified = false;
  private askAgainTimer: ReturnType<typeof setTimeout> | undefined;
  /** Whether this client talks through the page's own postMessage channel (one per document). */
  private readonly ownsDocumentChannel: boolean;

  private constructor(options: WidgetClientOptions) {
    const parameters = readWidgetParameters(options.url);
    const widgetId = options.widgetId ?? parameters.widgetId;
    if (!widgetId) {
      throw new WidgetKitConfigError(
        "No widget ID: pass `widgetId`, or load the widget with a `widgetId` URL parameter",
        ConfigErrorCode.MissingWidgetId,
      );
    }
    this.widgetId = widgetId;
    this.logger = options.logger ?? consoleLogger;
    this.ownsDocumentChannel = options.transport === undefined;
    if (options.transport) {
      this.transport = options.transport;
    } else {
      const parentOrigin = options.parentOrigin ?? parameters.parentOrigin;
      if (!parentOrigin) {
        throw new WidgetKitConfigError(
          "No host origin: pass `parentOrigin`, or load the widget with a `parentUrl` URL parameter",
          ConfigErrorCode.MissingParentOrigin,
        );
      }
      this.transport = new WidgetPostMessageTransport({ parentOrigin, fastPath: options.fastPath });
    }
    this.requested = [...new Set(options.capabilities ?? [])];
    this.endpoint = new Endpoint({
      transport: this.transport,
      widgetId,
      side: "widget",
      defaultTimeoutMs: options.timeoutMs ?? 10_000,
      maxPendingOutbound: options.maxPending ?? 1024,
      maxInboundInFlight: 64,
      maxMessageBytes: undefined,
      logger: this.logger,
      onRequest: (request) => this.dispatch(request),
      dialect:
        options.protocol === "msc4412" ? "msc4412" : options.protocol === "auto" ? "undecided" : "classic",
    });
  }

  /**
   * Connects to the host and resolves once the capability exchange has finished.
   * Rejects if the host does not finish it within `readyTimeoutMs`.
   */
  static async create(options: WidgetClientOptions = {}): Promise<WidgetClient> {
    const client = new WidgetClient(options);
    try {
      options.beforeStart?.(client);
      await client.start(options);
    } catch (error) {
      client.destroy();
      throw error;
    }
    return client;
  }

  private async start(options: WidgetClientOptions): Promise<void> {
    const ready = this.nextNotify(options.readyTimeoutMs ?? 120_000);
    // Handled from the start: if it times out while the versions request is still pending, the
    // rejection is not "unhandled"; it is still awaited below.
    ready.promise.catch(() => {});
    const protocol = options.protocol ?? "classic";
    if (protocol !== "classic") {
      const fallbackMs = options.protocolFallbackMs ?? PROTOCOL_FALLBACK_MS;
      const spoken = await this.startMsc4412(ready.promise, protocol === "auto" ? fallbackMs : undefined);
      if (spoken) return;
      // No answer to the offer: a classic host. Requests it sent meanwhile run now.
      this.logger.debug?.(`The host did not answer MSC4412 within ${fallbackMs} ms; speaking classic`);
      this.endpoint.chooseDialect("classic");
    }
    await this.startClassic(options, ready.promise);
  }

  /** The protocol this client's session speaks, once settled: `classic` or `msc4412`. */
  get dialect(): "classic" | "msc4412" | undefined {
    return this.endpoint.sessionDialect;
  }

  /**
   * The MSC4412 start: content_loaded (once per document), then request_capabilities, whose
   * outcome is the host's notify_capabilities. With `offerMs` set (auto), the first request is an
   * offer: no answer within `offerMs` resolves false, and the caller falls back to classic.
   */
  private async startMsc4412(ready: Promise<void>, offerMs: number | undefined): Promise<boolean> {
    // No version exchange in MSC4412: the host is taken to speak what this SDK speaks, which also
    // picks the action names in use today; an action it lacks is refused by the host.
    await documentLoaded();
    if (this.destroyed) throw new WidgetApiError("The widget client was destroyed", ErrorCode.SessionEnded);
    let sendContentLoaded = true;
    if (this.ownsDocumentChannel) {
      const sent = documentState().contentLoadedSent;
      sendContentLoaded = !sent.has(this.widgetId);
      sent.add(this.widgetId);
    }
    const opened = this.openMsc4412(sendContentLoaded, offerMs);
    // Handled here too: when the ready deadline wins, create() destroys the client, which then
    // rejects these requests with nobody awaiting them.
    opened.catch(() => {});
    // readyTimeoutMs bounds the whole start, as in classic: a silent host is reported when it
    // passes, not only once each request has timed out in turn (2 × timeoutMs).
    if (!(await Promise.race([opened, ready.then(() => opened)]))) return false;
    await ready;
    return true;
  }

  /** Sends MSC4412's opening requests; false when an auto offer went unanswered (a classic host). */
  private async openMsc4412(sendContentLoaded: boolean, offerMs: number | undefined): Promise<boolean> {
    const offer = offerMs === undefined ? {} : { dialect: "msc4412" as const, timeoutMs: offerMs };
    try {
      if (sendContentLoaded) {
        try {
          await this.request(contentLoaded, {}, offer);
        } catch (error) {
          // An answer, even a refusal, settles MSC4412; only silence means a classic host.
          if (this.dialect === undefined) throw error;
          this.logger.warn(`The host refused content_loaded: ${describeThrown(error)}`);
        }
        this.versionsOfHost = [...WIDGET_SUPPORTED_VERSIONS];
        await this.request(requestCapabilities, { capabilities: [...this.requested] });
      } else {
        // A client re-created in the same document (React StrictMode): its request is the offer.
        await this.request(requestCapabilities, { capabilities: [...this.requested] }, offer);
        this.versionsOfHost = [...WIDGET_SUPPORTED_VERSIONS];
      }
    } catch (error) {
      if (offerMs !== undefined && this.dialect === undefined && isTimeout(error)) {
        // Not sent as far as any host can tell: the classic start may send its own.
        if (this.ownsDocumentChannel && sendContentLoaded) {
          documentState().contentLoadedSent.delete(this.widgetId);
        }
        return false;
      }
      throw error;
    }
    return true;
  }

  private async startClassic(options: WidgetClientOptions, readyPromise: Promise<void>): Promise<void> {
    const ready = { promise: readyPromise };
    const askVersions = () =>
      this.request(supportedApiVersionsFromWidget, {}).then(
        (reply) => internVersions(reply.supported_versions),
        () => undefined,
      );
    // Asking for the versions is also how this client announces itself: every host answers it,
    // and ours (re)starts the capability exchange for a client created after the frame's load.
    const versions = askVersions();
    const loaded = options.sendContentLoaded ? this.sendContentLoaded() : undefined;
    void this.askAgainIfForgotten(versions);
    // Whichever fails first ends create(): a silent host is reported after readyTimeoutMs.
    const [hostVersions] = await Promise.all([versions, ready.promise, loaded]);
    this.versionsOfHost = hostVersions;
    // An answer lost to a session reset on the host (a reload race) is asked for once more.
    this.versionsOfHost ??= (await askVersions()) ?? [ApiVersion.Prerelease1, ApiVersion.Prerelease2];
  }

  /**
   * Sends content_loaded once per document, after the document has loaded, so that it rarely
   * overtakes the frame's load event on the host. A refusal (matrix-widget-api's host refuses a
   * second one, or any with `waitForIframeLoad`) does not fail create(): the capability exchange
   * decides that. Only a host that does not answer at all does.
   */
  private async sendContentLoaded(): Promise<void> {
    await documentLoaded();
    if (this.destroyed) return;
    if (this.ownsDocumentChannel) {
      const sent = documentState().contentLoadedSent;
      if (sent.has(this.widgetId)) return;
      sent.add(this.widgetId);
    }
    try {
      await this.request(contentLoaded, {});
    } catch (error) {
      if (error instanceof WidgetApiError && error.code === ErrorCode.Timeout) throw error;
      this.logger.warn(`The host refused content_loaded: ${describeThrown(error)}`);
    }
  }

  /**
   * A host that sent its capabilities request before this client existed never asks again
   * (matrix-widget-api's ClientWidgetApi with waitForIframeLoad). If no request has come some time
   * after the document loaded, ask for the session by renegotiation (MSC2974), which such hosts
   * answer with notify_capabilities at any time.
   */
  private async askAgainIfForgotten(versions: Promise<string[] | undefined>): Promise<void> {
    const hostVersions = await versions;
    await documentLoaded();
    if (this.destroyed) return;
    // destroy() clears this timer: a destroyed client leaves none behind.
    await new Promise<void>((resolve) => (this.askAgainTimer = setTimeout(resolve, ASK_AGAIN_AFTER_MS)));
    this.askAgainTimer = undefined;
    if (this.destroyed || this.askedForCapabilities || this.notified) return;
    if (!hostVersions?.includes(ApiVersion.MSC2974)) return;
    if (this.ownsDocumentChannel) {
      const asked = documentState().askedAgain;
      if (asked.has(this.widgetId)) return;
      asked.add(this.widgetId);
    }
    this.versionsOfHost ??= hostVersions;
    try {
      await this.request(requestCapabilities, { capabilities: [...this.requested] });
    } catch (error) {
      this.logger.warn(`Asking the host for the session again failed: ${describeThrown(error)}`);
    }
  }

  /** Whether this page talks to the host over its MessagePort (the fast path) rather than postMessage. */
  get fastPathActive(): boolean {
    return this.transport.fastPath?.active === true;
  }

  /** The capabilities the host granted, exactly as requested. Updated on every notify_capabilities. */
  get capabilities(): readonly string[] {
    return this.granted;
  }

  /** The API versions the host advertised (in MSC4412, which has none: those this SDK speaks). */
  get hostVersions(): readonly string[] {
    return this.versionsOfHost ?? [];
  }

  /** Whether a capability was granted; stable and unstable spellings count as the same. */
  hasCapability(capability: string): boolean {
    return this.grantedKeys.has(stableSpelling(capability));
  }

  /** Whether the host advertised an API version. */
  hostSupports(version: string): boolean {
    return this.hostVersions.includes(version);
  }

  /** Listens for changes of the granted set; returns a function that stops listening. */
  onCapabilitiesChanged(listener: (granted: readonly string[]) => void): () => void {
    const listeners = (this.capabilityListeners ??= new Set());
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /**
   * Asks for more capabilities during the session (MSC2974). Resolves with the whole granted set
   * once the host has notified its decision.
   */
  async requestCapabilities(
    capabilities: Iterable<string>,
    options?: { timeoutMs?: number },
  ): Promise<readonly string[]> {
    if (this.destroyed) {
      throw new WidgetApiError("The widget client was destroyed", ErrorCode.SessionEnded);
    }
    const wanted = [...new Set(capabilities)];
    this.requested = [...new Set([...this.requested, ...wanted])];
    const notified = this.nextNotify(options?.timeoutMs ?? 120_000);
    notified.promise.catch(() => {});
    try {
      await this.request(requestCapabilities, { capabilities: wanted });
    } catch (error) {
      notified.cancel();
      throw error;
    }
    await notified.promise;
    return this.granted;
  }

  /**
   * Sends any action of the table, or a host application's custom action, and returns its parsed
   * reply. The name sent is the one the host advertises.
   */
  request<A extends AnyActionDescriptor>(
    action: A,
    data: RequestInput<A>,
    options?: RequestOptions,
  ): Promise<ResponseData<A>> {
    return callAction(this.endpoint, action, this.versionsOfHost, data, options);
  }

  /**
   * Answers a toWidget action: the handler's return value is the reply, a throw is an error reply.
   * Replaces an earlier handler for the same action; returns a function that removes it.
   */
  handle<A extends AnyActionDescriptor>(action: A, handler: ToWidgetHandler<A>): () => void {
    const entry: HandlerEntry = {
      action,
      handle: handler as unknown as ToWidgetHandler<AnyActionDescriptor>,
    };
    const names = handlerNames(action);
    const handlers = this.ownHandlers();
    for (const name of names) handlers.set(name, entry);
    return () => {
      for (const name of names) if (handlers.get(name) === entry) handlers.delete(name);
    };
  }

  /** Requests waiting for the host; for tests and diagnostics. */
  get pendingRequestCount(): number {
    return this.endpoint.pendingCount;
  }

  /** Disconnects: rejects pending requests, removes listeners, leaves no timers. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearTimeout(this.askAgainTimer);
    this.endpoint.destroy();
    this.transport.close();
    this.capabilityListeners?.clear();
    for (const wake of this.notifyWaiters.splice(0)) wake();
  }

  private async dispatch(request: InboundRequest): Promise<JsonObject> {
    const found = this.handlers.get(request.action);
    // Each dialect has its own names: MSC4412 drops some actions and spells others its own way.
    const entry =
      found && wireNamesIn(found.action, request.dialect).includes(request.action) ? found : undefined;
    if (!entry) {
      // A notification this widget advertises is acknowledged even with nobody listening: the
      // host only tells us something changed, and an error reply there shows up in the host's
      // console as an uncaught rejection (Element Web after each theme_change).
      if (ACKED_WITHOUT_LISTENER.has(request.action)) return {};
      throw new WidgetApiError(`Unknown or unsupported action: ${request.action}`, ErrorCode.UnknownAction);
    }
    const data = parseRequestData(entry.action, request.data);
    return (await ("serve" in entry ? entry.serve(this, data) : entry.handle(data))) as JsonObject;
  }

  /** This client's own handler map, copied from the shared one at the app's first handler. */
  private ownHandlers(): Map<string, HandlerEntry> {
    if (this.handlers === WidgetClient.sessionHandlers) this.handlers = new Map(this.handlers);
    return this.handlers as Map<string, HandlerEntry>;
  }

  private updateGranted(approved: readonly string[]): void {
    this.notified = true;
    // Every client of the page heard this notify: a client created later asks for itself again.
    if (this.ownsDocumentChannel) documentState().askedAgain.delete(this.widgetId);
    this.granted = [...approved];
    this.grantedKeys = new Set(approved.map(stableSpelling));
    for (const wake of this.notifyWaiters.splice(0)) wake();
    for (const listener of [...(this.capabilityListeners ?? [])]) {
      try {
        listener(this.granted);
      } catch (error) {
        // The app's listener must not turn the host's notification into an error reply.
        this.logger.error(`A capabilities listener threw: ${describeThrown(error)}`);
      }
    }
  }

  /** Resolves at the next capability notification; rejects after `timeoutMs` or on destroy. */
  private nextNotify(timeoutMs: number): { promise: Promise<void>; cancel(): void } {
    let cancel = () => {};
    const promise = new Promise<void>((resolve, reject) => {
      const forget = () => {
        clearTimeout(timer);
        this.notifyWaiters = this.notifyWaiters.filter((waiter) => waiter !== wake);
      };
      const timer = setTimeout(() => {
        forget();
        reject(
          new WidgetApiError(
            `The host did not finish the capability exchange within ${timeoutMs} ms`,
            ErrorCode.Timeout,
          ),
        );
      }, timeoutMs);
      const wake = () => {
        clearTimeout(timer);
        if (this.destroyed)
          reject(new WidgetApiError("The widget client was destroyed", ErrorCode.SessionEnded));
        else resolve();
      };
      cancel = () => {
        forget();
        reject(new WidgetApiError("The capability request failed", ErrorCode.Internal));
      };
      this.notifyWaiters.push(wake);
    });
    return { promise, cancel };
  }
}

/** A toWidget handler: the app's (`handle`), or one of the session's own, shared by every client (`serve`). */
type HandlerEntry =
  | { readonly action: AnyActionDescriptor; readonly handle: ToWidgetHandler<AnyActionDescriptor> }
  | {
      readonly action: AnyActionDescriptor;
      readonly serve: (client: WidgetClient, data: unknown) => unknown;
    };

/** A session handler, typed by its action. */
function sessionHandler<A extends AnyActionDescriptor>(
  action: A,
  serve: (client: WidgetClient, data: RequestData<A>) => ResponseInput<A>,
): HandlerEntry {
  return { action, serve: serve as (client: WidgetClient, data: unknown) => unknown };
}

/** Granted keys of a client that has been granted nothing yet: shared. */
const NO_KEYS: ReadonlySet<string> = new Set();

/** Every wire name a handler of `action` answers to, in either dialect. */
function handlerNames(action: AnyActionDescriptor): ReadonlySet<string> {
  return new Set([...wireNames(action), ...wireNamesIn(action, "msc4412")]);
}

/** The handlers of `entries` by every wire name of their actions. */
function handlerMap(entries: readonly HandlerEntry[]): Map<string, HandlerEntry> {
  const map = new Map<string, HandlerEntry>();
  for (const entry of entries) for (const name of handlerNames(entry.action)) map.set(name, entry);
  return map;
}

function isTimeout(error: unknown): boolean {
  return error instanceof WidgetApiError && error.code === ErrorCode.Timeout;
}
