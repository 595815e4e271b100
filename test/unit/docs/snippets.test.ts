// Type-checks every TypeScript snippet (```ts, ```typescript, ```tsx) of the READMEs and the guides
// under strict, against the package's own sources, in one compiler program, so that an API change
// that breaks an example fails the unit suite. A block marked `<!-- snippet: partial -->` is left
// out; the JavaScript node:test example of docs/testing.md is run by test/unit/testing/node-test.test.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { type CompiledDoc, compileDocs, type DocToCompile, tsSnippets } from "./compile-snippets.js";

/** The widget guide's snippets after the first share the `client` the first one creates. */
const WIDGET_CLIENT = { client: 'import("matrix-widget-kit/widget").WidgetClient' };

const DOCS: readonly DocToCompile[] = [
  { doc: "README.md" },
  { doc: "README-npm.md" },
  { doc: "docs/guide-widget.md", shared: WIDGET_CLIENT },
  { doc: "docs/guide-host.md" },
  { doc: "docs/testing.md" },
  { doc: "docs/react.md" },
  { doc: "docs/widget-manager.md" },
  { doc: "docs/host-ui.md" },
  { doc: "docs/drivers.md" },
  { doc: "docs/proposals.md" },
  { doc: "docs/migrating-from-matrix-widget-api.md" },
  { doc: "docs/hosting-element-call.md" },
  { doc: "docs/widget-lifecycle.md" },
  { doc: "docs/security.md" },
  { doc: "docs/actions.md" },
];

describe("documentation snippets", () => {
  it("extracts every ts, typescript and tsx block with the line it starts on", () => {
    const blocks = tsSnippets(
      "text\n```ts\nconst a = 1;\n```\n```sh\nls\n```\n```typescript\nlet b;\n```\n  ```tsx\n  <div />\n  ```\n",
    );
    expect(blocks).toEqual([
      { line: 3, code: "const a = 1;", kind: "ts", partial: false },
      { line: 9, code: "let b;", kind: "ts", partial: false },
      { line: 12, code: "  <div />", kind: "tsx", partial: false },
    ]);
  });

  it("marks a block preceded by the partial comment, blank lines between allowed", () => {
    const blocks = tsSnippets("<!-- snippet: partial -->\n\n```ts\nfoo(\n```\ntext\n```ts\nbar;\n```\n");
    expect(blocks.map((b) => b.partial)).toEqual([true, false]);
  });

  describe("compile under strict against the sources", () => {
    let compiled: Map<string, CompiledDoc>;
    beforeAll(() => {
      compiled = compileDocs(DOCS);
    }, 120_000);

    it("finds snippets in the documents that have code examples", () => {
      const total = [...compiled.values()].reduce((sum, doc) => sum + doc.count, 0);
      expect(total).toBeGreaterThanOrEqual(40);
      for (const doc of ["README.md", "README-npm.md", "docs/guide-widget.md", "docs/guide-host.md"])
        expect(compiled.get(doc)?.count).toBeGreaterThan(0);
    });

    for (const { doc } of DOCS) {
      it(`compiles every snippet of ${doc}`, () => {
        const errors = [...(compiled.get(doc)?.byLine.values() ?? [])].flat();
        expect(errors).toEqual([]);
      });
    }
  });
});
