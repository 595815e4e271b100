import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  FIXED_SPELLINGS,
  PARAMETERISED_FORMS,
  heads,
  stableSpelling,
} from "../../../src/capabilities/spellings.js";

/**
 * What the tables say the stable spelling is: every unstable or misspelled parameterless name →
 * its stable name; every unstable head → its stable head, the parameter kept. stableSpelling reads
 * a short list of its own instead (so widget bundles carry no table); this is its reference.
 */
function fromTables(raw: string): string {
  for (const spelling of FIXED_SPELLINGS.values()) {
    if (raw === spelling.unstable || spelling.alsoAccepted?.includes(raw)) return spelling.stable;
  }
  const colon = raw.indexOf(":");
  if (colon < 0) return raw;
  for (const form of PARAMETERISED_FORMS) {
    const { stable, unstable } = heads(form);
    if (raw.slice(0, colon + 1) === unstable) return stable + raw.slice(colon + 1);
  }
  return raw;
}

const known: string[] = [];
for (const spelling of FIXED_SPELLINGS.values()) {
  known.push(spelling.stable, spelling.unstable, ...(spelling.alsoAccepted ?? []));
}
for (const form of PARAMETERISED_FORMS) known.push(heads(form).stable, heads(form).unstable);

describe("stableSpelling", () => {
  it("agrees with the spelling tables on every known name and head", () => {
    for (const name of known) {
      expect(stableSpelling(name), name).toBe(fromTables(name));
      expect(stableSpelling(`${name}m.room.message#m.text`)).toBe(fromTables(`${name}m.room.message#m.text`));
      expect(stableSpelling(`${name}:x`)).toBe(fromTables(`${name}:x`));
    }
  });

  it("agrees with the spelling tables on generated strings built around them", () => {
    const part = fc.oneof(
      fc.constantFrom(...known, ":", ".", "org.matrix.msc", "m."),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 3 }), (parts) => {
        const raw = parts.join("");
        expect(stableSpelling(raw)).toBe(fromTables(raw));
      }),
      { numRuns: 2000 },
    );
  });

  it("leaves unknown MSC names alone rather than guessing a stable form", () => {
    expect(stableSpelling("org.matrix.msc9999.something")).toBe("org.matrix.msc9999.something");
    expect(stableSpelling("org.matrix.msc2931.navigate")).toBe("m.navigate");
    expect(stableSpelling("org.matrix.msc2762.receive.event:m.room.message#m.text")).toBe(
      "m.receive.event:m.room.message#m.text",
    );
  });
});
