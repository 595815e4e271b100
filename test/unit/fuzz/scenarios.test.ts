// The hostile scenarios of the security reference (§4, items 1–17), one `describe` each, in Node.
// The browser-only parts (real frames, real origins) are in test/browser/hostile.test.ts and
// test/browser/session.test.ts. Tests marked `it.fails` document a product bug: they state the
// invariant as it should hold and currently fail; the report next to them says why.
import fc from "fast-check";
import * as v from "valibot";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Logger } from "../../../src/core/logger.js";
import { silentLogger } from "../../../src/core/logger.js";
import {
  capabilityKey,
  CapabilitySet,
  formatCapability,
  parseCapability,
  type Capability,
} from "../../../src/capabilities/index.js";
import type { OpenIdCredentials, WidgetDriver } from "../../../src/host/driver.js";
import { DEFAULT_HOST_LIMITS } from "../../../src/host/limits.js";
import { HomeserverError } from "../../../src/host/matrix-error.js";
import { approveCapabilities, type HostPolicy, type ShareRequest } from "../../../src/host/policy.js";
import { defineHostAction } from "../../../src/host/registry.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { defineAction } from "../../../src/protocol/action.js";
import { getOpenIdAction } from "../../../src/protocol/actions/openid.js";
import type { Dialect, WidgetMessage } from "../../../src/protocol/envelope.js";
import { ErrorCode, WidgetApiError } from "../../../src/protocol/errors.js";
import { ACTION_TABLE } from "../../../src/protocol/table.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import { HostPostMessageTransport } from "../../../src/transport/post-message-host.js";
import { WidgetPostMessageTransport } from "../../../src/transport/post-message-widget.js";
import { getOpenIdToken } from "../../../src/widget/features/openid.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import { RecordingDriver, faults, type DriverOp } from "../../support/recording-driver.js";
import { FakeWindow, lookalikes, simulatedEmbedding } from "./fake-windows.js";
import {
  ALL_CAPS,
  CAP,
  DIALECTS,
  PROTOTYPE_NAMES,
  WIDGET_ID,
  asMsc4412,
  ask,
  codeOf,
  expectInFlightSlotsFree,
  expectNoUnhandledRejection,
  expectPrototypesUnchanged,
  flush,
  fuzzParams,
  fuzzTimeout,
  holdAction,
  nested,
  openFuzzHost,
  repliesById,
  snapshotPrototypes,
  testIdOf,
  watchUnhandledRejections,
  widgetRequest,
  type FuzzHost,
} from "./support.js";

watchUnhandledRejections();

const HOST_ORIGIN = "https://client.example.org";
const WIDGET_ORIGIN = "https://widget.example.net";
const NAVIGATE = "org.matrix.msc2931.navigate";
const ROOM_LINK = "https://matrix.to/#/#room:example.org";

/** Hosts, clients and sessions to take down after each test. */
const opened: Array<{ close(): void } | { destroy(): void }> = [];
afterEach(() => {
  for (const each of opened.splice(0)) {
    if ("close" in each) each.close();
    else each.destroy();
  }
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function fuzzHost(options: Parameters<typeof openFuzzHost>[0]): Promise<FuzzHost> {
  const fuzz = await openFuzzHost(options);
  opened.push(fuzz);
  return fuzz;
}

/** A WidgetHost and a WidgetClient over the postMessage transports, in a simulated page. */
async function embedded(grant: readonly string[], dialect: Dialect = "classic") {
  const sim = simulatedEmbedding({ hostOrigin: HOST_ORIGIN, frameOrigin: WIDGET_ORIGIN });
  const driver = new RecordingDriver();
  const ended: string[] = [];
  const host = new WidgetHost({
    widgetId: WIDGET_ID,
    transport: new HostPostMessageTransport({
      iframe: sim.iframe as unknown as HTMLIFrameElement,
      widgetOrigin: WIDGET_ORIGIN,
      hostWindow: sim.hostWindow as unknown as Window,
    }),
    driver,
    policy: approveCapabilities(grant),
    logger: silentLogger,
  });
  host.on("sessionEnded", ({ reason }) => ended.push(reason));
  const created = WidgetClient.create({
    widgetId: WIDGET_ID,
    transport: new WidgetPostMessageTransport({
      parentOrigin: HOST_ORIGIN,
      parent: sim.hostWindow as unknown as Window,
      self: sim.frameWindow as unknown as Window,
    }),
    capabilities: [...grant],
    logger: silentLogger,
    protocol: dialect,
  });
  sim.iframe.fire("load");
  const client = await created;
  const result = {
    sim,
    host,
    client,
    driver,
    ended,
    /** Replies the host posted into the frame for `requestId`. */
    repliesTo: (requestId: string) =>
      sim.frameWindow.posted.filter(
        (p) =>
          testIdOf(String((p.message as WidgetMessage).requestId)) === requestId &&
          Object.hasOwn(p.message as object, "response"),
      ),
    close() {
      client.destroy();
      host.destroy();
    },
  };
  opened.push(result);
  return result;
}

// Source pinning and a reload to a foreign origin hold the same way in both dialects.
describe.each(DIALECTS)("§4.1 correct widgetId from a sibling frame or popup (%s)", (dialect) => {
  const forgedNavigate = (requestId: string) =>
    widgetRequest(dialect, requestId, NAVIGATE, { uri: ROOM_LINK }) as unknown as WidgetMessage;
  it("is dropped silently: no reply to anyone and no driver call, while the frame's own request works", async () => {
    const page = await embedded([NAVIGATE], dialect);
    const sibling = new FakeWindow("sibling");
    const popup = new FakeWindow("popup opened by the widget");
    page.sim.postToHost(forgedNavigate("from-sibling"), WIDGET_ORIGIN, sibling);
    page.sim.postToHost(forgedNavigate("from-popup"), WIDGET_ORIGIN, popup);
    page.sim.postToHost(forgedNavigate("from-nowhere"), WIDGET_ORIGIN, null);
    await flush();
    for (const id of ["from-sibling", "from-popup", "from-nowhere"]) expect(page.repliesTo(id)).toEqual([]);
    expect(sibling.posted).toEqual([]);
    expect(popup.posted).toEqual([]);
    expect(page.driver.calls).toEqual([]);
    // Control: the same message from the widget's own frame is answered and acted on.
    page.sim.postToHost(forgedNavigate("from-frame"), WIDGET_ORIGIN, page.sim.frameWindow);
    await flush();
    expect(page.repliesTo("from-frame").map((p) => (p.message as { response: unknown }).response)).toEqual([
      {},
    ]);
    expect(page.driver.callsOf("navigate")).toHaveLength(1);
  });
});

describe.each(DIALECTS)("§4.2 correct source, but the frame navigated to another origin (%s)", (dialect) => {
  const forgedNavigate = (requestId: string) =>
    widgetRequest(dialect, requestId, NAVIGATE, { uri: ROOM_LINK }) as unknown as WidgetMessage;
  it("ends the session and its grants at the load, and drops what the foreign document sends", async () => {
    const page = await embedded([NAVIGATE], dialect);
    expect(page.host.grantedCapabilities).toEqual([NAVIGATE]);
    page.client.destroy();
    page.sim.navigateFrame("https://evil.example");
    expect(page.ended).toHaveLength(1);
    expect(page.host.grantedCapabilities).toEqual([]);
    const postedBefore = page.sim.frameWindow.posted.length;
    for (const id of ["foreign-nav", "foreign-ver"]) {
      const message =
        id === "foreign-nav"
          ? forgedNavigate(id)
          : (widgetRequest(dialect, id, "supported_api_versions", {}) as unknown as WidgetMessage);
      page.sim.postToHost(message, "https://evil.example", page.sim.frameWindow);
    }
    await flush();
    expect(page.repliesTo("foreign-nav")).toEqual([]);
    expect(page.repliesTo("foreign-ver")).toEqual([]);
    expect(page.driver.calls).toEqual([]);
    // The host asks the new document for its capabilities, but only ever at the widget's origin.
    const posted = page.sim.frameWindow.posted.slice(postedBefore);
    expect(posted.map((p) => (p.message as WidgetMessage).action)).toEqual(
      expect.arrayContaining(["supported_api_versions", "capabilities"]),
    );
    expect(new Set(posted.map((p) => p.targetOrigin))).toEqual(new Set([WIDGET_ORIGIN]));
  });

  it("a new document on the widget's own origin starts without grants and must negotiate first", async () => {
    const page = await embedded([NAVIGATE], dialect);
    page.client.destroy();
    page.sim.navigateFrame(WIDGET_ORIGIN);
    page.sim.postToHost(forgedNavigate("early-nav"), WIDGET_ORIGIN, page.sim.frameWindow);
    await flush();
    const replies = page
      .repliesTo("early-nav")
      .map((p) => (p.message as { response: Record<string, unknown> }).response);
    expect(replies).toHaveLength(1);
    expect(codeOf(replies[0])).toBe(ErrorCode.OutOfSequence);
    expect(page.driver.calls).toEqual([]);
  });
});

describe.each(DIALECTS)('§4.3 lookalike or "null" origins (%s)', (dialect) => {
  it("drops a request from the frame's own window when the origin is a lookalike of the widget's", async () => {
    const page = await embedded([NAVIGATE], dialect);
    const candidates = lookalikes(WIDGET_ORIGIN);
    expect(candidates).toEqual(
      expect.arrayContaining(["null", "https://widget.example.ne", "https://widget.example.net0"]),
    );
    for (const [i, origin] of candidates.entries()) {
      page.sim.postToHost(
        widgetRequest(dialect, `look-${i}`, "supported_api_versions", {}) as unknown as WidgetMessage,
        origin,
        page.sim.frameWindow,
      );
      page.sim.postToHost(
        widgetRequest(dialect, `look-nav-${i}`, NAVIGATE, { uri: ROOM_LINK }) as unknown as WidgetMessage,
        origin,
        page.sim.frameWindow,
      );
    }
    await flush();
    for (const i of candidates.keys()) {
      expect(page.repliesTo(`look-${i}`), candidates[i]).toEqual([]);
      expect(page.repliesTo(`look-nav-${i}`), candidates[i]).toEqual([]);
    }
    expect(page.driver.calls).toEqual([]);
  });

  it("the widget drops toWidget requests from its parent window on a lookalike of the host's origin", async () => {
    const page = await embedded([NAVIGATE], dialect);
    const asDialect = (message: Record<string, unknown>, direction: "toWidget") =>
      dialect === "classic" ? message : asMsc4412(message, direction);
    const received: unknown[] = [];
    page.sim.hostWindow.addEventListener("message", (event) =>
      received.push((event as { data: unknown }).data),
    );
    for (const [i, origin] of lookalikes(HOST_ORIGIN).entries()) {
      page.sim.frameWindow.fire("message", {
        data: asDialect(
          { api: "toWidget", widgetId: WIDGET_ID, requestId: `lk-${i}`, action: "capabilities", data: {} },
          "toWidget",
        ),
        origin,
        source: page.sim.hostWindow,
      });
    }
    await flush();
    expect(received).toEqual([]);
  });
});

describe.each(DIALECTS)("§4.4 a message that is not a plain object (%s)", (dialect) => {
  it("is ignored on both sides: no throw, no reply, never handed to JSON.stringify", async () => {
    const forgedNavigate = (requestId: string) =>
      widgetRequest(dialect, requestId, NAVIGATE, { uri: ROOM_LINK });
    const fuzz = await fuzzHost({ dialect, ready: true, grant: ALL_CAPS });
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    const values: unknown[] = [
      "text",
      JSON.stringify(forgedNavigate("as-string")),
      null,
      undefined,
      42,
      true,
      [forgedNavigate("in-array")],
      new Blob([JSON.stringify(forgedNavigate("in-blob"))]),
      new Map(Object.entries(forgedNavigate("in-map"))),
      cyclic,
      new Date(0),
      new Uint8Array([1, 2, 3]),
      // Every envelope field right, on a class instance.
      Object.assign(new (class Envelope {})(), forgedNavigate("class-instance")),
    ];
    const hostSent = fuzz.pair.host.sent.length;
    const widgetSent = fuzz.pair.widget.sent.length;
    const stringify = vi.spyOn(JSON, "stringify");
    for (const value of values) {
      expect(() => fuzz.pair.host.receive(value)).not.toThrow();
      expect(() => fuzz.pair.widget.receive(value)).not.toThrow();
    }
    await flush();
    const calls = stringify.mock.calls.length;
    stringify.mockRestore();
    expect(calls, "JSON.stringify calls").toBe(0);
    expect(fuzz.pair.host.sent.slice(hostSent)).toEqual([]);
    expect(fuzz.pair.widget.sent.slice(widgetSent)).toEqual([]);
    expect(fuzz.driver.calls).toEqual([]);
    expectNoUnhandledRejection();
  });

  it("a request whose data is not a plain object gets one invalid_request reply, and a cyclic one a too_large reply", async () => {
    const fuzz = await fuzzHost({ dialect, ready: true, grant: ALL_CAPS });
    for (const data of [null, "text", [1], new Map(), new Blob(["x"]), 5]) {
      const replies = await ask(fuzz, NAVIGATE, data);
      expect(replies.map(codeOf), String(data)).toEqual([ErrorCode.InvalidRequest]);
    }
    const cyclic: Record<string, unknown> = { uri: ROOM_LINK };
    cyclic.self = cyclic;
    const replies = await ask(fuzz, NAVIGATE, cyclic);
    expect(replies.map(codeOf)).toEqual([ErrorCode.TooLarge]);
    expect(fuzz.driver.calls).toEqual([]);
  });
});

describe.each(DIALECTS)("§4.5 wrong field types in the envelope (%s)", (dialect) => {
  it("answers a bounded string requestId with an error, and drops every other envelope", async () => {
    const fuzz = await fuzzHost({ dialect, ready: true, grant: ALL_CAPS });
    const base = { api: "fromWidget", widgetId: WIDGET_ID, action: "supported_api_versions", data: {} };
    const dropped: Array<Record<string, unknown>> = [
      { ...base, requestId: 7 },
      { ...base, requestId: null },
      { ...base, requestId: "" },
      { ...base, requestId: "r".repeat(1 << 20) },
      { ...base, requestId: "x".repeat(513) },
      { ...base, requestId: ["a"] },
      { ...base, requestId: "wrong-api", api: "toWidget" },
      { ...base, requestId: "bad-api", api: "FROMWIDGET" },
      { ...base, requestId: "no-api", api: undefined },
      { ...base, requestId: "num-widget", widgetId: 1 },
      { ...base, requestId: "long-action", action: "a".repeat(513) },
      { ...base, requestId: "num-action", action: 5 },
      { ...base, requestId: "empty-action", action: "" },
    ].map((message) => (dialect === "classic" ? message : (asMsc4412(message) as Record<string, unknown>)));
    if (dialect === "msc4412") {
      // What only MSC4412 drops: a request ID that is not a UUID v4, a missing or other version,
      // the host's own source, and a classic `api` beside `source` (read as classic, no widget ID).
      const good = widgetRequest(dialect, "msc-good", NAVIGATE, { uri: ROOM_LINK });
      dropped.push(
        { ...good, requestId: "not-a-uuid" },
        { ...good, requestId: "00000000-0000-1000-8000-000000000000" },
        { ...good, version: undefined },
        { ...good, version: "v2" },
        { ...good, source: "host" },
        { ...good, api: "fromWidget" },
      );
    }
    const start = fuzz.received.length;
    for (const message of dropped) fuzz.pair.widget.send(message as never);
    await flush();
    expect(fuzz.received.slice(start)).toEqual([]);
    // With every envelope field right, a wrong `data` is still answered, with the error (MSC4412
    // has no supported_api_versions: there the same holds for navigate).
    const answered = await ask(
      fuzz,
      dialect === "classic" ? "supported_api_versions" : NAVIGATE,
      "not an object",
      {
        requestId: "r".repeat(512),
      },
    );
    expect(answered.map(codeOf)).toEqual([ErrorCode.InvalidRequest]);
  });

  it("the widget does the same for toWidget requests", async () => {
    const fuzz = await fuzzHost({ dialect, ready: true, grant: [] });
    const fromWidget: unknown[] = [];
    fuzz.pair.host.subscribe((message) => fromWidget.push(message));
    const send = (message: Record<string, unknown>) =>
      fuzz.pair.host.send((dialect === "classic" ? message : asMsc4412(message, "toWidget")) as never);
    const base = { api: "toWidget", widgetId: WIDGET_ID, action: "supported_api_versions", data: {} };
    for (const requestId of [7, null, "", "r".repeat(1 << 20), "x".repeat(513)]) {
      send({ ...base, requestId });
    }
    send({ ...base, requestId: "wrong-api", api: "fromWidget" });
    send({ ...base, requestId: "bad-data", data: [] });
    await flush();
    expect([...repliesById(fromWidget).keys()]).toEqual(["bad-data"]);
  });
});

describe.each(DIALECTS)("§4.6 prototype keys in action, data and capabilities (%s)", (dialect) => {
  it("answers prototype-named actions as unknown, handles __proto__-keyed data normally, and leaves prototypes alone", async () => {
    const prototypes = snapshotPrototypes();
    const fuzz = await fuzzHost({ dialect, ready: true, grant: ALL_CAPS });
    for (const action of PROTOTYPE_NAMES) {
      const replies = await ask(fuzz, action, JSON.parse('{"__proto__": {"polluted": true}}'));
      expect(replies.map(codeOf), action).toEqual([ErrorCode.UnknownAction]);
    }
    const withProto = JSON.parse(
      `{"uri": "${ROOM_LINK}", "__proto__": {"uri": "javascript:alert(1)", "polluted": true}}`,
    );
    expect((await ask(fuzz, NAVIGATE, withProto)).map(codeOf)).toEqual([undefined]);
    expect(fuzz.driver.callsOf("navigate")).toEqual([[{ type: "room", room: "#room:example.org", via: [] }]]);
    // A field inherited through __proto__ does not count as given.
    const inheritedOnly = JSON.parse('{"__proto__": {"uri": "https://matrix.to/#/#room:example.org"}}');
    expect((await ask(fuzz, NAVIGATE, inheritedOnly)).map(codeOf)).toEqual([ErrorCode.InvalidRequest]);
    for (const type of ["__proto__", "constructor", "toString"]) {
      expect((await ask(fuzz, "read_account_data", { type })).map(codeOf), type).toEqual([
        ErrorCode.MissingCapability,
      ]);
    }
    expect(
      (
        await ask(fuzz, "request_capabilities", { capabilities: ["__proto__", "constructor", "toString"] })
      ).map(codeOf),
    ).toEqual([undefined]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expectPrototypesUnchanged(prototypes);
  });
});

// Dialect-independent: a CapabilitySet alone, no envelope.
describe("§4.6 prototype-named capabilities in a CapabilitySet", () => {
  it("grants and checks prototype-named capabilities as plain strings", () => {
    const prototypes = snapshotPrototypes();
    const set = CapabilitySet.from([
      "__proto__",
      "org.matrix.msc3751.read.account_data:__proto__",
      "org.matrix.msc2762.send.state_event:constructor#__proto__",
    ]);
    expect(set.hasCustom("__proto__")).toBe(true);
    expect(set.hasCustom("constructor")).toBe(false);
    expect(set.canReadAccountData("__proto__")).toBe(true);
    expect(set.canReadAccountData("toString")).toBe(false);
    expect(set.canSendState("constructor", "__proto__")).toBe(true);
    expect(set.canSendState("constructor", "toString")).toBe(false);
    expect(CapabilitySet.from([]).hasCustom("toString")).toBe(false);
    expectPrototypesUnchanged(prototypes);
  });
});

describe.each(DIALECTS)("§4.7 a request before negotiation or without the capability (%s)", (dialect) => {
  const gated: Array<[string, Record<string, unknown>]> = [
    [NAVIGATE, { uri: ROOM_LINK }],
    ["org.matrix.msc3973.user_directory_search", { search_term: "al" }],
    ["uk.half-shot.msc3662.mxid_share", { users: [{ user_id: "@alice:example.org" }] }],
    ["org.matrix.msc3751.read_account_data", { type: "com.example.settings" }],
    ["dev.matrix_widget_kit.watch_account_data", { types: ["com.example.settings"] }],
  ];

  it("answers out_of_sequence before the capability exchange, without calling the driver", async () => {
    const fuzz = await fuzzHost({ dialect, ready: false, grant: ALL_CAPS });
    for (const [action, data] of gated)
      expect((await ask(fuzz, action, data)).map(codeOf), action).toEqual([ErrorCode.OutOfSequence]);
    expect(fuzz.driver.calls).toEqual([]);
  });

  it("answers missing_capability in a session without the grant, without calling the driver", async () => {
    const fuzz = await fuzzHost({ dialect, ready: true, grant: [] });
    // mxid_share needs no capability (MSC3662 names none); the user's decision is its gate.
    for (const [action, data] of gated.filter(([name]) => !name.endsWith("mxid_share")))
      expect((await ask(fuzz, action, data)).map(codeOf), action).toEqual([ErrorCode.MissingCapability]);
    expect(fuzz.driver.calls).toEqual([]);
    expect(fuzz.sharePrompts).toEqual([]);
  });

  it("acknowledges an mxid_share without any grant and asks the user, who alone decides", async () => {
    const fuzz = await fuzzHost({ dialect, ready: true, grant: [] });
    const share = gated.find(([name]) => name.endsWith("mxid_share"));
    expect(share).toBeDefined();
    const [action, data] = share ?? ["", {}];
    expect((await ask(fuzz, action, data)).map(codeOf)).toEqual([undefined]);
    await vi.waitFor(() => expect(fuzz.sharePrompts).toHaveLength(1));
  });
});

/** Capabilities whose type and key are full of the characters the grammar escapes. */
const trickyPart = fc.string({
  unit: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom("#", "\\", "*", ":", ".", "m.room.message") },
    { weight: 3, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }) },
  ),
  minLength: 1,
  maxLength: 16,
});
const trickyCapability: fc.Arbitrary<Capability> = fc.oneof(
  fc
    .record({
      direction: fc.constantFrom("send" as const, "receive" as const),
      eventType: trickyPart,
      stateKey: fc.option(fc.oneof(trickyPart, fc.constant("")), { nil: undefined }),
    })
    .map(({ direction, eventType, stateKey }) =>
      stateKey === undefined
        ? { kind: "state_event" as const, direction, eventType }
        : { kind: "state_event" as const, direction, eventType, stateKey },
    ),
  fc
    .record({ direction: fc.constantFrom("send" as const, "receive" as const), eventType: trickyPart })
    .map((c) => ({ kind: "room_event" as const, ...c })),
  fc
    .record({ direction: fc.constantFrom("send" as const, "receive" as const), msgtype: trickyPart })
    .map((c) => ({
      kind: "room_event" as const,
      eventType: "m.room.message",
      ...c,
    })),
  trickyPart.map((eventType) => ({ kind: "account_data" as const, eventType })),
  fc.oneof(trickyPart, fc.constant("*")).map((roomId) => ({ kind: "timeline" as const, roomId })),
);

describe.each(DIALECTS)("§4.8 capability strings with #, \\, * and long text (%s)", (dialect) => {
  it(
    "round-trip through the wire: the policy sees exactly what the widget sent, and it parses back to the same type and key",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(trickyCapability, { minLength: 1, maxLength: 4, selector: (c) => capabilityKey(c) }),
          fc.constantFrom("stable" as const, "unstable" as const),
          async (capabilities, style) => {
            const strings = capabilities.map((c) => formatCapability(c, style));
            for (const [i, s] of strings.entries()) expect(parseCapability(s)).toEqual(capabilities[i]);
            const seen: string[][] = [];
            const policy: HostPolicy = {
              approveCapabilities: ({ requested }) => {
                seen.push([...requested]);
                return requested;
              },
            };
            const pair = createMemoryTransportPair();
            const host = new WidgetHost({
              widgetId: WIDGET_ID,
              transport: pair.host,
              policy,
              logger: silentLogger,
            });
            const created = WidgetClient.create({
              widgetId: WIDGET_ID,
              transport: pair.widget,
              capabilities: strings,
              logger: silentLogger,
              protocol: dialect,
            });
            host.start();
            const client = await created;
            try {
              // The consent prompt is shown exactly the strings the widget wrote (grantable ones).
              const offered = seen[0] ?? [];
              for (const s of offered) expect(strings).toContain(s);
              for (const s of offered) {
                const parsed = parseCapability(s);
                expect(parsed).toEqual(capabilities[strings.indexOf(s)]);
                if (parsed.kind === "state_event" && parsed.stateKey !== undefined) {
                  expect(
                    host.capabilities.canSendState(parsed.eventType, parsed.stateKey) ||
                      host.capabilities.canReceiveState(parsed.eventType, parsed.stateKey),
                  ).toBe(true);
                }
                if (parsed.kind === "account_data")
                  expect(host.capabilities.canReadAccountData(parsed.eventType)).toBe(true);
              }
              expect(client.capabilities).toEqual(host.grantedCapabilities);
            } finally {
              client.destroy();
              host.destroy();
            }
          },
        ),
        fuzzParams(100),
      );
    },
    fuzzTimeout(20_000),
  );

  it(
    dialect === "classic"
      ? "refuses a capability longer than 2048 characters rather than processing it, without a throw"
      : "refuses a capability longer than 2048 characters: MSC4412's opening request_capabilities gets invalid_request, so create() rejects at once with no grant",
    async () => {
      const warnings: string[] = [];
      const logger: Logger = { ...silentLogger, warn: (m) => warnings.push(m) };
      const pair = createMemoryTransportPair();
      const host = new WidgetHost({
        widgetId: WIDGET_ID,
        transport: pair.host,
        policy: approveCapabilities("all-requested"),
        logger,
      });
      opened.push(host);
      const long = `org.matrix.msc3751.read.account_data:${"x".repeat(3000)}`;
      const client = WidgetClient.create({
        widgetId: WIDGET_ID,
        transport: pair.widget,
        capabilities: [long],
        logger: silentLogger,
        readyTimeoutMs: 200,
        protocol: dialect,
      });
      const outcome = client.then(
        (c) => (c.destroy(), "ready"),
        (error: unknown) => (error as WidgetApiError).code,
      );
      host.start();
      if (dialect === "classic") {
        // The client's own schema refuses the host's capabilities request, so it never answers it.
        expect(await outcome).toBe(ErrorCode.Timeout);
        expect(warnings.join("\n")).toContain("did not answer the capabilities request");
      } else {
        // The widget opens negotiation, and the host's schema refuses the request it opens with.
        expect(await outcome).toBe(ErrorCode.InvalidRequest);
      }
      expect(host.state).toBe("waiting");
      expect(host.grantedCapabilities).toEqual([]);
      // In a session, asking for it by renegotiation is refused by the schema.
      const fuzz = await fuzzHost({ dialect, ready: true, grant: [] });
      const replies = await ask(fuzz, "request_capabilities", { capabilities: [long] });
      expect(replies.map(codeOf)).toEqual([ErrorCode.InvalidRequest]);
      expect(fuzz.policyCalls).toBe(1);
    },
  );
});

// Replays are refused the same way in both dialects (in MSC4412 the IDs are UUIDs).
describe.each(DIALECTS)("§4.9 a replayed requestId (%s)", (dialect) => {
  const navigateAs = (requestId: string) =>
    widgetRequest(dialect, requestId, NAVIGATE, { uri: ROOM_LINK }) as unknown as WidgetMessage;
  it("runs the side effect once while the first copy is in flight; after the reply the ID starts a new request", async () => {
    const fuzz = await fuzzHost({ ready: true, grant: [NAVIGATE], dialect });
    let release: () => void = () => {};
    fuzz.driver.respond("navigate", () => new Promise<void>((resolve) => (release = resolve)));
    const message = navigateAs("replayed");
    const start = fuzz.received.length;
    fuzz.pair.widget.send(message);
    fuzz.pair.widget.send(message);
    fuzz.pair.host.receive(structuredClone(message));
    await flush();
    expect(fuzz.driver.callsOf("navigate")).toHaveLength(1);
    release();
    await flush();
    expect(repliesById(fuzz.received.slice(start)).get("replayed")).toHaveLength(1);
    // Answered: the ID is free again. A request reusing it is new, runs, and gets its own reply
    // (what matrix-widget-api's clock-named IDs need); the navigate rate limit still bounds repeats.
    fuzz.pair.widget.send(message);
    await flush();
    release();
    await flush();
    expect(fuzz.driver.callsOf("navigate")).toHaveLength(2);
    expect(repliesById(fuzz.received.slice(start)).get("replayed")).toHaveLength(2);
  });

  it("still refuses a copy of a request in flight after a thousand other requests", async () => {
    const fuzz = await fuzzHost({ ready: true, grant: [NAVIGATE], dialect });
    let release: () => void = () => {};
    fuzz.driver.respond("navigate", () => new Promise<void>((resolve) => (release = resolve)));
    const start = fuzz.received.length;
    fuzz.pair.widget.send(navigateAs("old"));
    await flush();
    for (let i = 0; i < 1000; i++) {
      // MSC4412 has no supported_api_versions: an unknown action is its cheap filler.
      const filler = dialect === "classic" ? "supported_api_versions" : "dev.fuzz.filler";
      fuzz.pair.widget.send(widgetRequest(dialect, `filler-${i}`, filler, {}) as unknown as WidgetMessage);
    }
    await flush();
    fuzz.pair.widget.send(navigateAs("old"));
    await flush();
    expect(repliesById(fuzz.received.slice(start)).get("old")).toBeUndefined();
    release();
    await flush();
    expect(repliesById(fuzz.received.slice(start)).get("old")).toHaveLength(1);
    expect(fuzz.driver.callsOf("navigate")).toHaveLength(1);
  });
});

const widgetPing = defineAction({
  id: "fuzz.widget-ping",
  direction: "toWidget",
  stable: "dev.fuzz.widget_ping",
  unstable: [],
  request: v.object({}),
  response: v.object({ pong: v.number() }),
  summary: "Pings the widget (fuzz fixture).",
});

/** An MSC4412 widget's first message settles a host's session dialect; classic needs nothing. */
async function speakFirst(
  dialect: Dialect,
  widgetEnd: { send(message: WidgetMessage): void },
  host: WidgetHost,
) {
  if (dialect === "classic") return;
  widgetEnd.send(
    widgetRequest(dialect, `first-${++firstMessages}`, "content_loaded", {}) as unknown as WidgetMessage,
  );
  await flush();
  expect(host.dialect).toBe("msc4412");
}
let firstMessages = 0;

describe.each(DIALECTS)(
  "§4.10 a reply with an unknown, expired or duplicate ID, or the wrong action (%s)",
  (dialect) => {
    it("is ignored by the host; only the first matching reply settles the request", async () => {
      // No widget client: the test answers the host's requests by hand.
      const fuzz = await fuzzHost({ dialect, ready: false, grant: [], limits: { requestTimeoutMs: 40 } });
      const end = fuzz.pair.widget;
      await speakFirst(dialect, end, fuzz.host);
      // Expired: a request that timed out, answered late.
      const expired = fuzz.host.request(widgetPing, {});
      await expect(expired).rejects.toMatchObject({ code: ErrorCode.Timeout });
      const expiredId = (fuzz.received.findLast((m) => m.action === widgetPing.stable) as WidgetMessage)
        .requestId;
      const call = fuzz.host.request(widgetPing, {});
      await flush();
      const pendingId = (fuzz.received.findLast((m) => m.action === widgetPing.stable) as WidgetMessage)
        .requestId;
      // A reply as the widget writes it; `from` the wrong side is a reply that must be ignored.
      const reply = (requestId: string, action: string, pong: number, from: "widget" | "host" = "widget") =>
        end.send(
          (dialect === "classic"
            ? {
                api: from === "widget" ? "toWidget" : "fromWidget",
                widgetId: WIDGET_ID,
                requestId,
                action,
                data: {},
                response: { pong },
              }
            : { source: from, action, requestId, response: { pong }, version: "v1" }) as never,
        );
      reply(expiredId, widgetPing.stable, 1);
      reply("unknown-id", widgetPing.stable, 2);
      reply(pendingId, "dev.fuzz.other_action", 3);
      reply(pendingId, widgetPing.stable, 4, "host");
      reply(pendingId, widgetPing.stable, 5);
      reply(pendingId, widgetPing.stable, 6);
      await expect(call).resolves.toEqual({ pong: 5 });
      await flush();
      expect(fuzz.host.pendingRequestCount).toBe(0);
      expectNoUnhandledRejection();
    });
  },
);

describe.each(DIALECTS)("§4.11 a request the peer never answers (%s)", (dialect) => {
  it("a toWidget request rejects on timeout and the host's pending map goes back to 0", async () => {
    const pair = createMemoryTransportPair();
    const host = new WidgetHost({
      widgetId: WIDGET_ID,
      transport: pair.host,
      logger: silentLogger,
      limits: { requestTimeoutMs: 30 },
    });
    opened.push(host);
    await speakFirst(dialect, pair.widget, host);
    const before = host.pendingRequestCount;
    const calls = Array.from({ length: 5 }, () => host.request(widgetPing, {}));
    expect(host.pendingRequestCount).toBe(before + 5);
    for (const call of calls) await expect(call).rejects.toMatchObject({ code: ErrorCode.Timeout });
    expect(host.pendingRequestCount).toBe(0);
  });

  it("a widget request rejects on timeout and the client's pending map goes back to 0", async () => {
    const fuzz = await fuzzHost({ dialect, ready: true, grant: [] });
    const client = fuzz.client as WidgetClient;
    const calls = Array.from({ length: 5 }, () => client.request(holdAction, {}, { timeoutMs: 30 }));
    expect(client.pendingRequestCount).toBe(5);
    for (const call of calls) await expect(call).rejects.toMatchObject({ code: ErrorCode.Timeout });
    expect(client.pendingRequestCount).toBe(0);
    fuzz.releaseHeld();
  });

  // Regression (fixed): WidgetClient.start() used to create the ready promise and then await the
  // versions request first; a ready timeout that fired while that request still waited
  // (readyTimeoutMs < timeoutMs) was an unhandled rejection, and create() itself rejected only once
  // the versions request had timed out as well.
  it("create() against a silent host rejects after readyTimeoutMs, with no unhandled rejection", async () => {
    const pair = createMemoryTransportPair();
    const started = Date.now();
    const created = WidgetClient.create({
      widgetId: WIDGET_ID,
      transport: pair.widget,
      logger: silentLogger,
      readyTimeoutMs: 50,
      timeoutMs: 400,
      protocol: dialect,
    });
    await expect(created).rejects.toMatchObject({ code: ErrorCode.Timeout });
    const elapsed = Date.now() - started;
    await flush();
    expectNoUnhandledRejection();
    expect(elapsed).toBeLessThan(300);
  });
});

describe.each(DIALECTS)("§4.12 a flood of requests (%s)", (dialect) => {
  it(
    "10 000 requests at once: the in-flight bound holds, the rest get limit_exceeded, each exactly one reply",
    async () => {
      const fuzz = await fuzzHost({ dialect, ready: true, grant: ALL_CAPS });
      const start = fuzz.received.length;
      for (let i = 0; i < 10_000; i++) {
        fuzz.pair.widget.send(
          widgetRequest(dialect, `flood-${i}`, holdAction.stable, {}) as unknown as WidgetMessage,
        );
      }
      await flush();
      expect(fuzz.heldIds).toHaveLength(DEFAULT_HOST_LIMITS.maxInFlight);
      let refused = 0;
      for (const message of fuzz.received.slice(start)) {
        if (codeOf((message as { response?: Record<string, unknown> }).response) === ErrorCode.LimitExceeded)
          refused++;
      }
      expect(refused).toBe(10_000 - DEFAULT_HOST_LIMITS.maxInFlight);
      fuzz.releaseHeld();
      await flush();
      await expectInFlightSlotsFree(fuzz, DEFAULT_HOST_LIMITS.maxInFlight);
    },
    fuzzTimeout(20_000),
  );

  it("navigate and directory search floods are rate-limited before the driver", async () => {
    const fuzz = await fuzzHost({ dialect, ready: true, grant: ALL_CAPS });
    const codes = new Map<unknown, number>();
    const start = fuzz.received.length;
    const began = Date.now();
    for (let i = 0; i < 2_000; i++) {
      const action = i % 2 === 0 ? NAVIGATE : "org.matrix.msc3973.user_directory_search";
      const data = i % 2 === 0 ? { uri: ROOM_LINK } : { search_term: "al" };
      fuzz.pair.widget.send(widgetRequest(dialect, `rl-${i}`, action, data) as unknown as WidgetMessage);
      if (i % 20 === 19) await flush(1);
    }
    await flush();
    for (const message of fuzz.received.slice(start)) {
      const code = codeOf((message as { response?: Record<string, unknown> }).response);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    // At most the burst, plus what refilled while the test ran.
    const seconds = (Date.now() - began) / 1000;
    const most = (limit: { burst: number; perSecond: number }) =>
      limit.burst + Math.ceil(seconds * limit.perSecond);
    const navigations = fuzz.driver.callsOf("navigate").length;
    const searches = fuzz.driver.callsOf("searchUserDirectory").length;
    expect(navigations).toBeLessThanOrEqual(most(DEFAULT_HOST_LIMITS.navigate));
    expect(searches).toBeLessThanOrEqual(most(DEFAULT_HOST_LIMITS.directorySearch));
    expect(codes.get(ErrorCode.LimitExceeded)).toBe(2_000 - navigations - searches);
    expect([...codes.values()].reduce((a, b) => a + b, 0)).toBe(2_000);
  });

  it("pushes to a widget that never answers stay bounded by maxPending; a client's flood by its maxPending", async () => {
    const fuzz = await fuzzHost({ dialect, ready: true, grant: ALL_CAPS });
    const client = fuzz.client as WidgetClient;
    expect(
      (await ask(fuzz, "dev.matrix_widget_kit.watch_account_data", { types: ["com.example.settings"] })).map(
        codeOf,
      ),
    ).toEqual([undefined]);
    // The widget stops answering: its end no longer delivers anything.
    client.destroy();
    for (let i = 0; i < 2_000; i++) fuzz.driver.emitAccountData("com.example.settings", { n: i });
    await flush();
    expect(fuzz.host.pendingRequestCount).toBe(DEFAULT_HOST_LIMITS.maxPending);

    const other = await fuzzHost({ dialect, ready: true, grant: [] });
    const calls = Array.from({ length: 2_000 }, () =>
      (other.client as WidgetClient).request(holdAction, {}).catch((e: unknown) => e),
    );
    expect((other.client as WidgetClient).pendingRequestCount).toBe(1024);
    const results = await Promise.race([Promise.all(calls.slice(1024)), flush().then(() => [])]);
    expect((results as WidgetApiError[]).every((e) => e.code === ErrorCode.LimitExceeded)).toBe(true);
    other.releaseHeld();
    await flush();
    other.releaseHeld();
    await flush();
  });
});

describe.each(DIALECTS)("§4.13 10 MB or deeply nested payloads, and odd limits (%s)", (dialect) => {
  it(
    "a 10 MB request gets exactly one too_large reply and reaches no handler",
    async () => {
      const fuzz = await fuzzHost({ dialect, ready: true, grant: ALL_CAPS });
      const replies = await ask(fuzz, NAVIGATE, { uri: ROOM_LINK, padding: "x".repeat(10 * 1024 * 1024) });
      expect(replies).toHaveLength(1);
      expect(replies[0]?.error).toEqual({
        message: expect.stringMatching(
          /^Request refused: the message is \d+ bytes, over the limit of 1048576$/,
        ),
        code: ErrorCode.TooLarge,
      });
      expect(fuzz.driver.calls).toEqual([]);
    },
    fuzzTimeout(20_000),
  );

  // Regression (fixed): error replies used to echo the request's `data` even when the size check
  // refused it. A 10 000-level `data` cannot be serialised again, so the too_large reply failed to
  // send, the fallback reply carried the same data and failed too, and the request got no reply at
  // all. Such data arrives over any transport that does not structured-clone on the way in (a
  // string bridge that JSON.parses, a host app's own Transport). Refusals now echo `data: {}`.
  it("a request nested 10 000 levels deep gets exactly one too_large reply", async () => {
    const fuzz = await fuzzHost({ dialect, ready: true, grant: ALL_CAPS });
    const replies: unknown[] = [];
    const deep = widgetRequest(dialect, "deep", NAVIGATE, nested(10_000));
    fuzz.pair.widget.subscribe((m) => {
      if ((m as WidgetMessage).requestId === deep.requestId) replies.push(m);
    });
    expect(() => fuzz.pair.host.receive(deep)).not.toThrow();
    await flush();
    expect(fuzz.driver.calls).toEqual([]);
    expect(replies.map((m) => codeOf((m as { response: Record<string, unknown> }).response))).toEqual([
      ErrorCode.TooLarge,
    ]);
  });

  // Regression (fixed): the size check used to measure JSON text only, and JSON.stringify writes an
  // ArrayBuffer, a typed array or a Blob as `{}`. So binary data of any size passed
  // maxMessageBytes in every action, the handler ran, and the reply echoed the buffer back (a
  // second copy). Only upload_file may carry binary data, and it has maxUploadBytes; the boundary
  // walk (core/wire-value.ts) now counts binary bytes everywhere else.
  it("a 10 MB binary payload outside upload_file is refused with too_large", async () => {
    const fuzz = await fuzzHost({ dialect, ready: true, grant: ALL_CAPS });
    const replies = await ask(fuzz, NAVIGATE, { uri: ROOM_LINK, junk: new Uint8Array(10 * 1024 * 1024) });
    expect(replies.map(codeOf)).toEqual([ErrorCode.TooLarge]);
    expect(fuzz.driver.calls).toEqual([]);
  });

  it("limit values of the wrong kind are refused, and large ones (digit strings too) are clamped to 50", async () => {
    const fuzz = await fuzzHost({ dialect, ready: true, grant: ALL_CAPS });
    for (const limit of [
      NaN,
      -1,
      "-1",
      "1e3",
      Infinity,
      -Infinity,
      Number.MAX_SAFE_INTEGER + 2,
      true,
      [],
      {},
    ]) {
      const replies = await ask(fuzz, "org.matrix.msc3973.user_directory_search", {
        search_term: "al",
        limit,
      });
      expect(replies.map(codeOf), String(limit)).toEqual([ErrorCode.InvalidRequest]);
    }
    expect(fuzz.driver.calls).toEqual([]);
    for (const limit of [51, 1000, "1000", 1e9, Number.MAX_SAFE_INTEGER]) {
      const [reply] = await ask(fuzz, "org.matrix.msc3973.user_directory_search", {
        search_term: "al",
        limit,
      });
      expect((reply?.results as unknown[]).length).toBe(50);
    }
    expect(fuzz.driver.callsOf("searchUserDirectory").map((args) => args[1])).toEqual([50, 50, 50, 50, 50]);
  });
});

describe.each(DIALECTS)("§4.14 every driver method rejects or throws (%s)", (dialect) => {
  const cases: Array<{ op: DriverOp; action: string; data: Record<string, unknown>; code: string }> = [
    { op: "navigate", action: NAVIGATE, data: { uri: ROOM_LINK }, code: ErrorCode.Internal },
    {
      op: "searchUserDirectory",
      action: "user_directory_search",
      data: { search_term: "al" },
      code: ErrorCode.Internal,
    },
    {
      op: "readAccountData",
      action: "read_account_data",
      data: { type: "com.example.settings" },
      code: ErrorCode.Internal,
    },
    {
      op: "watchAccountData",
      action: "dev.matrix_widget_kit.watch_account_data",
      data: { types: ["com.example.settings"] },
      code: ErrorCode.Internal,
    },
  ];
  for (const { op, action, data, code } of cases) {
    for (const kind of ["reject", "throw", "homeserver"] as const) {
      it(`${op} ${kind}s: exactly one error reply`, async () => {
        const fuzz = await fuzzHost({ dialect, ready: true, grant: ALL_CAPS });
        fuzz.driver.fail(
          op,
          kind === "reject" ? faults.reject() : kind === "throw" ? faults.throwSync() : faults.forbidden(),
        );
        const replies = await ask(fuzz, action, data);
        expect(replies).toHaveLength(1);
        const expected =
          kind === "homeserver" && op !== "watchAccountData" ? ErrorCode.HomeserverError : code;
        expect(codeOf(replies[0])).toBe(expected);
        expectNoUnhandledRejection();
      });
    }
  }
  it("the share operations (getProfile, inviteUsers, createDirectMessage) fail after the ack: one reply, the outcome goes to the host app", async () => {
    for (const op of ["getProfile", "inviteUsers", "createDirectMessage"] as const) {
      for (const fault of [faults.reject(), faults.throwSync(), faults.forbidden()]) {
        const fuzz = await fuzzHost({
          dialect,
          ready: true,
          grant: ALL_CAPS,
          shareDecision: { action: op === "createDirectMessage" ? "create_dm" : "invite" },
        });
        fuzz.driver.fail(op, fault);
        const replies = await ask(fuzz, "mxid_share", { users: [{ user_id: "@alice:example.org" }] });
        expect(replies, op).toEqual([{}]);
        expect(fuzz.sharePrompts).toHaveLength(1);
        expectNoUnhandledRejection();
      }
    }
  });
});

describe.each(DIALECTS)("§4.15 a second content_loaded (%s)", (dialect) => {
  it(
    dialect === "classic"
      ? "with waitForIframeLoad (the default) it is acknowledged once each and changes nothing"
      : "in MSC4412 (one per document) each is acknowledged and taken as a new document's: the session and its grants end, and nothing runs until it negotiates again",
    async () => {
      const fuzz = await fuzzHost({ dialect, ready: true, grant: [NAVIGATE] });
      const ended: string[] = [];
      fuzz.host.on("sessionEnded", ({ reason }) => ended.push(reason));
      for (let i = 0; i < 3; i++) expect(await ask(fuzz, "content_loaded", {})).toEqual([{}]);
      await flush();
      expect(fuzz.policyCalls).toBe(1);
      if (dialect === "classic") {
        expect(ended).toEqual([]);
        expect(fuzz.host.state).toBe("ready");
        expect(fuzz.host.grantedCapabilities).toEqual([NAVIGATE]);
        return;
      }
      expect(ended[0]).toBe("The widget frame was reloaded");
      expect(fuzz.host.state).toBe("waiting");
      expect(fuzz.host.grantedCapabilities).toEqual([]);
      expect((await ask(fuzz, NAVIGATE, { uri: ROOM_LINK })).map(codeOf)).toEqual([ErrorCode.OutOfSequence]);
      expect(fuzz.driver.callsOf("navigate")).toEqual([]);
    },
  );
});

// Classic only: pairing loads with content_loaded by count is how a classic host without
// waitForIframeLoad starts; MSC4412's content_loaded never starts negotiation (the case above).
describe("§4.15 a second content_loaded, without waitForIframeLoad (classic)", () => {
  // Regression (fixed): without waitForIframeLoad, loads and content_loaded messages used to be
  // paired by count. A duplicate content_loaded from the same document counted as the next
  // document's, so when the frame really reloaded, its load event was taken as already paired and
  // did not end the session: the new document held the old grants without negotiating, and its
  // requests ran on them.
  it("a duplicate content_loaded does not let the next document inherit the session", async () => {
    const pair = createMemoryTransportPair();
    const driver = new RecordingDriver();
    const host = new WidgetHost({
      widgetId: WIDGET_ID,
      transport: pair.host,
      waitForIframeLoad: false,
      driver,
      policy: approveCapabilities([NAVIGATE]),
      logger: silentLogger,
    });
    opened.push(host);
    pair.host.simulatePeerLoad();
    const client = await WidgetClient.create({
      widgetId: WIDGET_ID,
      transport: pair.widget,
      capabilities: [NAVIGATE],
      sendContentLoaded: true,
      logger: silentLogger,
    });
    // A second content_loaded is acknowledged at once (issue 15: holding and refusing it failed
    // clients re-created by React StrictMode); it may be the next document's, so the next load
    // negotiates at once, but the load still ends this session.
    expect(await ask({ pair }, "content_loaded", {})).toEqual([{}]);
    await flush();
    client.destroy();
    // The frame now loads another document, which does not negotiate.
    const ended: string[] = [];
    host.on("sessionEnded", ({ reason }) => ended.push(reason));
    pair.reloadWidget();
    expect(ended, "the load ended the session").toHaveLength(1);
    expect(host.grantedCapabilities).toEqual([]);
    const replies = await ask({ pair }, NAVIGATE, { uri: ROOM_LINK });
    expect(replies.map(codeOf)).toEqual([ErrorCode.OutOfSequence]);
    expect(driver.callsOf("navigate")).toEqual([]);
  });
});

describe.each(DIALECTS)("§4.16 destroy while calls are in flight (%s)", (dialect) => {
  // Issue 12 item 7 changed this: destroy() now answers each request still in flight with one
  // session_ended reply (so the peer hears at once), and sends nothing after that.
  it("answers what is in flight with session_ended, sends nothing afterwards, removes every listener and leaves no timer", async () => {
    const fuzz = await fuzzHost({ dialect, ready: true, grant: ALL_CAPS });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const client = fuzz.client as WidgetClient;
    // The widget sits on the host's request, and the host on the widget's.
    client.handle(widgetPing, () => new Promise<never>(() => {}));
    const widgetCalls = [client.request(holdAction, {}), client.request(holdAction, {})].map((p) =>
      p.catch((e: unknown) => e),
    );
    const hostCall = fuzz.host.request(widgetPing, {}).catch((e: unknown) => e);
    await flush();
    const hostSent = fuzz.pair.host.sent.length;
    const widgetSent = fuzz.pair.widget.sent.length;
    fuzz.host.destroy();
    client.destroy();
    // The host answered the widget's two held requests, the widget the host's held ping.
    const hostReplies = fuzz.pair.host.sent.slice(hostSent);
    const widgetReplies = fuzz.pair.widget.sent.slice(widgetSent);
    expect(hostReplies).toHaveLength(2);
    expect(widgetReplies).toHaveLength(1);
    for (const reply of [...hostReplies, ...widgetReplies]) {
      expect(reply).toMatchObject({ response: { error: { code: ErrorCode.SessionEnded } } });
    }
    fuzz.releaseHeld();
    await flush();
    expect(fuzz.pair.host.sent.length).toBe(hostSent + 2);
    expect(fuzz.pair.widget.sent.length).toBe(widgetSent + 1);
    for (const outcome of [...(await Promise.all(widgetCalls)), await hostCall]) {
      expect((outcome as WidgetApiError).code).toBe(ErrorCode.SessionEnded);
    }
    expect(fuzz.pair.host.listenerCount + fuzz.pair.widget.listenerCount).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  // Regression (fixed): callDriver (call-driver.ts) used to arm a driverTimeoutMs timer for every
  // driver call and clear it only when the call settled or timed out, so a driver call that hung
  // kept a timer alive after destroy(), against the "leaves no timers" promise of
  // WidgetHost.destroy().
  it("leaves no timer even while a driver call hangs", async () => {
    const fuzz = await fuzzHost({ dialect, ready: true, grant: [NAVIGATE] });
    fuzz.driver.fail("navigate", faults.hang());
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    fuzz.pair.widget.send(
      widgetRequest(dialect, "hangs", NAVIGATE, { uri: ROOM_LINK }) as unknown as WidgetMessage,
    );
    await flush();
    expect(fuzz.driver.callsOf("navigate")).toHaveLength(1);
    fuzz.close();
    await flush();
    expect(vi.getTimerCount()).toBe(0);
  });

  // Regression (fixed): WidgetClient.requestCapabilities used to arm the notify timer before
  // sending, even on a destroyed client; destroy() had already woken every waiter, so the timer
  // (120 s by default) outlived the client and kept a Node process alive.
  it("a destroyed client's requestCapabilities rejects without leaving a timer", async () => {
    const fuzz = await fuzzHost({ dialect, ready: true, grant: [] });
    const client = fuzz.client as WidgetClient;
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    client.destroy();
    await expect(client.requestCapabilities([NAVIGATE])).rejects.toMatchObject({
      code: ErrorCode.SessionEnded,
    });
    expect(vi.getTimerCount()).toBe(0);
  });
});

/** A token in the shape Synapse issues, unique enough to search for. */
const TOKEN = "syt_c2VjcmV0_QmVhcmVyVG9rZW4xMjM0NTY3ODkw_1a2b3c";

function recordingLogger(lines: string[]): Logger {
  return {
    debug: (m) => lines.push(`debug ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}

describe.each(DIALECTS)("§4.17 a spoofed mxid_share, and tokens in logs (%s)", (dialect) => {
  it("a spoofed share does nothing by itself; the prompt shows the real user ID and profile", async () => {
    let prompt: ShareRequest | undefined;
    let decide: (decision: { action: "dismiss" }) => void = () => {};
    const driver = new RecordingDriver();
    driver.profiles.set("@mallory:example.org", { displayName: "Mallory" });
    const pair = createMemoryTransportPair();
    const host = new WidgetHost({
      widgetId: WIDGET_ID,
      transport: pair.host,
      driver,
      logger: silentLogger,
      policy: approveCapabilities("all-requested", {
        confirmShare: (request) => {
          prompt = request;
          return new Promise((resolve) => (decide = resolve));
        },
      }),
    });
    opened.push(host);
    const created = WidgetClient.create({
      widgetId: WIDGET_ID,
      transport: pair.widget,
      capabilities: [CAP.share],
      logger: silentLogger,
      protocol: dialect,
    });
    host.start();
    opened.push(await created);
    const replies = await ask({ pair, dialect }, "mxid_share", {
      users: [
        {
          user_id: "@mallory:example.org",
          display_name: "Alice (your admin)",
          avatar_url: "mxc://example.org/alice",
        },
      ],
      action_hint: "create_room",
    });
    expect(replies).toEqual([{}]);
    expect(prompt?.users).toEqual([
      {
        userId: "@mallory:example.org",
        displayName: "Mallory",
        verified: true,
        claimed: { displayName: "Alice (your admin)", avatarUrl: "mxc://example.org/alice" },
      },
    ]);
    expect(driver.callsOf("inviteUsers")).toEqual([]);
    expect(driver.callsOf("createDirectMessage")).toEqual([]);
    decide({ action: "dismiss" });
    await flush();
    expect(driver.calls.map((c) => c.op)).toEqual(["getProfile"]);
  });

  /** A host and client whose logs are recorded, with a driver that can grant an OpenID token. */
  async function loggedSession(requestOpenId: WidgetDriver["requestOpenId"]) {
    const lines: string[] = [];
    const traces: string[] = [];
    const driver = Object.assign(new RecordingDriver(), { requestOpenId });
    const pair = createMemoryTransportPair();
    const host = new WidgetHost({
      widgetId: WIDGET_ID,
      transport: pair.host,
      driver,
      logger: recordingLogger(lines),
      policy: approveCapabilities("all-requested"),
      actions: [
        defineHostAction({
          action: tokenAction,
          handle: () => ({ access_token: TOKEN, note: `Bearer ${TOKEN}` }),
        }),
      ],
    });
    host.on("trace", (entry) => traces.push(JSON.stringify(entry)));
    const created = WidgetClient.create({
      widgetId: WIDGET_ID,
      transport: pair.widget,
      capabilities: [...ALL_CAPS],
      logger: recordingLogger(lines),
      protocol: dialect,
    });
    host.start();
    const client = await created;
    const session = {
      pair,
      dialect,
      host,
      client,
      driver,
      lines,
      traces,
      close: () => (client.destroy(), host.destroy()),
    };
    opened.push(session);
    return session;
  }

  const tokenAction = defineAction({
    id: "fuzz.token",
    direction: "fromWidget",
    stable: "dev.fuzz.token",
    unstable: [],
    request: v.object({}),
    response: v.object({ access_token: v.string(), note: v.string() }),
    summary: "Replies with a token (fuzz fixture).",
  });

  const credentials = (): OpenIdCredentials => ({
    access_token: TOKEN,
    expires_in: 3600,
    matrix_server_name: "example.org",
    token_type: "Bearer",
  });

  it("an OpenID flow, answered at once or after a prompt, and a reply carrying a token log no token", async () => {
    expect(ACTION_TABLE.some((action) => action.stable === getOpenIdAction.stable)).toBe(true);
    const now = await loggedSession(() => Promise.resolve(credentials()));
    await expect(getOpenIdToken(now.client)).resolves.toMatchObject({ access_token: TOKEN });
    await expect(now.client.request(tokenAction, {})).resolves.toMatchObject({ access_token: TOKEN });

    let grant: (value: OpenIdCredentials) => void = () => {};
    const later = await loggedSession(() => new Promise((resolve) => (grant = resolve)));
    const token = getOpenIdToken(later.client);
    await flush();
    grant(credentials());
    await expect(token).resolves.toMatchObject({ access_token: TOKEN });
    await flush();

    for (const session of [now, later]) {
      expect(session.lines.filter((line) => line.includes(TOKEN) || line.includes("c2VjcmV0"))).toEqual([]);
      expect(session.traces.filter((line) => line.includes(TOKEN))).toEqual([]);
    }
  });

  // Regression (fixed): when a driver operation threw or rejected with a plain Error, callDriver
  // used to log its message verbatim; matrix-js-sdk errors can carry request URLs with
  // `access_token=` in them, and the OpenID path passed a driver rejection the same way. The error
  // reply itself was generic, so only the log leaked. Log lines are redacted now.
  it("a driver error whose message holds a token reaches neither the logs nor the error replies", async () => {
    const leaky = () =>
      new Error(`GET https://hs.example.org/_matrix/client/v3/profile?access_token=${TOKEN} failed`);
    const session = await loggedSession(() => Promise.reject(leaky()));
    session.driver.fail("navigate", { kind: "reject", error: leaky() });
    session.driver.fail("searchUserDirectory", { kind: "throw", error: leaky() });
    session.driver.fail("readAccountData", { kind: "reject", error: leaky() });
    session.driver.fail("watchAccountData", { kind: "throw", error: leaky() });
    session.driver.fail("getProfile", {
      kind: "reject",
      error: new HomeserverError({
        httpStatus: 500,
        errcode: "M_UNKNOWN",
        error: "boom",
        url: `https://hs.example.org/x?access_token=${TOKEN}`,
      }),
    });
    const replies = [
      ...(await ask(session, NAVIGATE, { uri: ROOM_LINK })),
      ...(await ask(session, "org.matrix.msc3973.user_directory_search", { search_term: "al" })),
      ...(await ask(session, "org.matrix.msc3751.read_account_data", { type: "com.example.settings" })),
      ...(await ask(session, "dev.matrix_widget_kit.watch_account_data", {
        types: ["com.example.settings"],
      })),
      ...(await ask(session, "get_openid", {})),
      ...(await ask(session, "mxid_share", { users: [{ user_id: "@alice:example.org" }] })),
    ];
    await flush();
    expect(replies).toHaveLength(6);
    expect.soft(JSON.stringify(replies), "error replies").not.toContain(TOKEN);
    expect
      .soft(
        session.lines.filter((line) => line.includes(TOKEN)),
        "log lines",
      )
      .toEqual([]);
    expect
      .soft(
        session.traces.filter((line) => line.includes(TOKEN)),
        "trace events",
      )
      .toEqual([]);
  });
});
