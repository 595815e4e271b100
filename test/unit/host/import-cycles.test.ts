// No import circle under src/host: the host core sits on top of its actions and features, and the
// driver interface beside the types it hands out. Type-only imports count too: they are what tied
// widget-host.ts, actions/, features/, registry.ts and driver.ts into one 33-file circle.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = normalize(join(dirname(fileURLToPath(import.meta.url)), "../../.."));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Each file's relative imports and re-exports (type-only ones included) that stay inside `files`. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
    const targets: string[] = [];
    const add = (specifier: string) => {
      if (!specifier.startsWith(".")) return;
      const target = normalize(join(dirname(file), specifier.replace(/\.js$/, ".ts")));
      if (known.has(target)) targets.push(target);
    };
    const visit = (node: ts.Node) => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
        if (ts.isStringLiteral(node.moduleSpecifier)) add(node.moduleSpecifier.text);
      } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
        // `import("./x.js").Y` in a type position is an import as well.
        if (ts.isStringLiteral(node.argument.literal)) add(node.argument.literal.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    graph.set(file, targets);
  }
  return graph;
}

/** The strongly connected components with more than one file (or a file importing itself). */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) connect(node);
  return cycles;
}

describe("the host's import graph", () => {
  it("finds a circle when there is one, including a file that imports itself", () => {
    const graph = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a", "d"]],
      ["d", []],
      ["e", ["e"]],
    ]);
    expect(importCycles(graph)).toEqual([["a", "b", "c"], ["e"]]);
  });

  it("has no import circle under src/host, counting type-only imports", () => {
    const files = sourceFiles(join(root, "src/host"));
    expect(files.length).toBeGreaterThan(30);
    const graph = importGraph(files);
    // The walk sees the imports: widget-host.ts imports its built-ins through a factory module.
    expect(graph.get(join(root, "src/host/widget-host.ts"))).toContain(join(root, "src/host/built-ins.ts"));
    const cycles = importCycles(graph).map((cycle) => cycle.map((file) => relative(root, file)));
    expect(cycles).toEqual([]);
  });

  it("keeps the driver interface free of imports from the host's features and actions", () => {
    const graph = importGraph(sourceFiles(join(root, "src/host")));
    const imports = (graph.get(join(root, "src/host/driver.ts")) ?? []).map((file) => relative(root, file));
    expect(
      imports.filter((file) => /src\/host\/(features|actions)\/|widget-host|registry/.test(file)),
    ).toEqual([]);
  });
});
