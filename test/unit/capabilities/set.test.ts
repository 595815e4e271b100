import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CapabilitySet,
  formatCapability,
  parseCapability,
  type Capability,
  type CapabilityDirection,
} from "../../../src/capabilities/index.js";
import { anyCapability, trickyString } from "./arbitraries.js";

type EventLike = { type: unknown; state_key?: unknown; content?: unknown };

/** The obvious implementation: loop over every grant. The set must agree with it. */
function naiveAllows(
  grants: readonly Capability[],
  direction: CapabilityDirection,
  event: EventLike,
): boolean {
  const own = (o: object, k: string): unknown => {
    const d = Object.getOwnPropertyDescriptor(o, k);
    return d && "value" in d ? d.value : undefined;
  };
  const type = own(event, "type");
  if (typeof type !== "string") return false;
  const stateKey = own(event, "state_key");
  const content = own(event, "content");
  const msgtype = typeof content === "object" && content !== null ? own(content, "msgtype") : undefined;
  for (const g of grants) {
    if (typeof stateKey === "string") {
      if (g.kind !== "state_event" || g.direction !== direction || g.eventType !== type) continue;
      if (g.stateKey === undefined || g.stateKey === stateKey) return true;
    } else {
      if (g.kind !== "room_event" || g.direction !== direction || g.eventType !== type) continue;
      if (g.msgtype === undefined) return true;
      if (type === "m.room.message" && typeof msgtype === "string" && msgtype === g.msgtype) return true;
    }
  }
  return false;
}

function naiveHas(grants: readonly Capability[], pred: (g: Capability) => boolean): boolean {
  for (const g of grants) if (pred(g)) return true;
  return false;
}

describe("CapabilitySet: membership", () => {
  it("treats stable and unstable spellings as the same member", () => {
    const set = CapabilitySet.from([
      "org.matrix.msc2762.send.event:m.room.message#m.text",
      "m.send.event:m.room.message#m.text",
    ]);
    expect(set.size).toBe(1);
    expect(set.has("m.send.event:m.room.message#m.text")).toBe(true);
    expect(set.has("org.matrix.msc2762.send.event:m.room.message#m.text")).toBe(true);
    expect(
      set.has({ kind: "room_event", direction: "send", eventType: "m.room.message", msgtype: "m.text" }),
    ).toBe(true);
  });

  it("has() is exact membership, not implication", () => {
    const set = CapabilitySet.from(["m.send.event:m.room.message"]);
    expect(set.canSendEvent("m.room.message", "m.text")).toBe(true);
    expect(set.has("m.send.event:m.room.message#m.text")).toBe(false);
  });

  it("has() returns false for invalid capability values instead of throwing", () => {
    const set = CapabilitySet.from(["m.sticker"]);
    expect(set.has({ kind: "custom", name: "m.sticker" })).toBe(false);
    expect(set.has({ kind: "room_event", direction: "send", eventType: "" })).toBe(false);
  });

  it("hasFixed accepts every spelling including the screenshot misspellings", () => {
    const set = CapabilitySet.from([
      "m.capbility.screenshot",
      "town.robin.msc3846.turn_servers",
      "m.navigate",
    ]);
    expect(set.hasFixed("screenshot")).toBe(true);
    expect(set.hasFixed("turn_servers")).toBe(true);
    expect(set.hasFixed("navigate")).toBe(true);
    expect(set.hasFixed("sticker")).toBe(false);
    expect(set.has("m.capability.screenshot")).toBe(true);
  });

  it("hasCustom compares unrecognised strings verbatim", () => {
    const set = CapabilitySet.from(["com.example.thing", "__proto__", "m.send.event:"]);
    expect(set.hasCustom("com.example.thing")).toBe(true);
    expect(set.hasCustom("__proto__")).toBe(true);
    expect(set.hasCustom("m.send.event:")).toBe(true);
    expect(set.hasCustom("com.example.Thing")).toBe(false);
    expect(set.hasCustom("constructor")).toBe(false);
    expect(set.hasCustom("m.sticker")).toBe(false);
  });

  it("the empty set grants nothing", () => {
    const set = CapabilitySet.empty;
    expect(set.size).toBe(0);
    expect(set.toArray()).toEqual([]);
    expect(set.canSendEvent("m.room.message", "m.text")).toBe(false);
    expect(set.hasAllTimelines).toBe(false);
    expect(set.allowsEvent("send", { type: "m.room.message", content: { msgtype: "m.text" } })).toBe(false);
  });

  it("rejects invalid capability values at construction with a TypeError", () => {
    expect(() => CapabilitySet.from([{ kind: "room_event", direction: "send", eventType: "" }])).toThrow(
      TypeError,
    );
    expect(() =>
      CapabilitySet.from([{ kind: "room_event", direction: "send", eventType: "m.reaction", msgtype: "x" }]),
    ).toThrow(TypeError);
  });

  it("is immutable: mutating inputs or toArray() output does not change it", () => {
    const input: Capability = { kind: "state_event", direction: "send", eventType: "m.room.topic" };
    const set = CapabilitySet.from([input]);
    (input as { eventType: string }).eventType = "m.room.name";
    const out = set.toArray();
    (out[0] as { eventType: string }).eventType = "m.room.avatar";
    expect(set.canSendState("m.room.topic", "")).toBe(true);
    expect(set.canSendState("m.room.name", "")).toBe(false);
    expect(set.toArray()).toEqual([{ kind: "state_event", direction: "send", eventType: "m.room.topic" }]);
    expect(Object.isFrozen(set)).toBe(true);
  });

  it("toArray returns distinct canonical values in first-seen order", () => {
    const set = CapabilitySet.from([
      "m.sticker",
      "org.matrix.msc2762.timeline:*",
      "m.timeline:*",
      { kind: "fixed", name: "sticker" },
      "com.example",
    ]);
    expect(set.toArray()).toEqual([
      { kind: "fixed", name: "sticker" },
      { kind: "timeline", roomId: "*" },
      { kind: "custom", name: "com.example" },
    ]);
  });

  it("drops unknown extra properties of capability values", () => {
    const withExtra = { kind: "fixed", name: "modals", extra: 1 } as Capability;
    expect(CapabilitySet.from([withExtra]).toArray()).toStrictEqual([{ kind: "fixed", name: "modals" }]);
  });

  it("union combines both sets and leaves the originals unchanged", () => {
    const a = CapabilitySet.from(["m.sticker"]);
    const b = a.union(["m.modals", "m.sticker"]);
    expect(a.size).toBe(1);
    expect(b.size).toBe(2);
    expect(b.hasFixed("modals")).toBe(true);
    expect(b.hasFixed("sticker")).toBe(true);
    expect(a.hasFixed("modals")).toBe(false);
  });
});

describe("CapabilitySet: room events", () => {
  const set = CapabilitySet.from([
    "org.matrix.msc2762.send.event:m.room.message#m.text",
    "m.send.event:m.room.message#",
    "m.send.event:m.reaction",
    "m.receive.event:m.room.message",
    "m.send.event:com.x#y",
    "m.send.event:__proto__",
  ]);

  it.each<[string, string | undefined, boolean]>([
    ["m.room.message", "m.text", true],
    ["m.room.message", "", true],
    ["m.room.message", "m.notice", false],
    ["m.room.message", undefined, false],
    ["m.reaction", undefined, true],
    ["m.reaction", "m.text", true],
    ["com.x#y", undefined, true],
    ["com.x", undefined, false],
    ["__proto__", undefined, true],
    ["constructor", undefined, false],
    ["toString", undefined, false],
  ])("canSendEvent(%j, %j) is %s", (type, msgtype, expected) => {
    expect(set.canSendEvent(type, msgtype)).toBe(expected);
  });

  it("a room-message grant without msgtype allows every msgtype", () => {
    expect(set.canReceiveEvent("m.room.message", "m.notice")).toBe(true);
    expect(set.canReceiveEvent("m.room.message")).toBe(true);
    expect(set.canReceiveEvent("m.reaction")).toBe(false);
  });

  it("send and receive grants are independent", () => {
    expect(set.canReceiveEvent("m.reaction")).toBe(false);
    expect(CapabilitySet.from(["m.receive.event:m.reaction"]).canSendEvent("m.reaction")).toBe(false);
  });

  it("room grants do not allow state events of the same type and vice versa", () => {
    const s = CapabilitySet.from(["m.send.event:com.a", "m.send.state_event:com.b"]);
    expect(s.canSendState("com.a", "")).toBe(false);
    expect(s.canSendEvent("com.b")).toBe(false);
  });
});

describe("CapabilitySet: state events", () => {
  const set = CapabilitySet.from([
    "m.send.state_event:m.room.topic",
    "m.send.state_event:m.room.name#",
    "org.matrix.msc2762.send.state_event:m.room.member#@alice:example.org",
    "m.send.state_event:org.example.\\#t#k",
    "m.receive.state_event:m.room.member",
    "m.send.state_event:constructor#__proto__",
  ]);

  it.each<[string, string, boolean]>([
    ["m.room.topic", "", true],
    ["m.room.topic", "anything", true],
    ["m.room.name", "", true],
    ["m.room.name", "x", false],
    ["m.room.member", "@alice:example.org", true],
    ["m.room.member", "@bob:example.org", false],
    ["m.room.member", "", false],
    ["org.example.#t", "k", true],
    ["org.example.\\#t", "k", false],
    ["org.example.", "t#k", false],
    ["constructor", "__proto__", true],
    ["constructor", "", false],
    ["__proto__", "", false],
  ])("canSendState(%j, %j) is %s", (type, key, expected) => {
    expect(set.canSendState(type, key)).toBe(expected);
  });

  it("receive grants cover any key and do not imply send", () => {
    expect(set.canReceiveState("m.room.member", "@bob:example.org")).toBe(true);
    expect(set.canReceiveState("m.room.topic", "")).toBe(false);
  });
});

describe("CapabilitySet: to-device, account data, timelines", () => {
  const set = CapabilitySet.from([
    "org.matrix.msc3819.send.to_device:m.call.invite",
    "m.receive.to_device:m.room_key",
    "m.read.account_data:m.direct",
    "com.beeper.capabilities.receive.room_account_data:m.fully_read",
    "m.timeline:!a:example.org",
  ]);

  it("to-device grants are exact and per direction", () => {
    expect(set.canSendToDevice("m.call.invite")).toBe(true);
    expect(set.canReceiveToDevice("m.call.invite")).toBe(false);
    expect(set.canReceiveToDevice("m.room_key")).toBe(true);
    expect(set.canSendToDevice("m.call.*")).toBe(false);
  });

  it("account data grants are exact with no wildcards", () => {
    expect(set.canReadAccountData("m.direct")).toBe(true);
    expect(set.canReadAccountData("m.*")).toBe(false);
    expect(set.canReadAccountData("m.fully_read")).toBe(false);
    expect(set.canReadRoomAccountData("m.fully_read")).toBe(true);
    expect(set.canReadRoomAccountData("m.direct")).toBe(false);
    expect(CapabilitySet.from(["m.read.account_data:*"]).canReadAccountData("m.direct")).toBe(false);
  });

  it("a specific timeline grant covers only that room", () => {
    expect(set.hasTimeline("!a:example.org")).toBe(true);
    expect(set.hasTimeline("!b:example.org")).toBe(false);
    expect(set.hasTimeline("*")).toBe(false);
    expect(set.hasAllTimelines).toBe(false);
  });

  it("timeline:* covers every room", () => {
    const all = CapabilitySet.from(["org.matrix.msc2762.timeline:*"]);
    expect(all.hasAllTimelines).toBe(true);
    expect(all.hasTimeline("!anything:example.org")).toBe(true);
    expect(all.hasTimeline("*")).toBe(true);
  });
});

describe("CapabilitySet.allowsEvent", () => {
  const set = CapabilitySet.from([
    "m.send.event:m.room.message#m.text",
    "m.send.state_event:m.room.topic#",
    "m.send.event:m.reaction",
    "m.receive.event:m.room.message",
  ]);

  it.each<[string, EventLike, boolean]>([
    ["a text message", { type: "m.room.message", content: { msgtype: "m.text", body: "hi" } }, true],
    ["a notice", { type: "m.room.message", content: { msgtype: "m.notice" } }, false],
    ["a message without msgtype", { type: "m.room.message", content: {} }, false],
    ["a message with a numeric msgtype", { type: "m.room.message", content: { msgtype: 1 } }, false],
    ["a message with array content", { type: "m.room.message", content: ["m.text"] }, false],
    ["a message with null content", { type: "m.room.message", content: null }, false],
    ["a message without content", { type: "m.room.message" }, false],
    ["topic state with the empty key", { type: "m.room.topic", state_key: "", content: {} }, true],
    ["topic state with another key", { type: "m.room.topic", state_key: "x", content: {} }, false],
    ["topic as a room event (no state_key)", { type: "m.room.topic", content: {} }, false],
    ["a reaction", { type: "m.reaction", content: {} }, true],
    ["a reaction with a null state_key (room event)", { type: "m.reaction", state_key: null }, true],
    ["a reaction with a string state_key (state)", { type: "m.reaction", state_key: "" }, false],
    ["a non-string type", { type: 42 }, false],
    ["a missing type", { type: undefined }, false],
  ])("send: %s → %s", (_what, event, expected) => {
    expect(set.allowsEvent("send", event)).toBe(expected);
  });

  it("denies a non-string msgtype even when its string form is a granted msgtype", () => {
    const s = CapabilitySet.from(["m.send.event:m.room.message#1", "m.send.event:m.room.message#null"]);
    expect(s.allowsEvent("send", { type: "m.room.message", content: { msgtype: "1" } })).toBe(true);
    expect(s.allowsEvent("send", { type: "m.room.message", content: { msgtype: 1 } })).toBe(false);
    expect(s.allowsEvent("send", { type: "m.room.message", content: { msgtype: null } })).toBe(false);
  });

  it("checks the receive direction separately", () => {
    expect(set.allowsEvent("receive", { type: "m.room.message", content: { msgtype: "m.notice" } })).toBe(
      true,
    );
    expect(set.allowsEvent("receive", { type: "m.reaction", content: {} })).toBe(false);
  });

  it("ignores inherited state_key, type and msgtype", () => {
    const inheritedKey = Object.assign(Object.create({ state_key: "" }) as object, { type: "m.room.topic" });
    expect(set.allowsEvent("send", inheritedKey as EventLike)).toBe(false);
    const inheritedType = Object.create({ type: "m.reaction" }) as EventLike;
    expect(set.allowsEvent("send", inheritedType)).toBe(false);
    const content = Object.create({ msgtype: "m.text" }) as object;
    expect(set.allowsEvent("send", { type: "m.room.message", content })).toBe(false);
    // A polluted Object.prototype must not turn a room event into state, nor supply a msgtype.
    Object.defineProperty(Object.prototype, "state_key", { value: "", configurable: true });
    Object.defineProperty(Object.prototype, "msgtype", { value: "m.text", configurable: true });
    try {
      expect(set.allowsEvent("send", { type: "m.reaction" })).toBe(true);
      expect(set.allowsEvent("send", { type: "m.room.topic" })).toBe(false);
      expect(set.allowsEvent("send", { type: "m.room.message", content: {} })).toBe(false);
    } finally {
      delete (Object.prototype as Record<string, unknown>)["state_key"];
      delete (Object.prototype as Record<string, unknown>)["msgtype"];
    }
  });

  it("never throws on hostile input and denies it", () => {
    const throwingProxy = new Proxy(
      {},
      {
        getOwnPropertyDescriptor() {
          throw new Error("boom");
        },
        get() {
          throw new Error("boom");
        },
      },
    );
    const getter = {
      get type(): string {
        throw new Error("boom");
      },
    };
    const hostile: unknown[] = [
      null,
      undefined,
      42,
      "m.reaction",
      throwingProxy,
      getter,
      { type: "m.room.message", content: throwingProxy },
      { type: "m.room.message", content: getter },
      Object.create(null),
    ];
    for (const h of hostile) {
      expect(() => set.allowsEvent("send", h as EventLike)).not.toThrow();
      expect(set.allowsEvent("send", h as EventLike)).toBe(false);
    }
    expect(set.allowsEvent("both" as CapabilityDirection, { type: "m.reaction" })).toBe(false);
  });

  it("does not run getters on the event", () => {
    let ran = false;
    const event = {
      get type(): string {
        ran = true;
        return "m.reaction";
      },
    };
    expect(set.allowsEvent("send", event)).toBe(false);
    expect(ran).toBe(false);
  });
});

describe("CapabilitySet agrees with a loop over the grants", () => {
  const TYPES = ["m.room.message", "m.room.topic", "m.reaction", "com.x#y", "__proto__", "constructor", "*"];
  const KEYS = ["", "a", "#", "__proto__", "m.text", "1", "null", "undefined", "[object Object]"];
  const pooled = fc.oneof(fc.constantFrom(...TYPES), trickyString);
  const pooledKey = fc.oneof(fc.constantFrom(...KEYS), trickyString);
  const grant: fc.Arbitrary<Capability> = fc.oneof(
    fc
      .record({
        d: fc.constantFrom("send" as const, "receive" as const),
        t: pooled,
        m: fc.option(pooledKey, { nil: undefined }),
      })
      .filter(({ t }) => t !== "")
      .map(({ d, t, m }): Capability =>
        t === "m.room.message" && m !== undefined
          ? { kind: "room_event", direction: d, eventType: t, msgtype: m }
          : { kind: "room_event", direction: d, eventType: t },
      ),
    fc
      .record({
        d: fc.constantFrom("send" as const, "receive" as const),
        t: pooled,
        k: fc.option(pooledKey, { nil: undefined }),
      })
      .filter(({ t }) => t !== "")
      .map(({ d, t, k }): Capability =>
        k === undefined
          ? { kind: "state_event", direction: d, eventType: t }
          : { kind: "state_event", direction: d, eventType: t, stateKey: k },
      ),
    anyCapability,
  );
  const content = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.constant("text"),
    fc.record({
      msgtype: fc.oneof(pooledKey, fc.integer({ min: 0, max: 2 }), fc.constant(null), fc.constant({})),
    }),
    fc.constant({}),
  );
  const event: fc.Arbitrary<EventLike> = fc
    .record(
      {
        type: fc.oneof(pooled, fc.integer(), fc.constant(null)),
        state_key: fc.oneof(pooledKey, fc.constant(null), fc.integer()),
        content,
      },
      { requiredKeys: ["type"] },
    )
    .map((e) => e as EventLike);
  const grantInput = fc
    .tuple(grant, fc.constantFrom("object", "stable", "unstable"))
    .map(([g, how]) => (how === "object" ? g : formatCapability(g, how as "stable" | "unstable")));

  it("allowsEvent matches the naive reference for random grants and events", () => {
    fc.assert(
      fc.property(
        fc.array(grantInput, { maxLength: 20 }),
        fc.constantFrom("send" as const, "receive" as const),
        event,
        (inputs, dir, ev) => {
          const grants = inputs.map((i) => (typeof i === "string" ? parseCapability(i) : i));
          expect(CapabilitySet.from(inputs).allowsEvent(dir, ev)).toBe(naiveAllows(grants, dir, ev));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("the per-kind checks match the naive reference for random grants", () => {
    fc.assert(
      fc.property(fc.array(grantInput, { maxLength: 20 }), pooled, pooledKey, (inputs, type, key) => {
        const grants = inputs.map((i) => (typeof i === "string" ? parseCapability(i) : i));
        const set = CapabilitySet.from(inputs);
        for (const dir of ["send", "receive"] as const) {
          const ev = dir === "send" ? set.canSendState(type, key) : set.canReceiveState(type, key);
          expect(ev).toBe(naiveAllows(grants, dir, { type, state_key: key }));
          const td = dir === "send" ? set.canSendToDevice(type) : set.canReceiveToDevice(type);
          expect(td).toBe(
            naiveHas(grants, (g) => g.kind === "to_device" && g.direction === dir && g.eventType === type),
          );
        }
        expect(set.canReadAccountData(type)).toBe(
          naiveHas(grants, (g) => g.kind === "account_data" && g.eventType === type),
        );
        expect(set.canReadRoomAccountData(type)).toBe(
          naiveHas(grants, (g) => g.kind === "room_account_data" && g.eventType === type),
        );
        expect(set.hasTimeline(type)).toBe(
          naiveHas(grants, (g) => g.kind === "timeline" && (g.roomId === "*" || g.roomId === type)),
        );
        expect(set.hasCustom(type)).toBe(naiveHas(grants, (g) => g.kind === "custom" && g.name === type));
      }),
      { numRuns: 2000 },
    );
  });

  it("a set of 500 grants answers every check exactly as a loop over the grants does", () => {
    const grants: Capability[] = [];
    for (let i = 0; i < 500; i++) {
      const t = `org.example.type${i % 97}${i % 3 === 0 ? "#x" : ""}`;
      const dir = i % 2 === 0 ? "send" : "receive";
      switch (i % 6) {
        case 0:
          grants.push({ kind: "room_event", direction: dir, eventType: t });
          break;
        case 1:
          grants.push({
            kind: "room_event",
            direction: dir,
            eventType: "m.room.message",
            msgtype: `m.custom${i}`,
          });
          break;
        case 2:
          grants.push({ kind: "state_event", direction: dir, eventType: t, stateKey: `@u${i}:example.org` });
          break;
        case 3:
          grants.push({ kind: "state_event", direction: dir, eventType: t });
          break;
        case 4:
          grants.push({ kind: "to_device", direction: dir, eventType: t });
          break;
        default:
          grants.push({ kind: "timeline", roomId: `!room${i}:example.org` });
      }
    }
    const set = CapabilitySet.from(grants.map((g, i) => (i % 2 === 0 ? formatCapability(g) : g)));
    expect(set.size).toBe(new Set(grants.map((g) => formatCapability(g, "stable"))).size);

    const events: EventLike[] = [];
    for (let i = 0; i < 520; i += 1) {
      const t = `org.example.type${i % 101}${i % 3 === 0 ? "#x" : ""}`;
      events.push({ type: t, content: {} });
      events.push({ type: t, state_key: `@u${i}:example.org` });
      events.push({ type: t, state_key: "" });
      events.push({ type: "m.room.message", content: { msgtype: `m.custom${i}` } });
    }
    events.push({ type: "m.room.message", content: {} });
    let allowed = 0;
    for (const ev of events) {
      for (const dir of ["send", "receive"] as const) {
        const expected = naiveAllows(grants, dir, ev);
        expect(set.allowsEvent(dir, ev)).toBe(expected);
        if (expected) allowed++;
      }
    }
    for (let i = 0; i < 520; i++) {
      const room = `!room${i}:example.org`;
      expect(set.hasTimeline(room)).toBe(naiveHas(grants, (g) => g.kind === "timeline" && g.roomId === room));
      const t = `org.example.type${i % 101}`;
      expect(set.canSendToDevice(t)).toBe(
        naiveHas(grants, (g) => g.kind === "to_device" && g.direction === "send" && g.eventType === t),
      );
    }
    // The sample must exercise both outcomes to mean anything.
    expect(allowed).toBeGreaterThan(100);
    expect(allowed).toBeLessThan(events.length * 2 - 100);
  });
});

describe("CapabilitySet.live", () => {
  /** Every question a set answers, asked of `set` for `probe`. */
  function answers(set: CapabilitySet, probe: { type: string; key: string; room: string }): unknown[] {
    return [
      set.size,
      set.hasAllTimelines,
      set.has(`m.send.event:${probe.type}`),
      set.hasFixed("navigate"),
      set.hasCustom(probe.type),
      set.canSendEvent(probe.type),
      set.canReceiveEvent("m.room.message", probe.key),
      set.canSendState(probe.type, probe.key),
      set.canReceiveState(probe.type, probe.key),
      set.canSendToDevice(probe.type),
      set.canReceiveToDevice(probe.type),
      set.canReadAccountData(probe.type),
      set.canReadRoomAccountData(probe.type),
      set.hasTimeline(probe.room),
      set.allowsEvent("receive", { type: probe.type, content: { msgtype: probe.key } }),
      set.allowsEvent("send", { type: probe.type, state_key: probe.key }),
      set.toArray(),
      set.union([`m.send.event:${probe.type}`]).toArray(),
    ];
  }

  it("answers every question as the set it reads at that moment", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(anyCapability, { maxLength: 6 }), { minLength: 1, maxLength: 4 }),
        fc.record({ type: trickyString, key: trickyString, room: trickyString }),
        (grantLists, probe) => {
          const sets = grantLists.map((grants) => CapabilitySet.from(grants));
          let current = sets[0]!;
          const live = CapabilitySet.live(() => current);
          for (const set of sets) {
            current = set;
            expect(answers(live, probe)).toEqual(answers(set, probe));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("follows a live view it reads, and stays frozen itself", () => {
    let current = CapabilitySet.from(["m.navigate"]);
    const inner = CapabilitySet.live(() => current);
    const outer = CapabilitySet.live(() => inner);
    expect(outer.hasFixed("navigate")).toBe(true);
    current = CapabilitySet.from(["m.timeline:*"]);
    expect(outer.hasFixed("navigate")).toBe(false);
    expect(outer.hasAllTimelines).toBe(true);
    expect(Object.isFrozen(outer)).toBe(true);
  });
});
