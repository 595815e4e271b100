import { binarySize, isBinaryData, isMxcUri } from "../../../protocol/actions/misc-schemas.js";
import {
  downloadFileAction,
  getMediaConfigAction,
  uploadFileAction,
} from "../../../protocol/actions/media.js";
import { isPlainObject } from "../../../protocol/envelope.js";
import { ErrorCode, WidgetApiError } from "../../../protocol/errors.js";
import { callDriver } from "../../call-driver.js";
import type { HostLimits } from "../../limits.js";
import { defineHostAction, type HostActionContext } from "../../registry.js";
import { malformedDriverAnswer, withDriverTimeout } from "./shared.js";

/** Largest upload accepted from a widget when the host sets no `maxUploadBytes`: 100 MiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
/** How long an upload or download may take before the request fails: 2 minutes. */
export const MEDIA_DRIVER_TIMEOUT_MS = 120_000;

/** The proposed extra limit; read from the host's limits when a host sets it. */
type MediaLimits = Readonly<HostLimits> & { readonly maxUploadBytes?: number };

function maxUploadBytes(context: HostActionContext): number {
  const limit = (context.limits as MediaLimits).maxUploadBytes;
  return typeof limit === "number" && limit >= 0 ? limit : DEFAULT_MAX_UPLOAD_BYTES;
}

/** get_media_config (MSC4039): the content repository's config. Gated by the upload capability. */
export const getMediaConfigHandler = defineHostAction({
  action: getMediaConfigAction,
  available: (driver) => typeof driver.getMediaConfig === "function",
  async handle(context) {
    const config = await callDriver(context, "reading the media configuration", (driver) =>
      driver.getMediaConfig?.(),
    );
    if (!isPlainObject(config)) throw malformedDriverAnswer("reading the media configuration");
    const size = config["m.upload.size"];
    if (size !== undefined && !(typeof size === "number" && Number.isSafeInteger(size) && size >= 0)) {
      throw malformedDriverAnswer("reading the media configuration");
    }
    return config;
  },
});

/**
 * upload_file (MSC4039). The file arrives as a Blob or ArrayBuffer by structured clone; its size is
 * read from its metadata and checked against `maxUploadBytes` before the driver sees it.
 */
export const uploadFileHandler = defineHostAction({
  action: uploadFileAction,
  // The file is bounded by limits.maxUploadBytes in the handler, not by the JSON message limit.
  acceptsBinary: true,
  available: (driver) => typeof driver.uploadFile === "function",
  async handle(context, { file }) {
    const limit = maxUploadBytes(context);
    if (binarySize(file) > limit) {
      throw new WidgetApiError(`The file is larger than the limit of ${limit} bytes`, ErrorCode.TooLarge);
    }
    const result = await callDriver(
      withDriverTimeout(context, MEDIA_DRIVER_TIMEOUT_MS),
      "uploading a file",
      (driver) => driver.uploadFile?.(file),
    );
    const contentUri: unknown = isPlainObject(result) ? result.contentUri : undefined;
    if (!isMxcUri(contentUri)) throw malformedDriverAnswer("uploading a file");
    return { content_uri: contentUri };
  },
});

/** download_file (MSC4039): a file by mxc URI. Decrypting (`encryption`) is not offered. */
export const downloadFileHandler = defineHostAction({
  action: downloadFileAction,
  available: (driver) => typeof driver.downloadFile === "function",
  async handle(context, { content_uri, timeout_ms, encryption }) {
    if (encryption !== undefined && encryption !== null) {
      throw new WidgetApiError("This client cannot decrypt downloaded files", ErrorCode.Unsupported);
    }
    const timeout = Math.max(MEDIA_DRIVER_TIMEOUT_MS, timeout_ms ?? 0);
    const result = await callDriver(withDriverTimeout(context, timeout), "downloading a file", (driver) =>
      driver.downloadFile?.(content_uri),
    );
    const file = isPlainObject(result) ? result.file : undefined;
    if (!isBinaryData(file)) throw malformedDriverAnswer("downloading a file");
    return { file };
  },
});
