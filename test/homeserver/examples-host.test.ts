// examples/matrix-js-sdk-host on a real Synapse, in Chromium: the built host page (served from one
// origin) signs in with a homeserver URL and access token typed into its form, embeds the built
// examples/vite-widget (served from another origin), and the user answers the host-ui consent
// prompt. The widget then reads the room's messages through MatrixClientDriver, and a message it
// sends lands on the homeserver.
import { rmSync } from "node:fs";
import type { Server } from "node:http";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { buildExamples, serveBuilds } from "../browser/examples-support.js";
import { launchBrowser, openPage } from "../browser/harness/index.js";
import { createRoom, csOk, registerFresh, sendAs, uniqueSuffix } from "./matrix-client.js";
import type { RegisteredUser } from "./provided";

const hs = inject("synapse");
const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 20_000, interval: 200 });

describe("examples/matrix-js-sdk-host on Synapse", () => {
  let outRoot: string | undefined;
  let hostSite: { origin: string; server: Server } | undefined;
  let widgetSite: { origin: string; server: Server } | undefined;
  let browser: Browser | undefined;
  let me: RegisteredUser;
  let roomId: string;
  const requests: string[] = [];

  beforeAll(async () => {
    const suffix = uniqueSuffix();
    me = await registerFresh(hs, "examplehost", `Example host ${suffix}`);
    roomId = await createRoom(hs, me, { name: `Examples ${suffix}`, preset: "private_chat" });
    await sendAs(hs, me, roomId, "m.room.message", { msgtype: "m.text", body: "seeded on Synapse" });
    // The account-data type the widget reads (MSC3751).
    await csOk(
      hs,
      me,
      "PUT",
      `/_matrix/client/v3/user/${encodeURIComponent(me.userId)}/account_data/org.example.playground.settings`,
      { layout: "compact" },
    );

    const built = await buildExamples(["matrix-js-sdk-host", "vite-widget"]);
    outRoot = built.outRoot;
    const only = (name: string) => new Map([[name, built.builds.get(name) ?? ""]]);
    // Two sites: the host page on localhost, the widget on 127.0.0.1.
    hostSite = await serveBuilds(only("matrix-js-sdk-host"), requests, "localhost");
    widgetSite = await serveBuilds(only("vite-widget"), requests);
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    for (const site of [hostSite, widgetSite]) {
      await new Promise((resolve) => site?.server.close(resolve));
    }
    if (outRoot) rmSync(outRoot, { recursive: true, force: true });
  });

  it("signs in with a typed token, embeds the Vite widget after consent in the host-ui prompt, and the widget reads and sends through MatrixClientDriver", async () => {
    if (!browser || !hostSite || !widgetSite) throw new Error("beforeAll did not finish");
    const p = await openPage(browser);
    try {
      const { page } = p;
      await page.goto(`${hostSite.origin}/matrix-js-sdk-host/index.html`);
      await page.fill('#sign-in input[name="baseUrl"]', hs.baseUrl);
      await page.fill('#sign-in input[name="accessToken"]', me.accessToken);
      await page.click("#sign-in button");
      await page.waitForSelector("#embed:not([hidden])", { timeout: 30_000 });
      // The token is not kept in the page's URL or shown anywhere.
      expect(page.url()).not.toContain(me.accessToken);
      expect(await page.textContent("body")).not.toContain(me.accessToken);

      await page.selectOption('#embed select[name="roomId"]', roomId);
      await page.fill('#embed input[name="widgetUrl"]', `${widgetSite.origin}/vite-widget/index.html`);
      await page.click("#embed button");

      // The host-ui consent prompt: sensitive capabilities start unchecked; the user ticks them all.
      await page.waitForSelector('dialog[open][data-kind="capabilities"]', { timeout: 20_000 });
      const boxes = page.locator('dialog[open] input[type="checkbox"][data-capability]');
      for (let i = 0; i < (await boxes.count()); i++) await boxes.nth(i).check();
      await page.click('dialog[open] button:has-text("Allow selected")');

      await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
      const frame = page.frames().find((f) => f.url().startsWith(`${widgetSite?.origin}/`));
      if (!frame) throw new Error("the widget frame is missing");
      await frame.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
      await frame.waitForFunction(
        (sender) =>
          [...document.querySelectorAll("#messages li")].some(
            (li) => li.textContent === `${sender}: seeded on Synapse`,
          ),
        me.userId,
        { timeout: 20_000 },
      );

      await frame.fill("#send input", "sent by the example widget");
      await frame.click("#send button");
      await eventually(async () => {
        const { chunk } = (await csOk(
          hs,
          me,
          "GET",
          `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=10`,
        )) as { chunk: Array<{ type: string; content: { body?: unknown } }> };
        expect(chunk.map((event) => event.content.body)).toContain("sent by the example widget");
      });
      // Its own message comes back to the widget as a live event.
      await frame.waitForFunction(
        (expected) =>
          [...document.querySelectorAll("#messages li")].some((li) => li.textContent === expected),
        `${me.userId}: sent by the example widget`,
        { timeout: 20_000 },
      );
      const settings = await frame.evaluate(() => document.getElementById("settings")?.textContent ?? "");
      expect(JSON.parse(settings)).toEqual({ layout: "compact" });
      // Chromium logs every HTTP error response. The one expected here: the driver asks Synapse for
      // MatrixRTC transports (MSC4143), which this test homeserver does not serve.
      const rtcProbe = `${hs.baseUrl}/_matrix/client/unstable/org.matrix.msc4143/rtc/transports`;
      expect(p.problems().filter((problem) => problem.url !== rtcProbe)).toEqual([]);
    } finally {
      await p.close();
    }
  });
});
