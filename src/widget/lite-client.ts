import { describeThrown } from "../core/describe.js";
import type { RequestOptions } from "../core/endpoint.js";
import { RequestIdSource } from "../core/request-ids.js";
import { ENDED_BEFORE_ANSWER, PEER_CLOSED, SESSION_DESTROYED } from "../core/session-ended.js";
import { callAction, parseRequestData, type RequestSender } from "../core/validation.js";
import type { AnyWireAction, RequestInput, ResponseData } from "../protocol/action.js";
import { wireNames } from "../protocol/action.js";
import { isClassicEnvelope, isPlainObject, ownProperty, type JsonObject } from "../protocol/envelope.js";
import { WidgetApiError } from "../protocol/errors.js";
import { exactOrigin } from "../transport/origin.js";
import { embeddingParent } from "../transport/post-message-widget.js";
import type { Transport } from "../transport/transport.js";
import type { ToWidgetHandler, WidgetSessionOptions } from "./session.js";
import { limitTimer, sessionIdentity, WidgetSessionCore, type SessionAction } from "./session-core.js";
import { ACKED_WITHOUT_LISTENER } from "./session-common.js";

/**
 * Options of {@link LiteWidgetClient.create}: those of every widget session. With `transport`
 * given, this client does not count as the page's own channel: content_loaded and the
 * renegotiation ask are then per client, not per document.
 * @category Session
 */
export interface LiteWidgetClientOptions extends WidgetSessionOptions {
  /** Runs before the capability exchange: register toWidget listeners here. */
  beforeStart?: (client: LiteWidgetClient) => void;
}

/** An outbound request waiting for its reply. */
interface Waiting {
  readonly action: string;
  resolve(response: JsonObject): void;
  reject(error: WidgetApiError): void;
  readonly timer: ReturnType<typeof setTimeout> | undefined;
}

/** A toWidget request being answered: what its reply echoes. */
interface Answering {
  readonly action: string;
  readonly data: JsonObject;
}

/** An app's toWidget handler and the action it was registered for. */
interface AppHandler {
  readonly action: AnyWireAction;
  readonly handle: ToWidgetHandler<AnyWireAction>;
}

/** Most toWidget requests answered at once; more get an error reply, as from WidgetClient. */
const MAX_ANSWERING = 64;

/**
 * The small widget client: the same session, actions and checks as {@link WidgetClient}, over plain
 * postMessage and the deployed (classic) Widget API only. It leaves out what a widget rarely
 * needs, so that a widget with the four proposals is about half the size (6.7 KiB gzipped against
 * 12.2 in bench/results.md):
 * - the MSC4412 draft protocol (`protocol` option);
 * - the MessagePort fast path to our host;
 * - sharing one postMessage channel between several live clients of a page (keep one live client
 *   per widget; React StrictMode's mount, unmount and mount again is fine, since destroy()
 *   removes the listener);
 * - the message-wide walk that refuses non-JSON values and very deep nesting where no schema
 *   looks: fields no schema names, and the members of opaque JSON fields such as an event's
 *   `content` (the action's schema still checks every field it names).
 *
 * Every action function (`navigate`, `sendEvent`, `onRoomEvent`, …) takes it as it takes
 * WidgetClient. Requests are answered exactly once; messages count only from the parent window at
 * the pinned origin, and nothing is posted to `"*"`.
 *
 * ```ts
 * const client = await LiteWidgetClient.create({ capabilities: ["org.matrix.msc2931.navigate"] });
 * await navigate(client, "https://matrix.to/#/#room:example.org");
 * ```
 * @category Session
 */
export class LiteWidgetClient extends WidgetSessionCore {
  /** The session's own toWidget actions by their classic wire names, shared by every client. */
  static readonly #sessionHandlers: ReadonlyMap<string, SessionAction> = new Map(
    WidgetSessionCore.sessionActions.flatMap((entry) => wireNames(entry.action).map((name) => [name, entry])),
  );
  readonly #transport: Transport;
  readonly #ids = new RequestIdSource("widget");
  readonly #waiting = new Map<string, Waiting>();
  /** toWidget requests being answered, by request ID; a copy arriving meanwhile is a replay. */
  readonly #answering = new Map<string, Answering>();
  /** The app's toWidget handlers, by classic wire name. */
  readonly #handlers = new Map<string, AppHandler>();
  readonly #stopListening: () => void;
  readonly #stopPeerClose: (() => void) | undefined;
  /** The transport reported that the host closed its end for good: nothing sent can be answered. */
  #peerClosed = false;
  readonly #defaultTimeoutMs: number;
  readonly #maxPending: number;
  /** What {@link callAction} sends through: this client's own request method, by wire name. */
  readonly #sender: RequestSender = { request: (action, data, options) => this.#send(action, data, options) };

  private constructor(options: LiteWidgetClientOptions) {
    const identity = sessionIdentity(options);
    super(identity.widgetId, options, options.transport === undefined);
    this.#transport = options.transport ?? parentWindowTransport(identity.parentOrigin());
    this.#defaultTimeoutMs = options.timeoutMs ?? 10_000;
    this.#maxPending = options.maxPending ?? 1024;
    this.#stopListening = this.#transport.subscribe((message) => this.#receive(message));
    this.#stopPeerClose = this.#transport.onPeerClose?.(() => {
      this.#peerClosed = true;
      this.#rejectWaiting(PEER_CLOSED);
    });
  }

  /**
   * Connects to the host and resolves once the capability exchange has finished.
   * Rejects if the host does not finish it within `readyTimeoutMs`.
   */
  static async create(options: LiteWidgetClientOptions = {}): Promise<LiteWidgetClient> {
    const client = new LiteWidgetClient(options);
    try {
      options.beforeStart?.(client);
      const ready = client.nextNotify(options.readyTimeoutMs ?? 120_000);
      ready.promise.catch(() => {});
      await client.startClassic(options, ready.promise);
    } catch (error) {
      client.destroy();
      throw error;
    }
    return client;
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
    return callAction(this.#sender, action, this.versionsOfHost, data, options);
  }

  /**
   * Answers a toWidget action: the handler's return value is the reply, a throw is an error reply.
   * Replaces an earlier handler for the same action; returns a function that removes it.
   */
  handle<A extends AnyWireAction>(action: A, handler: ToWidgetHandler<A>): () => void {
    const entry: AppHandler = { action, handle: handler as unknown as ToWidgetHandler<AnyWireAction> };
    const names = wireNames(action);
    for (const name of names) this.#handlers.set(name, entry);
    return () => {
      for (const name of names) if (this.#handlers.get(name) === entry) this.#handlers.delete(name);
    };
  }

  /** Requests waiting for the host; for tests and diagnostics. */
  get pendingRequestCount(): number {
    return this.#waiting.size;
  }

  /**
   * Disconnects: rejects pending requests, answers the host's requests still being handled with
   * session_ended (their handlers' results are dropped), removes the listener, leaves no timers.
   */
  override destroy(): void {
    if (this.destroyed) return;
    const unanswered = sessionEnded(`${ENDED_BEFORE_ANSWER}: ${SESSION_DESTROYED}`);
    for (const [requestId, { action, data }] of this.#answering) {
      this.#reply(requestId, action, data, unanswered.toResponse());
    }
    this.#answering.clear();
    super.destroy();
    this.#stopListening();
    this.#stopPeerClose?.();
    this.#transport.close();
    this.#rejectWaiting(SESSION_DESTROYED);
  }

  #rejectWaiting(reason: string): void {
    const ended = sessionEnded(reason);
    for (const requestId of [...this.#waiting.keys()]) this.#settle(requestId)?.reject(ended);
  }

  /** Sends one request by wire name and resolves with the host's `response` object. */
  #send(action: string, data: JsonObject, options: RequestOptions = {}): Promise<JsonObject> {
    if (this.destroyed || this.#peerClosed) {
      return Promise.reject(sessionEnded(this.destroyed ? SESSION_DESTROYED : PEER_CLOSED));
    }
    if (this.#waiting.size >= this.#maxPending) {
      return Promise.reject(
        new WidgetApiError(
          `Too many requests waiting for a reply (limit ${this.#maxPending})`,
          "limit_exceeded",
        ),
      );
    }
    const requestId = this.#ids.next();
    const timeoutMs = options.timeoutMs ?? this.#defaultTimeoutMs;
    return new Promise<JsonObject>((resolve, reject) => {
      const timer = limitTimer(() => {
        this.#settle(requestId);
        reject(new WidgetApiError(`Request ${action} timed out after ${timeoutMs} ms`, "timeout"));
      }, timeoutMs);
      this.#waiting.set(requestId, { action, resolve, reject, timer });
      try {
        this.#transport.send({
          // Legacy top-level fields first, so they never replace the standard ones.
          ...options.envelopeExtras,
          api: "fromWidget",
          widgetId: this.widgetId,
          requestId,
          action,
          data,
        });
      } catch (error) {
        this.#settle(requestId)?.reject(
          new WidgetApiError(`Could not send ${action}: ${describeThrown(error)}`, "internal_error"),
        );
      }
    });
  }

  #settle(requestId: string): Waiting | undefined {
    const entry = this.#waiting.get(requestId);
    if (!entry) return undefined;
    this.#waiting.delete(requestId);
    clearTimeout(entry.timer);
    return entry;
  }

  #receive(raw: unknown): void {
    // Anything that cannot be addressed, or is not for this widget, is dropped as MSC2813 allows.
    if (this.destroyed || !isPlainObject(raw) || !isClassicEnvelope(raw) || raw.widgetId !== this.widgetId)
      return;
    const { requestId, action } = raw;
    if (Object.hasOwn(raw, "response")) {
      if (raw.api !== "fromWidget") return;
      const entry = this.#waiting.get(requestId);
      // Replies with an unknown or expired ID, or for another action, are ignored.
      if (!entry || entry.action !== action) return;
      this.#settle(requestId);
      const response = ownProperty(raw, "response");
      const error = WidgetApiError.fromResponse(response);
      if (error) entry.reject(error);
      else if (isPlainObject(response)) entry.resolve(response);
      else entry.reject(new WidgetApiError(`Malformed reply to ${action}`, "malformed_response"));
      return;
    }
    if (raw.api !== "toWidget") return;
    const current = this.#answering.get(requestId);
    if (current !== undefined) {
      // A replay of a request still being answered gets no reply of its own: the host can match
      // only one reply to the ID. The same ID for another action is refused at once.
      if (current.action !== action) {
        this.#reply(
          requestId,
          action,
          {},
          invalid("the requestId belongs to another request still in flight"),
        );
      }
      return;
    }
    const data = ownProperty(raw, "data");
    if (!isPlainObject(data)) {
      this.#reply(requestId, action, {}, invalid("data must be a JSON object"));
      return;
    }
    if (this.#answering.size >= MAX_ANSWERING) {
      this.#reply(
        requestId,
        action,
        {},
        new WidgetApiError(
          `Too many requests in flight (limit ${MAX_ANSWERING})`,
          "limit_exceeded",
        ).toResponse(),
      );
      return;
    }
    const call: Answering = { action, data };
    this.#answering.set(requestId, call);
    void this.#answer(requestId, call);
  }

  /** Runs the handler and sends its one reply; whatever it returns or throws, the request is answered. */
  async #answer(requestId: string, call: Answering): Promise<void> {
    let response: JsonObject;
    try {
      const result = await this.#dispatch(call.action, call.data);
      response = isPlainObject(result) ? result : {};
    } catch (error) {
      response = this.#errorReply(call.action, error);
    }
    // destroy() has answered it already.
    if (this.#answering.get(requestId) !== call) return;
    this.#answering.delete(requestId);
    this.#reply(requestId, call.action, call.data, response);
  }

  async #dispatch(action: string, data: JsonObject): Promise<unknown> {
    const app = this.#handlers.get(action);
    if (app) return app.handle(parseRequestData(app.action, data));
    const own = LiteWidgetClient.#sessionHandlers.get(action);
    if (own) return own.serve(this, parseRequestData(own.action, data));
    // A notification this widget advertises is acknowledged even with nobody listening.
    if (ACKED_WITHOUT_LISTENER.has(action)) return {};
    throw new WidgetApiError(`Unknown or unsupported action: ${action}`, "unknown_action");
  }

  /**
   * The error reply for a failed handler. Internal details go neither to the host nor to the log:
   * the thrown value may quote what the handler was given (TURN credentials, say), and this client
   * carries no redaction. The log names the action and the kind of value thrown.
   */
  #errorReply(action: string, error: unknown): JsonObject {
    try {
      // Inside the guard: `instanceof` runs a Proxy's getPrototypeOf trap, which may throw.
      if (error instanceof WidgetApiError) return error.toResponse();
      this.logger.error(
        `Handler for ${action} failed (${error instanceof Error ? error.name : typeof error})`,
      );
    } catch {
      // A thrown value whose traps throw, or a logger that throws, loses the line, not the reply.
    }
    return new WidgetApiError(`Error while handling ${action}`, "internal_error").toResponse();
  }

  /** Sends a reply, echoing the request's fields as deployed hosts expect. */
  #reply(requestId: string, action: string, data: JsonObject, response: JsonObject): void {
    const message = { api: "toWidget" as const, widgetId: this.widgetId, requestId, action };
    try {
      this.#transport.send({ ...message, data, response });
    } catch {
      // A reply that cannot be cloned (a handler returned a function) becomes an error reply.
      const fallback = new WidgetApiError(`Could not send the reply to ${action}`, "internal_error");
      try {
        this.#transport.send({ ...message, data: {}, response: fallback.toResponse() });
      } catch {
        // The channel itself is broken; nothing more can be said to the host.
      }
    }
  }
}

function sessionEnded(reason: string): WidgetApiError {
  return new WidgetApiError(reason, "session_ended");
}

function invalid(reason: string): JsonObject {
  return new WidgetApiError(`Invalid request: ${reason}`, "invalid_request").toResponse();
}

/**
 * The page's postMessage channel to its parent: messages count only from the parent window at the
 * exact pinned origin, and go only to that origin, never to `"*"`.
 */
function parentWindowTransport(parentOrigin: string): Transport {
  const origin = exactOrigin(parentOrigin);
  const self = window;
  const parent = embeddingParent(self);
  const listeners = new Set<(message: unknown) => void>();
  const onMessage = (event: MessageEvent) => {
    if (event.source !== parent || event.origin !== origin) return;
    for (const listener of [...listeners]) listener(event.data);
  };
  self.addEventListener("message", onMessage);
  return {
    send: (message) => parent.postMessage(message, origin),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      listeners.clear();
      self.removeEventListener("message", onMessage);
    },
  };
}
