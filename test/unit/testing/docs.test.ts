import { readFileSync } from "node:fs";
import { expect, it } from "vitest";

const root = new URL("../../../", import.meta.url);
const doc = readFileSync(new URL("docs/testing.md", root), "utf8");

/** A file as docs/testing.md shows it: the package imports in place of the repository's relative ones. */
function shown(path: string): string {
  return readFileSync(new URL(path, root), "utf8")
    .replaceAll('"../../../src/testing/index.js"', '"matrix-widget-kit/testing"')
    .replaceAll('"../../../src/widget/index.js"', '"matrix-widget-kit/widget"');
}

it("docs/testing.md shows each example test file exactly as it runs in npm test", () => {
  const blocks = [...doc.matchAll(/<!-- file: (\S+) -->\n```[a-z]*\n([\s\S]*?)```/g)];
  expect(blocks.map((block) => block[1])).toEqual([
    "test/unit/testing/example.test.ts",
    "test/node/testing-kit.node.mjs",
  ]);
  for (const [, path, code] of blocks) expect(code, path).toBe(shown(path ?? ""));
});
