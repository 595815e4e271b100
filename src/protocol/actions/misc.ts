import type { AnyActionDescriptor } from "../action.js";
import { getMediaConfigAction, downloadFileAction, uploadFileAction } from "./media.js";
import {
  buttonClickedAction,
  closeModalAction,
  modalClosedAction,
  openModalAction,
  setButtonEnabledAction,
  widgetConfigAction,
} from "./modals.js";
import { getOpenIdAction, openIdCredentialsAction } from "./openid.js";
import { readRoomAccountDataAction } from "./room-account-data.js";
import {
  getRtcTransportsAction,
  rtcLivekitDelegateDelayedLeaveAction,
  rtcLivekitGetTokenAction,
} from "./rtc.js";
import { sendToDeviceAction, toDeviceMessageAction } from "./to-device.js";
import { unwatchTurnServersAction, updateTurnServersAction, watchTurnServersAction } from "./turn.js";
import {
  languageChangeAction,
  screenshotAction,
  sendStickerAction,
  setAlwaysOnScreenAction,
  themeChangeAction,
  visibilityAction,
} from "./ui.js";

/**
 * Every other matrix-widget-api family (to-device, openid, modals, UI, TURN, media, room account
 * data, MatrixRTC), keyed by id. Each key equals its descriptor's `id` (a unit test checks this).
 */
export const MISC_ACTIONS = {
  "send_to_device (fromWidget)": sendToDeviceAction,
  "send_to_device (toWidget)": toDeviceMessageAction,
  get_openid: getOpenIdAction,
  openid_credentials: openIdCredentialsAction,
  "m.sticker": sendStickerAction,
  set_always_on_screen: setAlwaysOnScreenAction,
  theme_change: themeChangeAction,
  language_change: languageChangeAction,
  visibility: visibilityAction,
  screenshot: screenshotAction,
  open_modal: openModalAction,
  widget_config: widgetConfigAction,
  button_clicked: buttonClickedAction,
  set_button_enabled: setButtonEnabledAction,
  "close_modal (fromWidget)": closeModalAction,
  "close_modal (toWidget)": modalClosedAction,
  watch_turn_servers: watchTurnServersAction,
  unwatch_turn_servers: unwatchTurnServersAction,
  update_turn_servers: updateTurnServersAction,
  get_media_config: getMediaConfigAction,
  upload_file: uploadFileAction,
  download_file: downloadFileAction,
  "com.beeper.read_room_account_data": readRoomAccountDataAction,
  get_rtc_transports: getRtcTransportsAction,
  rtc_livekit_get_token: rtcLivekitGetTokenAction,
  rtc_livekit_delegate_delayed_leave: rtcLivekitDelegateDelayedLeaveAction,
} as const satisfies Record<string, AnyActionDescriptor>;

export { isMxcUri, isBinaryData, type BinaryData } from "./misc-schemas.js";
export * from "./to-device.js";
export * from "./openid.js";
export * from "./ui.js";
export * from "./modals.js";
export * from "./turn.js";
export * from "./media.js";
export * from "./room-account-data.js";
export * from "./rtc.js";
