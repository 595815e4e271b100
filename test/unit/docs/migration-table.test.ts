// The migration guide must map every public method of matrix-widget-api's WidgetApi,
// ClientWidgetApi and WidgetDriver, read from the installed package's declarations, so that a
// method added upstream (or forgotten here) fails the build instead of leaving users guessing.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
const lib = join(dirname(createRequire(import.meta.url).resolve("matrix-widget-api/package.json")), "lib");

/** The public methods (and constructor) a class declares in a .d.ts, private and protected ones left out. */
export function publicMethods(declarations: string, className: string): string[] {
  const source = ts.createSourceFile("lib.d.ts", declarations, ts.ScriptTarget.Latest);
  const names = new Set<string>();
  for (const statement of source.statements) {
    if (!ts.isClassDeclaration(statement) || statement.name?.text !== className) continue;
    for (const member of statement.members) {
      const modifiers = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
      if (
        modifiers.some(
          (m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword,
        )
      ) {
        continue;
      }
      if (ts.isConstructorDeclaration(member)) names.add("constructor");
      else if (ts.isMethodDeclaration(member) && member.name && ts.isIdentifier(member.name))
        names.add(member.name.text);
    }
  }
  return [...names];
}

const guide = readFileSync(join(root, "docs/migrating-from-matrix-widget-api.md"), "utf8");
/** The first cell of each table row, e.g. "`WidgetApi.navigateTo`". */
const mapped = new Set(
  guide
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => line.split("|")[1]?.trim() ?? ""),
);

describe("migration guide table", () => {
  it("reads public methods and skips private ones", () => {
    const methods = publicMethods(
      "export declare class A { private x; constructor(); a(): void; private b(): void; protected c(): void; d(): void; d(x: number): void; }",
      "A",
    );
    expect(methods).toEqual(["constructor", "a", "d"]);
  });

  for (const [file, className] of [
    ["WidgetApi.d.ts", "WidgetApi"],
    ["ClientWidgetApi.d.ts", "ClientWidgetApi"],
    ["driver/WidgetDriver.d.ts", "WidgetDriver"],
  ] as const) {
    it(`maps every public method of matrix-widget-api's ${className}`, () => {
      const methods = publicMethods(readFileSync(join(lib, file), "utf8"), className);
      expect(methods.length).toBeGreaterThan(10);
      const missing = methods.filter((method) => !mapped.has(`\`${className}.${method}\``));
      expect(missing).toEqual([]);
    });
  }
});
