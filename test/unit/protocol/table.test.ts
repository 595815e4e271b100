import { describe, expect, it } from "vitest";
import { wireNames, wireNameFor } from "../../../src/protocol/action.js";
import { ACTIONS, ACTION_TABLE } from "../../../src/protocol/table.js";

describe("the action table", () => {
  it("keys every descriptor by its own id", () => {
    for (const [key, action] of Object.entries(ACTIONS)) expect(action.id).toBe(key);
  });

  it("never gives two actions of one direction the same wire name", () => {
    for (const direction of ["fromWidget", "toWidget"] as const) {
      const names = ACTION_TABLE.filter((a) => a.direction === direction).flatMap((a) => wireNames(a));
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it("gates every fromWidget action that acts on the client behind a capability", () => {
    const ungated = ACTION_TABLE.filter(
      (a) => a.direction === "fromWidget" && !a.beforeSession && !a.capability,
    )
      .map((a) => a.id)
      .filter((id) => id !== "request_capabilities");
    expect(ungated).toEqual([]);
  });

  it("sends the unstable name only to a peer that advertises the action's version", () => {
    expect(wireNameFor(ACTIONS.navigate, ["org.matrix.msc2931"])).toBe("org.matrix.msc2931.navigate");
    expect(wireNameFor(ACTIONS.navigate, ["0.0.2"])).toBe("navigate");
    expect(wireNameFor(ACTIONS.mxid_share, ["uk.half-shot.msc3662"])).toBe("uk.half-shot.msc3662.mxid_share");
    expect(wireNames(ACTIONS.mxid_share)).toContain("uk.half-shot.mscXXXX.mxid_share");
  });
});
