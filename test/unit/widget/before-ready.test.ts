// An action called before the session is established (in `beforeStart`, or on a client whose
// create() has not resolved) is refused with `out_of_sequence`, as the host refuses it while it
// decides. Before this, the client refused it locally with `unsupported` ("the host does not
// support navigate"), because the host's versions were not known yet: a widget that took the code
// at its word turned off a feature the host has.
import { describe, expect, it } from "vitest";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { silentLogger } from "../../../src/core/logger.js";
import { ErrorCode, WidgetApiError } from "../../../src/protocol/errors.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import {
  navigate,
  readAccountData,
  readRoomEvents,
  searchUserDirectory,
  sendEvent,
  shareUsers,
  type WidgetSession,
} from "../../../src/widget/index.js";
import { CLIENT_KINDS, WIDGET_ID, createWidgetClient } from "../../support/memory-session.js";
import { RecordingDriver } from "../../support/recording-driver.js";

const CALLS: ReadonlyArray<readonly [string, (client: WidgetSession) => Promise<unknown>]> = [
  ["navigate", (c) => navigate(c, "https://matrix.to/#/#lobby:example.org")],
  ["searchUserDirectory", (c) => searchUserDirectory(c, "al")],
  ["shareUsers", (c) => shareUsers(c, ["@alice:example.org"])],
  ["readAccountData", (c) => readAccountData(c, "m.image_pack")],
  ["sendEvent", (c) => sendEvent(c, "m.room.message", { msgtype: "m.text", body: "hi" })],
  ["readRoomEvents", (c) => readRoomEvents(c, "m.room.message")],
];

describe.each(CLIENT_KINDS)("%s", (kind) => {
  it("an action called in beforeStart is refused with out_of_sequence, not unsupported; once ready it works", async () => {
    const pair = createMemoryTransportPair();
    const host = new WidgetHost({
      widgetId: WIDGET_ID,
      transport: pair.host,
      logger: silentLogger,
      driver: new RecordingDriver(),
      policy: { approveCapabilities: ({ requested }) => requested },
    });
    const early: Array<Promise<unknown>> = [];
    const created = createWidgetClient(kind, {
      widgetId: WIDGET_ID,
      transport: pair.widget,
      capabilities: ["org.matrix.msc2931.navigate"],
      logger: silentLogger,
      beforeStart: (client) => {
        for (const [, call] of CALLS)
          early.push(
            call(client).then(
              () => undefined,
              (error: unknown) => error,
            ),
          );
      },
    });
    host.start();
    const client = await created;
    const errors = await Promise.all(early);
    CALLS.forEach(([name], index) => {
      const error = errors[index];
      expect(error, name).toBeInstanceOf(WidgetApiError);
      expect((error as WidgetApiError).code, name).toBe(ErrorCode.OutOfSequence);
    });
    // The same host does support navigate: once the session is established the call goes through.
    await expect(navigate(client, "https://matrix.to/#/#lobby:example.org")).resolves.toBeUndefined();
    client.destroy();
    host.destroy();
  });
});
