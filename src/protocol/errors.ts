import { ownProperty } from "../core/own-property.js";
import type { JsonObject } from "./envelope.js";

/** Machine-readable error codes carried in `error.code` next to the human-readable message. */
export const ErrorCode = {
  /** The action is unknown to the receiver, or not supported by it. */
  UnknownAction: "unknown_action",
  /** The request's data failed schema validation. */
  InvalidRequest: "invalid_request",
  /** The request came before the session was established. */
  OutOfSequence: "out_of_sequence",
  /** The widget lacks the capability the action needs. */
  MissingCapability: "missing_capability",
  /** The host policy or the user refused the request. */
  Refused: "refused",
  /** A per-widget rate limit or concurrency bound was hit. */
  LimitExceeded: "limit_exceeded",
  /** The message was larger than the receiver accepts. */
  TooLarge: "too_large",
  /** The host's driver cannot do this. */
  Unsupported: "unsupported",
  /** The peer did not answer in time. */
  Timeout: "timeout",
  /** The session ended while the request was pending. */
  SessionEnded: "session_ended",
  /** The homeserver answered with an error; see `matrix_api_error`. */
  HomeserverError: "homeserver_error",
  /** The reply did not match the action's response schema. */
  MalformedResponse: "malformed_response",
  /** Anything else that went wrong while handling the request. */
  Internal: "internal_error",
} as const;

/**
 * One of the {@link ErrorCode} values, and nothing else, so that a `switch` over it can be
 * exhaustive. A code outside this list (a host's own, or one from a newer peer) is kept apart, in
 * {@link WidgetApiError.customCode}.
 */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Every {@link ErrorCode} value, written out: a reference to the object would keep all of it, keys
 * included, in every widget bundle, and the widget SDK (like this module) writes codes as literals
 * of {@link ErrorCodeValue}. The check below fails to compile if the two lists differ. The list
 * is written inside the set, not as a constant of its own, which a bundle would keep as one more
 * variable.
 */
const KNOWN_CODES = new Set([
  "unknown_action",
  "invalid_request",
  "out_of_sequence",
  "missing_capability",
  "refused",
  "limit_exceeded",
  "too_large",
  "unsupported",
  "timeout",
  "session_ended",
  "homeserver_error",
  "malformed_response",
  "internal_error",
] as const satisfies readonly ErrorCodeValue[]);
const everyCodeListed: Exclude<
  ErrorCodeValue,
  typeof KNOWN_CODES extends Set<infer Listed> ? Listed : never
> extends never
  ? true
  : never = true;
void everyCodeListed;

/** Whether a value is one of the {@link ErrorCode} values. */
export function isErrorCode(value: unknown): value is ErrorCodeValue {
  return typeof value === "string" && (KNOWN_CODES as ReadonlySet<string>).has(value);
}

/** A homeserver error relayed to the widget, in the shape matrix-widget-api uses. */
export interface MatrixApiErrorBody {
  /** The HTTP status the homeserver answered with, e.g. 429. */
  http_status: number;
  /** Response headers passed on, such as `retry-after`; may be empty. Not checked on a received error. */
  http_headers: Record<string, string>;
  /**
   * The homeserver endpoint that failed. Our host sends it without the query string, which could
   * carry a token. Not checked on a received error.
   */
  url: string;
  /**
   * The homeserver's error body: `errcode` (e.g. `M_LIMIT_EXCEEDED`), `error`, and `retry_after_ms`
   * when it asked the client to wait. On a received error, only checked to be an object.
   */
  response: { errcode: string; error: string; retry_after_ms?: number } & JsonObject;
}

/**
 * The body of an error reply. `code` and `matrix_api_error` are optional extras; `code` is one of
 * {@link ErrorCode}, or a custom code (a string we do not know) when the sender set one.
 */
export type ErrorResponseBody = {
  /** What went wrong: a human-readable `message`, and the optional `code` and `matrix_api_error`. */
  error: {
    message: string;
    code?: string;
    matrix_api_error?: MatrixApiErrorBody;
  };
};

/**
 * An error that travels over the Widget API. Throw it from a host handler to send exactly this
 * error reply; the widget SDK rejects calls with it when the host answers with an error.
 */
export class WidgetApiError extends Error {
  /** Always `"WidgetApiError"`, the name stack traces and logs show. */
  override readonly name = "WidgetApiError";
  /** What went wrong, always one of {@link ErrorCode}: switch over it exhaustively. */
  declare readonly code: ErrorCodeValue;
  /**
   * A code outside {@link ErrorCode}, exactly as written: one a host application defines for its
   * own actions, or one a newer peer sent. On a received error, `code` is then read from the
   * message (see {@link classifyErrorMessage}), usually `internal_error`. On a thrown error, it
   * is the code sent on the wire, and `code` is what this side makes of it.
   */
  declare readonly customCode: string | undefined;

  constructor(
    message: string,
    code: ErrorCodeValue = "internal_error",
    /** The homeserver error behind this one, on the wire `error.matrix_api_error`; undefined if none. */
    readonly matrixApiError?: MatrixApiErrorBody,
    customCode?: string,
  ) {
    super(message);
    // `code` and `customCode` are declared, not defined, fields: the constructor always sets both
    // (after `matrixApiError` and `name`, the order as defined fields had), and a definition of
    // each would be bytes in every widget bundle.
    // A JavaScript caller may pass any string as the code: keep the union's promise regardless.
    if (isErrorCode(code)) {
      this.code = code;
      this.customCode = customCode;
    } else {
      this.code = "internal_error";
      this.customCode = customCode ?? (typeof code === "string" ? code : undefined);
    }
  }

  /** The reply body for this error. */
  toResponse(): ErrorResponseBody {
    const error: ErrorResponseBody["error"] = { message: this.message, code: this.customCode ?? this.code };
    if (this.matrixApiError) error.matrix_api_error = this.matrixApiError;
    return { error };
  }

  /** Reads an error reply body; returns undefined if the body is not an error. */
  static fromResponse(response: unknown): WidgetApiError | undefined {
    if (typeof response !== "object" || response === null) return undefined;
    const error = ownProperty(response, "error");
    if (typeof error !== "object" || error === null) return undefined;
    const { message, code, matrix_api_error } = error as Record<string, unknown>;
    if (typeof message !== "string") return undefined;
    const matrixApiError = isMatrixApiErrorBody(matrix_api_error) ? matrix_api_error : undefined;
    if (isErrorCode(code)) return new WidgetApiError(message, code, matrixApiError);
    // No code (matrix-widget-api peers), or one we do not know: read the message, keep the code.
    return new WidgetApiError(
      message,
      classifyErrorMessage(message, matrixApiError !== undefined),
      matrixApiError,
      typeof code === "string" ? code : undefined,
    );
  }
}

/**
 * How deployed peers word their code-less error replies, checked in order. matrix-widget-api
 * (and so Element Web, Element Call and most widgets) sends only `message`; these are its
 * wordings, plus common phrasings of "not implemented". "Invalid request - unsupported action"
 * (a bad `action` field of update_delayed_event) comes first so it stays an invalid request.
 */
const PEER_WORDINGS: ReadonlyArray<readonly [RegExp, ErrorCodeValue]> = [
  [/^invalid request\b/i, "invalid_request"],
  [
    /\bunknown or unsupported\b.*\baction\b|\b(?:unknown|unsupported|unrecogni[sz]ed) action\b|\bnot (?:supported|implemented)\b/i,
    "unknown_action",
  ],
  [
    /^(?:missing capability|unable to access room timeline)\b|^cannot .* of this type$/i,
    "missing_capability",
  ],
  [/^improper sequence\b|^capability negotiation already completed\b/i, "out_of_sequence"],
];

/**
 * Classifies an error reply that carries no `code` (every matrix-widget-api peer's replies), from
 * its wording: "Unknown or unsupported from-widget action: …", "Unknown action", "… not
 * supported" become `unknown_action`, so a caller can tell "the peer does not implement this"
 * from "it failed"; "Missing capability", "Cannot send room events of this type" and "Unable to
 * access room timeline: …" become `missing_capability`. A reply with a `matrix_api_error` is a homeserver error; anything
 * unrecognised is `internal_error`. The message itself is always kept as it was.
 */
export function classifyErrorMessage(message: string, hasMatrixApiError = false): ErrorCodeValue {
  if (hasMatrixApiError) return "homeserver_error";
  for (const [pattern, code] of PEER_WORDINGS) if (pattern.test(message)) return code;
  return "internal_error";
}

/** Whether an error means the peer does not implement the action, rather than that it failed. */
export function isUnknownActionError(error: unknown): boolean {
  return error instanceof WidgetApiError && error.code === "unknown_action";
}

function isMatrixApiErrorBody(value: unknown): value is MatrixApiErrorBody {
  if (typeof value !== "object" || value === null) return false;
  const body = value as Record<string, unknown>;
  return typeof body.http_status === "number" && typeof body.response === "object" && body.response !== null;
}

/** Whether a response body is an error reply (an `error` object with a string `message`). */
export function isErrorResponse(response: unknown): response is ErrorResponseBody {
  return WidgetApiError.fromResponse(response) !== undefined;
}
