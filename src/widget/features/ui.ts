import type { RequestOptions } from "../../core/endpoint.js";
import type { RequestInput } from "../../protocol/action.js";
import {
  languageChangeAction,
  screenshotAction,
  sendStickerAction,
  setAlwaysOnScreenAction,
  themeChangeAction,
  visibilityAction,
  type StickerRequest,
} from "../../protocol/actions/ui.js";
import type { JsonObject } from "../../protocol/envelope.js";
import type { WidgetSession } from "../session.js";
import { addPushListener } from "./listeners.js";

export type { StickerRequest } from "../../protocol/actions/ui.js";

/**
 * Sends a sticker into the room the user is viewing (needs `m.sticker`). `content.url` must be an
 * mxc URI; the client uses `name` as the event's body.
 * @category Theme, language and UI
 */
export async function sendSticker(
  client: WidgetSession,
  sticker: StickerRequest,
  options?: RequestOptions,
): Promise<void> {
  const data: RequestInput<typeof sendStickerAction> = sticker;
  await client.request(sendStickerAction, data, options);
}

/**
 * Asks the client to keep the widget on screen when the user leaves its room, or to stop (needs
 * `m.always_on_screen`). Resolves with whether the client did it. A reply without `success` counts
 * as done: Element Web acknowledges with `{}` once the widget is on screen (and refuses with an
 * error otherwise).
 * @category Theme, language and UI
 */
export async function setAlwaysOnScreen(
  client: WidgetSession,
  value: boolean,
  options?: RequestOptions,
): Promise<boolean> {
  const { success } = await client.request(setAlwaysOnScreenAction, { value }, options);
  return success ?? true;
}

/**
 * Calls `listener` with the client's theme data whenever it changes (`theme_change`, MSC2873).
 * The format is the client's own. Returns a function that stops listening.
 * @category Theme, language and UI
 */
export function onThemeChange(client: WidgetSession, listener: (theme: JsonObject) => void): () => void {
  return addPushListener(client, themeChangeAction, listener);
}

/**
 * Calls `listener` with the user's language (a BCP 47 tag, underscores allowed) whenever it
 * changes (`language_change`, MSC2873). Returns a function that stops listening.
 * @category Theme, language and UI
 */
export function onLanguageChange(client: WidgetSession, listener: (lang: string) => void): () => void {
  return addPushListener(client, languageChangeAction, ({ lang }) => listener(lang));
}

/**
 * Calls `listener` whenever the client says the widget became visible or hidden (`visibility`).
 * A widget that was told nothing is visible. Returns a function that stops listening.
 * @category Theme, language and UI
 */
export function onVisibilityChange(client: WidgetSession, listener: (visible: boolean) => void): () => void {
  return addPushListener(client, visibilityAction, ({ visible }) => listener(visible));
}

/**
 * Answers the client's screenshot requests with `capture()` (the widget must hold
 * `m.capability.screenshot`). Replaces an earlier provider; returns a function that removes it.
 * @category Theme, language and UI
 */
export function provideScreenshots(client: WidgetSession, capture: () => Blob | Promise<Blob>): () => void {
  return client.handle(screenshotAction, async () => ({ screenshot: await capture() }));
}
