// MatrixClientDriver parts a healthy Synapse does not provoke, checked with matrix-js-sdk's own
// classes and an unstarted client whose events the test emits: error conversion details, the TURN
// feed, to-device messages, live-event de-duplication, media on a homeserver without
// authenticated media, and that the entry point never bundles the SDK. No homeserver is contacted.

import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import {
  ClientEvent,
  ConnectionError,
  EventStatus,
  HTTPError,
  MatrixError,
  MatrixEvent,
  PendingEventOrdering,
  Room,
  RoomEvent as SdkRoomEvent,
  createClient,
  type MatrixClient,
} from "matrix-js-sdk";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/core/logger.js";
import { MatrixClientDriver, toHomeserverError } from "../../src/drivers/matrix-js-sdk/index.js";
import type { RoomEvent, ToDeviceEvent, TurnServer } from "../../src/host/driver.js";
import { HomeserverError } from "../../src/host/matrix-error.js";
import { ErrorCode, WidgetApiError } from "../../src/protocol/errors.js";
import { WidgetHost } from "../../src/host/widget-host.js";
import { ApiVersion } from "../../src/protocol/versions.js";
import { createMemoryTransportPair } from "../../src/transport/memory.js";
import { clientFor } from "./matrix-client.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const user = { userId: "@me:example.org", accessToken: "secret-token", deviceId: "DEVICE" };

const clients: MatrixClient[] = [];
function offlineClient(): MatrixClient {
  const client = clientFor({ baseUrl: "http://127.0.0.1:9" }, user);
  clients.push(client);
  return client;
}

/** Makes an unstarted client look as if it polled TURN, with `check` answering checkTurnServers. */
function pollTurn(client: MatrixClient, check: () => Promise<boolean | undefined>): void {
  Object.defineProperty(client, "pollingTurnServers", { configurable: true, get: () => true });
  Object.defineProperty(client, "checkTurnServers", { configurable: true, value: check });
}

afterEach(() => {
  for (const client of clients.splice(0)) client.removeAllListeners();
});

describe("toHomeserverError", () => {
  it("keeps a MatrixError's status, errcode, message and retry time, and drops the query string", () => {
    const error = new MatrixError(
      { errcode: "M_LIMIT_EXCEEDED", error: "Too Many Requests", retry_after_ms: 1500 },
      429,
      "https://hs.example/_matrix/client/v3/user_directory/search?access_token=secret-token",
      undefined,
      new Headers({ "Retry-After": "2" }),
    );
    const converted = toHomeserverError(error);
    expect(converted).toBeInstanceOf(HomeserverError);
    expect((converted as HomeserverError).toMatrixApiError()).toEqual({
      http_status: 429,
      http_headers: { "retry-after": "2" },
      url: "https://hs.example/_matrix/client/v3/user_directory/search",
      response: { errcode: "M_LIMIT_EXCEEDED", error: "Too Many Requests", retry_after_ms: 1500 },
    });
    expect(JSON.stringify((converted as HomeserverError).details)).not.toContain("secret-token");
  });

  it("reads the retry time from Retry-After (seconds or an HTTP date) when the body has none", () => {
    const seconds = toHomeserverError(
      new MatrixError(
        { errcode: "M_LIMIT_EXCEEDED", error: "slow down" },
        429,
        undefined,
        undefined,
        new Headers({ "Retry-After": "7" }),
      ),
    ) as HomeserverError;
    expect(seconds.details.retryAfterMs).toBe(7000);
    const date = new Date(Date.now() + 60_000).toUTCString();
    const dated = toHomeserverError(
      new MatrixError(
        { errcode: "M_LIMIT_EXCEEDED", error: "slow down" },
        429,
        undefined,
        undefined,
        new Headers({ "Retry-After": date }),
      ),
    ) as HomeserverError;
    expect(dated.details.retryAfterMs).toBeGreaterThan(50_000);
    expect(dated.details.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it("turns an HTTP error without a Matrix body into M_UNKNOWN with its status", () => {
    const converted = toHomeserverError(new HTTPError("Server returned 502 error", 502)) as HomeserverError;
    expect(converted.details).toMatchObject({ httpStatus: 502, errcode: "M_UNKNOWN" });
  });

  it("turns a connection failure into status 0 without the cause's details", () => {
    const cause = new TypeError("fetch failed: connect ECONNREFUSED 127.0.0.1:9");
    const converted = toHomeserverError(new ConnectionError("fetch failed", cause)) as HomeserverError;
    expect(converted.details).toEqual({
      httpStatus: 0,
      errcode: "M_UNKNOWN",
      error: "The homeserver could not be reached",
    });
  });

  it("leaves other errors alone", () => {
    const bug = new TypeError("undefined is not a function");
    expect(toHomeserverError(bug)).toBe(bug);
    const aborted = new DOMException("aborted", "AbortError");
    expect(toHomeserverError(aborted)).toBe(aborted);
  });
});

describe("MatrixClientDriver feeds (events emitted by hand)", () => {
  it("streams TURN servers: the current ones, then each refresh, until the consumer returns", async () => {
    const client = offlineClient();
    // The client's check finds credentials still valid, so the feed waits for refreshes.
    pollTurn(client, async () => true);
    const driver = new MatrixClientDriver(client, { logger: silentLogger });
    const iterator = driver.getTurnServers()[Symbol.asyncIterator]();
    const first = iterator.next();
    client.emit(ClientEvent.TurnServers, [{ urls: ["turn:a.example"], username: "u1", credential: "p1" }]);
    expect(await first).toEqual({
      done: false,
      value: { uris: ["turn:a.example"], username: "u1", password: "p1" } satisfies TurnServer,
    });
    const waiting = iterator.next();
    await iterator.return?.();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(client.listenerCount(ClientEvent.TurnServers)).toBe(0);
    expect(client.listenerCount(ClientEvent.TurnServersError)).toBe(0);
  });

  it("ends the TURN feed at once when the client offers none", async () => {
    const unstarted = new MatrixClientDriver(offlineClient()).getTurnServers()[Symbol.asyncIterator]();
    expect(await unstarted.next()).toEqual({ done: true, value: undefined });
    const client = offlineClient();
    pollTurn(client, async () => false);
    const noneOnServer = new MatrixClientDriver(client).getTurnServers()[Symbol.asyncIterator]();
    expect(await noneOnServer.next()).toEqual({ done: true, value: undefined });
    expect(client.listenerCount(ClientEvent.TurnServers)).toBe(0);
  });

  it("ends the TURN feed on a fatal TURN error", async () => {
    const client = offlineClient();
    pollTurn(client, () => new Promise(() => {}));
    const iterator = new MatrixClientDriver(client).getTurnServers()[Symbol.asyncIterator]();
    const waiting = iterator.next();
    client.emit(ClientEvent.TurnServersError, new Error("no TURN"), true);
    expect(await waiting).toEqual({ done: true, value: undefined });
  });

  it("delivers to-device messages, and drops ones it could not decrypt", () => {
    const client = offlineClient();
    const driver = new MatrixClientDriver(client, { logger: silentLogger });
    const seen: ToDeviceEvent[] = [];
    const stop = driver.watchToDevice((message) => seen.push(message));
    client.emit(
      ClientEvent.ToDeviceEvent,
      new MatrixEvent({ type: "org.example.ping", sender: "@alice:example.org", content: { n: 1 } }),
    );
    client.emit(
      ClientEvent.ToDeviceEvent,
      new MatrixEvent({
        type: "m.room.encrypted",
        sender: "@alice:example.org",
        content: { ciphertext: "x" },
      }),
    );
    stop();
    client.emit(
      ClientEvent.ToDeviceEvent,
      new MatrixEvent({ type: "org.example.late", sender: "@a:b", content: {} }),
    );
    expect(seen).toEqual([
      { type: "org.example.ping", sender: "@alice:example.org", content: { n: 1 }, encrypted: false },
    ]);
  });

  it("delivers live room events once: no back-pagination, no pending echoes, own events by real ID", () => {
    const client = offlineClient();
    const driver = new MatrixClientDriver(client, { logger: silentLogger });
    const seen: RoomEvent[] = [];
    const stop = driver.watchRoomEvents((event) => seen.push(event));
    const remote = new MatrixEvent({
      type: "m.room.message",
      event_id: "$remote",
      room_id: "!r:example.org",
      sender: "@alice:example.org",
      origin_server_ts: 1,
      content: { body: "hi" },
    });
    const old = new MatrixEvent({
      type: "m.room.message",
      event_id: "$old",
      room_id: "!r:example.org",
      content: {},
    });
    const echo = new MatrixEvent({
      type: "m.room.message",
      event_id: "~!r:example.org:m1",
      room_id: "!r:example.org",
      content: {},
    });
    echo.setStatus(EventStatus.SENDING);

    client.emit(SdkRoomEvent.Timeline, remote, undefined, false, false, { liveEvent: true } as never);
    client.emit(SdkRoomEvent.Timeline, remote, undefined, false, false, { liveEvent: true } as never);
    client.emit(SdkRoomEvent.Timeline, old, undefined, true, false, { liveEvent: false } as never);
    client.emit(SdkRoomEvent.Timeline, echo, undefined, false, false, { liveEvent: true } as never);
    echo.replaceLocalEventId("$sent");
    echo.setStatus(EventStatus.SENT);
    client.emit(
      SdkRoomEvent.LocalEchoUpdated,
      echo,
      undefined as never,
      "~!r:example.org:m1",
      EventStatus.SENDING,
    );
    echo.setStatus(null);
    client.emit(SdkRoomEvent.LocalEchoUpdated, echo, undefined as never, "$sent", EventStatus.SENT);
    stop();
    client.emit(SdkRoomEvent.Timeline, remote, undefined, false, false, { liveEvent: true } as never);

    expect(seen.map((event) => event.event_id)).toEqual(["$remote", "$sent"]);
    expect(seen[0]).toEqual({
      type: "m.room.message",
      event_id: "$remote",
      room_id: "!r:example.org",
      sender: "@alice:example.org",
      origin_server_ts: 1,
      content: { body: "hi" },
    });
  });

  it("reads sticky events from the room's store without pending echoes, and is unsupported on an SDK that tracks none", async () => {
    const sticky = new MatrixEvent({
      type: "org.matrix.msc3401.call.member",
      event_id: "$sticky",
      room_id: "!r:example.org",
      sender: "@alice:example.org",
      origin_server_ts: 1,
      content: { sticky_key: "a" },
      msc4354_sticky: { duration_ms: 120_000 },
    } as never);
    const echo = new MatrixEvent({
      type: "org.matrix.msc3401.call.member",
      event_id: "~echo",
      room_id: "!r:example.org",
      content: {},
    });
    echo.setStatus(EventStatus.SENDING);
    let tracked: (() => Iterable<MatrixEvent>) | undefined = () => [sticky, echo];
    const room = {
      roomId: "!r:example.org",
      getMyMembership: () => "join",
      get _unstable_getStickyEvents() {
        return tracked;
      },
    };
    const client = offlineClient();
    Object.defineProperty(client, "getRoom", {
      configurable: true,
      value: (id: string) => (id === room.roomId ? room : null),
    });
    const driver = new MatrixClientDriver(client);
    expect(await driver.readStickyEvents("!r:example.org")).toEqual([
      {
        type: "org.matrix.msc3401.call.member",
        event_id: "$sticky",
        room_id: "!r:example.org",
        sender: "@alice:example.org",
        origin_server_ts: 1,
        content: { sticky_key: "a" },
        msc4354_sticky: { duration_ms: 120_000 },
      },
    ]);
    expect(await driver.readStickyEvents("!unknown:example.org")).toEqual([]);
    tracked = undefined;
    const error = await driver.readStickyEvents("!r:example.org").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WidgetApiError);
    expect((error as WidgetApiError).code).toBe(ErrorCode.Unsupported);
  });

  it("offers navigate only when the application routes (onNavigate)", () => {
    expect(new MatrixClientDriver(offlineClient()).navigate).toBeUndefined();
    expect(typeof new MatrixClientDriver(offlineClient(), { onNavigate: () => {} }).navigate).toBe(
      "function",
    );
  });

  it("hands always-on-screen and modals to the application's callbacks, and has neither without them", async () => {
    const bare = new MatrixClientDriver(offlineClient());
    expect(bare.setAlwaysOnScreen).toBeUndefined();
    expect(bare.openModal).toBeUndefined();
    const seen: unknown[] = [];
    const driver = new MatrixClientDriver(offlineClient(), {
      onAlwaysOnScreen: (request) => {
        seen.push(request.value);
        return request.value;
      },
      onOpenModal: (request) => {
        seen.push(request.definition);
      },
    });
    const widget = { widgetId: "w", origin: "https://widget.example" } as never;
    expect(await driver.setAlwaysOnScreen?.({ widget, host: undefined, value: true })).toBe(true);
    expect(await driver.setAlwaysOnScreen?.({ widget, host: undefined, value: false })).toBe(false);
    const definition = { url: "https://widget.example/modal", name: "Modal", buttons: [] } as never;
    await driver.openModal?.({
      opener: widget,
      openerHost: {} as never,
      definition,
      signal: new AbortController().signal,
    });
    expect(seen).toEqual([true, false, definition]);
  });

  it("refuses OpenID without a confirmOpenId that agrees", async () => {
    expect(await new MatrixClientDriver(offlineClient()).requestOpenId()).toBeUndefined();
    expect(
      await new MatrixClientDriver(offlineClient(), { confirmOpenId: () => false }).requestOpenId(),
    ).toBeUndefined();
  });
});

describe("MatrixClientDriver RTC transports (SDK answers stubbed by hand)", () => {
  /** Replaces the client's MSC4143 call with `answer`. */
  function stubTransports(client: MatrixClient, answer: () => Promise<unknown>): void {
    Object.defineProperty(client, "_unstable_getRTCTransports", { configurable: true, value: answer });
  }
  const hostFor = (driver: MatrixClientDriver) =>
    new WidgetHost({
      widgetId: "rtc-offline",
      transport: createMemoryTransportPair().host,
      driver,
      logger: silentLogger,
      policy: { approveCapabilities: ({ requested }) => requested },
    });

  it("makes the host advertise org.matrix.msc4515 by default, and not with rtcTransports none", () => {
    expect(hostFor(new MatrixClientDriver(offlineClient())).supportedVersions).toContain(ApiVersion.MSC4515);
    const none = new MatrixClientDriver(offlineClient(), { rtcTransports: "none" });
    expect(none.getRtcTransports).toBeUndefined();
    expect(hostFor(none).supportedVersions).not.toContain(ApiVersion.MSC4515);
  });

  it("throws the endpoint's failure as HomeserverError instead of falling back when it is not a 404", async () => {
    const client = offlineClient();
    stubTransports(client, () =>
      Promise.reject(new MatrixError({ errcode: "M_UNKNOWN", error: "boom" }, 500)),
    );
    const error = await new MatrixClientDriver(client, { logger: silentLogger })
      .getRtcTransports?.()
      .catch((e) => e);
    expect(error).toBeInstanceOf(HomeserverError);
    expect((error as HomeserverError).details).toMatchObject({ httpStatus: 500, errcode: "M_UNKNOWN" });
  });

  it("reads rtc_foci from the well-known the client polls when the endpoint is missing", async () => {
    const client = offlineClient();
    stubTransports(client, () =>
      Promise.reject(new MatrixError({ errcode: "M_UNRECOGNIZED", error: "Unrecognized request" }, 404)),
    );
    const foci = [{ type: "livekit", livekit_service_url: "https://jwt.example.org" }];
    Object.defineProperty(client, "getClientWellKnown", {
      configurable: true,
      value: () => ({
        "m.homeserver": { base_url: "https://hs.example.org" },
        "org.matrix.msc4143.rtc_foci": foci,
      }),
    });
    expect(await new MatrixClientDriver(client).getRtcTransports?.()).toEqual(foci);
  });

  it("answers no foci (and logs no URL) when the well-known cannot be reached", async () => {
    const client = offlineClient();
    stubTransports(client, () => Promise.reject(new HTTPError("Not found", 404)));
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
    const driver = new MatrixClientDriver(client, {
      clientWellKnownUrl: "http://127.0.0.1:9/.well-known/matrix/client",
      logger,
    });
    expect(await driver.getRtcTransports?.()).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain("127.0.0.1");
  });

  it("drops malformed transports and copies the rest, from the endpoint or the application", async () => {
    const good = { type: "livekit", livekit_service_url: "https://jwt.example.org", nested: { a: 1 } };
    const listed = [good, { type: "" }, { type: 7 }, null, "livekit", [good]];
    const client = offlineClient();
    stubTransports(client, () => Promise.resolve(listed));
    const fromServer = await new MatrixClientDriver(client).getRtcTransports?.();
    expect(fromServer).toEqual([good]);
    expect(fromServer?.[0]).not.toBe(good);
    const fromApp = await new MatrixClientDriver(offlineClient(), {
      rtcTransports: listed as never,
    }).getRtcTransports?.();
    expect(fromApp).toEqual([good]);
  });
});

describe("MatrixClientDriver LiveKit operations (SDK answers stubbed by hand)", () => {
  const member = { id: "member-1", claimedDeviceId: "DEVICE" };
  const tokenRequest = {
    serverName: "example.org",
    url: "wss://sfu.example.org",
    roomId: "!r:example.org",
    slotId: "m.call#ROOM",
    member,
  };
  /** Replaces one of the client's MSC4195 calls, recording the bodies it gets. */
  function stub(client: MatrixClient, name: string, answer: () => Promise<unknown>): unknown[] {
    const bodies: unknown[] = [];
    Object.defineProperty(client, name, {
      configurable: true,
      value: (body: unknown) => {
        bodies.push(body);
        return answer();
      },
    });
    return bodies;
  }

  it("sends MSC4195's body for a token and returns the homeserver's JWT", async () => {
    const client = offlineClient();
    const bodies = stub(client, "_unstable_getLivekitToken", () =>
      Promise.resolve({ jwt: "header.payload.sig" }),
    );
    expect(await new MatrixClientDriver(client).getLivekitToken?.(tokenRequest)).toEqual({
      jwt: "header.payload.sig",
    });
    expect(bodies).toEqual([
      {
        url: "wss://sfu.example.org",
        room_id: "!r:example.org",
        slot_id: "m.call#ROOM",
        member: { id: "member-1", claimed_device_id: "DEVICE" },
        server_name: "example.org",
      },
    ]);
  });

  it("turns a missing endpoint into unsupported and a refusal into HomeserverError", async () => {
    const client = offlineClient();
    stub(client, "_unstable_getLivekitToken", () =>
      Promise.reject(new MatrixError({ errcode: "M_UNRECOGNIZED", error: "Unrecognized request" }, 400)),
    );
    const missing = await new MatrixClientDriver(client).getLivekitToken?.(tokenRequest).catch((e) => e);
    expect(missing).toBeInstanceOf(WidgetApiError);
    expect((missing as WidgetApiError).code).toBe(ErrorCode.Unsupported);

    stub(client, "_unstable_getLivekitToken", () =>
      Promise.reject(new MatrixError({ errcode: "M_FORBIDDEN", error: "Not joined" }, 403)),
    );
    const refused = await new MatrixClientDriver(client).getLivekitToken?.(tokenRequest).catch((e) => e);
    expect(refused).toBeInstanceOf(HomeserverError);
    expect((refused as HomeserverError).details).toMatchObject({ httpStatus: 403, errcode: "M_FORBIDDEN" });
  });

  it("delegates a delayed leave with the SFU url when given and without it otherwise", async () => {
    const client = offlineClient();
    const bodies = stub(client, "_unstable_delegateDelayedLeave", () => Promise.resolve({}));
    const driver = new MatrixClientDriver(client);
    const ref = {
      roomId: "!r:example.org",
      slotId: "m.call#ROOM",
      member: { id: "member-1" },
      delayId: "syd_1",
    };
    await driver.delegateDelayedLeave?.({ ...ref, url: "wss://sfu.example.org" });
    await driver.delegateDelayedLeave?.(ref);
    const base = {
      room_id: "!r:example.org",
      slot_id: "m.call#ROOM",
      member: { id: "member-1" },
      delay_id: "syd_1",
    };
    expect(bodies).toEqual([{ ...base, url: "wss://sfu.example.org" }, base]);
  });

  it("keeps a 404 with a Matrix error (an unknown delay ID) a HomeserverError, and a bare 404 unsupported", async () => {
    const client = offlineClient();
    const ref = { roomId: "!r:example.org", slotId: "m.call#ROOM", member: { id: "m" }, delayId: "syd_gone" };
    stub(client, "_unstable_delegateDelayedLeave", () =>
      Promise.reject(new MatrixError({ errcode: "M_NOT_FOUND", error: "Delayed event not found" }, 404)),
    );
    const unknown = await new MatrixClientDriver(client).delegateDelayedLeave?.(ref).catch((e) => e);
    expect(unknown).toBeInstanceOf(HomeserverError);
    expect((unknown as HomeserverError).details).toMatchObject({ httpStatus: 404, errcode: "M_NOT_FOUND" });

    stub(client, "_unstable_delegateDelayedLeave", () => Promise.reject(new HTTPError("Not Found", 404)));
    const bare = await new MatrixClientDriver(client).delegateDelayedLeave?.(ref).catch((e) => e);
    expect(bare).toBeInstanceOf(WidgetApiError);
    expect((bare as WidgetApiError).code).toBe(ErrorCode.Unsupported);
  });

  it("calls the endpoint itself on an SDK without the LiveKit methods", async () => {
    const client = offlineClient();
    Object.defineProperty(client, "_unstable_getLivekitToken", { configurable: true, value: undefined });
    // Nothing listens on the offline client's port: the request was made, and failed as unreachable.
    const error = await new MatrixClientDriver(client).getLivekitToken?.(tokenRequest).catch((e) => e);
    expect(error).toBeInstanceOf(HomeserverError);
    expect((error as HomeserverError).details.httpStatus).toBe(0);
  });
});

describe("the matrix-js-sdk driver entry point", () => {
  it("bundles without any matrix-js-sdk code (types only)", async () => {
    const result = await build({
      entryPoints: [`${root}src/drivers/matrix-js-sdk/index.ts`],
      bundle: true,
      write: false,
      format: "esm",
      platform: "neutral",
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((file) => file.includes("src/drivers/matrix-js-sdk/driver.ts"))).toBe(true);
    expect(inputs.filter((file) => file.includes("node_modules"))).toEqual([]);
  });
});

describe("MatrixClientDriver media on a homeserver without authenticated media (fetch stubbed)", () => {
  /** A client whose requests go to `answer`, which also records each path and Authorization header. */
  function stubbedClient(answer: (path: string) => Response) {
    const seen: Array<[path: string, authorization: string | null]> = [];
    const fetchFn = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const path = new URL(String(input)).pathname;
      seen.push([path, new Headers(init?.headers).get("Authorization")]);
      return Promise.resolve(answer(path));
    };
    const client = createClient({ baseUrl: "http://hs.example", ...user, fetchFn });
    clients.push(client);
    return { driver: new MatrixClientDriver(client, { logger: silentLogger }), seen };
  }
  const matrixError = (status: number, errcode: string) =>
    new Response(JSON.stringify({ errcode, error: errcode }), {
      status,
      headers: { "content-type": "application/json" },
    });

  it("downloads through the older endpoint, without the access token, when the authenticated one is unknown", async () => {
    const { driver, seen } = stubbedClient((path) =>
      path.startsWith("/_matrix/client/v1/media/")
        ? matrixError(404, "M_UNRECOGNIZED")
        : new Response(new Uint8Array([1, 2, 3]), {
            headers: { "content-type": "application/octet-stream" },
          }),
    );
    const { file } = await driver.downloadFile("mxc://example.org/abc");
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    expect(seen).toEqual([
      ["/_matrix/client/v1/media/download/example.org/abc", "Bearer secret-token"],
      ["/_matrix/media/v3/download/example.org/abc", null],
    ]);
  });

  it("does not fall back for media the homeserver does not have (404 M_NOT_FOUND)", async () => {
    const { driver, seen } = stubbedClient(() => matrixError(404, "M_NOT_FOUND"));
    await expect(driver.downloadFile("mxc://example.org/missing")).rejects.toMatchObject({
      details: { httpStatus: 404, errcode: "M_NOT_FOUND" },
    });
    expect(seen).toHaveLength(1);
  });
});

describe("sends matrix-js-sdk would get wrong, refused or cleaned up", () => {
  const ROOM_ID = "!room:example.org";

  /** An offline client whose room lookup answers `room` (null: unknown), and a driver over it. */
  function withRoom(room: { hasEncryptionStateEvent(): boolean } | null) {
    const client = offlineClient();
    Object.defineProperty(client, "getRoom", { configurable: true, value: () => room });
    return { client, driver: new MatrixClientDriver(client, { logger: silentLogger }) };
  }

  it("refuses a delayed room event to an encrypted room, or to a room the client does not know, before anything is sent (the SDK would send it unencrypted)", async () => {
    for (const room of [{ hasEncryptionStateEvent: () => true }, null]) {
      const { client, driver } = withRoom(room);
      let sent = 0;
      Object.defineProperty(client, "_unstable_sendDelayedEvent", {
        configurable: true,
        value: () => (sent++, Promise.resolve({ delay_id: "d" })),
      });
      await expect(
        driver.sendEvent("m.room.message", { body: "secret" }, { roomId: ROOM_ID, delayMs: 500 }),
      ).rejects.toMatchObject({ code: ErrorCode.Unsupported });
      await expect(
        driver.sendEvent(
          "org.example.sticky",
          {},
          { roomId: ROOM_ID, delayMs: 500, stickyDurationMs: 60_000 },
        ),
      ).rejects.toMatchObject({ code: ErrorCode.Unsupported });
      expect(sent).toBe(0);
    }
  });

  it("sends a delayed room event to a known unencrypted room, and a delayed state event anywhere", async () => {
    const { client, driver } = withRoom({ hasEncryptionStateEvent: () => false });
    Object.defineProperty(client, "_unstable_sendDelayedEvent", {
      configurable: true,
      value: () => Promise.resolve({ delay_id: "room" }),
    });
    Object.defineProperty(client, "_unstable_sendDelayedStateEvent", {
      configurable: true,
      value: () => Promise.resolve({ delay_id: "state" }),
    });
    await expect(driver.sendEvent("m.room.message", {}, { roomId: ROOM_ID, delayMs: 500 })).resolves.toEqual({
      roomId: ROOM_ID,
      delayId: "room",
    });
    await expect(
      withRoom({ hasEncryptionStateEvent: () => true }).driver.sendEvent(
        "m.room.topic",
        {},
        {
          roomId: ROOM_ID,
          delayMs: 500,
          stateKey: "",
        },
      ),
    ).rejects.toBeDefined();
  });

  it("refuses a sticky m.room.message and a sticky event with a relation, which the SDK's scheduler would send without the sticky duration; sends other sticky events", async () => {
    const { client, driver } = withRoom({ hasEncryptionStateEvent: () => false });
    expect(client.scheduler).toBeTruthy();
    const sent: string[] = [];
    Object.defineProperty(client, "_unstable_sendStickyEvent", {
      configurable: true,
      value: (_room: string, _ms: number, _thread: null, type: string) => (
        sent.push(type),
        Promise.resolve({ event_id: "$sticky" })
      ),
    });
    const sticky = { roomId: ROOM_ID, stickyDurationMs: 60_000 };
    await expect(driver.sendEvent("m.room.message", { body: "hi" }, sticky)).rejects.toMatchObject({
      code: ErrorCode.Unsupported,
    });
    const related = { "m.relates_to": { rel_type: "m.reference", event_id: "$x" } };
    await expect(driver.sendEvent("org.example.sticky", related, sticky)).rejects.toMatchObject({
      code: ErrorCode.Unsupported,
    });
    await expect(driver.sendEvent("org.example.sticky", {}, sticky)).resolves.toEqual({
      roomId: ROOM_ID,
      eventId: "$sticky",
    });
    expect(sent).toEqual(["org.example.sticky"]);
  });

  it("takes a refused send's failed local copy out of the room, so it blocks no later send", async () => {
    const { client, driver } = withRoom({ hasEncryptionStateEvent: () => false });
    const failed = new MatrixEvent({ type: "m.room.message", room_id: ROOM_ID, content: {} });
    failed.setStatus(EventStatus.NOT_SENT);
    const cancelled: MatrixEvent[] = [];
    Object.defineProperty(client, "cancelPendingEvent", {
      configurable: true,
      value: (event: MatrixEvent) => void cancelled.push(event),
    });
    Object.defineProperty(client, "sendEvent", {
      configurable: true,
      value: () => {
        const error = new MatrixError({ errcode: "M_FORBIDDEN", error: "no" }, 403);
        error.event = failed;
        return Promise.reject(error);
      },
    });
    await expect(driver.sendEvent("m.room.message", {}, { roomId: ROOM_ID })).rejects.toBeInstanceOf(
      HomeserverError,
    );
    expect(cancelled).toEqual([failed]);
  });

  /**
   * A client whose requests are logged as they start and end (a body named "one" takes 50 ms), and
   * answered in turn from `answers`, then with success.
   */
  function loggingClient(): { client: MatrixClient; answers: Array<() => Response>; log: string[] } {
    const answers: Array<() => Response> = [];
    const log: string[] = [];
    const fetchFn = async (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const body = JSON.parse(String(init?.body ?? "{}")) as { body?: string };
      const name = body.body ?? "request";
      log.push(`start ${name}`);
      if (name === "one") await new Promise((resolve) => setTimeout(resolve, 50));
      log.push(`end ${name}`);
      return (answers.shift() ?? (() => Response.json({ event_id: `$ok${log.length}` })))();
    };
    const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, getChild: () => quiet };
    const client = createClient({ baseUrl: "http://hs.example", ...user, fetchFn, logger: quiet });
    clients.push(client);
    return { client, answers, log };
  }

  it("answers a rate-limited m.room.message, reaction or redaction with the 429 at once, instead of the SDK's queue retrying it after the widget gave up; keeps the widget's sends in order", async () => {
    const { client, answers, log } = loggingClient();
    expect(client.scheduler).toBeDefined();
    const driver = new MatrixClientDriver(client, { logger: silentLogger });
    const limited = () =>
      new Response(JSON.stringify({ errcode: "M_LIMIT_EXCEEDED", error: "slow down", retry_after_ms: 40 }), {
        status: 429,
        headers: { "content-type": "application/json" },
      });

    const sends: Array<[string, Record<string, unknown>]> = [
      ["m.room.message", { msgtype: "m.text", body: "hello" }],
      ["m.reaction", { "m.relates_to": { rel_type: "m.annotation", event_id: "$target", key: "+1" } }],
      ["m.room.redaction", { redacts: "$target" }],
    ];
    for (const [type, content] of sends) {
      answers.push(limited);
      log.length = 0;
      const error = await driver.sendEvent(type, content, { roomId: ROOM_ID }).then(
        () => expect.fail(`${type} was reported sent after a 429`),
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(HomeserverError);
      expect((error as HomeserverError).details).toMatchObject({ httpStatus: 429, retryAfterMs: 40 });
      // Past the retry time nothing more went out: the refused event is not sent behind the widget's back.
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(log.filter((line) => line.startsWith("start"))).toHaveLength(1);
    }

    // Sends started together still go out one after the other, in the order the widget made them.
    log.length = 0;
    await Promise.all(
      ["one", "two"].map((body) =>
        driver.sendEvent("m.room.message", { msgtype: "m.text", body }, { roomId: ROOM_ID }),
      ),
    );
    expect(log).toEqual(["start one", "end one", "start two", "end two"]);
  });

  it("takes a refused redaction's failed local copy out of the room: its target is not shown redacted, and later sends go out", async () => {
    let refuse = true;
    const fetchFn = async (input: RequestInfo | URL): Promise<Response> => {
      if (String(input).includes("/redact/") && refuse) {
        refuse = false;
        return new Response(
          JSON.stringify({ errcode: "M_LIMIT_EXCEEDED", error: "slow down", retry_after_ms: 40 }),
          {
            status: 429,
            headers: { "content-type": "application/json" },
          },
        );
      }
      return Response.json({ event_id: "$sent" });
    };
    const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, getChild: () => quiet };
    const client = createClient({ baseUrl: "http://hs.example", ...user, fetchFn, logger: quiet });
    clients.push(client);
    // As a synced client holds it (Element uses detached pending events): a message to redact.
    const room = new Room(ROOM_ID, client, user.userId, {
      pendingEventOrdering: PendingEventOrdering.Detached,
    });
    const target = new MatrixEvent({
      type: "m.room.message",
      room_id: ROOM_ID,
      event_id: "$target",
      sender: "@other:example.org",
      content: { msgtype: "m.text", body: "hi" },
    });
    room.addLiveEvents([target], { addToState: false });
    client.store.storeRoom(room);
    const driver = new MatrixClientDriver(client, { logger: silentLogger });
    await expect(
      driver.sendEvent("m.room.redaction", { redacts: "$target" }, { roomId: ROOM_ID }),
    ).rejects.toBeInstanceOf(HomeserverError);
    expect(room.getPendingEvents()).toEqual([]);
    expect(target.isRedacted()).toBe(false);
    await expect(
      driver.sendEvent("m.room.message", { msgtype: "m.text", body: "later" }, { roomId: ROOM_ID }),
    ).resolves.toEqual({ roomId: ROOM_ID, eventId: "$sent" });
  });

  it("keeps a widget's messages in order on a client made without a scheduler, which sends everything at once", async () => {
    const { client, log } = loggingClient();
    (client as unknown as { scheduler: unknown }).scheduler = undefined;
    const driver = new MatrixClientDriver(client, { logger: silentLogger });
    await Promise.all(
      ["one", "two"].map((body) =>
        driver.sendEvent("m.room.message", { msgtype: "m.text", body }, { roomId: ROOM_ID }),
      ),
    );
    expect(log).toEqual(["start one", "end one", "start two", "end two"]);
  });

  it("waits for the relations it reads to be decrypted before it filters and maps them", async () => {
    const { client, driver } = withRoom({ hasEncryptionStateEvent: () => true });
    const encrypted = new MatrixEvent({
      type: "m.room.encrypted",
      room_id: ROOM_ID,
      event_id: "$reply",
      sender: "@alice:example.org",
      origin_server_ts: 1,
      content: { ciphertext: "…" },
    });
    Object.defineProperty(client, "relations", {
      configurable: true,
      value: () => Promise.resolve({ events: [encrypted] }),
    });
    Object.defineProperty(client, "decryptEventIfNeeded", {
      configurable: true,
      value: async (event: MatrixEvent) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        Object.defineProperty(event, "getType", { value: () => "m.room.message" });
        Object.defineProperty(event, "getContent", { value: () => ({ msgtype: "m.text", body: "clear" }) });
      },
    });
    const page = await driver.readEventRelations({
      roomId: ROOM_ID,
      eventId: "$root",
      eventType: "m.room.message",
    });
    expect(page.chunk.map((event) => [event.type, event.content])).toEqual([
      ["m.room.message", { msgtype: "m.text", body: "clear" }],
    ]);
  });
});

describe("MatrixClientDriver encrypted to-device messages (crypto and fetch stubbed)", () => {
  type Device = { userId: string; deviceId: string };
  const BOB = "@bob:example.org";
  const CAROL = "@carol:example.org";

  /**
   * A client whose crypto knows `bobDevices` of Bob and one device of Carol, and "encrypts" by
   * wrapping the payload; its `/sendToDevice` requests go to `answer`, and are recorded.
   */
  function encryptingClient(bobDevices: number, answer: () => Response) {
    const requests: Array<{ path: string; body: { messages: Record<string, Record<string, unknown>> } }> = [];
    const fetchFn = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      requests.push({ path: new URL(String(input)).pathname, body: JSON.parse(String(init?.body)) });
      return Promise.resolve(answer());
    };
    const client = createClient({ baseUrl: "http://hs.example", ...user, fetchFn, logger: silentSdkLogger });
    clients.push(client);
    const known = new Map([
      [BOB, Array.from({ length: bobDevices }, (_, i) => `BOB${i}`)],
      [CAROL, ["CAROL0"]],
    ]);
    const encryptCalls: Array<{ eventType: string; devices: Device[] }> = [];
    const crypto = {
      stop: () => {},
      getUserDeviceInfo: async (userIds: string[]) =>
        new Map(userIds.map((id) => [id, new Map((known.get(id) ?? []).map((d) => [d, {}]))])),
      encryptToDeviceMessages: async (eventType: string, devices: Device[], payload: object) => {
        encryptCalls.push({ eventType, devices });
        return {
          eventType: "m.room.encrypted",
          batch: devices.map((device) => ({
            ...device,
            payload: { ciphertext: { for: device.deviceId, payload } },
          })),
        };
      },
    };
    // The SDK's encryptAndSendToDevice reads the same private field that getCrypto returns.
    Object.defineProperty(client, "cryptoBackend", { configurable: true, writable: true, value: crypto });
    return {
      client,
      driver: new MatrixClientDriver(client, { logger: silentLogger }),
      requests,
      encryptCalls,
    };
  }
  const silentSdkLogger = {
    trace: () => {},
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: () => {},
    getChild: () => silentSdkLogger,
  };

  afterEach(() => {
    for (const client of clients) client.stopClient();
  });

  it("rejects with the homeserver's error when sending an encrypted to-device message fails, instead of reporting it sent once queued", async () => {
    const { driver, requests } = encryptingClient(1, () =>
      Response.json({ errcode: "M_FORBIDDEN", error: "not allowed" }, { status: 403 }),
    );
    const error = await driver
      .sendToDevice("org.example.secret", true, { [BOB]: { BOB0: { nonce: "n" } } })
      .then(
        () => "sent",
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(HomeserverError);
    expect((error as HomeserverError).details).toMatchObject({ httpStatus: 403, errcode: "M_FORBIDDEN" });
    expect(requests.map((request) => request.path.split("/").slice(0, -1).join("/"))).toEqual([
      "/_matrix/client/v3/sendToDevice/m.room.encrypted",
    ]);
  });

  it("sends an encrypted to-device batch as m.room.encrypted, 20 devices per request with its own transaction ID, expanding * and encrypting equal contents once", async () => {
    const { driver, requests, encryptCalls } = encryptingClient(25, () => Response.json({}));
    await driver.sendToDevice("org.example.secret", true, {
      [BOB]: { "*": { same: true } },
      [CAROL]: { CAROL0: { same: true }, CAROL9: { other: true } },
    });
    expect(encryptCalls.map((call) => [call.eventType, call.devices.length])).toEqual([
      ["org.example.secret", 26],
      ["org.example.secret", 1],
    ]);
    const txnIds = requests.map((request) => request.path.split("/").at(-1));
    expect(new Set(txnIds).size).toBe(3);
    expect(requests.map((request) => request.path.split("/").slice(0, -1).join("/"))).toEqual(
      Array(3).fill("/_matrix/client/v3/sendToDevice/m.room.encrypted"),
    );
    const counts = requests.map((request) =>
      Object.values(request.body.messages).reduce((sum, devices) => sum + Object.keys(devices).length, 0),
    );
    expect(counts).toEqual([20, 6, 1]);
    expect(requests[1]?.body.messages[CAROL]).toEqual({
      CAROL0: { ciphertext: { for: "CAROL0", payload: { same: true } } },
    });
    expect(requests[2]?.body.messages).toEqual({
      [CAROL]: { CAROL9: { ciphertext: { for: "CAROL9", payload: { other: true } } } },
    });
  });
});
