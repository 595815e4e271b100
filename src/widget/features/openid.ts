import type { RequestData } from "../../protocol/action.js";
import {
  getOpenIdAction,
  openIdCredentialsAction,
  tokenOf,
  type OpenIdToken,
} from "../../protocol/actions/openid.js";
import { SESSION_DESTROYED } from "../../core/session-ended.js";
import { WidgetApiError } from "../../protocol/errors.js";
import type { WidgetSession } from "../session.js";
import { addPushListener } from "./listeners.js";

export type { OpenIdToken } from "../../protocol/actions/openid.js";

/**
 * How long {@link getOpenIdToken} waits for the user's decision by default: 3 minutes.
 * @category OpenID
 */
export const OPENID_TIMEOUT_MS = 180_000;

type Decision = Pick<RequestData<typeof openIdCredentialsAction>, "state"> & Partial<OpenIdToken>;

/**
 * Asks the client for OpenID credentials, to prove the user's identity to the widget's backend
 * (which must verify them with the homeserver). Handles both answers the Widget API allows: the
 * credentials in the reply, or `request` followed by an `openid_credentials` push once the user
 * decided. Rejects with `refused` when blocked, `timeout` when no decision came within
 * `timeoutMs`, and `session_ended` when the client is destroyed while it waits.
 *
 * The widget cannot see the ID of its own request, so a pending decision answers every
 * getOpenIdToken call waiting at that moment; the host asks the user once for all of them.
 * @category OpenID
 */
export async function getOpenIdToken(
  client: WidgetSession,
  options: { timeoutMs?: number } = {},
): Promise<OpenIdToken> {
  const timeoutMs = options.timeoutMs ?? OPENID_TIMEOUT_MS;
  let decide: (decision: Decision) => void = () => {};
  const pushed = new Promise<Decision>((resolve) => (decide = resolve));
  // Listening before asking: the push may follow the reply closely.
  const stop = addPushListener(client, openIdCredentialsAction, (data) => {
    if (data.state !== "request") decide(data);
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopWaiting = () => {};
  try {
    const reply = await client.request(getOpenIdAction, {}, { timeoutMs: Math.min(timeoutMs, 10_000) });
    let decision: Decision = reply;
    if (reply.state === "request") {
      const cutOff = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new WidgetApiError(`No OpenID decision arrived within ${timeoutMs} ms`, "timeout")),
          timeoutMs,
        );
        // A destroyed session gets no decision: end the wait, and its timer, with it.
        const signal = client.signal;
        if (!signal) return;
        const ended = () => reject(new WidgetApiError(SESSION_DESTROYED, "session_ended"));
        if (signal.aborted) ended();
        signal.addEventListener("abort", ended);
        stopWaiting = () => signal.removeEventListener("abort", ended);
      });
      decision = await Promise.race([pushed, cutOff]);
    }
    if (decision.state !== "allowed") {
      throw new WidgetApiError("The client refused to share OpenID credentials", "refused");
    }
    const token = tokenOf(decision);
    if (!token) {
      throw new WidgetApiError(
        "The client allowed OpenID but sent incomplete credentials",
        "malformed_response",
      );
    }
    return token;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    stopWaiting();
    stop();
  }
}
