// The wording of session_ended errors, shared by the endpoint and LiteWidgetClient's own channel, so
// that a widget sees the same message whichever client it runs.

/** Why a request fails once its session was destroyed. */
export const SESSION_DESTROYED = "The session has been destroyed";

/** Why a request fails once the peer closed its end of an exclusive channel for good. */
export const PEER_CLOSED = "The peer ended the session: it closed its end of the channel";

/** The reply to a request still being handled when its session ended (`: <reason>` may follow). */
export const ENDED_BEFORE_ANSWER = "The session ended before this request was answered";
