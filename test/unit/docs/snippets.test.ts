// Type-checks the TypeScript snippets of the widget guide and the migration guide under strict,
// against the package's own sources, so that the docs cannot drift from the API.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");

/** Every ```ts block of a markdown file, with the line it starts on. */
export function tsSnippets(markdown: string): Array<{ line: number; code: string }> {
  const snippets: Array<{ line: number; code: string }> = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== "```ts") continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]?.trim() !== "```") end++;
    snippets.push({ line: start + 1, code: lines.slice(start, end).join("\n") });
    i = end;
  }
  return snippets;
}

/**
 * What every snippet may use without importing it: the guide's snippets after the first share the
 * `client` the first one creates. Declared globally, so a snippet's own `const client` shadows it.
 */
const PRELUDE = `
declare const client: import("matrix-widget-kit/widget").WidgetClient;
`;

const dir = mkdtempSync(join(tmpdir(), "mwk-snippets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Compiles each snippet as its own module in one program; returns the diagnostics by snippet. */
function compile(doc: string): Map<number, string[]> {
  const snippets = tsSnippets(readFileSync(join(root, doc), "utf8"));
  expect(snippets.length).toBeGreaterThan(0);
  const prelude = join(dir, "prelude.d.ts");
  writeFileSync(prelude, PRELUDE);
  const files = snippets.map(({ line, code }) => {
    const file = join(dir, `${doc.replace(/\W/g, "_")}_${line}.ts`);
    // `export {}` makes even an import-free snippet a module, so top-level await is allowed.
    writeFileSync(file, `${code}\nexport {};\n`);
    return { file, line };
  });
  const entry = (name: string) => [join(root, `src/${name}/index.ts`)];
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2023.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
    baseUrl: root,
    paths: {
      "matrix-widget-kit/widget": entry("widget"),
      "matrix-widget-kit/host": entry("host"),
      "matrix-widget-kit/protocol": entry("protocol"),
      "matrix-widget-kit/drivers/memory": entry("drivers/memory"),
      "matrix-widget-kit/testing": entry("testing"),
    },
  };
  // Module resolution starts from the snippet's directory; node_modules packages (valibot,
  // matrix-widget-api) must come from the project's.
  const host = ts.createCompilerHost(options);
  const resolveFrom = join(root, "docs", "snippet.ts");
  host.resolveModuleNameLiterals = (literals, containingFile, _redirect, compilerOptions) =>
    literals.map((literal) => {
      const fromSnippet = containingFile.startsWith(dir) && !literal.text.startsWith(".");
      return ts.resolveModuleName(
        literal.text,
        fromSnippet ? resolveFrom : containingFile,
        compilerOptions,
        host,
      );
    });
  const program = ts.createProgram([prelude, ...files.map((f) => f.file)], options, host);
  const byLine = new Map<number, string[]>();
  for (const { file, line } of files) {
    const source = program.getSourceFile(file);
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    byLine.set(
      line,
      diagnostics.map((d) => {
        const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
        return `${doc}:${line + at}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
      }),
    );
  }
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
