import { describe, expect, it } from "vitest";
import type { WidgetRequest } from "../../../src/protocol/envelope.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { ApiVersion } from "../../../src/protocol/versions.js";
import { watchTurnServers, type TurnServerUpdate } from "../../../src/widget/features/turn.js";
import { FakeDriver, faults, type TurnFeed } from "./fake-driver.js";
import { errorOf, eventually, openSession, settle, type Session } from "./harness.js";

const TURN = "town.robin.msc3846.turn_servers";
const FIRST = {
  uris: ["turn:turn.example.org:3478?transport=udp"],
  username: "u1",
  password: "PASSWORD-ONE",
};
const SECOND = {
  uris: ["turn:turn.example.org:3478?transport=tcp"],
  username: "u2",
  password: "PASSWORD-TWO",
};

function updates(s: Session) {
  return s.pushes("update_turn_servers").map((m) => (m as WidgetRequest).data);
}

function feed(s: Session, index = 0): TurnFeed {
  const found = s.driver.turnFeeds[index];
  if (!found) throw new Error(`no TURN feed ${index}`);
  return found;
}

/**
 * Starts a raw watch that opens a new driver stream, and queues the first value on that stream, so
 * the watch can answer. It waits for the new stream, not any: an earlier watch's stream may still
 * be in the list while the request is on its way.
 */
async function watchWithFirst(s: Session) {
  const before = s.driver.turnFeeds.length;
  const reply = s.send("watch_turn_servers", {});
  await eventually(() => expect(s.driver.turnFeeds.length).toBeGreaterThan(before));
  feed(s, s.driver.turnFeeds.length - 1).push(FIRST);
  return reply;
}

describe("watch_turn_servers", () => {
  it("acks once the first servers are in, pushes them, then every update", async () => {
    const s = await openSession({ capabilities: [TURN] });
    expect((await watchWithFirst(s)).response).toEqual({});
    await eventually(() => expect(updates(s)).toEqual([FIRST]));
    feed(s).push(SECOND);
    await eventually(() => expect(updates(s)).toEqual([FIRST, SECOND]));
  });

  it("delivers the updates to the widget function's listener", async () => {
    const s = await openSession({ capabilities: ["m.turn_servers"] });
    const seen: TurnServerUpdate[] = [];
    const watching = watchTurnServers(s.client, (servers) => seen.push(servers));
    await eventually(() => expect(s.driver.turnFeeds).toHaveLength(1));
    feed(s).push(FIRST);
    await watching;
    feed(s).push(SECOND);
    await eventually(() => expect(seen).toEqual([FIRST, SECOND]));
  });

  it("refuses without the capability, before calling the driver", async () => {
    const s = await openSession();
    expect(errorOf(await s.send("watch_turn_servers", {}))?.code).toBe(ErrorCode.MissingCapability);
    expect(errorOf(await s.send("unwatch_turn_servers", {}))?.code).toBe(ErrorCode.MissingCapability);
    expect(s.driver.callsOf("getTurnServers")).toEqual([]);
  });

  it("answers an error when the client has no TURN servers at all, and lets a later watch start afresh", async () => {
    const s = await openSession({ capabilities: [TURN] });
    const reply = s.send("watch_turn_servers", {});
    await eventually(() => expect(s.driver.turnFeeds).toHaveLength(1));
    feed(s).end();
    expect(errorOf(await reply)?.code).toBe(ErrorCode.Unsupported);
    expect((await watchWithFirst(s)).response).toEqual({});
    expect(s.driver.turnFeeds).toHaveLength(2);
  });

  it.each([
    ["throws when asked for the stream", faults.throwSync()],
    ["fails on the first read", faults.reject()],
  ])("answers exactly one error when the driver %s", async (_label, fault) => {
    const driver = new FakeDriver().fail("getTurnServers", fault);
    const s = await openSession({ capabilities: [TURN], driver });
    expect(errorOf(await s.send("watch_turn_servers", {}))?.code).toBe(ErrorCode.Internal);
    expect(updates(s)).toEqual([]);
  });

  it("answers a timeout when the first servers never come", async () => {
    const s = await openSession({ capabilities: [TURN], limits: { driverTimeoutMs: 20 } });
    expect(errorOf(await s.send("watch_turn_servers", {}))?.code).toBe(ErrorCode.Timeout);
    await eventually(() => expect(feed(s).returned).toBe(1));
  });

  it("shares one subscription between repeated watch requests", async () => {
    const s = await openSession({ capabilities: [TURN] });
    await watchWithFirst(s);
    expect((await s.send("watch_turn_servers", {})).response).toEqual({});
    expect(s.driver.callsOf("getTurnServers")).toHaveLength(1);
  });

  it("skips a malformed update from the driver and goes on with the next", async () => {
    const s = await openSession({ capabilities: [TURN] });
    await watchWithFirst(s);
    feed(s).push({ uris: "turn:x", username: 1 } as never);
    feed(s).push(SECOND);
    await eventually(() => expect(updates(s)).toEqual([FIRST, SECOND]));
    expect(s.hostLogger.lines.join("\n")).toContain("malformed TURN server update");
  });

  it("stops when the driver's stream fails, and a later watch starts a new one", async () => {
    const s = await openSession({ capabilities: [TURN] });
    await watchWithFirst(s);
    await eventually(() => expect(updates(s)).toHaveLength(1));
    feed(s).fail(new Error("network down"));
    await eventually(() => expect(s.hostLogger.lines.join("\n")).toContain("TURN server stream failed"));
    await watchWithFirst(s);
    expect(s.driver.turnFeeds).toHaveLength(2);
  });

  it("keeps the TURN password out of the logs when the widget does not acknowledge an update", async () => {
    const s = await openSession({ capabilities: [TURN] });
    await watchWithFirst(s);
    await eventually(() => expect(s.hostLogger.lines.join("\n")).toContain("update_turn_servers"));
    expect(JSON.stringify([s.hostLogger.lines, s.traces])).not.toContain("PASSWORD");
  });
});

describe("unwatch_turn_servers", () => {
  it("stops the driver's stream and the updates", async () => {
    const s = await openSession({ capabilities: [TURN] });
    await watchWithFirst(s);
    await eventually(() => expect(updates(s)).toHaveLength(1));
    expect((await s.send("unwatch_turn_servers", {})).response).toEqual({});
    expect(feed(s).returned).toBe(1);
    feed(s).push(SECOND);
    await settle(10);
    expect(updates(s)).toEqual([FIRST]);
  });

  it("is a no-op when not watching", async () => {
    const s = await openSession({ capabilities: [TURN] });
    expect((await s.send("unwatch_turn_servers", {})).response).toEqual({});
    expect(s.driver.callsOf("getTurnServers")).toEqual([]);
  });

  it("stops the stream when the session ends", async () => {
    const s = await openSession({ capabilities: [TURN] });
    await watchWithFirst(s);
    s.pair.reloadWidget();
    expect(feed(s).returned).toBe(1);
    feed(s).push(SECOND);
    await settle(10);
    expect(updates(s)).toEqual([FIRST]);
  });

  it("is sent by the widget function only when its last watcher stops", async () => {
    const s = await openSession({ capabilities: [TURN] });
    const first = watchTurnServers(s.client, () => {});
    await eventually(() => expect(s.driver.turnFeeds).toHaveLength(1));
    feed(s).push(FIRST);
    const stopFirst = await first;
    const stopSecond = await watchTurnServers(s.client, () => {});
    await stopFirst();
    await stopFirst();
    expect(s.pair.widget.sent.filter((m) => m.action === "unwatch_turn_servers")).toEqual([]);
    await stopSecond();
    expect(
      s.pair.widget.sent.filter((m) => m.action === "unwatch_turn_servers" && !("response" in m)),
    ).toHaveLength(1);
    expect(feed(s).returned).toBe(1);
  });

  it("makes the widget function reject, without sending, when the host cannot offer TURN servers", async () => {
    const s = await openSession({
      capabilities: [TURN],
      driver: new FakeDriver({ without: ["getTurnServers"] }),
    });
    expect(s.client.hostSupports(ApiVersion.MSC3846)).toBe(false);
    await expect(watchTurnServers(s.client, () => {})).rejects.toMatchObject({ code: ErrorCode.Unsupported });
    expect(s.pair.widget.sent.filter((m) => m.action === "watch_turn_servers")).toEqual([]);
  });
});
