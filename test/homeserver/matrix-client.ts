// matrix-js-sdk clients for the homeserver tests: one per signed-in user, synced against the
// Synapse that global-setup.ts started, and stopped again by the test's cleanup.

import { randomBytes } from "node:crypto";
import { createClient, type MatrixClient } from "matrix-js-sdk";
import { logger as sdkGlobalLogger } from "matrix-js-sdk/lib/logger.js";
import { csApi, registerUser } from "../../scripts/synapse/homeserver.mjs";
import { startAndSync } from "./first-sync.js";
import type { RegisteredUser, SynapseConnection } from "./provided";

// matrix-js-sdk 43 declares Node 22: its scheduler, uploads and a few other paths call
// Promise.withResolvers, which Node 20 lacks. Tests run on Node 20, so they supply it.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== "function") {
  Object.defineProperty(Promise, "withResolvers", {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

// Parts of the SDK (the event scheduler, MatrixRTC) log through its global loglevel logger rather
// than the client's. Its child loggers force level DEBUG but inherit its method factory, so the
// factory is where debug and info output is dropped. Warnings and errors remain.
{
  type Factory = (method: string, level: unknown, name: unknown) => (...args: unknown[]) => void;
  const root = sdkGlobalLogger as unknown as { methodFactory: Factory; rebuild(): void };
  const original = root.methodFactory;
  root.methodFactory = (method, level, name) =>
    method === "warn" || method === "error" ? original(method, level, name) : () => {};
  root.rebuild();
}

/** A logger that drops the SDK's chatter (it never logs tokens, but it logs a lot). */
const quietLogger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  getChild: () => quietLogger,
};

/** A lowercase suffix that keeps user names and aliases unique between tests and runs. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString("hex");
}

/** A client for a registered user; not started. */
export function clientFor(hs: Pick<SynapseConnection, "baseUrl">, user: RegisteredUser): MatrixClient {
  return createClient({
    baseUrl: hs.baseUrl,
    accessToken: user.accessToken,
    userId: user.userId,
    deviceId: user.deviceId,
    logger: quietLogger,
  });
}

/** Starts a client and resolves once its first sync is done (PREPARED or SYNCING). */
export async function startSyncedClient(
  hs: Pick<SynapseConnection, "baseUrl">,
  user: RegisteredUser,
): Promise<MatrixClient> {
  const client = clientFor(hs, user);
  await startAndSync(client, 10);
  return client;
}

/** Registers a user with a unique name (`<name>_<suffix>`). */
export function registerFresh(
  hs: SynapseConnection,
  name: string,
  displayName?: string,
): Promise<RegisteredUser> {
  return registerUser(hs, {
    username: `${name}_${uniqueSuffix()}`,
    ...(displayName !== undefined ? { displayName } : {}),
  });
}

/** Calls the CS API and fails unless the status is 200. */
export async function csOk(
  hs: Pick<SynapseConnection, "baseUrl">,
  user: RegisteredUser,
  method: string,
  path: string,
  body?: unknown,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary Matrix JSON, narrowed by callers
): Promise<any> {
  const res = await csApi(hs, user.accessToken, method, path, body);
  if (res.status !== 200) {
    throw new Error(`${method} ${path} failed: HTTP ${res.status} ${JSON.stringify(res.json)}`);
  }
  return res.json;
}

/** Creates a room as `creator` and returns its ID. */
export async function createRoom(
  hs: Pick<SynapseConnection, "baseUrl">,
  creator: RegisteredUser,
  body: Record<string, unknown>,
): Promise<string> {
  const json = await csOk(hs, creator, "POST", "/_matrix/client/v3/createRoom", body);
  return json.room_id as string;
}

/** Joins `user` to a room. */
export async function joinRoom(
  hs: Pick<SynapseConnection, "baseUrl">,
  user: RegisteredUser,
  roomId: string,
): Promise<void> {
  await csOk(hs, user, "POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {});
}

let txn = 0;
/** Sends a room event as `user` and returns its event ID. */
export async function sendAs(
  hs: Pick<SynapseConnection, "baseUrl">,
  user: RegisteredUser,
  roomId: string,
  type: string,
  content: Record<string, unknown>,
): Promise<string> {
  const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/${encodeURIComponent(type)}/t${Date.now()}_${++txn}`;
  const json = await csOk(hs, user, "PUT", path, content);
  return json.event_id as string;
}
