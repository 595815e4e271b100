// The migration guide maps matrix-widget-api's capability helpers onto ours. These tests hold the
// mapping to what the installed matrix-widget-api writes, so a widget ported from it asks for the
// same strings and a host ported from it grants by the same rules.
import {
  EventDirection,
  MatrixCapabilities,
  StickerpickerCapabilities,
  VideoConferenceCapabilities,
  WidgetEventCapability,
  getTimelineRoomIDFromCapability,
  isTimelineCapability,
} from "matrix-widget-api";
import { describe, expect, it } from "vitest";
import { CapabilitySet, formatCapability, parseCapability } from "../../../src/capabilities/index.js";
import { eventCapability, stateCapability, timelineCapability } from "../../../src/widget/index.js";

const DIRECTIONS = [EventDirection.Send, EventDirection.Receive] as const;

describe("matrix-widget-api's capability helpers, mapped as the migration guide says", () => {
  it("writes every MatrixCapabilities value as formatCapability of a fixed capability", () => {
    for (const raw of Object.values(MatrixCapabilities)) {
      const parsed = parseCapability(raw);
      expect(parsed.kind, raw).toBe("fixed");
      expect(formatCapability(parsed)).toBe(raw);
    }
    expect(StickerpickerCapabilities).toEqual([formatCapability({ kind: "fixed", name: "sticker" })]);
    expect(VideoConferenceCapabilities).toEqual([
      formatCapability({ kind: "fixed", name: "always_on_screen" }),
    ]);
  });

  it("writes what WidgetEventCapability.for* writes, with eventCapability, stateCapability and formatCapability", () => {
    for (const direction of DIRECTIONS) {
      expect(eventCapability(direction, "org.example.x")).toBe(
        WidgetEventCapability.forRoomEvent(direction, "org.example.x").raw,
      );
      expect(eventCapability(direction, "m.room.message", { msgtype: "m.text" })).toBe(
        WidgetEventCapability.forRoomMessageEvent(direction, "m.text").raw,
      );
      expect(stateCapability(direction, "m.room.topic")).toBe(
        WidgetEventCapability.forStateEvent(direction, "m.room.topic").raw,
      );
      expect(stateCapability(direction, "m.room.member", { stateKey: "@a:example.org" })).toBe(
        WidgetEventCapability.forStateEvent(direction, "m.room.member", "@a:example.org").raw,
      );
      expect(stateCapability(direction, "com.x#y", { stateKey: "" })).toBe(
        WidgetEventCapability.forStateEvent(direction, "com.x#y", "").raw,
      );
      expect(formatCapability({ kind: "to_device", direction, eventType: "org.example.td" })).toBe(
        WidgetEventCapability.forToDeviceEvent(direction, "org.example.td").raw,
      );
    }
    expect(formatCapability({ kind: "room_account_data", eventType: "org.example.rad" })).toBe(
      WidgetEventCapability.forRoomAccountData(EventDirection.Receive, "org.example.rad").raw,
    );
  });

  it("reads a message capability without msgtype as matrix-widget-api does: the empty msgtype only", () => {
    for (const direction of DIRECTIONS) {
      const raw = WidgetEventCapability.forRoomMessageEvent(direction).raw;
      const theirs = WidgetEventCapability.findEventCapabilities([raw])[0];
      const ours = CapabilitySet.from([raw]);
      const can = (msgtype: string) =>
        direction === "send"
          ? ours.canSendEvent("m.room.message", msgtype)
          : ours.canReceiveEvent("m.room.message", msgtype);
      for (const msgtype of ["", "m.text"]) {
        expect(can(msgtype), `${raw} ${msgtype}`).toBe(
          theirs?.matchesAsRoomEvent(direction, "m.room.message", msgtype),
        );
      }
      // What the guide offers instead covers every msgtype.
      const every = CapabilitySet.from([eventCapability(direction, "m.room.message")]);
      const canEvery =
        direction === "send"
          ? every.canSendEvent("m.room.message", "m.text")
          : every.canReceiveEvent("m.room.message", "m.text");
      expect(canEvery).toBe(true);
    }
  });

  it("reads timeline capabilities as isTimelineCapability and getTimelineRoomIDFromCapability do", () => {
    for (const roomId of ["!room:example.org", "*"]) {
      const raw = timelineCapability(roomId);
      expect(isTimelineCapability(raw)).toBe(true);
      expect(parseCapability(raw)).toEqual({
        kind: "timeline",
        roomId: getTimelineRoomIDFromCapability(raw),
      });
    }
    expect(isTimelineCapability(formatCapability({ kind: "fixed", name: "navigate" }))).toBe(false);
    expect(parseCapability(formatCapability({ kind: "fixed", name: "navigate" })).kind).not.toBe("timeline");
  });
});
