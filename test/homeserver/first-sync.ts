// Starting a matrix-js-sdk client and waiting for its first sync: what the homeserver tests (in
// Node) and the Element Call host pages (bundled for the browser) both do. Kept free of Node
// imports so that either can use it.
import { ClientEvent, SyncState, type MatrixClient } from "matrix-js-sdk";

/**
 * Starts `client` and resolves once its first sync is done (PREPARED or SYNCING); rejects when
 * that takes more than 30 s.
 */
export async function startAndSync(client: MatrixClient, initialSyncLimit: number): Promise<void> {
  const synced = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("The client did not sync within 30 s")), 30_000);
    const onSync = (state: SyncState) => {
      if (state === SyncState.Prepared || state === SyncState.Syncing) {
        clearTimeout(timer);
        client.off(ClientEvent.Sync, onSync);
        resolve();
      }
    };
    client.on(ClientEvent.Sync, onSync);
  });
  await client.startClient({ initialSyncLimit });
  await synced;
}
