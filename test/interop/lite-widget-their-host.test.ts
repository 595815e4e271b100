// OUR LiteWidgetClient, in a cross-origin iframe, against matrix-widget-api's ClientWidgetApi (the
// host Element uses). The same fixtures as our-widget-their-host.test.ts, with `client=lite` in the
// widget's URL: the handshake, renegotiation, the proposals their host serves (and a clean refusal
// of those it does not advertise), events both ways and toWidget pushes. Its runs at full speed with
// the console silenced are ecosystem test d (test/ecosystem/full-speed-mwa-host.test.ts), which
// runs both clients.
import { describe, expect, it } from "vitest";
import { CAP, MESSAGE_1, NEW_TOPIC, REACTION, ROOM, TOPIC, FOREIGN_MESSAGE } from "./fixtures/data.js";
import { POLL, interopPages } from "./support.js";

const LITE = { client: "lite" } as const;

describe("our LiteWidgetClient in their host (matrix-widget-api ClientWidgetApi)", () => {
  const pages = interopPages();

  /**
   * Opens their host page embedding our widget with a LiteWidgetClient, which requests `caps`;
   * their driver approves `approve`. Resolves once create() has settled.
   */
  async function open(caps: readonly string[], approve: readonly string[] = caps) {
    const opened = await pages.openOurWidgetInTheirHost(caps, approve, {}, LITE);
    // Every test here must run the small client, or it proves nothing about it.
    expect(await opened.ours.clientKind()).toBe("lite");
    return opened;
  }

  describe("session", () => {
    it("negotiates: create() resolves with the capabilities their host approved, and knows their versions", async () => {
      const { ours, host, ready } = await open([CAP.navigate, CAP.search], [CAP.search]);
      expect(ready).toEqual({ ok: true, value: [CAP.search] });
      expect(await ours.hostVersions()).toEqual(
        expect.arrayContaining(["org.matrix.msc2871", "org.matrix.msc3973", "org.matrix.msc2931"]),
      );
      // Their host asked once and notified once: the lite client answered the capabilities request.
      expect(await host.sent("capabilities")).toHaveLength(1);
      expect((await host.sent("notify_capabilities")).map((entry) => entry.data)).toEqual([
        { requested: [CAP.navigate, CAP.search], approved: [CAP.search] },
      ]);
      expect(await ours.grants()).toEqual([[CAP.search]]);
    });

    it("renegotiates: their notify lists only the new request, and the lite client keeps the full approved set", async () => {
      const { ours, host } = await open([CAP.navigate], [CAP.navigate, CAP.search]);
      expect(await ours.requestCapabilities([CAP.search])).toEqual({
        ok: true,
        value: [CAP.navigate, CAP.search],
      });
      expect((await host.sent("notify_capabilities")).map((entry) => entry.data)).toEqual([
        { requested: [CAP.navigate], approved: [CAP.navigate] },
        { requested: [CAP.search], approved: [CAP.navigate, CAP.search] },
      ]);
      expect(await ours.capabilities()).toEqual([CAP.navigate, CAP.search]);
    });

    it("the proposals: navigate and user directory search go through their host; mxid share and account data, which it does not advertise, are refused as unsupported", async () => {
      const { ours, host } = await open([CAP.navigate, CAP.search]);
      expect(await ours.navigate("https://matrix.to/#/%23lobby:example.org")).toEqual({ ok: true });
      expect(await host.navigations()).toEqual(["https://matrix.to/#/%23lobby:example.org"]);
      expect(await ours.search("ali", 3)).toEqual({
        ok: true,
        value: {
          limited: false,
          results: [{ user_id: "@alice:example.org", display_name: "Alice (ali, 3)" }],
        },
      });
      expect(await ours.hostVersions()).not.toContain("org.matrix.msc3662");
      expect(await ours.shareUsers(["@bob:example.org"])).toMatchObject({ ok: false, code: "unsupported" });
      expect(await ours.readAccountData("com.example.settings")).toMatchObject({
        ok: false,
        code: "unsupported",
      });
    });

    it("navigates to a matrix: URI, which their host accepts only as a matrix.to link: our widget sends the matrix.to link to the same place", async () => {
      const { ours, host } = await open([CAP.navigate]);
      expect(await ours.navigate("matrix:r/lobby:example.org?via=example.org")).toEqual({ ok: true });
      expect(await host.navigations()).toEqual(["https://matrix.to/#/%23lobby:example.org?via=example.org"]);
    });

    it("set_always_on_screen: an Element-style host acknowledges with {} (no success field), and our widget reads that as done", async () => {
      const { ours, host } = await open([CAP.alwaysOnScreen]);
      expect(await ours.setAlwaysOnScreen(true)).toEqual({ ok: true, value: true });
      expect(await ours.setAlwaysOnScreen(false)).toEqual({ ok: true, value: true });
      expect(await host.alwaysOnScreen()).toEqual([true, false]);
    });

    it("answers their host's custom toWidget action through a registered handler", async () => {
      const { host } = await open([]);
      expect(await host.customToWidget("com.example.hello", { name: "element" })).toEqual({
        ok: true,
        value: { greeting: "hello element" },
      });
    });

    it("times out a request their host claims and never answers, and gets their error for an action it does not serve", async () => {
      const { ours } = await open([]);
      expect(await ours.slow(300)).toMatchObject({ ok: false, code: "timeout" });
      const result = await ours.unknownAction(2000);
      expect(result.ok ? "" : result.error).toMatch(
        /^Unknown or unsupported (from-widget )?action: com\.example\.not_served$/,
      );
    });
  });

  describe("events", () => {
    it("receiving: a permitted fed event reaches onRoomEvent; their grant's state push and feedStateUpdate reach onStateUpdate", async () => {
      const { ours, host } = await open([CAP.receiveMessage, CAP.receiveTopic]);
      await expect.poll(() => ours.received("update_state"), POLL).toHaveLength(1);
      expect(await host.feedEvent(REACTION)).toEqual({ ok: true });
      expect(await host.feedEvent(FOREIGN_MESSAGE)).toEqual({ ok: true });
      expect(await host.feedEvent(MESSAGE_1)).toEqual({ ok: true });
      expect(await host.feedStateUpdate(NEW_TOPIC)).toEqual({ ok: true });
      expect(await ours.received()).toEqual([
        { action: "update_state", data: [TOPIC] },
        { action: "send_event", data: MESSAGE_1 },
        { action: "update_state", data: [NEW_TOPIC] },
      ]);
    });

    it("sending: sendEvent and sendStateEvent reach their driver, and a type without a grant is refused", async () => {
      const { ours, host } = await open([CAP.sendMessage, CAP.sendTopic]);
      const content = { msgtype: "m.text", body: "hi" };
      expect(await ours.sendEvent("m.room.message", content)).toEqual({
        ok: true,
        value: { roomId: ROOM, eventId: "$their-1" },
      });
      expect(await ours.sendEvent("m.room.topic", { topic: "T" }, { stateKey: "" })).toEqual({
        ok: true,
        value: { roomId: ROOM, eventId: "$their-2" },
      });
      expect(await ours.sendEvent("m.reaction", {})).toMatchObject({
        ok: false,
        error: "Cannot send room events of this type",
        code: "missing_capability",
      });
      expect(await host.calls("sendEvent")).toEqual([
        ["sendEvent", "m.room.message", content, null, undefined],
        ["sendEvent", "m.room.topic", { topic: "T" }, "", undefined],
      ]);
    });

    it("reading: readRoomEvents and readEventRelations reach their driver and come back filtered and validated", async () => {
      const { ours, host } = await open([CAP.receiveReaction]);
      expect(await ours.readRoomEvents("m.reaction", { limit: 5 })).toEqual({ ok: true, value: [REACTION] });
      // Their host drops the relation the widget may not receive (FOREIGN_MESSAGE, a message).
      expect(await ours.readRelations("$msg1", { relationType: "m.annotation", limit: 10 })).toEqual({
        ok: true,
        value: { chunk: [REACTION], nextBatch: "their-next" },
      });
      expect(await host.calls("readRoomTimeline")).toEqual([
        ["readRoomTimeline", ROOM, "m.reaction", undefined, undefined, 5, undefined],
      ]);
    });

    it("theme, language, visibility and screenshot from their host reach the lite client's listeners and provider", async () => {
      const { ours, host } = await open([CAP.screenshot]);
      expect(await host.updateTheme({ name: "dark" })).toEqual({ ok: true, value: {} });
      expect(await host.updateLanguage("fr_CA")).toEqual({ ok: true, value: {} });
      expect(await host.updateVisibility(false)).toEqual({ ok: true, value: {} });
      expect(await host.screenshot()).toEqual({
        ok: true,
        value: { kind: "Blob", size: 7, type: "image/png", text: "our png" },
      });
      expect(await ours.received()).toEqual([
        { action: "theme_change", data: { name: "dark" } },
        { action: "language_change", data: "fr_CA" },
        { action: "visibility", data: false },
      ]);
    });
  });
});
