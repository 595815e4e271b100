import { isNeverExposedToDeviceType } from "../../matrix/to-device.js";
import { isPlainObject } from "../../protocol/envelope.js";
import { toDeviceMessageAction } from "../../protocol/actions/to-device.js";
import type { ToDeviceEvent, WidgetDriver } from "../driver.js";
import type { HostHandle } from "../host-handle.js";
import type { HostFeature } from "./feature.js";

/**
 * MSC3819: delivers every to-device message the client receives to the widget, when the session
 * is ready and the widget holds `m.receive.to_device:<type>` for its type. Checked per message, so
 * a reload (which drops the grants) stops delivery at once. Encryption and secret-sharing types
 * (room keys, secrets, verification) are never delivered, whatever was granted: the client has
 * already decrypted them.
 */
export const toDeviceFeature: HostFeature = {
  attach(host: HostHandle, driver: WidgetDriver) {
    const watch = driver.watchToDevice;
    if (typeof watch !== "function") return () => {};
    let stop: (() => void) | undefined;
    try {
      const unsubscribe: unknown = watch.call(driver, (event) => deliverToDevice(host, event));
      if (typeof unsubscribe === "function") stop = unsubscribe as () => void;
    } catch {
      // A driver that cannot watch leaves the widget without deliveries; the host still works.
      return () => {};
    }
    return () => {
      try {
        stop?.();
      } catch {
        // Detaching must not fail the host's destroy().
      }
    };
  },
};

function deliverToDevice(host: HostHandle, event: ToDeviceEvent): void {
  if (host.state !== "ready" || typeof event !== "object" || event === null) return;
  const { type, sender, content, encrypted } = event;
  if (typeof type !== "string" || typeof sender !== "string" || !isPlainObject(content)) return;
  if (isNeverExposedToDeviceType(type) || !host.capabilities.canReceiveToDevice(type)) return;
  // A failed push shows in the host's trace events; there is nothing else to do about it.
  host
    .request(toDeviceMessageAction, { type, sender, content, encrypted: encrypted === true })
    .catch(() => {});
}
