// The playground, clicked through in Chromium: the host page on http://localhost:PORT and the
// example widgets on http://127.0.0.1:PORT, served by the same Vite server `npm start` runs.
import type { Browser, Frame, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startPlayground, type RunningPlayground } from "../../scripts/playground-server.mjs";
import { runAxe } from "./harness/axe.js";
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

  /**
   * Reloads the widget while a confirmation it asked for is open, and waits until that question
   * has closed and the reloaded widget's consent prompt is open (not stuck behind it in the line).
   */
  async function reloadPastOpenQuestion(page: Page): Promise<void> {
    // The page behind the modal dialog is inert: the reload button is pressed by script.
    await page.evaluate(() => (document.getElementById("reload-widget") as HTMLButtonElement).click());
    await page.waitForSelector("mwk-confirm-dialog", { state: "detached", timeout: 10_000 });
    await page.waitForSelector('dialog[open][data-kind="capabilities"]', { timeout: 10_000 });
  }

  it("navigator: a navigation question closes when the widget reloads, so the reloaded widget's consent prompt is not stuck behind it", async () => {
    const { page, frame, close } = await openWidget("navigator");
    await approveAll(page);
    await widgetStatus(frame, "ready");
    await frame.click('button:text("Random (a public room you are not in)")');
    await page.waitForSelector('dialog[open][data-kind="confirm"]');
    await reloadPastOpenQuestion(page);
    await close();
  });

  it("OpenID: the page asks before a widget gets a token, and the question closes when the widget reloads", async () => {
    const { page, frame, close } = await openWidget("user-picker");
    await approveAll(page);
    await widgetStatus(frame, "ready");
    // The widget asks for a token the way any widget does: a get_openid request to its parent.
    await frame.evaluate((hostOrigin) => {
      const widgetId = new URL(location.href).searchParams.get("widgetId") ?? "";
      const request = { api: "fromWidget", widgetId, requestId: "openid-1", action: "get_openid", data: {} };
      window.parent.postMessage(request, hostOrigin);
    }, new URL(page.url()).origin);
    await page.waitForSelector('dialog[open][data-kind="confirm"]');
    expect(await page.textContent('dialog[open][data-kind="confirm"]')).toContain("Verify your identity");
    await reloadPastOpenQuestion(page);
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

/** The example widgets the page offers, as `#widget-select` lists them (ours: axe checks inside). */
const WIDGETS = ["user-picker", "emotes", "navigator", "msc4412", "mwa-classic", "impostor"] as const;

/** The loaded frame of one of our widgets. */
async function widgetFrame(page: Page, id: string): Promise<Frame> {
  const handle = await page.waitForSelector(`#widget-frame iframe[src*="/widgets/${id}/"]`);
  const frame = await handle.contentFrame();
  if (frame === null) throw new Error(`no frame for ${id}`);
  await frame.waitForLoadState("load");
  return frame;
}

/** axe-core on a page or frame: each violation as a line prefixed with where it was seen. */
async function violations(where: string, target: Page | Frame): Promise<string[]> {
  const report = await runAxe(target);
  return report.violations.map((line) => `${where}: ${line}`);
}

/**
 * What axe does not check but a screen-reader or keyboard user needs from our widget frames and
 * the page: status lines that are announced when they change, visible labels (a placeholder
 * disappears once typed over), and readable letters on the emote swatches.
 */
async function handChecks(where: string, target: Page | Frame): Promise<string[]> {
  const problems = await target.evaluate(() => {
    const found: string[] = [];
    for (const id of ["status", "signed-in", "announcements"]) {
      const element = document.getElementById(id);
      if (element && element.getAttribute("role") !== "status" && !element.hasAttribute("aria-live"))
        found.push(`#${id} is not a live region`);
    }
    for (const field of document.querySelectorAll<HTMLInputElement>("input:not([type=checkbox]), select"))
      if (!field.labels?.length) found.push(`${field.id || field.name} has no <label>`);
    const channels = (color: string) =>
      (color.match(/[\d.]+/g) ?? []).slice(0, 3).map((c) => {
        const v = Number(c) / 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      });
    const luminance = (color: string) => {
      const [r = 0, g = 0, b = 0] = channels(color);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    for (const swatch of document.querySelectorAll<HTMLElement>(".swatch")) {
      const style = getComputedStyle(swatch);
      const [a, b] = [luminance(style.color), luminance(style.backgroundColor)].sort((x, y) => y - x);
      const ratio = (a! + 0.05) / (b! + 0.05);
      // The letter is large text (1.4rem): WCAG 1.4.3 asks 3:1.
      if (ratio < 3) found.push(`swatch "${swatch.textContent}" has contrast ${ratio.toFixed(2)}`);
    }
    return found;
  });
  return problems.map((line) => `${where}: ${line}`);
}

/** Shows what a widget shows once it runs, so axe sees its content and not only its frame. */
async function exercise(id: string, frame: Frame): Promise<void> {
  if (id === "user-picker") {
    await frame.fill("#search", "a");
    await frame.waitForSelector("#results li button");
  } else if (id === "emotes") {
    await frame.waitForSelector(".emote");
  } else {
    await widgetStatus(frame, "ready");
  }
}

describe("the playground's accessibility (axe-core: WCAG 2.0/2.1 A and AA, and best practices)", () => {
  // A failed assertion must not leave its page (and a modal dialog) open for the next test.
  const opened: Array<() => Promise<void>> = [];
  const tracked = <T extends { close(): Promise<void> }>(value: T): T => {
    opened.push(() => value.close());
    return value;
  };
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((close) => close()));
  });

  // Each theme on the other system preference: the page's theme switch must win over the system's.
  for (const [theme, system] of [
    ["light", "dark"],
    ["dark", "light"],
  ] as const) {
    it(`no violations with each widget's consent prompt open, then with it loaded: in the page and our widget's frame (${theme} theme, ${system} system)`, async () => {
      const { page, problems, close } = tracked(await openPage(browser));
      await page.emulateMedia({ colorScheme: system });
      await page.goto(`${playground.hostOrigin}/`);
      await page.waitForSelector('dialog[open][data-kind="capabilities"]', { timeout: 30_000 });
      await page.click('dialog[open] [data-testid="deny"]');
      await page.selectOption("#theme", theme);
      const found: string[] = [];
      let contrastChecked = 0;
      for (const id of WIDGETS) {
        if ((await page.$eval("#widget-select", (s) => (s as HTMLSelectElement).value)) === id)
          await page.click("#reload-widget");
        else await page.selectOption("#widget-select", id);
        await page.waitForSelector('dialog[open][data-kind="capabilities"]', { timeout: 30_000 });
        found.push(...(await violations(`${id} consent prompt`, page)));
        await approveAll(page);
        await page.waitForSelector("dialog[open]", { state: "detached" });
        const frame = await widgetFrame(page, id);
        await exercise(id, frame);
        const report = await runAxe(page);
        contrastChecked = Math.max(contrastChecked, report.contrastChecked);
        found.push(...report.violations.map((line) => `${id} page: ${line}`));
        found.push(...(await violations(`${id} frame`, frame)));
        found.push(...(await handChecks(`${id} frame`, frame)));
      }
      found.push(...(await handChecks("page", page)));
      expect(found).toEqual([]);
      // axe could tell the text's colours from the page's background (not a transparent page on
      // the system's canvas), so the contrast rule checked the page at all.
      expect(contrastChecked).toBeGreaterThan(20);
      expect(problems()).toEqual([]);
      await close();
    });
  }

  for (const theme of ["light", "dark"] as const) {
    it(`no violations in error states, in the navigation and share dialogs, in the page and our widget's frame (${theme} theme)`, async () => {
      const { page, frame, close } = tracked(await openWidget("user-picker"));
      await page.click('dialog[open] [data-testid="deny"]');
      await page.selectOption("#theme", theme);
      await frame.waitForFunction(
        (dark) => document.body.classList.contains("dark") === dark,
        theme === "dark",
      );
      // A refused request: red in the widget's status line and in the page's traffic log.
      await frame.fill("#search", "alice");
      await widgetStatus(frame, "missing_capability");
      await page.waitForSelector("#log li.error");
      const found = [
        ...(await violations("refused page", page)),
        ...(await violations("refused frame", frame)),
      ];

      await page.selectOption("#widget-select", "navigator");
      await page.waitForSelector('dialog[open][data-kind="capabilities"]', { timeout: 30_000 });
      await approveAll(page);
      const navigator = await widgetFrame(page, "navigator");
      await widgetStatus(navigator, "ready");
      await navigator.click('button:text("Random (a public room you are not in)")');
      await page.waitForSelector('dialog[open][data-kind="confirm"]');
      found.push(...(await violations("navigation dialog", page)));
      await page.keyboard.press("Escape");
      await navigator.click('button:text("A script link (refused)")');
      await widgetStatus(navigator, "invalid_request");
      found.push(...(await violations("refused navigation frame", navigator)));

      await page.selectOption("#widget-select", "impostor");
      await page.waitForSelector('dialog[open][data-kind="capabilities"]', { timeout: 30_000 });
      await approveAll(page);
      const impostor = await widgetFrame(page, "impostor");
      await widgetStatus(impostor, "ready");
      await impostor.click("#share");
      await page.waitForSelector('dialog[open][data-kind="share"]');
      found.push(...(await violations("share dialog", page)));
      await page.keyboard.press("Escape");
      expect(found).toEqual([]);
      await close();
    });
  }

  it("the traffic log is a list that is not read out line by line; session starts and ends, errors and repeats are announced through a polite status region, request traces are not", async () => {
    const { page, problems, close } = tracked(await openPage(browser));
    // Every text the status region takes, as a screen reader would be handed it.
    await page.addInitScript(() => {
      const said: string[] = [];
      Object.assign(window, { said });
      new MutationObserver(() => {
        const text = document.getElementById("announcements")?.textContent ?? "";
        if (text !== "" && said.at(-1) !== text) said.push(text);
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    const said = () => page.evaluate(() => (window as never as { said: string[] }).said);
    await page.goto(`${playground.hostOrigin}/`);
    await page.waitForSelector('dialog[open][data-kind="capabilities"]', { timeout: 30_000 });
    const frame = await widgetFrame(page, "user-picker");

    // The log: an ordered list named "Traffic", which keyboard users can scroll, and no live region
    // (neither aria-live nor a role that implies it), inside or around it.
    expect(
      await page.$eval("#log", (log) => ({
        tag: log.tagName,
        role: log.getAttribute("role"),
        live: log.closest("[aria-live]") !== null || log.querySelector("[aria-live]") !== null,
        implied: log.closest('[role="log"], [role="status"], [role="alert"]') !== null,
        name: document.getElementById(log.getAttribute("aria-labelledby") ?? "")?.textContent,
        tabindex: log.getAttribute("tabindex"),
      })),
    ).toEqual({ tag: "OL", role: null, live: false, implied: false, name: "Traffic", tabindex: "0" });
    // The announcements: a polite status region (role status is polite and atomic) with the log.
    expect(
      await page.$eval("#announcements", (region) => ({
        role: region.getAttribute("role"),
        live: region.getAttribute("aria-live"),
        inTraffic: region.closest("aside")?.getAttribute("aria-labelledby"),
      })),
    ).toEqual({ role: "status", live: null, inTraffic: "traffic-heading" });

    await page.click('dialog[open] [data-testid="deny"]');
    await widgetStatus(frame, "no permissions granted");
    await expect.poll(said).toContain("User picker: session ready; granted: nothing");
    // A refused request is announced as an error, without its timing; the same again says so.
    await frame.fill("#search", "alice");
    await widgetStatus(frame, "missing_capability");
    await expect
      .poll(async () => (await said()).at(-1))
      .toMatch(/^Error: User picker: \S+ failed: Missing capability/);
    const refused = (await said()).at(-1)!;
    await frame.fill("#search", "bob");
    await expect.poll(async () => (await said()).at(-1)).toBe(`${refused} (2 times)`);
    // Loading the widget again ends its session: announced.
    await page.click("#reload-widget");
    await expect
      .poll(async () => (await said()).some((text) => /^User picker: session ended/.test(text)))
      .toBe(true);
    await page.click('dialog[open] [data-testid="deny"]');

    // The traces are all in the log, and none was announced.
    const logged = await page.$$eval("#log li", (items) => items.map((item) => item.textContent ?? ""));
    const traces = logged.filter((line) => / (toWidget|fromWidget) \S+ [\d.]+ ms/.test(line));
    expect(traces.length).toBeGreaterThan(4);
    expect(
      (await said()).filter((text) => / (toWidget|fromWidget) /.test(text) || / ms\b/.test(text)),
    ).toEqual([]);
    expect([...(await violations("traffic", page)), ...(await handChecks("page", page))]).toEqual([]);
    expect(problems()).toEqual([]);
    await close();
  });

  it("no violations on the page that could not open its homeserver account", async () => {
    // Nothing listens on port 9 of this machine: the sign-in fails at once.
    const failing = await startPlayground({
      port: 0,
      homeserver: { baseUrl: "http://127.0.0.1:9", userId: "@me:example.org", accessToken: "unused" },
    });
    const { page, close } = tracked(await openPage(browser));
    try {
      await page.goto(`${failing.hostOrigin}/`);
      await page.waitForSelector("#timeline li.error", { timeout: 30_000 });
      expect(await page.textContent("#signed-in")).toBe("Not signed in");
      expect([...(await violations("error page", page)), ...(await handChecks("error page", page))]).toEqual(
        [],
      );
    } finally {
      await close();
      await failing.close();
    }
  });

  /** The focused control, in the page or, when the focus is in the widget's frame, in that frame. */
  async function focused(page: Page, frame: Frame) {
    const describe = () => {
      const element = document.activeElement as HTMLElement | null;
      if (element === null || element === document.body) return { name: "body", ring: true };
      const style = getComputedStyle(element);
      const name = element.dataset.roomId
        ? `room ${element.dataset.roomId}`
        : element.id
          ? `#${element.id}`
          : `${element.tagName.toLowerCase()} ${element.textContent?.trim() ?? ""}`;
      // A visible focus ring: an outline at least 2px wide (WCAG 2.4.7).
      const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
      return { name, ring };
    };
    const top = await page.evaluate(describe);
    return top.name === "iframe " ? frame.evaluate(describe) : top;
  }

  it("keyboard: Tab reaches every control of the page and of the widget, each with a visible focus ring", async () => {
    const { page, frame, close } = tracked(await openWidget("navigator"));
    await approveAll(page);
    await widgetStatus(frame, "ready");
    const expected = await page.evaluate(() => [
      ...["#widget-select", "#reload-widget", "#theme", "#language"],
      ...[...document.querySelectorAll<HTMLElement>("#rooms button")].map((b) => `room ${b.dataset.roomId}`),
    ]);
    const inFrame = await frame.evaluate(() => [
      ...[...document.querySelectorAll("#links button")].map((b) => `button ${b.textContent}`),
      "#uri",
      "button Go",
    ]);
    // The scrolling timeline and traffic log take the focus, so keyboard users can scroll them.
    const scrollers = ["#timeline", "#log"];
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const seen: Array<{ name: string; ring: boolean }> = [];
    for (let i = 0; i < expected.length + inFrame.length + scrollers.length + 2; i++) {
      await page.keyboard.press("Tab");
      seen.push(await focused(page, frame));
    }
    const names = seen.map((entry) => entry.name);
    for (const name of [...expected, ...inFrame, ...scrollers]) expect(names).toContain(name);
    expect(seen.filter((entry) => entry.name !== "body" && !entry.ring)).toEqual([]);
    await close();
  });

  it("keyboard: a consent prompt keeps Tab inside itself, Escape closes it, and the focus returns to the control that opened it", async () => {
    const { page, close } = tracked(await openWidget("user-picker"));
    await approveAll(page);
    await page.focus("#reload-widget");
    await page.keyboard.press("Enter");
    await page.waitForSelector('dialog[open][data-kind="capabilities"]', { timeout: 30_000 });
    const host = () => page.evaluate(() => document.activeElement?.tagName.toLowerCase() ?? "");
    for (const key of [
      "Tab",
      "Tab",
      "Tab",
      "Tab",
      "Tab",
      "Tab",
      "Tab",
      "Shift+Tab",
      "Shift+Tab",
      "Shift+Tab",
    ]) {
      expect(await host()).toMatch(/^mwk-/);
      await page.keyboard.press(key);
    }
    expect(await host()).toMatch(/^mwk-/);
    await page.keyboard.press("Escape");
    await page.waitForSelector("dialog[open]", { state: "detached" });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("reload-widget");
    await close();
  });

  it("keyboard: a dialog a widget opens keeps Tab inside itself, Escape closes it, and the focus returns to the widget's frame, where Tab goes on from the widget's control", async () => {
    const { page, frame, close } = tracked(await openWidget("impostor"));
    await approveAll(page);
    await widgetStatus(frame, "ready");
    await frame.focus("#share");
    await page.keyboard.press("Enter");
    await page.waitForSelector('dialog[open][data-kind="share"]');
    for (let i = 0; i < 6; i++) {
      expect(await page.evaluate(() => document.activeElement?.tagName.toLowerCase())).toMatch(/^mwk-/);
      await page.keyboard.press("Tab");
    }
    await page.keyboard.press("Escape");
    await page.waitForSelector("dialog[open]", { state: "detached" });
    expect(await page.evaluate(() => document.activeElement?.tagName.toLowerCase())).toBe("iframe");
    // The page cannot focus an element inside another origin's frame, but the frame keeps its
    // place: the next Tab goes on from the control that opened the dialog.
    await page.keyboard.press("Tab");
    expect(await frame.evaluate(() => document.activeElement?.id)).toBe("ghost");
    await close();
  });

  it("keyboard: a widget that focuses its own control while a dialog is open does not take the keyboard from the dialog", async () => {
    const { page, frame, close } = tracked(await openWidget("impostor"));
    await approveAll(page);
    await widgetStatus(frame, "ready");
    await frame.click("#share");
    await page.waitForSelector('dialog[open][data-kind="share"]');
    const inDialog = () =>
      page.evaluate(() => {
        const host = document.activeElement;
        return `${host?.tagName.toLowerCase()} ${(host?.shadowRoot?.activeElement as HTMLElement | null)?.dataset.testid}`;
      });
    await expect.poll(inDialog).toBe("mwk-share-confirm cancel");
    // The frame behind the modal dialog moves the focus into itself (as the browser's late note of
    // the click that opened the dialog also can): the dialog takes it back, and Escape reaches it.
    await frame.focus("#ghost");
    await expect.poll(inDialog, { timeout: 2_000 }).toBe("mwk-share-confirm cancel");
    await page.keyboard.press("Escape");
    await page.waitForSelector("dialog[open]", { state: "detached" });
    await close();
  });
});
