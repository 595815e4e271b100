import { describe, expect, it } from "vitest";
import { CapabilitySet } from "../../../src/capabilities/index.js";
import { silentLogger } from "../../../src/core/logger.js";
import {
  readRoomAccountDataHandler,
  SENSITIVE_ROOM_ACCOUNT_DATA,
} from "../../../src/host/actions/misc/room-account-data.js";
import { DEFAULT_HOST_LIMITS } from "../../../src/host/limits.js";
import type { HostActionContext } from "../../../src/host/registry.js";
import { ErrorCode, WidgetApiError } from "../../../src/protocol/errors.js";
import { readRoomAccountData } from "../../../src/widget/features/room-account-data.js";
import { FakeDriver, faults } from "./fake-driver.js";
import { errorOf, openSession } from "./harness.js";

const ACTION = "com.beeper.read_room_account_data";
const TYPE = "com.example.room_settings";
const cap = (type: string) => `com.beeper.capabilities.receive.room_account_data:${type}`;
const VIEWED = "!viewed:example.org";
const OTHER = "!other:example.org";
const THIRD = "!third:example.org";

function driverWithData() {
  const driver = new FakeDriver();
  driver.setRoomAccountData(VIEWED, TYPE, { colour: "red" });
  driver.setRoomAccountData(OTHER, TYPE, { colour: "blue" });
  driver.knownRooms = [VIEWED, OTHER, THIRD];
  return driver;
}

describe("read_room_account_data: rooms", () => {
  it("reads the viewed room by default", async () => {
    const driver = driverWithData();
    const s = await openSession({ capabilities: [cap(TYPE)], driver, viewedRoomId: VIEWED });
    const result = await s.send(ACTION, { type: TYPE });
    expect(result.response).toEqual({
      events: [{ type: TYPE, room_id: VIEWED, content: { colour: "red" } }],
    });
    expect(driver.callsOf("readRoomAccountData")).toEqual([[VIEWED, TYPE]]);
  });

  it("answers no events, without calling the driver, when no room is viewed", async () => {
    const s = await openSession({ capabilities: [cap(TYPE)], driver: driverWithData() });
    expect((await s.send(ACTION, { type: TYPE })).response).toEqual({ events: [] });
    expect(s.driver.callsOf("readRoomAccountData")).toEqual([]);
  });

  it("reads named rooms the widget may use, once each, leaving out rooms where the type is unset", async () => {
    const driver = driverWithData();
    const s = await openSession({
      capabilities: [cap(TYPE), `org.matrix.msc2762.timeline:${OTHER}`, `m.timeline:${THIRD}`],
      driver,
      viewedRoomId: VIEWED,
    });
    const events = await readRoomAccountData(s.client, TYPE, { roomIds: [VIEWED, OTHER, THIRD, OTHER] });
    expect(events).toEqual([
      { type: TYPE, room_id: VIEWED, content: { colour: "red" } },
      { type: TYPE, room_id: OTHER, content: { colour: "blue" } },
    ]);
    expect(driver.callsOf("readRoomAccountData")).toHaveLength(3);
  });

  it("refuses a named room without its timeline capability, before reading any room", async () => {
    const driver = driverWithData();
    const s = await openSession({ capabilities: [cap(TYPE)], driver, viewedRoomId: VIEWED });
    const result = await s.send(ACTION, { type: TYPE, room_ids: [VIEWED, OTHER] });
    expect(errorOf(result)?.code).toBe(ErrorCode.MissingCapability);
    expect(driver.callsOf("readRoomAccountData")).toEqual([]);
  });

  it('reads "*" as the viewed room plus the known rooms the widget has a timeline capability for', async () => {
    const driver = driverWithData();
    const s = await openSession({
      capabilities: [cap(TYPE), `m.timeline:${OTHER}`],
      driver,
      viewedRoomId: VIEWED,
    });
    await readRoomAccountData(s.client, TYPE, { roomIds: "*" });
    expect(driver.callsOf("readRoomAccountData").map(([room]) => room)).toEqual([VIEWED, OTHER]);
  });

  it('sends a list holding "*" (matrix-widget-api\'s [Symbols.AnyRoom]) as "*"', async () => {
    const driver = driverWithData();
    const s = await openSession({
      capabilities: [cap(TYPE), `m.timeline:${OTHER}`],
      driver,
      viewedRoomId: VIEWED,
    });
    await readRoomAccountData(s.client, TYPE, { roomIds: ["*"] });
    expect(driver.callsOf("readRoomAccountData").map(([room]) => room)).toEqual([VIEWED, OTHER]);
  });

  it('reads "*" as every known room with m.timeline:*', async () => {
    const driver = driverWithData();
    const s = await openSession({ capabilities: [cap(TYPE), "m.timeline:*"], driver });
    const result = await s.send(ACTION, { type: TYPE, room_ids: "*" });
    expect((result.response.events as unknown[]).length).toBe(2);
    expect(driver.callsOf("readRoomAccountData").map(([room]) => room)).toEqual([VIEWED, OTHER, THIRD]);
  });

  it('refuses "*" over more than 100 rooms, before reading any', async () => {
    const driver = driverWithData();
    driver.knownRooms = Array.from({ length: 101 }, (_, i) => `!room${i}:example.org`);
    const s = await openSession({ capabilities: [cap(TYPE), "m.timeline:*"], driver });
    expect(errorOf(await s.send(ACTION, { type: TYPE, room_ids: "*" }))?.code).toBe(ErrorCode.LimitExceeded);
    expect(driver.callsOf("readRoomAccountData")).toEqual([]);
  });

  it.each([
    [
      "more than 100 named rooms",
      { type: TYPE, room_ids: Array.from({ length: 101 }, (_, i) => `!r${i}:x.org`) },
    ],
    ["an invalid room ID", { type: TYPE, room_ids: ["not-a-room"] }],
    ["a room_ids string other than *", { type: TYPE, room_ids: "all" }],
    ["a missing type", { room_ids: [VIEWED] }],
    ["an empty type", { type: "" }],
  ])("refuses %s as an invalid request, before calling the driver", async (_label, data) => {
    const s = await openSession({ capabilities: [cap(TYPE), "m.timeline:*"], driver: driverWithData() });
    expect(errorOf(await s.send(ACTION, data))?.code).toBe(ErrorCode.InvalidRequest);
    expect(s.driver.callsOf("readRoomAccountData")).toEqual([]);
  });
});

describe("read_room_account_data: what may be read", () => {
  it("checks the capability before calling the driver (matrix-widget-api reads first)", async () => {
    const driver = driverWithData();
    const s = await openSession({ capabilities: [cap("other.type")], driver, viewedRoomId: VIEWED });
    const result = await s.send(ACTION, { type: TYPE });
    expect(errorOf(result)?.code).toBe(ErrorCode.MissingCapability);
    expect(driver.callsOf("readRoomAccountData")).toEqual([]);
  });

  it("does not count the global account-data capability for room account data", async () => {
    const driver = driverWithData();
    const s = await openSession({
      capabilities: [`m.read.account_data:${TYPE}`],
      driver,
      viewedRoomId: VIEWED,
    });
    expect(errorOf(await s.send(ACTION, { type: TYPE }))?.code).toBe(ErrorCode.MissingCapability);
    expect(driver.callsOf("readRoomAccountData")).toEqual([]);
  });

  it.each(SENSITIVE_ROOM_ACCOUNT_DATA)(
    "refuses the sensitive room type %s without the policy's opt-in",
    async (type) => {
      const driver = driverWithData();
      driver.setRoomAccountData(VIEWED, type, { private: true });
      const s = await openSession({ capabilities: [cap(type)], driver, viewedRoomId: VIEWED });
      // Refused at read time, or (once the type is on the shared sensitive list) never granted.
      const code = errorOf(await s.send(ACTION, { type }))?.code;
      expect([ErrorCode.Refused, ErrorCode.MissingCapability]).toContain(code);
      expect(driver.callsOf("readRoomAccountData")).toEqual([]);
    },
  );

  it("reads a sensitive room type once the policy opts in", async () => {
    const driver = driverWithData();
    driver.setRoomAccountData(VIEWED, "m.tag", { tags: { "m.favourite": {} } });
    const s = await openSession({
      capabilities: [cap("m.tag")],
      driver,
      viewedRoomId: VIEWED,
      policy: { allowSensitiveAccountData: (type) => type === "m.tag" },
    });
    const events = await readRoomAccountData(s.client, "m.tag");
    expect(events).toEqual([{ type: "m.tag", room_id: VIEWED, content: { tags: { "m.favourite": {} } } }]);
  });

  /** The handler on its own, as if a capability had been granted by mistake. */
  function contextWith(capabilities: string[], driver: FakeDriver, allowSensitive = true): HostActionContext {
    return {
      widget: { widgetId: "w" },
      driver,
      policy: { approveCapabilities: () => [], allowSensitiveAccountData: () => allowSensitive },
      capabilities: CapabilitySet.from(capabilities),
      limits: DEFAULT_HOST_LIMITS,
      logger: silentLogger,
      requestId: "r1",
      afterReply: () => {},
      actionName: ACTION,
      viewedRoomId: VIEWED,
      session: {
        generation: 1,
        values: new Map(),
        onEnd: () => {},
        ended: false,
        signal: new AbortController().signal,
      },
      rateLimit: () => {},
      sendToWidget: () => Promise.reject(new Error("unused")),
      widgetVersions: [],
    };
  }

  it.each(["m.cross_signing.master", "m.secret_storage.default_key", "m.megolm_backup.v1"])(
    "never reads the never-exposed type %s, even with a mistaken grant and a permissive policy",
    async (type) => {
      const driver = driverWithData();
      const context = contextWith([cap(type)], driver);
      await expect(readRoomAccountDataHandler.handle(context, { type })).rejects.toMatchObject({
        code: ErrorCode.Refused,
      });
      expect(driver.callsOf("readRoomAccountData")).toEqual([]);
    },
  );

  it("refuses a sensitive global type with a mistaken grant when the policy has not opted in", async () => {
    const driver = driverWithData();
    const context = contextWith([cap("m.direct")], driver, false);
    await expect(readRoomAccountDataHandler.handle(context, { type: "m.direct" })).rejects.toBeInstanceOf(
      WidgetApiError,
    );
    expect(driver.callsOf("readRoomAccountData")).toEqual([]);
  });

  it("refuses content that holds encrypted secrets", async () => {
    const driver = driverWithData();
    driver.setRoomAccountData(VIEWED, TYPE, { encrypted: { key: { ciphertext: "x" } } });
    const s = await openSession({ capabilities: [cap(TYPE)], driver, viewedRoomId: VIEWED });
    expect(errorOf(await s.send(ACTION, { type: TYPE }))?.code).toBe(ErrorCode.Refused);
  });

  it.each([
    ["rejects", faults.reject(), ErrorCode.Internal],
    ["fails at the homeserver", faults.forbidden(), ErrorCode.HomeserverError],
    ["returns a non-object", faults.malformed("content"), ErrorCode.Internal],
  ])("answers exactly one error when the driver %s", async (_label, fault, code) => {
    const driver = driverWithData().fail("readRoomAccountData", fault);
    const s = await openSession({ capabilities: [cap(TYPE)], driver, viewedRoomId: VIEWED });
    expect(errorOf(await s.send(ACTION, { type: TYPE }))?.code).toBe(code);
  });

  it("answers unsupported when the driver cannot read room account data", async () => {
    const driver = new FakeDriver({ without: ["readRoomAccountData"] });
    const s = await openSession({ capabilities: [cap(TYPE)], driver, viewedRoomId: VIEWED });
    expect(errorOf(await s.send(ACTION, { type: TYPE }))?.code).toBe(ErrorCode.Unsupported);
  });
});
