import { describe, expect, it } from "vitest";
import type { AnyActionDescriptor, AnyWireAction } from "../../../src/protocol/action.js";
import { ACTIONS } from "../../../src/protocol/table.js";
import { WIDGET_COPIES } from "./widget-copies.js";

/** The fields a widget session reads; the rest (identifier, direction, capability rule, summary, setup flag) is the host's. */
const WIRE_FIELDS = ["stable", "unstable", "version", "msc4412"] as const;
const SCHEMAS = ["request", "response"] as const;

function wireFields(action: AnyWireAction | AnyActionDescriptor): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const field of WIRE_FIELDS) if (action[field] !== undefined) picked[field] = action[field];
  return picked;
}

describe("the widget's own descriptors (src/widget/actions.ts)", () => {
  it("cover the session, the four proposals and the event family", () => {
    expect(WIDGET_COPIES.length).toBeGreaterThanOrEqual(18);
  });

  for (const { name, copy, row } of WIDGET_COPIES) {
    describe(name, () => {
      it("copies a row of the action table", () => {
        expect(row, `no table module exports ${name}`).toBeDefined();
        expect(Object.values(ACTIONS as Record<string, AnyActionDescriptor>)).toContain(row);
      });

      it("carries only what the widget reads, so host-only fields stay out of its bundle", () => {
        const allowed: readonly string[] = [...WIRE_FIELDS, ...SCHEMAS];
        for (const key of Object.keys(copy)) expect(allowed, `unexpected field ${key}`).toContain(key);
        expect(Object.keys(copy)).toEqual(expect.arrayContaining([...SCHEMAS]));
      });

      if (row?.direction === "toWidget") {
        it("has the wire names, version and MSC4412 shape of its row (the widget answers it in either dialect)", () => {
          expect(wireFields(copy)).toEqual(wireFields(row));
        });
      } else {
        it("has the wire names and version of its row (the MSC4412 shape of what it sends is the host's to read)", () => {
          const { msc4412: _ignored, ...rowNames } = wireFields(row!);
          expect(wireFields(copy)).toEqual(rowNames);
          expect(copy.msc4412).toBeUndefined();
        });
      }
    });
  }
});
