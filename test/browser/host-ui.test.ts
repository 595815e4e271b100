// matrix-widget-kit/host-ui in real Chromium: each dialog driven by keyboard alone, its answer
// wired into a real WidgetHost policy, axe-core clean in light and dark themes, and widget-chosen
// names unable to spoof the share confirmation's layout.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFixtureEnv, type FixtureEnv } from "./fixture-env.js";
import { openPage, type OpenedPage } from "./harness/index.js";
import type { FixtureDialogOptions, HostUiFixture } from "./fixtures/host-ui-types.js";
import { TEST_ROOM_ID } from "../../src/testing/index.js";

/** A matrix.to link to the test world's room, which the memory driver can navigate to. */
const ROOM_LINK = `https://matrix.to/#/${TEST_ROOM_ID}`;

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const PAGE =
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>host-ui</title>` +
  `<link rel="icon" href="data:,"><script type="module" src="/bundle/host-ui.js"></script>` +
  `</head><body><main><h1>Host</h1></main></body></html>`;

type Win = { hostUi: HostUiFixture };

const LOW = "m.always_on_screen";
const SENSITIVE = "org.matrix.msc2762.send.event:m.room.message#m.text";
const LOW_STATE = "org.matrix.msc2762.receive.state_event:m.room.name";

/** The tag of the host element that holds the focus (focus inside a shadow root shows as its host). */
const focusedHost = (page: Page) => page.evaluate(() => document.activeElement?.tagName.toLowerCase() ?? "");
/** The focused element inside the open dialog: its test id, capability or text. */
const focusedControl = (page: Page) =>
  page.evaluate(() => {
    const inner = document.activeElement?.shadowRoot?.activeElement as HTMLElement | null | undefined;
    return inner?.dataset.testid ?? inner?.dataset.capability ?? inner?.textContent ?? "";
  });

/**
 * Runs axe-core on the whole page. Returns its violations, and how many nodes inside a host-ui
 * shadow root passed the colour-contrast rule (proof that axe looked inside the dialog at all).
 */
async function runAxe(
  page: Page,
): Promise<{ violations: Array<{ id: string; nodes: number }>; contrastChecked: number }> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    type Rule = { id: string; nodes: Array<{ target: unknown }> };
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<unknown> } }).axe;
    const result = (await axe.run(document, { resultTypes: ["violations", "passes"] })) as {
      violations: Rule[];
      passes: Rule[];
    };
    const contrast = result.passes.find((r) => r.id === "color-contrast")?.nodes ?? [];
    return {
      violations: result.violations.map((v) => ({ id: v.id, nodes: v.nodes.length })),
      contrastChecked: contrast.filter((n) => JSON.stringify(n.target).includes("mwk-")).length,
    };
  });
}

describe("host-ui dialogs in Chromium", () => {
  let env: FixtureEnv | undefined;
  let p: OpenedPage;
  let page: Page;

  beforeAll(async () => {
    env = await startFixtureEnv({ "host-ui": "host-ui-page.ts" }, [
      { origin: "host", path: "/ui.html", html: PAGE },
    ]);
  });

  afterAll(async () => {
    await env?.close();
  });

  beforeEach(async () => {
    p = await openPage(env!.browser);
    page = p.page;
    await page.goto(env!.origins.url("host", "/ui.html"));
    await page.waitForFunction(() => (window as unknown as Partial<Win>).hostUi !== undefined);
  });

  afterEach(async () => {
    expect(p.problems()).toEqual([]);
    await p?.close();
  });

  const mount = (caps: string[], options: FixtureDialogOptions = {}) =>
    page.evaluate(([c, o]) => (window as unknown as Win).hostUi.mount(c, o), [caps, options] as const);
  const mounted = () => page.evaluate(() => (window as unknown as Win).hostUi.mounted());

  describe("consent prompt", () => {
    it("keyboard only: low risk starts checked, sensitive unchecked, remember off; Space and Enter decide what the host grants", async () => {
      await mount([LOW, SENSITIVE, LOW_STATE]);
      await page.waitForSelector('dialog[open][data-kind="capabilities"]');
      const checked = await page.$$eval('dialog[open] input[type="checkbox"]', (boxes) =>
        boxes.map((b) => [
          (b as HTMLInputElement).dataset.capability ?? (b as HTMLInputElement).dataset.testid,
          (b as HTMLInputElement).checked,
        ]),
      );
      expect(checked).toEqual([
        [LOW, true],
        [SENSITIVE, false],
        [LOW_STATE, true],
        ["remember", false],
      ]);
      // The first capability has the focus.
      expect(await focusedControl(page)).toBe(LOW);
      await page.keyboard.press("Space"); // uncheck always_on_screen
      await page.keyboard.press("Tab");
      await page.keyboard.press("Space"); // check the sensitive one
      await page.keyboard.press("Tab");
      await page.keyboard.press("Tab");
      expect(await focusedControl(page)).toBe("remember");
      await page.keyboard.press("Space");
      await page.keyboard.press("Tab");
      await page.keyboard.press("Tab");
      expect(await focusedControl(page)).toBe("approve");
      await page.keyboard.press("Enter");
      const result = await mounted();
      expect(new Set(result.granted)).toEqual(new Set([SENSITIVE, LOW_STATE]));
      expect(new Set(result.clientCapabilities)).toEqual(new Set([SENSITIVE, LOW_STATE]));
      expect(result.remember).toBe(true);
      expect(await page.$("mwk-consent-prompt")).toBeNull();
    });

    it("focus stays inside the prompt: Tab wraps from the last control to the first and Shift+Tab back", async () => {
      await mount([LOW, SENSITIVE]);
      await page.waitForSelector('dialog[open][data-kind="capabilities"]');
      const seen: string[] = [];
      for (let i = 0; i < 12; i++) {
        await page.keyboard.press("Tab");
        expect(await focusedHost(page)).toBe("mwk-consent-prompt");
        seen.push(await focusedControl(page));
      }
      // Five controls: two capabilities, remember, deny, approve; then it starts over.
      expect(seen.slice(0, 6)).toEqual([SENSITIVE, "remember", "deny", "approve", LOW, SENSITIVE]);
      // Twelve Tabs from the first control end on the third (remember); three Shift+Tabs wrap back to the last.
      expect(await focusedControl(page)).toBe("remember");
      for (let i = 0; i < 3; i++) await page.keyboard.press("Shift+Tab");
      expect(await focusedControl(page)).toBe("approve");
      expect(await focusedHost(page)).toBe("mwk-consent-prompt");
    });

    it("Escape denies everything and remembers nothing", async () => {
      await mount([LOW, LOW_STATE]);
      await page.waitForSelector('dialog[open][data-kind="capabilities"]');
      await page.keyboard.press("Escape");
      const result = await mounted();
      expect(result.granted).toEqual([]);
      expect(result.remember).toBe(false);
    });

    it("is labelled by its heading and described by its intro, and each checkbox by its detail", async () => {
      await mount([SENSITIVE]);
      const dialog = await page.waitForSelector('dialog[open][data-kind="capabilities"]');
      const aria = await dialog.evaluate((d) => ({
        role: d.getAttribute("role"),
        label:
          d.getRootNode() instanceof ShadowRoot
            ? (d.getRootNode() as ShadowRoot).getElementById(d.getAttribute("aria-labelledby") ?? "")
                ?.textContent
            : null,
        description: (d.getRootNode() as ShadowRoot).getElementById(d.getAttribute("aria-describedby") ?? "")
          ?.textContent,
      }));
      expect(aria.role).toBe("dialog");
      expect(aria.label).toBe("test-widget asks for permission");
      expect(aria.description).toMatch(/Sensitive and dangerous permissions start unchecked/);
      expect(await page.textContent("dialog[open] li")).toMatch(/Send text messages in this room.*Sensitive/);
    });

    it("shows each capability string in full, so two that differ only after 300 characters can be told apart", async () => {
      // State keys can be long (a user ID alone may take 255 bytes): a prompt that cut the raw
      // string would show these two alike, and the user would choose between rows that look the same.
      const stem = `org.matrix.msc2762.receive.state_event:m.room.member#@${"a".repeat(250)}`;
      const [first, second] = [`${stem}x:example.org`, `${stem}y:example.org`];
      await mount([first, second]);
      await page.waitForSelector('dialog[open][data-kind="capabilities"]');
      const shown = await page.$$eval("dialog[open] li code", (codes) => codes.map((c) => c.textContent));
      expect(shown).toEqual([first, second]);
      // Each row's checkbox is described by the detail that holds its own full string.
      const described = await page.$$eval('dialog[open] input[type="checkbox"][data-capability]', (boxes) =>
        boxes.map((box) => {
          const root = box.getRootNode() as ShadowRoot;
          return root.getElementById(box.getAttribute("aria-describedby") ?? "")?.textContent ?? "";
        }),
      );
      expect(described[0]).toContain(first);
      expect(described[1]).toContain(second);
      // Leave the second row checked and the first not: the host is granted exactly that string.
      for (const [capability, wanted] of [
        [first, false],
        [second, true],
      ] as const) {
        const box = `dialog[open] input[data-capability="${capability}"]`;
        if ((await page.isChecked(box)) !== wanted) await page.click(box);
      }
      await page.click('dialog[open] [data-testid="approve"]');
      expect((await mounted()).granted).toEqual([second]);
    });
  });

  describe("share confirmation through a real WidgetHost", () => {
    it("shows the real profile next to the widget's claim; keyboard Tab + Enter picks an action, and the host carries it out", async () => {
      await mount([]);
      await mounted();
      const shared = page.evaluate(() =>
        (window as unknown as Win).hostUi.share(
          [{ user_id: "@alice:example.org", display_name: "Official Support" }],
          "invite",
        ),
      );
      const card = await page.waitForSelector(
        'dialog[open][data-kind="share"] .user[data-user-id="@alice:example.org"]',
      );
      expect(await card.textContent()).toMatch(
        /The widget called this user "Official Support", but their real name is "Alice"/,
      );
      expect(await page.getAttribute('dialog[open][data-kind="share"]', "role")).toBe("alertdialog");
      // The safe choice has the focus; Tab moves to "Invite to Test room".
      expect(await focusedControl(page)).toBe("cancel");
      await page.keyboard.press("Tab");
      expect(await focusedControl(page)).toBe("invite");
      // Alice is in the room already, so the app would choose the direct message: one more Tab.
      await page.keyboard.press("Tab");
      expect(await focusedControl(page)).toBe("dm");
      await page.keyboard.press("Enter");
      expect(await shared).toBe("ok");
      const outcome = await page.evaluate(() => (window as unknown as Win).hostUi.shareOutcome());
      expect(outcome).toMatchObject({ decision: { action: "create_dm" } });
      expect(
        await page.evaluate(() => (window as unknown as Win).hostUi.driverCalls("createDirectMessage")),
      ).toHaveLength(1);
    });

    it("Escape dismisses the share and the host invites nobody", async () => {
      await mount([]);
      await mounted();
      void page.evaluate(() =>
        (window as unknown as Win).hostUi.share([{ user_id: "@alice:example.org" }], "invite"),
      );
      await page.waitForSelector('dialog[open][data-kind="share"]');
      await page.keyboard.press("Escape");
      const outcome = await page.evaluate(() => (window as unknown as Win).hostUi.shareOutcome());
      expect(outcome.decision).toEqual({ action: "dismiss" });
      expect(await page.evaluate(() => (window as unknown as Win).hostUi.driverCalls("inviteUsers"))).toEqual(
        [],
      );
    });
  });

  describe("navigation confirmation through a real WidgetHost", () => {
    it("Escape refuses (the host does not navigate); Tab + Enter on Go navigates", async () => {
      await mount(["org.matrix.msc2931.navigate"]);
      await page.waitForSelector('dialog[open][data-kind="capabilities"]');
      await page.keyboard.press("Tab"); // navigate is low risk and starts checked
      await page.keyboard.press("Tab");
      await page.keyboard.press("Tab");
      expect(await focusedControl(page)).toBe("approve");
      await page.keyboard.press("Enter");
      expect((await mounted()).granted).toEqual(["org.matrix.msc2931.navigate"]);
      const refused = page.evaluate((uri) => (window as unknown as Win).hostUi.navigate(uri), ROOM_LINK);
      await page.waitForSelector('dialog[open][data-kind="confirm"]');
      expect(await page.textContent("dialog[open]")).toMatch(
        new RegExp(`test-widget wants to take you somewhere.*Show the room ${TEST_ROOM_ID}`, "s"),
      );
      expect(await focusedControl(page)).toBe("cancel");
      await page.keyboard.press("Escape");
      expect(await refused).not.toBe("ok");
      expect(await page.evaluate(() => (window as unknown as Win).hostUi.driverCalls("navigate"))).toEqual(
        [],
      );

      const allowed = page.evaluate((uri) => (window as unknown as Win).hostUi.navigate(uri), ROOM_LINK);
      await page.waitForSelector('dialog[open][data-kind="confirm"]');
      await page.keyboard.press("Tab");
      expect(await focusedControl(page)).toBe("confirm");
      await page.keyboard.press("Enter");
      expect(await allowed).toBe("ok");
      expect(
        await page.evaluate(() => (window as unknown as Win).hostUi.driverCalls("navigate")),
      ).toHaveLength(1);
    });
  });

  describe("navigation confirmation through a real WidgetHost, when the host stops waiting", () => {
    it("closes when the widget's session ends while the user decides, and nothing navigates", async () => {
      await mount(["org.matrix.msc2931.navigate"]);
      await page.waitForSelector('dialog[open][data-kind="capabilities"]');
      await page.click('dialog[open] [data-testid="approve"]');
      await mounted();
      // The widget's own request waits out its timeout (the host is gone): nobody reads its answer.
      page
        .evaluate(() => (window as unknown as Win).hostUi.navigate("https://matrix.to/#/!room:example.org"))
        .catch(() => {});
      await page.waitForSelector('dialog[open][data-kind="confirm"]');
      await page.evaluate(() => (window as unknown as Win).hostUi.destroy());
      // The hook's signal aborted: the dialog is gone, and nothing navigated.
      await page.waitForSelector("mwk-confirm-dialog", { state: "detached", timeout: 5000 });
      expect(await page.evaluate(() => (window as unknown as Win).hostUi.driverCalls("navigate"))).toEqual(
        [],
      );
    });
  });

  describe("spoofing", () => {
    const RLO_NAME = "Bob \u202Egnp.exe";
    const ZW_NAME = "Ali\u200Bce\u2066";
    const LONG_NAME = "Support ".repeat(80);

    it("bidi overrides and zero-width characters are shown escaped and flagged, long names are cut, the MXID is always shown", async () => {
      await page.evaluate(
        ([rlo, zw, long]) =>
          (window as unknown as Win).hostUi.openShare([
            { userId: "@bob:example.org", displayName: rlo, verified: true, claimed: { displayName: rlo } },
            {
              userId: "@alice:example.org",
              displayName: "Alice",
              verified: true,
              claimed: { displayName: zw },
            },
            {
              userId: "@long:example.org",
              verified: false,
              claimed: { displayName: long },
              displayName: long,
            },
          ]),
        [RLO_NAME, ZW_NAME, LONG_NAME] as const,
      );
      await page.waitForSelector('dialog[open][data-kind="share"]');
      const cards = await page.$$eval("dialog[open] .user", (nodes) =>
        nodes.map((n) => {
          const name = n.querySelector(".name") as HTMLElement;
          const dialog = n.closest("dialog") as HTMLElement;
          return {
            id: (n as HTMLElement).dataset.userId,
            text: n.textContent ?? "",
            name: name.textContent ?? "",
            nameBidi: getComputedStyle(name).unicodeBidi,
            nameOverflow: getComputedStyle(name).textOverflow,
            nameFits: name.getBoundingClientRect().right <= dialog.getBoundingClientRect().right,
            mxid: n.querySelector(".mxid")?.textContent ?? "",
            bdis: [...n.querySelectorAll(".warning bdi")].map((b) => getComputedStyle(b).unicodeBidi),
          };
        }),
      );
      const controls = /[\u202A-\u202E\u2066-\u2069\u200B-\u200F\u2060]/u;
      for (const card of cards) {
        expect(card.text, card.id).not.toMatch(controls);
        expect(card.mxid, "the MXID is shown in full").toBe(card.id);
        expect(card.nameBidi).toBe("isolate");
        expect(card.nameFits).toBe(true);
        for (const b of card.bdis) expect(b).toBe("isolate");
      }
      const [bob, alice, long] = cards;
      expect(bob?.name).toBe("Bob \\u{202E}gnp.exe");
      expect(bob?.text).toMatch(/hidden or direction-changing characters/);
      expect(alice?.text).toContain("Ali\\u{200B}ce\\u{2066}");
      expect(alice?.text).toMatch(/hidden or direction-changing characters/);
      expect(long?.name.length).toBeLessThanOrEqual(64);
      expect(long?.name.endsWith("…")).toBe(true);
      expect(long?.nameOverflow).toBe("ellipsis");
      expect(long?.text).toMatch(/Unverified/);
    });

    it("a dialog taken out of the page, or closed by the page, still answers: the cancel answer, once", async () => {
      const target = { type: "room" as const, room: "!room:example.org", via: [] };
      for (const how of ["remove", "close"] as const) {
        await page.evaluate((t) => (window as unknown as Win).hostUi.openNavigation(t), target);
        await page.waitForSelector("mwk-confirm-dialog", { state: "attached" });
        await page.evaluate((h) => {
          const element = document.querySelector("mwk-confirm-dialog");
          if (h === "remove") element?.remove();
          else element?.shadowRoot?.querySelector("dialog")?.close();
        }, how);
        await page.waitForFunction(() => (window as unknown as Win).hostUi.lastNavigation !== undefined);
        expect(await page.evaluate(() => (window as unknown as Win).hostUi.lastNavigation)).toBe(false);
        expect(await page.$("mwk-confirm-dialog")).toBeNull();
      }
    });

    it("a second question on an element still asking is refused; the first keeps its text and gets the user's answer", async () => {
      await page.evaluate(() => (window as unknown as Win).hostUi.askTwice());
      await page.waitForFunction(() => (window as unknown as Win).hostUi.twice.second !== undefined, null, {
        timeout: 5000,
      });
      expect(await page.evaluate(() => (window as unknown as Win).hostUi.twice)).toEqual({
        second: "rejected: InvalidStateError",
      });
      expect(await page.textContent("dialog[open]")).toContain("First question");
      expect(await page.textContent("dialog[open]")).not.toContain("Second question");
      await page.keyboard.press("Tab");
      expect(await focusedControl(page)).toBe("confirm");
      await page.keyboard.press("Enter");
      await page.waitForFunction(() => (window as unknown as Win).hostUi.twice.first !== undefined);
      expect(await page.evaluate(() => (window as unknown as Win).hostUi.twice)).toEqual({
        first: "true",
        second: "rejected: InvalidStateError",
      });
      expect(await page.$("mwk-confirm-dialog")).toBeNull();
    });

    it("an element put back and asked again right after its answer keeps the new question open for the user's own answer", async () => {
      await page.evaluate(() => (window as unknown as Win).hostUi.askAgain());
      await page.keyboard.press("Tab");
      expect(await focusedControl(page)).toBe("confirm");
      await page.keyboard.press("Enter");
      await page.waitForFunction(() => (window as unknown as Win).hostUi.again.first !== undefined);
      // The first opening's close event comes a task later; it must not answer the second.
      await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)));
      expect(await page.evaluate(() => (window as unknown as Win).hostUi.again)).toEqual({ first: "true" });
      expect(await page.textContent("dialog[open]")).toContain("Second question");
      await page.keyboard.press("Tab");
      expect(await focusedControl(page)).toBe("confirm");
      await page.keyboard.press("Enter");
      await page.waitForFunction(() => (window as unknown as Win).hostUi.again.second !== undefined);
      expect(await page.evaluate(() => (window as unknown as Win).hostUi.again)).toEqual({
        first: "true",
        second: "true",
      });
    });

    it("questions asked at once open one at a time, in order: the next only when the open one is answered; one aborted while waiting never opens", async () => {
      await page.evaluate(() => (window as unknown as Win).hostUi.askAtOnce());
      const openDialogs = () =>
        page.evaluate(() =>
          [...document.body.children]
            .filter((element) => element.shadowRoot?.querySelector("dialog")?.open === true)
            .map((element) => element.shadowRoot!.querySelector("dialog")!.textContent ?? ""),
        );
      // All three are in the page, but only the first is open, and it has the focus.
      expect(
        await page.evaluate(() => document.querySelectorAll("mwk-consent-prompt, mwk-confirm-dialog").length),
      ).toBe(3);
      let open = await openDialogs();
      expect(open).toHaveLength(1);
      expect(open[0]).toContain("Question A");
      expect(await focusedHost(page)).toBe("mwk-consent-prompt");
      // The third widget's session ends while it waits: it is answered "no" and leaves the line.
      await page.evaluate(() => (window as unknown as Win).hostUi.abortWaiting());
      await page.waitForFunction(() => (window as unknown as Win).hostUi.atOnce.c !== undefined);
      expect(await page.evaluate(() => (window as unknown as Win).hostUi.atOnce)).toEqual({ c: "false" });
      expect(await openDialogs()).toHaveLength(1);
      // Answering the first opens the second, which takes the focus.
      await page.keyboard.press("Escape");
      await page.waitForFunction(() => (window as unknown as Win).hostUi.atOnce.a !== undefined);
      open = await openDialogs();
      expect(open).toHaveLength(1);
      expect(open[0]).toContain("Question B");
      expect(await focusedHost(page)).toBe("mwk-confirm-dialog");
      await page.keyboard.press("Tab");
      expect(await focusedControl(page)).toBe("confirm");
      await page.keyboard.press("Enter");
      await page.waitForFunction(() => (window as unknown as Win).hostUi.atOnce.b !== undefined);
      expect(await page.evaluate(() => (window as unknown as Win).hostUi.atOnce)).toEqual({
        a: "granted 0",
        b: "true",
        c: "false",
      });
      expect(await openDialogs()).toEqual([]);
      expect(await page.$("mwk-confirm-dialog")).toBeNull();
      expect(await page.$("mwk-consent-prompt")).toBeNull();
    });

    it("the request's abort signal closes the confirmation with a dismissal", async () => {
      const opened = await page.evaluate(() => {
        (window as unknown as Win).hostUi.openShare(
          [{ userId: "@bob:example.org", verified: true, claimed: {} }],
          {
            abortAfterMs: 200,
          },
        );
        return document.querySelector("mwk-share-confirm")?.shadowRoot?.querySelector("dialog")?.open;
      });
      expect(opened).toBe(true);
      await page.waitForFunction(() => (window as unknown as Win).hostUi.lastShare !== undefined);
      expect(await page.evaluate(() => (window as unknown as Win).hostUi.lastShare)).toEqual({
        action: "dismiss",
      });
      expect(await page.$("mwk-share-confirm")).toBeNull();
    });
  });

  describe("themes and axe", () => {
    const open = {
      consent: (o: FixtureDialogOptions) =>
        page.evaluate(([caps, opts]) => (window as unknown as Win).hostUi.openConsent(caps, opts), [
          [LOW, SENSITIVE, "m.send.state_event:m.room.power_levels", "m.read.account_data:m.direct"],
          o,
        ] as [string[], FixtureDialogOptions]),
      share: (o: FixtureDialogOptions) =>
        page.evaluate(
          (opts) =>
            (window as unknown as Win).hostUi.openShare(
              [
                {
                  userId: "@alice:example.org",
                  displayName: "Alice",
                  verified: true,
                  claimed: { displayName: "Support" },
                },
                { userId: "@ghost:example.org", verified: false, claimed: { displayName: "Ghost" } },
              ],
              opts,
            ),
          o,
        ),
      navigation: (o: FixtureDialogOptions) =>
        page.evaluate(
          (opts) =>
            (window as unknown as Win).hostUi.openNavigation(
              { type: "room", room: "#random:example.org", via: [], action: "join" },
              { ...opts, targetName: "Random" },
            ),
          o,
        ),
    };

    for (const kind of ["consent", "share", "navigation"] as const) {
      for (const theme of ["light", "dark", "auto-dark"] as const) {
        it(`axe finds no violations in the ${kind} dialog (${theme})`, async () => {
          if (theme === "auto-dark") await page.emulateMedia({ colorScheme: "dark" });
          await open[kind]({ theme: theme === "auto-dark" ? "auto" : theme });
          await page.waitForSelector("dialog[open]");
          const axe = await runAxe(page);
          expect(axe.violations).toEqual([]);
          expect(axe.contrastChecked).toBeGreaterThan(3);
          await page.keyboard.press("Escape");
        });
      }
    }

    it("dark applies with theme=dark or a dark system preference; theme=light overrides the preference", async () => {
      const background = () => page.$eval("dialog[open]", (d) => getComputedStyle(d).backgroundColor);
      await open.navigation({ theme: "light" });
      expect(await background()).toBe("rgb(255, 255, 255)");
      await page.keyboard.press("Escape");
      await open.navigation({ theme: "dark" });
      expect(await background()).toBe("rgb(28, 31, 38)");
      await page.keyboard.press("Escape");
      await page.emulateMedia({ colorScheme: "dark" });
      await open.navigation({});
      expect(await background()).toBe("rgb(28, 31, 38)");
      await page.keyboard.press("Escape");
      await open.navigation({ theme: "light" });
      expect(await background()).toBe("rgb(255, 255, 255)");
    });

    it("speaks German when asked", async () => {
      await open.consent({ locale: "de" });
      await page.waitForSelector("dialog[open]");
      expect(await page.textContent("dialog[open] h2")).toBe("Example widget bittet um Erlaubnis");
      expect(await page.textContent('dialog[open] [data-testid="approve"]')).toBe("Auswahl erlauben");
    });
  });
});
