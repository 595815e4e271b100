// A host application serving a built-in action its own way (`replacesBuiltIn`): Element sends a
// widget's sticker through its composer, as matrix-widget-api apps do with `preventDefault()`.
import { describe, expect, it, vi } from "vitest";
import { ConfigErrorCode, WidgetKitConfigError } from "../../../src/core/config-error.js";
import { silentLogger } from "../../../src/core/logger.js";
import { defineHostAction, type HostActionRegistration } from "../../../src/host/registry.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { defineAction } from "../../../src/protocol/action.js";
import { contentLoaded } from "../../../src/protocol/actions/session.js";
import { ErrorCode, WidgetApiError } from "../../../src/protocol/errors.js";
import { ACTIONS } from "../../../src/protocol/table.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import { FakeDriver } from "../misc/fake-driver.js";
import { errorOf, openSession } from "../misc/harness.js";

const ROOM = "!viewed:example.org";
const STICKER = {
  name: "Happy cat",
  description: "A cat, smiling",
  content: { url: "mxc://example.org/cat", info: { w: 128, h: 128, mimetype: "image/png" } },
};
const sticker = ACTIONS["m.sticker"];

function appStickers(handle: HostActionRegistration["handle"] = () => ({})) {
  const served = vi.fn(handle);
  const registration = defineHostAction({ action: sticker, replacesBuiltIn: true, handle: served });
  return { served, registration };
}

function hostWith(actions: readonly HostActionRegistration[]): WidgetHost {
  return new WidgetHost({
    widgetId: "w",
    transport: createMemoryTransportPair().host,
    logger: silentLogger,
    actions,
  });
}

function configErrorOf(create: () => unknown): WidgetKitConfigError {
  try {
    create();
  } catch (error) {
    expect(error).toBeInstanceOf(WidgetKitConfigError);
    return error as WidgetKitConfigError;
  }
  throw new Error("no configuration error was thrown");
}

describe("replacing a built-in action (replacesBuiltIn)", () => {
  it("serves m.sticker with the app's handler, which gets the parsed sticker, and the driver sends nothing", async () => {
    const { served, registration } = appStickers();
    const s = await openSession({ capabilities: ["m.sticker"], viewedRoomId: ROOM, actions: [registration] });
    const exchange = await s.send("m.sticker", { ...STICKER, extra: "dropped by the schema" });
    expect(exchange.response).toEqual({});
    expect(served).toHaveBeenCalledTimes(1);
    expect(served.mock.calls[0]![1]).toEqual(STICKER);
    expect(s.driver.callsOf("sendEvent")).toEqual([]);
  });

  it("keeps the built-in's capability rule: without m.sticker the app's handler is not called", async () => {
    const { served, registration } = appStickers();
    const s = await openSession({ viewedRoomId: ROOM, actions: [registration] });
    expect(errorOf(await s.send("m.sticker", STICKER))?.code).toBe(ErrorCode.MissingCapability);
    expect(served).not.toHaveBeenCalled();
  });

  it("keeps the built-in's schema: a malformed sticker is refused before the app's handler runs", async () => {
    const { served, registration } = appStickers();
    const s = await openSession({ capabilities: ["m.sticker"], viewedRoomId: ROOM, actions: [registration] });
    const bad = { ...STICKER, content: { url: "https://example.org/cat.png" } };
    expect(errorOf(await s.send("m.sticker", bad))?.code).toBe(ErrorCode.InvalidRequest);
    expect(served).not.toHaveBeenCalled();
  });

  it("answers once with the app's error, and with a generic error when the app's handler throws undefined", async () => {
    const refusing = appStickers(() => {
      throw new WidgetApiError("The composer is closed", ErrorCode.Refused);
    });
    const s = await openSession({
      capabilities: ["m.sticker"],
      viewedRoomId: ROOM,
      actions: [refusing.registration],
    });
    expect(errorOf(await s.send("m.sticker", STICKER))).toMatchObject({
      code: ErrorCode.Refused,
      message: "The composer is closed",
    });
    const throwing = appStickers(() => {
      throw undefined;
    });
    const t = await openSession({
      capabilities: ["m.sticker"],
      viewedRoomId: ROOM,
      actions: [throwing.registration],
    });
    expect(errorOf(await t.send("m.sticker", STICKER))?.code).toBe(ErrorCode.Internal);
  });

  it("leaves other hosts alone: a host without the replacement still sends stickers through its driver", async () => {
    const { served, registration } = appStickers();
    await openSession({ capabilities: ["m.sticker"], viewedRoomId: ROOM, actions: [registration] });
    const plain = await openSession({ capabilities: ["m.sticker"], viewedRoomId: ROOM });
    expect((await plain.send("m.sticker", STICKER)).response).toEqual({});
    expect(plain.driver.callsOf("sendEvent")).toHaveLength(1);
    expect(served).not.toHaveBeenCalled();
  });

  it("serves m.sticker with a driver that cannot send events, which the built-in answers as unsupported", async () => {
    const without = await openSession({
      capabilities: ["m.sticker"],
      viewedRoomId: ROOM,
      driver: new FakeDriver({ without: ["sendEvent"] }),
    });
    expect(errorOf(await without.send("m.sticker", STICKER))?.code).toBe(ErrorCode.Unsupported);
    const { served, registration } = appStickers();
    const replaced = await openSession({
      capabilities: ["m.sticker"],
      viewedRoomId: ROOM,
      driver: new FakeDriver({ without: ["sendEvent"] }),
      actions: [registration],
    });
    expect((await replaced.send("m.sticker", STICKER)).response).toEqual({});
    expect(served).toHaveBeenCalledTimes(1);
  });

  it("still refuses a second registration of a built-in action that does not say it replaces it", () => {
    const error = configErrorOf(() => hostWith([defineHostAction({ action: sticker, handle: () => ({}) })]));
    expect(error.code).toBe(ConfigErrorCode.DuplicateAction);
    expect(error.message).toMatch(/registered twice/);
  });

  it("refuses two replacements of the same action", () => {
    const error = configErrorOf(() => hostWith([appStickers().registration, appStickers().registration]));
    expect(error.code).toBe(ConfigErrorCode.DuplicateAction);
  });

  it("refuses a replacement whose descriptor is a copy, not the table's own (its rule or schema could differ)", () => {
    const copy = defineHostAction({
      action: { ...sticker, capability: undefined },
      replacesBuiltIn: true,
      handle: () => ({}),
    });
    const error = configErrorOf(() => hostWith([copy]));
    expect(error.code).toBe(ConfigErrorCode.InvalidAction);
    expect(error.message).toMatch(/replaces no built-in action/);
  });

  it("refuses a replacement of an action no built-in serves", () => {
    const custom = defineAction({
      id: "com.example.ping",
      direction: "fromWidget",
      stable: "com.example.ping",
      unstable: [],
      request: sticker.request,
      response: sticker.response,
    });
    const error = configErrorOf(() =>
      hostWith([defineHostAction({ action: custom, replacesBuiltIn: true, handle: () => ({}) })]),
    );
    expect(error.code).toBe(ConfigErrorCode.InvalidAction);
  });

  it("refuses a replacement of a session action: the capability exchange and content_loaded stay the host's", () => {
    const error = configErrorOf(() =>
      hostWith([defineHostAction({ action: contentLoaded, replacesBuiltIn: true, handle: () => ({}) })]),
    );
    expect(error.code).toBe(ConfigErrorCode.InvalidAction);
    expect(error.message).toMatch(/part of the session/);
  });
});
