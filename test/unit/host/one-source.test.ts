import type { MatrixClient } from "matrix-js-sdk";
import { describe, expect, it, vi } from "vitest";
import { MatrixClientDriver } from "../../../src/drivers/matrix-js-sdk/index.js";
import { MemoryConsentStore, rememberConsent } from "../../../src/host/consent/index.js";
import type { NavigationContext, OpenIdCredentials, OpenIdRequestOptions } from "../../../src/host/driver.js";
import { allowListPolicy, approveCapabilities, type OpenIdConsentRequest } from "../../../src/host/policy.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import type { NavigationTarget } from "../../../src/matrix/links.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import { HostPostMessageTransport } from "../../../src/transport/post-message-host.js";
import type { Transport } from "../../../src/transport/transport.js";
import { getOpenIdToken } from "../../../src/widget/features/openid.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import { FakeDriver } from "../misc/fake-driver.js";
import { openSession, RecordingLogger } from "../misc/harness.js";

const CREDENTIALS: OpenIdCredentials = {
  access_token: "SECRET-TOKEN-abc123",
  expires_in: 3600,
  matrix_server_name: "example.org",
  token_type: "Bearer",
};

function withOrigin(transport: Transport, origin: string): Transport {
  return {
    peerOrigin: origin,
    send: (message) => transport.send(message),
    subscribe: (listener) => transport.subscribe(listener),
    close: () => transport.close(),
  };
}

describe("the widget's origin comes from the transport", () => {
  it("reads the origin the transport pins, without an origin option", () => {
    const host = new WidgetHost({
      widgetId: "w",
      transport: withOrigin(createMemoryTransportPair().host, "https://widget.example"),
    });
    expect(host.widget.origin).toBe("https://widget.example");
    host.destroy();
  });

  it("exposes the postMessage host transport's pinned origin as peerOrigin", () => {
    const target = { addEventListener() {}, removeEventListener() {} };
    const transport = new HostPostMessageTransport({
      iframe: { ...target, contentWindow: null } as unknown as HTMLIFrameElement,
      hostWindow: target as unknown as Window,
      widgetOrigin: "https://widget.example/app/index.html?x=1",
    });
    expect(transport.peerOrigin).toBe("https://widget.example");
  });

  it("falls back to the deprecated origin option for a transport that pins none", () => {
    const host = new WidgetHost({
      widgetId: "w",
      transport: createMemoryTransportPair().host,
      origin: "https://widget.example",
    });
    expect(host.widget.origin).toBe("https://widget.example");
    host.destroy();
  });

  it("uses the transport's origin and warns when the origin option disagrees", () => {
    const logger = new RecordingLogger();
    const host = new WidgetHost({
      widgetId: "w",
      transport: withOrigin(createMemoryTransportPair().host, "https://widget.example"),
      origin: "https://other.example",
      logger,
    });
    expect(host.widget.origin).toBe("https://widget.example");
    expect(
      logger.lines.filter((line) => line.startsWith("warn:") && line.includes("origin option")),
    ).toHaveLength(1);
    host.destroy();
  });
});

describe("the viewed room is held by the host", () => {
  const ROOM_TARGET: NavigationTarget = { type: "room", room: "!b:example.org", via: [] };

  it("passes the host's current viewed room to the driver with each navigation", async () => {
    const driver = new FakeDriver();
    const seen: Array<NavigationContext | undefined> = [];
    (driver as { navigate?: (t: NavigationTarget, c?: NavigationContext) => Promise<void> }).navigate = (
      _t,
      c,
    ) => {
      seen.push(c);
      return Promise.resolve();
    };
    const s = await openSession({
      driver,
      capabilities: ["org.matrix.msc2931.navigate"],
      viewedRoomId: "!a:example.org",
    });
    await s.send("org.matrix.msc2931.navigate", { uri: "https://matrix.to/#/!b:example.org" });
    s.host.setViewedRoomId("!b:example.org");
    await s.send("org.matrix.msc2931.navigate", { uri: "https://matrix.to/#/!b:example.org" });
    expect(seen).toEqual([{ viewedRoomId: "!a:example.org" }, { viewedRoomId: "!b:example.org" }]);
  });

  it("MatrixClientDriver marks a target viewed from the host's room, not its deprecated option", async () => {
    const client = { getRoom: () => null } as unknown as MatrixClient;
    const driver = new MatrixClientDriver(client, { getViewedRoomId: () => "!stale:example.org" });
    await expect(
      driver.resolveNavigationTarget(ROOM_TARGET, { viewedRoomId: "!b:example.org" }),
    ).resolves.toMatchObject({
      viewed: true,
    });
    await expect(
      driver.resolveNavigationTarget(ROOM_TARGET, { viewedRoomId: "!stale:example.org" }),
    ).resolves.toMatchObject({ viewed: false });
    // When the host has no viewed room (or for a direct call), the deprecated option still answers.
    await expect(
      driver.resolveNavigationTarget(
        { ...ROOM_TARGET, room: "!stale:example.org" },
        { viewedRoomId: undefined },
      ),
    ).resolves.toMatchObject({ viewed: true });
    await expect(
      driver.resolveNavigationTarget({ ...ROOM_TARGET, room: "!stale:example.org" }),
    ).resolves.toMatchObject({
      viewed: true,
    });
  });
});

describe("OpenID consent goes through the policy", () => {
  function recordingDriver() {
    const driver = new FakeDriver();
    const options: Array<OpenIdRequestOptions | undefined> = [];
    driver.requestOpenId = (o) => {
      options.push(o);
      return Promise.resolve(CREDENTIALS);
    };
    return { driver, options };
  }

  it("asks the policy, and a refusal never reaches the driver", async () => {
    const { driver, options } = recordingDriver();
    const asked: OpenIdConsentRequest[] = [];
    const s = await openSession({
      driver,
      policy: { approveOpenId: (request) => (asked.push(request), false) },
    });
    expect((await s.send("get_openid", {})).response).toEqual({ state: "blocked" });
    expect(options).toEqual([]);
    expect(asked).toHaveLength(1);
    expect(asked[0]?.widget.widgetId).toBe(s.host.widget.widgetId);
    expect(asked[0]?.signal.aborted).toBe(false);
  });

  it("an approval has the driver fetch the token without asking again", async () => {
    const { driver, options } = recordingDriver();
    const s = await openSession({ driver, policy: { approveOpenId: () => true } });
    expect((await s.send("get_openid", {})).response).toEqual({ state: "allowed", ...CREDENTIALS });
    expect(options).toEqual([{ consented: true }]);
  });

  it.each([
    [
      "throws undefined",
      () => {
        throw undefined;
      },
    ],
    ["rejects with a null-prototype object", () => Promise.reject(Object.create(null))],
    ["answers a truthy non-boolean", () => "yes" as unknown as boolean],
  ])("refuses when the policy %s, with one reply", async (_label, approveOpenId) => {
    const { driver, options } = recordingDriver();
    const s = await openSession({ driver, policy: { approveOpenId } });
    const { response } = await s.send("get_openid", {});
    // A pending decision is answered `request` and then pushed; either way it is blocked.
    if ((response as { state: string }).state === "request") {
      await vi.waitFor(() => expect(s.pushes("openid_credentials")).toHaveLength(1));
      expect((s.pushes("openid_credentials")[0] as { data: unknown }).data).toMatchObject({
        state: "blocked",
      });
    } else {
      expect(response).toEqual({ state: "blocked" });
    }
    expect(options).toEqual([]);
  });

  it("a remembered approval skips the prompt in the next session", async () => {
    const store = new MemoryConsentStore();
    const promptOpenId = vi.fn(() => ({ approved: true, remember: true }));
    for (let i = 0; i < 2; i++) {
      const { driver, options } = recordingDriver();
      const pair = createMemoryTransportPair();
      const host = new WidgetHost({
        widgetId: "w",
        transport: withOrigin(pair.host, "https://widget.example"),
        driver,
        policy: rememberConsent({ store, promptCapabilities: (r) => r.requested, promptOpenId }),
        logger: new RecordingLogger(),
      });
      const ready = WidgetClient.create({
        widgetId: "w",
        transport: pair.widget,
        logger: new RecordingLogger(),
      });
      host.start();
      const client = await ready;
      await expect(getOpenIdToken(client)).resolves.toEqual(CREDENTIALS);
      expect(options).toEqual([{ consented: true }]);
      client.destroy();
      host.destroy();
    }
    expect(promptOpenId).toHaveBeenCalledTimes(1);
    expect(store.load({ widgetId: "w", origin: "https://widget.example" }).openId).toBe(true);
  });

  it("MatrixClientDriver fetches a token when the policy consented, without its deprecated confirmOpenId", async () => {
    const getOpenIdToken = vi.fn(() => Promise.resolve({ ...CREDENTIALS }));
    const confirmOpenId = vi.fn(() => false);
    const driver = new MatrixClientDriver({ getOpenIdToken } as unknown as MatrixClient, { confirmOpenId });
    await expect(driver.requestOpenId({ consented: true })).resolves.toEqual(CREDENTIALS);
    expect(confirmOpenId).not.toHaveBeenCalled();
    await expect(driver.requestOpenId()).resolves.toBeUndefined();
    expect(confirmOpenId).toHaveBeenCalledTimes(1);
  });
});

describe("the capability list factory's name", () => {
  it("is allowListPolicy, with approveCapabilities kept as a deprecated alias", () => {
    expect(approveCapabilities).toBe(allowListPolicy);
    const policy = allowListPolicy(["m.sticker"]);
    expect([
      ...(policy.approveCapabilities({
        widget: { widgetId: "w" },
        requested: ["m.sticker", "m.always_on_screen"],
        granted: [],
        renegotiation: false,
      }) as Iterable<string>),
    ]).toEqual(["m.sticker"]);
  });
});
