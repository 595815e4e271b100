import { updateDelayedEvent } from "../../../protocol/actions/events.js";
import { callDriver } from "../../call-driver.js";
import { defineHostAction } from "../../registry.js";

/**
 * MSC4157 update_delayed_event. The host checks `m.update_delayed_event` before this runs (a fixed
 * capability). `refresh`, the MSC text's spelling, means `restart`, matrix-widget-api's and
 * MSC4140's. The homeserver decides whether the delay ID exists and belongs to the user.
 */
export const updateDelayedEventHandler = defineHostAction({
  action: updateDelayedEvent,
  available: (driver) => typeof driver.updateDelayedEvent === "function",
  async handle(context, { delay_id, action }) {
    const normalised = action === "refresh" ? "restart" : action;
    await callDriver(context, "updating the delayed event", (driver) =>
      driver.updateDelayedEvent?.(delay_id, normalised),
    );
    return {};
  },
});
