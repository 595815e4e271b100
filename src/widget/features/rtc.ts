import type { RequestOptions } from "../../core/endpoint.js";
import {
  getRtcTransportsAction,
  rtcLivekitDelegateDelayedLeaveAction,
  rtcLivekitGetTokenAction,
  type RtcMemberData,
  type RtcTransportData,
} from "../../protocol/actions/rtc.js";
import type { WidgetSession } from "../session.js";
import { requireHostVersion } from "./listeners.js";

export type { RtcMemberData, RtcTransportData } from "../../protocol/actions/rtc.js";

/**
 * The MatrixRTC session and member a LiveKit request is made for.
 * @category MatrixRTC
 */
export interface LivekitSessionRef {
  /** The room the MatrixRTC session belongs to. */
  roomId: string;
  /** The MatrixRTC session (slot). */
  slotId: string;
  /** The member: its ID within the session, and optionally the device it claims to use. */
  member: { id: string; claimedDeviceId?: string };
}

function memberData(member: LivekitSessionRef["member"]): RtcMemberData {
  return member.claimedDeviceId === undefined
    ? { id: member.id }
    : { id: member.id, claimed_device_id: member.claimedDeviceId };
}

/**
 * Lists the MatrixRTC transports (SFUs and the like) the user's homeserver offers (MSC4515; needs
 * `org.matrix.msc4515.rtc_transports`). Rejects when the host does not advertise `org.matrix.msc4515`.
 * @category MatrixRTC
 */
export async function getRtcTransports(
  client: WidgetSession,
  options?: RequestOptions,
): Promise<RtcTransportData[]> {
  requireHostVersion(client, "org.matrix.msc4515", "RTC transports");
  const { rtc_transports } = await client.request(getRtcTransportsAction, {}, options);
  return rtc_transports;
}

/**
 * Gets a JWT for a LiveKit SFU, fetched by the client from the homeserver named by `serverName`
 * (MSC4533; needs `org.matrix.msc4533.rtc_livekit_get_token`). Resolves with the JWT. Rejects
 * when the host does not advertise `org.matrix.msc4533`.
 * @category MatrixRTC
 */
export async function getLivekitToken(
  client: WidgetSession,
  request: LivekitSessionRef & { serverName: string; url: string },
  options?: RequestOptions,
): Promise<string> {
  requireHostVersion(client, "org.matrix.msc4533", "LiveKit tokens");
  const { jwt } = await client.request(
    rtcLivekitGetTokenAction,
    {
      server_name: request.serverName,
      url: request.url,
      room_id: request.roomId,
      slot_id: request.slotId,
      member: memberData(request.member),
    },
    options,
  );
  return jwt;
}

/**
 * Hands the delayed leave event `delayId` of a MatrixRTC session over to the server, through the
 * client (MSC4533; needs `org.matrix.msc4533.rtc_livekit_delegate_delayed_leave`). Rejects when
 * the host does not advertise `org.matrix.msc4533`.
 * @category MatrixRTC
 */
export async function delegateDelayedLeave(
  client: WidgetSession,
  request: LivekitSessionRef & { delayId: string },
  options?: RequestOptions,
): Promise<void> {
  requireHostVersion(client, "org.matrix.msc4533", "delegated delayed leave events");
  await client.request(
    rtcLivekitDelegateDelayedLeaveAction,
    {
      room_id: request.roomId,
      slot_id: request.slotId,
      member: memberData(request.member),
      delay_id: request.delayId,
    },
    options,
  );
}
