import { ErrorCode, WidgetApiError } from "../../../protocol/errors.js";
import { callDriver } from "../../call-driver.js";
import type { HostActionContext, SessionScope } from "../../registry.js";

/**
 * The same context with a longer driver timeout, for operations that legitimately take longer
 * than the default (encrypting to many devices, uploads, a user deciding). Never shorter than the
 * host's own setting.
 */
export function withDriverTimeout(context: HostActionContext, atLeastMs: number): HostActionContext {
  if (context.limits.driverTimeoutMs >= atLeastMs) return context;
  return { ...context, limits: { ...context.limits, driverTimeoutMs: atLeastMs } };
}

/**
 * How long a policy hook that may ask the user (navigation, a modal, OpenID) has before its request
 * is answered with a timeout: a dialog the user walked away from, or one the app never resolves.
 */
export const DECISION_TIMEOUT_MS = 120_000;

/**
 * Runs a policy hook that may ask the user the way a driver call runs: a throw or rejection of
 * any value becomes an error (the caller decides what it means), and a hook that never settles is
 * cut off after {@link DECISION_TIMEOUT_MS} (or the host's longer driver timeout) or when the
 * session ends, so that its request is still answered exactly once and frees its slot.
 *
 * `ask` gets a signal that aborts when the host cut the hook off, with the error the request is
 * answered with as its reason: a dialog the hook shows can close instead of waiting for an answer
 * nobody reads any more.
 *
 * One question of each kind (`doing`) per session at a time: while one waits, another is refused
 * with `limit_exceeded` before the hook sees it. host-ui opens one dialog at a time, in order, so a
 * widget that could queue a question per request (navigate's burst of 5, then one every 2 s, each
 * waiting up to 2 minutes) would keep every other widget's prompt waiting behind its own.
 */
export function askPolicy<T>(
  context: HostActionContext,
  doing: string,
  ask: (signal: AbortSignal) => T | PromiseLike<T>,
): Promise<T> {
  try {
    refuseWhileAsking(context, doing);
  } catch (error) {
    return Promise.reject(error);
  }
  const release = holdQuestion(context, doing);
  const controller = new AbortController();
  let answered = false;
  const answer = callDriver(withDriverTimeout(context, DECISION_TIMEOUT_MS), doing, () => {
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(ask(controller.signal));
    } catch (error) {
      answered = true;
      throw error;
    }
    // Registered before callDriver's own handlers, so `answered` is set by the time it settles.
    const settled = () => {
      answered = true;
    };
    pending.then(settled, settled);
    return pending;
  });
  answer.catch((error: unknown) => {
    if (!answered) controller.abort(error);
  });
  answer.then(release, release);
  return answer;
}

const openQuestionsKey = Symbol("open-policy-questions");

/**
 * Throws `limit_exceeded` while this session's question of this kind (see {@link askPolicy}, and
 * the share prompt) still waits for the app. Call it before charging a rate limit: a refused
 * request costs nothing.
 */
export function refuseWhileAsking(
  context: HostActionContext,
  doing: string,
  message = `An earlier request from this widget is still waiting: the host is ${doing}`,
): void {
  const open = context.session.values.get(openQuestionsKey) as Set<string> | undefined;
  if (open?.has(doing)) throw new WidgetApiError(message, ErrorCode.LimitExceeded);
}

/**
 * Marks this session's question of this kind as waiting, so that {@link refuseWhileAsking} refuses
 * another, until the returned release is called (however the question ends).
 */
export function holdQuestion(context: HostActionContext, doing: string): () => void {
  const { values } = context.session;
  let open = values.get(openQuestionsKey) as Set<string> | undefined;
  if (open === undefined) values.set(openQuestionsKey, (open = new Set()));
  open.add(doing);
  return () => void open.delete(doing);
}

const endedKey = Symbol("session-ended");

/**
 * A promise that rejects with a session_ended error when the session ends. One per session, so
 * waiting on it many times adds no cleanup callbacks. Race driver work against it so that nothing
 * (a timer, a pending decision) outlives the session.
 */
export function whenSessionEnds(session: SessionScope): Promise<never> {
  const known = session.values.get(endedKey) as Promise<never> | undefined;
  if (known) return known;
  const ended = new Promise<never>((_, reject) => {
    session.onEnd(() => reject(new WidgetApiError("The widget session ended", ErrorCode.SessionEnded)));
  });
  // Nobody may be waiting when the session ends; that is not an unhandled rejection.
  ended.catch(() => {});
  session.values.set(endedKey, ended);
  return ended;
}

/** A refusal for a request the widget may not make. */
export function refused(message: string): WidgetApiError {
  return new WidgetApiError(message, ErrorCode.Refused);
}

/** An error for a driver answer that does not have the promised shape. */
export function malformedDriverAnswer(doing: string): WidgetApiError {
  return new WidgetApiError(`The client returned a malformed answer while ${doing}`, ErrorCode.Internal);
}
