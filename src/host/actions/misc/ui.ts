import { describeThrown } from "../../../core/describe.js";
import { sendStickerAction, setAlwaysOnScreenAction } from "../../../protocol/actions/ui.js";
import { callDriver } from "../../call-driver.js";
import type { RateLimit } from "../../limits.js";
import { defineHostAction } from "../../registry.js";
import { hostFor } from "../../features/host-directory.js";
import type { WidgetUiDriver } from "../../driver.js";
import { malformedDriverAnswer, refused } from "./shared.js";

/** Stickers: a burst of 10, then one a second. */
export const STICKER_RATE_LIMIT: RateLimit = { burst: 10, perSecond: 1 };

/**
 * m.sticker (MSC2764): posts an m.sticker event to the room the user is viewing. The body is the
 * sticker's name (its description when the name is empty); url and info are copied after
 * validation, so nothing else the widget sent reaches the event.
 */
export const sendStickerHandler = defineHostAction({
  action: sendStickerAction,
  available: (driver) => typeof driver.sendEvent === "function",
  async handle(context, { name, description, content }) {
    const roomId = context.viewedRoomId;
    if (roomId === undefined) throw refused("No room is being viewed to send the sticker to");
    context.rateLimit("sticker", STICKER_RATE_LIMIT);
    const event: Record<string, unknown> = {
      body: name !== "" ? name : (description ?? ""),
      url: content.url,
    };
    if (content.info !== undefined && content.info !== null) event.info = content.info;
    await callDriver(
      context,
      "sending a sticker",
      (driver, signal) => driver.sendEvent?.("m.sticker", event, { roomId, signal }),
      true,
    );
    return {};
  },
});

interface OnScreenState {
  value: boolean;
}
const onScreenKey = Symbol("always-on-screen");

/**
 * set_always_on_screen (MSC2764): asks the app's driver to keep the widget on screen, replying
 * whether it did. When the session ends with the widget kept on screen, or the host app revokes
 * `m.always_on_screen` (`WidgetHost.revokeCapabilities`), the driver is told to stop.
 */
export const setAlwaysOnScreenHandler = defineHostAction({
  action: setAlwaysOnScreenAction,
  available: (driver) => typeof (driver as WidgetUiDriver).setAlwaysOnScreen === "function",
  async handle(context, { value }) {
    const { widget, session, driver, logger } = context;
    const host = hostFor(widget);
    const success = await callDriver(context, "keeping the widget on screen", (d) =>
      (d as WidgetUiDriver).setAlwaysOnScreen?.({ widget, host, value }),
    );
    if (typeof success !== "boolean") throw malformedDriverAnswer("keeping the widget on screen");
    if (success) {
      let state = session.values.get(onScreenKey) as OnScreenState | undefined;
      if (!state) {
        const created: OnScreenState = { value: false };
        state = created;
        session.values.set(onScreenKey, created);
        const takeOffScreen = () => {
          if (!created.value) return;
          created.value = false;
          const stop = (driver as WidgetUiDriver).setAlwaysOnScreen;
          try {
            void stop?.call(driver, { widget, host, value: false })?.catch((error: unknown) => {
              logger.warn(`Could not take the widget off screen: ${describeThrown(error)}`);
            });
          } catch (error) {
            logger.warn(`Could not take the widget off screen: ${describeThrown(error)}`);
          }
        };
        // A revoked grant ends what it allowed: the widget is no longer kept on screen.
        const stopListening = host?.on("capabilities", () => {
          if (!context.capabilities.hasFixed("always_on_screen")) takeOffScreen();
        });
        session.onEnd(() => {
          stopListening?.();
          takeOffScreen();
        });
      }
      state.value = value;
    }
    return { success };
  },
});
