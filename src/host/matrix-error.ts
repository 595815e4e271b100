import type { MatrixApiErrorBody } from "../protocol/errors.js";

/** What a driver knows about a failed homeserver call. */
export interface HomeserverErrorDetails {
  /** The HTTP status, e.g. 429. */
  httpStatus: number;
  /** The Matrix error code, e.g. `M_LIMIT_EXCEEDED`. */
  errcode: string;
  /** The homeserver's human-readable message. */
  error: string;
  /** How long to wait before retrying, from `Retry-After` or `retry_after_ms`. */
  retryAfterMs?: number;
  /** The endpoint that failed, without query string (it could carry a token). */
  url?: string;
  /** Response headers worth relaying, such as `retry-after`. */
  headers?: Record<string, string>;
}

/**
 * Thrown by a driver when the homeserver answered with an error. The host relays it to the widget
 * as `error.matrix_api_error`, the shape matrix-widget-api peers understand.
 */
export class HomeserverError extends Error {
  /** Always `"HomeserverError"`: how the error is named in logs and stack traces. */
  override readonly name = "HomeserverError";
  constructor(
    /** What the homeserver answered; {@link HomeserverError.toMatrixApiError} relays it to the widget. */
    readonly details: HomeserverErrorDetails,
  ) {
    super(`${details.errcode}: ${details.error}`);
  }

  /** The `matrix_api_error` body relayed to the widget. */
  toMatrixApiError(): MatrixApiErrorBody {
    const { httpStatus, errcode, error, retryAfterMs, url, headers } = this.details;
    const response: MatrixApiErrorBody["response"] = { errcode, error };
    if (retryAfterMs !== undefined) response.retry_after_ms = retryAfterMs;
    const httpHeaders: Record<string, string> = { ...headers };
    if (retryAfterMs !== undefined && httpHeaders["retry-after"] === undefined) {
      httpHeaders["retry-after"] = String(Math.ceil(retryAfterMs / 1000));
    }
    return { http_status: httpStatus, http_headers: httpHeaders, url: stripQuery(url ?? ""), response };
  }
}

function stripQuery(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}
