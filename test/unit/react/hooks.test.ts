// The React hooks rendered in Node against our WidgetHost on the in-memory world (see
// node-root.ts): what each render returns while arguments change, reads race, capabilities are
// revoked, and the provider is hidden and shown again.
import { Activity, createElement as h, StrictMode, useState, type ReactNode } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { formatCapability } from "../../../src/capabilities/grammar.js";
import { MemoryDriver } from "../../../src/drivers/memory/driver.js";
import type { ReadEventsQuery } from "../../../src/host/driver.js";
import {
  WidgetClientProvider,
  useAccountData,
  useRoomEvents,
  useStateEvents,
  useUserDirectorySearch,
  useWidgetClient,
} from "../../../src/react/index.js";
import { TEST_OTHER_USER_ID, TEST_OWN_USER_ID, TEST_ROOM_ID } from "../../../src/testing/index.js";
import { eventCapability, stateCapability } from "../../../src/widget/index.js";
import type { WidgetClient } from "../../../src/widget/widget-client.js";
import { nodeRoot, sleep, waitFor, type NodeRoot } from "./node-root.js";

const NAVIGATE = "org.matrix.msc2931.navigate";
const SEARCH = "org.matrix.msc3973.user_directory_search";

let opened: NodeRoot | undefined;
afterEach(() => {
  opened?.close();
  opened = undefined;
});

/** A driver whose event and state reads wait, once they have their answer, while `held` is set. */
class HoldingDriver extends MemoryDriver {
  held: Promise<void> | undefined;
  override async readRoomEvents(query: ReadEventsQuery) {
    const events = await super.readRoomEvents(query);
    await this.held;
    return events;
  }
  override async readStateEvents(roomId: string, type: string, stateKey: string | undefined) {
    const events = await super.readStateEvents(roomId, type, stateKey);
    await this.held;
    return events;
  }
}

describe("hooks whose arguments change", () => {
  it("useRoomEvents never returns the previous type's events after the type changes, not even for one render", async () => {
    const kit = (opened = nodeRoot({
      capabilities: [
        eventCapability("receive", "org.example.a"),
        eventCapability("receive", "org.example.b"),
      ],
    }));
    kit.world.sendEvent(TEST_ROOM_ID, TEST_OTHER_USER_ID, { type: "org.example.a", content: {} });
    kit.world.sendEvent(TEST_ROOM_ID, TEST_OTHER_USER_ID, { type: "org.example.b", content: {} });
    const renders: { type: string; got: string[]; status: string }[] = [];
    let show: (type: string) => void = () => {};
    function Feed(): ReactNode {
      const [type, setType] = useState("org.example.a");
      show = setType;
      const { events, status } = useRoomEvents(type);
      renders.push({ type, got: events.map((event) => event.type), status });
      return null;
    }
    kit.render(h(StrictMode, null, h(Feed)));
    await waitFor(() => renders.at(-1)?.status === "ready");
    show("org.example.b");
    await waitFor(() => renders.at(-1)?.status === "ready" && renders.at(-1)?.type === "org.example.b");
    expect(renders.at(-1)?.got).toEqual(["org.example.b"]);
    const afterChange = renders.slice(renders.findIndex((render) => render.type === "org.example.b"));
    expect(afterChange[0]).toEqual({ type: "org.example.b", got: [], status: "loading" });
    expect(afterChange.filter((render) => render.got.some((type) => type !== render.type))).toEqual([]);
  });

  it("useStateEvents never returns the previous state key's events after the key changes, not even for one render", async () => {
    const type = "org.example.slot";
    const kit = (opened = nodeRoot({ capabilities: [stateCapability("receive", type)] }));
    kit.world.sendEvent(TEST_ROOM_ID, TEST_OWN_USER_ID, { type, state_key: "a", content: {} });
    kit.world.sendEvent(TEST_ROOM_ID, TEST_OWN_USER_ID, { type, state_key: "b", content: {} });
    const renders: { key: string; got: string[]; status: string }[] = [];
    let pick: (key: string) => void = () => {};
    function Slot(): ReactNode {
      const [key, setKey] = useState("a");
      pick = setKey;
      const { events, status } = useStateEvents(type, { stateKey: key });
      renders.push({ key, got: events.map((event) => event.state_key), status });
      return null;
    }
    kit.render(h(Slot));
    await waitFor(() => renders.at(-1)?.status === "ready");
    expect(renders.at(-1)?.got).toEqual(["a"]);
    pick("b");
    await waitFor(() => renders.at(-1)?.status === "ready" && renders.at(-1)?.key === "b");
    expect(renders.at(-1)?.got).toEqual(["b"]);
    expect(renders.filter((render) => render.got.some((key) => key !== render.key))).toEqual([]);
  });

  it("useAccountData never returns the previous type's content after the type changes, not even for one render", async () => {
    const types = ["org.example.one", "org.example.two"];
    const kit = (opened = nodeRoot({
      capabilities: types.map((eventType) => formatCapability({ kind: "account_data", eventType })),
    }));
    for (const type of types) kit.world.setAccountData(TEST_OWN_USER_ID, type, { of: type });
    const renders: { type: string; of: unknown; status: string }[] = [];
    let pick: (type: string) => void = () => {};
    function Settings(): ReactNode {
      const [type, setType] = useState("org.example.one");
      pick = setType;
      const { content, status } = useAccountData(type);
      renders.push({ type, of: content?.["of"], status });
      return null;
    }
    kit.render(h(Settings));
    await waitFor(() => renders.at(-1)?.status === "ready");
    pick("org.example.two");
    await waitFor(() => renders.at(-1)?.status === "ready" && renders.at(-1)?.type === "org.example.two");
    expect(renders.at(-1)?.of).toBe("org.example.two");
    expect(renders.filter((render) => render.of !== undefined && render.of !== render.type)).toEqual([]);
  });

  it("useUserDirectorySearch reports searching from the first render after the term changes, never the old term as ready", async () => {
    const kit = (opened = nodeRoot({ capabilities: [SEARCH] }));
    kit.world.addUser({ userId: "@bob:example.org", displayName: "Bob" });
    const renders: { typed: string; term: string; status: string }[] = [];
    let type: (term: string) => void = () => {};
    function Search(): ReactNode {
      const [typed, setTyped] = useState("alice");
      type = setTyped;
      const { term, status } = useUserDirectorySearch(typed, { debounceMs: 5 });
      renders.push({ typed, term, status });
      return null;
    }
    kit.render(h(StrictMode, null, h(Search)));
    await waitFor(() => renders.at(-1)?.status === "ready");
    type("bob");
    await waitFor(() => renders.at(-1)?.status === "ready" && renders.at(-1)?.term === "bob");
    type("");
    await waitFor(() => renders.at(-1)?.typed === "");
    await sleep(20);
    // Ready only for the term typed; idle at once for a blank one.
    expect(renders.filter((render) => render.status === "ready" && render.term !== render.typed)).toEqual([]);
    expect(renders.filter((render) => render.typed === "").map((render) => render.status)).toEqual(
      renders.filter((render) => render.typed === "").map(() => "idle"),
    );
  });
});

/** A driver (or the part of one) whose reads wait while `held` is set. */
interface Holding {
  held: Promise<void> | undefined;
}

/**
 * Moves a hook from argument `a` to `b` and back to `a` while `driver` holds the reads, calling
 * `whileAway` once `b` is shown. Returns the statuses of the renders back on `a` before the held
 * reads answer, then lets them answer.
 */
async function awayAndBack<R extends { arg: string; status: string }>(
  driver: Holding,
  renders: R[],
  set: (arg: string) => void,
  [a, b]: [string, string],
  whileAway: () => void = () => {},
): Promise<string[]> {
  let release: () => void = () => {};
  driver.held = new Promise((resolve) => (release = resolve));
  set(b);
  await waitFor(() => renders.at(-1)?.arg === b);
  await sleep(20);
  whileAway();
  const back = renders.length;
  set(a);
  await waitFor(() => renders.length > back && renders.at(-1)?.arg === a);
  await sleep(20);
  const statuses = renders.slice(back).map((render) => render.status);
  driver.held = undefined;
  release();
  return statuses;
}

describe("hooks whose arguments go back to earlier ones (A, B, then A again)", () => {
  it("useRoomEvents shows loading, not the events it held the first time, until the new read for A answers", async () => {
    const kit = (opened = nodeRoot({
      capabilities: [
        eventCapability("receive", "org.example.a"),
        eventCapability("receive", "org.example.b"),
      ],
      driver: (w) => new HoldingDriver(w),
    }));
    const driver = (kit.host as unknown as { driver: HoldingDriver }).driver;
    kit.world.sendEvent(TEST_ROOM_ID, TEST_OTHER_USER_ID, { type: "org.example.a", content: { n: 1 } });
    const renders: { arg: string; got: unknown[]; status: string }[] = [];
    let show: (type: string) => void = () => {};
    function Feed(): ReactNode {
      const [type, setType] = useState("org.example.a");
      show = setType;
      const { events, status } = useRoomEvents(type);
      renders.push({ arg: type, got: events.map((event) => event.content["n"]), status });
      return null;
    }
    kit.render(h(StrictMode, null, h(Feed)));
    await waitFor(() => renders.at(-1)?.status === "ready");
    expect(renders.at(-1)?.got).toEqual([1]);
    // While B is shown, A gets an event nobody follows.
    const backOnA = await awayAndBack(driver, renders, show, ["org.example.a", "org.example.b"], () =>
      kit.world.sendEvent(TEST_ROOM_ID, TEST_OTHER_USER_ID, { type: "org.example.a", content: { n: 2 } }),
    );
    // Until A's new read answers, every render of A says loading: its old list lacks event 2.
    expect(backOnA).not.toContain("ready");
    await waitFor(() => renders.at(-1)?.status === "ready");
    expect(renders.at(-1)).toEqual({ arg: "org.example.a", got: [1, 2], status: "ready" });
  });

  it("useStateEvents shows loading, not the state it held the first time, until the new read for A answers", async () => {
    const type = "org.example.slot";
    const kit = (opened = nodeRoot({
      capabilities: [stateCapability("receive", type)],
      driver: (w) => new HoldingDriver(w),
    }));
    const driver = (kit.host as unknown as { driver: HoldingDriver }).driver;
    kit.world.sendEvent(TEST_ROOM_ID, TEST_OWN_USER_ID, { type, state_key: "a", content: { n: 1 } });
    const renders: { arg: string; got: unknown[]; status: string }[] = [];
    let pick: (key: string) => void = () => {};
    function Slot(): ReactNode {
      const [key, setKey] = useState("a");
      pick = setKey;
      const { events, status } = useStateEvents(type, { stateKey: key });
      renders.push({ arg: key, got: events.map((event) => event.content["n"]), status });
      return null;
    }
    kit.render(h(StrictMode, null, h(Slot)));
    await waitFor(() => renders.at(-1)?.status === "ready");
    expect(renders.at(-1)?.got).toEqual([1]);
    // While B is shown, A changes and nobody follows it.
    const backOnA = await awayAndBack(driver, renders, pick, ["a", "b"], () =>
      kit.world.sendEvent(TEST_ROOM_ID, TEST_OWN_USER_ID, { type, state_key: "a", content: { n: 2 } }),
    );
    // Until A's new read answers, every render of A says loading: its old state is out of date.
    expect(backOnA).not.toContain("ready");
    await waitFor(() => renders.at(-1)?.status === "ready" && renders.at(-1)?.arg === "a");
    expect(renders.at(-1)).toEqual({ arg: "a", got: [2], status: "ready" });
  });

  it("useAccountData shows loading, not the content it held the first time, until the new read for A answers", async () => {
    const typeA = "org.example.a";
    const typeB = "org.example.b";
    class HoldingAccountData extends MemoryDriver {
      held: Promise<void> | undefined;
      override async readAccountData(type: string) {
        const content = await super.readAccountData(type);
        await this.held;
        return content;
      }
    }
    const kit = (opened = nodeRoot({
      capabilities: [
        formatCapability({ kind: "account_data", eventType: typeA }),
        formatCapability({ kind: "account_data", eventType: typeB }),
      ],
      driver: (w) => new HoldingAccountData(w),
    }));
    const driver = (kit.host as unknown as { driver: HoldingAccountData }).driver;
    kit.world.setAccountData(TEST_OWN_USER_ID, typeA, { n: 1 });
    const renders: { arg: string; n: unknown; status: string }[] = [];
    let show: (type: string) => void = () => {};
    function Settings(): ReactNode {
      const [type, setType] = useState(typeA);
      show = setType;
      const { content, status } = useAccountData(type);
      renders.push({ arg: type, n: content?.["n"], status });
      return null;
    }
    kit.render(h(StrictMode, null, h(Settings)));
    await waitFor(() => renders.at(-1)?.status === "ready");
    expect(await awayAndBack(driver, renders, show, [typeA, typeB])).not.toContain("ready");
    await waitFor(() => renders.at(-1)?.status === "ready" && renders.at(-1)?.arg === typeA);
    expect(renders.at(-1)).toEqual({ arg: typeA, n: 1, status: "ready" });
  });
});

describe("useAccountData's live flag", () => {
  it("stays true when a read started before the watch was set up answers after a newer read", async () => {
    const type = "org.example.settings";
    /** Holds the next account data read only, until released. */
    class HoldNextRead extends MemoryDriver {
      hold: Promise<void> | undefined;
      override async readAccountData(accountType: string) {
        const held = this.hold;
        this.hold = undefined;
        const content = await super.readAccountData(accountType);
        await held;
        return content;
      }
    }
    const kit = (opened = nodeRoot({
      capabilities: [formatCapability({ kind: "account_data", eventType: type }), NAVIGATE],
      driver: (w) => new HoldNextRead(w),
    }));
    const driver = (kit.host as unknown as { driver: HoldNextRead }).driver;
    kit.world.setAccountData(TEST_OWN_USER_ID, type, { n: 1 });
    // The host's answer to the widget's watch request waits until the test lets it go.
    const send = kit.transports.host.send.bind(kit.transports.host);
    const heldReplies: Array<() => void> = [];
    let holdWatch = true;
    kit.transports.host.send = (message) => {
      const reply = message as { action?: unknown; response?: unknown };
      if (
        holdWatch &&
        reply.action === "dev.matrix_widget_kit.watch_account_data" &&
        reply.response !== undefined
      ) {
        heldReplies.push(() => send(message));
        return;
      }
      send(message);
    };
    const renders: Array<{ status: string; live: boolean }> = [];
    function Settings(): ReactNode {
      const { status, live } = useAccountData(type);
      renders.push({ status, live });
      return null;
    }
    kit.render(h(Settings));
    await waitFor(() => heldReplies.length === 1);
    // The grants change while the watch is on its way: the hook reads again at once (held here).
    let releaseRead: () => void = () => {};
    driver.hold = new Promise((resolve) => (releaseRead = resolve));
    await kit.host.revokeCapabilities([NAVIGATE]);
    await sleep(20);
    // The watch is answered; the first load reads (not held) and reports live.
    holdWatch = false;
    heldReplies.shift()!();
    await waitFor(() => renders.at(-1)?.status === "ready");
    expect(renders.at(-1)).toEqual({ status: "ready", live: true });
    // The older read, started before the watch was answered, lands last: the watch still runs.
    releaseRead();
    await sleep(50);
    expect(renders.at(-1)).toEqual({ status: "ready", live: true });
  });
});

describe("reads that race a revocation", () => {
  /**
   * Grants both capabilities, holds the reads of the renegotiation that takes `navigate` back,
   * then revokes `receive` (whose read is refused at once) and releases the held read.
   */
  async function revokeWhileReadIsHeld(receive: string, status: () => string | undefined): Promise<void> {
    const driver = (opened!.host as unknown as { driver: HoldingDriver }).driver;
    await waitFor(() => status() === "ready");
    let release: () => void = () => {};
    driver.held = new Promise((resolve) => (release = resolve));
    await opened!.host.revokeCapabilities([NAVIGATE]);
    await sleep(20);
    await opened!.host.revokeCapabilities([receive]);
    await waitFor(() => status() === "error");
    driver.held = undefined;
    release();
    await sleep(50);
  }

  it("useRoomEvents stays in error after a revocation when an older read answers late", async () => {
    const receive = eventCapability("receive", "org.example.a");
    const kit = (opened = nodeRoot({
      capabilities: [receive, NAVIGATE],
      driver: (w) => new HoldingDriver(w),
    }));
    kit.world.sendEvent(TEST_ROOM_ID, TEST_OTHER_USER_ID, { type: "org.example.a", content: {} });
    const renders: { status: string; error: string | undefined }[] = [];
    function Feed(): ReactNode {
      const { status, error } = useRoomEvents("org.example.a");
      renders.push({ status, error: error?.message });
      return null;
    }
    kit.render(h(Feed));
    await revokeWhileReadIsHeld(receive, () => renders.at(-1)?.status);
    expect(renders.at(-1)).toEqual({
      status: "error",
      error: "Missing capability org.matrix.msc2762.receive.event:org.example.a",
    });
  });

  it("useStateEvents stays in error after a revocation when an older read answers late", async () => {
    const receive = stateCapability("receive", "m.room.topic");
    const kit = (opened = nodeRoot({
      capabilities: [receive, NAVIGATE],
      driver: (w) => new HoldingDriver(w),
    }));
    const renders: { status: string; error: string | undefined }[] = [];
    function Topic(): ReactNode {
      const { status, error } = useStateEvents("m.room.topic", { stateKey: "" });
      renders.push({ status, error: error?.message });
      return null;
    }
    kit.render(h(Topic));
    await revokeWhileReadIsHeld(receive, () => renders.at(-1)?.status);
    expect(renders.at(-1)?.status).toBe("error");
    expect(renders.at(-1)?.error).toMatch(/^Missing capability /);
  });
});

describe("the provider", () => {
  it("hidden by <Activity> and shown again, it never offers its destroyed client as ready, and connects anew", async () => {
    const kit = (opened = nodeRoot({ capabilities: [eventCapability("receive", "org.example.a")] }));
    kit.world.sendEvent(TEST_ROOM_ID, TEST_OTHER_USER_ID, { type: "org.example.a", content: {} });
    // Each connection takes a fresh widget end, as a new postMessage transport would be.
    let connections = 0;
    const options = {
      ...kit.options,
      get transport() {
        return connections++ === 0 ? kit.transports.widget : kit.transports.reloadWidget();
      },
    };
    const renders: { client: string; destroyed: boolean; events: string }[] = [];
    let firstClient: WidgetClient | undefined;
    function Feed(): ReactNode {
      const connection = useWidgetClient();
      firstClient ??= connection.client;
      const { status } = useRoomEvents("org.example.a");
      renders.push({
        client: connection.status,
        destroyed: connection.client?.signal.aborted ?? false,
        events: status,
      });
      return null;
    }
    let setMode: (mode: "visible" | "hidden") => void = () => {};
    function Page(): ReactNode {
      const [mode, set] = useState<"visible" | "hidden">("visible");
      setMode = set;
      return h(Activity, { mode, children: h(WidgetClientProvider, { options }, h(Feed)) });
    }
    kit.renderBare(h(Page));
    await waitFor(() => renders.at(-1)?.events === "ready");
    setMode("hidden");
    // The provider's zero-delay end timer destroys the client.
    await waitFor(() => firstClient?.signal.aborted === true);
    const hiddenAt = renders.length;
    setMode("visible");
    await waitFor(
      () => connections === 2 && renders.slice(hiddenAt).some((render) => render.client === "connecting"),
    );
    await waitFor(() => renders.at(-1)?.events === "ready");
    expect(renders.filter((render) => render.destroyed)).toEqual([]);
    expect(renders.filter((render) => render.events === "error")).toEqual([]);
  });

  it("turns to error (session_ended) when the app destroys its client itself, instead of showing it ready or connecting forever", async () => {
    const kit = (opened = nodeRoot());
    const seen: { status: string; code: string | undefined }[] = [];
    let client: WidgetClient | undefined;
    function Probe(): ReactNode {
      const connection = useWidgetClient();
      client ??= connection.client;
      seen.push({
        status: connection.status,
        code: (connection.error as { code?: string } | undefined)?.code,
      });
      return null;
    }
    kit.render(h(Probe));
    await waitFor(() => seen.at(-1)?.status === "ready");
    client?.destroy();
    await waitFor(() => seen.at(-1)?.status === "error");
    expect(seen.at(-1)).toEqual({ status: "error", code: "session_ended" });
  });
});
