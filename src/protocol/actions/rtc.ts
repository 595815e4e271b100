import * as v from "valibot";
import { isValidServerName } from "../../matrix/identifiers.js";
import { defineAction } from "../action.js";
import { ApiVersion } from "../versions.js";
import { MAX_ID_CHARS, roomIdSchema } from "./misc-schemas.js";
import { emptyObject } from "./schemas.js";

/** Most transports one get_rtc_transports answer may list. */
export const MAX_RTC_TRANSPORTS = 64;
/** Longest SFU URL a LiveKit token request may name. */
export const MAX_SFU_URL_LENGTH = 2048;
/** Longest LiveKit JWT accepted from the client. */
export const MAX_LIVEKIT_JWT_LENGTH = 16_384;

/**
 * A bounded, non-empty identifier (slot, member, device, delay IDs). Messages never quote the
 * value received.
 */
function idSchema(field: string) {
  return v.pipe(
    v.string(`${field} must be a string`),
    v.minLength(1, `${field} must not be empty`),
    v.maxLength(MAX_ID_CHARS, `${field} is too long`),
  );
}

/** One MatrixRTC transport: `type` names it; every other property belongs to the transport. */
const rtcTransportSchema = v.looseObject({
  type: idSchema("type"),
});

/** The MatrixRTC member a LiveKit request is made for (MSC4195 membership). */
const rtcMemberSchema = v.object(
  {
    id: idSchema("member.id"),
    claimed_device_id: v.optional(idSchema("member.claimed_device_id")),
  },
  "member must be an object",
);

const slotIdSchema = idSchema("slot_id");

/** The WebSocket URL of a LiveKit SFU, bounded; messages never quote it. */
const sfuUrlSchema = v.pipe(
  v.string("url must be a string"),
  v.minLength(1, "url must not be empty"),
  v.maxLength(MAX_SFU_URL_LENGTH, "url is too long"),
);

/** The widget asks which MatrixRTC transports (SFUs and the like) the homeserver offers (MSC4515). */
export const getRtcTransportsAction = defineAction({
  id: "get_rtc_transports",
  direction: "fromWidget",
  stable: "get_rtc_transports",
  unstable: ["org.matrix.msc4515.get_rtc_transports"],
  version: ApiVersion.MSC4515,
  capability: { fixed: "rtc_transports" },
  request: emptyObject,
  response: v.object({
    rtc_transports: v.pipe(
      v.array(rtcTransportSchema, "rtc_transports must be an array"),
      v.maxLength(MAX_RTC_TRANSPORTS, "too many RTC transports"),
    ),
  }),
});

/**
 * The widget asks the client for a LiveKit JWT, which the client gets from the homeserver on its
 * behalf (MSC4533). The JWT is a credential: messages never quote it.
 */
export const rtcLivekitGetTokenAction = defineAction({
  id: "rtc_livekit_get_token",
  direction: "fromWidget",
  stable: "rtc_livekit_get_token",
  unstable: ["org.matrix.msc4533.rtc_livekit_get_token"],
  version: ApiVersion.MSC4533,
  capability: { fixed: "rtc_livekit_get_token" },
  request: v.object({
    server_name: v.pipe(
      v.string("server_name must be a string"),
      v.check((name) => isValidServerName(name), "server_name must be a valid server name"),
    ),
    url: sfuUrlSchema,
    room_id: roomIdSchema,
    slot_id: slotIdSchema,
    member: rtcMemberSchema,
  }),
  response: v.object({
    jwt: v.pipe(
      v.string("jwt must be a string"),
      v.minLength(1, "jwt must not be empty"),
      v.maxLength(MAX_LIVEKIT_JWT_LENGTH, "jwt is too long"),
    ),
  }),
});

/**
 * The widget hands a MatrixRTC session's delayed leave event over to the server, through the
 * client (MSC4533).
 */
export const rtcLivekitDelegateDelayedLeaveAction = defineAction({
  id: "rtc_livekit_delegate_delayed_leave",
  direction: "fromWidget",
  stable: "rtc_livekit_delegate_delayed_leave",
  unstable: ["org.matrix.msc4533.rtc_livekit_delegate_delayed_leave"],
  version: ApiVersion.MSC4533,
  capability: { fixed: "rtc_livekit_delegate_delayed_leave" },
  request: v.object({
    room_id: roomIdSchema,
    slot_id: slotIdSchema,
    member: rtcMemberSchema,
    delay_id: idSchema("delay_id"),
    // Not in matrix-widget-api 1.19's type, but matrix-js-sdk's widget client sends the SFU it
    // is connected to, and the homeserver endpoint (MSC4195) needs it.
    url: v.optional(sfuUrlSchema),
  }),
  response: emptyObject,
});

/** One MatrixRTC transport as the widget receives it. */
export type RtcTransportData = v.InferOutput<typeof rtcTransportSchema>;
/** The MatrixRTC member of a LiveKit request, as it travels. */
export type RtcMemberData = v.InferOutput<typeof rtcMemberSchema>;
