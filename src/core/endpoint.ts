import * as v from "valibot";
import {
  envelopeSchema,
  isPlainObject,
  ownProperty,
  type Direction,
  type JsonObject,
  type WidgetMessage,
  type WidgetRequest,
} from "../protocol/envelope.js";
import { ErrorCode, WidgetApiError } from "../protocol/errors.js";
import type { Transport } from "../transport/transport.js";
import type { Logger } from "./logger.js";
import { describeThrown } from "./describe.js";
import { redactSecrets } from "./redact.js";
import { createRequestIdSource } from "./request-ids.js";
import { checkWireValue, MAX_NESTING, type WireCheck } from "./wire-value.js";

/** A request that passed the envelope checks, handed to the session's dispatcher. */
export interface InboundRequest {
  readonly action: string;
  readonly requestId: string;
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
}

/** Options for one outbound request. */
export interface RequestOptions {
  /** Milliseconds to wait for the reply; defaults to the endpoint's default (10 s). */
  timeoutMs?: number;
  /**
   * Extra top-level envelope fields for legacy peers (Scalar-era widgets read `visible` there).
   * They never replace the standard fields.
   */
  envelopeExtras?: JsonObject;
}

interface PendingRequest {
  action: string;
  resolve(response: JsonObject): void;
  reject(error: WidgetApiError): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** An inbound request being handled. Its `epoch` is that of the document that sent it. */
interface InFlightRequest {
  readonly action: string;
  epoch: number;
  /** Where its reply goes; destroy() answers it from here. */
  readonly address: WidgetRequest;
}

/**
 * The request/reply machinery shared by both sides. It owns the promises: every inbound request
 * that can be answered is answered exactly once, whatever the handler does, and every outbound
 * request settles exactly once (reply, error, timeout or destroy) and leaves no timer behind.
 */
export class Endpoint {
  private readonly options: EndpointOptions;
  private readonly outbound: Direction;
  private readonly inbound: Direction;
  private readonly nextRequestId: () => string;
  private readonly pending = new Map<string, PendingRequest>();
  /**
   * Inbound requests being handled, by request ID. An ID is taken while its request runs and free
   * again once it is answered: peers such as matrix-widget-api name requests after the clock and
   * reuse a name as soon as the earlier request with it was answered.
   */
  private readonly inFlight = new Map<string, InFlightRequest>();
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
    this.nextRequestId = createRequestIdSource(options.side);
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

  /** Sends a request and resolves with the peer's `response` object, or rejects with a {@link WidgetApiError}. */
  request(action: string, data: JsonObject, options: RequestOptions = {}): Promise<JsonObject> {
    if (this.destroyed) {
      return Promise.reject(new WidgetApiError("The session has been destroyed", ErrorCode.SessionEnded));
    }
    if (this.peerClosed) {
      return Promise.reject(new WidgetApiError(PEER_CLOSED, ErrorCode.SessionEnded));
    }
    if (this.pending.size >= this.options.maxPendingOutbound) {
      return Promise.reject(
        new WidgetApiError(
          `Too many requests waiting for a reply (limit ${this.options.maxPendingOutbound})`,
          ErrorCode.LimitExceeded,
        ),
      );
    }
    const requestId = this.nextRequestId();
    const timeoutMs = options.timeoutMs ?? this.options.defaultTimeoutMs;
    return new Promise<JsonObject>((resolve, reject) => {
      const entry: PendingRequest = { action, resolve, reject, timer: undefined };
      if (Number.isFinite(timeoutMs) && timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          this.settle(requestId)?.reject(
            new WidgetApiError(`Request ${action} timed out after ${timeoutMs} ms`, ErrorCode.Timeout),
          );
        }, timeoutMs);
      }
      this.pending.set(requestId, entry);
      const message: WidgetRequest = {
        ...options.envelopeExtras,
        api: this.outbound,
        widgetId: this.options.widgetId,
        requestId,
        action,
        data,
      };
      try {
        this.options.transport.send(message);
      } catch (error) {
        this.settle(requestId)?.reject(
          new WidgetApiError(`Could not send ${action}: ${describeThrown(error)}`, ErrorCode.Internal),
        );
      }
    });
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
    const kept = keepRequestId === undefined ? undefined : this.inFlight.get(keepRequestId);
    if (kept) kept.epoch = this.epoch;
    this.rejectAll(new WidgetApiError(reason, ErrorCode.SessionEnded));
  }

  /**
   * Stops listening and rejects pending requests. Inbound requests still being handled are
   * answered with session_ended now, so the peer hears at once instead of waiting for its timeout;
   * the handlers' results, when they come, are dropped.
   */
  destroy(reason = "The session has been destroyed"): void {
    if (this.destroyed) return;
    for (const entry of [...this.inFlight.values()]) {
      this.reply(
        entry.address,
        new WidgetApiError(
          `The session ended before this request was answered: ${reason}`,
          ErrorCode.SessionEnded,
        ).toResponse(),
      );
    }
    this.inFlight.clear();
    this.destroyed = true;
    this.unsubscribe();
    this.unsubscribePeerClose?.();
    this.resetSession(reason);
  }

  /** The peer is gone for good (only exclusive channels can tell): fail what waits and what comes. */
  private onPeerClose(): void {
    if (this.destroyed || this.peerClosed) return;
    this.peerClosed = true;
    this.rejectAll(new WidgetApiError(PEER_CLOSED, ErrorCode.SessionEnded));
  }

  private rejectAll(error: WidgetApiError): void {
    for (const requestId of [...this.pending.keys()]) this.settle(requestId)?.reject(error);
  }

  private settle(requestId: string): PendingRequest | undefined {
    const entry = this.pending.get(requestId);
    if (!entry) return undefined;
    this.pending.delete(requestId);
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    return entry;
  }

  private receive(raw: unknown): void {
    if (this.destroyed || !isPlainObject(raw)) return;
    const envelope = v.safeParse(envelopeSchema, raw);
    if (!envelope.success) return; // Nothing to address a reply to: drop, as MSC2813 allows.
    const { api, widgetId, requestId, action } = envelope.output;
    if (widgetId !== this.options.widgetId) return;
    const hasResponse = Object.prototype.hasOwnProperty.call(raw, "response");
    if (hasResponse) {
      if (api === this.outbound) this.receiveResponse(requestId, action, ownProperty(raw, "response"));
      return;
    }
    if (api !== this.inbound) return;
    this.receiveRequest({ api, widgetId, requestId, action, data: {} }, raw);
  }

  private receiveResponse(requestId: string, action: string, response: unknown): void {
    const entry = this.pending.get(requestId);
    // Replies with an unknown or expired ID, or for another action, are ignored.
    if (!entry || entry.action !== action) return;
    this.settle(requestId);
    const error = WidgetApiError.fromResponse(response);
    if (error) entry.reject(error);
    else if (isPlainObject(response)) entry.resolve(response);
    else entry.reject(new WidgetApiError(`Malformed reply to ${action}`, ErrorCode.MalformedResponse));
  }

  private receiveRequest(address: WidgetRequest, raw: JsonObject): void {
    const { requestId, action } = address;
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
        this.reply(address, invalid("the requestId belongs to another request still in flight").toResponse());
      }
      return;
    }
    const data = ownProperty(raw, "data");
    if (!isPlainObject(data)) {
      this.reply(address, invalid("data must be a JSON object").toResponse());
      return;
    }
    // Error replies before the handler runs echo `data: {}`: the request's own data may be too
    // large, or too deeply nested, to send back.
    const limit = this.options.maxMessageBytes;
    const check = checkWireValue(raw, {
      ...(limit === undefined ? {} : { limit }),
      binaryExempt: this.options.binaryAllowed?.(action) ?? false,
    });
    if (!check.ok) {
      this.reply(address, refusalOf(check, limit).toResponse());
      return;
    }
    if (this.running >= this.options.maxInboundInFlight) {
      this.reply(
        address,
        new WidgetApiError(
          `Too many requests in flight (limit ${this.options.maxInboundInFlight})`,
          ErrorCode.LimitExceeded,
        ).toResponse(),
      );
      return;
    }
    address.data = data;
    // A request of an ended session may still hold this ID (a new document can count its IDs
    // from the same start). The ID now belongs to this session's request; the old one, when it
    // finishes, sends nothing, since its reply would be taken for this one's.
    const entry: InFlightRequest = { action, epoch: this.epoch, address };
    this.inFlight.set(requestId, entry);
    this.running++;
    const followUps: Array<() => void> = [];
    const afterReply = (task: () => void) => followUps.push(task);
    let result: Promise<JsonObject>;
    try {
      result = Promise.resolve(this.options.onRequest({ action, requestId, data, afterReply }));
    } catch (error) {
      result = Promise.reject(error);
    }
    // Whatever the handler resolved or threw (a Proxy, a null-prototype object, undefined), the
    // reply is built inside finish's guard, so the request is answered and its slot freed.
    result.then(
      (response) => this.finish(address, entry, () => (isPlainObject(response) ? response : {}), followUps),
      (error: unknown) => this.finish(address, entry, () => this.errorBody(action, error), []),
    );
  }

  private finish(
    address: WidgetRequest,
    entry: InFlightRequest,
    body: () => JsonObject,
    followUps: Array<() => void>,
  ): void {
    this.running--;
    if (this.destroyed || this.inFlight.get(address.requestId) !== entry) return;
    this.inFlight.delete(address.requestId);
    let response: JsonObject;
    try {
      response = body();
    } catch (error) {
      this.log("error", `The reply to ${address.action} could not be built: ${describeThrown(error)}`);
      response = new WidgetApiError(
        `Error while handling ${address.action}`,
        ErrorCode.Internal,
      ).toResponse();
    }
    const stale = entry.epoch !== this.epoch;
    this.reply(
      address,
      stale
        ? new WidgetApiError(
            "The session ended before this request was answered",
            ErrorCode.SessionEnded,
          ).toResponse()
        : response,
    );
    if (stale) return;
    for (const task of followUps) {
      try {
        task();
      } catch (error) {
        this.log("error", `A follow-up of ${address.action} failed: ${describeThrown(error)}`);
      }
    }
  }

  private reply(address: WidgetRequest, response: JsonObject): void {
    if (this.destroyed) return;
    const message: WidgetMessage = { ...address, response };
    try {
      this.options.transport.send(message);
    } catch (error) {
      // A reply that cannot be cloned (say a handler returned a function) becomes an error reply.
      this.log("error", `Could not send the reply to ${address.action}: ${describeThrown(error)}`);
      const fallback = new WidgetApiError(
        `Could not send the reply to ${address.action}`,
        ErrorCode.Internal,
      );
      try {
        this.options.transport.send({ ...address, data: {}, response: fallback.toResponse() });
      } catch {
        // The transport itself is broken; nothing more can be said to the peer.
      }
    }
  }

  private errorBody(action: string, error: unknown): JsonObject {
    if (error instanceof WidgetApiError) return error.toResponse();
    // Internal details stay in the log: they may name servers, tokens or code paths.
    this.log("error", `Handler for ${action} failed: ${describeThrown(error)}`);
    return new WidgetApiError(`Error while handling ${action}`, ErrorCode.Internal).toResponse();
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

const PEER_CLOSED = "The peer ended the session: it closed its end of the channel";

/** The error reply for a message the boundary check refused. */
function refusalOf(check: Exclude<WireCheck, { ok: true }>, limit: number | undefined): WidgetApiError {
  switch (check.problem) {
    case "type":
      return invalid(`${check.path} is ${check.what}; only JSON values and binary data are accepted`);
    case "depth":
      return new WidgetApiError(
        `Request refused: the message is nested more than ${MAX_NESTING} levels deep`,
        ErrorCode.TooLarge,
      );
    case "size": {
      const size = check.exact ? `${check.size}` : `at least ${check.size}`;
      const over = limit === undefined ? "more than JSON can write" : `over the limit of ${limit}`;
      return new WidgetApiError(`Request refused: the message is ${size} bytes, ${over}`, ErrorCode.TooLarge);
    }
  }
}

function invalid(reason: string): WidgetApiError {
  return new WidgetApiError(`Invalid request: ${reason}`, ErrorCode.InvalidRequest);
}
