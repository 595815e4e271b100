import { describe, expect, it } from "vitest";
import {
  capabilityKey,
  formatCapability,
  isKindMismatch,
  isValidCapability,
  parseCapability,
  type Capability,
  type FixedCapabilityName,
} from "../../../src/capabilities/index.js";

const FIXED: ReadonlyArray<[FixedCapabilityName, string, string]> = [
  ["screenshot", "m.capability.screenshot", "m.capability.screenshot"],
  ["always_on_screen", "m.always_on_screen", "m.always_on_screen"],
  ["sticker", "m.sticker", "m.sticker"],
  ["navigate", "m.navigate", "org.matrix.msc2931.navigate"],
  ["user_directory_search", "m.user_directory_search", "org.matrix.msc3973.user_directory_search"],
  ["turn_servers", "m.turn_servers", "town.robin.msc3846.turn_servers"],
  ["upload_file", "m.upload_file", "org.matrix.msc4039.upload_file"],
  ["download_file", "m.download_file", "org.matrix.msc4039.download_file"],
  ["send_delayed_event", "m.send.delayed_event", "org.matrix.msc4157.send.delayed_event"],
  ["update_delayed_event", "m.update_delayed_event", "org.matrix.msc4157.update_delayed_event"],
  ["send_sticky_event", "m.send.sticky_event", "org.matrix.msc4407.send.sticky_event"],
  ["receive_sticky_event", "m.receive.sticky_event", "org.matrix.msc4407.receive.sticky_event"],
  ["requires_client", "io.element.requires_client", "io.element.requires_client"],
  ["modals", "m.modals", "org.matrix.msc2790.modals"],
  ["mxid_share", "m.mxid_share", "uk.half-shot.msc3662.mxid_share"],
];

describe("parseCapability: fixed capabilities", () => {
  it.each(FIXED)("parses the stable spelling of %s", (name, stable) => {
    expect(parseCapability(stable)).toEqual({ kind: "fixed", name });
  });

  it.each(FIXED)("parses the unstable spelling of %s", (name, _stable, unstable) => {
    expect(parseCapability(unstable)).toEqual({ kind: "fixed", name });
  });

  it.each(FIXED)("formats %s in both styles", (name, stable, unstable) => {
    expect(formatCapability({ kind: "fixed", name }, "stable")).toBe(stable);
    expect(formatCapability({ kind: "fixed", name }, "unstable")).toBe(unstable);
    expect(formatCapability({ kind: "fixed", name })).toBe(unstable);
  });

  it.each(["m.capbility.screenshot", "m.capabilitity.screenshot"])(
    "accepts the MSC2764 misspelling %s as the screenshot capability",
    (raw) => {
      expect(parseCapability(raw)).toEqual({ kind: "fixed", name: "screenshot" });
      expect(capabilityKey(parseCapability(raw))).toBe("m.capability.screenshot");
    },
  );

  it.each([
    "M.STICKER",
    "m.sticker ",
    "m.sticker:",
    "org.matrix.msc2931.navigate.x",
    "uk.half-shot.mscXXXX.mxid_share",
  ])("treats the near miss %j as a custom capability", (raw) => {
    expect(parseCapability(raw)).toEqual({ kind: "custom", name: raw });
  });
});

describe("parseCapability: parameterised forms in both styles", () => {
  const table: ReadonlyArray<[string, string, Capability]> = [
    [
      "m.send.event:m.reaction",
      "org.matrix.msc2762.send.event:m.reaction",
      { kind: "room_event", direction: "send", eventType: "m.reaction" },
    ],
    [
      "m.receive.event:m.reaction",
      "org.matrix.msc2762.receive.event:m.reaction",
      { kind: "room_event", direction: "receive", eventType: "m.reaction" },
    ],
    [
      "m.send.event:m.room.message#m.text",
      "org.matrix.msc2762.send.event:m.room.message#m.text",
      { kind: "room_event", direction: "send", eventType: "m.room.message", msgtype: "m.text" },
    ],
    [
      "m.receive.event:m.room.message",
      "org.matrix.msc2762.receive.event:m.room.message",
      { kind: "room_event", direction: "receive", eventType: "m.room.message" },
    ],
    [
      "m.send.state_event:m.room.topic",
      "org.matrix.msc2762.send.state_event:m.room.topic",
      { kind: "state_event", direction: "send", eventType: "m.room.topic" },
    ],
    [
      "m.receive.state_event:m.room.member#@a:b.c",
      "org.matrix.msc2762.receive.state_event:m.room.member#@a:b.c",
      { kind: "state_event", direction: "receive", eventType: "m.room.member", stateKey: "@a:b.c" },
    ],
    [
      "m.send.state_event:m.room.name#",
      "org.matrix.msc2762.send.state_event:m.room.name#",
      { kind: "state_event", direction: "send", eventType: "m.room.name", stateKey: "" },
    ],
    [
      "m.send.to_device:m.call.invite",
      "org.matrix.msc3819.send.to_device:m.call.invite",
      { kind: "to_device", direction: "send", eventType: "m.call.invite" },
    ],
    [
      "m.receive.to_device:io.x#y",
      "org.matrix.msc3819.receive.to_device:io.x#y",
      { kind: "to_device", direction: "receive", eventType: "io.x#y" },
    ],
    [
      "m.timeline:!room:example.org",
      "org.matrix.msc2762.timeline:!room:example.org",
      { kind: "timeline", roomId: "!room:example.org" },
    ],
    ["m.timeline:*", "org.matrix.msc2762.timeline:*", { kind: "timeline", roomId: "*" }],
    [
      "m.read.account_data:m.direct",
      "org.matrix.msc3751.read.account_data:m.direct",
      { kind: "account_data", eventType: "m.direct" },
    ],
    [
      "com.beeper.capabilities.receive.room_account_data:m.fully_read",
      "com.beeper.capabilities.receive.room_account_data:m.fully_read",
      { kind: "room_account_data", eventType: "m.fully_read" },
    ],
  ];

  it.each(table)("parses %s and %s to the same value", (stable, unstable, expected) => {
    expect(parseCapability(stable)).toEqual(expected);
    expect(parseCapability(unstable)).toEqual(expected);
  });

  it.each(table)("formats the value of %s back to the exact strings", (stable, unstable, expected) => {
    expect(formatCapability(expected, "stable")).toBe(stable);
    expect(formatCapability(expected, "unstable")).toBe(unstable);
    expect(formatCapability(expected)).toBe(unstable);
  });

  it("omits msgtype and stateKey keys entirely when absent", () => {
    expect(Object.keys(parseCapability("m.send.event:m.room.message"))).not.toContain("msgtype");
    expect(Object.keys(parseCapability("m.send.state_event:m.room.topic"))).not.toContain("stateKey");
  });
});

describe("parseCapability: suffix and escape rules", () => {
  const state = (eventType: string, stateKey?: string): Capability =>
    stateKey === undefined
      ? { kind: "state_event", direction: "send", eventType }
      : { kind: "state_event", direction: "send", eventType, stateKey };
  const room = (eventType: string, msgtype?: string): Capability =>
    msgtype === undefined
      ? { kind: "room_event", direction: "send", eventType }
      : { kind: "room_event", direction: "send", eventType, msgtype };

  it.each<[string, Capability]>([
    ["org.example.\\#test#hello", state("org.example.#test", "hello")],
    ["m.room.name##test", state("m.room.name", "#test")],
    ["m.room.name#a#b", state("m.room.name", "a#b")],
    ["m.room.name#", state("m.room.name", "")],
    ["m.room.name", state("m.room.name")],
    ["a\\\\#key", state("a\\", "key")],
    ["a\\\\\\#b", state("a\\#b")],
    ["a\\b#c\\#d", state("a\\b", "c\\#d")],
    ["a\\", state("a\\")],
    ["a\\x\\\\y", state("a\\x\\y")],
    ["\\#", state("#")],
    ["m.room.member#@user:example.org", state("m.room.member", "@user:example.org")],
  ])("state suffix: m.send.state_event:%s", (param, expected) => {
    expect(parseCapability(`m.send.state_event:${param}`)).toEqual(expected);
  });

  it.each<[string, Capability]>([
    ["m.room.message#m.text", room("m.room.message", "m.text")],
    ["m.room.message#", room("m.room.message", "")],
    ["m.room.message##m.text", room("m.room.message", "#m.text")],
    ["m.room.message\\#m.text", room("m.room.message#m.text")],
    ["m.room.message\\\\#m.text", room("m.room.message\\#m.text")],
    ["com.example#thing", room("com.example#thing")],
    ["com.example##", room("com.example##")],
    ["m.reaction#x", room("m.reaction#x")],
    ["com.x\\#y", room("com.x#y")],
    ["com.x\\\\y", room("com.x\\y")],
    ["com.x\\y", room("com.x\\y")],
    ["m.room.messages#m.text", room("m.room.messages#m.text")],
  ])("room suffix: m.send.event:%s", (param, expected) => {
    expect(parseCapability(`m.send.event:${param}`)).toEqual(expected);
  });

  it.each([
    "m.send.event:",
    "m.receive.state_event:",
    "m.send.state_event:#key",
    "org.matrix.msc2762.send.state_event:#",
    "m.send.to_device:",
    "m.timeline:",
    "m.read.account_data:",
    "com.beeper.capabilities.receive.room_account_data:",
  ])("an empty type or room makes %j a custom capability", (raw) => {
    expect(parseCapability(raw)).toEqual({ kind: "custom", name: raw });
  });

  it("distinguishes the empty state key from any state key", () => {
    const empty = parseCapability("m.send.state_event:m.room.name#");
    const any = parseCapability("m.send.state_event:m.room.name");
    expect(empty).toEqual(state("m.room.name", ""));
    expect(any).toEqual(state("m.room.name"));
    expect(capabilityKey(empty)).not.toBe(capabilityKey(any));
  });

  it("keeps unknown strings verbatim as custom capabilities", () => {
    for (const raw of [
      "",
      ":",
      "com.example.custom",
      "m.send.event",
      "m.send.eventx:foo",
      "org.matrix.msc2762.timeline",
    ]) {
      expect(parseCapability(raw)).toEqual({ kind: "custom", name: raw });
      expect(formatCapability(parseCapability(raw))).toBe(raw);
    }
  });

  it.each(["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"])(
    "treats the prototype-ish name %s like any other type",
    (name) => {
      expect(parseCapability(`m.send.event:${name}`)).toEqual(room(name));
      expect(parseCapability(`m.send.state_event:${name}#${name}`)).toEqual(state(name, name));
      expect(parseCapability(`m.read.account_data:${name}`)).toEqual({
        kind: "account_data",
        eventType: name,
      });
      expect(parseCapability(name)).toEqual({ kind: "custom", name });
      expect(parseCapability(`m.timeline:${name}`)).toEqual({ kind: "timeline", roomId: name });
    },
  );
});

describe("formatCapability: escaping", () => {
  it.each<[Capability, string]>([
    [
      { kind: "state_event", direction: "send", eventType: "com.x#y", stateKey: "z" },
      "m.send.state_event:com.x\\#y#z",
    ],
    [
      { kind: "state_event", direction: "send", eventType: "com.x", stateKey: "y#z" },
      "m.send.state_event:com.x#y#z",
    ],
    [
      { kind: "state_event", direction: "send", eventType: "a\\", stateKey: "k" },
      "m.send.state_event:a\\\\#k",
    ],
    [{ kind: "state_event", direction: "send", eventType: "a\\" }, "m.send.state_event:a\\"],
    [{ kind: "state_event", direction: "send", eventType: "a\\b" }, "m.send.state_event:a\\b"],
    [{ kind: "state_event", direction: "send", eventType: "a\\#" }, "m.send.state_event:a\\\\\\#"],
    [{ kind: "room_event", direction: "send", eventType: "com.x#y" }, "m.send.event:com.x#y"],
    [{ kind: "room_event", direction: "send", eventType: "com.x\\#y" }, "m.send.event:com.x\\\\#y"],
    [
      { kind: "room_event", direction: "send", eventType: "m.room.message#m.text" },
      "m.send.event:m.room.message\\#m.text",
    ],
    [
      { kind: "room_event", direction: "send", eventType: "m.room.message", msgtype: "#m.text" },
      "m.send.event:m.room.message##m.text",
    ],
  ])("formats %j as %s and parses it back", (cap, expected) => {
    expect(formatCapability(cap, "stable")).toBe(expected);
    expect(parseCapability(expected)).toEqual(cap);
  });

  it("leaves ordinary types byte-identical to the matrix-widget-api spelling", () => {
    expect(
      formatCapability({
        kind: "state_event",
        direction: "receive",
        eventType: "m.room.member",
        stateKey: "@a:b",
      }),
    ).toBe("org.matrix.msc2762.receive.state_event:m.room.member#@a:b");
    expect(
      formatCapability({
        kind: "room_event",
        direction: "send",
        eventType: "m.room.message",
        msgtype: "m.text",
      }),
    ).toBe("org.matrix.msc2762.send.event:m.room.message#m.text");
  });

  it.each<[string, unknown]>([
    ["an empty room type", { kind: "room_event", direction: "send", eventType: "" }],
    ["an empty state type", { kind: "state_event", direction: "send", eventType: "", stateKey: "x" }],
    [
      "a msgtype on a non-message type",
      { kind: "room_event", direction: "send", eventType: "m.reaction", msgtype: "x" },
    ],
    ["an unknown direction", { kind: "to_device", direction: "both", eventType: "x" }],
    ["an unknown fixed name", { kind: "fixed", name: "__proto__" }],
    ["a custom name that is a recognised spelling", { kind: "custom", name: "m.sticker" }],
    ["an empty timeline room", { kind: "timeline", roomId: "" }],
    ["an unknown kind", { kind: "nope" }],
    ["a non-string state key", { kind: "state_event", direction: "send", eventType: "x", stateKey: 1 }],
  ])("rejects %s with a TypeError", (_what, value) => {
    expect(isValidCapability(value)).toBe(false);
    expect(() => formatCapability(value as Capability)).toThrow(TypeError);
    expect(() => capabilityKey(value as Capability)).toThrow(TypeError);
  });

  it("isValidCapability never throws on hostile objects", () => {
    const throwing = new Proxy(
      {},
      {
        getOwnPropertyDescriptor() {
          throw new Error("boom");
        },
      },
    );
    expect(isValidCapability(throwing)).toBe(false);
    expect(isValidCapability(null)).toBe(false);
    expect(isValidCapability("m.sticker")).toBe(false);
    expect(isValidCapability(Object.create({ kind: "fixed", name: "sticker" }))).toBe(false);
  });

  it("is public in the host and widget entries, so apps can screen a value before formatCapability throws", async () => {
    const host = await import("../../../src/host/index.js");
    const widget = await import("../../../src/widget/index.js");
    for (const entry of [host, widget]) {
      expect(entry.isValidCapability).toBe(isValidCapability);
      expect(entry.isValidCapability({ kind: "fixed", name: "navigate" })).toBe(true);
      expect(entry.isValidCapability({ kind: "timeline", roomId: "" })).toBe(false);
    }
  });
});

describe("capabilityKey", () => {
  it("is the same for the stable and unstable spellings", () => {
    const pairs: Array<[string, string]> = [
      ["m.send.event:m.room.message#m.text", "org.matrix.msc2762.send.event:m.room.message#m.text"],
      [
        "m.receive.state_event:org.example.\\#t#k",
        "org.matrix.msc2762.receive.state_event:org.example.\\#t#k",
      ],
      ["m.timeline:*", "org.matrix.msc2762.timeline:*"],
      ["m.turn_servers", "town.robin.msc3846.turn_servers"],
      ["m.read.account_data:m.direct", "org.matrix.msc3751.read.account_data:m.direct"],
    ];
    for (const [stable, unstable] of pairs) {
      expect(capabilityKey(parseCapability(stable))).toBe(capabilityKey(parseCapability(unstable)));
    }
  });

  it("is the stable formatting", () => {
    expect(capabilityKey({ kind: "fixed", name: "navigate" })).toBe("m.navigate");
    expect(capabilityKey({ kind: "to_device", direction: "send", eventType: "m.x" })).toBe(
      "m.send.to_device:m.x",
    );
  });

  it("differs between directions, kinds and keys", () => {
    const keys = [
      "m.send.event:x",
      "m.receive.event:x",
      "m.send.state_event:x",
      "m.send.state_event:x#",
      "m.send.to_device:x",
      "m.read.account_data:x",
      "com.beeper.capabilities.receive.room_account_data:x",
    ].map((s) => capabilityKey(parseCapability(s)));
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("isKindMismatch", () => {
  it.each([
    "m.room.create",
    "m.room.member",
    "m.room.power_levels",
    "m.room.join_rules",
    "m.room.history_visibility",
    "m.room.name",
    "m.room.topic",
    "m.room.avatar",
    "m.room.canonical_alias",
    "m.room.encryption",
    "m.room.server_acl",
    "m.room.pinned_events",
    "m.room.guest_access",
    "m.room.tombstone",
    "m.room.third_party_invite",
  ])("flags the state type %s requested as a room event, in both directions", (type) => {
    expect(isKindMismatch(parseCapability(`m.send.event:${type}`))).toBe(true);
    expect(isKindMismatch(parseCapability(`org.matrix.msc2762.receive.event:${type}`))).toBe(true);
    expect(isKindMismatch(parseCapability(`m.send.state_event:${type}`))).toBe(false);
  });

  it.each([
    "m.room.message",
    "m.room.encrypted",
    "m.reaction",
    "m.sticker",
    "m.room.redaction",
    "m.call.invite",
    "m.call.hangup",
  ])("flags the room type %s requested as state, in both directions", (type) => {
    expect(isKindMismatch(parseCapability(`m.send.state_event:${type}`))).toBe(true);
    expect(isKindMismatch(parseCapability(`m.receive.state_event:${type}#`))).toBe(true);
    expect(isKindMismatch(parseCapability(`m.send.event:${type}`))).toBe(false);
  });

  it("does not flag m.call.member state (MatrixRTC membership is a state event)", () => {
    expect(isKindMismatch(parseCapability("m.send.state_event:m.call.member"))).toBe(false);
  });

  it("does not flag unknown types, other kinds or near misses", () => {
    for (const raw of [
      "m.send.event:com.example.thing",
      "m.send.state_event:com.example.thing",
      "m.send.event:m.room.topic#x",
      "m.send.state_event:m.call",
      "m.send.to_device:m.room.topic",
      "m.read.account_data:m.room.message",
      "m.sticker",
    ]) {
      expect(isKindMismatch(parseCapability(raw))).toBe(false);
    }
  });
});
