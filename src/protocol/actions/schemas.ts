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

/** A string value that is optional: `null` and absence both mean "not given" (MSC2813). */
export function optionalNullable<T extends v.GenericSchema>(schema: T) {
  return v.nullish(schema);
}
