import { describe, expect, it } from "vitest";
import type { WidgetRequest } from "../../../src/protocol/envelope.js";
import { eventually, openSession, settle } from "../misc/harness.js";

const TURN = "town.robin.msc3846.turn_servers";
const FIRST = { uris: ["turn:turn.example.org:3478?transport=udp"], username: "u1", password: "p1" };
const SECOND = { uris: ["turn:turn.example.org:3478?transport=tcp"], username: "u2", password: "p2" };

describe("revocation ends live feeds", () => {
  it("stops TURN credential pushes once m.turn_servers is revoked, and ends the driver's stream", async () => {
    const s = await openSession({ capabilities: [TURN] });
    const reply = s.send("watch_turn_servers", {});
    await eventually(() => expect(s.driver.turnFeeds).toHaveLength(1));
    const feed = s.driver.turnFeeds[0]!;
    feed.push(FIRST);
    expect((await reply).response).toEqual({});
    const pushed = () => s.pushes("update_turn_servers").map((m) => (m as WidgetRequest).data);
    await eventually(() => expect(pushed()).toEqual([FIRST]));

    await s.host.revokeCapabilities(["m.turn_servers"]);
    feed.push(SECOND);
    await eventually(() => expect(feed.returned).toBe(1));
    await settle(20);
    expect(pushed()).toEqual([FIRST]);
    // The grant is gone for requests too.
    expect((await s.send("watch_turn_servers", {})).response).toMatchObject({
      error: { code: "missing_capability" },
    });
  });
});

describe("revocation ends what the grant allowed", () => {
  it("takes a widget kept on screen off screen once m.always_on_screen is revoked", async () => {
    const s = await openSession({ capabilities: ["m.always_on_screen"] });
    const calls = () => s.driver.calls.filter((c) => c.op === "setAlwaysOnScreen");
    expect((await s.send("set_always_on_screen", { value: true })).response).toEqual({ success: true });
    expect(calls()).toHaveLength(1);
    await s.host.revokeCapabilities(["m.always_on_screen"]);
    await eventually(() => expect(calls()).toHaveLength(2));
    expect((calls()[1]?.args[0] as { value: boolean }).value).toBe(false);
    // Ending the session later does not take it off screen a second time.
    s.host.destroy();
    await settle(10);
    expect(calls()).toHaveLength(2);
  });
});
