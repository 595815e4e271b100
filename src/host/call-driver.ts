import { redactSecrets } from "../core/redact.js";
import { ErrorCode, WidgetApiError } from "../protocol/errors.js";
import type { WidgetDriver } from "./driver.js";
import { HomeserverError } from "./matrix-error.js";
import type { HostActionContext } from "./registry.js";

/**
 * Runs one driver operation for a handler and turns every way it can fail into one clear error:
 * a missing operation, a homeserver error (relayed as `matrix_api_error`), any other throw or
 * rejection, and an operation that never settles (cut off after `driverTimeoutMs`).
 */
export async function callDriver<T>(
  context: HostActionContext,
  doing: string,
  operation: (driver: WidgetDriver) => Promise<T> | undefined,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopWaiting: (() => void) | undefined;
  let waiters: Set<() => void> | undefined;
  const { signal } = context.session;
  try {
    const pending = operation(context.driver);
    if (pending === undefined) {
      throw new WidgetApiError(`This client does not support ${doing}`, ErrorCode.Unsupported);
    }
    // Give up when the driver takes too long, or when the session ends (so no timer outlives it).
    const cutOff = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new WidgetApiError(`The client did not finish ${doing} in time`, ErrorCode.Timeout)),
        context.limits.driverTimeoutMs,
      );
      stopWaiting = () => reject(new WidgetApiError("The session ended", ErrorCode.SessionEnded));
      waiters = abortWaiters(signal);
      waiters.add(stopWaiting);
    });
    if (signal.aborted) stopWaiting?.();
    return await Promise.race([pending, cutOff]);
  } catch (error) {
    throw toWidgetError(context, doing, error);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (stopWaiting) waiters?.delete(stopWaiting);
  }
}

/**
 * The calls waiting on each session's signal. One `abort` listener per signal serves them all: a
 * listener per call would pass Node's limit of 10 listeners per event target at the eleventh
 * concurrent call and print a MaxListenersExceededWarning, although nothing leaks.
 */
const waitersBySignal = new WeakMap<AbortSignal, Set<() => void>>();

function abortWaiters(signal: AbortSignal): Set<() => void> {
  let waiters = waitersBySignal.get(signal);
  if (waiters === undefined) {
    const created = new Set<() => void>();
    waiters = created;
    waitersBySignal.set(signal, created);
    signal.addEventListener(
      "abort",
      () => {
        for (const stop of [...created]) stop();
        created.clear();
      },
      { once: true },
    );
  }
  return waiters;
}

function toWidgetError(context: HostActionContext, doing: string, error: unknown): WidgetApiError {
  if (error instanceof WidgetApiError) return error;
  if (error instanceof HomeserverError) {
    return new WidgetApiError(
      `The homeserver refused ${doing}: ${error.details.errcode}`,
      ErrorCode.HomeserverError,
      error.toMatrixApiError(),
    );
  }
  context.logger.error(
    `Driver failed while ${doing}: ${redactSecrets(error instanceof Error ? error.message : String(error))}`,
  );
  return new WidgetApiError(`Unexpected error while ${doing}`, ErrorCode.Internal);
}
