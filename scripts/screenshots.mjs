#!/usr/bin/env node
// Takes the playground screenshots shown in the README and the host-ui dialogs in light and dark
// themes shown in docs/host-ui.md (docs/screenshots/*.png).
// Not part of `npm test`: run `node scripts/screenshots.mjs` after changing the playground.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { ensureChromium } from "./ensure-chromium.mjs";
import { startPlayground } from "./playground-server.mjs";

const out = join(dirname(fileURLToPath(import.meta.url)), "..", "docs", "screenshots");
mkdirSync(out, { recursive: true });
const playground = await startPlayground({ port: 0 });
const browser = await chromium.launch({
  executablePath: await ensureChromium(),
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
});

async function open(widget) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  await page.goto(`${playground.hostOrigin}/`);
  await page.waitForSelector("dialog[open]");
  if (widget !== "user-picker") {
    await page.click('dialog[open] [data-testid="deny"]');
    await page.selectOption("#widget-select", widget);
    await page.waitForSelector('dialog[open][data-kind="capabilities"]');
  }
  const frame = () => page.frames().find((f) => f.url().startsWith(playground.widgetOrigin));
  return { page, frame };
}

async function approve(page) {
  for (const box of await page.$$('dialog[open] input[type="checkbox"][data-capability]')) await box.check();
  await page.click('dialog[open] [data-testid="approve"]');
}

{
  const { page, frame } = await open("user-picker");
  await page.screenshot({ path: join(out, "consent.png") });
  await approve(page);
  await frame().waitForFunction(() => document.getElementById("status")?.textContent === "ready");
  await frame().fill("#search", "al");
  await frame().waitForSelector("#results li");
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, "user-picker.png") });
  await page.close();
}
{
  const { page, frame } = await open("impostor");
  await approve(page);
  await frame().waitForFunction(() => document.getElementById("status")?.textContent === "ready");
  await frame().click("#share");
  await page.waitForSelector('dialog[open][data-kind="share"]');
  await page.screenshot({ path: join(out, "impostor-flagged.png") });
  await page.close();
}
{
  const { page, frame } = await open("emotes");
  await approve(page);
  await frame().waitForSelector(".emote");
  await page.screenshot({ path: join(out, "emotes.png") });
  await page.close();
}
// The host-ui dialogs (docs/host-ui.md), each in the light and the dark theme. The first consent
// prompt is answered with Escape so the theme switch can be reached; reloading the widget then asks
// again in the chosen theme.
async function dialogPage(widget, theme) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
  await page.goto(`${playground.hostOrigin}/`);
  await page.waitForSelector("dialog[open]");
  await page.keyboard.press("Escape");
  await page.waitForSelector("dialog[open]", { state: "detached" });
  await page.selectOption("#theme", theme);
  if (widget === "user-picker") await page.click("#reload-widget");
  else await page.selectOption("#widget-select", widget);
  await page.waitForSelector('dialog[open][data-kind="capabilities"]');
  const frame = () => page.frames().find((f) => f.url().startsWith(playground.widgetOrigin));
  return { page, frame };
}

for (const theme of ["light", "dark"]) {
  {
    const { page } = await dialogPage("user-picker", theme);
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(out, `host-ui-consent-${theme}.png`) });
    await page.close();
  }
  {
    const { page, frame } = await dialogPage("impostor", theme);
    await approve(page);
    await frame().waitForFunction(() => document.getElementById("status")?.textContent === "ready");
    await frame().click("#share");
    await page.waitForSelector('dialog[open][data-kind="share"]');
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(out, `host-ui-share-${theme}.png`) });
    await page.close();
  }
  {
    const { page, frame } = await dialogPage("navigator", theme);
    await approve(page);
    await frame().waitForFunction(() => document.getElementById("status")?.textContent?.includes("ready"));
    await frame().click('button:text("Random (a public room you are not in)")');
    await page.waitForSelector('dialog[open][data-kind="confirm"]');
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(out, `host-ui-navigation-${theme}.png`) });
    await page.close();
  }
}
await browser.close();
await playground.close();
console.log(`Screenshots written to ${out}`);
