// The playground's room widgets on a real homeserver account (`npm start -- --homeserver …`), in
// Chromium: the viewed room's widgets come from its state through a WidgetManager over
// MatrixClientDriver, and the page's form adds one by writing `im.vector.modular.widgets` state.
//
// Clicks and form input go through the DOM (element.click()), not the mouse: consent dialogs the
// widgets open are modal and would otherwise block the page; they are not what this test is about.
import type { Frame, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runAxe } from "../browser/harness/axe.js";
import { openPage } from "../browser/harness/index.js";
import { createRoom, csOk, joinRoom, registerFresh, uniqueSuffix } from "./matrix-client.js";
import {
  eventually,
  startPlaygroundAs,
  unexpectedProblems,
  type PlaygroundOnHomeserver,
} from "./playground-support.js";
import type { RegisteredUser } from "./provided";

const hs = inject("synapse");

let running: PlaygroundOnHomeserver | undefined;
let me: RegisteredUser;
let kim: RegisteredUser;
let roomId: string;

/** What the page's widget panel and manager show, read in the page. */
interface PanelProbe {
  playground: {
    widgetManager: {
      widgets(roomId: string): Array<{ definition: { id: string; url: string }; host?: { state: string } }>;
    };
  };
}

const putWidget = (user: RegisteredUser, id: string, content: Record<string, unknown>, room = roomId) =>
  csOk(
    hs,
    user,
    "PUT",
    `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/state/im.vector.modular.widgets/${encodeURIComponent(id)}`,
    content,
  );

/** A room of the user's own for one test, so no other test's widgets are in it. */
const freshRoom = (name: string) =>
  createRoom(hs, me, { preset: "private_chat", name: `${name} ${uniqueSuffix()}` });

/** Views a room on the page, through the room list. */
async function viewRoom(page: Page, room: string): Promise<void> {
  await page.waitForSelector(`#rooms button[data-room-id="${room}"]`, { timeout: 30_000 });
  await page.evaluate(
    (id) => document.querySelector<HTMLElement>(`#rooms button[data-room-id="${id}"]`)!.click(),
    room,
  );
}

/** The panel's line for a widget: its text, whether it offers "Load", and its frame's URL. */
function lineOf(page: Page, id: string) {
  return page.evaluate((widgetId) => {
    const item = document.querySelector<HTMLElement>(`#room-widgets li[data-widget-id="${widgetId}"]`);
    if (item === null) return undefined;
    return {
      text: item.textContent ?? "",
      load: [...item.querySelectorAll("button")].some((button) => button.textContent === "Load"),
      frame: item.querySelector("iframe")?.src,
    };
  }, id);
}

function clickIn(page: Page, id: string, label: string) {
  return page.evaluate(
    ([widgetId, text]) => {
      const item = document.querySelector(`#room-widgets li[data-widget-id="${widgetId}"]`);
      const button = [...(item?.querySelectorAll("button") ?? [])].find((b) => b.textContent === text);
      if (button === undefined) throw new Error(`No ${text} button for ${widgetId}`);
      button.click();
    },
    [id, label] as const,
  );
}

/** The frame of a room widget, once it loaded. */
const roomWidgetFrame = (page: Page, id: string) =>
  eventually(() => {
    const found = page.frames().find((f) => f.url().includes(`widgetId=${id}`));
    expect(found).toBeDefined();
    return found!;
  });

/** Answers a widget's consent prompt through the DOM (the prompt of another may be over it). */
const answerPrompt = (page: Page, name: string, answer: "approve" | "deny") =>
  page
    .locator('dialog[open][data-kind="capabilities"]', { hasText: name })
    .locator(`[data-testid="${answer}"]`)
    .evaluate((b) => (b as HTMLElement).click(), undefined, { timeout: 30_000 });

/** Whether a widget frame shows the dark theme, and its document's language. */
const looks = (frame: Frame) =>
  frame.evaluate(() => ({
    dark: document.body.classList.contains("dark"),
    lang: document.documentElement.lang,
  }));

beforeAll(async () => {
  const suffix = uniqueSuffix();
  [me, kim] = await Promise.all([
    registerFresh(hs, "me", `Me ${suffix}`),
    registerFresh(hs, "kim", `Kim ${suffix}`),
  ]);
  roomId = await createRoom(hs, me, {
    preset: "private_chat",
    name: `Widget room ${suffix}`,
    invite: [kim.userId],
    // Kim may add widgets too (state needs power level 50 by default; widget state needs 0 here).
    power_level_content_override: { events: { "im.vector.modular.widgets": 0 } },
  });
  await joinRoom(hs, kim, roomId);
  running = await startPlaygroundAs(hs, me);
});

afterAll(async () => {
  await running?.close();
});

describe("the playground's room widgets on a homeserver", () => {
  it("lists the viewed room's widgets from state, adds one through the form, and follows changes", async () => {
    const widgetUrl = `${running!.playground.widgetOrigin}/widgets/emotes/index.html`;
    // Added by another member before the page opens: listed, but loaded only on the user's click.
    await putWidget(kim, "kims", {
      type: "m.custom",
      url: widgetUrl,
      name: "Kim's emotes",
      creatorUserId: kim.userId,
    });

    const { page, problems, close } = await openPage(running!.browser);
    try {
      await page.goto(`${running!.playground.hostOrigin}/`);
      await page.waitForSelector(`#rooms button[data-room-id="${roomId}"]`, { timeout: 30_000 });
      await page.evaluate(
        (id) => document.querySelector<HTMLElement>(`#rooms button[data-room-id="${id}"]`)!.click(),
        roomId,
      );
      await eventually(async () => {
        const line = await lineOf(page, "kims");
        expect(line?.text).toContain("Kim's emotes");
        expect(line?.text).toContain(`added by ${kim.userId}`);
        expect(line?.load).toBe(true);
        expect(line?.frame).toBeUndefined();
      });

      // The line names the origin the frame would load, after templating: a template's own
      // origin can differ from it (here `$org.example.host` fills in the rest of the host name).
      await putWidget(kim, "templated", {
        type: "m.custom",
        url: "https://app.example.org$org.example.host/widget.html",
        name: "Templated",
        data: { "org.example.host": ".elsewhere.example" },
      });
      await eventually(async () => {
        const line = await lineOf(page, "templated");
        expect(line?.text).toContain("from https://app.example.org.elsewhere.example,");
        expect(line?.load).toBe(true);
      });
      await putWidget(kim, "templated", {});
      await eventually(async () => expect(await lineOf(page, "templated")).toBeUndefined());

      // The user adds a widget: the form writes im.vector.modular.widgets state to the homeserver.
      await page.evaluate((url) => {
        const form = document.querySelector<HTMLFormElement>("#room-widgets form")!;
        form.querySelector<HTMLInputElement>('input[name="name"]')!.value = "My emotes";
        form.querySelector<HTMLInputElement>('input[name="url"]')!.value = url;
        form.requestSubmit();
      }, widgetUrl);
      const state: Array<{
        type: string;
        state_key: string;
        sender: string;
        content: Record<string, unknown>;
      }> = await eventually(async () => {
        const all = (await csOk(
          hs,
          me,
          "GET",
          `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state`,
        )) as Array<{
          type: string;
          state_key: string;
          sender: string;
          content: Record<string, unknown>;
        }>;
        const mine = all.filter(
          (event) => event.type === "im.vector.modular.widgets" && event.sender === me.userId,
        );
        expect(mine).toHaveLength(1);
        return mine;
      });
      const added = state[0]!;
      expect(added.content).toMatchObject({
        id: added.state_key,
        type: "m.custom",
        url: widgetUrl,
        name: "My emotes",
        creatorUserId: me.userId,
      });

      // The user's own widget loads at once, in a frame with the templated, parameterised URL,
      // and its host runs the session (it is waiting on the page's consent dialog or past it).
      await eventually(async () => {
        const line = await lineOf(page, added.state_key);
        expect(line?.load).toBe(false);
        expect(line?.frame).toBe(
          `${widgetUrl}?widgetId=${encodeURIComponent(added.state_key)}&parentUrl=${encodeURIComponent(`${running!.playground.hostOrigin}/`)}`,
        );
      });
      await eventually(async () => {
        const hostState = await page.evaluate(
          ([room, id]) =>
            (window as never as PanelProbe).playground.widgetManager
              .widgets(room)
              .find((widget) => widget.definition.id === id)?.host?.state,
          [roomId, added.state_key] as const,
        );
        expect(["negotiating", "ready"]).toContain(hostState);
      });

      // Kim's widget loads on "Load"; when kim changes its URL, that session ends and the new
      // definition waits for the user's click again.
      await clickIn(page, "kims", "Load");
      await eventually(async () =>
        expect((await lineOf(page, "kims"))?.frame).toContain(`${widgetUrl}?widgetId=kims`),
      );
      await putWidget(kim, "kims", {
        type: "m.custom",
        url: `${widgetUrl}?v=2`,
        name: "Kim's emotes",
        creatorUserId: kim.userId,
      });
      await eventually(async () => {
        const line = await lineOf(page, "kims");
        expect(line?.frame).toBeUndefined();
        expect(line?.load).toBe(true);
      });
      await clickIn(page, "kims", "Load");
      await eventually(async () =>
        expect((await lineOf(page, "kims"))?.frame).toContain(`${widgetUrl}?v=2&widgetId=kims`),
      );

      // Kim removes it (empty content): the line and its frame go.
      await putWidget(kim, "kims", {});
      await eventually(async () => expect(await lineOf(page, "kims")).toBeUndefined());
      expect(await page.$$eval("#room-widgets iframe", (frames) => frames.length)).toBe(1);

      // The user removes their own through the panel: the state is emptied on the homeserver.
      await clickIn(page, added.state_key, "Remove");
      await eventually(async () => {
        const content = await csOk(
          hs,
          me,
          "GET",
          `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/im.vector.modular.widgets/${encodeURIComponent(added.state_key)}`,
        );
        expect(content).toEqual({});
      });
      await eventually(async () => expect(await lineOf(page, added.state_key)).toBeUndefined());

      expect(unexpectedProblems(problems(), hs)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("the panel, with a widget waiting for Load, one loaded and its consent prompt, has no axe violations (WCAG 2.1 A/AA, best practices) and visible field labels, in both page themes", async () => {
    const widgetUrl = `${running!.playground.widgetOrigin}/widgets/emotes/index.html`;
    const definition = (user: RegisteredUser, name: string) => ({
      type: "m.custom",
      url: widgetUrl,
      name,
      creatorUserId: user.userId,
    });
    await putWidget(kim, "a11y-kims", definition(kim, "Kim's board"));
    await putWidget(me, "a11y-mine", definition(me, "My board"));
    // (Console errors are not checked here: the emotes widget's reads of unset account data 404.)
    const { page, close } = await openPage(running!.browser);
    const found: string[] = [];
    const check = async (where: string, target: Page | Frame) =>
      found.push(...(await runAxe(target)).violations.map((line) => `${where}: ${line}`));
    try {
      await page.goto(`${running!.playground.hostOrigin}/`);
      // The page's own example widget asks first; it is not what this test is about.
      // (Clicked through the DOM: the panel's own prompt may already be open above it.)
      const prompt = (name: string) =>
        page.locator('dialog[open][data-kind="capabilities"]', { hasText: name });
      await prompt("User picker")
        .locator('[data-testid="deny"]')
        .evaluate((b) => (b as HTMLElement).click());
      await page.evaluate(
        (id) => document.querySelector<HTMLElement>(`#rooms button[data-room-id="${id}"]`)!.click(),
        roomId,
      );
      await eventually(async () => {
        expect((await lineOf(page, "a11y-kims"))?.load).toBe(true);
        expect((await lineOf(page, "a11y-mine"))?.frame).toBeDefined();
      });
      await prompt("My board").waitFor({ timeout: 30_000 });
      await page.waitForFunction(() => document.querySelectorAll("mwk-consent-prompt").length === 1);
      await check("consent prompt over the panel", page);
      for (const box of await page.$$('dialog[open] input[type="checkbox"][data-capability]'))
        await box.check();
      await page.click('dialog[open] [data-testid="approve"]');
      const frame = await eventually(() => {
        const found = page.frames().find((f) => f.url().includes("widgetId=a11y-mine"));
        expect(found).toBeDefined();
        return found!;
      });
      await frame.waitForFunction(() => document.getElementById("status")?.textContent !== "connecting…");
      await check("panel (light)", page);
      await check("panel widget (light)", frame);
      found.push(
        ...(await page.$$eval("#room-widgets input", (inputs) =>
          inputs
            .filter((input) => !(input as HTMLInputElement).labels?.length)
            .map((input) => `${(input as HTMLInputElement).name} has no <label>`),
        )),
      );
      await page.selectOption("#theme", "dark");
      // The theme switch reaches the room's widgets too (theme_change): their frames turn dark.
      await page.waitForFunction(() => document.body.classList.contains("dark"));
      await frame.waitForFunction(() => document.body.classList.contains("dark"));
      await check("panel (dark)", page);
      await check("panel widget (dark)", frame);
      expect(found).toEqual([]);
    } finally {
      await close();
      await Promise.all([putWidget(kim, "a11y-kims", {}), putWidget(me, "a11y-mine", {})]);
    }
  });

  it("the page's theme and language switches reach the room's running widgets, and widgets loaded later start in them", async () => {
    const widgetUrl = `${running!.playground.widgetOrigin}/widgets/emotes/index.html`;
    const room = await freshRoom("Switch room");
    const board = (id: string, name: string) =>
      putWidget(me, id, { type: "m.custom", url: widgetUrl, name, creatorUserId: me.userId }, room);
    await board("switch-mine", "Switch board");
    const { page, frameByOrigin, close } = await openPage(running!.browser);
    try {
      await page.goto(`${running!.playground.hostOrigin}/`);
      // (The room the page opens on may have widgets that ask: viewing this one ends them.)
      await viewRoom(page, room);
      await answerPrompt(page, "User picker", "deny");
      const example = await frameByOrigin(running!.playground.widgetOrigin);
      await answerPrompt(page, "Switch board", "deny");
      const frame = await roomWidgetFrame(page, "switch-mine");
      await frame.waitForFunction(() => document.getElementById("status")?.textContent !== "connecting…");
      expect(await looks(frame)).toEqual({ dark: false, lang: "en" });

      // Both switches reach the room's widget, as they reach the page's example widget.
      await page.selectOption("#theme", "dark");
      await page.selectOption("#language", "de");
      for (const target of [example, frame])
        await target.waitForFunction(
          () => document.body.classList.contains("dark") && document.documentElement.lang === "de",
        );
      await page.selectOption("#theme", "light");
      await frame.waitForFunction(() => !document.body.classList.contains("dark"));
      await page.selectOption("#theme", "dark");
      await frame.waitForFunction(() => document.body.classList.contains("dark"));

      // A widget whose URL asks for neither loads in the page's theme and language all the same:
      // the page sends them once its session is ready, as Element does.
      await board("switch-plain", "Plain board");
      await answerPrompt(page, "Plain board", "deny");
      const plain = await roomWidgetFrame(page, "switch-plain");
      await plain.waitForFunction(
        () => document.body.classList.contains("dark") && document.documentElement.lang === "de",
      );

      // The form suggests a URL template with the theme and language variables: the widget it
      // adds gets the page's current ones in its URL.
      const suggested = await page.$eval(
        '#room-widgets input[name="url"]',
        (input) => (input as HTMLInputElement).value,
      );
      expect(suggested).toBe(
        `${widgetUrl}?theme=$org.matrix.msc2873.client_theme&lang=$org.matrix.msc2873.client_language`,
      );
      await page.evaluate(() => {
        const form = document.querySelector<HTMLFormElement>("#room-widgets form")!;
        form.querySelector<HTMLInputElement>('input[name="name"]')!.value = "Templated board";
        form.requestSubmit();
      });
      await answerPrompt(page, "Templated board", "deny");
      const templated = await eventually(() => {
        const found = page.frames().find((f) => f.url().startsWith(`${widgetUrl}?theme=`));
        expect(found).toBeDefined();
        return found!;
      });
      expect(new URL(templated.url()).searchParams.get("theme")).toBe("dark");
      expect(new URL(templated.url()).searchParams.get("lang")).toBe("de");
      await templated.waitForFunction(
        () => document.body.classList.contains("dark") && document.documentElement.lang === "de",
      );
    } finally {
      await close();
    }
  });

  it("when the page's example widget and a room widget ask for consent at the same time, one prompt is open at a time", async () => {
    const room = await freshRoom("Asking room");
    await putWidget(
      me,
      "both-ask",
      {
        type: "m.custom",
        url: `${running!.playground.widgetOrigin}/widgets/emotes/index.html`,
        name: "Asking board",
        creatorUserId: me.userId,
      },
      room,
    );
    const { page, close } = await openPage(running!.browser);
    try {
      await page.goto(`${running!.playground.hostOrigin}/`);
      // Viewing the room mounts the user's own widget, which asks while the example widget asks.
      await viewRoom(page, room);
      const states = () =>
        page.evaluate(
          ([where, id]) => ({
            example: (window as never as { playground: { host?: { state: string } } }).playground.host?.state,
            room: (window as never as PanelProbe).playground.widgetManager
              .widgets(where)
              .find((widget) => widget.definition.id === id)?.host?.state,
          }),
          [room, "both-ask"] as const,
        );
      await eventually(async () =>
        expect(await states()).toEqual({ example: "negotiating", room: "negotiating" }),
      );
      // Both are asking now; give a second prompt time to show if it would.
      await page.waitForTimeout(1_000);
      const open = () =>
        page.$$eval('dialog[open][data-kind="capabilities"]', (dialogs) =>
          dialogs.map((dialog) =>
            dialog.textContent?.includes("User picker") ? "User picker" : "Asking board",
          ),
        );
      const first = await open();
      expect(first).toHaveLength(1);
      await answerPrompt(page, first[0]!, "deny");
      const second = first[0] === "User picker" ? "Asking board" : "User picker";
      await page
        .locator('dialog[open][data-kind="capabilities"]', { hasText: second })
        .waitFor({ timeout: 30_000 });
      expect(await open()).toEqual([second]);
      await answerPrompt(page, second, "deny");
    } finally {
      await close();
    }
  });
});
