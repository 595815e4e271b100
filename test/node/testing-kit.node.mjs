// The test kit under node:test, as a widget author would write it: plain JavaScript, no vitest, no
// browser. docs/testing.md shows this file; test/unit/testing/node-test.test.ts bundles it (the
// package imports pointed at src/) and runs it with `node --test`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { mountWidget } from "matrix-widget-kit/testing";
import { eventCapability, navigate, onRoomEvent } from "matrix-widget-kit/widget";

test("the widget receives a message another user sends in the viewed room", async () => {
  const received = [];
  const kit = await mountWidget({
    capabilities: [eventCapability("receive", "m.room.message")],
    client: { beforeStart: (client) => onRoomEvent(client, (event) => received.push(event)) },
  });
  try {
    await kit.sendRoomEvent({ type: "m.room.message", content: { msgtype: "m.text", body: "hi" } });
    assert.deepEqual(
      received.map((event) => event.content),
      [{ msgtype: "m.text", body: "hi" }],
    );
  } finally {
    kit.destroy();
  }
});

test("a navigation the user refuses rejects with refused and never reaches the driver", async () => {
  const kit = await mountWidget({ capabilities: ["org.matrix.msc2931.navigate"] });
  try {
    kit.user.answerNavigations(false);
    await assert.rejects(navigate(kit.client, "https://matrix.to/#/@alice:example.org"), { code: "refused" });
    assert.deepEqual(kit.driverCalls("navigate"), []);
  } finally {
    kit.destroy();
  }
});
