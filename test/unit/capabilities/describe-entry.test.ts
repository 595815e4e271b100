// The host-ui entry (which re-exports describeCapability) is safe to import where there is no DOM.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));

describe("matrix-widget-kit/host-ui entry", () => {
  it("imports in Node without a DOM and defines nothing until asked", async () => {
    expect(typeof (globalThis as { HTMLElement?: unknown }).HTMLElement).toBe("undefined");
    const ui = await import("../../../src/host-ui/index.js");
    expect(ui.describeCapability("m.sticker").title).toBe("Send stickers");
    expect(() => ui.defineHostUi()).toThrow(/needs a browser/);
  });

  it("a consent decision iterates over exactly the granted capabilities and lists the rest as denied", async () => {
    const { consentDecision } = await import("../../../src/host-ui/index.js");
    const decision = consentDecision(["a", "b", "c"], ["a", "c"], false);
    expect([...decision]).toEqual(["a", "c"]);
    expect(decision.denied).toEqual(["b"]);
    expect(decision.remember).toBe(false);
    expect(Object.isFrozen(decision.granted)).toBe(true);
  });

  it("bundles no host session, driver or transport code", async () => {
    const result = await build({
      entryPoints: [`${root}src/host-ui/index.ts`],
      bundle: true,
      write: false,
      format: "esm",
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((file) => file.includes("src/host-ui/"))).toBe(true);
    expect(inputs.filter((file) => /src\/(host|drivers|transport|widget)\//.test(file))).toEqual([]);
  });
});
