// Compiles the ```ts snippets of a markdown document under strict, against the package's own
// sources, so the docs cannot drift from the API. Shared by every docs snippet test, with every
// public entry point mapped, so any guide can import from any of them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";

const root = resolve(import.meta.dirname, "../../..");

/** The public entry points of package.json `exports`, as folders under src/. */
const ENTRY_POINTS = [
  "widget",
  "host",
  "host-ui",
  "protocol",
  "drivers/memory",
  "drivers/matrix-js-sdk",
  "react",
  "testing",
] as const;

/** One ```ts block of a markdown text. */
export interface Snippet {
  /** The line (1-based) the code starts on, just below the fence. */
  line: number;
  code: string;
}

/** Every ```ts block of a markdown text, with the line it starts on. */
export function tsSnippets(markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
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

/** What {@link compileSnippets} found in one document. */
export interface CompiledDoc {
  /** How many ts snippets the document has. */
  count: number;
  /** The diagnostics of each snippet, keyed by the line it starts on, as `doc:line: message`. */
  byLine: Map<number, string[]>;
}

/**
 * Compiles each ts snippet of `doc` (a path from the repository root) as its own module in one
 * program. `prelude` is declarations every snippet may use without importing them (the widget
 * guide's snippets share the `client` its first one creates); it is declared globally, so a
 * snippet's own declaration of the same name shadows it.
 */
export function compileSnippets(doc: string, prelude = ""): CompiledDoc {
  const snippets = tsSnippets(readFileSync(join(root, doc), "utf8"));
  const dir = mkdtempSync(join(tmpdir(), "mwk-snippets-"));
  try {
    const preludeFile = join(dir, "prelude.d.ts");
    writeFileSync(preludeFile, prelude);
    const files = snippets.map(({ line, code }) => {
      const file = join(dir, `${doc.replace(/\W/g, "_")}_${line}.ts`);
      // `export {}` makes even an import-free snippet a module, so top-level await is allowed.
      writeFileSync(file, `${code}\nexport {};\n`);
      return { file, line };
    });
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
      paths: Object.fromEntries(
        ENTRY_POINTS.map((name) => [`matrix-widget-kit/${name}`, [join(root, `src/${name}/index.ts`)]]),
      ),
    };
    // Module resolution starts from the snippet's directory; bare imports of a snippet (valibot,
    // matrix-js-sdk, matrix-widget-api) must come from the project's node_modules.
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
    const program = ts.createProgram([preludeFile, ...files.map((f) => f.file)], options, host);
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
    return { count: snippets.length, byLine };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
