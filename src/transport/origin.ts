import { WidgetKitConfigError } from "../core/config-error.js";

/**
 * Normalises an origin (or a URL) to its exact serialised origin, and refuses opaque ones:
 * a `"null"` origin cannot tell one sandboxed frame from another, so it cannot be trusted.
 */
export function exactOrigin(originOrUrl: string): string {
  let origin: string;
  try {
    origin = new URL(originOrUrl).origin;
  } catch {
    throw new WidgetKitConfigError(
      `Not a valid origin or URL: ${JSON.stringify(originOrUrl)}`,
      "invalid_origin",
    );
  }
  if (origin === "null") {
    throw new WidgetKitConfigError(
      `Refusing an opaque origin for ${JSON.stringify(originOrUrl)}; give an http(s) origin`,
      "invalid_origin",
    );
  }
  return origin;
}
