import { describe, expect, it } from "vitest";
import { withoutSignals } from "../../support/send-calls.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { sendEvent, sendStateEvent, updateDelayedEvent } from "../../../src/widget/features/events.js";
import { eventFaults, FakeEventDriver } from "./fake-driver.js";
import { cap, openClientSession, openRawSession, OTHER, ROOM, THIRD } from "./harness.js";

const SEND = "send_event";
const TEXT = { msgtype: "m.text", body: "hello" };

describe("send_event: sending room and state events", () => {
  it("sends a room event to the viewed room and replies {room_id, event_id}", async () => {
    const s = await openRawSession({ capabilities: [cap.send("m.room.message")] });
    const { response, error } = await s.send(SEND, { type: "m.room.message", content: TEXT });
    expect(error).toBeUndefined();
    expect(response).toEqual({ room_id: ROOM, event_id: "$sent1" });
    expect(withoutSignals(s.driver.callsOf("sendEvent"))).toEqual([
      ["m.room.message", TEXT, { roomId: ROOM }],
    ]);
  });

  it("sends a state event with its state key to the state endpoint", async () => {
    const s = await openRawSession({ capabilities: [cap.sendState("m.room.topic", "")] });
    const { response } = await s.send(SEND, { type: "m.room.topic", state_key: "", content: { topic: "x" } });
    expect(response).toEqual({ room_id: ROOM, event_id: "$sent1" });
    expect(withoutSignals(s.driver.callsOf("sendEvent"))).toEqual([
      ["m.room.topic", { topic: "x" }, { roomId: ROOM, stateKey: "" }],
    ]);
  });

  it("treats null optional fields as absent (MSC2813)", async () => {
    const s = await openRawSession({ capabilities: [cap.send("com.example.ping")] });
    const { response } = await s.send(SEND, {
      type: "com.example.ping",
      content: {},
      state_key: null,
      room_id: null,
      delay: null,
      parent_delay_id: null,
      sticky_duration_ms: null,
    });
    expect(response).toEqual({ room_id: ROOM, event_id: "$sent1" });
    expect(withoutSignals(s.driver.callsOf("sendEvent"))).toEqual([
      ["com.example.ping", {}, { roomId: ROOM }],
    ]);
  });

  it("returns camelCase results from the widget's sendEvent and sendStateEvent", async () => {
    const s = await openClientSession({
      capabilities: [cap.send("m.room.message"), cap.sendState("com.example.s")],
    });
    await expect(sendEvent(s.client, "m.room.message", TEXT)).resolves.toEqual({
      roomId: ROOM,
      eventId: "$sent1",
    });
    await expect(sendStateEvent(s.client, "com.example.s", "k", { a: 1 })).resolves.toEqual({
      roomId: ROOM,
      eventId: "$sent2",
    });
    expect(withoutSignals(s.driver.callsOf("sendEvent"))[1]).toEqual([
      "com.example.s",
      { a: 1 },
      { roomId: ROOM, stateKey: "k" },
    ]);
  });
});

describe("send_event: capability checks refuse before the driver is called", () => {
  it("refuses a type the widget may not send", async () => {
    const s = await openRawSession({ capabilities: [cap.send("com.example.a")] });
    const { error } = await s.send(SEND, { type: "com.example.b", content: {} });
    expect(error?.code).toBe(ErrorCode.MissingCapability);
    expect(error?.message).toContain("org.matrix.msc2762.send.event:com.example.b");
    expect(s.driver.asyncCalls).toEqual([]);
  });

  it("sends only the msgtypes a msgtype-restricted grant names", async () => {
    const s = await openRawSession({ capabilities: [cap.send("m.room.message#m.text")] });
    expect((await s.send(SEND, { type: "m.room.message", content: TEXT })).error).toBeUndefined();
    const emote = await s.send(SEND, { type: "m.room.message", content: { msgtype: "m.emote", body: "x" } });
    expect(emote.error?.code).toBe(ErrorCode.MissingCapability);
    expect(emote.error?.message).toContain("m.room.message#m.emote");
    const none = await s.send(SEND, { type: "m.room.message", content: { body: "no msgtype" } });
    expect(none.error?.code).toBe(ErrorCode.MissingCapability);
    const numeric = await s.send(SEND, { type: "m.room.message", content: { msgtype: 7 } });
    expect(numeric.error?.code).toBe(ErrorCode.MissingCapability);
    expect(s.driver.callsOf("sendEvent")).toHaveLength(1);
  });

  it("sends every msgtype with an unrestricted m.room.message grant", async () => {
    const s = await openRawSession({ capabilities: [cap.send("m.room.message")] });
    for (const content of [TEXT, { msgtype: "m.emote" }, { body: "none" }]) {
      expect((await s.send(SEND, { type: "m.room.message", content })).error).toBeUndefined();
    }
    expect(s.driver.callsOf("sendEvent")).toHaveLength(3);
  });

  it("sends state only under the granted state key; a grant without key covers every key", async () => {
    const s = await openRawSession({
      capabilities: [cap.sendState("m.room.name", ""), cap.sendState("com.example.any")],
    });
    expect((await s.send(SEND, { type: "m.room.name", state_key: "", content: {} })).error).toBeUndefined();
    const other = await s.send(SEND, { type: "m.room.name", state_key: "x", content: {} });
    expect(other.error?.code).toBe(ErrorCode.MissingCapability);
    expect(other.error?.message).toContain("m.room.name#x");
    expect(
      (await s.send(SEND, { type: "com.example.any", state_key: "a", content: {} })).error,
    ).toBeUndefined();
    expect(
      (await s.send(SEND, { type: "com.example.any", state_key: "", content: {} })).error,
    ).toBeUndefined();
    expect(s.driver.callsOf("sendEvent")).toHaveLength(3);
  });

  it("keeps room and state grants apart: neither lets the other kind through", async () => {
    const s = await openRawSession({
      capabilities: [cap.send("com.example.room"), cap.sendState("com.example.state")],
    });
    const asState = await s.send(SEND, { type: "com.example.room", state_key: "", content: {} });
    const asRoom = await s.send(SEND, { type: "com.example.state", content: {} });
    expect(asState.error?.code).toBe(ErrorCode.MissingCapability);
    expect(asRoom.error?.code).toBe(ErrorCode.MissingCapability);
    expect(s.driver.asyncCalls).toEqual([]);
  });

  it("does not let receive capabilities send", async () => {
    const s = await openRawSession({ capabilities: [cap.receive("com.example.a")] });
    const { error } = await s.send(SEND, { type: "com.example.a", content: {} });
    expect(error?.code).toBe(ErrorCode.MissingCapability);
    expect(s.driver.asyncCalls).toEqual([]);
  });
});

describe("send_event: which room", () => {
  it("accepts room_id naming the viewed room without a timeline capability", async () => {
    const s = await openRawSession({ capabilities: [cap.send("com.example.a")] });
    const { response } = await s.send(SEND, { type: "com.example.a", content: {}, room_id: ROOM });
    expect(response).toEqual({ room_id: ROOM, event_id: "$sent1" });
  });

  it("refuses another room without a timeline capability, naming the capability", async () => {
    const s = await openRawSession({ capabilities: [cap.send("com.example.a")] });
    const { error } = await s.send(SEND, { type: "com.example.a", content: {}, room_id: OTHER });
    expect(error?.code).toBe(ErrorCode.MissingCapability);
    expect(error?.message).toContain(`org.matrix.msc2762.timeline:${OTHER}`);
    expect(s.driver.asyncCalls).toEqual([]);
  });

  it("timeline:<room> opens exactly that room", async () => {
    const s = await openRawSession({ capabilities: [cap.send("com.example.a"), cap.timeline(OTHER)] });
    const ok = await s.send(SEND, { type: "com.example.a", content: {}, room_id: OTHER });
    expect(ok.response).toEqual({ room_id: OTHER, event_id: "$sent1" });
    const third = await s.send(SEND, { type: "com.example.a", content: {}, room_id: THIRD });
    expect(third.error?.code).toBe(ErrorCode.MissingCapability);
    expect(withoutSignals(s.driver.callsOf("sendEvent"))).toEqual([["com.example.a", {}, { roomId: OTHER }]]);
  });

  it("timeline:* opens every room, in the stable spelling too", async () => {
    const s = await openRawSession({ capabilities: [cap.send("com.example.a"), "m.timeline:*"] });
    for (const room of [OTHER, THIRD]) {
      expect(
        (await s.send(SEND, { type: "com.example.a", content: {}, room_id: room })).error,
      ).toBeUndefined();
    }
    expect(s.driver.callsOf("sendEvent").map((call) => (call[2] as { roomId: string }).roomId)).toEqual([
      OTHER,
      THIRD,
    ]);
  });

  it("refuses with a clear error when no room is viewed and none is named", async () => {
    const s = await openRawSession({
      capabilities: [cap.send("com.example.a"), "m.timeline:*"],
      viewedRoomId: null,
    });
    const { error } = await s.send(SEND, { type: "com.example.a", content: {} });
    expect(error?.code).toBe(ErrorCode.InvalidRequest);
    expect(error?.message).toMatch(/room_id/);
    expect(s.driver.asyncCalls).toEqual([]);
    // Naming the room works, given a timeline capability.
    expect(
      (await s.send(SEND, { type: "com.example.a", content: {}, room_id: OTHER })).error,
    ).toBeUndefined();
  });

  it("with no viewed room, any named room needs a timeline capability", async () => {
    const s = await openRawSession({ capabilities: [cap.send("com.example.a")], viewedRoomId: null });
    const { error } = await s.send(SEND, { type: "com.example.a", content: {}, room_id: ROOM });
    expect(error?.code).toBe(ErrorCode.MissingCapability);
    expect(s.driver.asyncCalls).toEqual([]);
  });

  it("follows the viewed room when the host app changes it", async () => {
    const s = await openRawSession({ capabilities: [cap.send("com.example.a")] });
    s.host.setViewedRoomId(OTHER);
    const { response } = await s.send(SEND, { type: "com.example.a", content: {} });
    expect(response).toEqual({ room_id: OTHER, event_id: "$sent1" });
    const old = await s.send(SEND, { type: "com.example.a", content: {}, room_id: ROOM });
    expect(old.error?.code).toBe(ErrorCode.MissingCapability);
  });
});

describe("send_event: invalid requests get one error and no driver call", () => {
  const bad: Array<[string, unknown]> = [
    ["missing type", { content: {} }],
    ["empty type", { type: "", content: {} }],
    ["numeric type", { type: 5, content: {} }],
    ["overlong type", { type: "x".repeat(256), content: {} }],
    ["missing content", { type: "com.example.a" }],
    ["array content", { type: "com.example.a", content: [] }],
    ["null content", { type: "com.example.a", content: null }],
    ["numeric state_key", { type: "com.example.a", content: {}, state_key: 1 }],
    ["empty room_id", { type: "com.example.a", content: {}, room_id: "" }],
    ["room alias as room_id", { type: "com.example.a", content: {}, room_id: "#alias:example.org" }],
    ["negative delay", { type: "com.example.a", content: {}, delay: -1 }],
    ["fractional delay", { type: "com.example.a", content: {}, delay: 1.5 }],
    ["string delay", { type: "com.example.a", content: {}, delay: "1000" }],
    ["empty parent_delay_id", { type: "com.example.a", content: {}, parent_delay_id: "" }],
    ["negative sticky duration", { type: "com.example.a", content: {}, sticky_duration_ms: -5 }],
    ["infinite sticky duration", { type: "com.example.a", content: {}, sticky_duration_ms: Infinity }],
  ];
  it.each(bad)("refuses %s", async (_name, data) => {
    const s = await openRawSession({
      capabilities: [
        cap.send("com.example.a"),
        cap.sendState("com.example.a"),
        cap.sendDelayed,
        cap.sendSticky,
        "m.timeline:*",
      ],
    });
    const { error } = await s.send(SEND, data);
    expect(error?.code).toBe(ErrorCode.InvalidRequest);
    expect(s.driver.asyncCalls).toEqual([]);
  });
});

describe("send_event: delayed events (MSC4157)", () => {
  it("refuses a delay without m.send.delayed_event", async () => {
    const s = await openRawSession({ capabilities: [cap.send("com.example.a")] });
    const { error } = await s.send(SEND, { type: "com.example.a", content: {}, delay: 1000 });
    expect(error?.code).toBe(ErrorCode.MissingCapability);
    expect(error?.message).toContain("org.matrix.msc4157.send.delayed_event");
    expect(s.driver.asyncCalls).toEqual([]);
  });

  it("refuses parent_delay_id without m.send.delayed_event", async () => {
    const s = await openRawSession({ capabilities: [cap.send("com.example.a")] });
    const { error } = await s.send(SEND, { type: "com.example.a", content: {}, parent_delay_id: "d1" });
    expect(error?.code).toBe(ErrorCode.MissingCapability);
    expect(s.driver.asyncCalls).toEqual([]);
  });

  it("still needs the event capability when the delay capability is held", async () => {
    const s = await openRawSession({ capabilities: [cap.sendDelayed] });
    const { error } = await s.send(SEND, { type: "com.example.a", content: {}, delay: 10 });
    expect(error?.code).toBe(ErrorCode.MissingCapability);
    expect(s.driver.asyncCalls).toEqual([]);
  });

  it("sends a delayed room or state event and replies with its delay_id", async () => {
    const s = await openRawSession({
      capabilities: [
        cap.send("com.example.a"),
        cap.sendState("org.matrix.msc3401.call.member"),
        cap.sendDelayed,
      ],
    });
    const room = await s.send(SEND, { type: "com.example.a", content: {}, delay: 0 });
    expect(room.response).toEqual({ room_id: ROOM, delay_id: "delay-1" });
    const state = await s.send(SEND, {
      type: "org.matrix.msc3401.call.member",
      state_key: "_@me:example.org_DEVICE",
      content: {},
      delay: 5000,
      parent_delay_id: "delay-1",
    });
    expect(state.response).toEqual({ room_id: ROOM, delay_id: "delay-2" });
    expect(withoutSignals(s.driver.callsOf("sendEvent"))).toEqual([
      ["com.example.a", {}, { roomId: ROOM, delayMs: 0 }],
      [
        "org.matrix.msc3401.call.member",
        {},
        { roomId: ROOM, stateKey: "_@me:example.org_DEVICE", delayMs: 5000, parentDelayId: "delay-1" },
      ],
    ]);
  });

  it("reports a driver that answers a delayed send without a delay ID as an internal error", async () => {
    const driver = new FakeEventDriver().respond("sendEvent", () => ({ roomId: ROOM, eventId: "$x" }));
    const s = await openRawSession({ capabilities: [cap.send("com.example.a"), cap.sendDelayed], driver });
    const { error } = await s.send(SEND, { type: "com.example.a", content: {}, delay: 10 });
    expect(error?.code).toBe(ErrorCode.Internal);
  });

  it("returns the delay ID from the widget's sendEvent", async () => {
    const s = await openClientSession({ capabilities: [cap.send("com.example.a"), cap.sendDelayed] });
    await expect(sendEvent(s.client, "com.example.a", {}, { delayMs: 100 })).resolves.toEqual({
      roomId: ROOM,
      delayId: "delay-1",
    });
  });
});

describe("update_delayed_event (MSC4157)", () => {
  const UNSTABLE = "org.matrix.msc4157.update_delayed_event";

  it.each([UNSTABLE, "update_delayed_event"])("accepts %s and calls the driver", async (action) => {
    const driver = new FakeEventDriver();
    driver.delayed.set("d1", { type: "x", options: { roomId: ROOM, delayMs: 1 } });
    const s = await openRawSession({ capabilities: [cap.updateDelayed], driver });
    const { response, reply } = await s.send(action, { delay_id: "d1", action: "restart" });
    expect(response).toEqual({});
    expect(reply.action).toBe(action);
    expect(driver.callsOf("updateDelayedEvent")).toEqual([["d1", "restart"]]);
  });

  it("refuses without m.update_delayed_event, before the driver", async () => {
    const s = await openRawSession({ capabilities: [cap.sendDelayed] });
    const { error } = await s.send(UNSTABLE, { delay_id: "d1", action: "cancel" });
    expect(error?.code).toBe(ErrorCode.MissingCapability);
    expect(s.driver.asyncCalls).toEqual([]);
  });

  it("reads the MSC text's refresh as restart", async () => {
    const driver = new FakeEventDriver();
    driver.delayed.set("d1", { type: "x", options: { roomId: ROOM, delayMs: 1 } });
    const s = await openRawSession({ capabilities: [cap.updateDelayed], driver });
    await s.send(UNSTABLE, { delay_id: "d1", action: "refresh" });
    expect(driver.callsOf("updateDelayedEvent")).toEqual([["d1", "restart"]]);
  });

  it.each([
    ["unknown action", { delay_id: "d1", action: "postpone" }],
    ["missing delay_id", { action: "send" }],
    ["empty delay_id", { delay_id: "", action: "send" }],
  ])("refuses %s as invalid", async (_name, data) => {
    const s = await openRawSession({ capabilities: [cap.updateDelayed] });
    const { error } = await s.send(UNSTABLE, data);
    expect(error?.code).toBe(ErrorCode.InvalidRequest);
    expect(s.driver.asyncCalls).toEqual([]);
  });

  it("relays the homeserver's 404 for an unknown delay ID as matrix_api_error", async () => {
    const s = await openRawSession({ capabilities: [cap.updateDelayed] });
    const { error } = await s.send(UNSTABLE, { delay_id: "nope", action: "cancel" });
    expect(error?.code).toBe(ErrorCode.HomeserverError);
    expect(error?.matrix_api_error?.response.errcode).toBe("M_NOT_FOUND");
  });

  it("the widget sends the unstable name that deployed hosts know", async () => {
    const driver = new FakeEventDriver();
    driver.delayed.set("d9", { type: "x", options: { roomId: ROOM, delayMs: 1 } });
    const s = await openClientSession({ capabilities: [cap.updateDelayed], driver });
    await updateDelayedEvent(s.client, "d9", "send");
    expect(s.pair.widget.sent.filter((m) => m.action === UNSTABLE)).toHaveLength(1);
    expect(driver.callsOf("updateDelayedEvent")).toEqual([["d9", "send"]]);
  });
});

describe("send_event: sticky events (MSC4407)", () => {
  it("refuses sticky_duration_ms without m.send.sticky_event", async () => {
    const s = await openRawSession({ capabilities: [cap.send("com.example.a")] });
    const { error } = await s.send(SEND, { type: "com.example.a", content: {}, sticky_duration_ms: 60000 });
    expect(error?.code).toBe(ErrorCode.MissingCapability);
    expect(error?.message).toContain("org.matrix.msc4407.send.sticky_event");
    expect(s.driver.asyncCalls).toEqual([]);
  });

  it("sends a sticky room event with its duration", async () => {
    const s = await openRawSession({ capabilities: [cap.send("com.example.a"), cap.sendSticky] });
    const { response } = await s.send(SEND, {
      type: "com.example.a",
      content: {},
      sticky_duration_ms: 60000,
    });
    expect(response).toEqual({ room_id: ROOM, event_id: "$sent1" });
    expect(withoutSignals(s.driver.callsOf("sendEvent"))).toEqual([
      ["com.example.a", {}, { roomId: ROOM, stickyDurationMs: 60000 }],
    ]);
  });

  it("refuses a sticky state event", async () => {
    const s = await openRawSession({ capabilities: [cap.sendState("com.example.s"), cap.sendSticky] });
    const { error } = await s.send(SEND, {
      type: "com.example.s",
      state_key: "",
      content: {},
      sticky_duration_ms: 1,
    });
    expect(error?.code).toBe(ErrorCode.InvalidRequest);
    expect(s.driver.asyncCalls).toEqual([]);
  });

  it("a delayed sticky event needs both capabilities", async () => {
    const onlySticky = await openRawSession({ capabilities: [cap.send("com.example.a"), cap.sendSticky] });
    const refused = await onlySticky.send(SEND, {
      type: "com.example.a",
      content: {},
      sticky_duration_ms: 1,
      delay: 1,
    });
    expect(refused.error?.code).toBe(ErrorCode.MissingCapability);
    expect(onlySticky.driver.asyncCalls).toEqual([]);

    const both = await openRawSession({
      capabilities: [cap.send("com.example.a"), cap.sendSticky, cap.sendDelayed],
    });
    const ok = await both.send(SEND, { type: "com.example.a", content: {}, sticky_duration_ms: 1, delay: 2 });
    expect(ok.response).toEqual({ room_id: ROOM, delay_id: "delay-1" });
    expect(withoutSignals(both.driver.callsOf("sendEvent"))).toEqual([
      ["com.example.a", {}, { roomId: ROOM, delayMs: 2, stickyDurationMs: 1 }],
    ]);
  });

  it("passes the sticky duration from the widget's sendEvent", async () => {
    const s = await openClientSession({ capabilities: [cap.send("com.example.a"), cap.sendSticky] });
    await sendEvent(s.client, "com.example.a", {}, { stickyDurationMs: 3000 });
    expect(withoutSignals(s.driver.callsOf("sendEvent"))).toEqual([
      ["com.example.a", {}, { roomId: ROOM, stickyDurationMs: 3000 }],
    ]);
  });
});

describe("send_event: driver failures each give exactly one error reply", () => {
  const body = { type: "com.example.a", content: {} };

  it("relays a homeserver error as matrix_api_error", async () => {
    const driver = new FakeEventDriver().fail("sendEvent", eventFaults.forbidden());
    const s = await openRawSession({ capabilities: [cap.send("com.example.a")], driver });
    const { error } = await s.send(SEND, body);
    expect(error?.code).toBe(ErrorCode.HomeserverError);
    expect(error?.matrix_api_error?.http_status).toBe(403);
  });

  it.each([
    ["a rejection", eventFaults.reject()],
    ["a synchronous throw", eventFaults.throwSync()],
    ["a malformed result", eventFaults.malformed({ nope: true })],
    ["a null result", eventFaults.malformed(null)],
  ])("turns %s into an internal error", async (_name, fault) => {
    const driver = new FakeEventDriver().fail("sendEvent", fault);
    const s = await openRawSession({ capabilities: [cap.send("com.example.a")], driver });
    const { error } = await s.send(SEND, body);
    expect(error?.code).toBe(ErrorCode.Internal);
  });

  it("answers unsupported when the driver cannot send", async () => {
    const driver = new FakeEventDriver({ ops: ["readRoomEvents"] });
    const s = await openRawSession({ capabilities: [cap.send("com.example.a")], driver });
    const { error } = await s.send(SEND, body);
    expect(error?.code).toBe(ErrorCode.Unsupported);
  });
});

describe("send_event: the driver is told when the host stops waiting for a send", () => {
  const body = { type: "com.example.a", content: {} };
  const signalOf = (driver: FakeEventDriver) =>
    (driver.callsOf("sendEvent")[0]?.[2] as { signal?: AbortSignal } | undefined)?.signal;

  it("aborts the send's signal, with the timeout the widget got, once the driver timeout passes", async () => {
    const driver = new FakeEventDriver().fail("sendEvent", eventFaults.hang());
    const s = await openRawSession({
      capabilities: [cap.send("com.example.a")],
      driver,
      limits: { driverTimeoutMs: 50 },
    });
    const { error } = await s.send(SEND, body);
    expect(error?.code).toBe(ErrorCode.Timeout);
    const signal = signalOf(driver);
    expect(signal?.aborted).toBe(true);
    expect((signal?.reason as { code?: string }).code).toBe(ErrorCode.Timeout);
  });

  it("aborts the send's signal when the session ends while the driver is sending", async () => {
    const driver = new FakeEventDriver().fail("sendEvent", eventFaults.hang());
    const s = await openRawSession({ capabilities: [cap.send("com.example.a")], driver });
    void s.send(SEND, body);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const signal = signalOf(driver);
    expect(signal?.aborted).toBe(false);
    s.host.destroy();
    expect(signal?.aborted).toBe(true);
    expect((signal?.reason as { code?: string }).code).toBe(ErrorCode.SessionEnded);
  });
});
