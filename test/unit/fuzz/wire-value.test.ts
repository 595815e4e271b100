// Property tests of the boundary walk (src/core/wire-value.ts) against independent oracles:
// JSON.stringify for the size of plain JSON, and boundaryVerdict (support.ts) for what is refused.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkWireValue } from "../../../src/core/wire-value.js";
import {
  anyWireValue,
  boundaryVerdict,
  fuzzParams,
  fuzzTimeout,
  nullProtoObject,
  pollutingObject,
} from "./support.js";

/** JSON values with every escape JSON knows, lone surrogates and unusual numbers. */
const jsonish = fc
  .jsonValue({ maxDepth: 4 })
  .chain((value) =>
    fc.oneof(
      fc.constant(value),
      fc.record({ text: fc.string({ unit: "binary", maxLength: 30 }), value: fc.constant(value) }),
      fc.record({ n: fc.double({ noNaN: true, noDefaultInfinity: true }), value: fc.constant(value) }),
    ),
  );

/** Anything a message may hold: JSON, binary data, values JSON cannot carry, hostile objects. */
const anyItem = fc.oneof(anyWireValue, pollutingObject, nullProtoObject, jsonish);

describe("fuzz: the boundary walk", () => {
  it(
    "measures any JSON value exactly as long as JSON.stringify writes it",
    () => {
      fc.assert(
        fc.property(jsonish, (value) => {
          const message = { data: value };
          expect(checkWireValue(message)).toEqual({ ok: true, size: JSON.stringify(message).length });
        }),
        fuzzParams(300),
      );
    },
    fuzzTimeout(30_000),
  );

  it(
    "refuses exactly what the oracle says JSON cannot carry, and the size verdict agrees under any limit",
    () => {
      fc.assert(
        fc.property(fc.array(anyItem, { maxLength: 4 }), fc.nat({ max: 400 }), (items, limit) => {
          const message = { data: { items } };
          const verdict = boundaryVerdict(message, limit);
          const check = checkWireValue(message, { limit });
          const got = check.ok ? "ok" : check.problem === "type" ? "type" : "size";
          if (verdict === "type-or-size") expect(["type", "size"]).toContain(got);
          else expect(got).toBe(verdict);
          // Without a limit, only the type decides.
          const unlimited = checkWireValue(message);
          expect(unlimited.ok, JSON.stringify(unlimited)).toBe(boundaryVerdict(message, undefined) === "ok");
        }),
        fuzzParams(300),
      );
    },
    fuzzTimeout(30_000),
  );

  it(
    "with exactSize false (the endpoint's mode) gives the same verdict under any limit, and a refusal's exact size",
    () => {
      fc.assert(
        // Limits from tiny to past six times the message, so that the bound and the exact size
        // fall on both sides of the limit.
        fc.property(fc.array(anyItem, { maxLength: 4 }), fc.nat({ max: 2000 }), (items, limit) => {
          const message = { data: { items } };
          const exact = checkWireValue(message, { limit });
          const bounded = checkWireValue(message, { limit, exactSize: false });
          expect(bounded.ok).toBe(exact.ok);
          if (exact.ok && bounded.ok) expect(bounded.size).toBeGreaterThanOrEqual(exact.size);
          else expect(bounded).toEqual(exact);
        }),
        fuzzParams(600),
      );
    },
    fuzzTimeout(30_000),
  );
});
