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

  it("rememberConsent stores a consent decision only when its remember box was checked", async () => {
    const { consentDecision } = await import("../../../src/host-ui/index.js");
    const { MemoryConsentStore, consentKeyOf, rememberConsent } =
      await import("../../../src/host/consent/index.js");
    const widget = { widgetId: "w", origin: "https://widget.example" };
    const request = {
      widget,
      requested: ["m.sticker", "m.always_on_screen"],
      granted: [],
      renegotiation: false,
    };
    for (const remember of [false, true]) {
      const store = new MemoryConsentStore();
      const policy = rememberConsent({
        store,
        promptCapabilities: (r) => consentDecision(r.requested, ["m.sticker"], remember),
      });
      expect([...(await policy.approveCapabilities(request))]).toEqual(["m.sticker"]);
      const key = consentKeyOf(widget);
      if (key === undefined) throw new Error("a widget with an origin has a consent key");
      const stored = await store.load(key);
      expect(stored.capabilities).toEqual(remember ? ["m.sticker"] : []);
    }
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
