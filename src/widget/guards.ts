/**
 * The widget side's validator: a few hand-written readers that check what the host sends (its
 * requests to the widget and its replies), without valibot, so a widget bundle does not carry a
 * general schema library for a dozen small shapes. The host keeps the valibot schemas of the
 * action table; test/unit/widget/guards.property.test.ts checks, on generated valid and invalid
 * values, that every reader here accepts exactly what its valibot schema accepts and returns the
 * same value. See docs/decisions.md ("The widget validates without valibot").
 *
 * A reader returns the parsed value or throws a {@link Refusal}. Like valibot's `object`, a shape
 * keeps only the keys it names (a loose shape keeps the others too), and an optional key that is
 * absent stays absent.
 * @internal
 */
import type { WireSchema } from "../protocol/action.js";
import type { JsonObject } from "../protocol/envelope.js";
import { isPlainObject } from "../protocol/envelope.js";

/** Parses one value, or throws a {@link Refusal}. */
export type Reader = (value: unknown) => unknown;

/** Why a value was refused, and where: `path` lists the keys and indexes leading to it. */
class Refusal {
  readonly path: string[] = [];
  // Declared, not defined, then set: a parameter property would also define it, in every bundle.
  declare readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

function refuse(message: string): never {
  throw new Refusal(message);
}

/** Runs `read` on a member, adding the member's key to the path of a refusal. */
function member(read: Reader, value: unknown, key: string | number): unknown {
  try {
    return read(value);
  } catch (error) {
    if (error instanceof Refusal) error.path.unshift(String(key));
    throw error;
  }
}

/** A string of at most `max` (and at least `min`) UTF-16 units, as valibot's `maxLength` counts. */
/* @__NO_SIDE_EFFECTS__ */
export function text(max = Infinity, min = 0): Reader {
  return (value) =>
    typeof value !== "string"
      ? refuse("must be a string")
      : value.length > max
        ? refuse("is too long")
        : value.length < min
          ? refuse("must not be empty")
          : value;
}

/** A number that is not NaN (infinities pass, as in valibot's `number`). */
export const num: Reader = (value) =>
  typeof value === "number" && !Number.isNaN(value) ? value : refuse("must be a number");

/** A boolean. */
export const bool: Reader = (value) => (typeof value === "boolean" ? value : refuse("must be a boolean"));

/** A plain JSON object, kept as it is (the envelope's `plainObjectSchema`). */
export const plain: Reader = (value) => (isPlainObject(value) ? value : refuse("must be a JSON object"));

/** `null` or `undefined` as they are, anything else through `read` (valibot's `nullish`). */
/* @__NO_SIDE_EFFECTS__ */
export function nullish(read: Reader): Reader {
  return (value) => (value == null ? value : read(value));
}

/** `undefined` as it is, anything else through `read` (valibot's `optional`). */
/* @__NO_SIDE_EFFECTS__ */
export function optional(read: Reader): Reader {
  return (value) => (value === undefined ? value : read(value));
}

/** An array of at most `max` items, each through `read`; a new array. */
/* @__NO_SIDE_EFFECTS__ */
export function list(read: Reader, max = Infinity): Reader {
  return (value) =>
    !Array.isArray(value)
      ? refuse("must be an array")
      : value.length > max
        ? refuse("has too many items")
        : value.map((item, index) => member(read, item, index));
}

/**
 * An object (any non-null object, as valibot's `object` takes it) with the `required` keys and,
 * when present, the `optional` ones, each through its reader. The result is a new object with
 * those keys only, or, when `loose`, with the input's other own keys as well.
 */
/* @__NO_SIDE_EFFECTS__ */
export function shape(
  required: Record<string, Reader>,
  optional: Record<string, Reader> = {},
  loose = false,
): Reader {
  // The fields as one flat list, made once: a reader runs on every event the host pushes, and
  // walking the two records with for-in on each call cost more than all the checks it made.
  const fields: Array<[key: string, read: Reader, needed: boolean]> = [];
  for (const key of Object.keys(required)) fields.push([key, required[key]!, true]);
  for (const key of Object.keys(optional)) fields.push([key, optional[key]!, false]);
  return (value) => {
    if (!value || typeof value !== "object") return refuse("must be an object");
    const input = value as JsonObject;
    // A loose shape starts from a copy of the input, so each field below overwrites a member it
    // already has instead of adding one: adding members one by one to a new object is most of
    // the cost of a reader that runs on every pushed event.
    const output: JsonObject = loose ? looseCopy(input) : {};
    for (const [key, read, needed] of fields) {
      // A defined value is certainly `in` the input: the `in` check is left for undefined ones.
      const given = input[key];
      if (given !== undefined || key in input) output[key] = member(read, given, key);
      // `refuse` read through `member`, which puts the key on the refusal's path.
      else if (needed) member(refuse as Reader, "is missing", key);
    }
    return output;
  };
}

/**
 * The input's own members but those valibot's loose objects leave out. A spread also copies
 * symbol-keyed members, which valibot does not; none arrive by postMessage (a structured clone
 * drops them), so only an in-process transport could tell the difference.
 */
function looseCopy(input: JsonObject): JsonObject {
  const copy: JsonObject = { ...input };
  for (const key of ["__proto__", "prototype", "constructor"]) {
    if (Object.hasOwn(copy, key)) delete copy[key];
  }
  return copy;
}

/** The empty object of most replies and of the session's requests: any object, read as `{}`. */
export const empty: Reader = /* @__PURE__ */ shape({});

/** A schema that takes anything: for the halves of an action this side only sends, never reads. */
export const sentOnly: Reader = (value) => value;

/**
 * Wraps a reader as a schema with the one entry valibot's parsers call, `~run`, so the widget's
 * descriptors work wherever an {@link ActionDescriptor}'s schemas do (`v.safeParse` included). The
 * rest of valibot's schema object (its kind, expects, Standard Schema props) is left out: nothing
 * reads it, and every widget bundle would carry it.
 */
/* @__NO_SIDE_EFFECTS__ */
export function schema<In, Out = In>(read: Reader): WireSchema<In, Out> {
  return {
    "~run": (dataset: { value: unknown; typed?: boolean; issues?: unknown[] }) => {
      try {
        dataset.value = read(dataset.value);
        dataset.typed = true;
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        dataset.typed = false;
        dataset.issues = [
          {
            kind: "schema",
            type: "custom",
            input: dataset.value,
            message: error.message,
            path: error.path.map((key) => ({ key })),
          },
        ];
      }
      return dataset;
    },
  } as unknown as WireSchema<In, Out>;
}
