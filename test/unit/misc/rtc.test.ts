import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { ApiVersion } from "../../../src/protocol/versions.js";
import { delegateDelayedLeave, getLivekitToken, getRtcTransports } from "../../../src/widget/features/rtc.js";
import { FakeDriver, faults, type FakeOp } from "./fake-driver.js";
import { errorOf, openSession } from "./harness.js";

const TRANSPORTS_CAP = "org.matrix.msc4515.rtc_transports";
const TOKEN_CAP = "org.matrix.msc4533.rtc_livekit_get_token";
const LEAVE_CAP = "org.matrix.msc4533.rtc_livekit_delegate_delayed_leave";
const ALL_CAPS = [TRANSPORTS_CAP, TOKEN_CAP, LEAVE_CAP];

const TRANSPORTS = "org.matrix.msc4515.get_rtc_transports";
const TOKEN = "org.matrix.msc4533.rtc_livekit_get_token";
const LEAVE = "org.matrix.msc4533.rtc_livekit_delegate_delayed_leave";
const RTC_OPS: FakeOp[] = ["getRtcTransports", "getLivekitToken", "delegateDelayedLeave"];

const ROOM = "!call:example.org";
const TOKEN_REQUEST = {
  server_name: "example.org",
  url: "https://sfu.example.org/livekit",
  room_id: ROOM,
  slot_id: "m.call#ROOM",
  member: { id: "member-1", claimed_device_id: "ALICEDEVICE" },
};
const LEAVE_REQUEST = {
  room_id: ROOM,
  slot_id: "m.call#ROOM",
  member: { id: "member-1" },
  delay_id: "syd_delay_1",
};

describe("get_rtc_transports", () => {
  it("lists the homeserver's transports through the widget function, under the unstable name", async () => {
    const s = await openSession({ capabilities: [TRANSPORTS_CAP] });
    expect(await getRtcTransports(s.client)).toEqual([
      { type: "livekit", livekit_service_url: "https://sfu.example.org" },
    ]);
    expect(s.pair.widget.sent.some((m) => m.action === TRANSPORTS)).toBe(true);
    expect(s.driver.callsOf("getRtcTransports")).toEqual([[]]);
  });

  it("accepts the stable capability and the stable action name", async () => {
    const s = await openSession({ capabilities: ["m.rtc_transports"] });
    const { response } = await s.send("get_rtc_transports", {});
    expect(response).toEqual({ rtc_transports: s.driver.rtcTransports });
  });

  it("answers internal_error when the driver's answer is malformed", async () => {
    const driver = new FakeDriver().fail("getRtcTransports", faults.malformed([{ type: 7 }]));
    const s = await openSession({ capabilities: [TRANSPORTS_CAP], driver });
    expect(errorOf(await s.send(TRANSPORTS, {}))?.code).toBe(ErrorCode.Internal);
  });
});

describe("rtc_livekit_get_token", () => {
  it("resolves with the JWT, after handing the driver the validated request", async () => {
    const s = await openSession({ capabilities: [TOKEN_CAP] });
    const jwt = await getLivekitToken(s.client, {
      serverName: "example.org",
      url: TOKEN_REQUEST.url,
      roomId: ROOM,
      slotId: TOKEN_REQUEST.slot_id,
      member: { id: "member-1", claimedDeviceId: "ALICEDEVICE" },
    });
    expect(jwt).toBe("SECRET-LIVEKIT-JWT");
    expect(s.pair.widget.sent.some((m) => m.action === TOKEN)).toBe(true);
    expect(s.driver.callsOf("getLivekitToken")).toEqual([
      [
        {
          serverName: "example.org",
          url: TOKEN_REQUEST.url,
          roomId: ROOM,
          slotId: TOKEN_REQUEST.slot_id,
          member: { id: "member-1", claimedDeviceId: "ALICEDEVICE" },
        },
      ],
    ]);
  });

  it("never writes the JWT to a log", async () => {
    const s = await openSession({ capabilities: [TOKEN_CAP] });
    expect((await s.send(TOKEN, TOKEN_REQUEST)).response).toEqual({ jwt: "SECRET-LIVEKIT-JWT" });
    const logs = [...s.hostLogger.lines, ...s.widgetLogger.lines].join("\n");
    expect(logs).not.toContain("SECRET-LIVEKIT-JWT");
  });

  it("answers internal_error when the driver's answer has no JWT", async () => {
    const driver = new FakeDriver().fail("getLivekitToken", faults.malformed({ token: "x" }));
    const s = await openSession({ capabilities: [TOKEN_CAP], driver });
    expect(errorOf(await s.send(TOKEN, TOKEN_REQUEST))?.code).toBe(ErrorCode.Internal);
  });
});

describe("rtc_livekit_delegate_delayed_leave", () => {
  it("hands the delayed leave over through the widget function", async () => {
    const s = await openSession({ capabilities: [LEAVE_CAP] });
    await delegateDelayedLeave(s.client, {
      roomId: ROOM,
      slotId: LEAVE_REQUEST.slot_id,
      member: { id: "member-1" },
      delayId: "syd_delay_1",
    });
    expect(s.pair.widget.sent.some((m) => m.action === LEAVE)).toBe(true);
    expect(s.driver.callsOf("delegateDelayedLeave")).toEqual([
      [{ roomId: ROOM, slotId: LEAVE_REQUEST.slot_id, member: { id: "member-1" }, delayId: "syd_delay_1" }],
    ]);
  });

  it("passes the SFU url that matrix-js-sdk's widget client adds on to the driver, and refuses a bad one", async () => {
    const s = await openSession({ capabilities: [LEAVE_CAP] });
    const url = "wss://sfu.example.org/livekit";
    expect((await s.send(LEAVE, { ...LEAVE_REQUEST, url })).response).toEqual({});
    expect(s.driver.callsOf("delegateDelayedLeave")).toEqual([
      [
        {
          roomId: ROOM,
          slotId: LEAVE_REQUEST.slot_id,
          member: { id: "member-1" },
          delayId: "syd_delay_1",
          url,
        },
      ],
    ]);
    expect(errorOf(await s.send(LEAVE, { ...LEAVE_REQUEST, url: "" }))?.code).toBe(ErrorCode.InvalidRequest);
    expect(errorOf(await s.send(LEAVE, { ...LEAVE_REQUEST, url: 7 }))?.code).toBe(ErrorCode.InvalidRequest);
    expect(s.driver.callsOf("delegateDelayedLeave")).toHaveLength(1);
  });

  it("accepts the stable names", async () => {
    const s = await openSession({ capabilities: ["m.rtc_livekit_delegate_delayed_leave"] });
    expect((await s.send("rtc_livekit_delegate_delayed_leave", LEAVE_REQUEST)).response).toEqual({});
  });
});

describe("the MatrixRTC actions' host checks", () => {
  it.each([
    [TRANSPORTS, {}, TRANSPORTS_CAP],
    [TOKEN, TOKEN_REQUEST, TOKEN_CAP],
    [LEAVE, LEAVE_REQUEST, LEAVE_CAP],
  ])("refuse %s without its capability, before calling the driver", async (action, data, own) => {
    // The other two capabilities are granted: each one covers only its own action.
    const s = await openSession({ capabilities: ALL_CAPS.filter((cap) => cap !== own) });
    expect(errorOf(await s.send(action, data))?.code).toBe(ErrorCode.MissingCapability);
    for (const op of RTC_OPS) expect(s.driver.callsOf(op)).toEqual([]);
  });

  it.each([
    ["a token request without a member", TOKEN, { ...TOKEN_REQUEST, member: undefined }],
    ["a token request with a bad server name", TOKEN, { ...TOKEN_REQUEST, server_name: "not a server" }],
    ["a token request with a bad room ID", TOKEN, { ...TOKEN_REQUEST, room_id: "" }],
    ["a token request with an oversized URL", TOKEN, { ...TOKEN_REQUEST, url: "x".repeat(3000) }],
    ["a token request with an empty slot", TOKEN, { ...TOKEN_REQUEST, slot_id: "" }],
    ["a leave without a delay ID", LEAVE, { ...LEAVE_REQUEST, delay_id: undefined }],
    ["a leave with an oversized member ID", LEAVE, { ...LEAVE_REQUEST, member: { id: "m".repeat(300) } }],
    [
      "a leave with a numeric device ID",
      LEAVE,
      { ...LEAVE_REQUEST, member: { id: "m", claimed_device_id: 1 } },
    ],
  ])("answer invalid_request for %s, without calling the driver", async (_label, action, data) => {
    const s = await openSession({ capabilities: ALL_CAPS });
    expect(errorOf(await s.send(action, data))?.code).toBe(ErrorCode.InvalidRequest);
    for (const op of RTC_OPS) expect(s.driver.callsOf(op)).toEqual([]);
  });

  it.each([
    ["getRtcTransports", TRANSPORTS, {}],
    ["getLivekitToken", TOKEN, TOKEN_REQUEST],
    ["delegateDelayedLeave", LEAVE, LEAVE_REQUEST],
  ] as const)("answer exactly one error when %s fails", async (op, action, data) => {
    for (const [fault, code] of [
      [faults.reject("driver exploded"), ErrorCode.Internal],
      [faults.throwSync(), ErrorCode.Internal],
      [faults.forbidden(), ErrorCode.HomeserverError],
    ] as const) {
      const driver = new FakeDriver().fail(op, fault);
      const s = await openSession({ capabilities: ALL_CAPS, driver });
      // s.send asserts that exactly one reply comes back.
      expect(errorOf(await s.send(action, data))?.code).toBe(code);
      expect(s.driver.callsOf(op)).toHaveLength(1);
    }
  });

  it("answer a timeout when the driver never settles", async () => {
    const driver = new FakeDriver().fail("getLivekitToken", faults.hang());
    const s = await openSession({ capabilities: ALL_CAPS, driver, limits: { driverTimeoutMs: 20 } });
    expect(errorOf(await s.send(TOKEN, TOKEN_REQUEST))?.code).toBe(ErrorCode.Timeout);
  });
});

describe("advertising the MatrixRTC versions", () => {
  it("advertises org.matrix.msc4515 and org.matrix.msc4533 when the driver has the operations", async () => {
    const s = await openSession({ capabilities: ALL_CAPS });
    expect(s.host.supportedVersions).toContain(ApiVersion.MSC4515);
    expect(s.host.supportedVersions).toContain(ApiVersion.MSC4533);
  });

  it("advertises neither without the operations; the widget functions reject without sending", async () => {
    const driver = new FakeDriver({ without: RTC_OPS });
    const s = await openSession({ capabilities: ALL_CAPS, driver });
    expect(s.host.supportedVersions).not.toContain(ApiVersion.MSC4515);
    expect(s.host.supportedVersions).not.toContain(ApiVersion.MSC4533);
    await expect(getRtcTransports(s.client)).rejects.toMatchObject({ code: ErrorCode.Unsupported });
    await expect(
      getLivekitToken(s.client, {
        serverName: "example.org",
        url: TOKEN_REQUEST.url,
        roomId: ROOM,
        slotId: "s",
        member: { id: "m" },
      }),
    ).rejects.toMatchObject({ code: ErrorCode.Unsupported });
    await expect(
      delegateDelayedLeave(s.client, { roomId: ROOM, slotId: "s", member: { id: "m" }, delayId: "d" }),
    ).rejects.toMatchObject({ code: ErrorCode.Unsupported });
    expect(s.pair.widget.sent.filter((m) => /msc4515|msc4533|rtc_/.test(m.action))).toEqual([]);
    // A raw request still gets one clear answer.
    expect(errorOf(await s.send(TRANSPORTS, {}))?.code).toBe(ErrorCode.Unsupported);
  });

  it("advertises org.matrix.msc4533 when the driver has only one of its operations", async () => {
    const driver = new FakeDriver({ without: ["getRtcTransports", "delegateDelayedLeave"] });
    const s = await openSession({ capabilities: ALL_CAPS, driver });
    expect(s.host.supportedVersions).not.toContain(ApiVersion.MSC4515);
    expect(s.host.supportedVersions).toContain(ApiVersion.MSC4533);
    expect(errorOf(await s.send(LEAVE, LEAVE_REQUEST))?.code).toBe(ErrorCode.Unsupported);
  });
});
