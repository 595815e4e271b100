/**
 * Normalises an origin (or a URL) to its exact serialised origin, and refuses opaque ones:
 * a `"null"` origin cannot tell one sandboxed frame from another, so it cannot be trusted.
 */
export function exactOrigin(originOrUrl: string): string {
  let origin: string;
  try {
    origin = new URL(originOrUrl).origin;
  } catch {
    throw new Error(`Not a valid origin or URL: ${JSON.stringify(originOrUrl)}`);
  }
  if (origin === "null") {
    throw new Error(`Refusing an opaque origin for ${JSON.stringify(originOrUrl)}; give an http(s) origin`);
  }
  return origin;
}
