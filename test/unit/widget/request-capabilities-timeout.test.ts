// `requestCapabilities(capabilities, { timeoutMs })` bounds the whole call by `timeoutMs`, the
// host's acknowledgement included: against a host that stopped answering, it rejects with
// `timeout` once `timeoutMs` has passed, not only after the client's default request timeout.
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import type { Transport } from "../../../src/transport/transport.js";
import { CLIENT_KINDS, WIDGET_ID, createWidgetClient } from "../../support/memory-session.js";

describe.each(CLIENT_KINDS)("%s", (kind) => {
  it("requestCapabilities with a timeoutMs shorter than the default request timeout rejects with timeout after timeoutMs when the host is silent", async () => {
    const pair = createMemoryTransportPair();
    const host = new WidgetHost({
      widgetId: WIDGET_ID,
      transport: pair.host,
      logger: silentLogger,
      policy: { approveCapabilities: ({ requested }) => requested },
    });
    // The widget's channel, which stops carrying anything once `silent` is set: a host that hangs.
    let silent = false;
    const transport: Transport = {
      send: (message) => {
        if (!silent) pair.widget.send(message);
      },
      subscribe: (listener) => pair.widget.subscribe(listener),
      close: () => pair.widget.close(),
    };
    const created = createWidgetClient(kind, {
      widgetId: WIDGET_ID,
      transport,
      capabilities: [],
      logger: silentLogger,
      timeoutMs: 10_000,
    });
    host.start();
    const client = await created;
    silent = true;
    const started = Date.now();
    await expect(
      client.requestCapabilities(["org.matrix.msc2931.navigate"], { timeoutMs: 300 }),
    ).rejects.toMatchObject({ code: ErrorCode.Timeout });
    expect(Date.now() - started).toBeLessThan(2_000);
    client.destroy();
    host.destroy();
  });
});
