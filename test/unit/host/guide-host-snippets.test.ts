// Type-checks every TypeScript snippet of docs/guide-host.md under strict, against the package's
// own sources (the host, the matrix-js-sdk driver and host-ui entry points among them), so the
// guide cannot drift from the API.
import { describe, expect, it } from "vitest";
import { compileSnippets } from "../docs/compile-snippets.js";

const GUIDE = "docs/guide-host.md";

describe("docs/guide-host.md", () => {
  it("compiles every ts snippet under strict", { timeout: 120_000 }, () => {
    const { count, byLine } = compileSnippets(GUIDE);
    expect(count).toBeGreaterThanOrEqual(5);
    const errors = [...byLine.values()].flat();
    expect(errors).toEqual([]);
  });
});
