/**
 * `matrix-widget-kit/drivers/matrix-js-sdk`: a `WidgetDriver` over a matrix-js-sdk `MatrixClient`,
 * for Matrix client applications that host widgets. matrix-js-sdk is an optional peer dependency:
 * this entry point imports only its types and uses the client you pass in.
 *
 * @example
 * ```ts
 * import { MatrixClientDriver } from "matrix-widget-kit/drivers/matrix-js-sdk";
 * const driver = new MatrixClientDriver(client, { onNavigate: (resolved) => router.open(resolved) });
 * const host = new WidgetHost({ widgetId, transport, driver, policy });
 * ```
 *
 * @module matrix-widget-kit/drivers/matrix-js-sdk
 */

export {
  MatrixClientDriver,
  type MatrixClientDriverOptions,
  type ResolvedNavigationTarget,
  type RoomMembership,
} from "./driver.js";
export { NO_RESPONSE_STATUS, toHomeserverError } from "./errors.js";
export { RTC_FOCI_WELL_KNOWN_KEY, type RtcTransportSource } from "./rtc.js";
