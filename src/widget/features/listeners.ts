import type { AnyWireAction, RequestData, ResponseInput } from "../../protocol/action.js";
import { WidgetApiError } from "../../protocol/errors.js";
import type { KnownApiVersion } from "../../protocol/versions.js";
import type { WidgetSession } from "../session.js";

type AnyListener = (data: never) => void;

interface Hub {
  readonly listeners: Set<AnyListener>;
  readonly remove: () => void;
}

/** Per client and toWidget action, the listeners sharing the client's single handler for it. */
const hubs = new WeakMap<WidgetSession, Map<string, Hub>>();

/**
 * Adds a listener for a toWidget action whose reply is an empty ack. A session keeps one
 * handler per action; this multiplexes it, so several parts of a widget can listen to the same
 * push. The handler is installed with the first listener and removed with the last. Returns a
 * function that removes the listener.
 *
 * Every listener runs; if one throws, the push is answered with an error once all have run. A
 * listener that returns a promise (an async one) is waited for, as `onRoomEvent` waits: the push is
 * acknowledged once every such promise has settled, and a rejection is a failure like a throw,
 * never an unhandled rejection.
 */
export function addPushListener<A extends AnyWireAction>(
  client: WidgetSession,
  action: A,
  listener: (data: RequestData<A>) => void,
): () => void {
  let byAction = hubs.get(client);
  if (!byAction) hubs.set(client, (byAction = new Map()));
  let hub = byAction.get(action.stable);
  if (!hub) {
    const listeners = new Set<AnyListener>();
    const remove = client.handle(
      action,
      (data) =>
        runListeners(
          // The hub is shared by the action's listeners, all of which take its request data.
          listeners as unknown as ReadonlySet<(data: RequestData<A>) => unknown>,
          data,
          `A listener for ${action.stable} failed`,
        ) as ResponseInput<A>,
    );
    hub = { listeners, remove };
    byAction.set(action.stable, hub);
  }
  const entry = listener as AnyListener;
  const own = hub;
  own.listeners.add(entry);
  return () => {
    own.listeners.delete(entry);
    if (own.listeners.size === 0 && byAction.get(action.stable) === own) {
      byAction.delete(action.stable);
      own.remove();
    }
  };
}

/**
 * Runs the listeners of one push and gives its acknowledgement: `{}` at once when every listener
 * returned without a promise (the usual case), so the push is answered without the promise hops
 * of async functions on the path of every event of the live feed; otherwise a promise of it, once
 * they have finished. A listener that throws or rejects fails the push with one "listener failed"
 * error (`failure`), so the host is told without being shown the app's error. Shared by every
 * push listener of the widget: room events and state here, the other pushes through
 * {@link addPushListener}.
 */
export function runListeners<T>(
  listeners: ReadonlySet<(value: T) => unknown>,
  value: T,
  failure: string,
): Ack | Promise<Ack> {
  const failed = (): never => {
    throw new WidgetApiError(failure, "internal_error");
  };
  // The usual case, one listener, without the copies and settled-result objects of allSettled.
  if (listeners.size === 1) {
    // Taken before it runs: a listener it adds waits for the next value, as with several.
    const [listener] = listeners;
    try {
      const result = listener!(value);
      // Waited for as `await` would: anything with a `then` method.
      if (typeof (result as { then?: unknown } | undefined)?.then === "function") {
        return Promise.resolve(result).then(() => ({}), failed);
      }
    } catch {
      failed();
    }
    return {};
  }
  return Promise.allSettled([...listeners].map(async (listener) => listener(value))).then((results) =>
    results.some((result) => result.status === "rejected") ? failed() : {},
  );
}

/** The acknowledgement of a push. */
type Ack = Record<string, never>;

/**
 * Rejects when the host does not advertise `version`: `unsupported`, or `out_of_sequence` while
 * the host's versions are not known yet (a call in `beforeStart`, before the session is
 * established), which is what the host answers a request then too.
 */
export function requireHostVersion(client: WidgetSession, version: KnownApiVersion, feature: string): void {
  if (!client.hostSupports(version)) {
    throw new WidgetApiError(
      `No ${feature}: the host has not advertised ${version}`,
      client.hostVersions.length > 0 ? "unsupported" : "out_of_sequence",
    );
  }
}
