// The part of a widget session both clients share: the granted set and its listeners, waiting for
// notify_capabilities, answering the host's capabilities request, and the classic start (versions,
// content_loaded, asking again when the host asked before the client existed). WidgetClient adds
// its endpoint, MSC4412 and the fast path; LiteWidgetClient adds a small channel of its own.
import { stableSpelling } from "../capabilities/spellings.js";
import { SESSION_DESTROYED } from "../core/session-ended.js";
import { WidgetKitConfigError } from "../core/config-error.js";
import { describeThrown } from "../core/describe.js";
import type { RequestOptions } from "../core/endpoint.js";
import { consoleLogger, guardedLogger, type Logger } from "../core/logger.js";
import type {
  AnyWireAction,
  RequestData,
  RequestInput,
  ResponseData,
  ResponseInput,
} from "../protocol/action.js";
import { WidgetApiError } from "../protocol/errors.js";
import { BASELINE_VERSIONS, type KnownApiVersion } from "../protocol/versions.js";
import {
  capabilitiesRequest,
  contentLoaded,
  notifyCapabilities,
  requestCapabilities,
  supportedApiVersionsFromWidget,
  supportedApiVersionsToWidget,
} from "./actions.js";
import { readWidgetParameters } from "./parameters.js";
import type { ToWidgetHandler, WidgetSession, WidgetSessionOptions } from "./session.js";
import {
  ASK_AGAIN_AFTER_MS,
  documentLoaded,
  documentState,
  WIDGET_SUPPORTED_VERSIONS,
} from "./session-common.js";

/** The widget ID and host origin a client runs with, from its options or else the widget's URL. */
export function sessionIdentity(options: WidgetSessionOptions): {
  widgetId: string;
  parentOrigin: () => string;
} {
  const parameters = readWidgetParameters(options.url);
  const widgetId = options.widgetId ?? parameters.widgetId;
  if (!widgetId) {
    throw new WidgetKitConfigError(
      "No widget ID: pass `widgetId`, or load the widget with a `widgetId` URL parameter",
      "missing_widget_id",
    );
  }
  return {
    widgetId,
    // Asked only by a client that makes its own postMessage channel; one given a transport needs none.
    parentOrigin: () => {
      const origin = options.parentOrigin ?? parameters.parentOrigin;
      if (!origin) {
        throw new WidgetKitConfigError(
          "No host origin: pass `parentOrigin`, or load the widget with a `parentUrl` URL parameter",
          "missing_parent_origin",
        );
      }
      return origin;
    },
  };
}

/**
 * One of the toWidget actions a widget session answers itself, and how: `serve` is handed the
 * client the request came to and the request's parsed data, and returns the reply.
 */
export interface SessionAction {
  readonly action: AnyWireAction;
  readonly serve: (client: WidgetSessionCore, data: unknown) => unknown;
}

/** A session action, typed by its action. */
function sessionAction<A extends AnyWireAction>(
  action: A,
  serve: (client: WidgetSessionCore, data: RequestData<A>) => ResponseInput<A>,
): SessionAction {
  return { action, serve: serve as SessionAction["serve"] };
}

/** Granted keys of a client that has been granted nothing yet: shared. */
const NO_KEYS: ReadonlySet<string> = new Set();

/**
 * The shared half of {@link WidgetClient} and {@link LiteWidgetClient}. Not exported from the
 * package: a widget creates one of the two clients.
 */
export abstract class WidgetSessionCore implements WidgetSession {
  // The public and protected fields are declared, not defined, and the constructor sets each, in
  // the order the definitions had: a definition of each would be bytes in every widget bundle.
  /** The widget's ID. */
  declare readonly widgetId: string;
  declare protected readonly logger: Logger;
  /** Whether this client talks through the page's own postMessage channel (one per document). */
  declare protected readonly ownsDocumentChannel: boolean;
  declare protected requested: string[];
  declare protected versionsOfHost: readonly string[] | undefined;
  declare protected destroyed: boolean;
  /** The host has sent this client a capabilities request. */
  declare protected askedForCapabilities: boolean;
  /** A notify_capabilities has arrived: the session is known. */
  declare protected notified: boolean;
  /** Made at the first listener: most widgets never listen. */
  #capabilityListeners: Set<(granted: readonly string[]) => void> | undefined;
  #granted: readonly string[] = [];
  #grantedKeys: ReadonlySet<string> = NO_KEYS;
  #notifyWaiters: Array<() => void> = [];
  #askAgainTimer: ReturnType<typeof setTimeout> | undefined;
  /** Made when `signal` is first read, or at destroy: most sessions never need one. */
  #ending: AbortController | undefined;

  /**
   * The toWidget actions every widget session answers itself, the same in both clients: the
   * host's versions request, its capabilities request and its notify_capabilities. Shared by every
   * client; each client looks them up by the wire names it speaks.
   */
  protected static readonly sessionActions: readonly SessionAction[] = [
    sessionAction(supportedApiVersionsToWidget, () => ({
      supported_versions: [...WIDGET_SUPPORTED_VERSIONS],
    })),
    sessionAction(capabilitiesRequest, (client) => client.#answerCapabilitiesRequest()),
    sessionAction(notifyCapabilities, (client, { approved }) => {
      client.#updateGranted(approved);
      return {};
    }),
  ];

  protected constructor(widgetId: string, options: WidgetSessionOptions, ownsDocumentChannel: boolean) {
    this.widgetId = widgetId;
    // Guarded: lines are written from catch blocks, and an app logger that throws there would fail
    // create(), or the reply to the host's notify_capabilities.
    this.logger = guardedLogger(options.logger ?? consoleLogger);
    this.ownsDocumentChannel = ownsDocumentChannel;
    this.requested = [...new Set(options.capabilities ?? [])];
    this.versionsOfHost = undefined;
    this.destroyed = false;
    this.askedForCapabilities = false;
    this.notified = false;
  }

  /**
   * Sends any action of the table, or a host application's custom action, and returns its parsed
   * reply. The name sent is the one the host advertises.
   */
  abstract request<A extends AnyWireAction>(
    action: A,
    data: RequestInput<A>,
    options?: RequestOptions,
  ): Promise<ResponseData<A>>;

  /**
   * Answers a toWidget action: the handler's return value is the reply, a throw is an error reply.
   * Replaces an earlier handler for the same action; returns a function that removes it.
   */
  abstract handle<A extends AnyWireAction>(action: A, handler: ToWidgetHandler<A>): () => void;

  /** The capabilities the host granted, exactly as requested. Updated on every notify_capabilities. */
  get capabilities(): readonly string[] {
    return this.#granted;
  }

  /** Aborted when the session is destroyed; already aborted if it has been. */
  get signal(): AbortSignal {
    return (this.#ending ??= new AbortController()).signal;
  }

  /** The API versions the host advertised (in MSC4412, which has none: those this SDK speaks). */
  get hostVersions(): readonly string[] {
    return this.versionsOfHost ?? [];
  }

  /** Whether a capability was granted; stable and unstable spellings count as the same. */
  hasCapability(capability: string): boolean {
    return this.#grantedKeys.has(stableSpelling(capability));
  }

  /** Whether the host advertised an API version. */
  hostSupports(version: string): boolean {
    return this.hostVersions.includes(version);
  }

  /** Listens for changes of the granted set; returns a function that stops listening. */
  onCapabilitiesChanged(listener: (granted: readonly string[]) => void): () => void {
    const listeners = (this.#capabilityListeners ??= new Set());
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /**
   * Asks for more capabilities during the session (MSC2974). Resolves with the whole granted set
   * once the host has notified its decision. `timeoutMs` bounds the wait for the decision (default
   * 120 000) and, when given, the host's acknowledgement of the request too (else the client's
   * request timeout); past it, rejects with `timeout`. `0` or `Infinity` waits without a limit.
   */
  async requestCapabilities(
    capabilities: Iterable<string>,
    options?: { timeoutMs?: number },
  ): Promise<readonly string[]> {
    if (this.destroyed) {
      throw new WidgetApiError(SESSION_DESTROYED, "session_ended");
    }
    const wanted = [...new Set(capabilities)];
    this.requested = [...new Set([...this.requested, ...wanted])];
    const notified = this.nextNotify(options?.timeoutMs ?? 120_000);
    notified.promise.catch(() => {});
    try {
      // Under the same timeout: `timeoutMs` bounds the host's acknowledgement too.
      await this.request(requestCapabilities, { capabilities: wanted }, options);
    } catch (error) {
      notified.cancel();
      throw error;
    }
    await notified.promise;
    return this.#granted;
  }

  /** Disconnects: rejects pending requests, removes listeners, leaves no timers. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    // Made here if nobody read `signal` yet, so that a read after destroy sees it aborted.
    (this.#ending ??= new AbortController()).abort();
    clearTimeout(this.#askAgainTimer);
    this.#capabilityListeners?.clear();
    for (const wake of this.#notifyWaiters.splice(0)) wake();
  }

  /** The reply to the host's capabilities request: what this widget asks for. */
  #answerCapabilitiesRequest(): { capabilities: string[] } {
    this.askedForCapabilities = true;
    this.#grantIfHostNeverNotifies();
    return { capabilities: [...this.requested] };
  }

  /**
   * Hosts without MSC2871 never send notify_capabilities: once such a host has asked for the
   * capabilities, the request counts as granted. Called when the host asks, and when its versions
   * arrive, since either may come first.
   */
  #grantIfHostNeverNotifies(): void {
    if (
      this.versionsOfHost &&
      !this.versionsOfHost.includes("org.matrix.msc2871" satisfies KnownApiVersion)
    ) {
      queueMicrotask(() => this.#updateGranted(this.requested));
    }
  }

  /**
   * The classic start: ask for the host's versions (which also announces this client: every host
   * answers it, and ours (re)starts the capability exchange for a client created after the
   * frame's load), send content_loaded if asked to, and wait for the capability exchange.
   */
  protected async startClassic(options: WidgetSessionOptions, ready: Promise<void>): Promise<void> {
    const askVersions = () =>
      this.request(supportedApiVersionsFromWidget, {}).then(
        (reply) => reply.supported_versions,
        () => undefined,
      );
    // The versions are kept as soon as they arrive: a host without MSC2871 is known by them, and
    // its capabilities request (before or after them) is then taken as the grant.
    const versions = askVersions().then((list) => {
      if (list !== undefined && this.versionsOfHost === undefined) {
        this.versionsOfHost = list;
        if (this.askedForCapabilities && !this.notified) this.#grantIfHostNeverNotifies();
      }
      return list;
    });
    const loaded = options.sendContentLoaded ? this.#sendContentLoaded() : undefined;
    void this.#askAgainIfForgotten(versions);
    // Whichever fails first ends create(): a silent host is reported after readyTimeoutMs.
    const [hostVersions] = await Promise.all([versions, ready, loaded]);
    this.versionsOfHost = hostVersions ?? this.versionsOfHost;
    // An answer lost to a session reset on the host (a reload race) is asked for once more.
    this.versionsOfHost ??= (await askVersions()) ?? BASELINE_VERSIONS;
  }

  /**
   * Sends content_loaded once per document, after the document has loaded, so that it rarely
   * overtakes the frame's load event on the host. A refusal (matrix-widget-api's host refuses a
   * second one, or any with `waitForIframeLoad`) does not fail create(): the capability exchange
   * decides that. Only a host that does not answer at all does.
   */
  async #sendContentLoaded(): Promise<void> {
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
      if (error instanceof WidgetApiError && error.code === "timeout") throw error;
      this.logger.warn(`The host refused content_loaded: ${describeThrown(error)}`);
    }
  }

  /**
   * A host that sent its capabilities request before this client existed never asks again
   * (matrix-widget-api's ClientWidgetApi with waitForIframeLoad). If no request has come some time
   * after the document loaded, ask for the session by renegotiation (MSC2974), which such hosts
   * answer with notify_capabilities at any time.
   */
  async #askAgainIfForgotten(versions: Promise<string[] | undefined>): Promise<void> {
    const hostVersions = await versions;
    await documentLoaded();
    if (this.destroyed) return;
    // destroy() clears this timer: a destroyed client leaves none behind.
    await new Promise<void>((resolve) => (this.#askAgainTimer = setTimeout(resolve, ASK_AGAIN_AFTER_MS)));
    this.#askAgainTimer = undefined;
    if (this.destroyed || this.askedForCapabilities || this.notified) return;
    if (!hostVersions?.includes("org.matrix.msc2974" satisfies KnownApiVersion)) return;
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

  /** Takes the host's notify_capabilities: the new granted set, told to every waiter and listener. */
  #updateGranted(approved: readonly string[]): void {
    this.notified = true;
    // Every client of the page heard this notify: a client created later asks for itself again.
    if (this.ownsDocumentChannel) documentState().askedAgain.delete(this.widgetId);
    this.#granted = [...approved];
    this.#grantedKeys = new Set(approved.map(stableSpelling));
    for (const wake of this.#notifyWaiters.splice(0)) wake();
    for (const listener of [...(this.#capabilityListeners ?? [])]) {
      try {
        listener(this.#granted);
      } catch (error) {
        // The app's listener must not turn the host's notification into an error reply.
        this.logger.error(`A capabilities listener threw: ${describeThrown(error)}`);
      }
    }
  }

  /**
   * Resolves at the next capability notification; rejects after `timeoutMs` or on destroy.
   * `cancel` stops the wait and leaves the promise unsettled, for a caller that no longer awaits it.
   */
  protected nextNotify(timeoutMs: number): { promise: Promise<void>; cancel(): void } {
    // Assigned by the executor, which runs before the constructor returns.
    let cancel!: () => void;
    const promise = new Promise<void>((resolve, reject) => {
      const forget = () => {
        clearTimeout(timer);
        this.#notifyWaiters = this.#notifyWaiters.filter((waiter) => waiter !== wake);
      };
      const timer = limitTimer(() => {
        forget();
        reject(
          new WidgetApiError(
            `The host did not finish the capability exchange within ${timeoutMs} ms`,
            "timeout",
          ),
        );
      }, timeoutMs);
      const wake = () => {
        clearTimeout(timer);
        if (this.destroyed) reject(new WidgetApiError(SESSION_DESTROYED, "session_ended"));
        else resolve();
      };
      // Cancelled only when the request it waits for failed, and the caller throws that failure:
      // nobody waits on this promise any more, so it is left to settle never and be collected.
      cancel = forget;
      this.#notifyWaiters.push(wake);
    });
    return { promise, cancel };
  }
}

/**
 * A timer for a limit in ms. `0`, `Infinity` (and NaN) mean no limit, so no timer: setTimeout
 * would read each of them as "at once".
 */
export function limitTimer(onExpiry: () => void, ms: number): ReturnType<typeof setTimeout> | undefined {
  return Number.isFinite(ms) && ms > 0 ? setTimeout(onExpiry, ms) : undefined;
}
