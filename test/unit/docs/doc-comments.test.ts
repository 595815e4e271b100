// Every symbol a public entry point exports must carry a doc comment: the API reference
// (`npm run docs`) is generated from them, and an undocumented export is a blank page there.
import { resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");

/** The package's public entry points, as listed in package.json's `exports`. */
export const ENTRY_POINTS = [
  "src/widget/index.ts",
  "src/host/index.ts",
  "src/protocol/index.ts",
  "src/drivers/memory/index.ts",
  "src/drivers/matrix-js-sdk/index.ts",
  "src/react/index.ts",
  "src/testing/index.ts",
  "src/host-ui/index.ts",
];

/** Whether a declaration has a `/** … *\/` comment of its own (or, for a variable, on its statement). */
function hasDocComment(declaration: ts.Declaration): boolean {
  const node =
    ts.isVariableDeclaration(declaration) && ts.isVariableDeclarationList(declaration.parent)
      ? declaration.parent.parent
      : declaration;
  return ts.getJSDocCommentsAndTags(node).some((doc) => {
    if (!ts.isJSDoc(doc)) return false;
    const text =
      typeof doc.comment === "string" ? doc.comment : (doc.comment?.map((c) => c.text).join("") ?? "");
    return text.trim().length > 0;
  });
}

/** How many exports were checked, and those whose declarations have no doc comment. */
export function undocumentedExports(
  program: ts.Program,
  entries: readonly string[],
): { checked: number; missing: string[] } {
  const checker = program.getTypeChecker();
  const missing: string[] = [];
  let checked = 0;
  for (const entry of entries) {
    const source = program.getSourceFile(resolve(root, entry));
    if (!source) throw new Error(`${entry} is not in the program`);
    const module = checker.getSymbolAtLocation(source);
    if (!module) continue;
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declarations = symbol.getDeclarations() ?? [];
      // Declarations outside the project (re-exported from dependencies) are documented there.
      const own = declarations.filter((d) => !d.getSourceFile().fileName.includes("/node_modules/"));
      if (own.length === 0) continue;
      checked++;
      // A namespace-like merge (an interface and a const of one name) needs one documented half.
      if (!own.some(hasDocComment)) {
        const where = own[0]!;
        const file = where.getSourceFile();
        const line = file.getLineAndCharacterOfPosition(where.getStart()).line + 1;
        missing.push(`${entry}: ${exported.name} (${file.fileName.slice(root.length + 1)}:${line})`);
      }
    }
  }
  return { checked, missing };
}

describe("doc comments", () => {
  it("finds an export without a doc comment, and accepts one with", () => {
    const files = new Map([
      [
        "/virtual/a.ts",
        "/** Documented. */\nexport const a = 1;\nexport function b() {}\n/** */\nexport type C = 1;",
      ],
    ]);
    const host = ts.createCompilerHost({});
    const original = host.getSourceFile.bind(host);
    host.getSourceFile = (name, version) =>
      files.has(name) ? ts.createSourceFile(name, files.get(name)!, version) : original(name, version);
    host.fileExists = (name) => files.has(name) || ts.sys.fileExists(name);
    const program = ts.createProgram(["/virtual/a.ts"], { noLib: true, types: [] }, host);
    const checker = program.getTypeChecker();
    const module = checker.getSymbolAtLocation(program.getSourceFile("/virtual/a.ts")!)!;
    const names = checker
      .getExportsOfModule(module)
      .filter((s) => !(s.getDeclarations() ?? []).some(hasDocComment))
      .map((s) => s.name);
    expect(names).toEqual(["b", "C"]);
  });

  it("documents every symbol exported by a public entry point", { timeout: 120_000 }, () => {
    const config = ts.getParsedCommandLineOfConfigFile(
      resolve(root, "tsconfig.build.json"),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
        },
      },
    );
    if (!config) throw new Error("tsconfig.build.json could not be read");
    const entries = ENTRY_POINTS.filter((entry) => ts.sys.fileExists(resolve(root, entry)));
    const program = ts.createProgram(
      entries.map((entry) => resolve(root, entry)),
      { ...config.options, noEmit: true },
    );
    const { checked, missing } = undocumentedExports(program, entries);
    // Guards against a vacuous pass (an entry point that failed to load checks nothing).
    expect(checked).toBeGreaterThan(300);
    console.log(`checked ${checked} exports of ${entries.length} entry points`);
    expect(missing).toEqual([]);
  });
});
