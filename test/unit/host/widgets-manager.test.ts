import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { MemoryDriver } from "../../../src/drivers/memory/driver.js";
import { MatrixWorld } from "../../../src/drivers/memory/world.js";
import type { WidgetHost } from "../../../src/host/widget-host.js";
import {
  WidgetManager,
  type WidgetManagerEvents,
  type WidgetManagerOptions,
  type WidgetMount,
  type WidgetMountRequest,
} from "../../../src/host/widgets/index.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import { sendEvent } from "../../../src/widget/features/events.js";

const ME = "@me:example.org";
const ROOM = "!room:example.org";
const LEGACY = "im.vector.modular.widgets";
const PARENT = "https://client.example/app";

interface Harness {
  world: MatrixWorld;
  driver: MemoryDriver;
  manager: WidgetManager;
  /** Every mount request, oldest first. */
  mounts: WidgetMountRequest[];
  /** Widget IDs unmounted, in order. */
  unmounted: string[];
  /** Every manager event, in order, as `kind:id`. */
  log: string[];
  events: Array<{ kind: keyof WidgetManagerEvents; payload: unknown }>;
}

const managers: WidgetManager[] = [];
afterEach(() => {
  for (const manager of managers.splice(0)) manager.destroy();
});

function newWorld(): MatrixWorld {
  const world = new MatrixWorld({ ownUserId: ME });
  world.addUser({ userId: "@alice:example.org" });
  world.createRoom({ roomId: ROOM, creator: ME, name: "Room" });
  return world;
}

function harness(
  world: MatrixWorld,
  options: Partial<WidgetManagerOptions> = {},
  mount?: (request: WidgetMountRequest) => WidgetMount | undefined | Promise<WidgetMount | undefined>,
): Harness {
  const driver = new MemoryDriver(world);
  const mounts: WidgetMountRequest[] = [];
  const unmounted: string[] = [];
  const log: string[] = [];
  const events: Harness["events"] = [];
  const manager = new WidgetManager({
    driver,
    renderContext: { userId: ME, parentUrl: PARENT, clientTheme: "dark" },
    mount:
      mount ??
      ((request) => {
        mounts.push(request);
        return {
          transport: createMemoryTransportPair().host,
          hostOptions: { logger: silentLogger },
          unmount: () => unmounted.push(request.widget.id),
        };
      }),
    logger: silentLogger,
    ...options,
  });
  managers.push(manager);
  for (const kind of ["added", "changed", "removed", "started", "ended", "layout", "problem"] as const) {
    manager.on(kind, (payload) => {
      events.push({ kind, payload });
      const id =
        "widget" in payload
          ? payload.widget.definition.id
          : "roomId" in payload && kind === "layout"
            ? payload.roomId
            : (payload as { id: string }).id;
      log.push(`${kind}:${id}`);
    });
  }
  return { world, driver, manager, mounts, unmounted, log, events };
}

function putWidget(world: MatrixWorld, id: string, content: Record<string, unknown>, type = LEGACY): void {
  world.sendEvent(ROOM, ME, { type, state_key: id, content });
}

const widget = (url: string, extra: Record<string, unknown> = {}) => ({ type: "m.custom", url, ...extra });

function hostOf(h: Harness, id: string): WidgetHost | undefined {
  return h.manager.widgets(ROOM).find((entry) => entry.definition.id === id)?.host;
}

describe("WidgetManager on the in-memory world", () => {
  it("starts a host per widget already in state, from both state types, with the templated URL", async () => {
    const world = newWorld();
    putWidget(
      world,
      "a",
      widget("https://a.example/w?room=$matrix_room_id&t=$topic", { data: { topic: "x y" } }),
    );
    putWidget(world, "b", widget("https://b.example/"), "m.widget");
    const h = harness(world);
    await h.manager.watchRoom(ROOM);

    expect(h.mounts.map((request) => request.widget.id)).toEqual(["a", "b"]);
    expect(h.mounts[0]!.url).toBe(
      `https://a.example/w?room=${encodeURIComponent(ROOM)}&t=x%20y&widgetId=a&parentUrl=${encodeURIComponent(PARENT)}`,
    );
    expect(h.mounts[0]!.origin).toBe("https://a.example");
    expect(h.mounts[1]!.widget.eventType).toBe("m.widget");
    const a = hostOf(h, "a")!;
    expect(a.widget.widgetId).toBe("a");
    // The room keys the widget's remembered consent and is shown to policies.
    expect(a.widget.roomId).toBe(ROOM);
    expect(a.state).toBe("waiting");
    // Every change is announced first; the hosts start as their mounts resolve.
    expect(h.log).toEqual(["added:a", "added:b", "started:a", "started:b"]);
  });

  it("follows a widget added, then removed with empty content: the host is destroyed and the frame unmounted", async () => {
    const world = newWorld();
    const h = harness(world);
    await h.manager.watchRoom(ROOM);
    expect(h.manager.widgets(ROOM)).toEqual([]);

    putWidget(world, "late", widget("https://late.example/"));
    await h.manager.settled();
    const host = hostOf(h, "late")!;
    expect(host.state).toBe("waiting");
    expect(h.log).toEqual(["added:late", "started:late"]);

    putWidget(world, "late", {});
    await h.manager.settled();
    expect(host.state).toBe("destroyed");
    expect(h.unmounted).toEqual(["late"]);
    expect(h.manager.widgets(ROOM)).toEqual([]);
    expect(h.log).toEqual(["added:late", "started:late", "ended:late", "removed:late"]);
  });

  it("ends the session and starts a new host and frame when the URL changes", async () => {
    const world = newWorld();
    putWidget(world, "w", widget("https://one.example/"));
    const h = harness(world);
    await h.manager.watchRoom(ROOM);
    const first = hostOf(h, "w")!;

    putWidget(world, "w", widget("https://two.example/"));
    await h.manager.settled();
    const second = hostOf(h, "w")!;
    expect(first.state).toBe("destroyed");
    expect(second).not.toBe(first);
    expect(second.state).toBe("waiting");
    expect(h.unmounted).toEqual(["w"]);
    expect(h.mounts.map((request) => request.origin)).toEqual(["https://one.example", "https://two.example"]);
    const changed = h.events.find((event) => event.kind === "changed")!
      .payload as WidgetManagerEvents["changed"];
    expect(changed.restarted).toBe(true);
    expect(changed.previous.url).toBe("https://one.example/");
    expect(h.log).toEqual(["added:w", "started:w", "ended:w", "changed:w", "started:w"]);
  });

  it("restarts on a data change but keeps the host when only the name changes", async () => {
    const world = newWorld();
    putWidget(world, "w", widget("https://w.example/", { data: { a: 1 }, name: "One" }));
    const h = harness(world);
    await h.manager.watchRoom(ROOM);
    const first = hostOf(h, "w")!;

    putWidget(world, "w", widget("https://w.example/", { data: { a: 1 }, name: "Renamed" }));
    await h.manager.settled();
    expect(hostOf(h, "w")).toBe(first);
    expect(first.state).toBe("waiting");

    // The same data in another key order is no change.
    putWidget(world, "w", widget("https://w.example/", { name: "Renamed", data: { a: 1 } }));
    await h.manager.settled();
    expect(hostOf(h, "w")).toBe(first);

    putWidget(world, "w", widget("https://w.example/", { data: { a: 2 }, name: "Renamed" }));
    await h.manager.settled();
    expect(first.state).toBe("destroyed");
    expect(hostOf(h, "w")).not.toBe(first);
    const changes = h.events
      .filter((event) => event.kind === "changed")
      .map((event) => (event.payload as WidgetManagerEvents["changed"]).restarted);
    expect(changes).toEqual([false, true]);
    expect(h.mounts).toHaveLength(2);
  });

  it("applies waitForIframeLoad as the state says", async () => {
    const world = newWorld();
    putWidget(world, "eager", widget("https://e.example/"));
    putWidget(world, "lazy", widget("https://l.example/", { waitForIframeLoad: false }));
    const h = harness(world);
    await h.manager.watchRoom(ROOM);
    const eager = hostOf(h, "eager")!;
    const lazy = hostOf(h, "lazy")!;
    // A load: the eager host negotiates at once, the lazy one waits for content_loaded.
    eager.start();
    lazy.start();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(eager.state).toBe("negotiating");
    expect(lazy.state).toBe("waiting");

    // A change of waitForIframeLoad alone starts a new session too.
    putWidget(world, "lazy", widget("https://l.example/", { waitForIframeLoad: true }));
    await h.manager.settled();
    const again = hostOf(h, "lazy")!;
    again.start();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(again.state).toBe("negotiating");
  });

  it("prefers m.widget over im.vector.modular.widgets for the same ID, and falls back when it is removed", async () => {
    const world = newWorld();
    putWidget(world, "w", widget("https://legacy.example/"));
    putWidget(world, "w", widget("https://stable.example/"), "m.widget");
    const h = harness(world);
    await h.manager.watchRoom(ROOM);
    expect(h.manager.widgets(ROOM).map((entry) => entry.definition.url)).toEqual(["https://stable.example/"]);

    putWidget(world, "w", {}, "m.widget");
    await h.manager.settled();
    expect(h.manager.widgets(ROOM).map((entry) => entry.definition.url)).toEqual(["https://legacy.example/"]);
  });

  it("ignores malformed definitions and URLs that do not render as http(s), reporting each once", async () => {
    const world = newWorld();
    putWidget(world, "bad", { type: "m.custom", url: 7 });
    putWidget(world, "js", widget("javascript:alert(1)"));
    putWidget(world, "tpl", widget("$scheme://x.example/", { data: { scheme: "javascript" } }));
    putWidget(world, "ok", widget("https://ok.example/"));
    const h = harness(world);
    await h.manager.watchRoom(ROOM);

    expect(h.mounts.map((request) => request.widget.id)).toEqual(["ok"]);
    const problems = h.events.filter((event) => event.kind === "problem").map((event) => event.payload);
    expect(problems).toEqual([
      { id: "bad", roomId: ROOM, reason: "url must be a string" },
      { id: "js", roomId: ROOM, reason: "The URL is not an http(s) URL once templated" },
      { id: "tpl", roomId: ROOM, reason: "The URL is not an http(s) URL once templated" },
    ]);
    // Listed (MSC2764 state is there) but never mounted.
    expect(h.manager.widgets(ROOM).find((entry) => entry.definition.id === "js")?.host).toBeUndefined();

    // Another state change re-reads the room; the malformed event is not reported again.
    putWidget(world, "ok", widget("https://ok.example/", { name: "Renamed" }));
    await h.manager.settled();
    expect(
      h.events.filter((event) => event.kind === "problem" && (event.payload as { id: string }).id === "bad"),
    ).toHaveLength(1);
  });

  it("remembers only the malformed events still in state, however many were replaced", async () => {
    const world = newWorld();
    const h = harness(world);
    await h.manager.watchRoom(ROOM);
    for (let i = 0; i < 50; i++) {
      putWidget(world, "bad", { type: "m.custom", url: i });
      await h.manager.settled();
    }
    // Each replacement is a new event, reported once.
    expect(h.events.filter((event) => event.kind === "problem")).toHaveLength(50);
    const rooms = (h.manager as unknown as { rooms: Map<string, { reported: Set<string> }> }).rooms;
    expect(rooms.get(ROOM)?.reported.size).toBe(1);
  });

  it("ends a running widget whose definition becomes malformed", async () => {
    const world = newWorld();
    putWidget(world, "w", widget("https://w.example/"));
    const h = harness(world);
    await h.manager.watchRoom(ROOM);
    const host = hostOf(h, "w")!;
    putWidget(world, "w", { type: "m.custom", url: ["https://w.example/"] });
    await h.manager.settled();
    expect(host.state).toBe("destroyed");
    expect(h.log.slice(-3)).toEqual(["problem:w", "ended:w", "removed:w"]);
  });

  it("exposes the room's io.element.widgets.layout hints and reports their changes", async () => {
    const world = newWorld();
    world.sendEvent(ROOM, ME, {
      type: "io.element.widgets.layout",
      state_key: "",
      content: {
        widgets: { a: { container: "top", index: 0, width: 60, height: 40 }, b: { container: "nowhere" } },
      },
    });
    const h = harness(world);
    await h.manager.watchRoom(ROOM);
    expect(h.manager.layout(ROOM)).toEqual({ a: { container: "top", index: 0, width: 60, height: 40 } });
    expect(h.log).toEqual([`layout:${ROOM}`]);

    world.sendEvent(ROOM, ME, {
      type: "io.element.widgets.layout",
      state_key: "",
      content: { widgets: { a: { container: "right" } } },
    });
    await h.manager.settled();
    expect(h.manager.layout(ROOM)).toEqual({ a: { container: "right" } });
    expect(h.events.at(-1)).toEqual({
      kind: "layout",
      payload: { roomId: ROOM, layout: { a: { container: "right" } } },
    });
  });

  it("follows the user's widgets in m.widgets account data: add, change, remove", async () => {
    const world = newWorld();
    const entry = (url: string) => ({
      type: "m.widget",
      state_key: "stickers",
      sender: ME,
      content: { type: "m.stickerpicker", url, name: "Stickers" },
    });
    world.setAccountData(ME, "m.widgets", { stickers: entry("https://stickers.example/one") });
    const h = harness(world, { accountWidgets: true });
    await h.manager.settled();
    const first = h.manager.widgets("account")[0]!;
    expect(first.definition).toMatchObject({
      id: "stickers",
      source: "account",
      type: "m.stickerpicker",
      sender: ME,
    });
    expect(first.host?.state).toBe("waiting");
    const firstHost = first.host!;

    world.setAccountData(ME, "m.widgets", { stickers: entry("https://stickers.example/two") });
    await h.manager.settled();
    expect(firstHost.state).toBe("destroyed");
    expect(h.manager.widgets("account")[0]!.url).toContain("https://stickers.example/two?widgetId=stickers");

    world.setAccountData(ME, "m.widgets", {});
    await h.manager.settled();
    expect(h.manager.widgets("account")).toEqual([]);
    expect(h.unmounted).toEqual(["stickers", "stickers"]);
  });

  it("gives user widgets the room the user views, and moves them along on setViewedRoomId; room widgets keep their own", async () => {
    const world = newWorld();
    world.setAccountData(ME, "m.widgets", {
      stickers: {
        type: "m.widget",
        state_key: "stickers",
        sender: ME,
        content: { type: "m.stickerpicker", url: "https://stickers.example/", name: "Stickers" },
      },
    });
    putWidget(world, "w", widget("https://w.example/"));
    const h = harness(world, { accountWidgets: true, viewedRoomId: "!first:example.org" });
    await h.manager.watchRoom(ROOM);
    await h.manager.settled();
    const user = () => h.manager.widgets("account")[0]!.host!;
    const room = () => h.manager.widgets(ROOM)[0]!.host!;
    expect(user().viewedRoomId).toBe("!first:example.org");
    expect(room().viewedRoomId).toBe(ROOM);

    h.manager.setViewedRoomId("!second:example.org");
    expect(user().viewedRoomId).toBe("!second:example.org");
    expect(room().viewedRoomId).toBe(ROOM);

    // A user widget mounted after the switch starts in the room the user views now.
    world.setAccountData(ME, "m.widgets", {
      stickers: {
        type: "m.widget",
        state_key: "stickers",
        sender: ME,
        content: { type: "m.stickerpicker", url: "https://stickers.example/v2", name: "Stickers" },
      },
    });
    await h.manager.settled();
    expect(user().viewedRoomId).toBe("!second:example.org");

    h.manager.setViewedRoomId(undefined);
    expect(user().viewedRoomId).toBeUndefined();
  });

  it("load() mounts a widget the app left unloaded, or one refused under maxRunning once a place is free", async () => {
    const world = newWorld();
    putWidget(world, "a", widget("https://a.example/"));
    putWidget(world, "b", widget("https://b.example/"));
    let accept = false;
    const mounted: string[] = [];
    const h = harness(world, { maxRunning: 1 }, (request) => {
      if (request.widget.id === "a" && !accept) return undefined;
      mounted.push(request.widget.id);
      return {
        transport: createMemoryTransportPair().host,
        hostOptions: { logger: silentLogger },
        unmount: () => {},
      };
    });
    await h.manager.watchRoom(ROOM);
    await h.manager.settled();
    const keyOf = (id: string) => h.manager.widgets(ROOM).find((entry) => entry.definition.id === id)!.key;
    // Both start at once: "a" is declined by the app, and "b" is refused while "a" still counts
    // as being mounted.
    expect(mounted).toEqual([]);
    expect(h.log).toContain("problem:b");
    expect(await h.manager.load(keyOf("b"))).toBe(true);
    // The user changes their mind about "a", but "b" holds the one place.
    accept = true;
    expect(await h.manager.load(keyOf("a"))).toBe(false);
    expect(h.log).toContain("problem:a");
    // "b" leaves: "a" loads on request, once.
    putWidget(world, "b", {});
    await h.manager.settled();
    expect(await h.manager.load(keyOf("a"))).toBe(true);
    expect(await h.manager.load(keyOf("a"))).toBe(true);
    expect(mounted).toEqual(["b", "a"]);
    expect(await h.manager.load(`${ROOM}/nothing`)).toBe(false);
  });

  it("load() of a widget whose mount the app has not answered yet waits for that answer, and mounts nothing twice", async () => {
    const world = newWorld();
    putWidget(world, "a", widget("https://a.example/"));
    putWidget(world, "b", widget("https://b.example/"));
    const pending = new Map<string, (mount: WidgetMount | undefined) => void>();
    let asked = 0;
    const h = harness(world, {}, (request) => {
      asked++;
      return new Promise((resolve) => pending.set(request.widget.id, resolve));
    });
    void h.manager.watchRoom(ROOM);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const keyOf = (id: string) => h.manager.widgets(ROOM).find((entry) => entry.definition.id === id)!.key;
    const loadingA = h.manager.load(keyOf("a"));
    const loadingB = h.manager.load(keyOf("b"));
    // Still waiting for the app (the user has not answered its prompt).
    let answeredA: boolean | undefined;
    void loadingA.then((loaded) => (answeredA = loaded));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(answeredA).toBeUndefined();
    pending.get("a")!({ transport: createMemoryTransportPair().host, hostOptions: { logger: silentLogger } });
    pending.get("b")!(undefined);
    expect(await loadingA).toBe(true);
    expect(await loadingB).toBe(false);
    expect(asked).toBe(2);
  });

  it("does not read account widgets unless asked to", async () => {
    const world = newWorld();
    world.setAccountData(ME, "m.widgets", {
      s: { type: "m.widget", content: { type: "m.stickerpicker", url: "https://s.example/" } },
    });
    const h = harness(world);
    await h.manager.settled();
    expect(h.manager.widgets("account")).toEqual([]);
    expect(h.driver.calls.filter((call) => call.op === "readAccountData")).toEqual([]);
  });

  it("unmounts at once a mount that resolves after its widget was removed", async () => {
    const world = newWorld();
    putWidget(world, "slow", widget("https://slow.example/"));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const unmounted: string[] = [];
    const h = harness(world, {}, async (request) => {
      await gate;
      return {
        transport: createMemoryTransportPair().host,
        unmount: () => unmounted.push(request.widget.id),
      };
    });
    const watching = h.manager.watchRoom(ROOM);
    await new Promise((resolve) => setTimeout(resolve, 0));
    putWidget(world, "slow", {});
    await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    await watching;
    await h.manager.settled();
    expect(unmounted).toEqual(["slow"]);
    expect(h.log).toEqual(["added:slow", "removed:slow"]);
  });

  it("leaves a widget unloaded when the app declines it, and survives a mount that throws a non-Error", async () => {
    const world = newWorld();
    putWidget(world, "declined", widget("https://d.example/"));
    putWidget(world, "throws", widget("https://t.example/"));
    const h = harness(world, {}, (request) => {
      if (request.widget.id === "throws") throw Object.create(null);
      return undefined;
    });
    await h.manager.watchRoom(ROOM);
    expect(h.manager.widgets(ROOM).map((entry) => entry.host)).toEqual([undefined, undefined]);
    expect(h.events.filter((event) => event.kind === "problem").map((event) => event.payload)).toEqual([
      { id: "throws", roomId: ROOM, reason: "Mounting failed: a non-Error object was thrown" },
    ]);
  });

  it("removes a widget even when its unmount throws undefined and a listener throws", async () => {
    const world = newWorld();
    putWidget(world, "w", widget("https://w.example/"));
    const h = harness(world, {}, () => ({
      transport: createMemoryTransportPair().host,
      hostOptions: { logger: silentLogger },
      unmount: () => {
        throw undefined;
      },
    }));
    h.manager.on("ended", () => {
      throw Object.create(null);
    });
    await h.manager.watchRoom(ROOM);
    const host = hostOf(h, "w")!;
    putWidget(world, "w", {});
    await h.manager.settled();
    expect(host.state).toBe("destroyed");
    expect(h.manager.widgets(ROOM)).toEqual([]);
    expect(h.log).toEqual(["added:w", "started:w", "ended:w", "removed:w"]);
  });

  it("locks a room widget to its own room, as Element does, whatever room the app views", async () => {
    const world = newWorld();
    const viewed = world.createRoom({ creator: ME, name: "Viewed" });
    putWidget(world, "w", widget("https://w.example/"));
    const pair = createMemoryTransportPair();
    const h = harness(world, {}, () => ({
      transport: pair.host,
      // The app hands every widget the room on screen, as it would for a user widget.
      hostOptions: { logger: silentLogger, viewedRoomId: viewed },
      policy: { approveCapabilities: ({ requested }) => requested },
    }));
    await h.manager.watchRoom(ROOM);
    const host = hostOf(h, "w")!;
    expect(host.viewedRoomId).toBe(ROOM);

    // The widget's "this room" is its own room: a send without room_id lands there.
    const created = WidgetClient.create({
      logger: silentLogger,
      widgetId: "w",
      transport: pair.widget,
      capabilities: ["org.matrix.msc2762.send.event:org.example.ping"],
    });
    host.start();
    const client = await created;
    const sent = await sendEvent(client, "org.example.ping", { n: 1 });
    expect(sent.roomId).toBe(ROOM);
    expect(world.getEvent(ROOM, sent.eventId!)?.type).toBe("org.example.ping");
    expect(world.timeline(viewed).some((event) => event.type === "org.example.ping")).toBe(false);
    client.destroy();
  });

  it("runs at most maxRunning widgets", async () => {
    const world = newWorld();
    for (const id of ["a", "b", "c"]) putWidget(world, id, widget(`https://${id}.example/`));
    const h = harness(world, { maxRunning: 2 });
    await h.manager.watchRoom(ROOM);
    expect(h.mounts.map((request) => request.widget.id)).toEqual(["a", "b"]);
    expect(h.log).toContain("problem:c");
  });

  it("mounts a widget changed while its first mount is pending, even at maxRunning, and keeps counting it", async () => {
    const world = newWorld();
    putWidget(world, "a", widget("https://a.example/1"));
    const pending: Array<{ url: string; resolve(mount: WidgetMount | undefined): void }> = [];
    const h = harness(world, { maxRunning: 1 }, (request) => {
      if (request.widget.id === "b") return { transport: createMemoryTransportPair().host };
      return new Promise((resolve) => pending.push({ url: request.url, resolve }));
    });
    void h.manager.watchRoom(ROOM);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(pending).toHaveLength(1);

    // The user has not answered the first mount when the URL changes: its stale mount is no
    // longer a running widget, and must not keep the new definition from mounting.
    putWidget(world, "a", widget("https://a.example/2"));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(pending.map((entry) => new URL(entry.url).pathname)).toEqual(["/1", "/2"]);
    expect(h.log).not.toContain("problem:a");

    // The stale mount resolving must not free the place the new one holds.
    pending[0]!.resolve({ transport: createMemoryTransportPair().host });
    await new Promise((resolve) => setTimeout(resolve, 5));
    putWidget(world, "b", widget("https://b.example/"));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(h.log).toContain("problem:b");
    pending[1]!.resolve({
      transport: createMemoryTransportPair().host,
      hostOptions: { logger: silentLogger },
    });
    await h.manager.settled();
    expect(
      h.manager
        .widgets(ROOM)
        .filter((entry) => entry.host !== undefined)
        .map((e) => e.definition.id),
    ).toEqual(["a"]);
    expect(new URL(h.manager.widgets(ROOM)[0]!.url!).pathname).toBe("/2");
  });

  it("still resolves settled() and a later watchRoom when unwatchRoom or destroy drops a scheduled re-read", async () => {
    const world = newWorld();
    const other = world.createRoom({ creator: ME, name: "Other" });
    const h = harness(world);
    await h.manager.watchRoom(ROOM);
    // A widget event schedules a re-read for the next task; the user switches rooms before it runs.
    putWidget(world, "w", widget("https://w.example/"));
    h.manager.unwatchRoom(ROOM);
    const within = <T>(promise: Promise<T>) =>
      Promise.race([
        promise.then(() => "resolved"),
        new Promise((resolve) => setTimeout(resolve, 500, "hung")),
      ]);
    expect(await within(h.manager.watchRoom(other))).toBe("resolved");
    expect(await within(h.manager.settled())).toBe("resolved");

    world.sendEvent(other, ME, { type: LEGACY, state_key: "x", content: widget("https://x.example/") });
    h.manager.destroy();
    expect(await within(h.manager.settled())).toBe("resolved");
    expect(h.mounts).toEqual([]);
  });

  it("keeps the widgets shown when a read fails", async () => {
    const world = newWorld();
    putWidget(world, "w", widget("https://w.example/"));
    const h = harness(world);
    await h.manager.watchRoom(ROOM);
    const host = hostOf(h, "w")!;
    h.driver.failNext("readStateEvents");
    await h.manager.refresh();
    expect(hostOf(h, "w")).toBe(host);
    expect(host.state).toBe("waiting");
  });

  it("ends a room's hosts when the room is unwatched, and every host on destroy, then ignores state", async () => {
    const world = newWorld();
    const other = world.createRoom({ creator: ME, name: "Other" });
    putWidget(world, "w", widget("https://w.example/"));
    world.sendEvent(other, ME, { type: LEGACY, state_key: "x", content: widget("https://x.example/") });
    const h = harness(world, { rooms: [ROOM, other] });
    await h.manager.settled();
    const inRoom = hostOf(h, "w")!;
    const inOther = h.manager.widgets(other)[0]!.host!;

    h.manager.unwatchRoom(ROOM);
    expect(inRoom.state).toBe("destroyed");
    expect(inOther.state).toBe("waiting");
    expect(h.manager.watchedRooms).toEqual([other]);

    h.manager.destroy();
    expect(inOther.state).toBe("destroyed");
    expect(h.unmounted).toEqual(["w", "x"]);
    world.sendEvent(other, ME, { type: LEGACY, state_key: "y", content: widget("https://y.example/") });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(h.mounts).toHaveLength(2);
  });
});
