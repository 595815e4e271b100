// Issue 12 item 7: configuration mistakes throw WidgetKitConfigError with a code, not a plain Error.
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { ConfigErrorCode, WidgetKitConfigError } from "../../../src/core/config-error.js";
import { silentLogger } from "../../../src/core/logger.js";
import { MatrixWorld } from "../../../src/drivers/memory/world.js";
import { MemoryDriver } from "../../../src/drivers/memory/driver.js";
import { defineHostAction } from "../../../src/host/registry.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { defineAction } from "../../../src/protocol/action.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import { exactOrigin } from "../../../src/transport/origin.js";
import { WidgetPostMessageTransport } from "../../../src/transport/post-message-widget.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";

/** Runs `task` and returns what it threw (or rejected with). */
async function thrownBy(task: () => unknown): Promise<unknown> {
  try {
    await task();
  } catch (error) {
    return error;
  }
  throw new Error("nothing was thrown");
}

function expectConfigError(error: unknown, code: string, message: RegExp): void {
  expect(error).toBeInstanceOf(WidgetKitConfigError);
  expect(error).toBeInstanceOf(Error);
  expect(error).toMatchObject({ name: "WidgetKitConfigError", code });
  expect((error as Error).message).toMatch(message);
}

const ping = (direction: "toWidget" | "fromWidget", stable = "com.example.ping") =>
  defineAction({
    id: stable,
    stable,
    unstable: [],
    direction,
    request: v.object({}),
    response: v.object({}),
  });

describe("WidgetKitConfigError", () => {
  it("WidgetClient.create without a widget ID rejects with missing_widget_id", async () => {
    const pair = createMemoryTransportPair();
    const error = await thrownBy(() =>
      WidgetClient.create({ transport: pair.widget, url: "https://widget.example/", logger: silentLogger }),
    );
    expectConfigError(error, ConfigErrorCode.MissingWidgetId, /^No widget ID/);
  });

  it("WidgetClient.create without a host origin or transport rejects with missing_parent_origin", async () => {
    const error = await thrownBy(() =>
      WidgetClient.create({ widgetId: "w", url: "https://widget.example/", logger: silentLogger }),
    );
    expectConfigError(error, ConfigErrorCode.MissingParentOrigin, /^No host origin/);
  });

  it("an invalid or opaque origin throws invalid_origin", async () => {
    expectConfigError(
      await thrownBy(() => exactOrigin("not a url")),
      ConfigErrorCode.InvalidOrigin,
      /Not a valid/,
    );
    expectConfigError(
      await thrownBy(() => exactOrigin("data:text/html,hi")),
      ConfigErrorCode.InvalidOrigin,
      /opaque origin/,
    );
  });

  it("a widget transport on a page that is not in a frame throws not_embedded", async () => {
    const page = { addEventListener: () => {}, removeEventListener: () => {} } as unknown as Window;
    const error = await thrownBy(
      () =>
        new WidgetPostMessageTransport({ parentOrigin: "https://host.example", self: page, parent: page }),
    );
    expectConfigError(error, ConfigErrorCode.NotEmbedded, /not embedded/);
  });

  it("a host action for the toWidget direction throws invalid_action, one registered twice duplicate_action", async () => {
    const handler = defineHostAction({ action: ping("fromWidget"), handle: () => ({}) });
    const wrong = defineHostAction({ action: ping("toWidget"), handle: () => ({}) });
    const host = (actions: Array<typeof handler>) => () =>
      new WidgetHost({
        widgetId: "w",
        transport: createMemoryTransportPair().host,
        logger: silentLogger,
        actions,
      });
    expectConfigError(
      await thrownBy(host([wrong])),
      ConfigErrorCode.InvalidAction,
      /serve fromWidget actions/,
    );
    expectConfigError(
      await thrownBy(host([handler, handler])),
      ConfigErrorCode.DuplicateAction,
      /registered twice/,
    );
  });

  it("a negative MemoryDriver latency throws invalid_option", async () => {
    const driver = new MemoryDriver(new MatrixWorld({ ownUserId: "@me:example.org" }));
    expectConfigError(
      await thrownBy(() => (driver.latencyMs = -1)),
      ConfigErrorCode.InvalidOption,
      /latencyMs/,
    );
  });
});
