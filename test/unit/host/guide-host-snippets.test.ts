// Type-checks every TypeScript snippet of docs/guide-host.md under strict, against the package's
// own sources (the host, the matrix-js-sdk driver and host-ui entry points), so the guide cannot
// drift from the API.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
const GUIDE = "docs/guide-host.md";

/** The ```ts blocks of a markdown text, with the line each starts on. */
function snippetsOf(markdown: string): Array<{ line: number; code: string }> {
  const lines = markdown.split("\n");
  const found: Array<{ line: number; code: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== "```ts") continue;
    let end = i + 1;
    while (end < lines.length && lines[end]?.trim() !== "```") end++;
    found.push({ line: i + 2, code: lines.slice(i + 1, end).join("\n") });
    i = end;
  }
  return found;
}

const dir = mkdtempSync(join(tmpdir(), "mwk-guide-host-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("docs/guide-host.md", () => {
  it("compiles every ts snippet under strict", { timeout: 120_000 }, () => {
    const snippets = snippetsOf(readFileSync(join(root, GUIDE), "utf8"));
    expect(snippets.length).toBeGreaterThanOrEqual(5);
    const files = snippets.map(({ line, code }) => {
      const file = join(dir, `guide_${line}.ts`);
      // Each snippet is a module of its own, so top-level await is allowed.
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
        "matrix-widget-kit/host": entry("host"),
        "matrix-widget-kit/host-ui": entry("host-ui"),
        "matrix-widget-kit/drivers/matrix-js-sdk": entry("drivers/matrix-js-sdk"),
        "matrix-widget-kit/widget": entry("widget"),
      },
    };
    const host = ts.createCompilerHost(options);
    // Bare imports of a snippet (matrix-js-sdk) resolve from the project, not the temp directory.
    const project = join(root, "docs", "snippet.ts");
    host.resolveModuleNameLiterals = (literals, containingFile, _redirect, compilerOptions) =>
      literals.map((literal) =>
        ts.resolveModuleName(
          literal.text,
          containingFile.startsWith(dir) && !literal.text.startsWith(".") ? project : containingFile,
          compilerOptions,
          host,
        ),
      );
    const program = ts.createProgram(
      files.map((f) => f.file),
      options,
      host,
    );
    const errors = files.flatMap(({ file, line }) => {
      const source = program.getSourceFile(file);
      return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map(
        (d) => {
          const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
          return `${GUIDE}:${line + at}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
        },
      );
    });
    expect(errors).toEqual([]);
  });
});
