// The WidgetManager on a real homeserver: widget state and account data written through the
// Client-Server API by one user, followed through MatrixClientDriver by another user's synced
// matrix-js-sdk client.

import type { MatrixClient } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { silentLogger } from "../../src/core/logger.js";
import { MatrixClientDriver } from "../../src/drivers/matrix-js-sdk/index.js";
import {
  WidgetManager,
  type WidgetManagerEvents,
  type WidgetMountRequest,
} from "../../src/host/widgets/index.js";
import { createMemoryTransportPair } from "../../src/transport/memory.js";
import { createRoom, csOk, joinRoom, registerFresh, startSyncedClient } from "./matrix-client.js";
import type { RegisteredUser } from "./provided";

const hs = inject("synapse");
const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 15_000, interval: 50 });

describe("WidgetManager through MatrixClientDriver, on Synapse", () => {
  let kim: RegisteredUser;
  let lou: RegisteredUser;
  let louClient: MatrixClient;
  let room: string;
  let manager: WidgetManager;
  const mounts: WidgetMountRequest[] = [];
  const unmounted: string[] = [];
  const log: string[] = [];
  const changes: Array<WidgetManagerEvents["changed"]> = [];

  const putState = (type: string, stateKey: string, content: Record<string, unknown>) =>
    csOk(
      hs,
      kim,
      "PUT",
      `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/state/${encodeURIComponent(type)}/${encodeURIComponent(stateKey)}`,
      content,
    ) as Promise<{ event_id: string }>;
  const hostOf = (id: string) => manager.widgets(room).find((entry) => entry.definition.id === id)?.host;

  beforeAll(async () => {
    kim = await registerFresh(hs, "kim", "Kim");
    lou = await registerFresh(hs, "lou", "Lou");
    room = await createRoom(hs, kim, { preset: "private_chat", invite: [lou.userId] });
    await joinRoom(hs, lou, room);
    // A widget that exists before the viewer's client starts: read from the initial sync.
    await putState("im.vector.modular.widgets", "before", {
      type: "m.custom",
      url: "https://before.example/w?room=$matrix_room_id",
      name: "Before",
      creatorUserId: kim.userId,
    });
    louClient = await startSyncedClient(hs, lou);
    const driver = new MatrixClientDriver(louClient, { logger: silentLogger });
    manager = new WidgetManager({
      driver,
      accountWidgets: true,
      renderContext: { userId: lou.userId, parentUrl: "http://127.0.0.1/client" },
      mount: (request) => {
        mounts.push(request);
        return {
          transport: createMemoryTransportPair().host,
          hostOptions: { logger: silentLogger },
          unmount: () => unmounted.push(request.widget.id),
        };
      },
      logger: silentLogger,
    });
    for (const kind of ["added", "changed", "removed", "started", "ended"] as const) {
      manager.on(kind, ({ widget }) => log.push(`${kind}:${widget.definition.id}`));
    }
    manager.on("changed", (change) => changes.push(change));
    await eventually(() => expect(louClient.getRoom(room)?.getMyMembership()).toBe("join"));
    await manager.watchRoom(room);
  });

  afterAll(() => {
    manager?.destroy();
    louClient?.stopClient();
  });

  it("starts a host for a widget already in the room's state, with its room templated in", async () => {
    await eventually(() => expect(hostOf("before")?.state).toBe("waiting"));
    const request = mounts.find((entry) => entry.widget.id === "before")!;
    expect(request.url).toBe(
      `https://before.example/w?room=${encodeURIComponent(room)}&widgetId=before&parentUrl=${encodeURIComponent("http://127.0.0.1/client")}`,
    );
    expect(request.widget.sender).toBe(kim.userId);
  });

  it("follows a widget added, its URL changed, and removed by another member", async () => {
    await putState("im.vector.modular.widgets", "board", {
      type: "m.custom",
      url: "https://one.example/board",
      creatorUserId: kim.userId,
    });
    await eventually(() => expect(hostOf("board")?.state).toBe("waiting"));
    const first = hostOf("board")!;

    await putState("im.vector.modular.widgets", "board", {
      type: "m.custom",
      url: "https://two.example/board",
      creatorUserId: kim.userId,
    });
    await eventually(() => expect(hostOf("board")).not.toBe(first));
    await eventually(() => expect(hostOf("board")?.state).toBe("waiting"));
    expect(first.state).toBe("destroyed");
    expect(changes.at(-1)).toMatchObject({ restarted: true, previous: { url: "https://one.example/board" } });
    expect(mounts.filter((entry) => entry.widget.id === "board").map((entry) => entry.origin)).toEqual([
      "https://one.example",
      "https://two.example",
    ]);
    const second = hostOf("board")!;

    await putState("im.vector.modular.widgets", "board", {});
    await eventually(() =>
      expect(manager.widgets(room).map((entry) => entry.definition.id)).not.toContain("board"),
    );
    expect(second.state).toBe("destroyed");
    expect(unmounted.filter((id) => id === "board")).toHaveLength(2);
    expect(log.filter((line) => line.endsWith(":board"))).toEqual([
      "added:board",
      "started:board",
      "ended:board",
      "changed:board",
      "started:board",
      "ended:board",
      "removed:board",
    ]);
  });

  it("follows m.widget state, and drops a widget whose state event is redacted", async () => {
    const { event_id: eventId } = await putState("m.widget", "stable", {
      type: "m.custom",
      url: "https://stable.example/",
    });
    await eventually(() => expect(hostOf("stable")?.state).toBe("waiting"));
    const host = hostOf("stable")!;
    await csOk(
      hs,
      kim,
      "PUT",
      `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/redact/${encodeURIComponent(eventId)}/r${Date.now()}`,
      {},
    );
    await eventually(() => expect(host.state).toBe("destroyed"));
    expect(manager.widgets(room).map((entry) => entry.definition.id)).not.toContain("stable");
  });

  it("exposes the room's layout hints", async () => {
    await putState("io.element.widgets.layout", "", {
      widgets: { before: { container: "top", index: 0, width: 100, height: 30 } },
    });
    await eventually(() =>
      expect(manager.layout(room)).toEqual({
        before: { container: "top", index: 0, width: 100, height: 30 },
      }),
    );
  });

  it("follows the user's own widgets in m.widgets account data", async () => {
    const path = `/_matrix/client/v3/user/${encodeURIComponent(lou.userId)}/account_data/m.widgets`;
    await csOk(hs, lou, "PUT", path, {
      stickers: {
        type: "m.widget",
        state_key: "stickers",
        sender: lou.userId,
        content: {
          type: "m.stickerpicker",
          url: "https://stickers.example/?room=$matrix_room_id",
          name: "Stickers",
        },
      },
    });
    await eventually(() => expect(manager.widgets("account")[0]?.host?.state).toBe("waiting"));
    // The render context names no room, and a user widget has none of its own.
    expect(mounts.find((entry) => entry.widget.id === "stickers")?.url).toBe(
      `https://stickers.example/?room=&widgetId=stickers&parentUrl=${encodeURIComponent("http://127.0.0.1/client")}`,
    );
    const host = manager.widgets("account")[0]!.host!;
    await csOk(hs, lou, "PUT", path, {});
    await eventually(() => expect(manager.widgets("account")).toEqual([]));
    expect(host.state).toBe("destroyed");
  });
});
