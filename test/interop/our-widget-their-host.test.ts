// OUR WidgetClient, in a cross-origin iframe, against matrix-widget-api's ClientWidgetApi with a
// WidgetDriver subclass. The host page records every driver call and every toWidget request it
// sends; each test checks what their driver saw and what our widget got.
import { describe, expect, it } from "vitest";
import {
  BOB,
  CAP,
  CREDENTIALS,
  FOREIGN_MESSAGE,
  MESSAGE_1,
  MESSAGE_2,
  NEW_TOPIC,
  OTHER_ROOM,
  OTHER_ROOM_TOPIC,
  MEDIA_CONFIG,
  REACTION,
  ROOM,
  TOPIC,
  TURN_1,
  TURN_2,
  TURN_3,
  UPLOADED_URI,
} from "./fixtures/data.js";
import { POLL, interopPages } from "./support.js";

const pages = interopPages();

/** Their host page embedding our widget (WidgetClient), once our widget's create() has settled. */
const open = (
  caps: readonly string[],
  approve: readonly string[] = caps,
  query: Record<string, string> = {},
) => pages.openOurWidgetInTheirHost(caps, approve, query);

describe("our widget (WidgetClient) in their host (matrix-widget-api ClientWidgetApi)", () => {
  describe("session", () => {
    it("negotiates: create() resolves with the capabilities their host approved", async () => {
      const { ours, ready } = await open([CAP.navigate, CAP.search], [CAP.search]);
      expect(ready).toEqual({ ok: true, value: [CAP.search] });
      expect(await ours.hostVersions()).toEqual(
        expect.arrayContaining(["org.matrix.msc2871", "org.matrix.msc3973", "org.matrix.msc2931"]),
      );
    });

    it("renegotiates: their notify_capabilities lists only the new request, and we keep the full approved set", async () => {
      const { ours, host } = await open([CAP.navigate], [CAP.navigate, CAP.search]);
      expect(await ours.requestCapabilities([CAP.search])).toEqual({
        ok: true,
        value: [CAP.navigate, CAP.search],
      });
      // matrix-widget-api difference: `requested` is the delta of this renegotiation, while
      // `approved` is everything granted so far. Our client relies on `approved` only.
      expect((await host.sent("notify_capabilities")).map((entry) => entry.data)).toEqual([
        { requested: [CAP.navigate], approved: [CAP.navigate] },
        { requested: [CAP.search], approved: [CAP.navigate, CAP.search] },
      ]);
      expect(await ours.capabilities()).toEqual([CAP.navigate, CAP.search]);
    });

    it("renegotiating a granted capability: their host notifies twice, and our granted set stays the same", async () => {
      const { ours, host } = await open([CAP.navigate]);
      expect(await ours.requestCapabilities([CAP.navigate])).toEqual({ ok: true, value: [CAP.navigate] });
      // matrix-widget-api defect (ClientWidgetApi.handleCapabilitiesRenegotiate): with nothing new
      // requested it calls allowCapabilities([], []) and then still validates the empty set,
      // which calls allowCapabilities a second time: two notify_capabilities for one request.
      await expect.poll(() => host.sent("notify_capabilities"), POLL).toHaveLength(3);
      expect((await host.sent("notify_capabilities")).slice(1).map((entry) => entry.data)).toEqual([
        { requested: [], approved: [CAP.navigate] },
        { requested: [], approved: [CAP.navigate] },
      ]);
      expect(await host.calls("validateCapabilities")).toEqual([
        ["validateCapabilities", [CAP.navigate]],
        ["validateCapabilities", []],
      ]);
      await expect.poll(() => ours.grants(), POLL).toEqual([[CAP.navigate], [CAP.navigate], [CAP.navigate]]);
      expect(await ours.capabilities()).toEqual([CAP.navigate]);
    });

    it("navigates through their host with the unstable action name it advertises", async () => {
      const { ours, host } = await open([CAP.navigate]);
      expect(await ours.navigate("https://matrix.to/#/%23lobby:example.org")).toEqual({ ok: true });
      expect(await host.navigations()).toEqual(["https://matrix.to/#/%23lobby:example.org"]);
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

    it("searches the user directory through their host and gets a validated reply", async () => {
      const { ours } = await open([CAP.search]);
      expect(await ours.search("ali", 3)).toEqual({
        ok: true,
        value: {
          limited: false,
          results: [{ user_id: "@alice:example.org", display_name: "Alice (ali, 3)" }],
        },
      });
    });

    it("answers their host's custom toWidget action through a registered handler", async () => {
      const { host } = await open([]);
      expect(await host.customToWidget("com.example.hello", { name: "element" })).toEqual({
        ok: true,
        value: { greeting: "hello element" },
      });
    });

    it("times out a request their host claims and never answers, with a timeout error", async () => {
      const { ours } = await open([]);
      expect(await ours.slow(300)).toMatchObject({ ok: false, code: "timeout" });
    });

    it("gets their host's standard error for an action it does not serve", async () => {
      const { ours } = await open([]);
      const result = await ours.unknownAction(2000);
      expect(result.ok).toBe(false);
      // matrix-widget-api words it "Unknown or unsupported from-widget action: …"; ours omits "from-widget".
      expect(result.ok ? "" : result.error).toMatch(
        /^Unknown or unsupported (from-widget )?action: com\.example\.not_served$/,
      );
    });
  });

  describe("receiving events", () => {
    it("feedEvent: a permitted room event reaches onRoomEvent; others are filtered by their host", async () => {
      const { ours, host } = await open([CAP.receiveMessage]);
      expect(await host.feedEvent(REACTION)).toEqual({ ok: true });
      expect(await host.feedEvent(FOREIGN_MESSAGE)).toEqual({ ok: true });
      // feedEvent resolves once our widget acknowledged the push.
      expect(await host.feedEvent(MESSAGE_1)).toEqual({ ok: true });
      expect(await ours.received()).toEqual([{ action: "send_event", data: MESSAGE_1 }]);
      expect(await host.sent("send_event")).toHaveLength(1);
    });

    it("state: their grant pushes the viewed room's state, and feedStateUpdate reaches onStateUpdate", async () => {
      const { ours, host } = await open([CAP.receiveTopic]);
      // We advertise org.matrix.msc2762_update_state, so their host pushes state after the grant.
      await expect.poll(() => ours.received("update_state"), POLL).toHaveLength(1);
      // onStateUpdate hands its listener the batch itself.
      expect(await ours.received("update_state")).toEqual([{ action: "update_state", data: [TOPIC] }]);
      expect(await host.calls("readRoomState")).toEqual([["readRoomState", ROOM, "m.room.topic", undefined]]);

      expect(await host.feedStateUpdate(NEW_TOPIC)).toEqual({ ok: true });
      expect(await ours.received("update_state")).toEqual([
        { action: "update_state", data: [TOPIC] },
        { action: "update_state", data: [NEW_TOPIC] },
      ]);
    });

    it("state after a room switch: their host re-pushes the first state it ever read, and we relay it as sent", async () => {
      const { ours, host } = await open([CAP.receiveTopic]);
      await expect.poll(() => ours.received("update_state"), POLL).toHaveLength(1);
      expect(await host.feedStateUpdate(NEW_TOPIC)).toEqual({ ok: true });
      await host.setViewedRoomId(OTHER_ROOM);
      await expect.poll(() => ours.received("update_state"), POLL).toHaveLength(3);
      // matrix-widget-api defect (ClientWidgetApi.pushRoomState/flushRoomState): the cache of read
      // state (pushRoomStateResult) is never cleared and keeps the FIRST read of each key, so the
      // push for the newly viewed room also re-sends the old room's stale topic, after the newer
      // one was pushed. A widget that applies update_state in order, as our onStateUpdate
      // documents, ends up with the stale topic. Our client relays exactly what was sent.
      const last = await host.sent("update_state");
      expect(last.at(-1)?.data).toEqual({ state: [TOPIC, OTHER_ROOM_TOPIC] });
      expect((await ours.received("update_state")).at(-1)).toEqual({
        action: "update_state",
        data: [TOPIC, OTHER_ROOM_TOPIC],
      });
    });
  });

  describe("sending events", () => {
    it("sendEvent and sendStateEvent reach their driver's sendEvent, and we get {roomId, eventId}", async () => {
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
      const refused = await ours.sendEvent("m.reaction", {});
      expect(refused).toMatchObject({
        ok: false,
        error: "Cannot send room events of this type",
        code: "missing_capability",
      });
      expect(await host.calls("sendEvent")).toEqual([
        ["sendEvent", "m.room.message", content, null, undefined],
        ["sendEvent", "m.room.topic", { topic: "T" }, "", undefined],
      ]);
    });

    it("delayed events: delayMs reaches sendDelayedEvent, and updateDelayedEvent the scheduled-event methods", async () => {
      const { ours, host } = await open([CAP.sendMessage, CAP.sendDelayed, CAP.updateDelayed]);
      expect(await ours.sendEvent("m.room.message", { body: "later" }, { delayMs: 3000 })).toEqual({
        ok: true,
        value: { roomId: ROOM, delayId: "their-delay-1" },
      });
      // Our widget sends update_delayed_event under the unstable name their host serves.
      expect(await ours.updateDelayedEvent("their-delay-1", "restart")).toEqual({ ok: true });
      expect(await ours.updateDelayedEvent("their-delay-1", "send")).toEqual({ ok: true });
      expect(await ours.updateDelayedEvent("their-delay-1", "cancel")).toEqual({ ok: true });
      expect(await host.calls()).toEqual(
        expect.arrayContaining([
          ["sendDelayedEvent", 3000, "m.room.message", { body: "later" }, null, undefined],
          ["restartScheduledDelayedEvent", "their-delay-1"],
          ["sendScheduledDelayedEvent", "their-delay-1"],
          ["cancelScheduledDelayedEvent", "their-delay-1"],
        ]),
      );
    });
  });

  describe("reading", () => {
    it("readRoomEvents reaches their readRoomTimeline with our limit", async () => {
      const { ours, host } = await open([CAP.receiveMessage]);
      expect(await ours.readRoomEvents("m.room.message", { limit: 5 })).toEqual({
        ok: true,
        value: [MESSAGE_2, MESSAGE_1],
      });
      expect(await host.calls("readRoomTimeline")).toEqual([
        ["readRoomTimeline", ROOM, "m.room.message", undefined, undefined, 5, undefined],
      ]);
    });

    it("readStateEvents: their host reads state through readRoomTimeline, with an absent limit as 0", async () => {
      const { ours, host } = await open([CAP.receiveTopic]);
      await expect.poll(() => host.calls("readRoomState"), POLL).toHaveLength(1); // the grant's push
      expect(await ours.readStateEvents("m.room.topic")).toEqual({ ok: true, value: [TOPIC] });
      // matrix-widget-api difference (ClientWidgetApi.handleReadEvents): for a widget advertising
      // org.matrix.msc2762_update_state it answers state reads from readRoomTimeline, never
      // readRoomState, and `limit: request.data.limit || 0` hands its driver 0 when we send none.
      expect(await host.calls("readRoomTimeline")).toEqual([
        ["readRoomTimeline", ROOM, "m.room.topic", undefined, undefined, 0, undefined],
      ]);
      expect(await host.calls("readRoomState")).toHaveLength(1);
    });

    it("readEventRelations reaches their readEventRelations; their page's other fields are absent", async () => {
      const { ours, host } = await open([CAP.receiveReaction]);
      const result = await ours.readRelations("$msg1", { relationType: "m.annotation", limit: 10 });
      // Their host filters the chunk by receive capabilities (FOREIGN_MESSAGE is dropped) and
      // replies prev_batch: undefined, which our reply schema takes as absent.
      expect(result).toEqual({ ok: true, value: { chunk: [REACTION], nextBatch: "their-next" } });
      expect(await host.calls("readEventRelations")).toEqual([
        [
          "readEventRelations",
          "$msg1",
          undefined,
          "m.annotation",
          undefined,
          undefined,
          undefined,
          10,
          undefined,
        ],
      ]);
    });
  });

  describe("to-device, OpenID and UI pushes", () => {
    it("to-device: sendToDevice reaches their driver, and feedToDevice reaches onToDeviceMessage", async () => {
      const { ours, host } = await open([CAP.sendPing, CAP.receivePing]);
      const messages = { [BOB]: { BOBDEVICE: { n: 1 } } };
      expect(await ours.sendToDevice("com.example.ping", messages, true)).toEqual({ ok: true });
      expect(await host.calls("sendToDevice")).toEqual([
        ["sendToDevice", "com.example.ping", true, messages],
      ]);
      expect(await host.feedToDevice({ type: "com.example.other", sender: BOB, content: {} }, false)).toEqual(
        {
          ok: true,
        },
      );
      expect(
        await host.feedToDevice({ type: "com.example.ping", sender: BOB, content: { n: 2 } }, true),
      ).toEqual({
        ok: true,
      });
      expect(await ours.received()).toEqual([
        {
          action: "send_to_device",
          data: { type: "com.example.ping", sender: BOB, content: { n: 2 }, encrypted: true },
        },
      ]);
    });

    it("OpenID two-phase: getOpenIdToken waits through `request` for their openid_credentials", async () => {
      const { ours, host } = await open([], [], { openid: "ask" });
      await ours.startOpenId();
      await expect.poll(() => host.calls("askOpenID"), POLL).toHaveLength(1);
      expect(await ours.openIdOutcome()).toBeNull();
      await host.decideOpenId(true);
      await expect.poll(() => ours.openIdOutcome(), POLL).toEqual({ ok: true, value: CREDENTIALS });
      expect(await host.sent("openid_credentials")).toEqual([
        {
          action: "openid_credentials",
          data: { state: "allowed", original_request_id: expect.any(String), ...CREDENTIALS },
        },
      ]);

      await ours.startOpenId();
      await expect.poll(() => host.calls("askOpenID"), POLL).toHaveLength(2);
      await host.decideOpenId(false);
      await expect.poll(() => ours.openIdOutcome(), POLL).toMatchObject({ ok: false, code: "refused" });
    });

    it("OpenID direct: credentials in their reply resolve getOpenIdToken without a push", async () => {
      const { ours, host } = await open([], [], { openid: "allow" });
      expect(await ours.openId()).toEqual({ ok: true, value: CREDENTIALS });
      expect(await host.sent("openid_credentials")).toEqual([]);
    });

    it("theme, language, visibility and screenshot from their host reach our listeners and provider", async () => {
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

  describe("TURN servers, media and room account data", () => {
    it("TURN: watchTurnServers gets their servers; their unwatch reply waits for the driver's next value", async () => {
      const { ours, host } = await open([CAP.turn]);
      expect(await ours.watchTurn(1_500)).toEqual({ ok: true });
      await expect
        .poll(() => ours.received("update_turn_servers"), POLL)
        .toEqual([{ action: "update_turn_servers", data: TURN_1 }]);
      await expect.poll(() => host.turnWaiting(), POLL).toBe(true);
      await host.pushTurn(TURN_2);
      await expect.poll(() => ours.received("update_turn_servers"), POLL).toHaveLength(2);
      expect((await ours.received("update_turn_servers"))[1]).toEqual({
        action: "update_turn_servers",
        data: TURN_2,
      });

      // matrix-widget-api defect (ClientWidgetApi.handleUnwatchTurnServers): it awaits
      // turnServers.return() before replying, but its poll loop has a next() pending on the
      // driver's generator, and an async generator runs return() only after that next() settles.
      // With a driver shaped like Element Web's (park until the next credential refresh), the
      // unwatch reply is held back until the next refresh, so our request times out.
      await expect.poll(() => host.turnWaiting(), POLL).toBe(true);
      expect(await ours.stopTurn()).toMatchObject({ ok: false, code: "timeout" });
      expect(await host.calls("turnStreamReturned")).toEqual([]);
      await host.pushTurn(TURN_3);
      await expect.poll(() => host.calls("turnStreamReturned"), POLL).toHaveLength(1);
      // Their host still pushed TURN_3; our stopped watch no longer hands anything to the listener.
      await expect.poll(() => host.sent("update_turn_servers"), POLL).toHaveLength(3);
      expect(await ours.received("update_turn_servers")).toHaveLength(2);
    });

    it("media: getMediaConfig, uploadFile and downloadFile go through their driver", async () => {
      const { ours, host } = await open([CAP.upload, CAP.download]);
      expect(await ours.mediaConfig()).toEqual({ ok: true, value: MEDIA_CONFIG });
      expect(await ours.upload("hello upload", "text/plain")).toEqual({ ok: true, value: UPLOADED_URI });
      expect(await ours.download(UPLOADED_URI)).toEqual({
        ok: true,
        value: { kind: "Blob", size: 14, type: "text/plain", text: "their download" },
      });
      expect(await host.calls()).toEqual(
        expect.arrayContaining([
          ["getMediaConfig"],
          ["uploadFile", { kind: "Blob", size: 12, type: "text/plain", text: "hello upload" }],
          ["downloadFile", UPLOADED_URI],
        ]),
      );
    });

    it("room account data: a granted type is read; another is refused, though their driver was asked", async () => {
      const { ours, host } = await open([CAP.roomPrefs]);
      expect(await ours.readRoomAccountData("com.example.prefs")).toEqual({
        ok: true,
        value: [{ type: "com.example.prefs", room_id: ROOM, content: { colour: "blue" } }],
      });
      const refused = await ours.readRoomAccountData("com.example.secret");
      expect(refused).toMatchObject({ ok: false, error: "Cannot read room account data of this type" });
      // matrix-widget-api defect (ClientWidgetApi.handleReadRoomAccountData): the driver is called
      // before the capability check (and without the request's room_ids). Our widget gets only
      // the refusal, never the data.
      expect(await host.calls("readRoomAccountData")).toEqual([
        ["readRoomAccountData", "com.example.prefs", undefined],
        ["readRoomAccountData", "com.example.secret", undefined],
      ]);
    });
  });
});
