// Type-checks the TypeScript snippets of both READMEs, the widget guide, the migration guide and the
// widgets manager page under strict, against the package's own sources, so that the docs cannot drift
// from the API.
import { describe, expect, it } from "vitest";
import { compileSnippets, tsSnippets } from "./compile-snippets.js";

/**
 * What every snippet may use without importing it: the guide's snippets after the first share the
 * `client` the first one creates. Declared globally, so a snippet's own `const client` shadows it.
 */
const PRELUDE = `
declare const client: import("matrix-widget-kit/widget").WidgetClient;
`;

/** Compiles each snippet of `doc`; returns the diagnostics by snippet. */
function compile(doc: string): Map<number, string[]> {
  const { count, byLine } = compileSnippets(doc, PRELUDE);
  expect(count).toBeGreaterThan(0);
  return byLine;
}

describe("documentation snippets", () => {
  it("extracts every ts block with the line it starts on", () => {
    const blocks = tsSnippets("text\n```ts\nconst a = 1;\n```\n```sh\nls\n```\n```ts\nlet b;\n```\n");
    expect(blocks).toEqual([
      { line: 3, code: "const a = 1;" },
      { line: 9, code: "let b;" },
    ]);
  });

  for (const doc of [
    "README.md",
    "README-npm.md",
    "docs/guide-widget.md",
    "docs/migrating-from-matrix-widget-api.md",
    "docs/widget-manager.md",
  ]) {
    it(`compiles every ts snippet of ${doc} under strict`, { timeout: 120_000 }, () => {
      const errors = [...compile(doc).values()].flat();
      expect(errors).toEqual([]);
    });
  }
});
