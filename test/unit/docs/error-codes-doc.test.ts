import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { ErrorCode } from "../../../src/protocol/errors.js";

const doc = readFileSync(new URL("../../../docs/proposals.md", import.meta.url), "utf8");

it("docs/proposals.md lists exactly the ErrorCode values, in their order", () => {
  const section = /<!-- error-codes[^>]*-->([\s\S]*?)<!-- \/error-codes -->/.exec(doc)?.[1];
  expect(section, "the error-codes section of docs/proposals.md").toBeDefined();
  const listed = [...(section ?? "").matchAll(/^\| `([a-z_]+)` \|/gm)].map((match) => match[1]);
  expect(listed).toEqual(Object.values(ErrorCode));
});
