import { describe, expect, it } from "vitest";
import type { RoomEvent } from "../../../src/host/driver.js";
import {
  parseAccountWidgets,
  parseRoomWidgetEvent,
  parseWidgetLayout,
  widgetStateContent,
} from "../../../src/host/widgets/index.js";

const ROOM = "!room:example.org";

function stateEvent(type: string, stateKey: string | undefined, content: unknown): RoomEvent {
  return {
    type,
    event_id: "$ev",
    room_id: ROOM,
    sender: "@alice:example.org",
    origin_server_ts: 1,
    content: content as Record<string, unknown>,
    ...(stateKey === undefined ? {} : { state_key: stateKey }),
  };
}

describe("room widget state", () => {
  it("reads a full im.vector.modular.widgets definition with the state key as ID", () => {
    const result = parseRoomWidgetEvent(
      stateEvent("im.vector.modular.widgets", "w1", {
        id: "something-else",
        type: "m.custom",
        url: "https://example.org/w?room=$matrix_room_id",
        name: "Board",
        data: { title: "Hi" },
        waitForIframeLoad: false,
        creatorUserId: "@bob:example.org",
        avatar_url: "mxc://example.org/abc",
      }),
    );
    expect(result).toEqual({
      kind: "widget",
      widget: {
        id: "w1",
        source: "room",
        roomId: ROOM,
        eventType: "im.vector.modular.widgets",
        eventId: "$ev",
        type: "m.custom",
        url: "https://example.org/w?room=$matrix_room_id",
        name: "Board",
        data: { title: "Hi" },
        waitForIframeLoad: false,
        // The content's creatorUserId is not believed: the sender added it.
        creatorUserId: "@alice:example.org",
        sender: "@alice:example.org",
        avatarUrl: "mxc://example.org/abc",
      },
    });
  });

  it("defaults m.widget's waitForIframeLoad to true, data to {} and the creator to the sender", () => {
    const result = parseRoomWidgetEvent(
      stateEvent("m.widget", "w2", { type: "m.custom", url: "https://a.example/" }),
    );
    expect(result.kind).toBe("widget");
    if (result.kind !== "widget") return;
    expect(result.widget.waitForIframeLoad).toBe(true);
    expect(result.widget.data).toEqual({});
    expect(result.widget.creatorUserId).toBe("@alice:example.org");
    expect(result.widget.eventType).toBe("m.widget");
  });

  it("takes the creator from the sender, never from a creatorUserId in the content naming the viewer", () => {
    // Alice names the viewing user as creator: an app that loads the user's own widgets without
    // asking (as Element does, comparing creatorUserId with the user) must not load this one.
    const result = parseRoomWidgetEvent(
      stateEvent("im.vector.modular.widgets", "w", {
        type: "m.custom",
        url: "https://evil.example/",
        creatorUserId: "@me:example.org",
      }),
    );
    expect(result.kind === "widget" && result.widget.creatorUserId).toBe("@alice:example.org");
  });

  it("reads empty content, or content without url or type, as a removed widget", () => {
    expect(parseRoomWidgetEvent(stateEvent("m.widget", "w", {}))).toEqual({ kind: "absent", id: "w" });
    expect(parseRoomWidgetEvent(stateEvent("m.widget", "w", { type: "m.custom" }))).toEqual({
      kind: "absent",
      id: "w",
    });
    expect(
      parseRoomWidgetEvent(stateEvent("m.widget", "w", { url: "https://a.example/", type: null })),
    ).toEqual({ kind: "absent", id: "w" });
  });

  it.each([
    ["a non-string url", { type: "m.custom", url: 42 }, "url must be a string"],
    ["an empty type", { type: "", url: "https://a.example/" }, "type must not be empty"],
    [
      "data that is an array",
      { type: "m.custom", url: "https://a.example/", data: [1] },
      "data must be an object",
    ],
    [
      "a string waitForIframeLoad",
      { type: "m.custom", url: "https://a.example/", waitForIframeLoad: "no" },
      "waitForIframeLoad must be a boolean",
    ],
    ["a numeric name", { type: "m.custom", url: "https://a.example/", name: 3 }, "name must be a string"],
  ])("refuses a definition with %s", (_what, content, reason) => {
    expect(parseRoomWidgetEvent(stateEvent("m.widget", "w", content))).toEqual({
      kind: "invalid",
      id: "w",
      reason,
    });
  });

  it("refuses content that is not an object, a missing or empty state key, and other event types", () => {
    expect(parseRoomWidgetEvent(stateEvent("m.widget", "w", [1, 2])).kind).toBe("invalid");
    expect(
      parseRoomWidgetEvent(stateEvent("m.widget", "", { type: "m.custom", url: "https://a.example/" })).kind,
    ).toBe("invalid");
    expect(
      parseRoomWidgetEvent(stateEvent("m.widget", undefined, { type: "m.custom", url: "https://a.example/" }))
        .kind,
    ).toBe("invalid");
    expect(
      parseRoomWidgetEvent(stateEvent("m.room.topic", "w", { type: "m.custom", url: "https://a.example/" })),
    ).toEqual({ kind: "invalid", id: "w", reason: "m.room.topic is not a widget state type" });
  });

  it("writes state content that reads back as the same widget", () => {
    const content = widgetStateContent({
      id: "w9",
      type: "m.custom",
      url: "https://a.example/",
      name: "Nine",
      data: { k: 1 },
      waitForIframeLoad: false,
      creatorUserId: "@me:example.org",
    });
    const result = parseRoomWidgetEvent(stateEvent("im.vector.modular.widgets", "w9", content));
    expect(result.kind === "widget" && result.widget).toMatchObject({
      id: "w9",
      name: "Nine",
      data: { k: 1 },
      waitForIframeLoad: false,
      // Whoever sends the content is its creator; here the test event's sender.
      creatorUserId: "@alice:example.org",
    });
  });
});

describe("m.widgets account data", () => {
  it("reads entries keyed by widget ID, with the own user as sender", () => {
    const results = parseAccountWidgets(
      {
        stickers: {
          type: "m.widget",
          state_key: "stickers",
          sender: "@someone-else:example.org",
          content: { type: "m.stickerpicker", url: "https://stickers.example/", name: "Stickers" },
          id: "stickers",
        },
      },
      "@me:example.org",
    );
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      kind: "widget",
      widget: { id: "stickers", source: "account", eventType: "m.widgets", sender: "@me:example.org" },
    });
  });

  it("refuses entries whose state_key differs from the key or whose type is not a widget type", () => {
    const results = parseAccountWidgets(
      {
        a: { type: "m.widget", state_key: "b", content: { type: "m.custom", url: "https://a.example/" } },
        c: { type: "m.room.message", content: { type: "m.custom", url: "https://a.example/" } },
        d: "not an entry",
      },
      "@me:example.org",
    );
    expect(results.map((result) => result.kind)).toEqual(["invalid", "invalid", "invalid"]);
  });

  it("reads content that is not an object as no widgets", () => {
    expect(parseAccountWidgets(null, "@me:example.org")).toEqual([]);
    expect(parseAccountWidgets([1], "@me:example.org")).toEqual([]);
  });
});

describe("io.element.widgets.layout", () => {
  it("keeps valid hints and drops malformed ones one by one", () => {
    expect(
      parseWidgetLayout({
        widgets: {
          a: { container: "top", index: 1, width: 40, height: 30 },
          b: { container: "right" },
          c: { container: "sideways" },
          d: { container: "top", width: 140 },
          e: "top",
        },
      }),
    ).toEqual({ a: { container: "top", index: 1, width: 40, height: 30 }, b: { container: "right" } });
  });

  it("reads missing or malformed content as no hints", () => {
    expect(parseWidgetLayout(undefined)).toEqual({});
    expect(parseWidgetLayout({ widgets: [] })).toEqual({});
  });
});
