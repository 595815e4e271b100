// docs/testing.md shows this file; test/unit/testing/docs.test.ts keeps the two identical.
import { expect, test } from "vitest";
import { mountWidget } from "../../../src/testing/index.js";
import {
  eventCapability,
  navigate,
  onRoomEvent,
  readAccountData,
  type WireRoomEvent,
} from "../../../src/widget/index.js";

test("the widget receives a message another user sends in the viewed room", async () => {
  const received: WireRoomEvent[] = [];
  const kit = await mountWidget({
    capabilities: [eventCapability("receive", "m.room.message")],
    // Listeners go in beforeStart, so that no push sent right after the grant is missed.
    client: { beforeStart: (client) => onRoomEvent(client, (event) => received.push(event)) },
  });
  try {
    await kit.sendRoomEvent({ type: "m.room.message", content: { msgtype: "m.text", body: "hi" } });
    expect(received.map((event) => event.content)).toEqual([{ msgtype: "m.text", body: "hi" }]);
  } finally {
    kit.destroy();
  }
});

test("a navigation the user refuses rejects and changes nothing", async () => {
  const kit = await mountWidget({ capabilities: ["org.matrix.msc2931.navigate"] });
  try {
    kit.user.answerNavigations(false);
    await expect(navigate(kit.client, "https://matrix.to/#/@alice:example.org")).rejects.toMatchObject({
      code: "refused",
    });
    expect(kit.user.prompts.map((prompt) => prompt.kind)).toEqual(["capabilities", "navigation"]);
    expect(kit.driverCalls("navigate")).toEqual([]);
  } finally {
    kit.destroy();
  }
});

test("a denied capability is not granted, and the widget's refused read reaches no driver", async () => {
  const kit = await mountWidget({
    capabilities: ["org.matrix.msc3751.read.account_data:org.example.settings"],
    approve: "none",
  });
  try {
    expect(kit.client.capabilities).toEqual([]);
    await expect(readAccountData(kit.client, "org.example.settings")).rejects.toMatchObject({
      code: "missing_capability",
    });
    expect(kit.takeDriverCalls()).toEqual([]);
  } finally {
    kit.destroy();
  }
});
