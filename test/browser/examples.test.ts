// The built examples in real Chromium: examples/vite-widget and examples/react-widget, built by
// Vite against the package's dist/ (as scripts/build-examples.mjs builds them in npm test), are
// served from the widget origin (with examples/no-bundler-widget and its script-tag file) and
// embedded by our WidgetHost on another origin. Each must negotiate its capabilities, read the
// viewed room's messages, and send one that comes back live.
import { rmSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import type { Browser, Frame } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatCapability } from "../../src/capabilities/grammar.js";
import { eventCapability } from "../../src/widget/features/events.js";
import { launchBrowser, openPage, startOrigins, type OpenedPage, type Origins } from "./harness/index.js";
import { buildExamples, serveBuilds } from "./examples-support.js";
import type { ExamplesHostState } from "./fixtures/examples-host.js";

const HOST_PAGE =
  `<!doctype html><html><head><meta charset="utf-8"><title>host</title><link rel="icon" href="data:,">` +
  `<script type="module" src="/bundle/examples-host.js"></script></head><body></body></html>`;

const RECEIVE_TEXT = eventCapability("receive", "m.room.message", { msgtype: "m.text" });
const SEND_TEXT = eventCapability("send", "m.room.message", { msgtype: "m.text" });

/** What each example asks for at start, in its own order. */
const EXPECTED_CAPABILITIES: Record<string, string[]> = {
  "vite-widget": [
    RECEIVE_TEXT,
    SEND_TEXT,
    formatCapability({ kind: "fixed", name: "navigate" }),
    formatCapability({ kind: "fixed", name: "user_directory_search" }),
    formatCapability({ kind: "fixed", name: "mxid_share" }),
    formatCapability({ kind: "account_data", eventType: "org.example.playground.settings" }),
  ],
  "react-widget": [
    RECEIVE_TEXT,
    SEND_TEXT,
    formatCapability({ kind: "fixed", name: "user_directory_search" }),
  ],
  "no-bundler-widget": [RECEIVE_TEXT, SEND_TEXT],
};

function hostState(p: OpenedPage): Promise<ExamplesHostState> {
  return p.page.evaluate(() =>
    (window as unknown as { __examplesHost: () => ExamplesHostState }).__examplesHost(),
  );
}

/** The example's status line: its `data-state` and text (which names the problem on an error). */
function statusOf(frame: Frame): Promise<{ state: string | undefined; text: string | undefined }> {
  return frame.evaluate(() => {
    const element = document.getElementById("status");
    return { state: element?.dataset.state, text: element?.textContent ?? undefined };
  });
}

function texts(frame: Frame, selector: string): Promise<string[]> {
  return frame.evaluate(
    (s) => [...document.querySelectorAll(s)].map((element) => element.textContent ?? ""),
    selector,
  );
}

describe("examples, built with Vite, against our WidgetHost", () => {
  let outRoot: string;
  let origins: Origins;
  let widget: { origin: string; server: Server };
  let browser: Browser;
  const requests: string[] = [];

  beforeAll(async () => {
    const built = await buildExamples(Object.keys(EXPECTED_CAPABILITIES));
    outRoot = built.outRoot;
    origins = await startOrigins();
    origins.registerBundle("examples-host", join(import.meta.dirname, "fixtures", "examples-host.ts"));
    await origins.bundle("examples-host");
    origins.setPage("host", "/host.html", HOST_PAGE);
    widget = await serveBuilds(built.builds, requests);
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await origins?.close();
    await new Promise((resolve) => widget?.server.close(resolve));
    if (outRoot) rmSync(outRoot, { recursive: true, force: true });
  });

  async function open(name: string): Promise<{ p: OpenedPage; frame: Frame }> {
    requests.length = 0;
    const p = await openPage(browser);
    const hostUrl = origins.url("host", "/host.html");
    const widgetUrl =
      `${widget.origin}/${name}/index.html?widgetId=example` + `&parentUrl=${encodeURIComponent(hostUrl)}`;
    await p.page.goto(`${hostUrl}?widget=${encodeURIComponent(widgetUrl)}`);
    const frame = await p.frameByOrigin(widget.origin);
    await frame.waitForFunction(
      () => {
        const state = document.getElementById("status")?.dataset.state;
        return state !== undefined && state !== "connecting";
      },
      undefined,
      { timeout: 20_000 },
    );
    return { p, frame };
  }

  async function sendAndSeeItComeBack(p: OpenedPage, frame: Frame, body: string): Promise<void> {
    await frame.fill("#send input", body);
    await frame.click("#send button");
    await frame.waitForFunction(
      (expected) => [...document.querySelectorAll("#messages li")].some((li) => li.textContent === expected),
      `@me:example.org: ${body}`,
      { timeout: 10_000 },
    );
    expect((await hostState(p)).ownMessages).toContain(body);
  }

  it("vite-widget negotiates its six capabilities, reads messages, searches, reads account data and sends a message that comes back live", async () => {
    const { p, frame } = await open("vite-widget");
    try {
      expect(await statusOf(frame)).toEqual({ state: "ready", text: expect.any(String) });
      const host = await hostState(p);
      expect(host.ready).toBe(true);
      expect(host.requested).toEqual(EXPECTED_CAPABILITIES["vite-widget"]);
      expect(host.granted).toEqual(host.requested);
      expect(host.widgetVersions.length).toBeGreaterThan(0);

      expect((await texts(frame, "#messages li")).length).toBeGreaterThan(0);
      expect(await texts(frame, "#users li")).toContain("Alice Smith (@alice:example.org) Invite");
      const settings = await frame.evaluate(() => document.getElementById("settings")?.textContent ?? "");
      expect(JSON.parse(settings)).toEqual(expect.any(Object));

      await sendAndSeeItComeBack(p, frame, "hello from the Vite example");
      expect(p.problems()).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it("react-widget negotiates through the provider, lists messages and search results from the hooks, and sends a message that comes back live", async () => {
    const { p, frame } = await open("react-widget");
    try {
      expect(await statusOf(frame)).toEqual({ state: "ready", text: expect.any(String) });
      const host = await hostState(p);
      expect(host.ready).toBe(true);
      expect(host.requested).toEqual(EXPECTED_CAPABILITIES["react-widget"]);
      expect(host.granted).toEqual(host.requested);

      await frame.waitForSelector("#messages li", { timeout: 10_000 });
      await frame.waitForFunction(
        () => [...document.querySelectorAll("#users li")].some((li) => li.textContent?.includes("@alice:")),
        undefined,
        { timeout: 10_000 },
      );
      expect(await texts(frame, "#users li")).toContain("Alice Smith (@alice:example.org)");

      await sendAndSeeItComeBack(p, frame, "hello from the React example");
      expect(p.problems()).toEqual([]);
    } finally {
      await p.close();
    }
  });
  it("no-bundler-widget loads its module and the script-tag file through the import map alone, negotiates, reads messages and sends one that comes back live", async () => {
    const { p, frame } = await open("no-bundler-widget");
    try {
      expect(await statusOf(frame)).toEqual({ state: "ready", text: expect.any(String) });
      const host = await hostState(p);
      expect(host.requested).toEqual(EXPECTED_CAPABILITIES["no-bundler-widget"]);
      expect(host.granted).toEqual(host.requested);
      expect((await texts(frame, "#messages li")).length).toBeGreaterThan(0);
      await sendAndSeeItComeBack(p, frame, "hello from the no-bundler example");
      // Three requests: the page, its module and the self-contained bundle (no valibot, no chunks).
      expect(requests).toEqual([
        "/no-bundler-widget/index.html",
        "/no-bundler-widget/widget.js",
        "/no-bundler-widget/vendor/matrix-widget-kit.widget.js",
      ]);
      expect(p.problems()).toEqual([]);
    } finally {
      await p.close();
    }
  });
});
