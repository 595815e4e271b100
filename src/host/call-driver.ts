import { clock, DeadlineTimer, sweepDue } from "../core/deadlines.js";
import { describeThrown } from "../core/describe.js";
import { redactSecrets } from "../core/redact.js";
import { ErrorCode, WidgetApiError } from "../protocol/errors.js";
import type { WidgetDriver } from "./driver.js";
import { HomeserverError } from "./matrix-error.js";
import type { HostActionContext, SessionScope } from "./registry.js";

/**
 * Runs one driver operation for a handler and turns every way it can fail into one clear error:
 * a missing operation, a homeserver error (relayed as `matrix_api_error`), any other throw or
 * rejection, and an operation that never settles (cut off after `driverTimeoutMs`, or when the
 * session ends, so that nothing waits past it).
 */
export function callDriver<T>(
  context: HostActionContext,
  doing: string,
  operation: (driver: WidgetDriver, signal: AbortSignal | undefined) => Promise<T> | undefined,
  abortable = false,
): Promise<T> {
  // Only for operations that can still be called off (a send waiting its turn): a controller per
  // call would cost every search and read.
  const controller = abortable ? new AbortController() : undefined;
  let pending: Promise<T> | undefined;
  try {
    pending = operation(context.driver, controller?.signal);
  } catch (error) {
    return Promise.reject(toWidgetError(context, doing, error));
  }
  if (pending === undefined) {
    return Promise.reject(new WidgetApiError(`This client does not support ${doing}`, ErrorCode.Unsupported));
  }
  const operationResult = pending;
  const calls = callsOf(context.session);
  return new Promise<T>((resolve, reject) => {
    const timeoutMs = context.limits.driverTimeoutMs;
    const call: DriverCall = {
      deadline: Number.isFinite(timeoutMs) ? clock() + Math.max(0, timeoutMs) : Infinity,
      doing,
      // Cut off (the deadline, the session's end): the widget is answered now, and the driver is
      // told, so that what it has not done yet it does not do behind the widget's back.
      fail:
        controller === undefined
          ? reject
          : (error) => {
              reject(error);
              controller.abort(error);
            },
    };
    calls.add(call);
    Promise.resolve(operationResult).then(
      (value) => {
        if (calls.take(call)) resolve(value);
      },
      (error: unknown) => {
        if (calls.take(call)) reject(toWidgetError(context, doing, error));
      },
    );
  });
}

/** A driver call waiting for its operation. */
interface DriverCall {
  /** When it times out, on the deadline clock; Infinity for never. */
  readonly deadline: number;
  readonly doing: string;
  fail(error: WidgetApiError): void;
}

/**
 * The driver calls of one session still waiting, with one timer for all their deadlines (a timer
 * per call cost more than the rest of the call). Made with the session's first driver call; the
 * session's end fails what still waits and clears the timer.
 */
class SessionCalls {
  private readonly waiting = new Set<DriverCall>();
  /** Fails the calls whose deadline has passed. */
  private readonly timer = new DeadlineTimer((now) =>
    sweepDue(this.waiting, now, (call) => {
      this.waiting.delete(call);
      call.fail(new WidgetApiError(`The client did not finish ${call.doing} in time`, ErrorCode.Timeout));
    }),
  );
  private ended = false;

  constructor(session: SessionScope) {
    session.onEnd(() => this.end());
  }

  add(call: DriverCall): void {
    if (this.ended) {
      call.fail(sessionEnded());
      return;
    }
    this.waiting.add(call);
    if (call.deadline !== Infinity) this.timer.watch(call.deadline);
  }

  /** Takes a call out when its operation settled; false if it was failed already. */
  take(call: DriverCall): boolean {
    if (!this.waiting.delete(call)) return false;
    if (this.waiting.size === 0) this.timer.idle();
    return true;
  }

  private end(): void {
    this.ended = true;
    this.timer.stop();
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const call of waiting) call.fail(sessionEnded());
  }
}

const callsBySession = new WeakMap<SessionScope, SessionCalls>();

function callsOf(session: SessionScope): SessionCalls {
  let calls = callsBySession.get(session);
  if (calls === undefined) callsBySession.set(session, (calls = new SessionCalls(session)));
  return calls;
}

function sessionEnded(): WidgetApiError {
  return new WidgetApiError("The session ended", ErrorCode.SessionEnded);
}

/**
 * The error a handler answers for a driver failure. Never throws, whatever was thrown: it runs after
 * the call has left the waiting set, so a throw here would leave the request with no reply at all.
 */
function toWidgetError(context: HostActionContext, doing: string, error: unknown): WidgetApiError {
  try {
    // `instanceof` runs a Proxy's getPrototypeOf trap, and the reads after it may hit getters.
    if (error instanceof WidgetApiError) return error;
    if (error instanceof HomeserverError) {
      return new WidgetApiError(
        `The homeserver refused ${doing}: ${error.details.errcode}`,
        ErrorCode.HomeserverError,
        error.toMatrixApiError(),
      );
    }
  } catch {
    // A value that cannot be inspected is reported like any other failure.
  }
  context.logger.error(`Failed while ${doing}: ${redactSecrets(describeThrown(error))}`);
  return new WidgetApiError(`Unexpected error while ${doing}`, ErrorCode.Internal);
}
