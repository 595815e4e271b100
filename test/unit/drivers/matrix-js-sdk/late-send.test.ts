// A widget's send that waited its turn past the host's driver timeout (behind a slow send, or
// another widget's burst) was answered `timeout` and then sent all the same: a widget that retried
// posted it twice. The host now aborts the send's signal when it gives up, and the driver does not
// send what has not gone out yet. Found by the red-team audit of 2026-12-08.
import { createClient } from "matrix-js-sdk";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../../src/core/logger.js";
import { MatrixClientDriver } from "../../../../src/drivers/matrix-js-sdk/index.js";
import { WidgetHost } from "../../../../src/host/widget-host.js";
import { createMemoryTransportPair } from "../../../../src/transport/memory.js";
import { WidgetClient } from "../../../../src/widget/widget-client.js";
import { sendEvent } from "../../../../src/widget/features/events.js";

const ROOM_ID = "!room:example.org";
const SEND = `org.matrix.msc2762.send.event:m.room.message`;

describe("a widget's send that waited past the host's driver timeout", () => {
  it("is not sent after the widget was answered timeout, and the send before it still goes out", async () => {
    const started: string[] = [];
    const fetchFn = async (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const body = JSON.parse(String(init?.body ?? "{}")) as { body?: string };
      started.push(body.body ?? "request");
      // The homeserver is slow with the first message (or another widget filled the line).
      if (body.body === "one") await new Promise((resolve) => setTimeout(resolve, 400));
      return Response.json({ event_id: `$${body.body}` });
    };
    const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, getChild: () => quiet };
    const client = createClient({
      baseUrl: "http://hs.example",
      userId: "@me:example.org",
      accessToken: "secret-token",
      deviceId: "DEVICE",
      fetchFn,
      logger: quiet,
    });
    const driver = new MatrixClientDriver(client, { logger: silentLogger });
    const pair = createMemoryTransportPair();
    const host = new WidgetHost({
      widgetId: "w",
      transport: pair.host,
      driver,
      logger: silentLogger,
      viewedRoomId: ROOM_ID,
      limits: { driverTimeoutMs: 100 },
      policy: { approveCapabilities: ({ requested }) => requested },
    });
    host.start();
    const widget = await WidgetClient.create({
      widgetId: "w",
      transport: pair.widget,
      logger: silentLogger,
      capabilities: [SEND],
    });
    const one = sendEvent(widget, "m.room.message", { msgtype: "m.text", body: "one" }).catch((e) => e);
    const two = sendEvent(widget, "m.room.message", { msgtype: "m.text", body: "two" }).catch((e) => e);
    const outcomeOfTwo = await two;
    expect((outcomeOfTwo as { code?: string }).code).toBe("timeout");
    await one;
    await new Promise((resolve) => setTimeout(resolve, 600));
    // The widget was told "two" failed; a retry would post it twice.
    expect(started).toEqual(["one"]);
    host.destroy();
    widget.destroy();
    client.stopClient();
  });
});
