import { describeThrown } from "../../../core/describe.js";
import {
  isTurnServerUpdate,
  unwatchTurnServersAction,
  updateTurnServersAction,
  watchTurnServersAction,
} from "../../../protocol/actions/turn.js";
import { ErrorCode, WidgetApiError } from "../../../protocol/errors.js";
import { callDriver } from "../../call-driver.js";
import type { TurnServer } from "../../driver.js";
import { defineHostAction, type HostActionContext } from "../../registry.js";

/** One session's TURN subscription. */
interface TurnWatch {
  /** Set by unwatch, session end, or the driver's stream ending; no push happens after it. */
  stopped: boolean;
  iterator: AsyncIterator<TurnServer> | undefined;
  /** Settles when the first value is in: shared by concurrent watch requests. */
  first: Promise<TurnServer> | undefined;
  /** Resolves when the watch stops, to wake a pump waiting for the next value. */
  readonly stoppedSignal: Promise<void>;
  readonly stop: () => void;
}

const turnKey = Symbol("turn-watch");
const DOING = "getting TURN servers";

function createWatch(): TurnWatch {
  let wake: () => void = () => {};
  const stoppedSignal = new Promise<void>((resolve) => (wake = resolve));
  const watch: TurnWatch = {
    stopped: false,
    iterator: undefined,
    first: undefined,
    stoppedSignal,
    stop() {
      if (watch.stopped) return;
      watch.stopped = true;
      wake();
      // Ends the driver's stream; its promise may wait on a pending next(), so it is not awaited.
      try {
        void watch.iterator?.return?.()?.catch(() => {});
      } catch {
        // A stream that cannot be told to stop is simply no longer read.
      }
    },
  };
  return watch;
}

/**
 * watch_turn_servers (MSC3846). The first value is read before the ack, so a client that cannot
 * provide TURN servers at all answers an error. Then every value of the driver's stream is pushed
 * as update_turn_servers until unwatch_turn_servers, the end of the stream, or the session's end.
 * Repeated watch requests share one subscription.
 */
export const watchTurnServersHandler = defineHostAction({
  action: watchTurnServersAction,
  available: (driver) => typeof driver.getTurnServers === "function",
  async handle(context) {
    const { session } = context;
    const existing = session.values.get(turnKey) as TurnWatch | undefined;
    if (existing && !existing.stopped) {
      await existing.first;
      return {};
    }
    const watch = createWatch();
    watch.first = callDriver(context, DOING, (driver) => {
      const stream = driver.getTurnServers?.();
      if (stream === undefined) return undefined;
      watch.iterator = stream[Symbol.asyncIterator]();
      return watch.iterator.next();
    }).then((result) => {
      if (result.done)
        throw new WidgetApiError("The client has no TURN servers to offer", ErrorCode.Unsupported);
      return result.value;
    });
    // Stored only once `first` exists: a later watch waits on it, and a watch stored without it
    // would answer every later request `{}` with no stream behind it.
    session.values.set(turnKey, watch);
    session.onEnd(watch.stop);
    let first: TurnServer;
    try {
      first = await watch.first;
    } catch (error) {
      watch.stop();
      if (session.values.get(turnKey) === watch) session.values.delete(turnKey);
      throw error;
    }
    // The first update follows the reply: matrix-widget-api's WidgetApi.getTurnServers() cannot
    // take a push that arrives before the reply to its watch request.
    context.afterReply(() => {
      if (!watch.stopped) void pump(context, watch, first);
    });
    return {};
  },
});

/** unwatch_turn_servers (MSC3846): stops the updates; a no-op when there are none. */
export const unwatchTurnServersHandler = defineHostAction({
  action: unwatchTurnServersAction,
  available: (driver) => typeof driver.getTurnServers === "function",
  handle(context) {
    const watch = context.session.values.get(turnKey) as TurnWatch | undefined;
    if (watch) {
      watch.stop();
      context.session.values.delete(turnKey);
    }
    return {};
  },
});

async function pump(context: HostActionContext, watch: TurnWatch, first: TurnServer): Promise<void> {
  const { session, logger } = context;
  const stoppedResult: IteratorResult<TurnServer> = { done: true, value: undefined };
  let value: TurnServer = first;
  try {
    for (;;) {
      if (watch.stopped || session.ended) return;
      // Credentials are pushed only while the grant holds: the host app may revoke it mid-session
      // (WidgetHost.revokeCapabilities), and then the stream ends.
      if (!context.capabilities.hasFixed("turn_servers")) return;
      if (isTurnServerUpdate(value)) {
        const { uris, username, password } = value;
        // Awaited, so updates reach the widget in order and a slow widget is not flooded.
        await context
          .sendToWidget(updateTurnServersAction, { uris: [...uris], username, password })
          .catch((error: unknown) =>
            logger.warn(`update_turn_servers was not acknowledged: ${describeThrown(error)}`),
          );
      } else {
        logger.warn("The client produced a malformed TURN server update; it was not sent");
      }
      const iterator = watch.iterator;
      if (!iterator || watch.stopped) return;
      const next = await Promise.race([iterator.next(), watch.stoppedSignal.then(() => stoppedResult)]);
      if (next.done) return;
      value = next.value;
    }
  } catch (error) {
    logger.warn(`The TURN server stream failed: ${describeThrown(error)}`);
  } finally {
    // However the stream ended, a later watch request starts a fresh one.
    watch.stop();
    if (session.values.get(turnKey) === watch) session.values.delete(turnKey);
  }
}
