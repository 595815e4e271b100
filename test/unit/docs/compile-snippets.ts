// Compiles the TypeScript snippets of markdown documents under strict, against the package's own
// sources, so the docs cannot drift from the API. Every snippet of every document goes into one
// compiler program: the sources are checked once however many documents there are.
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

/** The fence languages that are compiled, and the file extension each is compiled as. */
const LANGUAGES: Readonly<Record<string, "ts" | "tsx">> = { ts: "ts", typescript: "ts", tsx: "tsx" };

/**
 * The comment that, on the line just above a fence (blank lines between allowed), keeps the block
 * out of the compiler: for a fragment that is deliberately not a whole program, such as the shape
 * of a wire message. Use it sparingly; a snippet that only lacks a few names should `declare const`
 * them instead.
 */
export const PARTIAL_MARKER = "<!-- snippet: partial -->";

/** One TypeScript block of a markdown text. */
export interface Snippet {
  /** The line (1-based) the code starts on, just below the fence. */
  line: number;
  code: string;
  /** `tsx` for a ```tsx block, else `ts`. */
  kind: "ts" | "tsx";
  /** Whether the block is marked with {@link PARTIAL_MARKER} and so is not compiled. */
  partial: boolean;
}

/** Every ```ts, ```typescript and ```tsx block of a markdown text, with the line it starts on. */
export function tsSnippets(markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const fence = /^\s*```(\w+)\s*$/.exec(lines[i] ?? "");
    if (!fence) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]?.trim() !== "```") end++;
    const kind = LANGUAGES[fence[1]?.toLowerCase() ?? ""];
    if (kind) {
      let above = i - 1;
      while (above >= 0 && lines[above]?.trim() === "") above--;
      const partial = above >= 0 && lines[above]?.trim() === PARTIAL_MARKER;
      snippets.push({ line: start + 1, code: lines.slice(start, end).join("\n"), kind, partial });
    }
    i = end;
  }
  return snippets;
}

/** A document to compile, and the names its snippets may use without declaring them. */
export interface DocToCompile {
  /** The path of the document from the repository root. */
  doc: string;
  /**
   * Names the document's snippets share without declaring them each time (the widget guide's
   * snippets use the `client` its first one creates), mapped to their type. A snippet that
   * declares or imports the name itself keeps its own.
   */
  shared?: Readonly<Record<string, string>>;
}

/** What {@link compileDocs} found in one document. */
export interface CompiledDoc {
  /** How many TypeScript snippets the document has, partial ones included. */
  count: number;
  /** The lines (as for {@link Snippet.line}) of the snippets marked partial, which were not compiled. */
  partial: number[];
  /** The diagnostics of each compiled snippet, keyed by the line it starts on, as `doc:line: message`. */
  byLine: Map<number, string[]>;
}

/** The names a snippet declares or imports at its top level. */
function topLevelNames(code: string, kind: "ts" | "tsx"): Set<string> {
  const source = ts.createSourceFile(
    `snippet.${kind}`,
    code,
    ts.ScriptTarget.ES2022,
    false,
    kind === "tsx" ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  const names = new Set<string>();
  const addBinding = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) addBinding(element.name);
  };
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement))
      for (const declaration of statement.declarationList.declarations) addBinding(declaration.name);
    else if (
      (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) &&
      statement.name !== undefined
    )
      names.add(statement.name.text);
    else if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      if (clause.name) names.add(clause.name.text);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      else if (bindings) for (const element of bindings.elements) names.add(element.name.text);
    }
  }
  return names;
}

/**
 * Compiles each TypeScript snippet of the given documents as its own module, all in one program.
 * A document's shared names are declared after the code of each of its snippets that does not
 * declare them itself, so line numbers stay those of the document.
 */
export function compileDocs(docs: readonly DocToCompile[]): Map<string, CompiledDoc> {
  const dir = mkdtempSync(join(tmpdir(), "mwk-snippets-"));
  try {
    const files: { doc: string; file: string; line: number }[] = [];
    const results = new Map<string, CompiledDoc>();
    for (const { doc, shared = {} } of docs) {
      const snippets = tsSnippets(readFileSync(join(root, doc), "utf8"));
      results.set(doc, {
        count: snippets.length,
        partial: snippets.filter((s) => s.partial).map((s) => s.line),
        byLine: new Map(),
      });
      for (const { line, code, kind, partial } of snippets) {
        if (partial) continue;
        const own = topLevelNames(code, kind);
        const declarations = Object.entries(shared)
          .filter(([name]) => !own.has(name))
          .map(([name, type]) => `declare const ${name}: ${type};`);
        const file = join(dir, `${doc.replace(/\W/g, "_")}_${line}.${kind}`);
        // `export {}` makes even an import-free snippet a module, so top-level await is allowed and
        // its names do not clash with another snippet's.
        writeFileSync(file, `${code}\n${declarations.join("\n")}\nexport {};\n`);
        files.push({ doc, file, line });
      }
    }
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ["lib.es2023.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
      jsx: ts.JsxEmit.ReactJSX,
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
    // matrix-js-sdk, matrix-widget-api, react) must come from the project's node_modules.
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
    const program = ts.createProgram(
      files.map((f) => f.file),
      options,
      host,
    );
    for (const { doc, file, line } of files) {
      const source = program.getSourceFile(file);
      const diagnostics = [
        ...program.getSyntacticDiagnostics(source),
        ...program.getSemanticDiagnostics(source),
      ];
      results.get(doc)?.byLine.set(
        line,
        diagnostics.map((d) => {
          const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
          return `${doc}:${line + at}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
        }),
      );
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
