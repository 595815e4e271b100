import * as v from "valibot";
import { defineAction } from "../action.js";
import { ApiVersion } from "../versions.js";
import { peerLimit } from "./schemas.js";

/** Longest search term accepted. */
export const MAX_SEARCH_TERM_LENGTH = 1024;

const directoryUser = v.object({
  user_id: v.string(),
  display_name: v.nullish(v.string()),
  avatar_url: v.nullish(v.string()),
});

/** The widget searches the homeserver's user directory through the client (MSC3973). */
export const userDirectorySearch = defineAction({
  id: "user_directory_search",
  direction: "fromWidget",
  stable: "user_directory_search",
  unstable: ["org.matrix.msc3973.user_directory_search"],
  version: ApiVersion.MSC3973,
  capability: { fixed: "user_directory_search" },
  request: v.object({
    search_term: v.pipe(
      v.string("search_term must be a string"),
      v.maxLength(MAX_SEARCH_TERM_LENGTH, "search_term is too long"),
    ),
    limit: v.nullish(peerLimit),
  }),
  response: v.object({
    limited: v.boolean(),
    results: v.array(directoryUser),
  }),
});

/** One user in a directory search reply. */
export type DirectoryUser = v.InferOutput<typeof directoryUser>;
