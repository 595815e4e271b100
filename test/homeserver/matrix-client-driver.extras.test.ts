// MatrixClientDriver operations outside the shared contract (the in-memory driver does not have
// them), on the real Synapse: media, OpenID, to-device between two synced clients, TURN, delayed
// events, navigation details. One MatrixClient per signed-in user.

import type { MatrixClient } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { csApi } from "../../scripts/synapse/homeserver.mjs";
import { silentLogger } from "../../src/core/logger.js";
import { MatrixClientDriver, type ResolvedNavigationTarget } from "../../src/drivers/matrix-js-sdk/index.js";
import type { ToDeviceEvent } from "../../src/host/driver.js";
import { HomeserverError } from "../../src/host/matrix-error.js";
import { ErrorCode, WidgetApiError } from "../../src/protocol/errors.js";
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
const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 15_000, interval: 50 });

describe("MatrixClientDriver beyond the contract, on Synapse", () => {
  let kim: RegisteredUser;
  let lou: RegisteredUser;
  let kimClient: MatrixClient;
  let louClient: MatrixClient;
  let kimDriver: MatrixClientDriver;
  let louDriver: MatrixClientDriver;
  let room: string;
  const navigations: ResolvedNavigationTarget[] = [];

  beforeAll(async () => {
    kim = await registerFresh(hs, "kim", "Kim");
    lou = await registerFresh(hs, "lou", "Lou");
    room = await createRoom(hs, kim, { preset: "private_chat", invite: [lou.userId] });
    await joinRoom(hs, lou, room);
    [kimClient, louClient] = await Promise.all([startSyncedClient(hs, kim), startSyncedClient(hs, lou)]);
    kimDriver = new MatrixClientDriver(kimClient, {
      onNavigate: (resolved) => {
        navigations.push(resolved);
      },
      confirmOpenId: () => true,
      logger: silentLogger,
    });
    louDriver = new MatrixClientDriver(louClient, { logger: silentLogger });
    await eventually(() => expect(kimClient.getRoom(room)?.getMember(lou.userId)?.membership).toBe("join"));
  });

  afterAll(() => {
    kimClient?.stopClient();
    louClient?.stopClient();
  });

  it("uploads a file and downloads the same bytes; reads the media config", async () => {
    const bytes = new TextEncoder().encode(`hello media ${uniqueSuffix()}`);
    const { contentUri } = await kimDriver.uploadFile(bytes);
    expect(contentUri).toMatch(/^mxc:\/\//);
    const { file } = await kimDriver.downloadFile(contentUri);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes);
    expect(await kimDriver.getMediaConfig()).toHaveProperty("m.upload.size");
    await expect(
      kimDriver.downloadFile(`mxc://${hs.serverName}/missing${uniqueSuffix()}`),
    ).rejects.toMatchObject({
      details: { httpStatus: 404 },
    });
    await expect(kimDriver.downloadFile("https://not-mxc.example/x")).rejects.toBeInstanceOf(HomeserverError);
  });

  it("gets OpenID credentials the homeserver vouches for", async () => {
    const credentials = await kimDriver.requestOpenId();
    expect(credentials?.matrix_server_name).toBe(hs.serverName);
    // The federation userinfo endpoint is not on the client listener; the token's shape must do.
    expect(credentials).toMatchObject({ access_token: expect.any(String), token_type: "Bearer" });
    expect(credentials?.expires_in).toBeGreaterThan(0);
  });

  it("sends a to-device message that the other user's client receives", async () => {
    const received: ToDeviceEvent[] = [];
    const stop = louDriver.watchToDevice((message) => received.push(message));
    try {
      const nonce = uniqueSuffix();
      await kimDriver.sendToDevice("org.example.ping", false, {
        [lou.userId]: { [lou.deviceId]: { nonce } },
      });
      await eventually(() =>
        expect(received).toContainEqual({
          type: "org.example.ping",
          sender: kim.userId,
          content: { nonce },
          encrypted: false,
        }),
      );
    } finally {
      stop();
    }
  });

  it("refuses encrypted to-device messages when the client has no crypto", async () => {
    const error = await kimDriver
      .sendToDevice("org.example.secret", true, { [lou.userId]: { "*": {} } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(WidgetApiError);
    expect((error as WidgetApiError).code).toBe(ErrorCode.Unsupported);
  });

  it("reports delayed events as unsupported when the homeserver does not offer them", async () => {
    const versions = await csApi(hs, null, "GET", "/_matrix/client/versions");
    const offered = versions.json.unstable_features?.["org.matrix.msc4140"] === true;
    const attempt = kimDriver.sendEvent("org.example.later", {}, { roomId: room, delayMs: 60_000 });
    if (offered) {
      expect((await attempt).delayId).toEqual(expect.any(String));
    } else {
      const error = await attempt.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WidgetApiError);
      expect((error as WidgetApiError).code).toBe(ErrorCode.Unsupported);
    }
  });

  // matrix-js-sdk's embedded client (Element Call's) sends a redaction with `redacts` in its
  // content and leaves it to the client's driver to turn that into a real redaction. Sent as an
  // ordinary event, a redaction in a room of a version before 11 fails: Synapse 1.163 answers 500.
  it.each([
    ["room version 10", { room_version: "10" }],
    ["room version 11", { room_version: "11" }],
    ["the server's default room version", {}],
  ])("redacts the event a widget's m.room.redaction names in its content, in %s", async (_name, version) => {
    const target = await createRoom(hs, kim, { preset: "private_chat", ...version });
    await eventually(() => expect(kimClient.getRoom(target)).toBeTruthy());
    const message = await sendAs(hs, kim, target, "m.room.message", { msgtype: "m.text", body: "hi" });
    const eventId = await sendAs(hs, kim, target, "m.reaction", {
      "m.relates_to": { rel_type: "m.annotation", event_id: message, key: "✋" },
    });
    const sent = await kimDriver.sendEvent(
      "m.room.redaction",
      { redacts: eventId, reason: "lowered" },
      { roomId: target },
    );
    expect(sent.eventId).toEqual(expect.any(String));
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(target)}/event/${encodeURIComponent(eventId)}`;
    const redacted = await csOk(hs, kim, "GET", path);
    expect(redacted.content).toEqual({});
    expect(redacted.unsigned?.redacted_because?.event_id).toBe(sent.eventId);
    expect(redacted.unsigned?.redacted_because?.content?.reason).toBe("lowered");
  });

  it("rejects a DM with a user whose server cannot be reached with Synapse's 502, which leaves the room it made behind, outside m.direct", async () => {
    const joinedRooms = async () =>
      (await csOk(hs, kim, "GET", "/_matrix/client/v3/joined_rooms")).joined_rooms as string[];
    const before = await joinedRooms();
    const error = await kimDriver.createDirectMessage(["@someone:unreachable.invalid"]).then(
      () => expect.fail("the DM was reported created"),
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(HomeserverError);
    expect((error as HomeserverError).details).toMatchObject({ httpStatus: 502 });
    // Synapse creates the room before it invites, and keeps it when the invite fails; the driver
    // never learns its ID, so the room is not recorded as a DM.
    const leftBehind = (await joinedRooms()).filter((roomId) => !before.includes(roomId));
    expect(leftBehind).toHaveLength(1);
    const direct = await csApi(
      hs,
      kim.accessToken,
      "GET",
      `/_matrix/client/v3/user/${encodeURIComponent(kim.userId)}/account_data/m.direct`,
    );
    expect(JSON.stringify(direct.json ?? {})).not.toContain(leftBehind[0]);
  });

  it("ends the TURN feed at once when the client offers no TURN servers", async () => {
    const iterator = kimDriver.getTurnServers()[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it("resolves users, events and rooms the user is not in for the application's router", async () => {
    const roomEvent = await sendAs(hs, lou, room, "org.example.chat", { text: "look here" });
    expect(
      await kimDriver.resolveNavigationTarget({ type: "event", room, eventId: roomEvent, via: [] }),
    ).toMatchObject({ kind: "room", roomId: room, joined: true, eventId: roomEvent });
    await expect(
      kimDriver.resolveNavigationTarget({ type: "event", room, eventId: "$missing_event", via: [] }),
    ).rejects.toMatchObject({ details: { httpStatus: 404 } });

    expect(await kimDriver.resolveNavigationTarget({ type: "user", userId: lou.userId, via: [] })).toEqual({
      kind: "user",
      userId: lou.userId,
      displayName: "Lou",
    });

    const outsiderRoom = await createRoom(hs, lou, {
      preset: "public_chat",
      room_alias_name: `outside_${uniqueSuffix()}`,
    });
    const alias = (
      await csOk(hs, lou, "GET", `/_matrix/client/v3/rooms/${encodeURIComponent(outsiderRoom)}/aliases`)
    ).aliases[0] as string;
    await kimDriver.navigate?.({ type: "room", room: alias, via: [], action: "join" });
    expect(navigations.at(-1)).toEqual({
      kind: "room",
      roomId: outsiderRoom,
      alias,
      via: [hs.serverName],
      joined: false,
      membership: undefined,
      viewed: false,
    });
    expect(kimClient.getRoom(outsiderRoom)?.getMyMembership()).not.toBe("join");
  });
});
