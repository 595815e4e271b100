// MSC3973 user directory search, as a free function so that widgets which never search do not bundle it.
import type { RequestOptions } from "../../core/endpoint.js";
import type { RequestInput, ResponseData } from "../../protocol/action.js";
import { userDirectorySearch } from "../actions.js";
import type { WidgetSession } from "../session.js";
import { requireHostVersion } from "./listeners.js";

/**
 * Options of {@link searchUserDirectory}.
 * @category User directory search (MSC3973)
 */
export interface UserDirectorySearchOptions extends RequestOptions {
  /** Most results wanted; the host may cap it. */
  limit?: number;
}

/**
 * Searches the homeserver's user directory through the client (MSC3973; needs
 * `org.matrix.msc3973.user_directory_search`). `limited` in the reply says more users matched.
 * @category User directory search (MSC3973)
 */
export function searchUserDirectory(
  client: WidgetSession,
  searchTerm: string,
  options: UserDirectorySearchOptions = {},
): Promise<ResponseData<typeof userDirectorySearch>> {
  try {
    requireHostVersion(client, "org.matrix.msc3973", "user directory search");
  } catch (error) {
    return Promise.reject(error);
  }
  // The options go on as they are: the request reads only its own fields from them, and an
  // object rest to drop `limit` cost a copy on every search.
  const { limit } = options;
  const data: RequestInput<typeof userDirectorySearch> = { search_term: searchTerm };
  if (limit !== undefined) data.limit = limit;
  return client.request(userDirectorySearch, data, options);
}
