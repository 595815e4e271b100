/**
 * Small helpers shared by the in-memory world and driver: homeserver-style errors, and the JSON
 * checks and deep copies that keep callers from reaching into the world's storage.
 */

import { HomeserverError } from "../../host/matrix-error.js";

/** A JSON object as a homeserver stores it. */
export type JsonContent = Record<string, unknown>;

/** Deepest nesting accepted in event and account-data content (Synapse's canonical JSON uses 100). */
const MAX_DEPTH = 100;

/** Builds a {@link HomeserverError} with the given status, code and message. */
export function homeserverError(httpStatus: number, errcode: string, error: string): HomeserverError {
  return new HomeserverError({ httpStatus, errcode, error });
}

/** `404 M_NOT_FOUND` with the given message. */
export function notFound(error: string): HomeserverError {
  return homeserverError(404, "M_NOT_FOUND", error);
}

/** `403 M_FORBIDDEN` with the given message. */
export function forbidden(error: string): HomeserverError {
  return homeserverError(403, "M_FORBIDDEN", error);
}

/** `400 M_INVALID_PARAM` with the given message. */
export function invalidParam(error: string): HomeserverError {
  return homeserverError(400, "M_INVALID_PARAM", error);
}

/**
 * Checks that `value` is a JSON object (plain prototype, only JSON values inside, no cycles, not
 * too deep) and returns a deep copy of it. Anything else is refused the way a homeserver refuses
 * a body it cannot store: `400 M_BAD_JSON`.
 */
export function copyJsonObject(value: unknown, what: string): JsonContent {
  if (!isPlainObject(value)) {
    throw homeserverError(400, "M_BAD_JSON", `${what} must be a JSON object`);
  }
  const problem = jsonProblem(value, 0, new Set());
  if (problem !== undefined)
    throw homeserverError(400, "M_BAD_JSON", `${what} is not valid JSON: ${problem}`);
  return structuredClone(value);
}

/** A deep copy of a value the world already validated. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}

function isPlainObject(value: unknown): value is JsonContent {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Describes the first non-JSON part of `value`, or `undefined` when it is all JSON. */
function jsonProblem(value: unknown, depth: number, ancestors: Set<object>): string | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : "numbers must be finite";
  if (typeof value !== "object") return `a ${typeof value} is not a JSON value`;
  if (depth >= MAX_DEPTH) return `nesting deeper than ${MAX_DEPTH} levels`;
  if (ancestors.has(value)) return "it contains a cycle";
  if (!Array.isArray(value) && !isPlainObject(value)) return "only plain objects and arrays are allowed";
  ancestors.add(value);
  try {
    // Own enumerable string keys only, read as data: an accessor is not JSON.
    for (const key of Object.keys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor === undefined || !("value" in descriptor)) return "accessor properties are not allowed";
      const problem = jsonProblem(descriptor.value, depth + 1, ancestors);
      if (problem !== undefined) return problem;
    }
    if (Object.getOwnPropertySymbols(value).length > 0) return "symbol keys are not allowed";
    return undefined;
  } finally {
    ancestors.delete(value);
  }
}
