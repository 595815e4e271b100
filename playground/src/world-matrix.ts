// The playground on a real homeserver account: a matrix-js-sdk client created in the browser,
// synced, and a MatrixClientDriver over it. Loaded only when `npm start -- --homeserver …` is used,
// so the in-memory playground never downloads matrix-js-sdk.
//
// The access token reaches this page from the playground's own server (see
// scripts/playground-server.mjs), which hands it only to the host page on http://localhost:PORT.
// No end-to-end encryption: the client starts without crypto, so encrypted rooms show
// m.room.encrypted events and widgets cannot read them.
import {
  ClientEvent,
  createClient,
  RoomEvent,
  SyncState,
  type ICreateClientOpts,
  type MatrixClient,
  type MatrixEvent,
  type Room,
} from "matrix-js-sdk";
import { MatrixClientDriver, type ResolvedNavigationTarget } from "../../src/drivers/matrix-js-sdk/index.js";
import type { NavigationTarget } from "../../src/host/index.js";
import { lineText, type PlaygroundTarget, type PlaygroundWorld, type WorldChange } from "./world.js";

/** The account to sign in with, as the playground server hands it to the page. */
export interface HomeserverAccount {
  baseUrl: string;
  userId: string;
  accessToken: string;
  deviceId: string | null;
}

/** What the page decides for the world (the dialogs live in the page). */
export interface MatrixWorldOptions {
  /** Progress and problems while signing in, for the page to show. */
  onStatus(text: string): void;
}

/** How long the first sync may take before the page gives up. */
const FIRST_SYNC_TIMEOUT_MS = 60_000;

/** The SDK's logger interface (not exported under its own name). */
type Logger = NonNullable<ICreateClientOpts["logger"]>;

/** Passes the SDK's warnings and errors to the console and drops its (plentiful) debug output. */
function quietLogger(prefix = "matrix-js-sdk"): Logger {
  const drop = () => {};
  return {
    trace: drop,
    debug: drop,
    info: drop,
    warn: (...args: unknown[]) => console.warn(`[${prefix}]`, ...args),
    error: (...args: unknown[]) => console.error(`[${prefix}]`, ...args),
    getChild: (namespace: string) => quietLogger(`${prefix} ${namespace}`),
  };
}

/** Resolves once the client's first sync is done; rejects after {@link FIRST_SYNC_TIMEOUT_MS}. */
function firstSync(client: MatrixClient, onStatus: (text: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(ClientEvent.Sync, onSync);
      reject(new Error(`The first sync did not finish within ${FIRST_SYNC_TIMEOUT_MS / 1000} s`));
    }, FIRST_SYNC_TIMEOUT_MS);
    function onSync(state: SyncState, _previous: SyncState | null, data?: { error?: Error }) {
      if (state === SyncState.Prepared || state === SyncState.Syncing) {
        clearTimeout(timer);
        client.off(ClientEvent.Sync, onSync);
        resolve();
      } else if (state === SyncState.Error) {
        // The client retries by itself; say so instead of giving up.
        onStatus(`Sync failed (${data?.error?.message ?? "unknown error"}); retrying…`);
      }
    }
    client.on(ClientEvent.Sync, onSync);
  });
}

/**
 * Signs in to the homeserver with the given token, waits for the first sync, and returns the
 * world over that account. The first joined room with the most recent activity is viewed.
 * @throws Error when the homeserver is unreachable or refuses the token, the token belongs to
 * another user, or the first sync does not finish.
 */
export async function createMatrixWorld(
  account: HomeserverAccount,
  options: MatrixWorldOptions,
): Promise<PlaygroundWorld> {
  const { baseUrl, userId, accessToken } = account;
  // whoami checks the token before syncing (a clear error instead of retried syncs) and supplies
  // the device ID when none was given.
  options.onStatus(`Signing in to ${baseUrl} as ${userId}…`);
  const probe = createClient({ baseUrl, accessToken, userId, logger: quietLogger() });
  const me = await probe.whoami().catch((error: unknown) => {
    throw new Error(
      `Could not sign in to ${baseUrl} (checking the token with /account/whoami): ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  if (me.user_id !== userId) {
    throw new Error(`The access token belongs to ${me.user_id}, not ${userId}`);
  }
  const deviceId = account.deviceId ?? me.device_id ?? undefined;
  const client = createClient({
    baseUrl,
    userId,
    accessToken,
    ...(deviceId !== undefined ? { deviceId } : {}),
    logger: quietLogger(),
  });

  const listeners = new Set<(change: WorldChange) => void>();
  const notify = (change: WorldChange) => {
    for (const listener of [...listeners]) listener(change);
  };
  let viewed: { roomId: string | undefined; eventId: string | undefined } = {
    roomId: undefined,
    eventId: undefined,
  };
  /** Names of rooms the client does not have (public directory entries, aliases navigated to). */
  const knownNames = new Map<string, string>();
  /** Public rooms from the room directory, fetched once after the first sync. */
  let directoryRooms: string[] = [];
  let ownName: string | undefined;

  const view = (roomId: string, eventId?: string) => {
    if (viewed.roomId === roomId && viewed.eventId === eventId) return;
    viewed = { roomId, eventId };
    notify({ kind: "viewed" });
  };

  const driver = new MatrixClientDriver(client, {
    getViewedRoomId: () => viewed.roomId,
    onNavigate(resolved: ResolvedNavigationTarget) {
      if (resolved.kind === "room") {
        if (resolved.alias !== undefined && !knownNames.has(resolved.roomId)) {
          knownNames.set(resolved.roomId, resolved.alias);
        }
        view(resolved.roomId, resolved.eventId);
      } else if (resolved.directRoomId !== undefined) {
        view(resolved.directRoomId);
      }
      // A user without a direct-message room: the playground has no profile view to open.
    },
  });

  const joined = (): Room[] => client.getRooms().filter((room) => room.getMyMembership() === "join");

  client.on(ClientEvent.Room, () => notify({ kind: "rooms" }));
  client.on(ClientEvent.DeleteRoom, () => notify({ kind: "rooms" }));
  client.on(RoomEvent.MyMembership, () => notify({ kind: "rooms" }));
  client.on(RoomEvent.Name, () => notify({ kind: "rooms" }));
  client.on(RoomEvent.Timeline, (_event, room, toStartOfTimeline) => {
    if (room !== undefined && !toStartOfTimeline) notify({ kind: "timeline", roomId: room.roomId });
  });
  client.on(RoomEvent.LocalEchoUpdated, (_event, room) => notify({ kind: "timeline", roomId: room.roomId }));

  options.onStatus(`Syncing with ${baseUrl} as ${userId}…`);
  const synced = firstSync(client, options.onStatus);
  await client.startClient({ initialSyncLimit: 20 });
  try {
    await synced;
  } catch (error) {
    client.stopClient();
    throw error;
  }

  const latest = joined().sort((a, b) => b.getLastActiveTimestamp() - a.getLastActiveTimestamp())[0];
  if (latest !== undefined) viewed = { roomId: latest.roomId, eventId: undefined };

  // Cheap extras, fetched in the background: the own display name and the public room directory.
  void client.getProfileInfo(userId).then(
    (profile) => {
      if (typeof profile.displayname === "string") {
        ownName = profile.displayname;
        notify({ kind: "rooms" });
      }
    },
    () => {},
  );
  void client.publicRooms({ limit: 20 }).then(
    (directory) => {
      directoryRooms = directory.chunk.map((entry) => entry.room_id);
      for (const entry of directory.chunk) {
        const name = entry.name ?? entry.canonical_alias;
        if (name) knownNames.set(entry.room_id, name);
      }
      notify({ kind: "rooms" });
    },
    () => {},
  );

  const senderName = (room: Room, event: MatrixEvent): string => {
    const sender = event.getSender() ?? "";
    // The current name, as the in-memory world shows it (the name at the time may be none yet).
    return room.getMember(sender)?.name ?? event.sender?.name ?? sender;
  };

  const world: PlaygroundWorld = {
    description: `${baseUrl} as ${userId}`,
    ownUserId: userId,
    ownDisplayName: () => ownName ?? client.getUser(userId)?.displayName ?? userId,
    joinedRooms: () =>
      joined()
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((room) => room.roomId),
    otherRooms() {
      const mine = new Set(joined().map((room) => room.roomId));
      return directoryRooms.filter((roomId) => !mine.has(roomId));
    },
    roomName(roomId) {
      const room = client.getRoom(roomId);
      // matrix-js-sdk names rooms as clients do: m.room.name, the alias, else the other members.
      if (room !== null && room.getMyMembership() !== "leave") return room.name;
      return knownNames.get(roomId) ?? room?.name ?? roomId;
    },
    timeline(roomId, limit) {
      const room = client.getRoom(roomId);
      if (room === null) return [];
      return room
        .getLiveTimeline()
        .getEvents()
        .slice(-limit)
        .map((event) => ({
          eventId: event.getId() ?? "",
          senderName: senderName(room, event),
          text: lineText(event.getType(), event.getContent()),
        }));
    },
    get viewedRoomId() {
      return viewed.roomId;
    },
    get highlightedEventId() {
      return viewed.eventId;
    },
    view,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    driver,
    async resolveNavigationTarget(target: NavigationTarget): Promise<PlaygroundTarget> {
      const resolved = await driver.resolveNavigationTarget(target);
      if (resolved.kind === "user") return { kind: "user", userId: resolved.userId };
      if (resolved.alias !== undefined && !knownNames.has(resolved.roomId)) {
        knownNames.set(resolved.roomId, resolved.alias);
      }
      return { kind: "room", roomId: resolved.roomId, joined: resolved.joined };
    },
    exposed: {
      get world() {
        return world;
      },
      driver,
      client,
    },
  };
  return world;
}
