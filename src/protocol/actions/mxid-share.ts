import * as v from "valibot";
import { defineAction } from "../action.js";
import { ApiVersion } from "../versions.js";
import { emptyObject } from "./schemas.js";

/** Most users one share request may carry. */
export const MAX_SHARED_USERS = 50;
/** Longest display name or avatar URL accepted as decoration. */
export const MAX_SHARE_DECORATION_LENGTH = 1024;

/**
 * Builds the request schema. The widget's copy checks shapes only; the host passes the Matrix
 * user-ID grammar as `isUserId` (src/host/actions/mxid-share.ts), so widget bundles do not carry
 * the identifier grammar just to send a share, and the host's errors still name the field.
 */
export function shareRequestSchema(isUserId: (id: string) => boolean = () => true) {
  const sharedUser = v.object({
    user_id: v.pipe(
      v.string("user_id must be a string"),
      v.maxLength(1024, "user_id is too long"),
      v.check(isUserId, "user_id is not a valid Matrix user ID"),
    ),
    display_name: v.nullish(v.pipe(v.string(), v.maxLength(MAX_SHARE_DECORATION_LENGTH))),
    avatar_url: v.nullish(v.pipe(v.string(), v.maxLength(MAX_SHARE_DECORATION_LENGTH))),
  });
  return v.object({
    users: v.pipe(
      v.array(sharedUser, "users must be an array"),
      v.minLength(1, "users must not be empty"),
      v.maxLength(MAX_SHARED_USERS, `users must not hold more than ${MAX_SHARED_USERS} entries`),
    ),
    action_hint: v.nullish(v.pipe(v.string("action_hint must be a string"), v.maxLength(256))),
  });
}

/**
 * The widget hands the client some user IDs with a hint to invite them or open a DM (MSC3662).
 * The client looks up real profiles and always asks the user first. The reply is an ack that the
 * request was accepted and shown, not the user's decision (see docs/decisions.md). No capability
 * is needed unless the host opts in; the user's consent on every share is the gate.
 */
export const mxidShare = defineAction({
  id: "mxid_share",
  direction: "fromWidget",
  stable: "mxid_share",
  unstable: ["uk.half-shot.msc3662.mxid_share", "uk.half-shot.mscXXXX.mxid_share"],
  version: ApiVersion.MSC3662,
  capability: {
    dynamic: "none, as MSC3662 names none; `mxid_share` when the host's policy sets `requireShareCapability`",
  },
  request: shareRequestSchema(),
  response: emptyObject,
});

/** One user as the widget shares it. */
export type SharedUser = v.InferOutput<ReturnType<typeof shareRequestSchema>>["users"][number];
