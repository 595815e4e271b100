import * as v from "valibot";
import { defineAction } from "../action.js";
import { ApiVersion } from "../versions.js";
import { emptyObject } from "./schemas.js";

/** Longest link accepted by navigate; real permalinks are far shorter. */
export const MAX_NAVIGATE_URI_LENGTH = 4096;

/** The widget asks the client to open a matrix.to link or a `matrix:` URI (MSC2931). */
export const navigate = defineAction({
  id: "navigate",
  direction: "fromWidget",
  stable: "navigate",
  unstable: ["org.matrix.msc2931.navigate"],
  version: ApiVersion.MSC2931,
  capability: { fixed: "navigate" },
  request: v.object({
    uri: v.pipe(v.string("uri must be a string"), v.maxLength(MAX_NAVIGATE_URI_LENGTH, "uri is too long")),
  }),
  response: emptyObject,
});
