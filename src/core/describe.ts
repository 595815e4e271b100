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
    if (value instanceof Error) return typeof value.message === "string" ? value.message : value.name;
    if (typeof value === "string") return value;
    if (value === undefined) return "undefined was thrown";
    if (value === null) return "null was thrown";
    if (typeof value === "object") {
      const message = (value as { message?: unknown }).message;
      if (typeof message === "string") return message;
      return "a non-Error object was thrown";
    }
    return String(value);
  } catch {
    return "an indescribable value was thrown";
  }
}
