import type { RequestOptions } from "../../core/endpoint.js";
import {
  unwatchTurnServersAction,
  updateTurnServersAction,
  watchTurnServersAction,
  type TurnServerUpdate,
} from "../../protocol/actions/turn.js";
import { WidgetApiError } from "../../protocol/errors.js";
import type { WidgetSession } from "../session.js";
import { addPushListener, requireHostVersion } from "./listeners.js";

export type { TurnServerUpdate } from "../../protocol/actions/turn.js";

/** How many watchers each client has, so the host is told to stop only when the last one does. */
const watchers = new WeakMap<WidgetSession, number>();

/**
 * Receives TURN servers from the client (MSC3846; needs `m.turn_servers`): `listener` is called
 * with the current servers and again whenever they change (an empty `uris` means none are
 * available). Resolves once the host accepted the watch, with an async function that stops
 * listening (and tells the host to stop once no watcher is left). Rejects when the host cannot
 * provide TURN servers or does not advertise `town.robin.msc3846`.
 * @category TURN servers
 */
export async function watchTurnServers(
  client: WidgetSession,
  listener: (servers: TurnServerUpdate) => void,
  options?: RequestOptions,
): Promise<() => Promise<void>> {
  requireHostVersion(client, "town.robin.msc3846", "TURN servers");
  // Listening before asking: the first update may follow the ack closely.
  const stopListening = addPushListener(client, updateTurnServersAction, listener);
  watchers.set(client, (watchers.get(client) ?? 0) + 1);
  let active = true;
  const release = (): boolean => {
    if (!active) return false;
    active = false;
    stopListening();
    const left = (watchers.get(client) ?? 1) - 1;
    if (left > 0) watchers.set(client, left);
    else watchers.delete(client);
    return left === 0;
  };
  try {
    await client.request(watchTurnServersAction, {}, options);
  } catch (error) {
    release();
    throw error;
  }
  return async () => {
    if (!release()) return;
    try {
      await client.request(unwatchTurnServersAction, {}, options);
    } catch (error) {
      // A session that ended has no watch left to stop: a cleanup after destroy() is no failure.
      if (!(error instanceof WidgetApiError && error.code === "session_ended")) throw error;
    }
  };
}
