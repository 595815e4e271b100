// docs/actions.md is generated from the action table and compared with matrix-widget-api's own
// action enums, so the comparison cannot drift from the code. Regenerate with:
//   UPDATE_DOCS=1 npx vitest run --project unit test/unit/docs
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WidgetApiFromWidgetAction, WidgetApiToWidgetAction } from "matrix-widget-api";
import { describe, expect, it } from "vitest";
import { wireNames, type AnyActionDescriptor } from "../../../src/protocol/action.js";
import { ACTION_TABLE } from "../../../src/protocol/table.js";
import { ACTION_NOTES, MWA_ONLY_ACTIONS } from "./action-notes.js";

const docPath = fileURLToPath(new URL("../../../docs/actions.md", import.meta.url));

function mwaNames(direction: AnyActionDescriptor["direction"]): Set<string> {
  return new Set<string>(
    Object.values(direction === "fromWidget" ? WidgetApiFromWidgetAction : WidgetApiToWidgetAction),
  );
}

function capabilityText(action: AnyActionDescriptor): string {
  const rule = action.capability;
  if (!rule) return action.beforeSession ? "none (setup)" : "none";
  if ("fixed" in rule) return `\`${rule.fixed}\``;
  if ("custom" in rule) return `\`${rule.custom}\``;
  return rule.dynamic;
}

function render(): string {
  const rows = ACTION_TABLE.map((action) => {
    const theirs = mwaNames(action.direction);
    const shared = wireNames(action).filter((name) => theirs.has(name));
    const note = ACTION_NOTES[action.id] ?? "";
    return [
      action.id,
      action.direction,
      `\`${action.stable}\``,
      action.unstable.map((name) => `\`${name}\``).join(", ") || "—",
      action.version ? `\`${action.version}\`` : "base",
      capabilityText(action),
      shared.length ? `yes (${shared.map((name) => `\`${name}\``).join(", ")})` : "no",
      note,
    ];
  });
  const lines = [
    "# Actions: matrix-widget-kit compared with matrix-widget-api 1.19",
    "",
    "Generated from the action table (`src/protocol/table.ts`) and matrix-widget-api's action enums by",
    "`test/unit/docs/action-table-doc.test.ts`; the test fails when this file is out of date.",
    "Regenerate with `UPDATE_DOCS=1 npx vitest run --project unit test/unit/docs`.",
    "",
    "Our host accepts every name listed; our widget sends the unstable name when the host advertises the",
    'version, otherwise the stable one. "matrix-widget-api" says whether its 1.19 release knows any of the',
    "names (in the same direction).",
    "",
    "| action | direction | stable name | unstable names | version | capability | matrix-widget-api | differences |",
    "|---|---|---|---|---|---|---|---|",
    ...rows.map((cells) => `| ${cells.join(" | ")} |`),
    "",
    "## In matrix-widget-api but not here",
    "",
    ...(Object.keys(MWA_ONLY_ACTIONS).length === 0
      ? ["None: every action of matrix-widget-api 1.19 is in the table above."]
      : Object.entries(MWA_ONLY_ACTIONS).map(([name, why]) => `- \`${name}\`: ${why}`)),
    "",
  ];
  return lines.join("\n");
}

describe("docs/actions.md", () => {
  it("has a difference note for every action of the table", () => {
    const missing = ACTION_TABLE.map((action) => action.id).filter((id) => ACTION_NOTES[id] === undefined);
    expect(missing).toEqual([]);
  });

  it("names every matrix-widget-api action we do not implement, and only those", () => {
    const ours = new Map<string, Set<string>>([
      [
        "fromWidget",
        new Set(ACTION_TABLE.filter((a) => a.direction === "fromWidget").flatMap((a) => wireNames(a))),
      ],
      [
        "toWidget",
        new Set(ACTION_TABLE.filter((a) => a.direction === "toWidget").flatMap((a) => wireNames(a))),
      ],
    ]);
    const theirsOnly = [
      ...[...mwaNames("fromWidget")].filter((name) => !ours.get("fromWidget")?.has(name)),
      ...[...mwaNames("toWidget")].filter((name) => !ours.get("toWidget")?.has(name)),
    ].sort();
    expect(theirsOnly).toEqual(Object.keys(MWA_ONLY_ACTIONS).sort());
  });

  it("matches what the action table generates", () => {
    const expected = render();
    if (process.env.UPDATE_DOCS === "1") writeFileSync(docPath, expected);
    expect(readFileSync(docPath, "utf8")).toBe(expected);
  });
});
