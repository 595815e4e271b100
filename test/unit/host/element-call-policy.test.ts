import { describe, expect, it } from "vitest";
import { parseCapability } from "../../../src/capabilities/index.js";
import { elementCallCapabilities, trustedElementCallPolicy } from "../../../src/host/element-call-policy.js";
import type { OpenIdConsentRequest, WidgetIdentity } from "../../../src/host/policy.js";

const ROOM = "!call:example.org";
const USER = "@alice:example.org";
const DEVICE = "ALICEDEVICE";
const identity = { roomId: ROOM, userId: USER, deviceId: DEVICE };
const MEMBER = "org.matrix.msc2762.send.state_event:org.matrix.msc3401.call.member";
const WIDGET: WidgetIdentity = { widgetId: "call", origin: "https://call.example.org", roomId: ROOM };

/** The policy's answer to `requested`, as an array. */
async function grant(requested: string[], policy = trustedElementCallPolicy(identity)): Promise<string[]> {
  return [
    ...(await policy.approveCapabilities({ widget: WIDGET, requested, granted: [], renegotiation: false })),
  ];
}

describe("the trusted Element Call preset", () => {
  it("is made of capabilities the grammar reads, with no custom strings and no repeats", () => {
    const preset = elementCallCapabilities(identity);
    expect(preset.filter((c) => parseCapability(c).kind === "custom")).toEqual([]);
    expect(new Set(preset).size).toBe(preset.length);
  });

  it("grants the call's own room timeline and membership keys, in either spelling", async () => {
    const asked = [
      `org.matrix.msc2762.timeline:${ROOM}`,
      `${MEMBER}#${USER}`,
      `${MEMBER}#_${USER}_${DEVICE}_m.call`,
      `m.send.state_event:org.matrix.msc3401.call.member#${USER}_${DEVICE}_m.call`,
      "m.always_on_screen",
      "org.matrix.msc4515.rtc_transports",
      "org.matrix.msc3819.send.to_device:io.element.call.encryption_keys",
      "m.receive.event:m.reaction",
    ];
    expect(await grant(asked)).toEqual(asked);
  });

  it("refuses another room's timeline, another user's or device's membership, and anything outside the preset", async () => {
    const refused = [
      "org.matrix.msc2762.timeline:!other:example.org",
      "org.matrix.msc2762.timeline:*",
      `${MEMBER}#@mallory:example.org`,
      `${MEMBER}#_${USER}_OTHERDEVICE_m.call`,
      "org.matrix.msc2762.send.state_event:org.matrix.msc3401.call.member",
      "org.matrix.msc2762.send.event:m.room.message#m.text",
      "org.matrix.msc2762.send.state_event:m.room.power_levels",
      "org.matrix.msc3751.read.account_data:m.direct",
      "org.matrix.msc2931.navigate",
      "",
    ];
    expect(await grant([...refused, "m.always_on_screen"])).toEqual(["m.always_on_screen"]);
  });

  it("without a device grants only the per-user membership key", async () => {
    const policy = trustedElementCallPolicy({ roomId: ROOM, userId: USER });
    const perDevice = `${MEMBER}#_${USER}_${DEVICE}_m.call`;
    expect(await grant([`${MEMBER}#${USER}`, perDevice], policy)).toEqual([`${MEMBER}#${USER}`]);
  });

  it("approves OpenID, unless the app's own hook says otherwise", async () => {
    const request: OpenIdConsentRequest = { widget: WIDGET, signal: new AbortController().signal };
    expect(await trustedElementCallPolicy(identity).approveOpenId?.(request)).toBe(true);
    const cautious = trustedElementCallPolicy(identity, { approveOpenId: () => false });
    expect(await cautious.approveOpenId?.(request)).toBe(false);
  });
});
