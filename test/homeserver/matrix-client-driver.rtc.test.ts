// MatrixClientDriver's MatrixRTC operations on the real Synapse: the MSC4143 transports endpoint
// (a second Synapse configured with transports, since the project's own has none), the client
// well-known fallback when the endpoint is missing, and what the host advertises once the driver
// has them.

import type { MatrixClient } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { csApi, startSynapse, WELL_KNOWN_RTC_FOCI } from "../../scripts/synapse/homeserver.mjs";
import { silentLogger } from "../../src/core/logger.js";
import { MatrixClientDriver } from "../../src/drivers/matrix-js-sdk/index.js";
import { ErrorCode, WidgetApiError } from "../../src/protocol/errors.js";
import { ApiVersion } from "../../src/protocol/versions.js";
import type { WireRoomEvent } from "../../src/protocol/actions/events.js";
import { onRoomEvent } from "../../src/widget/features/events.js";
import { delegateDelayedLeave, getLivekitToken, getRtcTransports } from "../../src/widget/features/rtc.js";
import { connect } from "../support/memory-session.js";
import { clientFor, createRoom, joinRoom, registerFresh, startSyncedClient } from "./matrix-client.js";
import type { RegisteredUser, RunningSynapse } from "./provided";

const hs = inject("synapse");
const TRANSPORTS_PATH = "/_matrix/client/unstable/org.matrix.msc4143/rtc/transports";
const MEMBER = "org.matrix.msc3401.call.member";
const LIVEKIT_PATH = "/_matrix/client/unstable/io.element.msc4195/rtc/livekit";

describe("MatrixClientDriver RTC transports (MSC4515) on Synapse", () => {
  let user: RegisteredUser;
  let client: MatrixClient;

  beforeAll(async () => {
    user = await registerFresh(hs, "rtc");
    client = clientFor(hs, user);
  });

  it("falls back to the client well-known's rtc_foci when Synapse has no transports endpoint", async () => {
    // Precondition: this project's Synapse runs without MSC4143, so the endpoint is missing.
    const endpoint = await csApi(hs, user.accessToken, "GET", TRANSPORTS_PATH);
    expect(endpoint.status).toBe(404);
    expect(endpoint.json).toMatchObject({ errcode: "M_UNRECOGNIZED" });
    const wellKnown = await csApi(hs, null, "GET", "/.well-known/matrix/client");
    expect(wellKnown.json["org.matrix.msc4143.rtc_foci"]).toEqual(WELL_KNOWN_RTC_FOCI);

    const driver = new MatrixClientDriver(client, {
      clientWellKnownUrl: `${hs.baseUrl}/.well-known/matrix/client`,
      logger: silentLogger,
    });
    expect(await driver.getRtcTransports?.()).toEqual(WELL_KNOWN_RTC_FOCI);
  });

  it("answers an empty list when neither the endpoint nor a well-known names a focus", async () => {
    const driver = new MatrixClientDriver(client, {
      // Synapse serves no file here: a 404, the same as a server without a well-known.
      clientWellKnownUrl: `${hs.baseUrl}/.well-known/matrix/no-such-file`,
      logger: silentLogger,
    });
    expect(await driver.getRtcTransports?.()).toEqual([]);
  });

  describe("with a Synapse that lists transports", () => {
    const transports = [
      { type: "livekit", livekit_service_url: "http://127.0.0.1:9/livekit-from-endpoint" },
      { type: "org.example.sfu", url: "wss://127.0.0.1:9/other" },
    ];
    let configured: RunningSynapse;
    let configuredClient: MatrixClient;

    beforeAll(async () => {
      configured = await startSynapse({ rtcTransports: transports });
      const other = await registerFresh(configured, "rtc");
      configuredClient = clientFor(configured, other);
    }, 120_000);

    afterAll(async () => {
      await configured?.stop();
    });

    it("lists the transports of Synapse's MSC4143 endpoint, ignoring the well-known", async () => {
      const driver = new MatrixClientDriver(configuredClient, {
        clientWellKnownUrl: `${configured.baseUrl}/.well-known/matrix/client`,
        logger: silentLogger,
      });
      expect(await driver.getRtcTransports?.()).toEqual(transports);
    });

    it("uses the application's foci instead of the homeserver's when it names them", async () => {
      const own = [{ type: "livekit", livekit_service_url: "http://127.0.0.1:9/app-config" }];
      const driver = new MatrixClientDriver(configuredClient, {
        rtcTransports: () => own,
        logger: silentLogger,
      });
      expect(await driver.getRtcTransports?.()).toEqual(own);
    });
  });
});

describe("MatrixClientDriver LiveKit operations (MSC4533) on Synapse", () => {
  let user: RegisteredUser;
  let client: MatrixClient;
  let room: string;
  const member = { id: "member-1", claimedDeviceId: "DEVICE" };

  beforeAll(async () => {
    user = await registerFresh(hs, "livekit");
    client = clientFor(hs, user);
    room = await createRoom(hs, user, { preset: "private_chat" });
  });

  it("answers unsupported for a LiveKit token, since Synapse lacks the MSC4195 endpoint", async () => {
    const missing = await csApi(hs, user.accessToken, "POST", `${LIVEKIT_PATH}/get_token`, {});
    expect(missing.status).toBe(404);
    const driver = new MatrixClientDriver(client, { logger: silentLogger });
    const error: unknown = await driver
      .getLivekitToken?.({
        serverName: hs.serverName,
        url: "wss://127.0.0.1:9/sfu",
        roomId: room,
        slotId: "m.call#ROOM",
        member,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WidgetApiError);
    expect((error as WidgetApiError).code).toBe(ErrorCode.Unsupported);
    expect((error as WidgetApiError).message).toContain("get_token");
  });

  it("answers unsupported for a delayed-leave delegation, since Synapse lacks the MSC4195 endpoint", async () => {
    const missing = await csApi(hs, user.accessToken, "POST", `${LIVEKIT_PATH}/delegate_delayed_leave`, {});
    expect(missing.status).toBe(404);
    const driver = new MatrixClientDriver(client, { logger: silentLogger });
    const error: unknown = await driver
      .delegateDelayedLeave?.({
        roomId: room,
        slotId: "m.call#ROOM",
        member,
        delayId: "syd_x",
        url: "wss://127.0.0.1:9/sfu",
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WidgetApiError);
    expect((error as WidgetApiError).code).toBe(ErrorCode.Unsupported);
    expect((error as WidgetApiError).message).toContain("delegate_delayed_leave");
  });

  it("gives a widget in the host the well-known's foci and a clear unsupported reply for the LiveKit actions", async () => {
    const driver = new MatrixClientDriver(client, {
      clientWellKnownUrl: `${hs.baseUrl}/.well-known/matrix/client`,
      logger: silentLogger,
    });
    const { host, client: widget } = await connect({
      driver,
      capabilities: [
        "org.matrix.msc4515.rtc_transports",
        "org.matrix.msc4533.rtc_livekit_get_token",
        "org.matrix.msc4533.rtc_livekit_delegate_delayed_leave",
      ],
      policy: { approveCapabilities: ({ requested }) => requested },
    });
    try {
      expect(host.supportedVersions).toEqual(
        expect.arrayContaining([ApiVersion.MSC4515, ApiVersion.MSC4533]),
      );
      expect(await getRtcTransports(widget)).toEqual(WELL_KNOWN_RTC_FOCI);
      const ref = { roomId: room, slotId: "m.call#ROOM", member: { id: "member-1" } };
      await expect(
        getLivekitToken(widget, { ...ref, serverName: hs.serverName, url: "wss://127.0.0.1:9/sfu" }),
      ).rejects.toMatchObject({ code: ErrorCode.Unsupported });
      await expect(delegateDelayedLeave(widget, { ...ref, delayId: "syd_x" })).rejects.toMatchObject({
        code: ErrorCode.Unsupported,
      });
    } finally {
      widget.destroy();
      host.destroy();
    }
  });

  it("leaves the LiveKit operations out with livekit none, so the host does not advertise MSC4533", () => {
    const driver = new MatrixClientDriver(client, { livekit: "none", logger: silentLogger });
    expect(driver.getLivekitToken).toBeUndefined();
    expect(driver.delegateDelayedLeave).toBeUndefined();
  });
});

describe("MatrixClientDriver sticky events (MSC4354) on Synapse", () => {
  let sender: RegisteredUser;
  let reader: RegisteredUser;
  let senderClient: MatrixClient;
  let readerClient: MatrixClient;
  let room: string;

  beforeAll(async () => {
    sender = await registerFresh(hs, "sticky_sender");
    reader = await registerFresh(hs, "sticky_reader");
    room = await createRoom(hs, sender, { preset: "private_chat", invite: [reader.userId] });
    await joinRoom(hs, reader, room);
    [senderClient, readerClient] = await Promise.all([
      startSyncedClient(hs, sender),
      startSyncedClient(hs, reader),
    ]);
  });

  afterAll(() => {
    senderClient?.stopClient();
    readerClient?.stopClient();
  });

  it("reads the sticky events another member sent, with their duration, and none in a room it is not in", async () => {
    const versions = await csApi(hs, null, "GET", "/_matrix/client/versions");
    expect(versions.json.unstable_features?.["org.matrix.msc4354"]).toBe(true);

    const senderDriver = new MatrixClientDriver(senderClient, { logger: silentLogger });
    const content = { member: { id: "member-1" }, sticky_key: "member-1" };
    const sent = await senderDriver.sendEvent(MEMBER, content, { roomId: room, stickyDurationMs: 600_000 });
    const plain = await senderDriver.sendEvent(MEMBER, { plain: true }, { roomId: room });

    const readerDriver = new MatrixClientDriver(readerClient, { logger: silentLogger });
    const found = await vi.waitFor(
      async () => {
        const events = await readerDriver.readStickyEvents(room);
        expect(events.map((event) => event.event_id)).toContain(sent.eventId);
        return events;
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(found.map((event) => event.event_id)).not.toContain(plain.eventId);
    expect(found.find((event) => event.event_id === sent.eventId)).toMatchObject({
      type: MEMBER,
      room_id: room,
      sender: sender.userId,
      content,
      msc4354_sticky: { duration_ms: 600_000 },
    });

    const elsewhere = await createRoom(hs, sender, { preset: "private_chat" });
    expect(await readerDriver.readStickyEvents(elsewhere)).toEqual([]);
  });

  it("reaches a widget in the host after m.receive.sticky_event is granted, from what the reader's client synced", async () => {
    const senderDriver = new MatrixClientDriver(senderClient, { logger: silentLogger });
    const content = { member: { id: "member-2" }, sticky_key: "member-2" };
    const sent = await senderDriver.sendEvent(MEMBER, content, { roomId: room, stickyDurationMs: 600_000 });
    const readerDriver = new MatrixClientDriver(readerClient, { logger: silentLogger });
    await vi.waitFor(
      async () =>
        expect((await readerDriver.readStickyEvents(room)).map((e) => e.event_id)).toContain(sent.eventId),
      { timeout: 15_000, interval: 50 },
    );

    const received: WireRoomEvent[] = [];
    const { host, client: widget } = await connect({
      driver: readerDriver,
      capabilities: ["org.matrix.msc4407.receive.sticky_event", `org.matrix.msc2762.receive.event:${MEMBER}`],
      policy: { approveCapabilities: ({ requested }) => requested },
      host: { viewedRoomId: room },
      widget: {
        beforeStart: (client) => {
          onRoomEvent(client, (event) => {
            received.push(event);
          });
        },
      },
    });
    try {
      await vi.waitFor(() => expect(received.map((e) => e.event_id)).toContain(sent.eventId), {
        timeout: 15_000,
        interval: 50,
      });
      expect(received.find((e) => e.event_id === sent.eventId)).toMatchObject({
        sender: sender.userId,
        content,
        msc4354_sticky: { duration_ms: 600_000 },
      });
    } finally {
      widget.destroy();
      host.destroy();
    }
  });
});
