// MatrixClientDriver with end-to-end encryption on the real Synapse: two clients with
// matrix-js-sdk's Rust crypto (in memory, no IndexedDB), one sending encrypted to-device messages
// through the driver and the other decrypting them. They share an encrypted room, as the users of
// a call do: Rust crypto encrypts only for devices of users it tracks, and it tracks the members
// of encrypted rooms (a device list downloaded for an untracked user is not kept).

import type { MatrixClient } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { silentLogger } from "../../src/core/logger.js";
import { MatrixClientDriver } from "../../src/drivers/matrix-js-sdk/index.js";
import type { ToDeviceEvent } from "../../src/host/driver.js";
import { HomeserverError } from "../../src/host/matrix-error.js";
import { startAndSync } from "./first-sync.js";
import { clientFor, createRoom, csOk, joinRoom, registerFresh, uniqueSuffix } from "./matrix-client.js";
import type { RegisteredUser } from "./provided";

const hs = inject("synapse");
const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 20_000, interval: 50 });

/** A started, synced client with Rust crypto kept in memory. */
async function cryptoClient(user: RegisteredUser): Promise<MatrixClient> {
  const client = clientFor(hs, user);
  await client.initRustCrypto({ useIndexedDB: false });
  await startAndSync(client, 10);
  return client;
}

describe("MatrixClientDriver encrypted to-device messages, between two crypto clients on Synapse", () => {
  let ada: RegisteredUser;
  let ben: RegisteredUser;
  let adaClient: MatrixClient;
  let benClient: MatrixClient;
  let adaDriver: MatrixClientDriver;
  let benDriver: MatrixClientDriver;

  beforeAll(async () => {
    ada = await registerFresh(hs, "ada");
    ben = await registerFresh(hs, "ben");
    const room = await createRoom(hs, ada, {
      preset: "private_chat",
      invite: [ben.userId],
      initial_state: [
        { type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } },
      ],
    });
    await joinRoom(hs, ben, room);
    [adaClient, benClient] = await Promise.all([cryptoClient(ada), cryptoClient(ben)]);
    adaDriver = new MatrixClientDriver(adaClient, { logger: silentLogger });
    benDriver = new MatrixClientDriver(benClient, { logger: silentLogger });
    // Ada's crypto knows Ben's device once his client has uploaded its keys and hers has
    // downloaded them for the room's members (false: only what it tracks).
    await eventually(async () => {
      const devices = await adaClient.getCrypto()?.getUserDeviceInfo([ben.userId], false);
      expect([...(devices?.get(ben.userId)?.keys() ?? [])]).toContain(ben.deviceId);
    });
  });

  afterAll(() => {
    adaClient?.stopClient();
    benClient?.stopClient();
  });

  it("sends an encrypted to-device message through the driver that the other user's client decrypts, to a named device and to *", async () => {
    const received: ToDeviceEvent[] = [];
    const stop = benDriver.watchToDevice((message) => received.push(message));
    try {
      const named = uniqueSuffix();
      const all = uniqueSuffix();
      await adaDriver.sendToDevice("org.example.secret", true, {
        [ben.userId]: { [ben.deviceId]: { named } },
      });
      await adaDriver.sendToDevice("org.example.secret", true, { [ben.userId]: { "*": { all } } });
      await eventually(() =>
        expect(received).toEqual(
          expect.arrayContaining([
            { type: "org.example.secret", sender: ada.userId, content: { named }, encrypted: true },
            { type: "org.example.secret", sender: ada.userId, content: { all }, encrypted: true },
          ]),
        ),
      );
    } finally {
      stop();
    }
  });

  // Last: it signs Ada's device out.
  it("rejects with the homeserver's refusal when the encrypted batch cannot be sent, instead of reporting it sent once queued", async () => {
    const received: ToDeviceEvent[] = [];
    const stop = benDriver.watchToDevice((message) => received.push(message));
    try {
      // A first message sets up the Olm session, so the next one is encrypted without a request.
      const first = uniqueSuffix();
      await adaDriver.sendToDevice("org.example.secret", true, {
        [ben.userId]: { [ben.deviceId]: { first } },
      });
      await eventually(() => expect(received.map((message) => message.content)).toContainEqual({ first }));
      await csOk(hs, ada, "POST", "/_matrix/client/v3/logout", {});
      const error = await adaDriver
        .sendToDevice("org.example.secret", true, { [ben.userId]: { [ben.deviceId]: { late: true } } })
        .then(
          () => "sent",
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(HomeserverError);
      expect((error as HomeserverError).details).toMatchObject({
        httpStatus: 401,
        errcode: "M_UNKNOWN_TOKEN",
      });
    } finally {
      stop();
    }
  });
});
