import { userDirectorySearch, type DirectoryUser } from "../../protocol/actions/user-directory.js";
import { ErrorCode, WidgetApiError } from "../../protocol/errors.js";
import { callDriver } from "../call-driver.js";
import type { DirectorySearchResult } from "../driver.js";
import { defineHostAction } from "../registry.js";

/**
 * MSC3973 user directory search. `limit` is clamped to the host maximum (50 by default); the
 * reply always carries both `limited` and `results`, and never more results than the limit.
 */
export const userDirectorySearchHandler = defineHostAction({
  action: userDirectorySearch,
  available: (driver) => typeof driver.searchUserDirectory === "function",
  // Not async: an async handler around the driver's promise cost one more promise, and its hops,
  // on every search. A throw here (the rate limit) is an error reply all the same.
  handle(context, { search_term, limit }) {
    context.rateLimit("directorySearch", context.limits.directorySearch);
    const max = context.limits.maxDirectorySearchLimit;
    const effectiveLimit = limit == null ? undefined : Math.min(limit, max);
    return callDriver(context, "searching the user directory", (driver) =>
      driver.searchUserDirectory?.(search_term, effectiveLimit),
    ).then((result) => toWire(result, effectiveLimit ?? max));
  },
});

function toWire(result: DirectorySearchResult, cap: number): { limited: boolean; results: DirectoryUser[] } {
  if (typeof result !== "object" || result === null || !Array.isArray(result.results)) {
    throw new WidgetApiError("The client returned a malformed directory result", ErrorCode.Internal);
  }
  const results: DirectoryUser[] = [];
  for (const user of result.results) {
    if (typeof user !== "object" || user === null || typeof user.userId !== "string") {
      throw new WidgetApiError("The client returned a malformed directory result", ErrorCode.Internal);
    }
    if (results.length >= cap) break;
    const entry: DirectoryUser = { user_id: user.userId };
    if (typeof user.displayName === "string") entry.display_name = user.displayName;
    if (typeof user.avatarUrl === "string") entry.avatar_url = user.avatarUrl;
    results.push(entry);
  }
  return { limited: result.limited === true || results.length < result.results.length, results };
}
