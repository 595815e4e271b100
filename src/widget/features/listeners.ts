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
    const remove = client.handle(action, (data) => {
      // A flag, not the thrown value: a listener may throw undefined, and that is a failure too.
      let failed = false;
      const pending: unknown[] = [];
      for (const each of [...listeners]) {
        try {
          const result: unknown = (each as (data: RequestData<A>) => unknown)(data);
          // Waited for as `await` would: anything with a `then` method.
          if (typeof (result as { then?: unknown } | undefined)?.then === "function") pending.push(result);
        } catch {
          failed = true;
        }
      }
      const answer = (): ResponseInput<A> => {
        if (failed) throw new WidgetApiError(`A listener for ${action.stable} failed`, "internal_error");
        return {} as ResponseInput<A>;
      };
      if (pending.length === 0) return answer();
      return Promise.allSettled(pending.map((result) => Promise.resolve(result))).then((results) => {
        if (results.some((result) => result.status === "rejected")) failed = true;
        return answer();
      });
    });
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

/** Rejects when the host does not advertise `version`. */
export function requireHostVersion(client: WidgetSession, version: KnownApiVersion, feature: string): void {
  if (!client.hostSupports(version)) {
    throw new WidgetApiError(
      `The host does not support ${feature} (it does not advertise ${version})`,
      "unsupported",
    );
  }
}
