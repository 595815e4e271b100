/** Whether `value` would be adopted by an await: a promise, or anything with a callable `then`. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value instanceof Promise ||
    (((typeof value === "object" && value !== null) || typeof value === "function") &&
      typeof (value as { then?: unknown }).then === "function")
  );
}
