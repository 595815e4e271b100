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
  try {
    const pending = operation(context.driver);
    if (pending === undefined) {
      throw new WidgetApiError(`This client does not support ${doing}`, ErrorCode.Unsupported);
    }
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new WidgetApiError(`The client did not finish ${doing} in time`, ErrorCode.Timeout)),
        context.limits.driverTimeoutMs,
      );
    });
    return await Promise.race([pending, timeout]);
  } catch (error) {
    throw toWidgetError(context, doing, error);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
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
    `Driver failed while ${doing}: ${error instanceof Error ? error.message : String(error)}`,
  );
  return new WidgetApiError(`Unexpected error while ${doing}`, ErrorCode.Internal);
}
