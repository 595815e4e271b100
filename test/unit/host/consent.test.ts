import { describe, expect, it, vi } from "vitest";
import {
  MemoryConsentStore,
  rememberConsent,
  StorageConsentStore,
  type CapabilityConsentAnswer,
  type ConsentKey,
  type StorageLike,
} from "../../../src/host/consent/index.js";
import { consentDecision } from "../../../src/host-ui/consent.js";
import type { CapabilityRequest, HostPolicy } from "../../../src/host/policy.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import type { Transport } from "../../../src/transport/transport.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import { RecordingLogger } from "../misc/harness.js";

/** A Storage-like object over a Map: what localStorage does, without a browser. */
class MapStorage implements StorageLike {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

const ORIGIN = "https://widget.example";
const ROOM = "!room:example.org";
const KEY: ConsentKey = { widgetId: "w1", origin: ORIGIN, roomId: ROOM };
const SEND = "org.matrix.msc2762.send.event:m.room.message";
const READ = "org.matrix.msc2762.receive.event:m.room.message";
const STICKER = "m.sticker";

describe("StorageConsentStore", () => {
  it("merges what it remembers: a second remember keeps the first one's capabilities", () => {
    const store = new StorageConsentStore(new MapStorage());
    store.remember(KEY, { capabilities: [SEND] });
    store.remember(KEY, { capabilities: [READ] });
    expect(store.load(KEY).capabilities).toEqual([SEND, READ]);
  });

  it("counts stable and unstable spellings as one capability when merging and revoking", () => {
    const store = new StorageConsentStore(new MapStorage());
    store.remember(KEY, { capabilities: [SEND] });
    store.remember(KEY, { capabilities: ["m.send.event:m.room.message"] });
    expect(store.load(KEY).capabilities).toEqual([SEND]);
    store.revoke(KEY, { capabilities: ["m.send.event:m.room.message"] });
    expect(store.load(KEY).capabilities).toEqual([]);
  });

  it("survives a new store over the same storage, as localStorage does across page loads", () => {
    const storage = new MapStorage();
    new StorageConsentStore(storage).remember(KEY, { capabilities: [SEND], openId: true });
    expect(new StorageConsentStore(storage).load(KEY)).toEqual({ capabilities: [SEND], openId: true });
  });

  it("keeps widgets apart by ID, origin and room", () => {
    const store = new StorageConsentStore(new MapStorage());
    store.remember(KEY, { capabilities: [SEND] });
    expect(store.load({ ...KEY, widgetId: "w2" }).capabilities).toEqual([]);
    expect(store.load({ ...KEY, origin: "https://evil.example" }).capabilities).toEqual([]);
    expect(store.load({ ...KEY, roomId: "!other:example.org" }).capabilities).toEqual([]);
    expect(store.load({ widgetId: "w1", origin: ORIGIN }).capabilities).toEqual([]);
  });

  it("reads a damaged item as nothing remembered, and revoking the last grant removes the item", () => {
    const storage = new MapStorage();
    const store = new StorageConsentStore(storage);
    store.remember(KEY, { capabilities: [SEND] });
    const [itemKey] = [...storage.items.keys()];
    storage.setItem(itemKey as string, "{not json");
    expect(store.load(KEY)).toEqual({ capabilities: [], openId: false });
    storage.setItem(itemKey as string, JSON.stringify({ capabilities: [42, SEND], openId: "yes" }));
    expect(store.load(KEY)).toEqual({ capabilities: [SEND], openId: false });
    store.revoke(KEY, { capabilities: [SEND] });
    expect(storage.items.size).toBe(0);
  });

  it("revokes OpenID only when asked to, leaving capabilities alone", () => {
    const store = new MemoryConsentStore();
    store.remember(KEY, { capabilities: [SEND], openId: true });
    store.revoke(KEY, { capabilities: [] });
    expect(store.load(KEY).openId).toBe(true);
    store.revoke(KEY, { openId: true });
    expect(store.load(KEY)).toEqual({ capabilities: [SEND], openId: false });
  });
});

describe("rememberConsent", () => {
  const request = (requested: string[], renegotiation = false): CapabilityRequest => ({
    widget: { widgetId: KEY.widgetId, origin: ORIGIN, roomId: ROOM },
    requested,
    granted: [],
    renegotiation,
  });

  it("grants what is remembered without prompting, and prompts only for the rest", async () => {
    const store = new MemoryConsentStore();
    store.remember(KEY, { capabilities: [SEND] });
    const prompt = vi.fn((r: CapabilityRequest): CapabilityConsentAnswer => ({
      approved: r.requested,
      remember: false,
    }));
    const policy = rememberConsent({ store, promptCapabilities: prompt });
    expect([...(await policy.approveCapabilities(request([SEND])))]).toEqual([SEND]);
    expect(prompt).not.toHaveBeenCalled();
    expect([...(await policy.approveCapabilities(request([SEND, READ])))]).toEqual([SEND, READ]);
    expect(prompt).toHaveBeenCalledTimes(1);
    expect(prompt.mock.calls[0]?.[0]).toMatchObject({ requested: [READ], granted: [SEND] });
    expect(store.load(KEY).capabilities).toEqual([SEND]);
  });

  it("a revocation while the prompt is open wins: the late answer neither remembers nor grants what was revoked", async () => {
    const store = new MemoryConsentStore();
    let answer: (value: CapabilityConsentAnswer) => void = () => {};
    const policy = rememberConsent({
      store,
      promptCapabilities: () => new Promise<CapabilityConsentAnswer>((resolve) => (answer = resolve)),
    });
    const deciding = policy.approveCapabilities(request([SEND, READ], true));
    await new Promise((resolve) => setTimeout(resolve, 0));
    await policy.consentRevoked?.({ widget: request([]).widget, capabilities: [READ] });
    answer({ approved: [SEND, READ], remember: true });
    expect([...(await deciding)]).toEqual([SEND]);
    expect(store.load(KEY).capabilities).toEqual([SEND]);
    // The next session's prompt asks for READ again instead of granting it from the store.
    const prompt = vi.fn((_request: CapabilityRequest): CapabilityConsentAnswer => ({
      approved: [],
      remember: false,
    }));
    const next = rememberConsent({ store, promptCapabilities: prompt });
    expect([...(await next.approveCapabilities(request([SEND, READ])))]).toEqual([SEND]);
    expect(prompt.mock.calls[0]?.[0]).toMatchObject({ requested: [READ] });
  });

  it("merges a renegotiation's remembered grants into earlier ones instead of replacing them", async () => {
    const store = new MemoryConsentStore();
    const policy = rememberConsent({
      store,
      promptCapabilities: (r) => ({ approved: r.requested, remember: true }),
    });
    await policy.approveCapabilities(request([SEND]));
    await policy.approveCapabilities(request([READ], true));
    expect(store.load(KEY).capabilities).toEqual([SEND, READ]);
  });

  it("remembers nothing for a widget whose origin is unknown", async () => {
    const store = new MemoryConsentStore();
    const prompt = vi.fn((r: CapabilityRequest) => ({ approved: r.requested, remember: true }));
    const policy = rememberConsent({ store, promptCapabilities: prompt });
    const noOrigin = { ...request([SEND]), widget: { widgetId: "w1" } };
    await policy.approveCapabilities(noOrigin);
    await policy.approveCapabilities(noOrigin);
    expect(prompt).toHaveBeenCalledTimes(2);
  });

  it("remembers only approved capabilities the prompt was asked about", async () => {
    const store = new MemoryConsentStore();
    const policy = rememberConsent({
      store,
      promptCapabilities: () => ({ approved: [SEND, STICKER], remember: true }),
    });
    await policy.approveCapabilities(request([SEND, READ]));
    expect(store.load(KEY).capabilities).toEqual([SEND]);
  });
});

/** A transport that pins the widget's origin, as the postMessage host transport does. */
function pinned(transport: Transport, origin: string): Transport {
  return {
    peerOrigin: origin,
    send: (message) => transport.send(message),
    subscribe: (listener) => transport.subscribe(listener),
    close: () => transport.close(),
  };
}

/** One widget session: a host with `policy` and a widget client asking for `capabilities`. */
async function session(policy: HostPolicy, capabilities: string[]) {
  const pair = createMemoryTransportPair();
  const host = new WidgetHost({
    widgetId: KEY.widgetId,
    roomId: ROOM,
    transport: pinned(pair.host, ORIGIN),
    policy,
    logger: new RecordingLogger(),
  });
  const clientReady = WidgetClient.create({
    widgetId: KEY.widgetId,
    transport: pair.widget,
    capabilities,
    logger: new RecordingLogger(),
  });
  host.start();
  const client = await clientReady;
  return { host, client, end: () => (client.destroy(), host.destroy()) };
}

describe("remembered consent across sessions", () => {
  it("survives renegotiation: the next session gets both sessions' grants without a prompt", async () => {
    const storage = new MapStorage();
    const prompt = vi.fn((r: CapabilityRequest) => ({ approved: r.requested, remember: true }));
    const policy = () =>
      rememberConsent({ store: new StorageConsentStore(storage), promptCapabilities: prompt });

    const first = await session(policy(), [SEND]);
    expect(first.client.capabilities).toEqual([SEND]);
    await first.client.requestCapabilities([READ]);
    expect(first.client.capabilities).toEqual([SEND, READ]);
    first.end();
    expect(prompt).toHaveBeenCalledTimes(2);

    const second = await session(policy(), [SEND, READ]);
    expect(second.client.capabilities).toEqual([SEND, READ]);
    expect(prompt).toHaveBeenCalledTimes(2);
    second.end();
  });

  it("revocation ends the live grant, tells the widget, and the next session asks again", async () => {
    const storage = new MapStorage();
    const prompt = vi.fn((r: CapabilityRequest) => ({ approved: r.requested, remember: true }));
    const policy = () =>
      rememberConsent({ store: new StorageConsentStore(storage), promptCapabilities: prompt });

    const first = await session(policy(), [SEND, READ]);
    expect(first.client.capabilities).toEqual([SEND, READ]);
    const heard: Array<readonly string[]> = [];
    first.client.onCapabilitiesChanged((granted) => heard.push(granted));
    // Revoked in the other spelling: it is the same capability.
    await first.host.revokeCapabilities(["m.send.event:m.room.message"]);
    expect(first.host.grantedCapabilities).toEqual([READ]);
    await vi.waitFor(() => expect(heard).toEqual([[READ]]));
    expect(first.client.hasCapability(SEND)).toBe(false);
    expect(new StorageConsentStore(storage).load(KEY).capabilities).toEqual([READ]);
    // Asking again in the same session does not prompt: the user has just said no.
    await first.client.requestCapabilities([SEND]);
    expect(first.client.capabilities).toEqual([READ]);
    expect(prompt).toHaveBeenCalledTimes(1);
    first.end();

    const second = await session(policy(), [SEND, READ]);
    expect(prompt).toHaveBeenCalledTimes(2);
    expect(prompt.mock.calls[1]?.[0].requested).toEqual([SEND]);
    expect(second.client.capabilities).toEqual([SEND, READ]);
    second.end();
  });

  it("a revocation whose policy hook throws still ends the live grant", async () => {
    const policy: HostPolicy = {
      approveCapabilities: ({ requested }) => requested,
      consentRevoked: () => {
        throw Object.create(null);
      },
    };
    const s = await session(policy, [SEND]);
    await expect(s.host.revokeCapabilities([SEND])).resolves.toBeUndefined();
    expect(s.host.grantedCapabilities).toEqual([]);
    s.end();
  });
});

describe("rememberConsent with the host-ui consent prompt's answer", () => {
  it("remembers an approved list that carries remember: true, as showConsentPrompt resolves", async () => {
    const store = new MemoryConsentStore();
    const policy = rememberConsent({
      store,
      promptCapabilities: (r) => consentDecision(r.requested, [SEND], true),
    });
    const approved = await policy.approveCapabilities({
      widget: { widgetId: KEY.widgetId, origin: ORIGIN, roomId: ROOM },
      requested: [SEND, READ],
      granted: [],
      renegotiation: false,
    });
    expect([...approved]).toEqual([SEND]);
    expect(store.load(KEY).capabilities).toEqual([SEND]);
  });

  it("does not remember a decision whose remember box was left unchecked", async () => {
    const store = new MemoryConsentStore();
    const policy = rememberConsent({
      store,
      promptCapabilities: (r) => consentDecision(r.requested, [SEND], false),
    });
    await policy.approveCapabilities({
      widget: { widgetId: KEY.widgetId, origin: ORIGIN, roomId: ROOM },
      requested: [SEND],
      granted: [],
      renegotiation: false,
    });
    expect(store.load(KEY).capabilities).toEqual([]);
  });
});

describe("rememberConsent with a failing store", () => {
  const failing = (): MemoryConsentStore => {
    const store = new MemoryConsentStore();
    store.load = () => {
      throw new Error("SecurityError: storage is blocked");
    };
    store.remember = () => {
      throw Object.create(null);
    };
    return store;
  };

  it("asks the user when the store cannot be read, and grants their answer when it cannot be written", async () => {
    const logger = new RecordingLogger();
    const prompt = vi.fn((r: CapabilityRequest) => ({ approved: r.requested, remember: true }));
    const policy = rememberConsent({ store: failing(), promptCapabilities: prompt, logger });
    const approved = await policy.approveCapabilities({
      widget: { widgetId: KEY.widgetId, origin: ORIGIN, roomId: ROOM },
      requested: [SEND],
      granted: [],
      renegotiation: false,
    });
    expect([...approved]).toEqual([SEND]);
    expect(prompt).toHaveBeenCalledTimes(1);
    expect(logger.lines.filter((line) => line.startsWith("warn:"))).toHaveLength(2);
  });

  it("asks about OpenID when the store cannot be read", async () => {
    const policy = rememberConsent({
      store: failing(),
      promptCapabilities: () => [],
      promptOpenId: () => true,
      logger: new RecordingLogger(),
    });
    await expect(
      policy.approveOpenId({
        widget: { widgetId: "w1", origin: ORIGIN },
        signal: new AbortController().signal,
      }),
    ).resolves.toBe(true);
  });
});

describe("revocation while the policy decides", () => {
  it("does not grant a capability revoked while the user was still being asked about it", async () => {
    let answer: ((approved: string[]) => void) | undefined;
    const policy: HostPolicy = {
      approveCapabilities: ({ requested, renegotiation }) =>
        renegotiation ? new Promise<string[]>((resolve) => (answer = resolve)) : requested,
    };
    const s = await session(policy, [SEND]);
    const renegotiated = s.client.requestCapabilities([READ]);
    await vi.waitFor(() => expect(answer).toBeDefined());
    await s.host.revokeCapabilities([READ]);
    answer?.([READ]);
    expect(await renegotiated).toEqual([SEND]);
    expect(s.host.grantedCapabilities).toEqual([SEND]);
    s.end();
  });
});
