import {
  dialectOf,
  isClassicEnvelope,
  isMsc4412Envelope,
  isPlainObject,
  MSC4412_VERSION,
  ownProperty,
  type Dialect,
  type Direction,
  type JsonObject,
  type Msc4412Source,
  type WireMessage,
} from "../protocol/envelope.js";
import { WidgetApiError } from "../protocol/errors.js";
import type { Transport } from "../transport/transport.js";
import type { Logger } from "./logger.js";
import { clock, DeadlineTimer, sweepDue } from "./deadlines.js";
import { describeThrown } from "./describe.js";
import { redactSecrets } from "./redact.js";
import { RequestIdSource, uuidV4 } from "./request-ids.js";
import { ENDED_BEFORE_ANSWER, PEER_CLOSED, SESSION_DESTROYED } from "./session-ended.js";
import { isThenable } from "./thenable.js";
import { checkWireValue, MAX_NESTING, type WireCheck } from "./wire-value.js";

/** A request that passed the envelope checks, handed to the session's dispatcher. */
export interface InboundRequest {
  readonly action: string;
  readonly requestId: string;
  /** The dialect the request was written in, which is the session's. */
  readonly dialect: Dialect;
  /** The request's `data`, known to be a plain object; the action's schema has not run yet. */
  readonly data: JsonObject;
  /** Runs `task` right after the reply to this request has been sent (not if no reply is sent). */
  afterReply(task: () => void): void;
}

/** Settings of an {@link Endpoint}. */
export interface EndpointOptions {
  transport: Transport;
  widgetId: string;
  /** Which side this endpoint is; decides the direction of the requests it sends. */
  side: "host" | "widget";
  /** Timeout for outbound requests that do not set their own. */
  defaultTimeoutMs: number;
  /** Most outbound requests waiting for a reply at once. */
  maxPendingOutbound: number;
  /** Most inbound requests being handled at once; more get an error reply. */
  maxInboundInFlight: number;
  /**
   * Largest inbound message, measured as JSON text plus the bytes of any binary values (Blob,
   * ArrayBuffer, typed arrays); larger ones get an error reply.
   */
  maxMessageBytes: number | undefined;
  /**
   * Actions whose binary values the handler bounds itself (uploads); their binary bytes do not
   * count towards `maxMessageBytes`.
   */
  binaryAllowed?(action: string): boolean;
  logger: Logger;
  /** Handles one inbound request. Its result is the reply; a throw becomes an error reply. */
  onRequest(request: InboundRequest): Promise<JsonObject> | JsonObject;
  /**
   * Which base protocol the endpoint speaks (default `classic`):
   * - `classic` or `msc4412`: that one only; messages in the other are ignored.
   * - `peer` (hosts): each session speaks the dialect of the first valid message the peer sends
   *   in it; a later message in the other dialect starts a new session (see `onDialect`).
   *   Requests sent before the peer has spoken go out classic. `resetSession` forgets the choice.
   * - `undecided` (a widget offering MSC4412): a valid MSC4412 reply to one of its MSC4412
   *   requests settles on `msc4412`; classic requests from the peer are held, unanswered, until
   *   {@link Endpoint.chooseDialect} settles it (then run if classic, dropped if not).
   */
  dialect?: Dialect | "peer" | "undecided";
  /**
   * Called when the session's dialect is settled by a peer's message, before that message is
   * handled. `previous` is set when a `peer` endpoint's session already spoke the other dialect:
   * the caller ends that session here (a widget never switches dialects within one document, so
   * the message comes from a new one).
   */
  onDialect?(dialect: Dialect, previous: Dialect | undefined): void;
}

/** Options for one outbound request. */
export interface RequestOptions {
  /** Milliseconds to wait for the reply; defaults to the endpoint's default (10 s). */
  timeoutMs?: number;
  /**
   * The dialect to write this request in, when the session has not settled one (a widget's
   * MSC4412 offer). Ignored once the session speaks a dialect.
   */
  dialect?: Dialect;
  /**
   * Extra top-level envelope fields for legacy peers (Scalar-era widgets read `visible` there).
   * They never replace the standard fields.
   */
  envelopeExtras?: JsonObject;
}

interface PendingRequest {
  action: string;
  /** The dialect the request went out in; only a reply in the same one settles it. */
  dialect: Dialect;
  resolve(response: JsonObject): void;
  reject(error: WidgetApiError): void;
  /** When it times out, on {@link clock}; Infinity for never. */
  deadline: number;
  timeoutMs: number;
}

/** What a reply needs from its request, in either dialect. */
interface ReplyAddress {
  readonly dialect: Dialect;
  readonly requestId: string;
  readonly action: string;
  /** Classic only: the request's fields echoed back, as deployed peers expect. */
  readonly api: Direction;
  readonly widgetId: string;
  data: JsonObject;
}

/**
 * An inbound request being handled: what the dispatcher is handed, where its reply goes (destroy()
 * answers it from here), and the tasks to run after the reply. One object per request.
 */
class InboundCall implements InboundRequest, ReplyAddress {
  /** The epoch of the document that sent it. */
  epoch: number;
  data: JsonObject = {};
  followUps: Array<() => void> | undefined;

  constructor(
    readonly dialect: Dialect,
    readonly requestId: string,
    readonly action: string,
    readonly api: Direction,
    readonly widgetId: string,
    epoch: number,
  ) {
    this.epoch = epoch;
  }

  afterReply(task: () => void): void {
    (this.followUps ??= []).push(task);
  }
}

/** Most classic requests an undecided widget endpoint holds while its MSC4412 offer is open. */
const MAX_HELD = 64;

/**
 * The request/reply machinery shared by both sides. It owns the promises: every inbound request
 * that can be answered is answered exactly once, whatever the handler does, and every outbound
 * request settles exactly once (reply, error, timeout or destroy) and leaves no timer behind.
 */
export class Endpoint {
  private readonly options: EndpointOptions;
  private readonly outbound: Direction;
  private readonly inbound: Direction;
  private readonly requestIds: RequestIdSource;
  private readonly ownSource: Msc4412Source;
  private readonly peerSource: Msc4412Source;
  /** The current session's dialect; undefined while a `peer` or `undecided` endpoint waits for it. */
  private dialect: Dialect | undefined;
  /** Classic requests held by an undecided endpoint. */
  private held: unknown[] = [];
  private readonly pending = new Map<string, PendingRequest>();
  /**
   * Inbound requests being handled, by request ID. An ID is taken while its request runs and free
   * again once it is answered: peers such as matrix-widget-api name requests after the clock and
   * reuse a name as soon as the earlier request with it was answered.
   */
  private readonly inFlight = new Map<string, InboundCall>();
  /** One timer for the deadlines of every outbound request: it rejects those whose deadline has passed. */
  private readonly deadlines = new DeadlineTimer((now) =>
    sweepDue(this.pending, now, (entry, requestId) => {
      this.settle(requestId);
      entry.reject(
        new WidgetApiError(`Request ${entry.action} timed out after ${entry.timeoutMs} ms`, "timeout"),
      );
    }),
  );
  /** Handlers still running, including those of ended sessions; bounded by `maxInboundInFlight`. */
  private running = 0;
  private readonly unsubscribe: () => void;
  private readonly unsubscribePeerClose: (() => void) | undefined;
  private epoch = 0;
  private destroyed = false;
  /** The transport reported that the peer closed its end for good: nothing sent can be answered. */
  private peerClosed = false;

  constructor(options: EndpointOptions) {
    this.options = options;
    this.outbound = options.side === "host" ? "toWidget" : "fromWidget";
    this.inbound = options.side === "host" ? "fromWidget" : "toWidget";
    this.requestIds = new RequestIdSource(options.side);
    this.ownSource = options.side;
    this.peerSource = options.side === "host" ? "widget" : "host";
    const mode = options.dialect ?? "classic";
    this.dialect = mode === "classic" || mode === "msc4412" ? mode : undefined;
    this.unsubscribe = options.transport.subscribe((message) => this.receive(message));
    this.unsubscribePeerClose = options.transport.onPeerClose?.(() => this.onPeerClose());
  }

  /** Outbound requests waiting for a reply. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Inbound requests being handled. */
  get inFlightCount(): number {
    return this.running;
  }

  /** The dialect the current session speaks, once settled. */
  get sessionDialect(): Dialect | undefined {
    return this.dialect;
  }

  /**
   * Settles an undecided endpoint's dialect (a widget whose MSC4412 offer went unanswered falls
   * back to classic). Held classic requests then run, or are dropped if the choice is MSC4412.
   * Does nothing once a dialect is settled.
   */
  chooseDialect(dialect: Dialect): void {
    if (this.dialect !== undefined || this.destroyed) return;
    this.settleDialect(dialect, undefined);
  }

  private settleDialect(dialect: Dialect, previous: Dialect | undefined): void {
    const held = this.held;
    this.held = [];
    try {
      this.options.onDialect?.(dialect, previous);
    } catch (error) {
      this.log("error", `The dialect listener failed: ${describeThrown(error)}`);
    }
    this.dialect = dialect;
    if (dialect === "classic") for (const raw of held) this.receive(raw);
  }

  /** Sends a request and resolves with the peer's `response` object, or rejects with a {@link WidgetApiError}. */
  request(action: string, data: JsonObject, options: RequestOptions = {}): Promise<JsonObject> {
    return new Promise<JsonObject>((resolve, reject) => this.send(action, data, options, resolve, reject));
  }

  /**
   * {@link request} without a promise: exactly one of `onReply` and `onError` is called, once, and
   * never before this returns. For pushes, whose callers only need to know when a reply or failure
   * frees their slot: a promise per push, and the reactions chained on it, were a large part of
   * what the host spent per event of a feed.
   */
  send(
    action: string,
    data: JsonObject,
    options: RequestOptions,
    onReply: (response: JsonObject) => void,
    onError: (error: WidgetApiError) => void,
  ): void {
    const refusal = this.destroyed
      ? new WidgetApiError(SESSION_DESTROYED, "session_ended")
      : this.peerClosed
        ? new WidgetApiError(PEER_CLOSED, "session_ended")
        : this.pending.size >= this.options.maxPendingOutbound
          ? new WidgetApiError(
              `Too many requests waiting for a reply (limit ${this.options.maxPendingOutbound})`,
              "limit_exceeded",
            )
          : undefined;
    if (refusal) {
      // Never synchronously: a caller's bookkeeping after the call must not run after its callback.
      queueMicrotask(() => onError(refusal));
      return;
    }
    const dialect = this.dialect ?? options.dialect ?? "classic";
    const requestId = dialect === "msc4412" ? uuidV4() : this.requestIds.next();
    const timeoutMs = options.timeoutMs ?? this.options.defaultTimeoutMs;
    const message: WireMessage =
      dialect === "msc4412"
        ? { source: this.ownSource, action, requestId, request: data, version: MSC4412_VERSION }
        : options.envelopeExtras === undefined
          ? { api: this.outbound, widgetId: this.options.widgetId, requestId, action, data }
          : {
              ...options.envelopeExtras,
              api: this.outbound,
              widgetId: this.options.widgetId,
              requestId,
              action,
              data,
            };
    const timed = Number.isFinite(timeoutMs) && timeoutMs > 0;
    const deadline = timed ? clock() + timeoutMs : Infinity;
    this.pending.set(requestId, { action, dialect, resolve: onReply, reject: onError, deadline, timeoutMs });
    if (timed) this.deadlines.watch(deadline);
    try {
      this.options.transport.send(message);
    } catch (error) {
      const entry = this.settle(requestId);
      if (entry) {
        const failure = new WidgetApiError(
          `Could not send ${action}: ${describeThrown(error)}`,
          "internal_error",
        );
        queueMicrotask(() => entry.reject(failure));
      }
    }
  }

  /**
   * Starts a new session on the same channel, as when the peer's document is replaced: every
   * outbound request is rejected, and inbound requests still being handled are answered with a
   * session_ended error instead of their result, so nothing computed under the old session's
   * grants reaches the new document, and each of them still gets exactly one reply.
   * `keepRequestId` names the request that revealed the new document (a content_loaded); it
   * belongs to the new session.
   */
  resetSession(reason: string, keepRequestId?: string): void {
    this.epoch++;
    // A new document chooses its dialect again with its first message.
    if (this.options.dialect === "peer") this.dialect = undefined;
    const kept = keepRequestId === undefined ? undefined : this.inFlight.get(keepRequestId);
    if (kept) kept.epoch = this.epoch;
    this.rejectAll(new WidgetApiError(reason, "session_ended"));
  }

  /**
   * Stops listening and rejects pending requests. Inbound requests still being handled are
   * answered with session_ended now, so the peer hears at once instead of waiting for its timeout;
   * the handlers' results, when they come, are dropped.
   */
  destroy(reason = SESSION_DESTROYED): void {
    if (this.destroyed) return;
    for (const entry of [...this.inFlight.values()]) {
      this.reply(
        entry,
        new WidgetApiError(`${ENDED_BEFORE_ANSWER}: ${reason}`, "session_ended").toResponse(),
      );
    }
    this.inFlight.clear();
    this.destroyed = true;
    this.unsubscribe();
    this.unsubscribePeerClose?.();
    this.resetSession(reason);
    this.deadlines.stop();
  }

  /** The peer is gone for good (only exclusive channels can tell): fail what waits and what comes. */
  private onPeerClose(): void {
    if (this.destroyed || this.peerClosed) return;
    this.peerClosed = true;
    this.rejectAll(new WidgetApiError(PEER_CLOSED, "session_ended"));
  }

  private rejectAll(error: WidgetApiError): void {
    for (const requestId of [...this.pending.keys()]) this.settle(requestId)?.reject(error);
    this.deadlines.stop();
  }

  private settle(requestId: string): PendingRequest | undefined {
    const entry = this.pending.get(requestId);
    if (!entry) return undefined;
    this.pending.delete(requestId);
    if (this.pending.size === 0) this.deadlines.idle();
    return entry;
  }

  private receive(raw: unknown): void {
    if (this.destroyed || !isPlainObject(raw)) return;
    const dialect = dialectOf(raw);
    if (dialect === undefined) return;
    const hasResponse = Object.hasOwn(raw, "response");
    if (dialect === "classic") {
      // Nothing to address a reply to: drop, as MSC2813 allows.
      if (!isClassicEnvelope(raw)) return;
      if (raw.widgetId !== this.options.widgetId) return;
      if (raw.api !== (hasResponse ? this.outbound : this.inbound)) return;
    } else {
      if (!isMsc4412Envelope(raw)) return;
      // Requests and replies alike carry their sender: the peer's, never ours.
      if (raw.source !== this.peerSource) return;
    }
    const { requestId, action } = raw;
    if (dialect !== this.dialect && !this.admit(dialect, raw, hasResponse, requestId)) return;
    if (hasResponse) {
      this.receiveResponse(dialect, requestId, action, raw.response);
      return;
    }
    this.receiveRequest(
      new InboundCall(dialect, requestId, action, this.inbound, this.options.widgetId, this.epoch),
      raw,
    );
  }

  /** Whether a valid message in a dialect the session does not (yet) speak is taken. */
  private admit(dialect: Dialect, raw: JsonObject, hasResponse: boolean, requestId: string): boolean {
    const mode = this.options.dialect ?? "classic";
    if (mode === "peer") {
      this.settleDialect(dialect, this.dialect);
      return true;
    }
    if (mode !== "undecided" || this.dialect !== undefined) return false;
    if (dialect === "msc4412" && hasResponse && this.pending.get(requestId)?.dialect === "msc4412") {
      this.settleDialect("msc4412", undefined);
      return true;
    }
    if (dialect === "classic" && !hasResponse && this.held.length < MAX_HELD) this.held.push(raw);
    return false;
  }

  private receiveResponse(dialect: Dialect, requestId: string, action: string, response: unknown): void {
    const entry = this.pending.get(requestId);
    // Replies with an unknown or expired ID, for another action or in another dialect are ignored.
    if (!entry || entry.action !== action || entry.dialect !== dialect) return;
    this.settle(requestId);
    const error = WidgetApiError.fromResponse(response);
    if (error) entry.reject(error);
    else if (isPlainObject(response)) entry.resolve(response);
    else entry.reject(new WidgetApiError(`Malformed reply to ${action}`, "malformed_response"));
  }

  private receiveRequest(call: InboundCall, raw: JsonObject): void {
    const { requestId, action } = call;
    // One request per ID at a time. A copy that arrives while its ID is in flight in this session
    // is a replay: it runs nothing and gets no reply of its own, because the sender can match only
    // one reply to the ID, and the first request's reply is it. The same ID for another action
    // gets an error reply at once, so a sender that reused the ID learns that its second request
    // was not run, and is not handed the first one's result in its place. Once the first request
    // was answered, the ID is free: the next request with it is a new request.
    const current = this.inFlight.get(requestId);
    if (current !== undefined && current.epoch === this.epoch) {
      if (current.action === action) {
        this.log("debug", `Dropped a replayed request ${action} (${requestId})`);
      } else {
        this.reply(call, invalid("the requestId belongs to another request still in flight").toResponse());
      }
      return;
    }
    // MSC4412's format block names the body `request`, its prose `data`: either is read.
    const data =
      call.dialect === "msc4412" && Object.hasOwn(raw, "request")
        ? ownProperty(raw, "request")
        : ownProperty(raw, "data");
    if (!isPlainObject(data)) {
      this.reply(
        call,
        invalid(`${call.dialect === "msc4412" ? "request" : "data"} must be a JSON object`).toResponse(),
      );
      return;
    }
    // Error replies before the handler runs echo `data: {}`: the request's own data may be too
    // large, or too deeply nested, to send back.
    const limit = this.options.maxMessageBytes;
    const check = checkWireValue(raw, {
      limit,
      binaryExempt: this.options.binaryAllowed?.(action) ?? false,
      // Only the verdict is used; a refusal's size is still measured exactly.
      exactSize: false,
    });
    if (!check.ok) {
      this.reply(call, refusalOf(check, limit).toResponse());
      return;
    }
    if (this.running >= this.options.maxInboundInFlight) {
      this.reply(
        call,
        new WidgetApiError(
          `Too many requests in flight (limit ${this.options.maxInboundInFlight})`,
          "limit_exceeded",
        ).toResponse(),
      );
      return;
    }
    call.data = data;
    // A request of an ended session may still hold this ID (a new document can count its IDs
    // from the same start). The ID now belongs to this session's request; the old one, when it
    // finishes, sends nothing, since its reply would be taken for this one's.
    this.inFlight.set(requestId, call);
    this.running++;
    this.run(call);
  }

  /**
   * Runs the handler and answers. Whatever it returns, resolves or throws (a Proxy, a
   * null-prototype object, undefined), the reply is built inside finish's guard, so the request is
   * answered and its slot freed. A handler that answers at once (most toWidget acknowledgements,
   * and every early refusal) is answered in the same turn: awaiting a value that is not a promise
   * still cost a promise and a microtask hop per request, a visible part of a feed's cost.
   */
  private run(call: InboundCall): void {
    let result: unknown;
    try {
      result = this.options.onRequest(call);
      // Reading `then` can throw (a Proxy): a failure of the handler's, as an await would make it.
      if (!isThenable(result)) {
        this.finish(call, result, undefined);
        return;
      }
    } catch (error) {
      this.finish(call, undefined, { error });
      return;
    }
    // Adopted as an await would: once, whatever the thenable does.
    Promise.resolve(result).then(
      (response) => this.finish(call, response, undefined),
      (error: unknown) => this.finish(call, undefined, { error }),
    );
  }

  private finish(call: InboundCall, result: unknown, failure: { error: unknown } | undefined): void {
    this.running--;
    if (this.destroyed || this.inFlight.get(call.requestId) !== call) return;
    this.inFlight.delete(call.requestId);
    let response: JsonObject;
    try {
      response =
        failure !== undefined
          ? this.errorBody(call.action, failure.error)
          : isPlainObject(result)
            ? result
            : {};
    } catch (error) {
      this.log("error", `The reply to ${call.action} could not be built: ${describeThrown(error)}`);
      response = new WidgetApiError(`Error while handling ${call.action}`, "internal_error").toResponse();
    }
    const stale = call.epoch !== this.epoch;
    this.reply(
      call,
      stale ? new WidgetApiError(ENDED_BEFORE_ANSWER, "session_ended").toResponse() : response,
    );
    if (stale || failure !== undefined || call.followUps === undefined) return;
    for (const task of call.followUps) {
      try {
        task();
      } catch (error) {
        this.log("error", `A follow-up of ${call.action} failed: ${describeThrown(error)}`);
      }
    }
  }

  private reply(address: ReplyAddress, response: JsonObject): void {
    if (this.destroyed) return;
    try {
      this.options.transport.send(this.replyMessage(address, address.data, response));
    } catch (error) {
      // A reply that cannot be cloned (say a handler returned a function) becomes an error reply.
      this.log("error", `Could not send the reply to ${address.action}: ${describeThrown(error)}`);
      const fallback = new WidgetApiError(`Could not send the reply to ${address.action}`, "internal_error");
      try {
        this.options.transport.send(this.replyMessage(address, {}, fallback.toResponse()));
      } catch {
        // The transport itself is broken; nothing more can be said to the peer.
      }
    }
  }

  /**
   * A reply in its request's dialect: classic echoes the request's fields (deployed peers read
   * them); MSC4412 names the replier as `source` and does not repeat the request.
   */
  private replyMessage(address: ReplyAddress, data: JsonObject, response: JsonObject): WireMessage {
    const { dialect, requestId, action, api, widgetId } = address;
    return dialect === "msc4412"
      ? { source: this.ownSource, action, requestId, response, version: MSC4412_VERSION }
      : { api, widgetId, requestId, action, data, response };
  }

  private errorBody(action: string, error: unknown): JsonObject {
    if (error instanceof WidgetApiError) return error.toResponse();
    // Internal details stay in the log: they may name servers, tokens or code paths.
    this.log("error", `Handler for ${action} failed: ${describeThrown(error)}`);
    return new WidgetApiError(`Error while handling ${action}`, "internal_error").toResponse();
  }

  /**
   * Writes a redacted line to the logger. The logger is the embedder's code: if it throws, the
   * line is lost, but the reply being sent is not.
   */
  private log(level: "debug" | "error", message: string): void {
    try {
      this.options.logger[level](redactSecrets(message));
    } catch {
      // Nothing else to report it to.
    }
  }
}

/** The error reply for a message the boundary check refused. */
function refusalOf(check: Exclude<WireCheck, { ok: true }>, limit: number | undefined): WidgetApiError {
  switch (check.problem) {
    case "type":
      return invalid(`${check.path} is ${check.what}; only JSON values and binary data are accepted`);
    case "depth":
      return new WidgetApiError(
        `Request refused: the message is nested more than ${MAX_NESTING} levels deep`,
        "too_large",
      );
    case "size": {
      const size = check.exact ? `${check.size}` : `at least ${check.size}`;
      const over = limit === undefined ? "more than JSON can write" : `over the limit of ${limit}`;
      return new WidgetApiError(`Request refused: the message is ${size} bytes, ${over}`, "too_large");
    }
  }
}

function invalid(reason: string): WidgetApiError {
  return new WidgetApiError(`Invalid request: ${reason}`, "invalid_request");
}
