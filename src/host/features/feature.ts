import type { WidgetDriver } from "../driver.js";
import type { HostHandle } from "../host-handle.js";

/**
 * A part of the host that lives beside the request handlers: it watches the host's events
 * (`ready`, `capabilities`, `sessionEnded`) and the driver's feeds, and pushes toWidget requests
 * through `host.request`. Attached once per WidgetHost; the returned function detaches it.
 */
export interface HostFeature {
  /** API versions the host advertises because of this feature. */
  readonly versions?: readonly string[];
  /** API versions this feature adds, given what the driver can do. */
  versionsFor?(driver: WidgetDriver): readonly string[];
  /**
   * Starts the feature on `host`, which acts through `driver`. Called once, as the WidgetHost is
   * made; the returned function is called on `destroy` and must undo all that `attach` set up.
   */
  attach(host: HostHandle, driver: WidgetDriver): () => void;
}
