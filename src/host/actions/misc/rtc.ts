import * as v from "valibot";
import type { RtcMemberData } from "../../../protocol/actions/rtc.js";
import {
  getRtcTransportsAction,
  rtcLivekitDelegateDelayedLeaveAction,
  rtcLivekitGetTokenAction,
} from "../../../protocol/actions/rtc.js";
import { callDriver } from "../../call-driver.js";
import type { RtcMember } from "../../driver.js";
import { defineHostAction } from "../../registry.js";
import { malformedDriverAnswer } from "./shared.js";

const TRANSPORTS = "listing the RTC transports";
const TOKEN = "getting a LiveKit token";
const DELEGATE = "delegating a delayed leave event";

function memberOf(member: RtcMemberData): RtcMember {
  return member.claimed_device_id === undefined
    ? { id: member.id }
    : { id: member.id, claimedDeviceId: member.claimed_device_id };
}

/**
 * get_rtc_transports (MSC4515): the homeserver's MatrixRTC transports. The driver's answer is
 * checked against the action's reply shape before it reaches the widget.
 */
export const getRtcTransportsHandler = defineHostAction({
  action: getRtcTransportsAction,
  available: (driver) => typeof driver.getRtcTransports === "function",
  async handle(context) {
    const transports = await callDriver(context, TRANSPORTS, (driver) => driver.getRtcTransports?.());
    const reply = { rtc_transports: transports };
    if (!v.is(getRtcTransportsAction.response, reply)) throw malformedDriverAnswer(TRANSPORTS);
    return reply;
  },
});

/**
 * rtc_livekit_get_token (MSC4533): a LiveKit JWT, fetched by the client. The token is a
 * credential; it goes to the widget and nowhere else.
 */
export const getLivekitTokenHandler = defineHostAction({
  action: rtcLivekitGetTokenAction,
  available: (driver) => typeof driver.getLivekitToken === "function",
  async handle(context, data) {
    const result = await callDriver(context, TOKEN, (driver) =>
      driver.getLivekitToken?.({
        serverName: data.server_name,
        url: data.url,
        roomId: data.room_id,
        slotId: data.slot_id,
        member: memberOf(data.member),
      }),
    );
    const reply = { jwt: (result as { jwt?: unknown } | undefined)?.jwt };
    if (!v.is(rtcLivekitGetTokenAction.response, reply)) throw malformedDriverAnswer(TOKEN);
    return reply;
  },
});

/** rtc_livekit_delegate_delayed_leave (MSC4533): hands a delayed leave event over to the server. */
export const delegateDelayedLeaveHandler = defineHostAction({
  action: rtcLivekitDelegateDelayedLeaveAction,
  available: (driver) => typeof driver.delegateDelayedLeave === "function",
  async handle(context, data) {
    await callDriver(context, DELEGATE, (driver) =>
      driver.delegateDelayedLeave?.({
        roomId: data.room_id,
        slotId: data.slot_id,
        member: memberOf(data.member),
        delayId: data.delay_id,
        ...(data.url === undefined ? {} : { url: data.url }),
      }),
    );
    return {};
  },
});
