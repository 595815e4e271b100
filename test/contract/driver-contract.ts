// One behavioural contract for every WidgetDriver: the same tests run against the in-memory
// driver (test/unit/drivers/contract.test.ts) and the matrix-js-sdk driver over a real Synapse
// (test/homeserver/matrix-client-driver.contract.test.ts). Reads go through `eventually`, so a
// driver whose store fills from /sync has time to catch up; the memory driver passes at once.

import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RoomEvent, RtcTransport, WidgetDriver } from "../../src/host/driver.js";
import { HomeserverError } from "../../src/host/matrix-error.js";
import type { NavigationTarget } from "../../src/matrix/links.js";

/** What a driver resolves a navigation target to; both drivers share this much. */
export type ContractResolvedTarget =
  | { kind: "room"; roomId: string; joined: boolean; eventId?: string }
  | { kind: "user"; userId: string; directRoomId?: string };

/** A driver under contract: a {@link WidgetDriver} that can also resolve navigation targets. */
export type ContractDriver = WidgetDriver & {
  resolveNavigationTarget(target: NavigationTarget): Promise<ContractResolvedTarget>;
};

/** Everything one contract test needs; made fresh for every test. */
export interface ContractFixture {
  driver: ContractDriver;
  /** The user the driver acts as. */
  ownUserId: string;
  /** The homeserver's name (the server part of user IDs). */
  serverName: string;
  /** Adds a user (a fresh one each time, even for the same name) and returns their ID. */
  makeUser(name: string, displayName?: string): Promise<string>;
  /**
   * Creates a private room as the signed-in user, with `members` joined, and with an alias made
   * unique from `aliasName` when given. Resolves once the driver can see the room.
   */
  makeSharedRoom(options?: {
    members?: string[];
    aliasName?: string;
  }): Promise<{ roomId: string; alias?: string }>;
  /** Creates a private room as `creator` that the signed-in user is not in. */
  makeForeignRoom(creator: string): Promise<string>;
  /**
   * Creates a room as `creator` with a `createRoom` preset, of the homeserver's default version
   * (12, on Synapse 1.163 as in the in-memory world) unless `roomVersion` is given, giving the
   * users in `userLevels` those power levels, and joins `members` to it (invited first unless the
   * room is public). Resolves once the driver sees the room when the signed-in user is among the
   * creator and members.
   */
  makeRoom(options: {
    creator: string;
    preset: "private_chat" | "public_chat";
    roomVersion?: "11" | "12";
    members?: string[];
    userLevels?: Record<string, number>;
  }): Promise<string>;
  /**
   * Sets room state as another (joined) user and returns the event ID; rejects with a
   * {@link HomeserverError} carrying the homeserver's status when it refuses.
   */
  sendStateAs(
    userId: string,
    roomId: string,
    type: string,
    stateKey: string,
    content: Record<string, unknown>,
  ): Promise<string>;
  /**
   * Joins `userId` (made by {@link makeUser}) to a room; rejects with a {@link HomeserverError}
   * carrying the homeserver's status and errcode when it refuses.
   */
  joinAs(userId: string, roomId: string): Promise<void>;
  /** Sets the signed-in user's global account data; resolves once the driver can see it. */
  setAccountData(type: string, content: Record<string, unknown>): Promise<void>;
  /** Sets the signed-in user's room account data; resolves once the driver can see it. */
  setRoomAccountData(roomId: string, type: string, content: Record<string, unknown>): Promise<void>;
  /** Sends a room event as another (joined) user and returns its event ID. */
  sendAs(userId: string, roomId: string, type: string, content: Record<string, unknown>): Promise<string>;
  /** The current `m.room.member` content of a user in a room, read on the server's side. */
  memberContent(roomId: string, userId: string): Promise<Record<string, unknown> | undefined>;
  /** The room the application shows after the driver's last `navigate`. */
  viewedRoomId(): string | undefined;
  /** The MatrixRTC transports the homeserver offers, as the driver should list them (MSC4515). */
  rtcTransports: RtcTransport[];
  cleanup(): Promise<void>;
}

/** How long reads may take to reflect a change (a real client waits for /sync). */
const EVENTUALLY_MS = 15_000;

/** Retries `check` until it stops throwing, for at most {@link EVENTUALLY_MS}. */
export function eventually<T>(check: () => T | Promise<T>): Promise<T> {
  return vi.waitFor(check, { timeout: EVENTUALLY_MS, interval: 50 });
}

/** The driver operation `name`, bound, failing the test when the driver lacks it. */
function op<K extends keyof WidgetDriver>(driver: WidgetDriver, name: K): NonNullable<WidgetDriver[K]> {
  const value: unknown = driver[name];
  if (typeof value !== "function") throw new Error(`The driver does not implement ${String(name)}`);
  return (value as (...args: unknown[]) => unknown).bind(driver) as NonNullable<WidgetDriver[K]>;
}

/** Awaits `promise`, expecting a HomeserverError with the given status. */
async function expectHomeserverError(
  promise: Promise<unknown>,
  httpStatus: number,
): Promise<HomeserverError> {
  const error = await promise.then(
    () => expect.fail(`expected a ${httpStatus} HomeserverError`),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(HomeserverError);
  expect((error as HomeserverError).details.httpStatus).toBe(httpStatus);
  return error as HomeserverError;
}

/** A short random tag of letters, so display names and aliases never collide between runs. */
function tag(): string {
  return [...randomBytes(6)].map((byte) => String.fromCharCode(97 + (byte % 26))).join("");
}

/**
 * Declares the contract tests for a driver. `setup` runs before every test and must give a fresh
 * signed-in user; `cleanup` runs after it.
 */
export function describeDriverContract(name: string, setup: () => Promise<ContractFixture>): void {
  describe(`WidgetDriver contract: ${name}`, () => {
    let f: ContractFixture;

    beforeEach(async () => {
      f = await setup();
    });

    afterEach(async () => {
      await f?.cleanup();
    });

    it("names the signed-in user and device", () => {
      expect(f.driver.userId).toBe(f.ownUserId);
      expect(typeof f.driver.deviceId).toBe("string");
    });

    it("finds a room-mate in the user directory by display name", async () => {
      const displayName = `Dora ${tag()}`;
      const dora = await f.makeUser("dora", displayName);
      await f.makeSharedRoom({ members: [dora] });
      const search = op(f.driver, "searchUserDirectory");
      const result = await eventually(async () => {
        const found = await search(displayName, 10);
        expect(found.results.map((user) => user.userId)).toContain(dora);
        return found;
      });
      expect(result.results.find((user) => user.userId === dora)?.displayName).toBe(displayName);
      expect(typeof result.limited).toBe("boolean");
    });

    it("reads a user's real profile, and 404 for an unknown user", async () => {
      const displayName = `Eve ${tag()}`;
      const eve = await f.makeUser("eve", displayName);
      const getProfile = op(f.driver, "getProfile");
      expect((await getProfile(eve)).displayName).toBe(displayName);
      await expectHomeserverError(getProfile(`@nobody_${tag()}:${f.serverName}`), 404);
    });

    it("reads account data that is set, and undefined for an unset type", async () => {
      const content = { widgets: ["a", "b"], nested: { n: 1 } };
      await f.setAccountData("org.example.contract", content);
      const read = op(f.driver, "readAccountData");
      expect(await read("org.example.contract")).toEqual(content);
      expect(await read(`org.example.unset.${tag()}`)).toBeUndefined();
    });

    it("tells account-data watchers about changes until they stop", async () => {
      const watch = op(f.driver, "watchAccountData");
      const first: [string, unknown][] = [];
      const second: [string, unknown][] = [];
      const stopFirst = watch((type, content) => first.push([type, content]));
      const stopSecond = watch((type, content) => second.push([type, content]));
      try {
        await f.setAccountData("org.example.watched", { n: 1 });
        await eventually(() => expect(first).toContainEqual(["org.example.watched", { n: 1 }]));
        stopFirst();
        await f.setAccountData("org.example.watched", { n: 2 });
        await eventually(() => expect(second).toContainEqual(["org.example.watched", { n: 2 }]));
        expect(first).not.toContainEqual(["org.example.watched", { n: 2 }]);
      } finally {
        stopFirst();
        stopSecond();
      }
    });

    it("invites a user into a room, and refuses (403) where the user may not invite", async () => {
      const frank = await f.makeUser("frank");
      const { roomId } = await f.makeSharedRoom();
      await op(f.driver, "inviteUsers")(roomId, [frank]);
      expect((await f.memberContent(roomId, frank))?.["membership"]).toBe("invite");

      const foreign = await f.makeForeignRoom(frank);
      const grace = await f.makeUser("grace");
      await expectHomeserverError(op(f.driver, "inviteUsers")(foreign, [grace]), 403);
    });

    it("gives a new room of version 11 the homeserver's default power levels for its preset", async () => {
      const kate = await f.makeUser("kate");
      const privateRoom = await f.makeRoom({
        creator: f.ownUserId,
        preset: "private_chat",
        roomVersion: "11",
      });
      const publicRoom = await f.makeRoom({
        creator: kate,
        preset: "public_chat",
        roomVersion: "11",
        members: [f.ownUserId],
      });
      const readState = op(f.driver, "readStateEvents");
      const levelsOf = (roomId: string) =>
        eventually(async () => {
          const [event] = await readState(roomId, "m.room.power_levels", "");
          if (event === undefined) throw new Error("no power levels yet");
          return event.content;
        });
      const events = {
        "m.room.name": 50,
        "m.room.power_levels": 100,
        "m.room.history_visibility": 100,
        "m.room.canonical_alias": 50,
        "m.room.avatar": 50,
        "m.room.tombstone": 100,
        "m.room.server_acl": 100,
        "m.room.encryption": 100,
      };
      const rest = {
        users_default: 0,
        events_default: 0,
        state_default: 50,
        ban: 50,
        kick: 50,
        redact: 50,
        historical: 100,
      };
      expect(await levelsOf(privateRoom)).toEqual({
        ...rest,
        users: { [f.ownUserId]: 100 },
        events,
        invite: 0,
      });
      expect(await levelsOf(publicRoom)).toEqual({
        ...rest,
        users: { [kate]: 100 },
        events: { ...events, "m.call.invite": 50 },
        invite: 50,
      });
    });

    it("gives a new room of version 12 default power levels without its creator, and the tombstone at 150", async () => {
      const kate = await f.makeUser("kate");
      const privateRoom = await f.makeRoom({ creator: f.ownUserId, preset: "private_chat" });
      const publicRoom = await f.makeRoom({ creator: kate, preset: "public_chat", members: [f.ownUserId] });
      const readState = op(f.driver, "readStateEvents");
      const levelsOf = (roomId: string) =>
        eventually(async () => {
          const [event] = await readState(roomId, "m.room.power_levels", "");
          if (event === undefined) throw new Error("no power levels yet");
          return event.content;
        });
      const events = {
        "m.room.name": 50,
        "m.room.power_levels": 100,
        "m.room.history_visibility": 100,
        "m.room.canonical_alias": 50,
        "m.room.avatar": 50,
        "m.room.tombstone": 150,
        "m.room.server_acl": 100,
        "m.room.encryption": 100,
      };
      const rest = {
        users_default: 0,
        events_default: 0,
        state_default: 50,
        ban: 50,
        kick: 50,
        redact: 50,
        historical: 100,
      };
      // A widget reading the power levels finds no entry for the creator: its power is unlimited.
      expect(await levelsOf(privateRoom)).toEqual({ ...rest, users: {}, events, invite: 0 });
      expect(await levelsOf(publicRoom)).toEqual({
        ...rest,
        users: {},
        events: { ...events, "m.call.invite": 50 },
        invite: 50,
      });
    });

    it("names a version 12 room by its create event's hash, with no server name; version 11 by one with", async () => {
      const roomId = await f.makeRoom({ creator: f.ownUserId, preset: "private_chat" });
      expect(roomId).toMatch(/^![A-Za-z0-9_-]{43}$/);
      const readState = op(f.driver, "readStateEvents");
      const createOf = (room: string) =>
        eventually(async () => {
          const [event] = await readState(room, "m.room.create", "");
          if (event === undefined) throw new Error("no create event yet");
          return event;
        });
      const create = await createOf(roomId);
      expect(create.event_id).toBe(`$${roomId.slice(1)}`);
      expect(create.sender).toBe(f.ownUserId);
      expect(create.content["room_version"]).toBe("12");
      expect(create.content).not.toHaveProperty("creator");

      const older = await f.makeRoom({ creator: f.ownUserId, preset: "private_chat", roomVersion: "11" });
      expect(older.endsWith(`:${f.serverName}`)).toBe(true);
      expect((await createOf(older)).content["room_version"]).toBe("11");
    });

    it("lets the creator of a version 12 room send state at any level, and refuses (400) to list them in users", async () => {
      const lena = await f.makeUser("lena");
      const roomId = await f.makeRoom({
        creator: f.ownUserId,
        preset: "private_chat",
        members: [lena],
        userLevels: { [lena]: 100 },
      });
      const readState = op(f.driver, "readStateEvents");
      const send = op(f.driver, "sendEvent");
      const levels = await eventually(async () => {
        const [event] = await readState(roomId, "m.room.power_levels", "");
        if (event === undefined) throw new Error("no power levels yet");
        return event.content;
      });
      expect(levels["users"]).toEqual({ [lena]: 100 });
      const type = `org.example.locked.${tag()}`;
      const events = { ...(levels["events"] as Record<string, number>), [type]: 1_000_000 };
      await send("m.room.power_levels", { ...levels, events }, { roomId, stateKey: "" });
      await eventually(async () => {
        const [event] = await readState(roomId, "m.room.power_levels", "");
        expect(event?.content["events"]).toMatchObject({ [type]: 1_000_000 });
      });
      await send(type, { by: "creator" }, { roomId, stateKey: "" });
      await expectHomeserverError(f.sendStateAs(lena, roomId, type, "", { by: "lena" }), 403);
      await eventually(async () =>
        expect((await readState(roomId, type, ""))[0]?.content).toEqual({ by: "creator" }),
      );
      // No power levels can demote a creator: naming one in `users` is refused.
      const demotion = await expectHomeserverError(
        send(
          "m.room.power_levels",
          { ...levels, users: { [lena]: 100, [f.ownUserId]: 0 } },
          { roomId, stateKey: "" },
        ),
        400,
      );
      expect(demotion.details.errcode).toBe("M_UNKNOWN");
    });

    it("needs 150 for a tombstone in a version 12 room: refused (403) at 100, sent by the creator", async () => {
      const lena = await f.makeUser("lena");
      const roomId = await f.makeRoom({
        creator: f.ownUserId,
        preset: "private_chat",
        members: [lena],
        userLevels: { [lena]: 100 },
      });
      const { roomId: replacement } = await f.makeSharedRoom();
      const content = { body: "This room has moved", replacement_room: replacement };
      const refused = await expectHomeserverError(
        f.sendStateAs(lena, roomId, "m.room.tombstone", "", content),
        403,
      );
      expect(refused.details.errcode).toBe("M_FORBIDDEN");
      const sent = await op(f.driver, "sendEvent")("m.room.tombstone", content, { roomId, stateKey: "" });
      await eventually(async () => {
        const [event] = await op(f.driver, "readStateEvents")(roomId, "m.room.tombstone", "");
        expect(event).toMatchObject({ event_id: sent.eventId, sender: f.ownUserId, content });
      });
    });

    it("refuses (403) an invite from a member below the room's invite level, inviting nobody", async () => {
      const lena = await f.makeUser("lena");
      const mia = await f.makeUser("mia");
      // A public room: invite needs 50, and the signed-in user joined with 0.
      const roomId = await f.makeRoom({ creator: lena, preset: "public_chat", members: [f.ownUserId] });
      await expectHomeserverError(op(f.driver, "inviteUsers")(roomId, [mia]), 403);
      expect(await f.memberContent(roomId, mia)).toBeUndefined();
    });

    it("kicks a member by a moderator's m.room.member leave, refuses (403) one below the kick level, and lets the kicked user rejoin a public room", async () => {
      const lena = await f.makeUser("lena");
      const mia = await f.makeUser("mia");
      const roomId = await f.makeRoom({ creator: f.ownUserId, preset: "public_chat", members: [lena, mia] });
      const send = op(f.driver, "sendEvent");
      await send("m.room.member", { membership: "leave", reason: "cool down" }, { roomId, stateKey: lena });
      expect(await f.memberContent(roomId, lena)).toEqual({ membership: "leave", reason: "cool down" });
      const refused = await expectHomeserverError(
        f.sendStateAs(mia, roomId, "m.room.member", f.ownUserId, { membership: "leave" }),
        403,
      );
      expect(refused.details.errcode).toBe("M_FORBIDDEN");
      expect((await f.memberContent(roomId, f.ownUserId))?.["membership"]).toBe("join");
      await f.joinAs(lena, roomId);
      expect((await f.memberContent(roomId, lena))?.["membership"]).toBe("join");
      // A widget reading the room's members sees the rejoin.
      await eventually(async () => {
        const [event] = await op(f.driver, "readStateEvents")(roomId, "m.room.member", lena);
        expect(event?.content["membership"]).toBe("join");
      });
    });

    it("refuses (403) a kick from the signed-in user at level 0, changing nothing", async () => {
      const lena = await f.makeUser("lena");
      const mia = await f.makeUser("mia");
      const roomId = await f.makeRoom({ creator: lena, preset: "public_chat", members: [f.ownUserId, mia] });
      const refused = await expectHomeserverError(
        op(f.driver, "sendEvent")("m.room.member", { membership: "leave" }, { roomId, stateKey: mia }),
        403,
      );
      expect(refused.details.errcode).toBe("M_FORBIDDEN");
      expect((await f.memberContent(roomId, mia))?.["membership"]).toBe("join");
    });

    it("bans by m.room.member ban: the banned user can neither join nor be invited (403 M_BAD_STATE) until unbanned", async () => {
      const lena = await f.makeUser("lena");
      const roomId = await f.makeRoom({ creator: f.ownUserId, preset: "public_chat", members: [lena] });
      const send = op(f.driver, "sendEvent");
      await send("m.room.member", { membership: "ban", reason: "spam" }, { roomId, stateKey: lena });
      expect(await f.memberContent(roomId, lena)).toEqual({ membership: "ban", reason: "spam" });
      const join = await expectHomeserverError(f.joinAs(lena, roomId), 403);
      expect(join.details.errcode).toBe("M_BAD_STATE");
      await eventually(async () => {
        const [event] = await op(f.driver, "readStateEvents")(roomId, "m.room.member", lena);
        expect(event?.content["membership"]).toBe("ban");
      });
      const invite = await expectHomeserverError(op(f.driver, "inviteUsers")(roomId, [lena]), 403);
      expect(invite.details.errcode).toBe("M_BAD_STATE");
      // An unban is a leave sent by a member at the ban level.
      await send("m.room.member", { membership: "leave" }, { roomId, stateKey: lena });
      expect(await f.memberContent(roomId, lena)).toEqual({ membership: "leave" });
      await f.joinAs(lena, roomId);
      expect((await f.memberContent(roomId, lena))?.["membership"]).toBe("join");
    });

    it("changes other users' power only up to the sender's own level, and not of a user at that level (403)", async () => {
      const lena = await f.makeUser("lena");
      const mia = await f.makeUser("mia");
      const roomId = await f.makeRoom({
        creator: lena,
        preset: "private_chat",
        members: [f.ownUserId, mia],
        userLevels: { [f.ownUserId]: 100, [mia]: 50 },
      });
      const readLevels = () =>
        eventually(async () => {
          const [event] = await op(f.driver, "readStateEvents")(roomId, "m.room.power_levels", "");
          if (event === undefined) throw new Error("no power levels yet");
          return event.content;
        });
      const levels = await readLevels();
      const users = { [f.ownUserId]: 100, [mia]: 50 };
      expect(levels["users"]).toEqual(users);
      const send = (content: Record<string, unknown>) =>
        op(f.driver, "sendEvent")("m.room.power_levels", content, { roomId, stateKey: "" });
      for (const content of [
        { ...levels, users: { ...users, [mia]: 101 } },
        { ...levels, kick: 101 },
      ]) {
        const refused = await expectHomeserverError(send(content), 403);
        expect(refused.details.errcode).toBe("M_FORBIDDEN");
      }
      await send({ ...levels, users: { ...users, [mia]: 100 } });
      await eventually(async () => expect((await readLevels())["users"]).toEqual({ ...users, [mia]: 100 }));
      // Mia is at the signed-in user's level now: they may not lower her.
      const equal = await expectHomeserverError(send({ ...levels, users: { ...users, [mia]: 0 } }), 403);
      expect(equal.details.errcode).toBe("M_FORBIDDEN");
      expect((await readLevels())["users"]).toEqual({ ...users, [mia]: 100 });
    });

    it("serves timeline events with the signed-in user's membership after them (MSC4115)", async () => {
      const judy = await f.makeUser("judy");
      const { roomId } = await f.makeSharedRoom({ members: [judy] });
      const seen: RoomEvent[] = [];
      const stop = op(f.driver, "watchRoomEvents")((event) => seen.push(event));
      try {
        const type = `org.example.membership.${tag()}`;
        const eventId = await f.sendAs(judy, roomId, type, { n: 1 });
        const [read] = await eventually(async () => {
          const events = await op(f.driver, "readRoomEvents")({ roomId, eventType: type, limit: 1 });
          expect(events.map((event) => event.event_id)).toEqual([eventId]);
          return events;
        });
        expect(read?.unsigned?.["membership"]).toBe("join");
        await eventually(() => expect(seen.find((event) => event.event_id === eventId)).toBeDefined());
        expect(seen.find((event) => event.event_id === eventId)?.unsigned?.["membership"]).toBe("join");
      } finally {
        stop();
      }
    });

    it("creates a direct message with the invite and merges it into m.direct", async () => {
      const heidi = await f.makeUser("heidi");
      const earlier = `!earlier_${tag()}:${f.serverName}`;
      await f.setAccountData("m.direct", { "@someone:elsewhere.example": [earlier] });
      const { roomId } = await op(f.driver, "createDirectMessage")([heidi]);
      expect(roomId).toMatch(/^!/);
      const member = await f.memberContent(roomId, heidi);
      expect(member).toMatchObject({ membership: "invite", is_direct: true });
      // A trusted private chat of version 12 makes the invitee a creator, not a user at 100.
      const readState = op(f.driver, "readStateEvents");
      await eventually(async () => {
        const [create] = await readState(roomId, "m.room.create", "");
        expect(create?.content).toMatchObject({ room_version: "12", additional_creators: [heidi] });
        const [levels] = await readState(roomId, "m.room.power_levels", "");
        expect(levels?.content["users"]).toEqual({});
      });
      const read = op(f.driver, "readAccountData");
      await eventually(async () =>
        expect(await read("m.direct")).toEqual({
          "@someone:elsewhere.example": [earlier],
          [heidi]: [roomId],
        }),
      );
    });

    it("navigates to a room alias by its room ID, and 404s an unknown alias", async () => {
      const { roomId, alias } = await f.makeSharedRoom({ aliasName: "lobby" });
      if (alias === undefined) throw new Error("the fixture made no alias");
      const target: NavigationTarget = { type: "room", room: alias, via: [] };
      expect(await f.driver.resolveNavigationTarget(target)).toMatchObject({
        kind: "room",
        roomId,
        joined: true,
      });
      await op(f.driver, "navigate")(target);
      expect(f.viewedRoomId()).toBe(roomId);
      const unknown: NavigationTarget = { type: "room", room: `#missing_${tag()}:${f.serverName}`, via: [] };
      await expectHomeserverError(op(f.driver, "navigate")(unknown), 404);
    });

    it("sends room events and reads them back newest first, with limit, msgtype and since", async () => {
      const { roomId } = await f.makeSharedRoom();
      const send = op(f.driver, "sendEvent");
      const first = await send("m.room.message", { msgtype: "m.text", body: "one" }, { roomId });
      const second = await send("m.room.message", { msgtype: "m.notice", body: "two" }, { roomId });
      const third = await send("m.room.message", { msgtype: "m.text", body: "three" }, { roomId });
      for (const sent of [first, second, third])
        expect(sent).toMatchObject({ roomId, eventId: expect.any(String) });

      const read = op(f.driver, "readRoomEvents");
      const all = await eventually(async () => {
        const events = await read({ roomId, eventType: "m.room.message", limit: 10 });
        expect(events.map((event) => event.event_id)).toEqual([third.eventId, second.eventId, first.eventId]);
        return events;
      });
      expect(all[0]).toMatchObject({
        type: "m.room.message",
        room_id: roomId,
        sender: f.ownUserId,
        content: { msgtype: "m.text", body: "three" },
      });
      expect(all[0]?.state_key).toBeUndefined();
      const ids = (events: RoomEvent[]) => events.map((event) => event.event_id);
      expect(ids(await read({ roomId, eventType: "m.room.message", limit: 1 }))).toEqual([third.eventId]);
      expect(ids(await read({ roomId, eventType: "m.room.message", msgtype: "m.text", limit: 10 }))).toEqual([
        third.eventId,
        first.eventId,
      ]);
      expect(
        ids(await read({ roomId, eventType: "m.room.message", limit: 10, since: first.eventId ?? "" })),
      ).toEqual([third.eventId, second.eventId]);
      expect(await read({ roomId, eventType: "org.example.none", limit: 10 })).toEqual([]);
    });

    it("sends state events and reads the room's current state", async () => {
      const ivan = await f.makeUser("ivan");
      const { roomId } = await f.makeSharedRoom({ members: [ivan] });
      const sent = await op(f.driver, "sendEvent")(
        "m.room.topic",
        { topic: "Contracts" },
        { roomId, stateKey: "" },
      );
      const readState = op(f.driver, "readStateEvents");
      await eventually(async () => {
        const [topic] = await readState(roomId, "m.room.topic", "");
        expect(topic).toMatchObject({
          event_id: sent.eventId,
          state_key: "",
          content: { topic: "Contracts" },
        });
      });
      const members = await readState(roomId, "m.room.member", undefined);
      expect(members.map((event) => event.state_key).sort()).toEqual([f.ownUserId, ivan].sort());
      expect(await readState(roomId, "m.room.topic", "other-key")).toEqual([]);
    });

    it("serves state that replaced earlier state with replaces_state, prev_content and prev_sender", async () => {
      const { roomId } = await f.makeSharedRoom();
      const send = op(f.driver, "sendEvent");
      const first = await send("m.room.topic", { topic: "Before" }, { roomId, stateKey: "" });
      const second = await send("m.room.topic", { topic: "After" }, { roomId, stateKey: "" });
      const readState = op(f.driver, "readStateEvents");
      const topic = await eventually(async () => {
        const [event] = await readState(roomId, "m.room.topic", "");
        expect(event?.event_id).toBe(second.eventId);
        expect(event?.unsigned).toHaveProperty("prev_content");
        return event;
      });
      expect(topic?.unsigned).toMatchObject({
        age: expect.any(Number),
        replaces_state: first.eventId,
        prev_content: { topic: "Before" },
        prev_sender: f.ownUserId,
      });
    });

    it("streams new room events from other users to watchers", async () => {
      const judy = await f.makeUser("judy");
      const { roomId } = await f.makeSharedRoom({ members: [judy] });
      const seen: RoomEvent[] = [];
      const stop = op(f.driver, "watchRoomEvents")((event) => seen.push(event));
      try {
        const eventId = await f.sendAs(judy, roomId, "org.example.ping", { n: 1 });
        await eventually(() =>
          expect(seen).toContainEqual(
            expect.objectContaining({ event_id: eventId, sender: judy, room_id: roomId, content: { n: 1 } }),
          ),
        );
        expect(seen.filter((event) => event.event_id === eventId)).toHaveLength(1);
      } finally {
        stop();
      }
    });

    it("lists the rooms the user is in", async () => {
      const { roomId } = await f.makeSharedRoom();
      const known = op(f.driver, "getKnownRooms");
      await eventually(() => expect(known()).toContain(roomId));
    });

    it("reads relations of an event", async () => {
      const { roomId } = await f.makeSharedRoom();
      const send = op(f.driver, "sendEvent");
      const root = await send("m.room.message", { msgtype: "m.text", body: "root" }, { roomId });
      const relation = { rel_type: "m.annotation", event_id: root.eventId, key: "+1" };
      const reaction = await send("m.reaction", { "m.relates_to": relation }, { roomId });
      await send("m.room.message", { msgtype: "m.text", body: "unrelated" }, { roomId });
      const page = await op(
        f.driver,
        "readEventRelations",
      )({
        roomId,
        eventId: root.eventId ?? "",
        relationType: "m.annotation",
      });
      expect(page.chunk.map((event) => event.event_id)).toEqual([reaction.eventId]);
      expect(page.chunk[0]).toMatchObject({ type: "m.reaction", content: { "m.relates_to": relation } });
      // The homeserver serves relations with the reading user's membership after each (MSC4115).
      expect(page.chunk[0]?.unsigned?.["membership"]).toBe("join");
    });

    it("reads room account data that is set, and undefined when unset", async () => {
      const { roomId } = await f.makeSharedRoom();
      await f.setRoomAccountData(roomId, "org.example.room", { pinned: true });
      const read = op(f.driver, "readRoomAccountData");
      expect(await read(roomId, "org.example.room")).toEqual({ pinned: true });
      expect(await read(roomId, `org.example.unset.${tag()}`)).toBeUndefined();
    });

    it("lists the homeserver's MatrixRTC transports", async () => {
      expect(f.rtcTransports.length).toBeGreaterThan(0);
      expect(await op(f.driver, "getRtcTransports")()).toEqual(f.rtcTransports);
    });

    it("sends a delayed event when asked to, after a restart, and then 404s its delay ID", async () => {
      const { roomId } = await f.makeSharedRoom();
      const type = `org.example.delayed.${tag()}`;
      const sent = await op(f.driver, "sendEvent")(type, { n: 1 }, { roomId, delayMs: 60_000 });
      expect(sent).toEqual({ roomId, delayId: expect.any(String) });
      const update = op(f.driver, "updateDelayedEvent");
      await update(sent.delayId ?? "", "restart");
      await update(sent.delayId ?? "", "send");
      const read = op(f.driver, "readRoomEvents");
      await eventually(async () => {
        const events = await read({ roomId, eventType: type, limit: 5 });
        expect(events.map((event) => event.content)).toEqual([{ n: 1 }]);
      });
      await expectHomeserverError(update(sent.delayId ?? "", "restart"), 404);
    });

    it("cancels a delayed state event when another user sets the same state, not when its sender does", async () => {
      const nina = await f.makeUser("nina");
      const roomId = await f.makeRoom({
        creator: f.ownUserId,
        preset: "private_chat",
        members: [nina],
        userLevels: { [nina]: 50 },
      });
      const type = `org.example.status.${tag()}`;
      const send = op(f.driver, "sendEvent");
      const overwritten = await send(type, { by: "delay a" }, { roomId, stateKey: "a", delayMs: 60_000 });
      const kept = await send(type, { by: "delay b" }, { roomId, stateKey: "b", delayMs: 60_000 });
      await f.sendStateAs(nina, roomId, type, "a", { by: "nina" });
      await send(type, { by: "me now" }, { roomId, stateKey: "b" });
      const update = op(f.driver, "updateDelayedEvent");
      // The homeserver cancels it once it has taken in Nina's change.
      await eventually(() => expectHomeserverError(update(overwritten.delayId ?? "", "restart"), 404));
      await update(kept.delayId ?? "", "send");
      const readState = op(f.driver, "readStateEvents");
      await eventually(async () => {
        expect((await readState(roomId, type, "a"))[0]?.content).toEqual({ by: "nina" });
        expect((await readState(roomId, type, "b"))[0]?.content).toEqual({ by: "delay b" });
      });
    });

    it("never sends a cancelled delayed event, and 404s its delay ID", async () => {
      const { roomId } = await f.makeSharedRoom();
      const type = `org.example.cancelled.${tag()}`;
      const sent = await op(f.driver, "sendEvent")(type, {}, { roomId, delayMs: 60_000 });
      const update = op(f.driver, "updateDelayedEvent");
      await update(sent.delayId ?? "", "cancel");
      await expectHomeserverError(update(sent.delayId ?? "", "send"), 404);
      expect(await op(f.driver, "readRoomEvents")({ roomId, eventType: type, limit: 5 })).toEqual([]);
    });

    it("reads back its own sticky event with its duration, and not a plain one", async () => {
      const { roomId } = await f.makeSharedRoom();
      const type = "org.matrix.msc3401.call.member";
      const send = op(f.driver, "sendEvent");
      const sticky = await send(type, { sticky_key: "m1" }, { roomId, stickyDurationMs: 300_000 });
      const plain = await send(type, { sticky_key: "m2" }, { roomId });
      const events = await eventually(async () => {
        const found = await op(f.driver, "readStickyEvents")(roomId);
        expect(found.map((event) => event.event_id)).toContain(sticky.eventId);
        return found;
      });
      expect(events.map((event) => event.event_id)).not.toContain(plain.eventId);
      expect(events.find((event) => event.event_id === sticky.eventId)).toMatchObject({
        type,
        sender: f.ownUserId,
        content: { sticky_key: "m1" },
        msc4354_sticky: { duration_ms: 300_000 },
      });
    });

    it("hands out OpenID credentials for the user's server", async () => {
      const credentials = await op(f.driver, "requestOpenId")();
      expect(credentials).toMatchObject({
        access_token: expect.any(String),
        expires_in: expect.any(Number),
        matrix_server_name: f.serverName,
        token_type: "Bearer",
      });
    });
  });
}
