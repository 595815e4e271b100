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

/**
 * The public members of a class or interface in a .d.ts: methods, properties and accessors, static
 * or not, and a public constructor; private and protected ones left out.
 */
export function publicMembers(declarations: string, name: string): string[] {
  const source = ts.createSourceFile("lib.d.ts", declarations, ts.ScriptTarget.Latest);
  const names = new Set<string>();
  for (const statement of source.statements) {
    if (!(ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement))) continue;
    if (statement.name?.text !== name) continue;
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
      else if (member.name && ts.isIdentifier(member.name)) names.add(member.name.text);
    }
  }
  return [...names];
}

/**
 * The events a compiled matrix-widget-api class emits by literal name, e.g. "ready"; a name it
 * completes at run time (`"action:".concat(action)`) as "action:…".
 */
function emittedEvents(compiled: string): string[] {
  const names = [...compiled.matchAll(/\.emit\("([^"]+)"/g)].map((match) => match[1] ?? "");
  return [...new Set(names.map((name) => (name.endsWith(":") ? `${name}…` : name)))];
}

const guide = readFileSync(join(root, "docs/migrating-from-matrix-widget-api.md"), "utf8");
/** The first cells of the table rows, e.g. "`WidgetApi.navigateTo`". */
const firstCells = guide
  .split("\n")
  .filter((line) => line.startsWith("| `"))
  .map((line) => line.split("|")[1]?.trim() ?? "");
/** Each first cell whole, e.g. "`WidgetApi.navigateTo`". */
const mapped = new Set(firstCells);
/** Every name quoted in a first cell, so a row may map several: "`toString`, `assertPresent`". */
const mappedNames = new Set(firstCells.flatMap((cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1])));

describe("migration guide table", () => {
  it("reads public methods and skips private ones", () => {
    const methods = publicMethods(
      "export declare class A { private x; constructor(); a(): void; private b(): void; protected c(): void; d(): void; d(x: number): void; }",
      "A",
    );
    expect(methods).toEqual(["constructor", "a", "d"]);
  });

  it("reads public members of classes and interfaces, static ones and accessors too", () => {
    const members = publicMembers(
      "export declare class A { private x; private constructor(); get a(): string; static b(): void; c: number; private d(): void; }" +
        " export interface B { e: string; f(): void; }",
      "A",
    );
    expect(members).toEqual(["a", "b", "c"]);
    expect(publicMembers("export interface B { readonly e: string; f(): void; }", "B")).toEqual(["e", "f"]);
  });

  it("maps every run-time export of matrix-widget-api", async () => {
    const exported = Object.keys(await import("matrix-widget-api"));
    expect(exported.length).toBeGreaterThan(30);
    expect(exported.filter((name) => !mappedNames.has(name))).toEqual([]);
  });

  for (const [file, name] of [
    ["models/WidgetEventCapability.d.ts", "WidgetEventCapability"],
    ["models/Widget.d.ts", "Widget"],
    ["models/WidgetParser.d.ts", "WidgetParser"],
    ["templating/url-template.d.ts", "ITemplateParams"],
    ["transport/ITransport.d.ts", "ITransport"],
  ] as const) {
    it(`maps every public member of matrix-widget-api's ${name}`, () => {
      const members = publicMembers(readFileSync(join(lib, file), "utf8"), name);
      expect(members.length).toBeGreaterThan(2);
      expect(members.filter((member) => !mapped.has(`\`${name}.${member}\``))).toEqual([]);
    });
  }

  for (const [file, receiver] of [
    ["ClientWidgetApi.js", "clientWidgetApi"],
    ["WidgetApi.js", "api"],
  ] as const) {
    it(`maps every event matrix-widget-api's ${file.replace(".js", "")} emits`, () => {
      const events = emittedEvents(readFileSync(join(lib, file), "utf8"));
      expect(events).toContain("ready");
      expect(events).toContain("action:…");
      expect(events.filter((event) => !mappedNames.has(`${receiver}.on("${event}")`))).toEqual([]);
    });
  }

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
