/**
 * MatrixRTC for the matrix-js-sdk driver: where the transports (MSC4515) come from, and the
 * homeserver's LiveKit endpoints (MSC4533 over MSC4195). Kept apart from driver.ts because the
 * discovery has a fallback chain of its own.
 */

import type { MatrixClient, Method } from "matrix-js-sdk";
import type { Logger } from "../../core/logger.js";
import type {
  DelayedLeaveDelegation,
  LivekitTokenRequest,
  RtcMember,
  RtcTransport,
} from "../../host/driver.js";
import { HomeserverError } from "../../host/matrix-error.js";
import { ErrorCode, WidgetApiError } from "../../protocol/errors.js";
import { toHomeserverError } from "./errors.js";

/** A value or a promise of it. */
type Awaitable<T> = T | Promise<T>;

/**
 * Where {@link MatrixClientDriver} takes MatrixRTC transports from (MSC4515):
 * - `"homeserver"` (default): the homeserver's MSC4143 endpoint, else the client well-known's
 *   `org.matrix.msc4143.rtc_foci`;
 * - a list, or a function returning one: the application's own foci (for example from its config),
 *   used as they are;
 * - `"none"`: the driver has no `getRtcTransports`, so the host does not advertise MSC4515.
 */
export type RtcTransportSource =
  "homeserver" | "none" | readonly RtcTransport[] | (() => Awaitable<readonly RtcTransport[]>);

/** The well-known key that lists MatrixRTC foci (MSC4143). */
export const RTC_FOCI_WELL_KNOWN_KEY = "org.matrix.msc4143.rtc_foci";
/** Prefix of the unstable MSC4143 transports endpoint, as matrix-js-sdk 43 calls it. */
export const RTC_TRANSPORTS_PREFIX = "/_matrix/client/unstable/org.matrix.msc4143";

const GET = "GET" as Method.Get;

/**
 * Most transports the host relays (`MAX_RTC_TRANSPORTS` of the get_rtc_transports action),
 * repeated here so that this entry point does not bundle the protocol's schema library.
 */
const MAX_RTC_TRANSPORTS = 64;

/** The client methods this module uses that older matrix-js-sdk versions may lack. */
interface RtcClient {
  _unstable_getRTCTransports?(): Promise<unknown>;
  _unstable_getLivekitToken?(body: Record<string, unknown>): Promise<unknown>;
  _unstable_delegateDelayedLeave?(body: Record<string, unknown>): Promise<unknown>;
}

/**
 * True for a failure that means "this endpoint does not exist here": any 404 (a reverse proxy's
 * bare 404 included; the endpoint has no resource that could be missing otherwise) or
 * `M_UNRECOGNIZED` with any status (some servers answer 400 or 405).
 */
export function isMissingEndpoint(error: unknown): boolean {
  const converted = toHomeserverError(error);
  return (
    converted instanceof HomeserverError &&
    (converted.details.httpStatus === 404 || converted.details.errcode === "M_UNRECOGNIZED")
  );
}

/**
 * Keeps the entries of a transports list that are objects with a non-empty string `type`, copied,
 * at most {@link MAX_RTC_TRANSPORTS}. A malformed entry is skipped rather than failing the whole
 * answer, since the host refuses a reply with any malformed entry.
 */
export function toTransports(list: unknown): RtcTransport[] {
  if (!Array.isArray(list)) return [];
  const transports: RtcTransport[] = [];
  for (const entry of list) {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) continue;
    const type: unknown = (entry as Record<string, unknown>)["type"];
    if (typeof type !== "string" || type.length === 0) continue;
    transports.push(structuredClone(entry) as RtcTransport);
    if (transports.length === MAX_RTC_TRANSPORTS) break;
  }
  return transports;
}

/**
 * The homeserver's transports: `GET {RTC_TRANSPORTS_PREFIX}/rtc/transports` (through the SDK's
 * `_unstable_getRTCTransports` when it has one). When the endpoint does not exist, or answers
 * without a list (Synapse does when no transport is configured), the client well-known's foci.
 * HomeserverError for any other failure of the endpoint.
 */
export async function homeserverRtcTransports(
  client: MatrixClient,
  wellKnownUrl: string | undefined,
  logger: Logger,
): Promise<RtcTransport[]> {
  let listed: unknown;
  try {
    const sdk = client as unknown as RtcClient;
    listed =
      typeof sdk._unstable_getRTCTransports === "function"
        ? await sdk._unstable_getRTCTransports()
        : (
            await client.http.authedRequest<Record<string, unknown>>(
              GET,
              "/rtc/transports",
              undefined,
              undefined,
              {
                prefix: RTC_TRANSPORTS_PREFIX,
              },
            )
          )["rtc_transports"];
  } catch (error) {
    if (!isMissingEndpoint(error)) throw toHomeserverError(error);
    listed = undefined;
  }
  if (Array.isArray(listed)) return toTransports(listed);
  return toTransports(await wellKnownFoci(client, wellKnownUrl, logger));
}

/**
 * The client well-known's `org.matrix.msc4143.rtc_foci`: from `wellKnownUrl` when given, else the
 * copy the client polls (`clientWellKnownPollPeriod`), else fetched from
 * `https://{server name}/.well-known/matrix/client`. The fetch carries no access token. A
 * well-known that is absent or unreachable means no foci (logged when it failed): the well-known is
 * optional, and the endpoint already said the homeserver lists none.
 */
async function wellKnownFoci(
  client: MatrixClient,
  wellKnownUrl: string | undefined,
  logger: Logger,
): Promise<unknown> {
  let url = wellKnownUrl;
  if (url === undefined) {
    const polled: unknown = client.getClientWellKnown();
    if (isObject(polled)) return polled[RTC_FOCI_WELL_KNOWN_KEY];
    const domain = client.getDomain();
    if (domain === null) return undefined;
    url = `https://${domain}/.well-known/matrix/client`;
  }
  try {
    const wellKnown: unknown = await client.http.requestOtherUrl<unknown>(GET, url);
    return isObject(wellKnown) ? wellKnown[RTC_FOCI_WELL_KNOWN_KEY] : undefined;
  } catch (error) {
    const converted = toHomeserverError(error);
    const absent = converted instanceof HomeserverError && converted.details.httpStatus === 404;
    if (!absent) {
      const reason =
        converted instanceof HomeserverError ? `HTTP ${converted.details.httpStatus}` : "an error";
      logger.warn(`The client well-known could not be read (${reason}); no MatrixRTC foci from it`);
    }
    return undefined;
  }
}

/**
 * True for a failure that means "this endpoint does not exist here", for endpoints whose 404 can
 * also be a real answer (`delegate_delayed_leave` answers `M_NOT_FOUND` for an unknown delay ID):
 * `M_UNRECOGNIZED` with any status, or a 404 or 405 without a Matrix error body (a reverse proxy).
 */
function isUnrecognisedEndpoint(error: unknown): boolean {
  const converted = toHomeserverError(error);
  if (!(converted instanceof HomeserverError)) return false;
  const { httpStatus, errcode } = converted.details;
  return (
    errcode === "M_UNRECOGNIZED" || ((httpStatus === 404 || httpStatus === 405) && errcode === "M_UNKNOWN")
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Prefix of the unstable MSC4195 LiveKit endpoints, as matrix-js-sdk 43 calls them. */
export const LIVEKIT_PREFIX = "/_matrix/client/unstable/io.element.msc4195";

const POST = "POST" as Method.Post;

/** The MSC4195 body fields naming the MatrixRTC member. */
function memberBody(member: RtcMember): Record<string, unknown> {
  return member.claimedDeviceId === undefined
    ? { id: member.id }
    : { id: member.id, claimed_device_id: member.claimedDeviceId };
}

/** The SDK method that calls each MSC4195 endpoint, where the SDK has one. */
const SDK_LIVEKIT_METHODS = {
  "/rtc/livekit/get_token": "_unstable_getLivekitToken",
  "/rtc/livekit/delegate_delayed_leave": "_unstable_delegateDelayedLeave",
} as const;

/**
 * Calls an MSC4195 endpoint through the SDK's method (the request itself on SDKs without one); a
 * missing endpoint becomes `unsupported` naming what is missing.
 */
async function callLivekitEndpoint(
  client: MatrixClient,
  path: keyof typeof SDK_LIVEKIT_METHODS,
  body: Record<string, unknown>,
  what: string,
): Promise<Record<string, unknown>> {
  try {
    const sdk = client as unknown as RtcClient;
    const method = sdk[SDK_LIVEKIT_METHODS[path]];
    const answer: unknown =
      typeof method === "function"
        ? await method.call(client, body)
        : await client.http.authedRequest<unknown>(POST, path, undefined, body, { prefix: LIVEKIT_PREFIX });
    return isObject(answer) ? answer : {};
  } catch (error) {
    if (isUnrecognisedEndpoint(error)) {
      throw new WidgetApiError(
        `The homeserver does not offer ${what} (MSC4195 ${path} is missing)`,
        ErrorCode.Unsupported,
      );
    }
    throw toHomeserverError(error);
  }
}

/**
 * A LiveKit JWT from the homeserver (`POST .../io.element.msc4195/rtc/livekit/get_token`), which
 * checks the room membership and forwards to a remote server when `serverName` names one.
 * @throws WidgetApiError `unsupported` when the homeserver lacks the endpoint; HomeserverError for
 * its refusals (403 not joined, 400 `M_INVALID_PARAM` for an SFU it does not know).
 */
export async function homeserverLivekitToken(
  client: MatrixClient,
  request: LivekitTokenRequest,
): Promise<{ jwt: string }> {
  const answer = await callLivekitEndpoint(
    client,
    "/rtc/livekit/get_token",
    {
      url: request.url,
      room_id: request.roomId,
      slot_id: request.slotId,
      member: memberBody(request.member),
      server_name: request.serverName,
    },
    "LiveKit tokens",
  );
  // The host checks the JWT's shape before it reaches the widget; it is never logged.
  return { jwt: answer["jwt"] as string };
}

/**
 * Hands a delayed leave event over to the homeserver
 * (`POST .../io.element.msc4195/rtc/livekit/delegate_delayed_leave`). A request without the SFU
 * `url` is sent as it is, and the homeserver decides.
 * @throws WidgetApiError `unsupported` when the homeserver lacks the endpoint; HomeserverError for
 * its refusals (400 `M_BAD_JSON` for a delay under an hour, `M_INVALID_PARAM` for an unknown SFU).
 */
export async function homeserverDelegateDelayedLeave(
  client: MatrixClient,
  request: DelayedLeaveDelegation,
): Promise<void> {
  const body: Record<string, unknown> = {
    room_id: request.roomId,
    slot_id: request.slotId,
    member: memberBody(request.member),
    delay_id: request.delayId,
  };
  if (request.url !== undefined) body["url"] = request.url;
  await callLivekitEndpoint(client, "/rtc/livekit/delegate_delayed_leave", body, "delayed leave delegation");
}
