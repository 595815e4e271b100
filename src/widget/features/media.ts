import type { RequestOptions } from "../../core/endpoint.js";
import type { ResponseData } from "../../protocol/action.js";
import { downloadFileAction, getMediaConfigAction, uploadFileAction } from "../../protocol/actions/media.js";
import type { BinaryData } from "../../protocol/actions/misc-schemas.js";
import type { WidgetSession } from "../session.js";
import { requireHostVersion } from "./listeners.js";

export type { BinaryData } from "../../protocol/actions/misc-schemas.js";

/**
 * Default wait for an upload or a download: 2 minutes (files can be large).
 * @category Media
 */
export const MEDIA_TIMEOUT_MS = 120_000;

/**
 * Reads the content repository's config, e.g. `m.upload.size` (MSC4039; needs the upload capability).
 * @category Media
 */
export async function getMediaConfig(
  client: WidgetSession,
  options?: RequestOptions,
): Promise<ResponseData<typeof getMediaConfigAction>> {
  requireHostVersion(client, "org.matrix.msc4039", "media");
  return client.request(getMediaConfigAction, {}, options);
}

/**
 * Uploads a file through the client (MSC4039; needs `m.upload_file`) and resolves with its mxc
 * URI. The file is passed by structured clone, not serialised.
 * @category Media
 */
export async function uploadFile(
  client: WidgetSession,
  file: Blob | ArrayBuffer | ArrayBufferView,
  options?: RequestOptions,
): Promise<string> {
  requireHostVersion(client, "org.matrix.msc4039", "media");
  const { content_uri } = await client.request(
    uploadFileAction,
    { file },
    { timeoutMs: MEDIA_TIMEOUT_MS, ...options },
  );
  return content_uri;
}

/**
 * Downloads a file by its mxc URI through the client (MSC4039; needs `m.download_file`). With
 * `timeoutMs`, the client is told how long to wait for a file still being uploaded.
 * @category Media
 */
export async function downloadFile(
  client: WidgetSession,
  contentUri: string,
  options: RequestOptions = {},
): Promise<BinaryData> {
  requireHostVersion(client, "org.matrix.msc4039", "media");
  const data: { content_uri: string; timeout_ms?: number } = { content_uri: contentUri };
  if (options.timeoutMs !== undefined) data.timeout_ms = options.timeoutMs;
  const { file } = await client.request(downloadFileAction, data, {
    timeoutMs: MEDIA_TIMEOUT_MS,
    ...options,
  });
  return file;
}
