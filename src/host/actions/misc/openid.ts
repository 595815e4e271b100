import { getOpenIdAction, openIdCredentialsAction } from "../../../protocol/actions/openid.js";
import type { OpenIdToken } from "../../../protocol/actions/openid.js";
import { isPlainObject } from "../../../protocol/envelope.js";
import { ErrorCode, WidgetApiError } from "../../../protocol/errors.js";
import { callDriver } from "../../call-driver.js";
import { describeThrown } from "../../../core/describe.js";
import { isThenable } from "../../../core/thenable.js";
import type { OpenIdCredentials, WidgetDriver } from "../../driver.js";
import type { RateLimit } from "../../limits.js";
import { defineHostAction, type HostActionContext } from "../../registry.js";
import { DECISION_TIMEOUT_MS, malformedDriverAnswer, whenSessionEnds, withDriverTimeout } from "./shared.js";

/** How long the user may take to decide on an OpenID request before it counts as blocked. */
export const OPENID_DECISION_TIMEOUT_MS = DECISION_TIMEOUT_MS;
/** get_openid requests: a burst of 5, then one every 10 s. */
export const OPENID_RATE_LIMIT: RateLimit = { burst: 5, perSecond: 0.1 };
/** Most get_openid requests that may wait on one pending decision. */
export const MAX_OPENID_WAITERS = 4;

type Decision = { state: "allowed"; token: OpenIdToken } | { state: "blocked" };

interface PendingDecision {
  /** Request IDs answered `request`, each told the decision by its own openid_credentials. */
  readonly waiters: string[];
}

const pendingKey = Symbol("openid-pending");
const DOING = "getting OpenID credentials";

/**
 * get_openid (MSC2764). The policy's `approveOpenId` asks the user (or remembers their answer), and
 * the driver fetches the token; see {@link askForOpenId}. When the answer is
 * already there, the reply carries it; otherwise the widget is told `request` at once and the
 * decision follows as openid_credentials, so a slow user never runs into the widget's timeout.
 *
 * The token travels only in the reply or the push. Nothing here logs it: log lines carry action
 * names and fixed messages, and malformed credentials are reported without their values.
 */
export const getOpenIdHandler = defineHostAction({
  action: getOpenIdAction,
  available: (driver) => typeof driver.requestOpenId === "function",
  async handle(context) {
    context.rateLimit("openid", OPENID_RATE_LIMIT);
    const { session } = context;
    const pending = session.values.get(pendingKey) as PendingDecision | undefined;
    if (pending) {
      // One question to the user at a time: later requests wait for the same answer.
      if (pending.waiters.length >= MAX_OPENID_WAITERS) {
        throw new WidgetApiError(
          "Too many OpenID requests are waiting for the user",
          ErrorCode.LimitExceeded,
        );
      }
      pending.waiters.push(context.requestId);
      return { state: "request" as const };
    }

    let raw: Promise<OpenIdCredentials | undefined> | undefined;
    const ended = whenSessionEnds(session);
    // The hook's prompt closes when the session ends, and when the host stops waiting for it.
    const cutOff = new AbortController();
    const decision = callDriver(withDriverTimeout(context, OPENID_DECISION_TIMEOUT_MS), DOING, (driver) => {
      raw = askForOpenId(context, driver, AbortSignal.any([session.signal, cutOff.signal]));
      return raw === undefined ? undefined : Promise.race([raw, ended]);
    }).then((credentials) => toDecision(credentials));
    // Recorded before anything is awaited, so a request arriving meanwhile joins this decision
    // instead of asking the user a second time.
    const created: PendingDecision = { waiters: [] };
    session.values.set(pendingKey, created);
    const ready = raw === undefined || (await isSettled(raw));
    if (!ready) created.waiters.unshift(context.requestId);
    void decision
      .catch((error: unknown): Decision => {
        // Past the deadline (or the driver failed): no answer counts any more.
        cutOff.abort(error);
        const quiet = error instanceof WidgetApiError && error.code === ErrorCode.SessionEnded;
        if (!quiet && created.waiters.length > 0) {
          context.logger.warn(`The OpenID request failed and counts as blocked: ${describeThrown(error)}`);
        }
        return { state: "blocked" };
      })
      .then((outcome) => deliver(context, created, outcome));
    // The answer was ready: it goes in the reply, and a failure is the reply's error.
    if (ready) return replyBody(await decision);
    return { state: "request" as const };
  },
});

/**
 * The policy's `approveOpenId` decides (one policy carries every consent); only an approval
 * reaches the driver, which then just fetches the token. Without the hook the driver decides, as
 * before (MatrixClientDriver's deprecated `confirmOpenId`). A decision already made (a remembered
 * approval, a plain `false`) is returned settled, so the reply can carry it.
 */
function askForOpenId(
  context: HostActionContext,
  driver: WidgetDriver,
  signal: AbortSignal,
): Promise<OpenIdCredentials | undefined> | undefined {
  const { policy } = context;
  const hook = policy.approveOpenId;
  if (!hook) return driver.requestOpenId?.();
  const refused = (error: unknown): undefined => {
    context.logger.error(`The OpenID policy failed; refusing: ${describeThrown(error)}`);
    return undefined;
  };
  let answer: unknown;
  try {
    answer = hook.call(policy, { widget: context.widget, signal });
  } catch (error) {
    return Promise.resolve(refused(error));
  }
  if (!isThenable(answer)) {
    return answer === true ? driver.requestOpenId?.({ consented: true }) : Promise.resolve(undefined);
  }
  return Promise.resolve(answer).then(
    (approved) => (approved === true ? driver.requestOpenId?.({ consented: true }) : undefined),
    refused,
  );
}

function toDecision(credentials: unknown): Decision {
  if (credentials === undefined || credentials === null) return { state: "blocked" };
  const token = readCredentials(credentials);
  if (!token) throw malformedDriverAnswer(DOING);
  return { state: "allowed", token };
}

/** Copies exactly the four credential fields, and only when each has its type. */
function readCredentials(value: unknown): OpenIdToken | undefined {
  if (!isPlainObject(value)) return undefined;
  const { access_token, expires_in, matrix_server_name, token_type } = value;
  if (
    typeof access_token !== "string" ||
    access_token === "" ||
    typeof expires_in !== "number" ||
    !Number.isFinite(expires_in) ||
    expires_in < 0 ||
    typeof matrix_server_name !== "string" ||
    typeof token_type !== "string"
  ) {
    return undefined;
  }
  return { access_token, expires_in, matrix_server_name, token_type };
}

function replyBody(decision: Decision) {
  return decision.state === "allowed"
    ? { state: "allowed" as const, ...decision.token }
    : { state: "blocked" as const };
}

function deliver(context: HostActionContext, pending: PendingDecision, decision: Decision): void {
  const { session } = context;
  if (session.ended) return;
  if (session.values.get(pendingKey) === pending) session.values.delete(pendingKey);
  for (const requestId of pending.waiters) {
    context
      .sendToWidget(openIdCredentialsAction, { ...replyBody(decision), original_request_id: requestId })
      .catch((error: unknown) => {
        context.logger.warn(`openid_credentials was not acknowledged: ${describeThrown(error)}`);
      });
  }
}

/**
 * Whether a promise has already settled, decided within the current turn: a promise that settled
 * before the call wins the race against a promise resolved at the same moment, because its
 * reaction is queued first.
 */
function isSettled(promise: Promise<unknown>): Promise<boolean> {
  const settled = promise.then(
    () => true,
    () => true,
  );
  return Promise.race([settled, Promise.resolve().then(() => false)]);
}
