import type { HostFeature } from "./feature.js";
import { hostDirectoryFeature } from "./host-directory.js";
import { toDeviceFeature } from "./to-device.js";

/** Features of the other families (to-device feed, the host directory modals and always-on-screen use). */
export const miscHostFeatures: readonly HostFeature[] = [hostDirectoryFeature, toDeviceFeature];

// The host application's API of these families.
export {
  updateTheme,
  updateLanguage,
  setWidgetVisibility,
  takeScreenshot,
  DEFAULT_MAX_SCREENSHOT_BYTES,
  type AlwaysOnScreenRequest,
  type ScreenshotOptions,
  type WidgetUiDriver,
} from "./ui.js";
export {
  bindModal,
  type BindModalOptions,
  type ModalBinding,
  type ModalCloseReason,
  type ModalOpenRequest,
} from "./modals.js";
export { hostFor } from "./host-directory.js";
