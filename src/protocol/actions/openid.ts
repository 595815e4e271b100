import * as v from "valibot";
import { defineAction } from "../action.js";
import { emptyObject } from "./schemas.js";

/** Longest OpenID access token accepted. */
export const MAX_OPENID_TOKEN_LENGTH = 4096;

/**
 * The credential fields. Their error messages never quote the value: a malformed token must not
 * reach an error message, and from there a log.
 */
const credentialFields = {
  access_token: v.optional(
    v.pipe(
      v.string("access_token must be a string"),
      v.maxLength(MAX_OPENID_TOKEN_LENGTH, "access_token is too long"),
    ),
  ),
  expires_in: v.optional(
    v.pipe(v.number("expires_in must be a number"), v.minValue(0, "expires_in must not be negative")),
  ),
  matrix_server_name: v.optional(
    v.pipe(
      v.string("matrix_server_name must be a string"),
      v.maxLength(255, "matrix_server_name is too long"),
    ),
  ),
  token_type: v.optional(
    v.pipe(v.string("token_type must be a string"), v.maxLength(64, "token_type is too long")),
  ),
};

const openIdState = v.picklist(
  ["allowed", "blocked", "request"],
  "state must be allowed, blocked or request",
);

/** The widget asks for OpenID credentials to prove the user's identity to its backend. */
export const getOpenIdAction = defineAction({
  id: "get_openid",
  direction: "fromWidget",
  stable: "get_openid",
  unstable: [],
  // MSC2764 defines no capability: the user's consent, asked by the driver, is the gate.
  capability: { dynamic: "no capability; the user approves each widget through the client's prompt" },
  request: emptyObject,
  response: v.object({ state: openIdState, ...credentialFields }),
});

/** The host reports the user's decision on an earlier get_openid that was answered `request`. */
export const openIdCredentialsAction = defineAction({
  id: "openid_credentials",
  direction: "toWidget",
  stable: "openid_credentials",
  unstable: [],
  request: v.object({
    state: openIdState,
    original_request_id: v.pipe(
      v.string("original_request_id must be a string"),
      v.maxLength(512, "original_request_id is too long"),
    ),
    ...credentialFields,
  }),
  response: emptyObject,
});

/** OpenID credentials as a widget hands them to its backend for verification. */
export interface OpenIdToken {
  /** The token the backend presents to `matrix_server_name` to learn which user it belongs to. */
  access_token: string;
  /** Seconds until the token expires; after that the widget must ask for a new one. */
  expires_in: number;
  /** The server name of the user's homeserver, the one that issued the token and can verify it. */
  matrix_server_name: string;
  /** The kind of token; homeservers following the Matrix spec send `Bearer`. */
  token_type: string;
}

/** The credentials of an `allowed` answer, or undefined when a field is missing. */
export function tokenOf(body: {
  access_token?: string | undefined;
  expires_in?: number | undefined;
  matrix_server_name?: string | undefined;
  token_type?: string | undefined;
}): OpenIdToken | undefined {
  const { access_token, expires_in, matrix_server_name, token_type } = body;
  if (
    typeof access_token !== "string" ||
    typeof expires_in !== "number" ||
    typeof matrix_server_name !== "string" ||
    typeof token_type !== "string"
  ) {
    return undefined;
  }
  return { access_token, expires_in, matrix_server_name, token_type };
}
