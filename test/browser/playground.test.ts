// The playground, clicked through in Chromium: the host page on http://localhost:PORT and the
// example widgets on http://127.0.0.1:PORT, served by the same Vite server `npm start` runs.
import type { Browser, Frame, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlayground, type RunningPlayground } from "../../scripts/playground-server.mjs";
import { launchBrowser, openPage, type OpenedPage } from "./harness/index.js";

let browser: Browser;
let playground: RunningPlayground;

beforeAll(async () => {
  playground = await startPlayground({ port: 0 });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await playground?.close();
});

interface WorldProbe {
  playground: {
    world: {
      viewedRoomId: string | undefined;
      membership(roomId: string, userId: string): string | undefined;
      listUsers(): Array<{ userId: string; displayName?: string }>;
      getAccountData(userId: string, type: string): Record<string, unknown> | undefined;
      ownUserId: string;
      resolveAlias(alias: string): string | undefined;
    };
  };
}

async function openWidget(name: string): Promise<OpenedPage & { frame: Frame }> {
  const opened = await openPage(browser);
  await opened.page.goto(`${playground.hostOrigin}/`);
  await opened.page.waitForSelector("#widget-select option", { state: "attached" });
  const current = await opened.page.$eval("#widget-select", (select) => (select as HTMLSelectElement).value);
  if (current !== name) {
    await opened.page.waitForSelector("dialog[open]");
    await opened.page.click('dialog[open] [data-testid="deny"]');
    await opened.page.selectOption("#widget-select", name);
  }
  await opened.page.waitForSelector('dialog[open][data-kind="capabilities"]', { timeout: 30_000 });
  const frame = await opened.frameByOrigin(playground.widgetOrigin);
  return { ...opened, frame };
}

async function approveAll(page: Page): Promise<void> {
  for (const box of await page.$$('dialog[open] input[type="checkbox"][data-capability]')) await box.check();
  await page.click('dialog[open] [data-testid="approve"]');
}

async function widgetStatus(frame: Frame, includes: string): Promise<string> {
  await frame.waitForFunction(
    (text) => document.getElementById("status")?.textContent?.includes(text),
    includes,
    { timeout: 20_000 },
  );
  return (await frame.textContent("#status")) ?? "";
}

describe("the playground", () => {
  it("user picker: approve, search a user, share with an invite hint, confirm, and the invite exists in the world", async () => {
    const { page, frame, close } = await openWidget("user-picker");
    await approveAll(page);
    await widgetStatus(frame, "ready");
    const lobby = await page.evaluate(() => (window as never as WorldProbe).playground.world.viewedRoomId);
    const target = await page.evaluate((room) => {
      const { world } = (window as never as WorldProbe).playground;
      return world
        .listUsers()
        .find((u) => u.displayName && u.userId !== world.ownUserId && !world.membership(room!, u.userId))
        ?.userId;
    }, lobby);
    expect(target).toBeDefined();
    const localpart = target!.slice(1, target!.indexOf(":"));
    await frame.fill("#search", localpart);
    await frame.click(`li[data-user-id="${target}"] button:text("Invite")`);
    await page.waitForSelector(`dialog[open][data-kind="share"] .user[data-user-id="${target}"]`);
    await page.click('dialog[open] [data-testid="invite"]');
    await page.waitForFunction(
      ([room, user]) =>
        (window as never as WorldProbe).playground.world.membership(room!, user!) === "invite",
      [lobby, target],
    );
    await close();
  });

  it("emote viewer: reads the user's image pack from account data", async () => {
    const { page, frame, close } = await openWidget("emotes");
    await approveAll(page);
    await widgetStatus(frame, "showing 2 pack type(s)");
    const shortcodes = await frame.$$eval('[data-type="m.image_pack"] code', (codes) =>
      codes.map((c) => c.textContent),
    );
    expect(shortcodes.length).toBeGreaterThan(0);
    expect(shortcodes.every((code) => /^:.+:$/.test(code ?? ""))).toBe(true);
    await close();
  });

  it("navigator: moves the viewed room, and asks before showing a room the user is not in", async () => {
    const { page, frame, close } = await openWidget("navigator");
    await approveAll(page);
    await widgetStatus(frame, "ready");
    await frame.click('button:text("Widget Lab (matrix: URI)")');
    const widgets = await page.evaluate(() =>
      (window as never as WorldProbe).playground.world.resolveAlias("#widgets:example.org"),
    );
    await page.waitForFunction(
      (room) => (window as never as WorldProbe).playground.world.viewedRoomId === room,
      widgets,
    );
    await frame.click('button:text("Random (a public room you are not in)")');
    await page.waitForSelector('dialog[open][data-kind="confirm"]');
    await page.click('dialog[open] [data-testid="confirm"]');
    const random = await page.evaluate(() =>
      (window as never as WorldProbe).playground.world.resolveAlias("#random:example.org"),
    );
    await page.waitForFunction(
      (room) => (window as never as WorldProbe).playground.world.viewedRoomId === room,
      random,
    );
    await frame.click('button:text("A script link (refused)")');
    expect(await widgetStatus(frame, "invalid_request")).toMatch(/Invalid navigation link/);
    await close();
  });

  it("MSC4412 widget: negotiates in the draft protocol through the same consent prompt, and navigates", async () => {
    const { page, frame, close } = await openWidget("msc4412");
    await approveAll(page);
    await widgetStatus(frame, "ready");
    expect(await frame.textContent("#dialect")).toBe("msc4412");
    expect(await frame.textContent("#granted")).toBe("org.matrix.msc2931.navigate");
    await frame.click("#lobby");
    await widgetStatus(frame, "navigated to the lobby");
    const lobby = await page.evaluate(() =>
      (window as never as WorldProbe).playground.world.resolveAlias("#lobby:example.org"),
    );
    expect(await page.evaluate(() => (window as never as WorldProbe).playground.world.viewedRoomId)).toBe(
      lobby,
    );
    await close();
  });

  it("denying capabilities: the widget's request fails with missing_capability", async () => {
    const { page, frame, close } = await openWidget("user-picker");
    await page.click('dialog[open] [data-testid="deny"]');
    await widgetStatus(frame, "no permissions granted");
    await frame.fill("#search", "alice");
    expect(await widgetStatus(frame, "missing_capability")).toMatch(/missing_capability/);
    await close();
  });

  it("a malicious widget's false display name is flagged next to the real profile", async () => {
    const { page, frame, close } = await openWidget("impostor");
    await approveAll(page);
    await widgetStatus(frame, "ready");
    await frame.click("#share");
    const dialog = await page.waitForSelector('dialog[open][data-kind="share"]');
    const text = (await dialog.textContent()) ?? "";
    expect(text).toContain("Alice Smith");
    expect(text).toMatch(
      /The widget called this user "Official Support ✅", but their real name is "Alice Smith"/,
    );
    await page.click('dialog[open] [data-testid="cancel"]');
    await frame.click("#ghost");
    const ghost = await page.waitForSelector('dialog[open][data-kind="share"]');
    expect(await ghost.textContent()).toMatch(/Unverified/);
    await page.click('dialog[open] [data-testid="cancel"]');
    await close();
  });

  it("theme and language switches reach the running widget", async () => {
    const { page, frame, close } = await openWidget("user-picker");
    await approveAll(page);
    await widgetStatus(frame, "ready");
    await page.selectOption("#theme", "dark");
    await frame.waitForFunction(() => document.body.classList.contains("dark"));
    await page.selectOption("#language", "de");
    await frame.waitForFunction(() => document.documentElement.lang === "de");
    await page.selectOption("#theme", "light");
    await frame.waitForFunction(() => !document.body.classList.contains("dark"));
    await close();
  });

  it("loads and runs a widget with no console error and no failed request, the favicon included", async () => {
    const opened = await openPage(browser);
    const { page, close } = opened;
    const failed: string[] = [];
    page.on("response", (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
    });
    page.on("requestfailed", (request) => failed.push(`failed ${request.url()}`));
    await page.goto(`${playground.hostOrigin}/`);
    await page.waitForSelector('dialog[open][data-kind="capabilities"]', { timeout: 30_000 });
    const frame = await opened.frameByOrigin(playground.widgetOrigin);
    await approveAll(page);
    await widgetStatus(frame, "ready");
    await page.waitForLoadState("networkidle");
    expect(failed).toEqual([]);
    expect(opened.problems()).toEqual([]);
    // Chromium logged a 404 for /favicon.ico (Playwright sees no response event for it, only the
    // console line); the page now declares its icon inline, so no browser asks for one.
    expect(await page.$eval('link[rel="icon"]', (link) => link.getAttribute("href"))).toMatch(/^data:/);
    await close();
  });

  it("a widget written with matrix-widget-api runs in the playground's host", async () => {
    const { page, frame, close } = await openWidget("mwa-classic");
    await approveAll(page);
    await widgetStatus(frame, "ready (matrix-widget-api)");
    await frame.fill("#search", "alice");
    await frame.press("#search", "Enter");
    await frame.waitForSelector("#results li");
    expect(await frame.textContent("#results")).toContain("@alice:example.org");
    await close();
  });
});
