// The WidgetDriver contract (test/contract/driver-contract.ts) run against MatrixClientDriver over
// a matrix-js-sdk client synced with the real Synapse that global-setup.ts started. Every test
// registers fresh users and starts its own client.

import { inject, vi } from "vitest";
import { csApi, WELL_KNOWN_RTC_FOCI } from "../../scripts/synapse/homeserver.mjs";
import { silentLogger } from "../../src/core/logger.js";
import { HomeserverError } from "../../src/host/matrix-error.js";
import { MatrixClientDriver } from "../../src/drivers/matrix-js-sdk/index.js";
import { describeDriverContract, type ContractFixture } from "../contract/driver-contract.js";
import {
  createRoom,
  csOk,
  joinRoom,
  registerFresh,
  sendAs,
  startSyncedClient,
  uniqueSuffix,
} from "./matrix-client.js";
import type { RegisteredUser } from "./provided";

const hs = inject("synapse");

const waitFor = <T>(check: () => T) => vi.waitFor(check, { timeout: 15_000, interval: 25 });

describeDriverContract("MatrixClientDriver on Synapse", async (): Promise<ContractFixture> => {
  const own = await registerFresh(hs, "own", "Own User");
  const client = await startSyncedClient(hs, own);
  let viewed: string | undefined;
  const driver = new MatrixClientDriver(client, {
    onNavigate: (resolved) => {
      if (resolved.kind === "room") viewed = resolved.roomId;
    },
    confirmOpenId: () => true,
    // This Synapse has no MSC4143 endpoint: the transports come from its client well-known.
    clientWellKnownUrl: `${hs.baseUrl}/.well-known/matrix/client`,
    logger: silentLogger,
  });
  const users = new Map<string, RegisteredUser>([[own.userId, own]]);
  const userFor = (userId: string): RegisteredUser => {
    const user = users.get(userId);
    if (user === undefined) throw new Error(`${userId} was not made by this fixture`);
    return user;
  };
  const ownPath = encodeURIComponent(own.userId);

  return {
    driver,
    ownUserId: own.userId,
    serverName: hs.serverName,
    async makeUser(name, displayName) {
      const user = await registerFresh(hs, name, displayName);
      users.set(user.userId, user);
      return user.userId;
    },
    async makeSharedRoom({ members = [], aliasName } = {}) {
      const localpart = aliasName === undefined ? undefined : `${aliasName}_${uniqueSuffix()}`;
      const roomId = await createRoom(hs, own, {
        preset: "private_chat",
        invite: members,
        ...(localpart !== undefined ? { room_alias_name: localpart } : {}),
      });
      for (const userId of members) await joinRoom(hs, userFor(userId), roomId);
      // The driver reads from the client's store: wait until /sync delivered the room and members.
      await waitFor(() => {
        const room = client.getRoom(roomId);
        if (room?.getMyMembership() !== "join") throw new Error("room not synced yet");
        for (const userId of members) {
          if (room.getMember(userId)?.membership !== "join") throw new Error("members not synced yet");
        }
      });
      return localpart === undefined ? { roomId } : { roomId, alias: `#${localpart}:${hs.serverName}` };
    },
    makeForeignRoom(creator) {
      return createRoom(hs, userFor(creator), { preset: "private_chat" });
    },
    async makeRoom({ creator, preset, roomVersion, members = [], userLevels = {} }) {
      const levels = Object.keys(userLevels).length > 0;
      const roomId = await createRoom(hs, userFor(creator), {
        preset,
        // Without a version Synapse makes its default, 12, as the in-memory world does.
        ...(roomVersion !== undefined ? { room_version: roomVersion } : {}),
        ...(preset === "public_chat" ? {} : { invite: members }),
        ...(levels
          ? {
              // Synapse replaces `users` whole with the override: in version 11 the creator is
              // named again; in version 12 a creator must not be named at all.
              power_level_content_override: {
                users: roomVersion === "11" ? { ...userLevels, [creator]: 100 } : userLevels,
              },
            }
          : {}),
      });
      for (const userId of members) await joinRoom(hs, userFor(userId), roomId);
      if (creator === own.userId || members.includes(own.userId)) {
        await waitFor(() => {
          const room = client.getRoom(roomId);
          if (room?.getMyMembership() !== "join") throw new Error("room not synced yet");
          for (const userId of members) {
            if (room.getMember(userId)?.membership !== "join") throw new Error("members not synced yet");
          }
        });
      }
      return roomId;
    },
    async sendStateAs(userId, roomId, type, stateKey, content) {
      const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/${encodeURIComponent(type)}/${encodeURIComponent(stateKey)}`;
      const res = await csApi(hs, userFor(userId).accessToken, "PUT", path, content);
      const json = (res.json ?? {}) as Record<string, unknown>;
      if (res.status !== 200) {
        throw new HomeserverError({
          httpStatus: res.status,
          errcode: String(json["errcode"]),
          error: String(json["error"]),
        });
      }
      return json["event_id"] as string;
    },
    async joinAs(userId, roomId) {
      const path = `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`;
      const res = await csApi(hs, userFor(userId).accessToken, "POST", path, {});
      if (res.status !== 200) {
        const json = (res.json ?? {}) as Record<string, unknown>;
        throw new HomeserverError({
          httpStatus: res.status,
          errcode: String(json["errcode"]),
          error: String(json["error"]),
        });
      }
    },
    async setAccountData(type, content) {
      await csOk(
        hs,
        own,
        "PUT",
        `/_matrix/client/v3/user/${ownPath}/account_data/${encodeURIComponent(type)}`,
        content,
      );
      await waitFor(() => {
        const stored = client.getAccountData(type as never)?.getContent();
        if (JSON.stringify(stored) !== JSON.stringify(content))
          throw new Error("account data not synced yet");
      });
    },
    async setRoomAccountData(roomId, type, content) {
      const path = `/_matrix/client/v3/user/${ownPath}/rooms/${encodeURIComponent(roomId)}/account_data/${encodeURIComponent(type)}`;
      await csOk(hs, own, "PUT", path, content);
      await waitFor(() => {
        const stored = client.getRoom(roomId)?.getAccountData(type)?.getContent();
        if (JSON.stringify(stored) !== JSON.stringify(content))
          throw new Error("room account data not synced yet");
      });
    },
    sendAs(userId, roomId, type, content) {
      return sendAs(hs, userFor(userId), roomId, type, content);
    },
    async memberContent(roomId, userId) {
      const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.member/${encodeURIComponent(userId)}`;
      const res = await csApi(hs, own.accessToken, "GET", path);
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new Error(`GET ${path} failed: HTTP ${res.status}`);
      return res.json as Record<string, unknown>;
    },
    viewedRoomId: () => viewed,
    rtcTransports: [...WELL_KNOWN_RTC_FOCI],
    async cleanup() {
      client.stopClient();
    },
  };
});
