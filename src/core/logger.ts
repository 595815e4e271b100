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
 * A logger that passes each line to the app's logger, through `shape` when given, and loses the
 * line, never the work that was logging it, when the app's logger throws. A class, so that a
 * session's logger costs one small object rather than a closure per level.
 */
class GuardedLogger implements Logger {
  constructor(
    private readonly logger: Logger,
    private readonly shape: (message: string) => string,
  ) {}

  debug(message: string): void {
    this.write("debug", message);
  }

  warn(message: string): void {
    this.write("warn", message);
  }

  error(message: string): void {
    this.write("error", message);
  }

  private write(level: keyof Logger, message: string): void {
    try {
      this.logger[level](this.shape(message));
    } catch {
      // Nothing else to report it to.
    }
  }
}

/**
 * Wraps an app's logger so that one that throws (a remote logging service that is down, a partial
 * object) loses the line, never the work that was logging it: most lines are written from catch
 * blocks, between a failure and its reply. The widget's: a closure per level costs fewer bytes
 * than the class, and a page holds one session.
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

/**
 * {@link guardedLogger} with every line passed through {@link redactSecrets} first: the host's,
 * as one small object per session rather than a closure per level (a host holds many sessions).
 */
export function redactingLogger(logger: Logger): Logger {
  return new GuardedLogger(logger, redactSecrets);
}
