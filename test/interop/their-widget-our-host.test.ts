// matrix-widget-api's WidgetApi, in a cross-origin iframe, against OUR WidgetHost. The host page's
// driver records every call; each test checks what our driver saw and what their widget got.
import { describe, expect, it } from "vitest";
import {
  BOB,
  CAP,
  CREDENTIALS,
  FOREIGN_MESSAGE,
  MEDIA_CONFIG,
  MESSAGE_1,
  MESSAGE_2,
  NAME,
  NEW_TOPIC,
  REACTION,
  ROOM,
  TOPIC,
  TURN_1,
  TURN_2,
  UPLOADED_URI,
} from "./fixtures/data.js";
import type { MwaWidgetApi } from "./fixtures/mwa-widget.js";
import type { OurHostApi } from "./fixtures/our-host.js";
import { POLL, bridge, frameWith, interopPages } from "./support.js";

const pages = interopPages();
const env = {
  get origins() {
    return pages.environment().origins;
  },
};

/**
 * Opens our host page embedding their widget, which requests `caps`; our policy approves
 * `approve`. Resolves once both sides finished the capability exchange.
 */
async function open(
  caps: readonly string[],
  approve: readonly string[] = caps,
  query: Record<string, string> = {},
) {
  const { page, frame } = await pages.openPair(
    "our-host.html",
    "mwa-widget.html",
    "mwa-widget",
    caps,
    approve,
    query,
  );
  await frame.waitForFunction(() => "mwa" in window);
  const mwa = bridge<MwaWidgetApi>(frame, "mwa");
  const host = bridge<OurHostApi>(page, "host");
  await mwa.ready();
  await host.ready();
  return { page, frame, mwa, host };
}

describe("their widget (matrix-widget-api WidgetApi) in our host", () => {
  describe("session", () => {
    it("negotiates: their widget becomes ready with exactly the capabilities our policy approved", async () => {
      const { mwa, host } = await open([CAP.navigate, CAP.search], [CAP.navigate]);
      expect(await host.granted()).toEqual([CAP.navigate]);
      expect(await mwa.notified()).toEqual([
        { requested: [CAP.navigate, CAP.search], approved: [CAP.navigate] },
      ]);
      expect(await host.widgetVersions()).toContain("org.matrix.msc2871");
    });

    it("emits preparing, ready and capabilitiesNotified as ClientWidgetApi does, the last once their widget acknowledged", async () => {
      const { mwa, host } = await open([CAP.navigate, CAP.search], [CAP.navigate]);
      await expect.poll(() => host.lifecycle(), POLL).toHaveLength(3);
      expect(await host.lifecycle()).toEqual([
        { event: "preparing" },
        { event: "ready", granted: [CAP.navigate] },
        { event: "capabilitiesNotified", granted: [CAP.navigate], acknowledged: true },
      ]);
      expect(await mwa.notified()).toHaveLength(1);
    });

    it("renegotiates: their request_capabilities gets the new capability approved and notified", async () => {
      const { mwa, host } = await open([CAP.navigate], [CAP.navigate, CAP.search]);
      expect((await mwa.askMore([CAP.search])).ok).toBe(true);
      await expect.poll(() => host.granted(), POLL).toHaveLength(2);
      await expect.poll(() => mwa.notified(), POLL).toHaveLength(2);
      expect((await mwa.notified())[1]).toEqual({
        requested: [CAP.navigate, CAP.search],
        approved: [CAP.navigate, CAP.search],
      });
    });

    it("navigates: their navigateTo reaches our driver as a parsed target", async () => {
      const { mwa, host } = await open([CAP.navigate]);
      const result = await mwa.navigate("https://matrix.to/#/%23lobby:example.org?via=example.org");
      expect(result).toEqual({ ok: true, value: {} });
      expect(await host.navigations()).toEqual([
        { type: "room", room: "#lobby:example.org", via: ["example.org"] },
      ]);
    });

    it("searches the user directory: their searchUserDirectory gets our driver's results", async () => {
      const { mwa, host } = await open([CAP.search]);
      expect(await mwa.search("ali", 5)).toEqual({
        ok: true,
        value: { limited: false, results: [{ user_id: "@alice:example.org", display_name: "Alice" }] },
      });
      expect(await host.searches()).toEqual([["ali", 5]]);
    });

    it("refuses their navigate without the capability, and our driver is not called", async () => {
      const { mwa, host } = await open([CAP.navigate], []);
      const result = await mwa.navigate("https://matrix.to/#/%23lobby:example.org");
      expect(result.ok).toBe(false);
      expect(await host.navigations()).toEqual([]);
    });
  });

  describe("send_event", () => {
    it("sends a room event to the viewed room and replies {room_id, event_id}", async () => {
      const { mwa, host } = await open([CAP.sendMessage]);
      const content = { msgtype: "m.text", body: "hello" };
      expect(await mwa.sendRoomEvent("m.room.message", content)).toEqual({
        ok: true,
        value: { room_id: ROOM, event_id: "$sent-1" },
      });
      expect(await host.calls("sendEvent")).toEqual([
        ["sendEvent", "m.room.message", content, { roomId: ROOM, signal: "AbortSignal" }],
      ]);
    });

    it("sends a state event with its state key and replies {room_id, event_id}", async () => {
      const { mwa, host } = await open([CAP.sendTopic]);
      expect(await mwa.sendStateEvent("m.room.topic", "", { topic: "Hi" })).toEqual({
        ok: true,
        value: { room_id: ROOM, event_id: "$sent-1" },
      });
      expect(await host.calls("sendEvent")).toEqual([
        ["sendEvent", "m.room.topic", { topic: "Hi" }, { roomId: ROOM, stateKey: "", signal: "AbortSignal" }],
      ]);
    });

    it("refuses an event type it holds no capability for, before our driver is called", async () => {
      const { mwa, host } = await open([CAP.sendMessage]);
      const reaction = await mwa.sendRoomEvent("m.reaction", { "m.relates_to": {} });
      expect(reaction).toMatchObject({ ok: false, error: expect.stringContaining("Missing capability") });
      const state = await mwa.sendStateEvent("m.room.topic", "", { topic: "Hi" });
      expect(state.ok).toBe(false);
      const delayed = await mwa.sendRoomEvent("m.room.message", { body: "later" }, undefined, 1000);
      expect(delayed).toMatchObject({ ok: false, error: expect.stringContaining("delayed") });
      expect(await host.calls("sendEvent")).toEqual([]);
    });

    it("sends delayed events (MSC4157) and routes cancel/restart/send to our driver", async () => {
      const { mwa, host } = await open([CAP.sendMessage, CAP.sendDelayed, CAP.updateDelayed]);
      expect(await mwa.sendRoomEvent("m.room.message", { body: "soon" }, undefined, 5000)).toEqual({
        ok: true,
        value: { room_id: ROOM, delay_id: "delay-1" },
      });
      // WidgetApi's sendRoomEvent(type, content, roomId, delay, parentDelayId): a child of delay-1.
      expect(
        await mwa.sendRoomEvent("m.room.message", { body: "child" }, undefined, undefined, "delay-1"),
      ).toEqual({
        ok: true,
        value: { room_id: ROOM, delay_id: "delay-2" },
      });
      // WidgetApi sends org.matrix.msc4157.update_delayed_event; our host serves that name too.
      expect(await mwa.updateDelayedEvent("delay-1", "restart")).toEqual({ ok: true, value: {} });
      expect(await mwa.updateDelayedEvent("delay-2", "send")).toEqual({ ok: true, value: {} });
      expect(await mwa.updateDelayedEvent("delay-1", "cancel")).toEqual({ ok: true, value: {} });
      expect(await host.calls("sendEvent")).toEqual([
        [
          "sendEvent",
          "m.room.message",
          { body: "soon" },
          { roomId: ROOM, delayMs: 5000, signal: "AbortSignal" },
        ],
        [
          "sendEvent",
          "m.room.message",
          { body: "child" },
          { roomId: ROOM, parentDelayId: "delay-1", signal: "AbortSignal" },
        ],
      ]);
      expect(await host.calls("updateDelayedEvent")).toEqual([
        ["updateDelayedEvent", "delay-1", "restart"],
        ["updateDelayedEvent", "delay-2", "send"],
        ["updateDelayedEvent", "delay-1", "cancel"],
      ]);
    });
  });

  describe("receiving events", () => {
    it("delivers our feed's room event as send_event, and nothing outside its capabilities or rooms", async () => {
      const { mwa, host } = await open([CAP.receiveMessage]);
      expect(await host.calls("watchRoomEvents")).toHaveLength(1);
      await host.emitRoomEvent(REACTION); // type not granted
      await host.emitRoomEvent(FOREIGN_MESSAGE); // room neither viewed nor covered by a timeline grant
      await host.emitRoomEvent(MESSAGE_1);
      await expect.poll(() => mwa.received("send_event"), POLL).toHaveLength(1);
      // Pushes travel in order, so anything filtered wrongly would have arrived before MESSAGE_1.
      expect(await mwa.received()).toEqual([{ action: "send_event", data: MESSAGE_1 }]);
    });

    it("pushes current state with update_state on the grant, then each change as send_event and update_state", async () => {
      const { mwa, host } = await open([CAP.receiveTopic]);
      // WidgetApi advertises org.matrix.msc2762_update_state, so the grant is followed by a snapshot.
      await expect.poll(() => mwa.received("update_state"), POLL).toHaveLength(1);
      expect(await mwa.received("update_state")).toEqual([
        { action: "update_state", data: { state: [TOPIC] } },
      ]);
      expect(await host.calls("readStateEvents")).toEqual([
        ["readStateEvents", ROOM, "m.room.topic", undefined],
      ]);

      await host.emitRoomEvent(NAME); // m.room.name is not granted
      await host.emitRoomEvent(NEW_TOPIC);
      await expect.poll(() => mwa.received("update_state"), POLL).toHaveLength(2);
      expect(await mwa.received()).toEqual([
        { action: "update_state", data: { state: [TOPIC] } },
        { action: "send_event", data: NEW_TOPIC },
        { action: "update_state", data: { state: [NEW_TOPIC] } },
      ]);
    });
  });

  describe("reading", () => {
    it("read_events: readRoomEvents gets our driver's events, filtered to its room and type", async () => {
      const { mwa, host } = await open([CAP.receiveMessage]);
      // WidgetApi writes msgtype: undefined into the request; our schema takes it as absent.
      expect(await mwa.readRoomEvents("m.room.message", 10)).toEqual({
        ok: true,
        value: [MESSAGE_2, MESSAGE_1],
      });
      expect(await host.calls("readRoomEvents")).toEqual([
        ["readRoomEvents", { roomId: ROOM, eventType: "m.room.message", limit: 10 }],
      ]);
    });

    it("read_events: readStateEvents reads current state for every key, or one key", async () => {
      const { mwa, host } = await open([CAP.receiveTopic]);
      await expect.poll(() => host.calls("readStateEvents"), POLL).toHaveLength(1); // the grant's snapshot
      expect(await mwa.readStateEvents("m.room.topic")).toEqual({ ok: true, value: [TOPIC] });
      expect(await mwa.readStateEvents("m.room.topic", undefined, "")).toEqual({ ok: true, value: [TOPIC] });
      const refused = await mwa.readStateEvents("m.room.name");
      expect(refused).toMatchObject({ ok: false, error: expect.stringContaining("Missing capability") });
      expect((await host.calls("readStateEvents")).slice(1)).toEqual([
        ["readStateEvents", ROOM, "m.room.topic", undefined],
        ["readStateEvents", ROOM, "m.room.topic", ""],
      ]);
    });

    it("read_relations: readEventRelations gets the permitted part of our driver's page", async () => {
      const { mwa, host } = await open([CAP.receiveReaction]);
      const result = await mwa.readRelations("$msg1", undefined, "m.annotation", undefined, 10);
      // MESSAGE_2 is dropped: the widget may not receive m.room.message.
      expect(result).toEqual({ ok: true, value: { chunk: [REACTION], next_batch: "next-page" } });
      expect(await host.calls("readEventRelations")).toEqual([
        [
          "readEventRelations",
          { roomId: ROOM, eventId: "$msg1", relationType: "m.annotation", limit: 10, direction: "b" },
        ],
      ]);
    });
  });

  describe("to-device (MSC3819)", () => {
    it("sends to-device messages of a granted type through our driver, and refuses other types", async () => {
      const { mwa, host } = await open([CAP.sendPing]);
      const messages = { [BOB]: { BOBDEVICE: { n: 1 } } };
      expect(await mwa.sendToDevice("com.example.ping", true, messages)).toEqual({ ok: true, value: {} });
      const other = await mwa.sendToDevice("com.example.other", false, messages);
      expect(other).toMatchObject({ ok: false, error: expect.stringContaining("Missing capability") });
      expect(await host.calls("sendToDevice")).toEqual([
        ["sendToDevice", "com.example.ping", true, messages],
      ]);
    });

    it("delivers to-device messages of a granted type from our driver's feed", async () => {
      const { mwa, host } = await open([CAP.receivePing]);
      await host.emitToDevice({
        type: "com.example.other",
        sender: BOB,
        content: { n: 1 },
        encrypted: false,
      });
      await host.emitToDevice({ type: "com.example.ping", sender: BOB, content: { n: 2 }, encrypted: true });
      await expect.poll(() => mwa.received("send_to_device"), POLL).toHaveLength(1);
      expect(await mwa.received()).toEqual([
        {
          action: "send_to_device",
          data: { type: "com.example.ping", sender: BOB, content: { n: 2 }, encrypted: true },
        },
      ]);
    });
  });

  describe("get_openid", () => {
    it("two-phase: replies `request`, then sends openid_credentials once the user decided", async () => {
      const { mwa, host } = await open([], [], { openid: "ask" });
      await mwa.startOpenId();
      await expect.poll(() => host.calls("requestOpenId"), POLL).toHaveLength(1);
      expect(await mwa.openIdOutcome()).toBeNull(); // still waiting for the user
      await host.decideOpenId(true);
      await expect.poll(() => mwa.openIdOutcome(), POLL).not.toBeNull();
      // WidgetApi only accepts openid_credentials whose original_request_id is its get_openid's ID.
      expect(await mwa.openIdOutcome()).toEqual({
        ok: true,
        value: { state: "allowed", original_request_id: expect.any(String), ...CREDENTIALS },
      });

      await mwa.startOpenId();
      await expect.poll(() => host.calls("requestOpenId"), POLL).toHaveLength(2);
      await host.decideOpenId(false);
      await expect.poll(() => mwa.openIdOutcome(), POLL).not.toBeNull();
      expect(await mwa.openIdOutcome()).toEqual({
        ok: false,
        error: "User declined to verify their identity",
      });
    });

    it("direct: an answer our driver already has goes in the reply as `allowed`", async () => {
      const { mwa, host } = await open([], [], { openid: "allow" });
      expect(await mwa.openId()).toEqual({ ok: true, value: { state: "allowed", ...CREDENTIALS } });
      expect(await host.calls("requestOpenId")).toHaveLength(1);
    });
  });

  describe("UI actions and pushes", () => {
    it("m.sticker: posts an m.sticker event to the viewed room with only the sticker's body, url and info", async () => {
      const { mwa, host } = await open([CAP.sticker]);
      const info = { w: 64, h: 64, mimetype: "image/png" };
      const result = await mwa.sticker({
        name: "cat",
        description: "A cat",
        content: { url: "mxc://example.org/cat", info, "com.example.extra": true } as never,
      });
      expect(result).toEqual({ ok: true, value: {} });
      expect(await host.calls("sendEvent")).toEqual([
        [
          "sendEvent",
          "m.sticker",
          { body: "cat", url: "mxc://example.org/cat", info },
          { roomId: ROOM, signal: "AbortSignal" },
        ],
      ]);
    });

    it("m.sticker served by the host application in place of the built-in: their sticker reaches the app's handler, checked, and the driver sends nothing", async () => {
      const { mwa, host } = await open([CAP.sticker], [CAP.sticker], { stickers: "app" });
      const info = { w: 64, h: 64, mimetype: "image/png" };
      const result = await mwa.sticker({
        name: "cat",
        description: "A cat",
        content: { url: "mxc://example.org/cat", info, "com.example.extra": true } as never,
      });
      expect(result).toEqual({ ok: true, value: {} });
      expect(await host.calls("appSticker")).toEqual([
        [
          "appSticker",
          { name: "cat", description: "A cat", content: { url: "mxc://example.org/cat", info } },
        ],
      ]);
      expect(await host.calls("sendEvent")).toEqual([]);
    });

    it("set_always_on_screen: our driver decides, and is told to stop when the session ends", async () => {
      const { mwa, host } = await open([CAP.alwaysOnScreen]);
      expect(await mwa.alwaysOnScreen(true)).toEqual({ ok: true, value: true });
      expect(await host.calls("setAlwaysOnScreen")).toEqual([["setAlwaysOnScreen", true]]);
      await host.destroy();
      expect(await host.calls("setAlwaysOnScreen")).toEqual([
        ["setAlwaysOnScreen", true],
        ["setAlwaysOnScreen", false],
      ]);
    });

    it("modals: open_modal reaches our driver, bindModal runs the modal, and the opener gets close_modal", async () => {
      const { page, mwa, host } = await open([CAP.modals]);
      const url = `${env.origins.widgetOrigin}/mwa-widget.html?caps=`;
      const buttons = [{ id: "ok", label: "OK", kind: "m.primary" }];
      expect(await mwa.openModal(url, "Confirm", buttons, { question: "Proceed?" })).toEqual({
        ok: true,
        value: {},
      });
      const definition = { type: "m.custom", url, name: "Confirm", buttons, data: { question: "Proceed?" } };
      expect(await host.calls("openModal")).toEqual([["openModal", definition]]);

      // The modal is another WidgetApi widget, in its own frame with its own WidgetHost.
      const modalFrame = await frameWith(page, "widgetId=mwa-modal");
      await modalFrame.waitForFunction(() => "mwa" in window);
      const modal = bridge<MwaWidgetApi>(modalFrame, "mwa");
      await modal.ready();
      await expect.poll(() => modal.received("widget_config"), POLL).toHaveLength(1);
      expect((await modal.received("widget_config"))[0]?.data).toEqual(definition);

      expect(await modal.setButtonEnabled("ok", false)).toEqual({ ok: true, value: {} });
      expect(await host.modalButtonEnabled("ok")).toBe(false);
      expect((await host.clickModalButton("ok")).ok).toBe(false);
      expect(await modal.setButtonEnabled("ok", true)).toEqual({ ok: true, value: {} });
      expect(await host.clickModalButton("ok")).toEqual({ ok: true });
      await expect
        .poll(() => modal.received("button_clicked"), POLL)
        .toEqual([{ action: "button_clicked", data: { id: "ok" } }]);
      expect(await host.calls("modalButtonEnabled")).toEqual([
        ["modalButtonEnabled", "ok", false],
        ["modalButtonEnabled", "ok", true],
      ]);

      expect(await modal.closeModal({ answer: 42 })).toEqual({ ok: true, value: {} });
      await expect
        .poll(() => mwa.received("close_modal"), POLL)
        .toEqual([{ action: "close_modal", data: { answer: 42 } }]);
      await expect.poll(() => host.calls("modalClosed"), POLL).toEqual([["modalClosed", "closed"]]);
      expect(await host.modalClosed()).toBe(true);
    });

    it("theme_change and language_change: updateTheme/updateLanguage reach their widget's events", async () => {
      const { mwa, host } = await open([]);
      expect(await host.updateTheme({ name: "dark" })).toEqual({ ok: true, value: true });
      expect(await host.updateLanguage("de_DE")).toEqual({ ok: true, value: true });
      expect(await mwa.received()).toEqual([
        { action: "theme_change", data: { name: "dark" } },
        { action: "language_change", data: { lang: "de_DE" } },
      ]);
    });

    it("visibility: setWidgetVisibility sends only changes, each acknowledged by their widget", async () => {
      const { mwa, host } = await open([]);
      expect(await host.setVisibility(true)).toEqual({ ok: true, value: false }); // visible already
      expect(await host.setVisibility(false)).toEqual({ ok: true, value: true });
      expect(await host.setVisibility(false)).toEqual({ ok: true, value: false });
      expect(await host.setVisibility(true)).toEqual({ ok: true, value: true });
      expect(await mwa.received("visibility")).toEqual([
        { action: "visibility", data: { visible: false } },
        { action: "visibility", data: { visible: true } },
      ]);
    });

    it("screenshot: takeScreenshot returns the Blob their widget replied with", async () => {
      const { mwa, host } = await open([CAP.screenshot]);
      expect(await host.screenshot()).toEqual({
        ok: true,
        value: { kind: "Blob", size: 9, type: "image/png", text: "png bytes" },
      });
      expect(await mwa.received("screenshot")).toHaveLength(1);
    });

    it("screenshot: without the capability takeScreenshot rejects and their widget is never asked", async () => {
      const { mwa, host } = await open([CAP.screenshot], []);
      expect(await host.screenshot()).toMatchObject({ ok: false, code: "missing_capability" });
      expect(await mwa.received("screenshot")).toEqual([]);
    });
  });

  describe("TURN servers (MSC3846)", () => {
    it("watch, update, unwatch over the wire: each server of our driver is pushed until unwatch ends our stream", async () => {
      const { mwa, host } = await open([CAP.turn]);
      expect(await mwa.watchTurnRaw()).toEqual({ ok: true, value: {} });
      await expect
        .poll(() => mwa.received("update_turn_servers"), POLL)
        .toEqual([{ action: "update_turn_servers", data: TURN_1 }]);
      await host.pushTurn(TURN_2);
      await expect.poll(() => mwa.received("update_turn_servers"), POLL).toHaveLength(2);
      expect((await mwa.received("update_turn_servers"))[1]).toEqual({
        action: "update_turn_servers",
        data: TURN_2,
      });
      expect(await mwa.unwatchTurnRaw()).toEqual({ ok: true, value: {} });
      await expect.poll(() => host.calls("turnStreamReturned"), POLL).toHaveLength(1);
      expect(await host.calls("getTurnServers")).toHaveLength(1);
    });

    // Our host sends the first update_turn_servers only after the reply to watch_turn_servers:
    // matrix-widget-api's WidgetApi.getTurnServers() installs its resolver only after that reply
    // and throws on an earlier push (a defect of theirs; ClientWidgetApi also acks first).
    it("getTurnServers(): their generator yields our driver's first server, then updates, and break unwatches", async () => {
      const { mwa, host } = await open([CAP.turn]);
      await mwa.startTurn(2);
      await expect.poll(() => mwa.turnServers(), { ...POLL, timeout: 2_000 }).toEqual([TURN_1]);
      await host.pushTurn(TURN_2);
      await expect.poll(() => mwa.turnOutcome(), POLL).toEqual({ ok: true, value: 2 });
      expect(await mwa.turnServers()).toEqual([TURN_1, TURN_2]);
      // Breaking out of the generator sends unwatch_turn_servers; our host ends the driver's stream.
      await expect.poll(() => host.calls("turnStreamReturned"), POLL).toHaveLength(1);
    });
  });

  describe("media (MSC4039)", () => {
    it("get_media_config, upload_file and download_file go through our driver; files travel as Blobs", async () => {
      const { mwa, host } = await open([CAP.upload, CAP.download]);
      expect(await mwa.mediaConfig()).toEqual({ ok: true, value: MEDIA_CONFIG });
      expect(await mwa.upload("hello upload", "text/plain")).toEqual({
        ok: true,
        value: { content_uri: UPLOADED_URI },
      });
      expect(await mwa.download(UPLOADED_URI)).toEqual({
        ok: true,
        value: { kind: "Blob", size: 15, type: "text/plain", text: "downloaded body" },
      });
      expect(await host.calls()).toEqual(
        expect.arrayContaining([
          ["getMediaConfig"],
          ["uploadFile", { kind: "Blob", size: 12, type: "text/plain", text: "hello upload" }],
          ["downloadFile", UPLOADED_URI],
        ]),
      );
    });
  });

  describe("com.beeper.read_room_account_data", () => {
    it("reads room account data of a granted type from the viewed room", async () => {
      const { mwa, host } = await open([CAP.roomPrefs]);
      expect(await mwa.readRoomAccountData("com.example.prefs")).toEqual({
        ok: true,
        value: [{ type: "com.example.prefs", room_id: ROOM, content: { colour: "blue" } }],
      });
      expect(await host.calls("readRoomAccountData")).toEqual([
        ["readRoomAccountData", ROOM, "com.example.prefs"],
      ]);
    });

    it("refuses a type it holds no capability for before our driver is called", async () => {
      // matrix-widget-api's ClientWidgetApi (handleReadRoomAccountData) calls its driver first and
      // checks the capability afterwards; our host must not touch the driver at all.
      const { mwa, host } = await open([CAP.roomPrefs]);
      const result = await mwa.readRoomAccountData("com.example.secret");
      expect(result).toMatchObject({ ok: false, error: expect.stringContaining("Missing capability") });
      expect(await host.calls("readRoomAccountData")).toEqual([]);
    });
  });
});
