import * as v from "valibot";

/** Most capabilities a single request may name; more is refused rather than processed. */
export const MAX_CAPABILITIES_PER_REQUEST = 512;
/** Longest capability string accepted. */
export const MAX_CAPABILITY_LENGTH = 2048;

/** An empty `data` or `response` object; unknown keys are dropped. */
export const emptyObject = v.object({});

/** A bounded list of capability strings. */
export const capabilityList = v.pipe(
  v.array(v.pipe(v.string(), v.maxLength(MAX_CAPABILITY_LENGTH))),
  v.maxLength(MAX_CAPABILITIES_PER_REQUEST),
);

/** A non-negative whole number, as `limit` fields require. Strings, fractions and negatives are refused. */
export const nonNegativeInteger = v.pipe(
  v.number("must be a number"),
  v.integer("must be an integer"),
  v.minValue(0, "must not be negative"),
  v.maxValue(Number.MAX_SAFE_INTEGER, "is too large"),
);

/**
 * A `limit` as deployed peers take it (docs/decisions.md, "deployed peers win"): a number ≥ 0,
 * whose fraction is dropped, or a string of decimal digits. matrix-widget-api checks only that a
 * limit is not negative and passes the rest on; Element's driver and Synapse (`int(limit)`) serve
 * `"10"` and `2.5`. Negatives, NaN, infinities, other strings and other types are refused.
 */
export const peerLimit = v.pipe(
  // Typed as a number: that is what senders should write. Receivers also take a digit string.
  v.custom<number>(
    (value) => typeof value === "number" || (typeof value === "string" && DIGITS.test(value)),
    "must be a number",
  ),
  // At run time the value may still be a digit string; Number() reads both.
  v.transform((value: number): number => Number(value)),
  v.check((value) => !Number.isNaN(value), "must be a number"),
  v.minValue(0, "must not be negative"),
  v.maxValue(Number.MAX_SAFE_INTEGER, "is too large"),
  v.transform(Math.trunc),
);

/** What Python's `int()` takes from a limit string and we accept: decimal digits, spaces around. */
const DIGITS = /^\s*\d{1,16}\s*$/;

/** A string value that is optional: `null` and absence both mean "not given" (MSC2813). */
export function optionalNullable<T extends v.GenericSchema>(schema: T) {
  return v.nullish(schema);
}
