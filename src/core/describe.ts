/**
 * Describes anything that was thrown, for a log line or an error message, and never throws itself.
 *
 * Hooks and drivers may throw values that are not Errors: `undefined`, a string, a null-prototype
 * object (whose `String()` throws), or an object with a throwing `message` getter. A `catch` block
 * that formats such a value with `(error as Error).message` or `String(error)` can throw again
 * and abandon whatever cleanup came after it, so every catch block formats through this helper.
 */
export function describeThrown(value: unknown): string {
  try {
    if (typeof value === "string") return value;
    if (value == null) return `${value} was thrown`;
    if (typeof value !== "object") return String(value);
    // Read once: a getter may answer differently, or throw, on a second read.
    const message = (value as { message?: unknown }).message;
    if (typeof message === "string") return message;
    return value instanceof Error ? value.name : "a non-Error object was thrown";
  } catch {
    // A Proxy's traps, a throwing getter or `name`.
    return "an indescribable value was thrown";
  }
}
