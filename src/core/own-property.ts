/**
 * Reading a member of untrusted data without its prototype's. A module of its own, free of the
 * protocol schemas, so the matrix-js-sdk driver can use it without bundling valibot.
 */

/** Own-property read that ignores anything inherited from a prototype. */
export function ownProperty(object: object, key: string): unknown {
  return Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}
