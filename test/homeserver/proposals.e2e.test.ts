// End to end against a real Synapse: a WidgetHost drives MatrixClientDriver (over a synced
// matrix-js-sdk client) and a WidgetClient talks to it over the in-memory transport. What the widget
// sees is checked against what the homeserver really holds, from the other users' side too.

import { performance } from "node:perf_hooks";
import * as v from "valibot";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it, vi } from "vitest";
import type { MatrixClient } from "matrix-js-sdk";
import { csApi, registerUser, startSynapse } from "../../scripts/synapse/homeserver.mjs";
import { silentLogger } from "../../src/core/logger.js";
import { MatrixClientDriver, type ResolvedNavigationTarget } from "../../src/drivers/matrix-js-sdk/index.js";
import { callDriver } from "../../src/host/call-driver.js";
import type { RoomEvent, WidgetDriver } from "../../src/host/driver.js";
import type { HostLimits } from "../../src/host/limits.js";
import {
  approveCapabilities,
  type HostPolicy,
  type ShareDecision,
  type ShareOutcome,
  type ShareRequest,
} from "../../src/host/policy.js";
import { defineHostAction, type HostActionRegistration } from "../../src/host/registry.js";
import type { WidgetHost } from "../../src/host/widget-host.js";
import { defineAction } from "../../src/protocol/action.js";
import { plainObjectSchema } from "../../src/protocol/envelope.js";
import { ErrorCode, WidgetApiError } from "../../src/protocol/errors.js";
import { onRoomEvent, readRoomEvents, sendEvent } from "../../src/widget/features/events.js";
import type { WidgetClient } from "../../src/widget/widget-client.js";
import { connect } from "../support/memory-session.js";
import {
  clientFor,
  createRoom,
  csOk,
  joinRoom,
  registerFresh,
  sendAs,
  startSyncedClient,
  uniqueSuffix,
} from "./matrix-client.js";
import type { RegisteredUser, RunningSynapse } from "./provided";
import {
  navigate,
  readAccountData,
  searchUserDirectory,
  shareUsers,
  watchAccountData,
} from "../../src/widget/index.js";

const hs = inject("synapse");

const CAP = {
  directory: "org.matrix.msc3973.user_directory_search",
  share: "uk.half-shot.msc3662.mxid_share",
  navigate: "org.matrix.msc2931.navigate",
  settings: "org.matrix.msc3751.read.account_data:org.example.settings",
  secretKey: "org.matrix.msc3751.read.account_data:m.secret_storage.key.x",
  events: "org.example.test.events",
  sendChat: "org.matrix.msc2762.send.event:org.example.chat",
  receiveChat: "org.matrix.msc2762.receive.event:org.example.chat",
} as const;

const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 15_000, interval: 50 });

// ---- test-only event actions ----------------------------------------------------------------
// Custom actions (test-only names, so they never collide with the built-in MSC2762 family) that
// call the driver's event operations directly. They pin the driver's behaviour independently of
// the built-in family's capability rules; the built-in family is tested on its own below.

const sendEventAction = defineAction({
  id: "test_send_event",
  direction: "fromWidget",
  stable: "org.example.test.send_event",
  unstable: [],
  capability: { custom: CAP.events },
  request: v.object({
    room_id: v.string(),
    type: v.string(),
    content: plainObjectSchema,
    state_key: v.optional(v.string()),
  }),
  response: v.object({ room_id: v.string(), event_id: v.string() }),
  summary: "Test only: sends a room or state event through the driver.",
});

const readEventsAction = defineAction({
  id: "test_read_events",
  direction: "fromWidget",
  stable: "org.example.test.read_events",
  unstable: [],
  capability: { custom: CAP.events },
  request: v.object({ room_id: v.string(), type: v.string(), limit: v.number() }),
  response: v.object({ events: v.array(plainObjectSchema) }),
  summary: "Test only: reads recent room events through the driver.",
});

const watchEventsAction = defineAction({
  id: "test_watch_events",
  direction: "fromWidget",
  stable: "org.example.test.watch_events",
  unstable: [],
  capability: { custom: CAP.events },
  request: v.object({}),
  response: v.object({}),
  summary: "Test only: pushes every new room event to the widget until the session ends.",
});

const eventPushAction = defineAction({
  id: "test_event",
  direction: "toWidget",
  stable: "org.example.test.event",
  unstable: [],
  request: v.object({ event: plainObjectSchema }),
  response: v.object({}),
  summary: "Test only: one room event pushed to the widget.",
});

const watching = Symbol("test-watch-events");

const eventActions: HostActionRegistration[] = [
  defineHostAction({
    action: sendEventAction,
    async handle(context, { room_id, type, content, state_key }) {
      const sent = await callDriver(context, "sending an event", (driver) =>
        driver.sendEvent?.(type, content, {
          roomId: room_id,
          ...(state_key !== undefined ? { stateKey: state_key } : {}),
        }),
      );
      return { room_id: sent.roomId, event_id: sent.eventId ?? "" };
    },
  }),
  defineHostAction({
    action: readEventsAction,
    async handle(context, { room_id, type, limit }) {
      const events = await callDriver(context, "reading events", (driver) =>
        driver.readRoomEvents?.({ roomId: room_id, eventType: type, limit }),
      );
      return { events: events.map((event) => ({ ...event })) };
    },
  }),
  defineHostAction({
    action: watchEventsAction,
    handle(context) {
      const { session } = context;
      if (session.values.has(watching)) return {};
      const stop = context.driver.watchRoomEvents?.((event) => {
        if (session.ended) return;
        context.sendToWidget(eventPushAction, { event: { ...event } }).catch(() => {});
      });
      if (stop === undefined) throw new WidgetApiError("No room event feed", ErrorCode.Unsupported);
      session.onEnd(stop);
      session.values.set(watching, true);
      return {};
    },
  }),
];

// ---- helpers --------------------------------------------------------------------------------

/** A directory result without `null` fields, so Synapse's raw JSON compares with the widget's. */
function normaliseDirectory(result: { limited: boolean; results: Record<string, unknown>[] }) {
  return {
    limited: result.limited,
    results: result.results.map((user) =>
      Object.fromEntries(Object.entries(user).filter(([, value]) => value != null)),
    ),
  };
}

/** What a rejected widget call rejected with. */
async function rejectionOf(promise: Promise<unknown>): Promise<WidgetApiError> {
  const error = await promise.then(
    () => expect.fail("expected the request to fail"),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(WidgetApiError);
  return error as WidgetApiError;
}

interface Session {
  host: WidgetHost;
  widget: WidgetClient;
}

const sessions: Session[] = [];

async function open(
  driver: WidgetDriver,
  policy: HostPolicy,
  capabilities: string[],
  options: { limits?: Partial<HostLimits>; actions?: HostActionRegistration[]; viewedRoomId?: string } = {},
): Promise<Session> {
  const { host, client } = await connect({
    driver,
    policy,
    capabilities,
    host: {
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.actions ? { actions: options.actions } : {}),
      ...(options.viewedRoomId ? { viewedRoomId: options.viewedRoomId } : {}),
    },
  });
  const session = { host, widget: client };
  sessions.push(session);
  return session;
}

afterEach(() => {
  for (const { host, widget } of sessions.splice(0)) {
    widget.destroy();
    host.destroy();
  }
});

// ---- the four proposals and events on Synapse -----------------------------------------------

describe("widget ↔ host ↔ MatrixClientDriver ↔ Synapse", () => {
  const suffix = uniqueSuffix();
  const bobName = `Bob Builder ${suffix}`;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let carol: RegisteredUser;
  let aliceClient: MatrixClient;
  let driver: MatrixClientDriver;
  let room: string;
  let roomAlias: string;
  let inviteRoom: string;
  let foreignRoom: string;

  const shareRequests: ShareRequest[] = [];
  const outcomes: ShareOutcome[] = [];
  const navigations: ResolvedNavigationTarget[] = [];
  let decide: (request: ShareRequest) => ShareDecision = () => ({ action: "dismiss" });
  const policy = approveCapabilities("all-requested", {
    confirmShare: (request) => {
      shareRequests.push(request);
      return decide(request);
    },
    shareFinished: (outcome) => outcomes.push(outcome),
  });

  beforeAll(async () => {
    alice = await registerFresh(hs, "alice", `Alice ${suffix}`);
    bob = await registerFresh(hs, "bob", bobName);
    carol = await registerFresh(hs, "carol", `Carol ${suffix}`);
    roomAlias = `#widgets_${suffix}:${hs.serverName}`;
    room = await createRoom(hs, alice, {
      preset: "private_chat",
      invite: [bob.userId],
      room_alias_name: `widgets_${suffix}`,
    });
    await joinRoom(hs, bob, room);
    inviteRoom = await createRoom(hs, alice, { preset: "private_chat", name: "invite target" });
    foreignRoom = await createRoom(hs, bob, { preset: "private_chat", name: "bob's own room" });
    aliceClient = await startSyncedClient(hs, alice);
    driver = new MatrixClientDriver(aliceClient, {
      onNavigate: (resolved) => {
        navigations.push(resolved);
      },
      getViewedRoomId: () => room,
      logger: silentLogger,
    });
    await eventually(() => expect(aliceClient.getRoom(room)?.getMember(bob.userId)?.membership).toBe("join"));
  });

  afterAll(() => {
    aliceClient?.stopClient();
  });

  beforeEach(() => {
    shareRequests.length = 0;
    outcomes.length = 0;
    decide = () => ({ action: "dismiss" });
  });

  it("directory search: the widget gets what Synapse returns", async () => {
    const expected = await eventually(async () => {
      const res = await csApi(hs, alice.accessToken, "POST", "/_matrix/client/v3/user_directory/search", {
        search_term: bobName,
        limit: 10,
      });
      expect(res.status).toBe(200);
      expect(res.json.results.map((user: { user_id: string }) => user.user_id)).toContain(bob.userId);
      return res.json as { limited: boolean; results: Record<string, unknown>[] };
    });
    const { widget } = await open(driver, policy, [CAP.directory]);
    const got = await searchUserDirectory(widget, bobName, { limit: 10 });
    expect(normaliseDirectory(got as never)).toEqual(normaliseDirectory(expected));
    expect(got.results).toContainEqual({ user_id: bob.userId, display_name: bobName });
  });

  it("mxid share: the prompt shows Synapse's display name, and after consent the invite exists", async () => {
    decide = () => ({ action: "invite", roomId: inviteRoom });
    const { widget } = await open(driver, policy, [CAP.share]);
    await shareUsers(widget, [{ user_id: bob.userId, display_name: "Definitely Not Bob" }], {
      hint: "invite",
    });
    await eventually(() => expect(outcomes).toHaveLength(1));

    expect(shareRequests).toHaveLength(1);
    expect(shareRequests[0]?.hint).toBe("invite");
    expect(shareRequests[0]?.users).toEqual([
      {
        userId: bob.userId,
        displayName: bobName,
        verified: true,
        claimed: { displayName: "Definitely Not Bob" },
      },
    ]);
    expect(outcomes[0]).toEqual({
      widget: expect.anything(),
      decision: { action: "invite", roomId: inviteRoom },
    });

    // Bob's side: the invite is in his /sync.
    const sync = await csOk(hs, bob, "GET", "/_matrix/client/v3/sync?timeout=0");
    expect(Object.keys(sync.rooms?.invite ?? {})).toContain(inviteRoom);
  });

  it("mxid share: a DM is created with is_direct and recorded in m.direct", async () => {
    decide = () => ({ action: "create_dm" });
    const { widget } = await open(driver, policy, [CAP.share]);
    await shareUsers(widget, [carol.userId], { hint: "create_room" });
    await eventually(() => expect(outcomes).toHaveLength(1));
    expect(outcomes[0]?.error).toBeUndefined();

    const direct = await csOk(
      hs,
      alice,
      "GET",
      `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/account_data/m.direct`,
    );
    expect(direct[carol.userId]).toHaveLength(1);
    const dmRoom: string = direct[carol.userId][0];

    // Carol's side: invited to that room, and her invite is marked direct.
    const sync = await csOk(hs, carol, "GET", "/_matrix/client/v3/sync?timeout=0");
    const invite = sync.rooms?.invite?.[dmRoom];
    expect(invite).toBeDefined();
    const member = invite.invite_state.events.find(
      (event: { type: string; state_key?: string }) =>
        event.type === "m.room.member" && event.state_key === carol.userId,
    );
    expect(member?.content).toMatchObject({ membership: "invite", is_direct: true });
  });

  it("mxid share: an unknown user (404 profile) falls back to the widget's unverified claim", async () => {
    const ghost = `@ghost_${suffix}:${hs.serverName}`;
    const { widget } = await open(driver, policy, [CAP.share]);
    await shareUsers(widget, [{ user_id: ghost, display_name: "Friendly Ghost" }]);
    await eventually(() => expect(outcomes).toHaveLength(1));
    expect(shareRequests[0]?.users).toEqual([
      {
        userId: ghost,
        displayName: "Friendly Ghost",
        verified: false,
        claimed: { displayName: "Friendly Ghost" },
      },
    ]);
    await expect(driver.getProfile(ghost)).rejects.toMatchObject({ details: { httpStatus: 404 } });
  });

  it("mxid share: an invite the homeserver forbids (403) is reported to the policy; the session goes on", async () => {
    decide = () => ({ action: "invite", roomId: foreignRoom });
    const { widget } = await open(driver, policy, [CAP.share, CAP.directory]);
    await shareUsers(widget, [carol.userId], { hint: "invite" });
    await eventually(() => expect(outcomes).toHaveLength(1));
    expect(outcomes[0]?.error).toMatch(/M_FORBIDDEN/);
    expect(await searchUserDirectory(widget, bobName)).toMatchObject({ limited: false });
  });

  it("account data: an approved type is read and watched; secret storage is refused", async () => {
    const accountData = (type: string) =>
      `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/account_data/${type}`;
    await csOk(hs, alice, "PUT", accountData("org.example.settings"), { theme: "dark" });
    await csOk(hs, alice, "PUT", accountData("m.secret_storage.key.x"), {
      algorithm: "m.secret_storage.v1.aes-hmac-sha2",
      iv: "aXYtaXYtaXYtaXYtaXYtaQ",
      mac: "bWFjLW1hYy1tYWMtbWFjLW1hYy1tYWMtbWFjLW1hYy0",
    });
    const { widget } = await open(driver, policy, [CAP.settings, CAP.secretKey]);
    expect(widget.capabilities).toEqual([CAP.settings]);
    expect(await readAccountData(widget, "org.example.settings")).toEqual({ theme: "dark" });
    const refused = await rejectionOf(readAccountData(widget, "m.secret_storage.key.x"));
    expect(refused.code).toBe(ErrorCode.MissingCapability);

    const changes: unknown[] = [];
    await watchAccountData(widget, ["org.example.settings"], (_type, content) => changes.push(content));
    await csOk(hs, alice, "PUT", accountData("org.example.settings"), { theme: "light" });
    await eventually(() => expect(changes).toContainEqual({ theme: "light" }));
  });

  it("navigate: a room alias resolves to its room ID; an unknown alias is a 404", async () => {
    const { widget } = await open(driver, policy, [CAP.navigate]);
    await navigate(widget, `https://matrix.to/#/${roomAlias}`);
    expect(navigations.at(-1)).toMatchObject({
      kind: "room",
      roomId: room,
      alias: roomAlias,
      joined: true,
      viewed: true,
    });

    const error = await rejectionOf(
      navigate(widget, `https://matrix.to/#/%23missing_${suffix}:${hs.serverName}`),
    );
    expect(error.code).toBe(ErrorCode.HomeserverError);
    expect(error.matrixApiError).toMatchObject({ http_status: 404, response: { errcode: "M_NOT_FOUND" } });
  });

  it("events: the widget sends into the room and receives its own and others' events", async () => {
    const { widget } = await open(driver, policy, [CAP.events], { actions: eventActions });
    const received: RoomEvent[] = [];
    widget.handle(eventPushAction, ({ event }) => {
      received.push(event as unknown as RoomEvent);
      return {};
    });
    await widget.request(watchEventsAction, {});

    const sent = await widget.request(sendEventAction, {
      room_id: room,
      type: "org.example.chat",
      content: { text: "from the widget" },
    });
    expect(sent.event_id).toMatch(/^\$/);
    const fromBob = await sendAs(hs, bob, room, "org.example.chat", { text: "from bob" });

    await eventually(() => {
      const ids = received
        .filter((event) => event.type === "org.example.chat")
        .map((event) => event.event_id);
      expect(ids).toEqual([sent.event_id, fromBob]);
    });
    expect(received.find((event) => event.event_id === fromBob)).toMatchObject({
      room_id: room,
      sender: bob.userId,
      content: { text: "from bob" },
    });
    await eventually(async () => {
      const { events } = await widget.request(readEventsAction, {
        room_id: room,
        type: "org.example.chat",
        limit: 2,
      });
      expect(events.map((event) => event["event_id"])).toEqual([fromBob, sent.event_id]);
    });

    // Bob's side: the widget's event is really in the room.
    const seen = await csOk(
      hs,
      bob,
      "GET",
      `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/event/${encodeURIComponent(sent.event_id)}`,
    );
    expect(seen).toMatchObject({ sender: alice.userId, content: { text: "from the widget" } });
  });

  it("events (built-in MSC2762 family): send_event, live pushes and read_events in the viewed room", async () => {
    const { widget } = await open(driver, policy, [CAP.sendChat, CAP.receiveChat], { viewedRoomId: room });
    const received: { event_id: string; sender: string; type: string }[] = [];
    const stop = onRoomEvent(widget, (event) => {
      received.push(event);
    });
    try {
      const sent = await sendEvent(widget, "org.example.chat", { text: "built-in send" });
      expect(sent).toMatchObject({ roomId: room, eventId: expect.stringMatching(/^\$/) });
      const fromBob = await sendAs(hs, bob, room, "org.example.chat", { text: "built-in receive" });
      await eventually(() => {
        const ids = received.map((event) => event.event_id);
        expect(ids).toContain(sent.eventId);
        expect(ids).toContain(fromBob);
      });
      expect(received.find((event) => event.event_id === fromBob)).toMatchObject({ sender: bob.userId });
      await eventually(async () => {
        const events = await readRoomEvents(widget, "org.example.chat", { limit: 2 });
        expect(events.map((event) => event.event_id)).toEqual([fromBob, sent.eventId]);
      });
    } finally {
      stop();
    }
  });

  it("events: sending into a room the user is not in is a clear 403 homeserver error", async () => {
    const { widget } = await open(driver, policy, [CAP.events], { actions: eventActions });
    const error = await rejectionOf(
      widget.request(sendEventAction, {
        room_id: foreignRoom,
        type: "org.example.chat",
        content: { text: "no" },
      }),
    );
    expect(error.code).toBe(ErrorCode.HomeserverError);
    expect(error.matrixApiError).toMatchObject({ http_status: 403, response: { errcode: "M_FORBIDDEN" } });
    expect(error.matrixApiError?.url).not.toMatch(/[?#]/);
  });
});

// ---- a rate-limited homeserver, then the same homeserver down --------------------------------

describe("homeserver failures reach the widget as clear errors", () => {
  const driverTimeoutMs = 2_000;
  let limited: RunningSynapse;
  let driver: MatrixClientDriver;
  const policy = approveCapabilities("all-requested");

  beforeAll(async () => {
    limited = await startSynapse({ rateLimited: true });
    const user = await registerUser(limited, { username: `dan_${uniqueSuffix()}`, displayName: "Dan" });
    // Directory searches need no sync, so the client is not started: nothing polls the server.
    driver = new MatrixClientDriver(clientFor(limited, user), { logger: silentLogger });
  });

  afterAll(async () => {
    await limited?.stop();
  });

  it("429: searching past Synapse's burst gives homeserver_error with the retry time", async () => {
    const { widget } = await open(driver, policy, [CAP.directory], { limits: { driverTimeoutMs } });
    let error: WidgetApiError | undefined;
    for (let attempt = 0; attempt < 10 && error === undefined; attempt++) {
      error = await searchUserDirectory(widget, "dan").then(
        () => undefined,
        (reason: WidgetApiError) => reason,
      );
    }
    expect(error?.code).toBe(ErrorCode.HomeserverError);
    const body = error?.matrixApiError;
    expect(body).toMatchObject({ http_status: 429, response: { errcode: "M_LIMIT_EXCEEDED" } });
    expect(body?.response.retry_after_ms).toBeGreaterThan(0);
    expect(Number(body?.http_headers["retry-after"])).toBeGreaterThan(0);
    expect(body?.url).toBe(`${limited.baseUrl}/_matrix/client/v3/user_directory/search`);
  });

  it("down: a search fails with a clear error within driverTimeoutMs, and nothing hangs", async () => {
    const { widget } = await open(driver, policy, [CAP.directory], { limits: { driverTimeoutMs } });
    await limited.stop();
    const started = performance.now();
    const error = await rejectionOf(searchUserDirectory(widget, "dan"));
    expect(performance.now() - started).toBeLessThan(driverTimeoutMs + 500);
    expect(error.code).toBe(ErrorCode.HomeserverError);
    expect(error.matrixApiError).toMatchObject({ http_status: 0, response: { errcode: "M_UNKNOWN" } });
    expect(error.matrixApiError?.response.error).toMatch(/could not be reached/);
  });
});
