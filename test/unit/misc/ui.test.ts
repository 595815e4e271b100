import { describe, expect, it, vi } from "vitest";
import { withoutSignals } from "../../support/send-calls.js";
import {
  setWidgetVisibility,
  takeScreenshot,
  updateLanguage,
  updateTheme,
} from "../../../src/host/features/ui.js";
import type { WidgetRequest } from "../../../src/protocol/envelope.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { ApiVersion } from "../../../src/protocol/versions.js";
import { silentLogger } from "../../../src/core/logger.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import {
  onLanguageChange,
  onThemeChange,
  onVisibilityChange,
  provideScreenshots,
  sendSticker,
  setAlwaysOnScreen,
} from "../../../src/widget/features/ui.js";
import { FakeDriver, faults } from "./fake-driver.js";
import { errorOf, eventually, openSession, settle } from "./harness.js";

const ROOM = "!viewed:example.org";
const STICKER = {
  name: "Happy cat",
  description: "A cat, smiling",
  content: {
    url: "mxc://example.org/cat",
    info: { h: 128, w: 128, mimetype: "image/png", size: 4096, thumbnail_url: "mxc://example.org/thumb" },
  },
};

describe("m.sticker", () => {
  it("posts an m.sticker event with the name as body to the viewed room", async () => {
    const s = await openSession({ capabilities: ["m.sticker"], viewedRoomId: ROOM });
    expect((await s.send("m.sticker", STICKER)).response).toEqual({});
    expect(withoutSignals(s.driver.callsOf("sendEvent"))).toEqual([
      [
        "m.sticker",
        { body: "Happy cat", url: STICKER.content.url, info: STICKER.content.info },
        { roomId: ROOM },
      ],
    ]);
  });

  it("uses the description as body when the name is empty, and drops unknown keys", async () => {
    const s = await openSession({ capabilities: ["m.sticker"], viewedRoomId: ROOM });
    await sendSticker(s.client, {
      name: "",
      description: "A cat",
      content: { url: "mxc://example.org/cat", info: { w: 1, evil: "x" } as never },
      extra: "dropped",
    } as never);
    expect(withoutSignals(s.driver.callsOf("sendEvent"))).toEqual([
      ["m.sticker", { body: "A cat", url: "mxc://example.org/cat", info: { w: 1 } }, { roomId: ROOM }],
    ]);
  });

  it("refuses without the m.sticker capability, before calling the driver", async () => {
    const s = await openSession({ viewedRoomId: ROOM });
    expect(errorOf(await s.send("m.sticker", STICKER))?.code).toBe(ErrorCode.MissingCapability);
    expect(s.driver.callsOf("sendEvent")).toEqual([]);
  });

  it("refuses when no room is viewed, before calling the driver", async () => {
    const s = await openSession({ capabilities: ["m.sticker"] });
    expect(errorOf(await s.send("m.sticker", STICKER))?.code).toBe(ErrorCode.Refused);
    expect(s.driver.callsOf("sendEvent")).toEqual([]);
  });

  it.each([
    ["an http url", { ...STICKER, content: { url: "https://example.org/cat.png" } }],
    ["a missing name", { content: STICKER.content }],
    ["a negative size", { ...STICKER, content: { url: STICKER.content.url, info: { size: -1 } } }],
    ["a fractional width", { ...STICKER, content: { url: STICKER.content.url, info: { w: 1.5 } } }],
    ["an oversized name", { ...STICKER, name: "x".repeat(2000) }],
  ])("refuses a sticker with %s, before calling the driver", async (_label, data) => {
    const s = await openSession({ capabilities: ["m.sticker"], viewedRoomId: ROOM });
    expect(errorOf(await s.send("m.sticker", data))?.code).toBe(ErrorCode.InvalidRequest);
    expect(s.driver.callsOf("sendEvent")).toEqual([]);
  });

  it("answers exactly one error when the driver fails", async () => {
    const driver = new FakeDriver().fail("sendEvent", faults.forbidden());
    const s = await openSession({ capabilities: ["m.sticker"], viewedRoomId: ROOM, driver });
    expect(errorOf(await s.send("m.sticker", STICKER))?.code).toBe(ErrorCode.HomeserverError);
  });

  it("rate-limits stickers per widget", async () => {
    const s = await openSession({ capabilities: ["m.sticker"], viewedRoomId: ROOM });
    for (let i = 0; i < 10; i++) expect((await s.send("m.sticker", STICKER)).response).toEqual({});
    expect(errorOf(await s.send("m.sticker", STICKER))?.code).toBe(ErrorCode.LimitExceeded);
    expect(s.driver.callsOf("sendEvent")).toHaveLength(10);
  });
});

describe("set_always_on_screen", () => {
  it("asks the driver and replies its answer as {success}", async () => {
    const s = await openSession({ capabilities: ["m.always_on_screen"] });
    expect((await s.send("set_always_on_screen", { value: true })).response).toEqual({ success: true });
    s.driver.alwaysOnScreenAnswer = false;
    await expect(setAlwaysOnScreen(s.client, false)).resolves.toBe(false);
    expect(s.driver.callsOf("setAlwaysOnScreen")).toEqual([
      [{ widgetId: s.host.widget.widgetId, value: true }],
      [{ widgetId: s.host.widget.widgetId, value: false }],
    ]);
  });

  it("hands the driver the widget's host", async () => {
    const driver = new FakeDriver();
    const hosts: unknown[] = [];
    driver.setAlwaysOnScreen = (request) => {
      hosts.push(request.host);
      return Promise.resolve(true);
    };
    const s = await openSession({ capabilities: ["m.always_on_screen"], driver });
    await setAlwaysOnScreen(s.client, true);
    expect(hosts).toEqual([s.host]);
  });

  it("refuses without the capability, before calling the driver", async () => {
    const s = await openSession();
    expect(errorOf(await s.send("set_always_on_screen", { value: true }))?.code).toBe(
      ErrorCode.MissingCapability,
    );
    expect(s.driver.callsOf("setAlwaysOnScreen")).toEqual([]);
  });

  it("refuses a non-boolean value", async () => {
    const s = await openSession({ capabilities: ["m.always_on_screen"] });
    expect(errorOf(await s.send("set_always_on_screen", { value: "yes" }))?.code).toBe(
      ErrorCode.InvalidRequest,
    );
    expect(s.driver.callsOf("setAlwaysOnScreen")).toEqual([]);
  });

  it("answers unsupported when the app's driver has no hook", async () => {
    const s = await openSession({
      capabilities: ["m.always_on_screen"],
      driver: new FakeDriver({ without: ["setAlwaysOnScreen"] }),
    });
    expect(errorOf(await s.send("set_always_on_screen", { value: true }))?.code).toBe(ErrorCode.Unsupported);
  });

  it.each([
    ["rejects", faults.reject(), ErrorCode.Internal],
    ["answers a non-boolean", faults.malformed("yes"), ErrorCode.Internal],
  ])("answers exactly one error when the hook %s", async (_label, fault, code) => {
    const driver = new FakeDriver().fail("setAlwaysOnScreen", fault);
    const s = await openSession({ capabilities: ["m.always_on_screen"], driver });
    expect(errorOf(await s.send("set_always_on_screen", { value: true }))?.code).toBe(code);
  });

  it("takes the widget off screen when its session ends while it is on screen", async () => {
    const s = await openSession({ capabilities: ["m.always_on_screen"] });
    await setAlwaysOnScreen(s.client, true);
    s.pair.reloadWidget();
    await eventually(() =>
      expect(s.driver.callsOf("setAlwaysOnScreen").at(-1)).toEqual([
        { widgetId: s.host.widget.widgetId, value: false },
      ]),
    );
  });

  it("does not call the hook at session end when the widget left the screen itself", async () => {
    const s = await openSession({ capabilities: ["m.always_on_screen"] });
    await setAlwaysOnScreen(s.client, true);
    await setAlwaysOnScreen(s.client, false);
    s.host.destroy();
    await settle(5);
    expect(s.driver.callsOf("setAlwaysOnScreen")).toHaveLength(2);
  });
});

describe("theme_change and language_change", () => {
  it("sends the theme to a widget advertising org.matrix.msc2873 and resolves true on its ack", async () => {
    const s = await openSession({ extraWidgetVersions: [ApiVersion.MSC2873] });
    const themes: unknown[] = [];
    onThemeChange(s.client, (theme) => themes.push(theme));
    await expect(updateTheme(s.host, { name: "dark", is_dark: true })).resolves.toBe(true);
    expect(themes).toEqual([{ name: "dark", is_dark: true }]);
  });

  it("does not send the theme or the language to a widget that does not advertise org.matrix.msc2873", async () => {
    const s = await openSession({ withoutWidgetVersions: [ApiVersion.MSC2873] });
    await expect(updateTheme(s.host, { name: "dark" })).resolves.toBe(false);
    await expect(updateLanguage(s.host, "fr")).resolves.toBe(false);
    expect(s.pushes("theme_change")).toEqual([]);
    expect(s.pushes("language_change")).toEqual([]);
  });

  it("sends the language and calls every listener", async () => {
    const s = await openSession({ extraWidgetVersions: [ApiVersion.MSC2873] });
    const first: string[] = [];
    const second: string[] = [];
    onLanguageChange(s.client, (lang) => first.push(lang));
    const stop = onLanguageChange(s.client, (lang) => second.push(lang));
    await updateLanguage(s.host, "zh_Hant");
    stop();
    await updateLanguage(s.host, "fr");
    expect(first).toEqual(["zh_Hant", "fr"]);
    expect(second).toEqual(["zh_Hant"]);
  });

  it("is acknowledged with {} by a widget that registered no listener (Element pushes it unasked)", async () => {
    const s = await openSession({ extraWidgetVersions: [ApiVersion.MSC2873] });
    await expect(updateTheme(s.host, { name: "dark" })).resolves.toBe(true);
    await expect(updateLanguage(s.host, "de")).resolves.toBe(true);
  });

  it("is still acknowledged once the last listener has been removed", async () => {
    const s = await openSession({ extraWidgetVersions: [ApiVersion.MSC2873] });
    const seen: unknown[] = [];
    const stop = onThemeChange(s.client, (theme) => seen.push(theme));
    stop();
    await expect(updateTheme(s.host, { name: "dark" })).resolves.toBe(true);
    expect(seen).toEqual([]);
  });

  it("answers the host with an error when a widget listener throws, after running the others", async () => {
    const s = await openSession({ extraWidgetVersions: [ApiVersion.MSC2873] });
    const seen: string[] = [];
    onLanguageChange(s.client, () => {
      throw new Error("listener bug");
    });
    onLanguageChange(s.client, (lang) => seen.push(lang));
    await expect(updateLanguage(s.host, "de")).rejects.toMatchObject({ code: ErrorCode.Internal });
    expect(seen).toEqual(["de"]);
  });

  it.each([[""], ["fr fr"], ["x".repeat(65)], ["<script>"]])(
    "refuses to send the language tag %j",
    async (lang) => {
      const s = await openSession({ extraWidgetVersions: [ApiVersion.MSC2873] });
      await expect(updateLanguage(s.host, lang)).rejects.toMatchObject({ code: ErrorCode.InvalidRequest });
      expect(s.pushes("language_change")).toEqual([]);
    },
  );

  it("refuses to send a theme that is not a plain object", async () => {
    const s = await openSession({ extraWidgetVersions: [ApiVersion.MSC2873] });
    await expect(updateTheme(s.host, ["dark"] as never)).rejects.toMatchObject({
      code: ErrorCode.InvalidRequest,
    });
  });

  it("delivers a theme the host sends at ready to a widget that listens right after create() resolves", async () => {
    const { host, start } = unstartedSession();
    let sent: Promise<boolean> | undefined;
    host.on("ready", () => {
      sent = updateTheme(host, { name: "dark" });
    });
    const themes: unknown[] = [];
    const { client } = await start(() => {});
    // Registered only now, after create(): the push must not have arrived yet.
    onThemeChange(client, (theme) => themes.push(theme));
    await expect(sent).resolves.toBe(true);
    expect(themes).toEqual([{ name: "dark" }]);
    client.destroy();
    host.destroy();
  });

  it("sends a theme and a language given while the frame loads once the session is ready", async () => {
    const { host, start } = unstartedSession();
    const theme = updateTheme(host, { name: "dark" });
    const language = updateLanguage(host, "de");
    const themes: unknown[] = [];
    const languages: string[] = [];
    const { client, pair } = await start((client) => {
      onThemeChange(client, (value) => themes.push(value));
      onLanguageChange(client, (value) => languages.push(value));
    });
    await expect(theme).resolves.toBe(true);
    await expect(language).resolves.toBe(true);
    expect(themes).toEqual([{ name: "dark" }]);
    expect(languages).toEqual(["de"]);
    expect(pair.host.sent.filter((m) => m.action === "theme_change" && !("response" in m))).toHaveLength(1);
    client.destroy();
  });

  it("sends only the newest theme given before the session is ready; the older calls resolve false", async () => {
    const { host, start } = unstartedSession();
    const first = updateTheme(host, { name: "light" });
    const second = updateTheme(host, { name: "dark" });
    const themes: unknown[] = [];
    await start((client) => onThemeChange(client, (value) => themes.push(value)));
    await expect(first).resolves.toBe(false);
    await expect(second).resolves.toBe(true);
    expect(themes).toEqual([{ name: "dark" }]);
  });

  it("resolves false, sending nothing, when the host is destroyed before the session is ready", async () => {
    const { host, pair } = unstartedSession();
    const theme = updateTheme(host, { name: "dark" });
    host.destroy();
    await expect(theme).resolves.toBe(false);
    expect(pair.host.sent.filter((m) => m.action === "theme_change")).toEqual([]);
  });

  it("waits through a reload for the new document's session", async () => {
    const s = await openSession({ extraWidgetVersions: [ApiVersion.MSC2873] });
    const widgetEnd = s.pair.reloadWidget();
    const theme = updateTheme(s.host, { name: "dark" });
    await settle(5);
    expect(s.pushes("theme_change")).toEqual([]);
    const themes: unknown[] = [];
    const reloaded = await WidgetClient.create({
      widgetId: s.client.widgetId,
      transport: widgetEnd,
      logger: silentLogger,
      beforeStart: (client) => void onThemeChange(client, (value) => themes.push(value)),
    });
    await expect(theme).resolves.toBe(true);
    expect(themes).toEqual([{ name: "dark" }]);
    reloaded.destroy();
  });
});

/**
 * A host whose frame has not loaded yet, and `start`, which loads it: a widget client is created on
 * the other end (`beforeStart` registers its listeners) and the session negotiated.
 */
function unstartedSession() {
  const pair = createMemoryTransportPair();
  const host = new WidgetHost({
    widgetId: "ui-widget",
    transport: pair.host,
    driver: new FakeDriver(),
    logger: silentLogger,
    policy: { approveCapabilities: ({ requested }) => requested },
  });
  const start = async (beforeStart: (client: WidgetClient) => void) => {
    const created = WidgetClient.create({
      widgetId: "ui-widget",
      transport: pair.widget,
      logger: silentLogger,
      beforeStart,
    });
    host.start();
    const client = await created;
    return { client, pair };
  };
  return { host, pair, start };
}

describe("visibility", () => {
  it("sends only changes, starting from visible", async () => {
    const s = await openSession();
    const seen: boolean[] = [];
    onVisibilityChange(s.client, (visible) => seen.push(visible));
    await expect(setWidgetVisibility(s.host, true)).resolves.toBe(false);
    await expect(setWidgetVisibility(s.host, false)).resolves.toBe(true);
    await expect(setWidgetVisibility(s.host, false)).resolves.toBe(false);
    await expect(setWidgetVisibility(s.host, true)).resolves.toBe(true);
    expect(seen).toEqual([false, true]);
    expect(s.pushes("visibility").map((m) => (m as WidgetRequest).data)).toEqual([
      { visible: false },
      { visible: true },
    ]);
  });

  it("asks the endpoint to copy visible to the envelope's top level for Scalar-era widgets", async () => {
    const s = await openSession();
    onVisibilityChange(s.client, () => {});
    const request = vi.spyOn(s.host, "request");
    await setWidgetVisibility(s.host, false);
    expect(request.mock.calls[0]?.[2]).toMatchObject({ envelopeExtras: { visible: false } });
  });

  it("copies visible to the envelope's top level on the wire, for Scalar-era widgets", async () => {
    const s = await openSession();
    onVisibilityChange(s.client, () => {});
    await setWidgetVisibility(s.host, false);
    expect(s.pushes("visibility")[0]).toMatchObject({ visible: false, data: { visible: false } });
  });

  it("forgets what it told the previous document when the frame reloads", async () => {
    const s = await openSession();
    onVisibilityChange(s.client, () => {});
    await setWidgetVisibility(s.host, false);
    const fresh = await WidgetClient.create({
      widgetId: s.host.widget.widgetId,
      transport: s.pair.reloadWidget(),
      logger: silentLogger,
    });
    const seen: boolean[] = [];
    onVisibilityChange(fresh, (visible) => seen.push(visible));
    // The new document was told nothing, so it is visible: hiding it is sent again.
    await expect(setWidgetVisibility(s.host, false)).resolves.toBe(true);
    expect(seen).toEqual([false]);
  });

  it("is acknowledged by a widget that registered no listener", async () => {
    const s = await openSession();
    await expect(setWidgetVisibility(s.host, false)).resolves.toBe(true);
    await expect(setWidgetVisibility(s.host, true)).resolves.toBe(true);
  });

  it("sends the change again next time when the widget did not acknowledge it", async () => {
    const s = await openSession();
    const stop = onVisibilityChange(s.client, () => {
      throw new Error("listener bug");
    });
    await expect(setWidgetVisibility(s.host, false)).rejects.toMatchObject({ code: ErrorCode.Internal });
    stop();
    const seen: boolean[] = [];
    onVisibilityChange(s.client, (visible) => seen.push(visible));
    await expect(setWidgetVisibility(s.host, false)).resolves.toBe(true);
    expect(seen).toEqual([false]);
  });
});

describe("screenshot", () => {
  it("asks a widget holding the capability and resolves with its Blob", async () => {
    const s = await openSession({ capabilities: ["m.capability.screenshot"] });
    provideScreenshots(s.client, () => new Blob(["png bytes"], { type: "image/png" }));
    const blob = await takeScreenshot(s.host);
    expect(blob).toBeInstanceOf(Blob);
    expect(await blob.text()).toBe("png bytes");
  });

  it("does not ask a widget without the capability", async () => {
    const s = await openSession();
    provideScreenshots(s.client, () => new Blob(["x"]));
    await expect(takeScreenshot(s.host)).rejects.toMatchObject({ code: ErrorCode.MissingCapability });
    expect(s.pushes("screenshot")).toEqual([]);
  });

  it("rejects a screenshot over the size limit", async () => {
    const s = await openSession({ capabilities: ["m.capability.screenshot"] });
    provideScreenshots(s.client, () => new Blob(["0123456789"]));
    await expect(takeScreenshot(s.host, { maxBytes: 4 })).rejects.toMatchObject({ code: ErrorCode.TooLarge });
  });

  it("rejects a reply that is not a Blob", async () => {
    const s = await openSession({ capabilities: ["m.capability.screenshot"] });
    provideScreenshots(s.client, () => "not a blob" as never);
    await expect(takeScreenshot(s.host)).rejects.toMatchObject({ code: ErrorCode.MalformedResponse });
  });

  it("rejects before the session is ready", async () => {
    const s = await openSession({ capabilities: ["m.capability.screenshot"] });
    s.pair.reloadWidget();
    await expect(takeScreenshot(s.host)).rejects.toMatchObject({ code: ErrorCode.OutOfSequence });
  });
});
