import { ErrorCode, WidgetApiError } from "../../../protocol/errors.js";
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

/** The message of an error, without anything else it may carry. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
