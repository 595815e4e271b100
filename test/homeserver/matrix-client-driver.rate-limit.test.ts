// A widget's sends on a rate-limited Synapse, through a started matrix-js-sdk client: what the
// widget is told when the homeserver answers 429, and what really ends up in the room.

import type { MatrixClient } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { csApi, registerUser, startSynapse } from "../../scripts/synapse/homeserver.mjs";
import { silentLogger } from "../../src/core/logger.js";
import { MatrixClientDriver } from "../../src/drivers/matrix-js-sdk/index.js";
import { approveCapabilities } from "../../src/host/policy.js";
import { ErrorCode, WidgetApiError } from "../../src/protocol/errors.js";
import { sendEvent } from "../../src/widget/index.js";
import { connect } from "../support/memory-session.js";
import { createRoom, startSyncedClient, uniqueSuffix } from "./matrix-client.js";
import type { RegisteredUser, RunningSynapse } from "./provided";

describe("a widget's m.room.message on a rate-limited Synapse", () => {
  let limited: RunningSynapse;
  let user: RegisteredUser;
  let client: MatrixClient;
  let roomId: string;

  beforeAll(async () => {
    limited = await startSynapse({ rateLimited: true });
    user = await registerUser(limited, { username: `erin_${uniqueSuffix()}`, displayName: "Erin" });
    roomId = await createRoom(limited, user, { preset: "private_chat" });
    client = await startSyncedClient(limited, user);
    await vi.waitFor(() => expect(client.getRoom(roomId)?.getMyMembership()).toBe("join"), {
      timeout: 15_000,
    });
  });

  afterAll(async () => {
    client?.stopClient();
    await limited?.stop();
  });

  it("gets the 429 with its retry time at once, and the refused message is not sent later behind its back", async () => {
    const driverTimeoutMs = 5_000;
    const { host, client: widget } = await connect({
      driver: new MatrixClientDriver(client, { logger: silentLogger }),
      policy: approveCapabilities("all-requested"),
      capabilities: ["org.matrix.msc2762.send.event:m.room.message#m.text"],
      host: { viewedRoomId: roomId, limits: { driverTimeoutMs } },
    });
    try {
      const sent: string[] = [];
      let refused: WidgetApiError | undefined;
      let refusedBody = "";
      // Synapse's tight rc_message bucket (burst 2, one per 10 s) refuses one of the first few.
      for (let i = 0; i < 5 && refused === undefined; i++) {
        const body = `message ${i}`;
        const started = Date.now();
        try {
          await sendEvent(widget, "m.room.message", { msgtype: "m.text", body });
          sent.push(body);
        } catch (error) {
          refused = error as WidgetApiError;
          refusedBody = body;
          expect(Date.now() - started).toBeLessThan(driverTimeoutMs);
        }
      }
      expect(refused).toBeInstanceOf(WidgetApiError);
      expect(refused?.code).toBe(ErrorCode.HomeserverError);
      expect(refused?.matrixApiError).toMatchObject({
        http_status: 429,
        response: { errcode: "M_LIMIT_EXCEEDED" },
      });
      const retryAfterMs = Number(refused?.matrixApiError?.response.retry_after_ms);
      expect(retryAfterMs).toBeGreaterThan(0);
      // Nor does the user's timeline keep a local copy of it, waiting or failed.
      const unsent = client
        .getRoom(roomId)
        ?.getLiveTimeline()
        .getEvents()
        .filter((event) => event.status !== null);
      expect(unsent).toEqual([]);

      // Past the retry time, the room holds what the widget was told was sent, and nothing else.
      await new Promise((resolve) => setTimeout(resolve, retryAfterMs + 1_500));
      const res = await csApi(
        limited,
        user.accessToken,
        "GET",
        `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=50`,
      );
      expect(res.status).toBe(200);
      const bodies = (res.json.chunk as { type: string; content: { body?: string } }[])
        .filter((event) => event.type === "m.room.message")
        .map((event) => event.content.body)
        .reverse();
      expect(bodies).toEqual(sent);
      expect(bodies).not.toContain(refusedBody);
    } finally {
      widget.destroy();
      host.destroy();
    }
  }, 60_000);
});
