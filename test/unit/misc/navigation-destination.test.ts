// The navigation confirmation's destination line: whatever the room's name, the real ID stays in
// the part of the line the dialog shows (it cuts the line at 255 visible characters).
import { describe, expect, it } from "vitest";
import { visibleText } from "../../../src/core/visible-text.js";
import { destination } from "../../../src/host-ui/confirm.js";

const room = { type: "room" as const, room: "!attacker:evil.example", via: [] };
const shownLine = (name: string | undefined) => visibleText(destination(room, name), { maxLength: 255 });

describe("the navigation confirmation's destination", () => {
  it.each([
    [
      "a name that imitates another room, padded with no-break spaces",
      `Matrix HQ (#matrix:matrix.org)${"\u00a0".repeat(230)}`,
    ],
    ["a very long name", "Support ".repeat(60)],
    ["a name padded with spaces", `Lobby${" ".repeat(300)}`],
  ])("shows the real ID after %s", (_what, name) => {
    expect(shownLine(name)).toContain("(!attacker:evil.example)");
  });

  it("shows a short name in full before the ID, and the ID alone without a name", () => {
    expect(shownLine("Lobby")).toBe("Lobby (!attacker:evil.example)");
    expect(shownLine(undefined)).toBe("!attacker:evil.example");
  });
});
