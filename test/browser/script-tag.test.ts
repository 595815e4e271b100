// The script-tag build of the widget side, in real Chromium: each example page in
// examples/script-tag loads its bundle from a CDN-style path (/npm/matrix-widget-kit@<version>/dist/
// browser/...) on the widget origin, with no import map and no other script, negotiates a capability
// with our WidgetHost on another origin, and completes one request (a user directory search).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROWSER_FILES, buildBrowserBundles } from "../../scripts/build-browser.mjs";
import { launchBrowser, openPage, startOrigins, type Origins } from "./harness/index.js";
import type { ScriptTagHostState } from "./fixtures/script-tag-host.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
const CDN_DIR = `/npm/matrix-widget-kit@${version}/dist/browser/`;
const SEARCH = "org.matrix.msc3973.user_directory_search";

const HOST_PAGE =
  `<!doctype html><html><head><meta charset="utf-8"><title>host</title><link rel="icon" href="data:,">` +
  `<script type="module" src="/bundle/script-tag-host.js"></script></head><body></body></html>`;

/** The widget origin: the two example pages, and the built bundles under the CDN-style path. */
async function startWidgetOrigin(
  bundleDir: string,
  requests: string[],
): Promise<{ origin: string; server: Server }> {
  const files = new Map<string, { path: string; type: string }>([
    [
      "/examples/script-tag/esm.html",
      { path: join(root, "examples/script-tag/esm.html"), type: "text/html" },
    ],
    [
      "/examples/script-tag/iife.html",
      { path: join(root, "examples/script-tag/iife.html"), type: "text/html" },
    ],
  ]);
  for (const file of Object.values(BROWSER_FILES)) {
    files.set(`${CDN_DIR}${file}`, { path: join(bundleDir, file), type: "text/javascript" });
    files.set(`${CDN_DIR}${file}.map`, { path: join(bundleDir, `${file}.map`), type: "application/json" });
  }
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? "/", "http://server.invalid").pathname;
    requests.push(pathname);
    const file = files.get(pathname);
    if (req.method !== "GET" || !file) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
      return;
    }
    const body = readFileSync(file.path);
    res
      .writeHead(200, {
        "Content-Type": `${file.type}; charset=utf-8`,
        "Content-Length": body.byteLength,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
      })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("script-tag build of the widget side", () => {
  let bundleDir: string;
  let origins: Origins;
  let widget: { origin: string; server: Server };
  const requests: string[] = [];
  let browser: Browser;

  beforeAll(async () => {
    bundleDir = mkdtempSync(join(tmpdir(), "mwk-script-tag-"));
    await buildBrowserBundles({ outdir: bundleDir });
    origins = await startOrigins();
    origins.registerBundle("script-tag-host", join(root, "test/browser/fixtures/script-tag-host.ts"));
    await origins.bundle("script-tag-host");
    origins.setPage("host", "/host.html", HOST_PAGE);
    widget = await startWidgetOrigin(bundleDir, requests);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await origins?.close();
    await new Promise((resolve) => widget?.server.close(resolve));
    if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  });

  it.each([
    ["esm.html", BROWSER_FILES.esm],
    ["iife.html", BROWSER_FILES.iife],
  ])(
    "examples/script-tag/%s loads %s from the CDN path alone, negotiates with a WidgetHost and searches the directory",
    async (page, bundle) => {
      const html = readFileSync(join(root, "examples/script-tag", page), "utf8");
      // The example names the version being published, so a release cannot ship a stale path.
      expect(html).toContain(`${CDN_DIR}${bundle}`);

      requests.length = 0;
      const p = await openPage(browser);
      try {
        const hostUrl = origins.url("host", "/host.html");
        const widgetUrl =
          `${widget.origin}/examples/script-tag/${page}?widgetId=script-tag` +
          `&parentUrl=${encodeURIComponent(hostUrl)}`;
        await p.page.goto(`${hostUrl}?widget=${encodeURIComponent(widgetUrl)}`);
        const frame = await p.frameByOrigin(widget.origin);
        await frame.waitForFunction(
          () => document.getElementById("status")?.dataset.state !== "connecting",
          undefined,
          { timeout: 20_000 },
        );

        const status = await frame.evaluate(() => {
          const element = document.getElementById("status");
          return { state: element?.dataset.state, text: element?.textContent };
        });
        expect(status).toEqual({
          state: "done",
          text: expect.stringMatching(/^[1-9]\d* found for "alice"$/),
        });
        const users = await frame.evaluate(() =>
          [...document.querySelectorAll("#results li")].map((item) => item.textContent),
        );
        expect(users).toContain("Alice Smith (@alice:example.org)");

        const host = await p.page.evaluate(() =>
          (window as unknown as { __scriptTagHost: () => ScriptTagHostState }).__scriptTagHost(),
        );
        expect(host.requested).toEqual([SEARCH]);
        expect(host.granted).toEqual([SEARCH]);
        expect(host.widgetVersions.length).toBeGreaterThan(0);

        // Self-contained: the page and its one bundle, nothing else (no valibot, no chunks).
        expect(requests.filter((path) => !path.endsWith(".map"))).toEqual([
          `/examples/script-tag/${page}`,
          `${CDN_DIR}${bundle}`,
        ]);
        expect(p.problems()).toEqual([]);
      } finally {
        await p.close();
      }
    },
  );

  it("the IIFE bundle defines only the documented global, MatrixWidgetKit, holding the widget exports", async () => {
    const code = readFileSync(join(bundleDir, BROWSER_FILES.iife), "utf8");
    const p = await openPage(browser);
    try {
      const before = await p.page.evaluate(() => Object.keys(window));
      // A classic <script>, as a page would load it (an eval of its "use strict" code would keep the var local).
      await p.page.addScriptTag({ content: code });
      const after = await p.page.evaluate(() => Object.keys(window));
      expect(after.filter((key) => !before.includes(key))).toEqual(["MatrixWidgetKit"]);
      const exported = await p.page.evaluate(() =>
        Object.keys((window as unknown as { MatrixWidgetKit: object }).MatrixWidgetKit).sort(),
      );
      const esm = await import("../../src/widget/index.js");
      expect(exported).toEqual(Object.keys(esm).sort());
      expect(p.problems()).toEqual([]);
    } finally {
      await p.close();
    }
  });
});
