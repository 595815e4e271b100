import type { HostActionRegistration } from "../../registry.js";
import { downloadFileHandler, getMediaConfigHandler, uploadFileHandler } from "./media.js";
import { closeModalHandler, openModalHandler, setButtonEnabledHandler } from "./modals.js";
import { getOpenIdHandler } from "./openid.js";
import { readRoomAccountDataHandler } from "./room-account-data.js";
import { delegateDelayedLeaveHandler, getLivekitTokenHandler, getRtcTransportsHandler } from "./rtc.js";
import { sendToDeviceHandler } from "./to-device.js";
import { unwatchTurnServersHandler, watchTurnServersHandler } from "./turn.js";
import { sendStickerHandler, setAlwaysOnScreenHandler } from "./ui.js";

/** Host handlers of the other matrix-widget-api families. */
export const miscHostActions: readonly HostActionRegistration[] = [
  sendToDeviceHandler,
  getOpenIdHandler,
  sendStickerHandler,
  setAlwaysOnScreenHandler,
  openModalHandler,
  setButtonEnabledHandler,
  closeModalHandler,
  watchTurnServersHandler,
  unwatchTurnServersHandler,
  getMediaConfigHandler,
  uploadFileHandler,
  downloadFileHandler,
  readRoomAccountDataHandler,
  getRtcTransportsHandler,
  getLivekitTokenHandler,
  delegateDelayedLeaveHandler,
];
