import type {
  CsApiResult,
  RegisteredUser,
  RunningSynapse,
  SynapseConnection,
} from "../../test/homeserver/provided";
/**
 * Starts a fresh Synapse on 127.0.0.1 with SQLite; relaxed rate limits unless `rateLimited`.
 * `rtcTransports` enables MSC4143 and lists the MatrixRTC transports Synapse advertises.
 */
export declare function startSynapse(opts?: {
  rateLimited?: boolean;
  rtcTransports?: Array<Record<string, unknown>>;
}): Promise<RunningSynapse>;
/** The MatrixRTC foci the test Synapse's client well-known lists under `org.matrix.msc4143.rtc_foci`. */
export declare const WELL_KNOWN_RTC_FOCI: ReadonlyArray<{ type: string; livekit_service_url: string }>;
/** Registers a user through the shared-secret admin API. */
export declare function registerUser(
  hs: Pick<SynapseConnection, "baseUrl" | "registrationSharedSecret">,
  user: { username: string; password?: string; displayName?: string; admin?: boolean },
): Promise<RegisteredUser>;
/** Calls the Client-Server API; never logs the token. */
export declare function csApi(
  hs: Pick<SynapseConnection, "baseUrl">,
  accessToken: string | null | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<CsApiResult>;
