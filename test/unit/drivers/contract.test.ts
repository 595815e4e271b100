// The WidgetDriver contract (test/contract/driver-contract.ts) run against the in-memory driver.

import { describeDriverContract, type ContractFixture } from "../../contract/driver-contract.js";
import type { RtcTransport } from "../../../src/host/driver.js";
import { MatrixWorld, MemoryDriver } from "../../../src/drivers/memory/index.js";

let users = 0;
const RTC_TRANSPORTS: RtcTransport[] = [{ type: "livekit", livekit_service_url: "https://sfu.example.org" }];

describeDriverContract("MemoryDriver", async (): Promise<ContractFixture> => {
  const world = new MatrixWorld({ ownUserId: "@me:example.org", rtcTransports: RTC_TRANSPORTS });
  world.setProfile(world.ownUserId, { displayName: "Me" });
  const driver = new MemoryDriver(world);
  const own = world.ownUserId;
  let aliases = 0;
  return {
    driver,
    ownUserId: own,
    serverName: world.serverName,
    async makeUser(name, displayName) {
      const userId = `@${name}_${++users}:${world.serverName}`;
      world.addUser({ userId, ...(displayName !== undefined ? { displayName } : {}) });
      return userId;
    },
    async makeSharedRoom({ members = [], aliasName } = {}) {
      const alias = aliasName === undefined ? undefined : `#${aliasName}_${++aliases}:${world.serverName}`;
      const roomId = world.createRoom({ creator: own, invite: members, ...(alias ? { alias } : {}) });
      for (const userId of members) world.join(roomId, userId);
      return alias === undefined ? { roomId } : { roomId, alias };
    },
    async makeForeignRoom(creator) {
      return world.createRoom({ creator });
    },
    async makeRoom({ creator, preset, roomVersion, members = [], userLevels = {} }) {
      const roomId = world.createRoom({
        creator,
        preset,
        ...(roomVersion !== undefined ? { roomVersion } : {}),
        invite: preset === "public_chat" ? [] : members,
        userPowerLevels: userLevels,
      });
      for (const userId of members) world.join(roomId, userId);
      return roomId;
    },
    async sendStateAs(userId, roomId, type, stateKey, content) {
      return world.sendEvent(roomId, userId, { type, state_key: stateKey, content }).event_id;
    },
    async joinAs(userId, roomId) {
      world.join(roomId, userId);
    },
    async setAccountData(type, content) {
      world.setAccountData(own, type, content);
    },
    async setRoomAccountData(roomId, type, content) {
      world.setRoomAccountData(own, roomId, type, content);
    },
    async sendAs(userId, roomId, type, content) {
      return world.sendEvent(roomId, userId, { type, content }).event_id;
    },
    async memberContent(roomId, userId) {
      return world.getState(roomId, "m.room.member", userId);
    },
    viewedRoomId: () => world.viewedRoomId,
    rtcTransports: RTC_TRANSPORTS,
    async cleanup() {
      world.delayedEvents.clear();
    },
  };
});
