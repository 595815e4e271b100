/**
 * axe-core in a page or frame: injects the library and returns its violations in a compact form
 * that reads well in a failing `expect(...).toEqual([])`.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Frame, Page } from "playwright-core";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** The rule sets checked: WCAG 2.0 and 2.1, levels A and AA, and axe's best practices. */
export const AXE_TAGS: readonly string[] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/** What one axe run found. */
export interface AxeReport {
  /** One line per failing node: `rule-id (impact): selector — what to fix`. */
  violations: string[];
  /** How many nodes passed the colour-contrast rule: proof that axe saw rendered text at all. */
  contrastChecked: number;
}

/**
 * Runs axe-core on the document of `target` (a page or one of its frames). Frames inside it are
 * not followed (a cross-origin widget frame is checked by running this on its own `Frame`), so
 * a run never waits for a frame without axe in it.
 */
export async function runAxe(target: Page | Frame): Promise<AxeReport> {
  const injected = await target.evaluate(() => "axe" in window);
  if (!injected) await target.evaluate(AXE_SOURCE);
  return target.evaluate(async (tags) => {
    type Node = { target: unknown; failureSummary?: string };
    type Rule = { id: string; impact?: string | null; nodes: Node[] };
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<unknown> } }).axe;
    const result = (await axe.run(document, {
      runOnly: { type: "tag", values: tags },
      iframes: false,
      resultTypes: ["violations", "passes"],
    })) as { violations: Rule[]; passes: Rule[] };
    const violations = result.violations.flatMap((rule) =>
      rule.nodes.map(
        (node) =>
          `${rule.id} (${rule.impact ?? "?"}): ${JSON.stringify(node.target)} — ${(node.failureSummary ?? "").replace(/\s+/g, " ").trim()}`,
      ),
    );
    const contrastChecked = result.passes.find((rule) => rule.id === "color-contrast")?.nodes.length ?? 0;
    return { violations, contrastChecked };
  }, AXE_TAGS as string[]);
}
