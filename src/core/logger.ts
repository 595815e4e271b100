import { redactSecrets } from "./redact.js";

/**
 * Where the SDK reports what it does. It never passes message contents, only actions, request IDs
 * and error messages, so tokens in requests or replies cannot reach a log.
 */
export interface Logger {
  /** Detail for tracing only, such as a notification the widget did not acknowledge. */
  debug(message: string): void;
  /** Something went wrong and the SDK carried on, such as a message the peer did not acknowledge. */
  warn(message: string): void;
  /** A failure of the SDK's own work or of a policy hook, such as a capability decision that threw. */
  error(message: string): void;
}

/** The default logger: warnings and errors go to the console, debug output is dropped. */
export const consoleLogger: Logger = {
  debug: () => {},
  warn: (message) => console.warn(`[matrix-widget-kit] ${message}`),
  error: (message) => console.error(`[matrix-widget-kit] ${message}`),
};

/** A logger that drops everything. */
export const silentLogger: Logger = { debug: () => {}, warn: () => {}, error: () => {} };

/**
 * Wraps an app's logger so that one that throws (a remote logging service that is down, a partial
 * object) loses the line, never the work that was logging it: most lines are written from catch
 * blocks, between a failure and its reply.
 */
export function guardedLogger(logger: Logger): Logger {
  const writer =
    (level: keyof Logger) =>
    (message: string): void => {
      try {
        logger[level](message);
      } catch {
        // Nothing else to report it to.
      }
    };
  return { debug: writer("debug"), warn: writer("warn"), error: writer("error") };
}

/** {@link guardedLogger} with every line passed through {@link redactSecrets} first. */
export function redactingLogger(logger: Logger): Logger {
  return guardedLogger({
    debug: (message) => logger.debug(redactSecrets(message)),
    warn: (message) => logger.warn(redactSecrets(message)),
    error: (message) => logger.error(redactSecrets(message)),
  });
}
