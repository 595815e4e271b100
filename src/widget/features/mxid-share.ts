// MSC3662 mxid share, as a free function so that widgets which never share users do not bundle it.
import type { RequestOptions } from "../../core/endpoint.js";
import type { RequestInput } from "../../protocol/action.js";
import { mxidShare } from "../actions.js";
import type { WidgetSession } from "../session.js";
import { requireHostVersion } from "./listeners.js";

/**
 * A user to share: a user ID, or one with display decoration for users the homeserver may not know.
 * @category mxid share (MSC3662)
 */
export type ShareableUser = string | { user_id: string; display_name?: string; avatar_url?: string };

/**
 * Options of {@link shareUsers}.
 * @category mxid share (MSC3662)
 */
export interface ShareUsersOptions extends RequestOptions {
  /** What the widget suggests the client does with the users; the user decides. */
  hint?: "invite" | "create_room" | (string & {});
}

/**
 * Hands user IDs to the client with a hint to invite them or open a DM (MSC3662). Resolves when
 * the host has accepted the request and shown it to the user; the user's decision is not
 * reported back. Rejects if the list is empty or holds an invalid user ID.
 * @category mxid share (MSC3662)
 */
export async function shareUsers(
  client: WidgetSession,
  users: readonly ShareableUser[],
  options: ShareUsersOptions = {},
): Promise<void> {
  requireHostVersion(client, "uk.half-shot.msc3662", "mxid share");
  const { hint, ...requestOptions } = options;
  const data: RequestInput<typeof mxidShare> = {
    users: users.map((user) => (typeof user === "string" ? { user_id: user } : user)),
  };
  if (hint !== undefined) data.action_hint = hint;
  await client.request(mxidShare, data, requestOptions);
}
