// `requestCapabilities(capabilities, { timeoutMs })` bounds the whole call by `timeoutMs`, the
// host's acknowledgement included: against a host that stopped answering, it rejects with
// `timeout` once `timeoutMs` has passed, not only after the client's default request timeout.
// `0` and `Infinity` wait without a limit, for this call and for create()'s `readyTimeoutMs`, as
// they do for requests (setTimeout read both as "at once").
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

  it.each([0, Infinity])(
    "a limit of %s waits without a limit: create() and requestCapabilities resolve once a slow user decides",
    async (limit) => {
      const pair = createMemoryTransportPair();
      let decide: () => void = () => {};
      const host = new WidgetHost({
        widgetId: WIDGET_ID,
        transport: pair.host,
        logger: silentLogger,
        // The user takes a while: every decision waits until the test lets it go.
        policy: {
          approveCapabilities: ({ requested }) =>
            new Promise<readonly string[]>((resolve) => (decide = () => resolve(requested))),
        },
      });
      const created = createWidgetClient(kind, {
        widgetId: WIDGET_ID,
        transport: pair.widget,
        capabilities: ["org.matrix.msc2931.navigate"],
        logger: silentLogger,
        readyTimeoutMs: limit,
      });
      host.start();
      let settled = false;
      void created.then(
        () => (settled = true),
        () => (settled = true),
      );
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(settled).toBe(false);
      decide();
      const client = await created;
      expect(client.capabilities).toEqual(["org.matrix.msc2931.navigate"]);
      const asked = client.requestCapabilities(["org.matrix.msc3973.user_directory_search"], {
        timeoutMs: limit,
      });
      let answered = false;
      void asked.then(
        () => (answered = true),
        () => (answered = true),
      );
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(answered).toBe(false);
      decide();
      await expect(asked).resolves.toContain("org.matrix.msc3973.user_directory_search");
      client.destroy();
      host.destroy();
    },
  );
});
