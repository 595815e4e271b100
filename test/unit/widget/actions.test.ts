import { describe, expect, it } from "vitest";
import type { AnyActionDescriptor } from "../../../src/protocol/action.js";
import { ACTIONS } from "../../../src/protocol/table.js";
import * as widgetActions from "../../../src/widget/actions.js";

/** Everything but the schemas, and the capability rule, which only the host reads. */
function names(action: AnyActionDescriptor): Record<string, unknown> {
  const {
    request: _request,
    response: _response,
    capability: _capability,
    summary: _summary,
    ...rest
  } = action;
  return rest;
}

const table: Record<string, AnyActionDescriptor> = ACTIONS;

describe("the widget's own descriptors (src/widget/actions.ts)", () => {
  const entries = Object.entries(widgetActions as Record<string, AnyActionDescriptor>);

  it("cover the session, the four proposals and the event family", () => {
    expect(entries.length).toBeGreaterThanOrEqual(18);
  });

  for (const [exported, action] of entries) {
    it(`${exported} has the names, version and MSC4412 shape of its row in the action table`, () => {
      const row = table[action.id];
      expect(row, `no row ${action.id} in the table`).toBeDefined();
      expect(names(action)).toEqual(names(row!));
    });
  }
});
