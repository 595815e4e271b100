import { describe, expect, it, vi } from "vitest";
import { TO_DEVICE_DRIVER_TIMEOUT_MS } from "../../../src/host/actions/misc/to-device.js";
import { isNeverExposedToDeviceType } from "../../../src/matrix/to-device.js";
import { MAX_TO_DEVICE_TARGETS } from "../../../src/protocol/actions/to-device.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { ApiVersion } from "../../../src/protocol/versions.js";
import { onToDeviceMessage, sendToDevice } from "../../../src/widget/features/to-device.js";
import { FakeDriver, faults } from "./fake-driver.js";
import { errorOf, eventually, openSession, settle } from "./harness.js";

const TYPE = "org.example.ping";
const SEND = `org.matrix.msc3819.send.to_device:${TYPE}`;
const RECEIVE = `org.matrix.msc3819.receive.to_device:${TYPE}`;
const MESSAGES = { "@bob:example.org": { BOBDEVICE: { hello: "world" }, "*": { all: true } } };

describe("send_to_device (fromWidget)", () => {
  it("sends approved messages through the driver and acks {}", async () => {
    const s = await openSession({ capabilities: [SEND] });
    const result = await s.send("send_to_device", { type: TYPE, encrypted: true, messages: MESSAGES });
    expect(result.response).toEqual({});
    expect(s.driver.callsOf("sendToDevice")).toEqual([[TYPE, true, MESSAGES]]);
  });

  it("accepts the stable capability spelling m.send.to_device:<type>", async () => {
    const s = await openSession({ capabilities: [`m.send.to_device:${TYPE}`] });
    const result = await s.send("send_to_device", { type: TYPE, encrypted: false, messages: MESSAGES });
    expect(result.response).toEqual({});
    expect(s.driver.callsOf("sendToDevice")).toHaveLength(1);
  });

  it("sends through the typed widget function, which needs the host to advertise org.matrix.msc3819", async () => {
    const s = await openSession({ capabilities: [SEND] });
    expect(s.client.hostSupports(ApiVersion.MSC3819)).toBe(true);
    await sendToDevice(s.client, TYPE, MESSAGES, { encrypted: true });
    expect(s.driver.callsOf("sendToDevice")).toEqual([[TYPE, true, MESSAGES]]);
  });

  it("refuses a type without the capability, before calling the driver", async () => {
    const s = await openSession({ capabilities: [`org.matrix.msc3819.send.to_device:other.type`] });
    const result = await s.send("send_to_device", { type: TYPE, encrypted: false, messages: MESSAGES });
    expect(errorOf(result)?.code).toBe(ErrorCode.MissingCapability);
    expect(s.driver.callsOf("sendToDevice")).toEqual([]);
  });

  it("does not count a receive capability as a send capability", async () => {
    const s = await openSession({ capabilities: [RECEIVE] });
    const result = await s.send("send_to_device", { type: TYPE, encrypted: false, messages: MESSAGES });
    expect(errorOf(result)?.code).toBe(ErrorCode.MissingCapability);
    expect(s.driver.callsOf("sendToDevice")).toEqual([]);
  });

  it.each([
    ["a missing encrypted flag", { type: TYPE, messages: MESSAGES }],
    ["a string encrypted flag", { type: TYPE, encrypted: "yes", messages: MESSAGES }],
    ["an empty type", { type: "", encrypted: false, messages: MESSAGES }],
    ["missing messages", { type: TYPE, encrypted: false }],
    ["an invalid user ID", { type: TYPE, encrypted: false, messages: { bob: { D: {} } } }],
    ["non-object content", { type: TYPE, encrypted: false, messages: { "@bob:example.org": { D: "hi" } } }],
    ["an empty device ID", { type: TYPE, encrypted: false, messages: { "@bob:example.org": { "": {} } } }],
  ])("refuses %s as an invalid request, without calling the driver", async (_label, data) => {
    const s = await openSession({ capabilities: [SEND] });
    const result = await s.send("send_to_device", data);
    expect(errorOf(result)?.code).toBe(ErrorCode.InvalidRequest);
    expect(s.driver.callsOf("sendToDevice")).toEqual([]);
  });

  it(`refuses more than ${MAX_TO_DEVICE_TARGETS} devices in one request`, async () => {
    const devices: Record<string, object> = {};
    for (let i = 0; i <= MAX_TO_DEVICE_TARGETS; i++) devices[`D${i}`] = {};
    const s = await openSession({ capabilities: [SEND] });
    const result = await s.send("send_to_device", {
      type: TYPE,
      encrypted: false,
      messages: { "@bob:example.org": devices },
    });
    expect(errorOf(result)?.code).toBe(ErrorCode.InvalidRequest);
    expect(s.driver.callsOf("sendToDevice")).toEqual([]);
  });

  it("acks a request that addresses nobody without calling the driver", async () => {
    const s = await openSession({ capabilities: [SEND] });
    const result = await s.send("send_to_device", { type: TYPE, encrypted: false, messages: {} });
    expect(result.response).toEqual({});
    expect(s.driver.callsOf("sendToDevice")).toEqual([]);
  });

  it.each([
    ["rejects", faults.reject(), ErrorCode.Internal],
    ["throws synchronously", faults.throwSync(), ErrorCode.Internal],
    ["fails at the homeserver", faults.forbidden(), ErrorCode.HomeserverError],
  ])("answers exactly one error when the driver %s", async (_label, fault, code) => {
    const driver = new FakeDriver().fail("sendToDevice", fault);
    const s = await openSession({ capabilities: [SEND], driver });
    const result = await s.send("send_to_device", { type: TYPE, encrypted: false, messages: MESSAGES });
    expect(errorOf(result)?.code).toBe(code);
  });

  it("relays a homeserver error as matrix_api_error", async () => {
    const driver = new FakeDriver().fail("sendToDevice", faults.forbidden());
    const s = await openSession({ capabilities: [SEND], driver });
    const result = await s.send("send_to_device", { type: TYPE, encrypted: false, messages: MESSAGES });
    expect(errorOf(result)?.matrix_api_error?.response.errcode).toBe("M_FORBIDDEN");
  });

  it("gives the driver at least 55 s, below the 60 s a widget waits", () => {
    expect(TO_DEVICE_DRIVER_TIMEOUT_MS).toBeGreaterThanOrEqual(55_000);
    expect(TO_DEVICE_DRIVER_TIMEOUT_MS).toBeLessThan(60_000);
  });

  it("waits past the usual 10 s on both sides: a driver that never finishes is answered by the host at 55 s, before the widget's own 60 s run out", async () => {
    const driver = new FakeDriver().fail("sendToDevice", faults.hang());
    const s = await openSession({ capabilities: [SEND], driver });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const outcome = sendToDevice(s.client, TYPE, MESSAGES).then(
        () => ({ answered: true }),
        (error: { code?: string; message?: string }) => ({ code: error.code, message: error.message }),
      );
      let settled = false;
      void outcome.then(() => (settled = true));
      await vi.advanceTimersByTimeAsync(10_001);
      expect(settled).toBe(false);
      expect(s.driver.callsOf("sendToDevice")).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(TO_DEVICE_DRIVER_TIMEOUT_MS - 10_002);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      // The host's reply, not the widget's own timeout ("… timed out after 60000 ms").
      expect(await outcome).toEqual({
        code: ErrorCode.Timeout,
        message: "The client did not finish sending to-device messages in time",
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it("answers an error when the driver cannot send to-device messages, and does not advertise msc3819", async () => {
    const driver = new FakeDriver({ without: ["sendToDevice"] });
    const s = await openSession({ capabilities: [SEND], driver });
    expect(s.host.supportedVersions).not.toContain(ApiVersion.MSC3819);
    const result = await s.send("send_to_device", { type: TYPE, encrypted: false, messages: MESSAGES });
    expect(errorOf(result)?.code).toBe(ErrorCode.Unsupported);
    await expect(sendToDevice(s.client, TYPE, MESSAGES)).rejects.toMatchObject({
      code: ErrorCode.Unsupported,
    });
  });
});

describe("send_to_device (toWidget)", () => {
  const event = { type: TYPE, sender: "@bob:example.org", content: { hi: 1 }, encrypted: true };

  it("delivers a received message of an approved type to the widget", async () => {
    const s = await openSession({ capabilities: [RECEIVE] });
    const received: unknown[] = [];
    onToDeviceMessage(s.client, (message) => received.push(message));
    s.driver.emitToDevice(event);
    await eventually(() => expect(received).toEqual([event]));
    expect(s.pushes("send_to_device")).toHaveLength(1);
  });

  it("does not deliver a type the widget may not receive", async () => {
    const s = await openSession({ capabilities: [SEND] });
    s.driver.emitToDevice(event);
    s.driver.emitToDevice({ ...event, type: "other.type" });
    await settle(10);
    expect(s.pushes("send_to_device")).toEqual([]);
  });

  it("filters by type in the widget listener when asked", async () => {
    const other = "org.example.other";
    const s = await openSession({ capabilities: [RECEIVE, `m.receive.to_device:${other}`] });
    const received: string[] = [];
    onToDeviceMessage(s.client, (message) => received.push(message.type), { type: other });
    s.driver.emitToDevice(event);
    s.driver.emitToDevice({ ...event, type: other });
    await eventually(() => expect(s.pushes("send_to_device")).toHaveLength(2));
    await settle(5);
    expect(received).toEqual([other]);
  });

  it("stops delivering when the session ends, and unsubscribes from the driver on destroy", async () => {
    const s = await openSession({ capabilities: [RECEIVE] });
    s.pair.reloadWidget();
    s.driver.emitToDevice(event);
    await settle(10);
    expect(s.pushes("send_to_device")).toEqual([]);
    s.host.destroy();
    expect(s.driver.stoppedToDeviceWatchers).toBe(1);
    expect(s.driver.toDeviceListeners.size).toBe(0);
  });

  it("ignores a malformed message from the driver", async () => {
    const s = await openSession({ capabilities: [RECEIVE] });
    s.driver.emitToDevice({
      type: TYPE,
      sender: "@bob:example.org",
      content: "nope" as never,
      encrypted: false,
    });
    await settle(10);
    expect(s.pushes("send_to_device")).toEqual([]);
  });

  it("keeps the host working when the driver's watch throws", async () => {
    const driver = new FakeDriver();
    driver.watchToDevice = () => {
      throw new Error("cannot watch");
    };
    const s = await openSession({ capabilities: [SEND], driver });
    const result = await s.send("send_to_device", { type: TYPE, encrypted: false, messages: MESSAGES });
    expect(result.response).toEqual({});
  });
});

describe("to-device: encryption keys and secrets are never exposed", () => {
  const NEVER = [
    "m.room_key",
    "m.forwarded_room_key",
    "m.room_key_request",
    "m.room_key.withheld",
    "m.secret.send",
    "m.secret.request",
    "m.key.verification.request",
    "m.key.verification.start",
    "m.room.encrypted",
    "m.dummy",
    "io.element.msc4268.room_key_bundle",
  ];

  it.each(NEVER)(
    "never grants sending or receiving %s, even when the policy approves everything",
    async (type) => {
      const requested = [
        `m.receive.to_device:${type}`,
        `org.matrix.msc3819.receive.to_device:${type}`,
        `m.send.to_device:${type}`,
        `org.matrix.msc3819.send.to_device:${type}`,
        RECEIVE,
      ];
      const s = await openSession({ capabilities: requested });
      expect(s.host.grantedCapabilities).toEqual([RECEIVE]);
      const sent = await s.send("send_to_device", { type, encrypted: true, messages: MESSAGES });
      expect(errorOf(sent)?.code).toBe(ErrorCode.MissingCapability);
      s.driver.emitToDevice({
        type,
        sender: "@bob:example.org",
        content: { key: "secret" },
        encrypted: true,
      });
      s.driver.emitToDevice({ type: TYPE, sender: "@bob:example.org", content: { ok: 1 }, encrypted: true });
      await eventually(() => expect(s.pushes("send_to_device")).toHaveLength(1));
      await settle(10);
      expect(s.pushes("send_to_device")).toHaveLength(1);
      expect(s.driver.callsOf("sendToDevice")).toEqual([]);
    },
  );

  it("keeps ordinary application types grantable, such as Element Call's encryption_keys", async () => {
    const type = "io.element.call.encryption_keys";
    const caps = [`m.send.to_device:${type}`, `m.receive.to_device:${type}`];
    const s = await openSession({ capabilities: caps });
    expect(s.host.grantedCapabilities).toEqual(caps);
  });

  it("classifies by exact type or prefix, case-sensitively, and fails closed on non-strings", () => {
    expect(isNeverExposedToDeviceType("m.secret.anything")).toBe(true);
    expect(isNeverExposedToDeviceType("m.room_key")).toBe(true);
    expect(isNeverExposedToDeviceType("m.room_keys")).toBe(false);
    expect(isNeverExposedToDeviceType("M.ROOM_KEY")).toBe(false);
    expect(isNeverExposedToDeviceType("org.example.ping")).toBe(false);
    expect(isNeverExposedToDeviceType(undefined as unknown as string)).toBe(true);
  });
});
