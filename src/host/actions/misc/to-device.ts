import { isNeverExposedToDeviceType } from "../../../matrix/to-device.js";
import { countTargets, sendToDeviceAction } from "../../../protocol/actions/to-device.js";
import { ErrorCode, WidgetApiError } from "../../../protocol/errors.js";
import { callDriver } from "../../call-driver.js";
import { defineHostAction } from "../../registry.js";
import { withDriverTimeout } from "./shared.js";

/**
 * How long the driver may take to send to-device messages. MSC3819 asks widgets to wait at least
 * 60 s (encrypting for many devices is slow); the host gives up a little earlier so the widget
 * gets a clear error instead of its own timeout.
 */
export const TO_DEVICE_DRIVER_TIMEOUT_MS = 55_000;

/**
 * MSC3819: sends to-device messages of an approved type. Encryption and secret-sharing types are
 * refused even if a grant for them somehow exists (they are never grantable).
 */
export const sendToDeviceHandler = defineHostAction({
  action: sendToDeviceAction,
  available: (driver) => typeof driver.sendToDevice === "function",
  async handle(context, { type, encrypted, messages }) {
    if (!context.capabilities.canSendToDevice(type)) {
      throw new WidgetApiError(
        `Missing capability to send to-device messages of type ${type}`,
        ErrorCode.MissingCapability,
      );
    }
    if (isNeverExposedToDeviceType(type)) {
      throw new WidgetApiError(
        `To-device messages of type ${type} are never sent for widgets`,
        ErrorCode.Refused,
      );
    }
    // Nothing to deliver: answered without bothering the client.
    if (countTargets(messages) === 0) return {};
    await callDriver(
      withDriverTimeout(context, TO_DEVICE_DRIVER_TIMEOUT_MS),
      "sending to-device messages",
      (driver) => driver.sendToDevice?.(type, encrypted, messages),
    );
    return {};
  },
});
