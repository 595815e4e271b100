import * as v from "valibot";
import { defineAction } from "../action.js";
import { ApiVersion } from "../versions.js";
import { emptyObject } from "./schemas.js";

/** Most URIs one TURN update may carry. */
export const MAX_TURN_URIS = 32;

/** One TURN update. The password is a credential: messages never quote received values. */
const turnServerSchema = v.object({
  uris: v.pipe(
    v.array(
      v.pipe(v.string("uris must be strings"), v.maxLength(1024, "a TURN URI is too long")),
      "uris must be an array",
    ),
    v.maxLength(MAX_TURN_URIS, "too many TURN URIs"),
  ),
  username: v.pipe(v.string("username must be a string"), v.maxLength(1024, "username is too long")),
  password: v.pipe(v.string("password must be a string"), v.maxLength(1024, "password is too long")),
});

/** The widget asks to be kept up to date with TURN servers (MSC3846, capability `m.turn_servers`). */
export const watchTurnServersAction = defineAction({
  id: "watch_turn_servers",
  direction: "fromWidget",
  stable: "watch_turn_servers",
  unstable: [],
  version: ApiVersion.MSC3846,
  capability: { fixed: "turn_servers" },
  request: emptyObject,
  response: emptyObject,
});

/** The widget stops TURN server updates (MSC3846). */
export const unwatchTurnServersAction = defineAction({
  id: "unwatch_turn_servers",
  direction: "fromWidget",
  stable: "unwatch_turn_servers",
  unstable: [],
  version: ApiVersion.MSC3846,
  capability: { fixed: "turn_servers" },
  request: emptyObject,
  response: emptyObject,
});

/** The host sends the current TURN servers to a watching widget (MSC3846). */
export const updateTurnServersAction = defineAction({
  id: "update_turn_servers",
  direction: "toWidget",
  stable: "update_turn_servers",
  unstable: [],
  version: ApiVersion.MSC3846,
  request: turnServerSchema,
  response: emptyObject,
});

/** TURN servers as the widget receives them. */
export type TurnServerUpdate = v.InferOutput<typeof turnServerSchema>;

/** Whether a value is a well-formed TURN update. */
export function isTurnServerUpdate(value: unknown): value is TurnServerUpdate {
  return v.is(turnServerSchema, value);
}
