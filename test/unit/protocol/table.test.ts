import { describe, expect, it } from "vitest";
import { isWireNameIn, wireNames, wireNameFor, wireNamesIn } from "../../../src/protocol/action.js";
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

  it("answers 'is this one of the action's names in this dialect' as the name lists do", () => {
    // Every name any action has in either dialect, and a few it never has, against every action.
    const names = new Set(["", "navigate ", "Navigate", "constructor"]);
    for (const action of ACTION_TABLE) {
      for (const name of [...wireNamesIn(action, "classic"), ...wireNamesIn(action, "msc4412")])
        names.add(name);
    }
    let matches = 0;
    for (const action of ACTION_TABLE) {
      for (const dialect of ["classic", "msc4412"] as const) {
        for (const name of names) {
          const expected = wireNamesIn(action, dialect).includes(name);
          expect(isWireNameIn(action, dialect, name), `${action.id} ${dialect} ${name}`).toBe(expected);
          if (expected) matches++;
        }
      }
    }
    // Both answers occurred: dropped actions, aliases and unstable names were all exercised.
    expect(matches).toBeGreaterThan(ACTION_TABLE.length);
  });
});
