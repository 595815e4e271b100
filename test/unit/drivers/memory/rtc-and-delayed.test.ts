// The in-memory world's delayed events (MSC4140), sticky events (MSC4354) and MatrixRTC
// operations (MSC4515 transports, MSC4533 LiveKit token and delayed-leave delegation), through
// MemoryDriver, checked as a homeserver would answer them.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MatrixWorld, MemoryDriver } from "../../../../src/drivers/memory/index.js";
import { HomeserverError } from "../../../../src/host/matrix-error.js";
import { expectRejection } from "./helpers.js";

const ME = "@me:example.org";
const ALICE = "@alice:example.org";
const MEMBER = "org.matrix.msc3401.call.member";
const SFU = "https://sfu.example.org/livekit/jwt";
const TRANSPORTS = [{ type: "livekit", livekit_service_url: SFU }];

function setup(options: { now?: () => number } = {}) {
  const failures: string[] = [];
  const world = new MatrixWorld({
    ownUserId: ME,
    rtcTransports: TRANSPORTS,
    onDelayedEventFailure: (_error, delayId) => failures.push(delayId),
    ...(options.now ? { now: options.now } : {}),
  });
  world.addUser({ userId: ALICE });
  const room = world.createRoom({ creator: ME, invite: [ALICE] });
  world.join(room, ALICE);
  const outside = world.createRoom({ creator: ALICE });
  return { world, driver: new MemoryDriver(world), room, outside, failures };
}

const typesIn = (world: MatrixWorld, room: string) => world.timeline(room).map((event) => event.type);

describe("MemoryDriver delayed events (MSC4140)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends a delayed event when its delay runs out, and not before", async () => {
    const { world, driver, room } = setup();
    const sent = await driver.sendEvent("org.example.later", { n: 1 }, { roomId: room, delayMs: 5000 });
    expect(sent).toEqual({ roomId: room, delayId: expect.any(String) });
    expect(sent.eventId).toBeUndefined();
    vi.advanceTimersByTime(4999);
    expect(typesIn(world, room)).not.toContain("org.example.later");
    vi.advanceTimersByTime(1);
    expect(world.timeline(room).at(-1)).toMatchObject({
      type: "org.example.later",
      sender: ME,
      content: { n: 1 },
    });
    await expectRejection(driver.updateDelayedEvent(sent.delayId ?? "", "send"), 404, "M_NOT_FOUND");
  });

  it("restarts the delay, sends at once, and cancels (a delayed state event included)", async () => {
    const { world, driver, room } = setup();
    const leave = await driver.sendEvent(MEMBER, {}, { roomId: room, stateKey: "_me", delayMs: 4000 });
    vi.advanceTimersByTime(3000);
    await driver.updateDelayedEvent(leave.delayId ?? "", "restart");
    vi.advanceTimersByTime(3000);
    expect(world.getStateEvent(room, MEMBER, "_me")).toBeUndefined();
    vi.advanceTimersByTime(1000);
    expect(world.getStateEvent(room, MEMBER, "_me")?.content).toEqual({});

    const now = await driver.sendEvent("org.example.now", {}, { roomId: room, delayMs: 60_000 });
    await driver.updateDelayedEvent(now.delayId ?? "", "send");
    expect(typesIn(world, room)).toContain("org.example.now");

    const never = await driver.sendEvent("org.example.never", {}, { roomId: room, delayMs: 1000 });
    await driver.updateDelayedEvent(never.delayId ?? "", "cancel");
    vi.advanceTimersByTime(5000);
    expect(typesIn(world, room)).not.toContain("org.example.never");
  });

  it("sends a child with the parent, and cancels it with the parent", async () => {
    const { world, driver, room } = setup();
    const parent = await driver.sendEvent("org.example.parent", {}, { roomId: room, delayMs: 1000 });
    await driver.sendEvent("org.example.child", {}, { roomId: room, parentDelayId: parent.delayId ?? "" });
    vi.advanceTimersByTime(1000);
    expect(typesIn(world, room).slice(-2)).toEqual(["org.example.parent", "org.example.child"]);

    const second = await driver.sendEvent("org.example.parent2", {}, { roomId: room, delayMs: 1000 });
    await driver.sendEvent("org.example.child2", {}, { roomId: room, parentDelayId: second.delayId ?? "" });
    await driver.updateDelayedEvent(second.delayId ?? "", "cancel");
    vi.advanceTimersByTime(5000);
    expect(typesIn(world, room)).not.toContain("org.example.child2");
    expect(world.delayedEvents.list(ME)).toEqual([]);
  });

  it("refuses what a homeserver refuses: not joined, bad delays, unknown or foreign delay IDs", async () => {
    const { world, driver, room, outside } = setup();
    await expectRejection(driver.sendEvent("x.y", {}, { roomId: outside, delayMs: 10 }), 403, "M_FORBIDDEN");
    await expectRejection(
      driver.sendEvent("x.y", {}, { roomId: "!nope:example.org", delayMs: 10 }),
      404,
      "M_NOT_FOUND",
    );
    await expectRejection(driver.sendEvent("x.y", {}, { roomId: room, delayMs: -1 }), 400, "M_INVALID_PARAM");
    await expectRejection(
      driver.sendEvent("x.y", {}, { roomId: room, delayMs: 25 * 3600_000 }),
      400,
      "M_INVALID_PARAM",
    );
    await expectRejection(
      driver.sendEvent("x.y", {}, { roomId: room, parentDelayId: "syd_unknown" }),
      404,
      "M_NOT_FOUND",
    );
    const alices = world.delayedEvents.schedule(room, ALICE, { type: "x.y", content: {} }, { delayMs: 1000 });
    await expectRejection(driver.updateDelayedEvent(alices, "cancel"), 404, "M_NOT_FOUND");
  });

  it("reports a delayed event that can no longer be sent (its sender left) and keeps running", async () => {
    const { world, driver, room, failures } = setup();
    const sent = await driver.sendEvent("org.example.later", {}, { roomId: room, delayMs: 1000 });
    world.leave(room, ME);
    vi.advanceTimersByTime(1000);
    expect(failures).toEqual([sent.delayId]);
    expect(typesIn(world, room)).not.toContain("org.example.later");
  });
});

describe("MemoryDriver sticky events (MSC4354)", () => {
  it("marks sticky events and reads those still sticky by the world's clock, capped at an hour", async () => {
    let now = 1_000_000;
    const { world, driver, room, outside } = setup({ now: () => now });
    const short = await driver.sendEvent(MEMBER, { a: 1 }, { roomId: room, stickyDurationMs: 60_000 });
    const long = await driver.sendEvent(MEMBER, { b: 2 }, { roomId: room, stickyDurationMs: 10 * 3600_000 });
    await driver.sendEvent(MEMBER, { plain: true }, { roomId: room });
    const ids = async () => (await driver.readStickyEvents(room)).map((event) => event.event_id);
    expect(await ids()).toEqual([short.eventId, long.eventId]);
    expect(world.getEvent(room, short.eventId ?? "")?.msc4354_sticky).toEqual({ duration_ms: 60_000 });
    now += 60_000;
    expect(await ids()).toEqual([long.eventId]);
    now += 3600_000;
    expect(await ids()).toEqual([]);
    world.sendEvent(outside, ALICE, { type: MEMBER, content: {}, msc4354_sticky: { duration_ms: 60_000 } });
    expect(await driver.readStickyEvents(outside)).toEqual([]);
  });

  it("refuses a sticky state event and a malformed duration", async () => {
    const { world, driver, room } = setup();
    await expectRejection(
      driver.sendEvent(MEMBER, {}, { roomId: room, stateKey: "", stickyDurationMs: 1000 }),
      400,
      "M_INVALID_PARAM",
    );
    expect(() =>
      world.sendEvent(room, ME, { type: MEMBER, content: {}, msc4354_sticky: { duration_ms: -5 } }),
    ).toThrow(HomeserverError);
  });
});

describe("MemoryDriver MatrixRTC (MSC4515, MSC4533)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("lists the world's transports, as copies, and none for a world without them", async () => {
    const { world, driver } = setup();
    const listed = await driver.getRtcTransports();
    expect(listed).toEqual(TRANSPORTS);
    listed[0]!["livekit_service_url"] = "changed";
    expect(world.rtcTransports).toEqual(TRANSPORTS);
    expect(await new MemoryDriver(new MatrixWorld({ ownUserId: ME })).getRtcTransports()).toEqual([]);
  });

  it("hands out an unsigned stand-in JWT whose claims name the user, room, slot and member", async () => {
    const { driver, room } = setup();
    const { jwt } = await driver.getLivekitToken({
      serverName: "example.org",
      url: SFU,
      roomId: room,
      slotId: "m.call#ROOM",
      member: { id: "member-1", claimedDeviceId: "MEMORYDEVICE" },
    });
    const [header, payload, signature] = jwt.split(".");
    const decode = (part: string | undefined) =>
      JSON.parse(Buffer.from(part ?? "", "base64url").toString("utf8"));
    expect(decode(header)).toEqual({ alg: "none", typ: "JWT" });
    expect(decode(payload)).toMatchObject({
      iss: "example.org",
      sub: `${ME}:MEMORYDEVICE`,
      room_id: room,
      slot_id: "m.call#ROOM",
      member_id: "member-1",
      claimed_device_id: "MEMORYDEVICE",
      url: SFU,
    });
    expect(signature).toBe("");
  });

  it("refuses a token for a room it is not in, an unknown SFU or another server", async () => {
    const { driver, room, outside } = setup();
    const base = { serverName: "example.org", url: SFU, roomId: room, slotId: "s", member: { id: "m" } };
    await expectRejection(driver.getLivekitToken({ ...base, roomId: outside }), 403, "M_FORBIDDEN");
    await expectRejection(
      driver.getLivekitToken({ ...base, url: "https://elsewhere.example" }),
      400,
      "M_INVALID_PARAM",
    );
    await expectRejection(
      driver.getLivekitToken({ ...base, serverName: "other.example" }),
      400,
      "M_INVALID_PARAM",
    );
  });

  it("keeps a delegated leave alive past its delay and sends it when the SFU connection drops", async () => {
    vi.useFakeTimers();
    const { world, driver, room } = setup();
    const leave = await driver.sendEvent(
      MEMBER,
      {},
      { roomId: room, stateKey: "_me_m1", delayMs: 2 * 3600_000 },
    );
    const ref = { roomId: room, slotId: "m.call#ROOM", member: { id: "m1" }, delayId: leave.delayId ?? "" };
    await driver.delegateDelayedLeave({ ...ref, url: SFU });
    vi.advanceTimersByTime(3 * 3600_000);
    expect(world.getStateEvent(room, MEMBER, "_me_m1")).toBeUndefined();
    world.delayedEvents.dropRtcConnection(ME);
    expect(world.getStateEvent(room, MEMBER, "_me_m1")?.content).toEqual({});
  });

  it("refuses to delegate a delay under an hour, an unknown delay ID or SFU, and a room it is not in", async () => {
    vi.useFakeTimers();
    const { driver, room, outside } = setup();
    const short = await driver.sendEvent(MEMBER, {}, { roomId: room, stateKey: "_me", delayMs: 30_000 });
    const ref = { roomId: room, slotId: "s", member: { id: "m" }, delayId: short.delayId ?? "" };
    await expectRejection(driver.delegateDelayedLeave(ref), 400, "M_BAD_JSON");
    await expectRejection(driver.delegateDelayedLeave({ ...ref, delayId: "syd_nope" }), 404, "M_NOT_FOUND");
    await expectRejection(
      driver.delegateDelayedLeave({ ...ref, url: "https://elsewhere.example" }),
      400,
      "M_INVALID_PARAM",
    );
    await expectRejection(driver.delegateDelayedLeave({ ...ref, roomId: outside }), 403, "M_FORBIDDEN");
  });
});

describe("delayed events sent at once by their parent or the SFU", () => {
  it("a delegated child of a delegated parent is sent once when the SFU connection drops, not twice", async () => {
    const { world, driver, room } = setup();
    const parent = await driver.sendEvent(
      MEMBER,
      {},
      { roomId: room, stateKey: "_me_p", delayMs: 2 * 3600_000 },
    );
    const child = await driver.sendEvent(
      "org.example.child",
      { n: 1 },
      {
        roomId: room,
        delayMs: 2 * 3600_000,
        parentDelayId: parent.delayId ?? "",
      },
    );
    const ref = { roomId: room, slotId: "m.call#ROOM", member: { id: "m1" }, url: SFU };
    await driver.delegateDelayedLeave({ ...ref, delayId: parent.delayId ?? "" });
    await driver.delegateDelayedLeave({ ...ref, delayId: child.delayId ?? "" });
    world.delayedEvents.dropRtcConnection(ME);
    expect(typesIn(world, room).filter((type) => type === "org.example.child")).toHaveLength(1);
  });

  it("a child cancelled while its parent is being sent stays unsent", async () => {
    const { world, driver, room } = setup();
    const parent = await driver.sendEvent("org.example.parent", {}, { roomId: room, delayMs: 60_000 });
    const child = await driver.sendEvent(
      "org.example.child",
      {},
      {
        roomId: room,
        delayMs: 60_000,
        parentDelayId: parent.delayId ?? "",
      },
    );
    world.on("event", (event) => {
      if (event.type === "org.example.parent") world.delayedEvents.update(ME, child.delayId ?? "", "cancel");
    });
    world.delayedEvents.update(ME, parent.delayId ?? "", "send");
    expect(typesIn(world, room)).toContain("org.example.parent");
    expect(typesIn(world, room)).not.toContain("org.example.child");
  });
});

describe("delayed state events and other users' changes of the same state (MSC4140, as Synapse)", () => {
  const STATUS = "org.example.status";

  /** A room where Alice may set state (50), with the fake timers the delays need. */
  function moderatedRoom() {
    const fixture = setup();
    const room = fixture.world.createRoom({ creator: ME, isPublic: true, userPowerLevels: { [ALICE]: 50 } });
    fixture.world.join(room, ALICE);
    return { ...fixture, room };
  }

  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("cancels a user's delayed state event, and its children, when another user sets the same state", async () => {
    const { world, driver, room } = moderatedRoom();
    const mine = await driver.sendEvent(STATUS, { v: "mine" }, { roomId: room, stateKey: "", delayMs: 5000 });
    await driver.sendEvent("org.example.after", {}, { roomId: room, parentDelayId: mine.delayId ?? "" });
    const otherKey = await driver.sendEvent(
      STATUS,
      { v: "other key" },
      { roomId: room, stateKey: "other", delayMs: 5000 },
    );
    const message = await driver.sendEvent(STATUS, { v: "message" }, { roomId: room, delayMs: 5000 });

    world.sendEvent(room, ALICE, { type: STATUS, state_key: "", content: { v: "alice" } });

    // Only the delayed event that would have overwritten Alice's state is gone.
    expect(world.delayedEvents.list(ME).map((info) => info.delayId)).toEqual([
      otherKey.delayId,
      message.delayId,
    ]);
    await expectRejection(driver.updateDelayedEvent(mine.delayId ?? "", "send"), 404, "M_NOT_FOUND");
    vi.advanceTimersByTime(5000);
    expect(world.getState(room, STATUS, "")).toEqual({ v: "alice" });
    expect(world.getState(room, STATUS, "other")).toEqual({ v: "other key" });
    expect(typesIn(world, room)).not.toContain("org.example.after");
  });

  it("keeps it when its sender sets that state, or another room's state changes", async () => {
    const { world, driver, room } = moderatedRoom();
    const elsewhere = world.createRoom({ creator: ALICE });
    const mine = await driver.sendEvent(
      STATUS,
      { v: "later" },
      { roomId: room, stateKey: "", delayMs: 5000 },
    );

    world.sendEvent(room, ME, { type: STATUS, state_key: "", content: { v: "now" } });
    world.sendEvent(elsewhere, ALICE, { type: STATUS, state_key: "", content: { v: "elsewhere" } });

    expect(world.delayedEvents.list(ME).map((info) => info.delayId)).toEqual([mine.delayId]);
    vi.advanceTimersByTime(5000);
    expect(world.getState(room, STATUS, "")).toEqual({ v: "later" });
  });

  it("cancels another user's delayed state event when one's own delayed state event is sent over it", async () => {
    const { world, driver, room } = moderatedRoom();
    const alices = world.delayedEvents.schedule(
      room,
      ALICE,
      { type: STATUS, state_key: "", content: { v: "alice" } },
      { delayMs: 60_000 },
    );
    await driver.sendEvent(STATUS, { v: "mine" }, { roomId: room, stateKey: "", delayMs: 1000 });
    vi.advanceTimersByTime(1000);
    expect(world.getState(room, STATUS, "")).toEqual({ v: "mine" });
    expect(world.delayedEvents.list(ALICE)).toEqual([]);
    expect(() => world.delayedEvents.update(ALICE, alices, "send")).toThrow(HomeserverError);
  });

  it("cancels a user's delayed membership when another user changes that membership", async () => {
    const { world, room } = moderatedRoom();
    world.addUser({ userId: "@bob:example.org" });
    // Bob has no membership yet: a (hypothetical) delayed one of his is overwritten by the invite.
    world.delayedEvents.schedule(
      room,
      "@bob:example.org",
      { type: "org.example.placeholder", state_key: "@bob:example.org", content: {} },
      { delayMs: 60_000 },
    );
    world.delayedEvents.schedule(
      room,
      "@bob:example.org",
      { type: "m.room.member", state_key: "@bob:example.org", content: { membership: "leave" } },
      { delayMs: 60_000 },
    );
    world.invite(room, ME, "@bob:example.org");
    expect(world.delayedEvents.list("@bob:example.org").map((info) => info.draft.type)).toEqual([
      "org.example.placeholder",
    ]);
  });
});
