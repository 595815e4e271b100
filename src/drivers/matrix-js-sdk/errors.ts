/**
 * Turns what matrix-js-sdk throws for a failed request into {@link HomeserverError}, so the host
 * relays it to the widget as `matrix_api_error`. Classes are recognised by shape and name, not by
 * `instanceof`, so this module loads nothing from matrix-js-sdk (and works across SDK copies).
 */

import { HomeserverError } from "../../host/matrix-error.js";

/** The HTTP status reported when no response arrived at all (connection refused, DNS, reset). */
export const NO_RESPONSE_STATUS = 0;

/** What an `HTTPError` / `MatrixError` of matrix-js-sdk carries, as far as this module reads it. */
interface HttpErrorShape {
  httpStatus: number;
  httpHeaders?: { get(name: string): string | null };
  data?: Record<string, unknown>;
  url?: string;
  message: string;
}

/**
 * Converts a matrix-js-sdk failure to a {@link HomeserverError}:
 * - `MatrixError` (the homeserver answered with a Matrix error body): its status, `errcode`,
 *   `error`, the retry time (`retry_after_ms`, else the `Retry-After` header) and the URL without
 *   its query string;
 * - `HTTPError` (an error status without a Matrix body): its status and `M_UNKNOWN`;
 * - `ConnectionError` (no response: homeserver down or unreachable): status 0 and `M_UNKNOWN`.
 *
 * Anything else (a bug, an aborted request, a `HomeserverError` already) is returned unchanged.
 * The result never holds the request's query string, headers or body, so no token can leak.
 */
export function toHomeserverError(error: unknown): unknown {
  if (error instanceof HomeserverError) return error;
  if (isHttpError(error)) return fromHttpError(error);
  if (error instanceof Error && error.name === "ConnectionError") {
    return new HomeserverError({
      httpStatus: NO_RESPONSE_STATUS,
      errcode: "M_UNKNOWN",
      error: "The homeserver could not be reached",
    });
  }
  return error;
}

function isHttpError(error: unknown): error is HttpErrorShape {
  if (!(error instanceof Error)) return false;
  const status: unknown = (error as Error & { httpStatus?: unknown }).httpStatus;
  return typeof status === "number" && Number.isFinite(status);
}

function fromHttpError(error: HttpErrorShape): HomeserverError {
  const data = typeof error.data === "object" && error.data !== null ? error.data : {};
  const errcode = typeof data["errcode"] === "string" ? data["errcode"] : "M_UNKNOWN";
  const message =
    typeof data["error"] === "string" ? data["error"] : `The homeserver answered HTTP ${error.httpStatus}`;
  const retryAfterHeader = readHeader(error, "retry-after");
  const retryAfterMs = retryAfterFromBody(data["retry_after_ms"]) ?? retryAfterFromHeader(retryAfterHeader);
  const headers: Record<string, string> = {};
  if (retryAfterHeader !== undefined) headers["retry-after"] = retryAfterHeader;
  return new HomeserverError({
    httpStatus: error.httpStatus,
    errcode,
    error: message,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(typeof error.url === "string" && error.url !== "" ? { url: withoutQuery(error.url) } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
  });
}

function readHeader(error: HttpErrorShape, name: string): string | undefined {
  try {
    const value = error.httpHeaders?.get(name);
    return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
  } catch {
    return undefined;
  }
}

function retryAfterFromBody(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
}

/** `Retry-After` is whole seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfterFromHeader(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) {
    const ms = Number(value) * 1000;
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The URL without query string or fragment (a query could carry an access token). */
function withoutQuery(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}
