import { SESSION_DESTROYED } from "../core/session-ended.js";
import { describeThrown } from "../core/describe.js";
import { Endpoint, type InboundRequest, type RequestOptions } from "../core/endpoint.js";
import { parseRequestData, sendAction } from "../core/validation.js";
import type { AnyWireAction, RequestInput, ResponseData } from "../protocol/action.js";
import { wireNamesIn } from "../protocol/action.js";
import { contentLoaded, requestCapabilities } from "./actions.js";
import type { Dialect, JsonObject } from "../protocol/envelope.js";
import { WidgetApiError } from "../protocol/errors.js";
import { WidgetPostMessageTransport } from "../transport/post-message-widget.js";
import type { Transport } from "../transport/transport.js";
import type { ToWidgetHandler, WidgetSessionOptions } from "./session.js";
import { sessionIdentity, WidgetSessionCore, type SessionAction } from "./session-core.js";
import {
  ACKED_WITHOUT_LISTENER,
  documentLoaded,
  documentState,
  WIDGET_SUPPORTED_VERSIONS,
} from "./session-common.js";

export { WIDGET_SUPPORTED_VERSIONS } from "./session-common.js";
export type { ToWidgetHandler } from "./session.js";

/**
 * Options of {@link WidgetClient.create}: those of every widget session, and the protocol and
 * fast-path choices only this client has.
 * @category Session
 */
export interface WidgetClientOptions extends WidgetSessionOptions {
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

/** How long an "auto" client waits for an answer to its MSC4412 offer before speaking classic. */
const PROTOCOL_FALLBACK_MS = 1000;

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
export class WidgetClient extends WidgetSessionCore {
  /**
   * The session's own toWidget actions by wire name, one map per dialect (MSC4412 drops some
   * actions and spells others its own way), shared by every client.
   */
  private static readonly sessionHandlers: HandlerMaps = {
    classic: handlerMap(WidgetSessionCore.sessionActions, "classic"),
    msc4412: handlerMap(WidgetSessionCore.sessionActions, "msc4412"),
  };

  private readonly endpoint: Endpoint;
  private readonly transport: Transport;
  /**
   * The app's toWidget handlers by dialect and wire name, made at its first handler. They answer
   * before the session's own, and the session's answer again once the app's is removed.
   */
  private appHandlers: { readonly [D in Dialect]: Map<string, HandlerEntry> } | undefined;

  private constructor(options: WidgetClientOptions) {
    const identity = sessionIdentity(options);
    super(identity.widgetId, options, options.transport === undefined);
    this.transport =
      options.transport ??
      new WidgetPostMessageTransport({ parentOrigin: identity.parentOrigin(), fastPath: options.fastPath });
    this.endpoint = new Endpoint({
      transport: this.transport,
      widgetId: identity.widgetId,
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
    if (this.destroyed) throw new WidgetApiError(SESSION_DESTROYED, "session_ended");
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

  /** Whether this page talks to the host over its MessagePort (the fast path) rather than postMessage. */
  get fastPathActive(): boolean {
    return this.transport.fastPath?.active === true;
  }

  /**
   * Sends any action of the table, or a host application's custom action, and returns its parsed
   * reply. The name sent is the one the host advertises.
   */
  request<A extends AnyWireAction>(
    action: A,
    data: RequestInput<A>,
    options?: RequestOptions,
  ): Promise<ResponseData<A>> {
    return sendAction(this.endpoint, action, this.versionsOfHost, data, options);
  }

  /**
   * Answers a toWidget action: the handler's return value is the reply, a throw is an error reply.
   * Replaces an earlier handler for the same action; returns a function that removes it.
   */
  handle<A extends AnyWireAction>(action: A, handler: ToWidgetHandler<A>): () => void {
    const entry: HandlerEntry = {
      action,
      handle: handler as unknown as ToWidgetHandler<AnyWireAction>,
    };
    const handlers = (this.appHandlers ??= { classic: new Map(), msc4412: new Map() });
    // The maps and names this handler went into, so that removing it takes out exactly those.
    const placed = DIALECTS.map((dialect) => [handlers[dialect], wireNamesIn(action, dialect)] as const);
    for (const [map, names] of placed) for (const name of names) map.set(name, entry);
    return () => {
      for (const [map, names] of placed) {
        for (const name of names) if (map.get(name) === entry) map.delete(name);
      }
    };
  }

  /** Requests waiting for the host; for tests and diagnostics. */
  get pendingRequestCount(): number {
    return this.endpoint.pendingCount;
  }

  /** Disconnects: rejects pending requests, removes listeners, leaves no timers. */
  override destroy(): void {
    if (this.destroyed) return;
    super.destroy();
    this.endpoint.destroy();
    this.transport.close();
  }

  /**
   * Not async: a handler that answers at once is answered without a promise hop here. A failure
   * is still returned as a rejected promise, never thrown, so an error reply leaves a microtask
   * later, as it did from an async function: another answerer on the same channel (a second
   * client of the page) is not overtaken by an error reply it used to follow.
   */
  private dispatch(request: InboundRequest): Promise<JsonObject> | JsonObject {
    try {
      const entry =
        this.appHandlers?.[request.dialect].get(request.action) ??
        WidgetClient.sessionHandlers[request.dialect].get(request.action);
      if (!entry) {
        // A notification this widget advertises is acknowledged even with nobody listening: the
        // host only tells us something changed, and an error reply there shows up in the host's
        // console as an uncaught rejection (Element Web after each theme_change).
        if (ACKED_WITHOUT_LISTENER.has(request.action)) return {};
        throw new WidgetApiError(`Unknown or unsupported action: ${request.action}`, "unknown_action");
      }
      const data = parseRequestData(entry.action, request.data);
      return ("serve" in entry ? entry.serve(this, data) : entry.handle(data)) as
        Promise<JsonObject> | JsonObject;
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/** A toWidget handler: the app's (`handle`), or one of the session's own, shared by every client (`serve`). */
type HandlerEntry =
  { readonly action: AnyWireAction; readonly handle: ToWidgetHandler<AnyWireAction> } | SessionAction;

/** Handlers by wire name, one map for each dialect. */
type HandlerMaps = { readonly [D in Dialect]: ReadonlyMap<string, HandlerEntry> };

const DIALECTS: readonly Dialect[] = ["classic", "msc4412"];

/** The handlers of `entries` by every wire name their actions have in `dialect`. */
function handlerMap(entries: readonly HandlerEntry[], dialect: Dialect): Map<string, HandlerEntry> {
  const map = new Map<string, HandlerEntry>();
  for (const entry of entries) for (const name of wireNamesIn(entry.action, dialect)) map.set(name, entry);
  return map;
}

function isTimeout(error: unknown): boolean {
  return error instanceof WidgetApiError && error.code === "timeout";
}
