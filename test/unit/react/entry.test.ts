// The React entry point and the widget entry point stay apart: the widget bundle carries no React
// (React is an optional peer), and the React bundle carries no host or driver code.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));

async function inputsOf(entry: string, external: string[] = []): Promise<string[]> {
  const result = await build({
    entryPoints: [`${root}${entry}`],
    bundle: true,
    write: false,
    format: "esm",
    metafile: true,
    logLevel: "silent",
    external,
  });
  return Object.keys(result.metafile.inputs);
}

describe("matrix-widget-kit/react entry", () => {
  it("the widget entry pulls in neither React nor the React bindings", async () => {
    const inputs = await inputsOf("src/widget/index.ts");
    expect(inputs.filter((file) => /node_modules\/react(-dom)?\//.test(file))).toEqual([]);
    expect(inputs.filter((file) => file.includes("src/react/"))).toEqual([]);
  });

  it("the React entry pulls in the widget SDK but no host, driver or host-transport code", async () => {
    const inputs = await inputsOf("src/react/index.ts", ["react"]);
    expect(inputs.some((file) => file.includes("src/widget/widget-client.ts"))).toBe(true);
    expect(inputs.filter((file) => /src\/(host|drivers)\//.test(file))).toEqual([]);
    expect(inputs.filter((file) => file.endsWith("post-message-host.ts"))).toEqual([]);
  });

  it("package.json exports ./react from dist/react in the same shape as ./widget, and declares React an optional peer", () => {
    const manifest = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as {
      exports: Record<string, Record<string, string> | undefined>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
      dependencies?: Record<string, string>;
    };
    const widget = manifest.exports["./widget"] ?? {};
    // Whatever conditions the package uses (import, default, require...), the React entry has the same.
    const expected = Object.fromEntries(
      Object.entries(widget).map(([condition, path]) => [condition, path.replace("/widget/", "/react/")]),
    );
    expect(manifest.exports["./react"]).toEqual(expected);
    expect(manifest.exports["./react"]?.["types"]).toBe("./dist/react/index.d.ts");
    expect(manifest.peerDependencies["react"]).toBeDefined();
    expect(manifest.peerDependenciesMeta["react"]?.optional).toBe(true);
    expect(manifest.dependencies?.["react"]).toBeUndefined();
  });
});
