import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));

describe("package entry points", () => {
  it("the widget entry pulls in no host, driver or host-transport code", async () => {
    const result = await build({
      entryPoints: [`${root}src/widget/index.ts`],
      bundle: true,
      write: false,
      format: "esm",
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((file) => file.includes("src/widget/"))).toBe(true);
    expect(inputs.filter((file) => /src\/(host|drivers)\//.test(file))).toEqual([]);
    expect(inputs.filter((file) => file.endsWith("post-message-host.ts"))).toEqual([]);
  });
});
