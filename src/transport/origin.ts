import { WidgetKitConfigError } from "../core/config-error.js";

/**
 * Normalises an origin (or a URL) to its exact serialised origin, and refuses opaque ones:
 * a `"null"` origin cannot tell one sandboxed frame from another, so it cannot be trusted.
 */
export function exactOrigin(originOrUrl: string): string {
  let origin: string;
  // What an error may quote: the input without its query string or fragment, which can hold room
  // and user IDs or tokens, since error messages end up in crash reports and analytics.
  // (`String`: a JavaScript caller may pass anything, and still gets this error, not a TypeError.)
  const shown = JSON.stringify(String(originOrUrl).replace(/[?#][^]*/, "..."));
  try {
    origin = new URL(originOrUrl).origin;
  } catch {
    throw new WidgetKitConfigError(`Not a valid origin or URL: ${shown}`, "invalid_origin");
  }
  if (origin === "null") {
    throw new WidgetKitConfigError(
      `Refusing an opaque origin for ${shown}; give an http(s) origin`,
      "invalid_origin",
    );
  }
  return origin;
}
