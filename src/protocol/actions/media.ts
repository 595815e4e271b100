import * as v from "valibot";
import { defineAction } from "../action.js";
import { ApiVersion } from "../versions.js";
import { emptyObject } from "./schemas.js";
import { binarySchema, mxcUriSchema, sizeSchema } from "./misc-schemas.js";

/** Longest `timeout_ms` a download may ask for: 10 minutes. */
export const MAX_DOWNLOAD_TIMEOUT_MS = 600_000;

/** The widget reads the media repository's config (MSC4039; needs the upload capability). */
export const getMediaConfigAction = defineAction({
  id: "get_media_config",
  direction: "fromWidget",
  stable: "get_media_config",
  unstable: ["org.matrix.msc4039.get_media_config"],
  version: ApiVersion.MSC4039,
  capability: { fixed: "upload_file" },
  request: emptyObject,
  response: v.looseObject({ "m.upload.size": v.optional(sizeSchema) }),
});

/**
 * The widget uploads a file (MSC4039). The file travels by structured clone: it is checked by
 * type and size only, never serialised.
 */
export const uploadFileAction = defineAction({
  id: "upload_file",
  direction: "fromWidget",
  stable: "upload_file",
  unstable: ["org.matrix.msc4039.upload_file"],
  version: ApiVersion.MSC4039,
  capability: { fixed: "upload_file" },
  request: v.object({ file: binarySchema }),
  response: v.object({ content_uri: mxcUriSchema }),
});

/** The widget downloads a file by its mxc URI (MSC4039). */
export const downloadFileAction = defineAction({
  id: "download_file",
  direction: "fromWidget",
  stable: "download_file",
  unstable: ["org.matrix.msc4039.download_file"],
  version: ApiVersion.MSC4039,
  capability: { fixed: "download_file" },
  request: v.object({
    content_uri: mxcUriSchema,
    timeout_ms: v.nullish(v.pipe(sizeSchema, v.maxValue(MAX_DOWNLOAD_TIMEOUT_MS, "timeout_ms is too large"))),
    // MSC4039 lets a widget ask the client to decrypt; the driver cannot, so this is refused.
    encryption: v.nullish(v.unknown()),
  }),
  response: v.object({ file: binarySchema }),
});
