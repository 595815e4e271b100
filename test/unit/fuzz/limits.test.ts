// Every limit of the host (src/host/limits.ts), the endpoint and the widget client: exceeding it
// gives a clear error reply (code and message), and its default is the value docs/security.md
// states. The documentation tables are read by this file, so they cannot drift from the code.
import { readFileSync } from "node:fs";
import { describe, expect, it, vi, afterEach } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { DEFAULT_HOST_LIMITS, type HostLimits, type RateLimit } from "../../../src/host/limits.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { NEVER_EXPOSED_ACCOUNT_DATA, SENSITIVE_ACCOUNT_DATA } from "../../../src/matrix/account-data.js";
import {
  MAX_ACCOUNT_DATA_TYPE_LENGTH,
  MAX_WATCHED_TYPES,
} from "../../../src/protocol/actions/account-data.js";
import { MAX_SHARE_DECORATION_LENGTH, MAX_SHARED_USERS } from "../../../src/protocol/actions/mxid-share.js";
import { MAX_NAVIGATE_URI_LENGTH } from "../../../src/protocol/actions/navigate.js";
import {
  MAX_CAPABILITIES_PER_REQUEST,
  MAX_CAPABILITY_LENGTH,
} from "../../../src/protocol/actions/schemas.js";
import { notifyCapabilities, supportedApiVersionsToWidget } from "../../../src/protocol/actions/session.js";
import { MAX_SEARCH_TERM_LENGTH } from "../../../src/protocol/actions/user-directory.js";
import { MAX_ID_LENGTH, type Dialect } from "../../../src/protocol/envelope.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import { RecordingDriver, faults } from "../../support/recording-driver.js";
import {
  ALL_CAPS,
  CAP,
  WIDGET_ID,
  DIALECTS,
  asMsc4412,
  ask,
  codeOf,
  expectInFlightSlotsFree,
  flush,
  holdAction,
  openFuzzHost,
  repliesById,
  testIdOf,
  widgetRequest,
  type FuzzHost,
} from "./support.js";
import { navigate } from "../../../src/widget/index.js";
import { drainMemoryChannels } from "../../support/memory-session.js";

const docs = readFileSync(new URL("../../../docs/security.md", import.meta.url), "utf8");

/** The `name` → `value` rows of the documentation's tables: "| `name` | `value` ...". */
function documentedValues(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const match of docs.matchAll(/^\|\s*`([A-Za-z_][A-Za-z0-9_.]*)`\s*\|\s*`([^`]+)`/gm)) {
    rows.set(match[1] as string, match[2] as string);
  }
  return rows;
}

function parseDocumented(text: string): number | RateLimit {
  const rate = /^\{\s*burst:\s*([\d.]+),\s*perSecond:\s*([\d.]+)\s*\}$/.exec(text);
  if (rate) return { burst: Number(rate[1]), perSecond: Number(rate[2]) };
  const value = Number(text.replaceAll("_", ""));
  if (!Number.isFinite(value)) throw new Error(`cannot read the documented value ${JSON.stringify(text)}`);
  return value;
}

const open: Array<FuzzHost | { close(): void }> = [];
afterEach(() => {
  for (const each of open.splice(0)) each.close();
  vi.useRealTimers();
});

async function host(
  limits: Partial<HostLimits> = {},
  grant: readonly string[] = ALL_CAPS,
  dialect: Dialect = "classic",
) {
  const fuzz = await openFuzzHost({
    ready: true,
    grant,
    limits,
    shareDecision: { action: "dismiss" },
    dialect,
  });
  open.push(fuzz);
  return fuzz;
}

describe("docs/security.md states every default exactly", () => {
  const rows = documentedValues();

  it.each(Object.keys(DEFAULT_HOST_LIMITS))("HostLimits.%s", (name) => {
    const documented = rows.get(name);
    expect(documented, `docs/security.md has no row for ${name}`).toBeDefined();
    expect(parseDocumented(documented as string)).toEqual(DEFAULT_HOST_LIMITS[name as keyof HostLimits]);
  });

  it.each([
    ["MAX_ID_LENGTH", MAX_ID_LENGTH],
    ["MAX_CAPABILITIES_PER_REQUEST", MAX_CAPABILITIES_PER_REQUEST],
    ["MAX_CAPABILITY_LENGTH", MAX_CAPABILITY_LENGTH],
    ["MAX_NAVIGATE_URI_LENGTH", MAX_NAVIGATE_URI_LENGTH],
    ["MAX_SEARCH_TERM_LENGTH", MAX_SEARCH_TERM_LENGTH],
    ["MAX_SHARED_USERS", MAX_SHARED_USERS],
    ["MAX_SHARE_DECORATION_LENGTH", MAX_SHARE_DECORATION_LENGTH],
    ["MAX_ACCOUNT_DATA_TYPE_LENGTH", MAX_ACCOUNT_DATA_TYPE_LENGTH],
    ["MAX_WATCHED_TYPES", MAX_WATCHED_TYPES],
  ])("%s", (name, value) => {
    expect(rows.get(name), `docs/security.md has no row for ${name}`).toBeDefined();
    expect(parseDocumented(rows.get(name) as string)).toBe(value);
  });

  it("lists every never-exposed and sensitive account-data rule", () => {
    for (const rule of [...NEVER_EXPOSED_ACCOUNT_DATA, ...SENSITIVE_ACCOUNT_DATA]) {
      const written = rule.match === "prefix" ? `\`${rule.type}*\`` : `\`${rule.type}\``;
      expect(docs, `${rule.type} (${rule.match})`).toContain(written);
    }
  });

  it("documents how to run the fuzzers longer", () => {
    expect(docs).toContain("FUZZ_RUNS=100000 npx vitest run --project unit test/unit/fuzz");
    expect(docs).toContain("FUZZ_SEED");
  });
});

// Every limit holds in both dialects: the same requests, written as a classic or an MSC4412 widget.
describe.each(DIALECTS)("exceeding a host limit gives a clear error reply (%s)", (dialect) => {
  const hostIn = (limits: Partial<HostLimits> = {}) => host(limits, ALL_CAPS, dialect);
  // A host request the widget answers in either dialect (MSC4412 drops supported_api_versions).
  const probe =
    dialect === "classic"
      ? { action: supportedApiVersionsToWidget, data: {} }
      : { action: notifyCapabilities, data: { requested: [], approved: [] } };
  const hostRequest = (fuzz: FuzzHost) => fuzz.host.request(probe.action, probe.data);
  // A request answered without error before or after the session in either dialect.
  const plainAction = dialect === "classic" ? "supported_api_versions" : "content_loaded";

  it("maxMessageBytes: a message one over the limit gets too_large naming its size and the limit; one at it is served", async () => {
    const fuzz = await hostIn({ maxMessageBytes: 2000 });
    const sizeOf = (requestId: string, padding: string) =>
      JSON.stringify(widgetRequest(dialect, requestId, plainAction, { padding })).length;
    const fill = (requestId: string, target: number) => "x".repeat(target - sizeOf(requestId, ""));
    expect(
      codeOf(
        (await ask(fuzz, plainAction, { padding: fill("at-limit", 2000) }, { requestId: "at-limit" }))[0],
      ),
    ).toBeUndefined();
    const over = await ask(
      fuzz,
      plainAction,
      { padding: fill("over-limit", 2001) },
      { requestId: "over-limit" },
    );
    expect(over).toEqual([
      {
        error: {
          message: "Request refused: the message is 2001 bytes, over the limit of 2000",
          code: ErrorCode.TooLarge,
        },
      },
    ]);
  });

  it("maxInFlight: the request over the bound gets limit_exceeded naming the limit", async () => {
    const fuzz = await hostIn({ maxInFlight: 3 });
    const start = fuzz.received.length;
    for (let i = 0; i < 4; i++) {
      fuzz.pair.widget.send(widgetRequest(dialect, `if-${i}`, holdAction.stable, {}) as never);
    }
    await flush();
    const replies = repliesById(fuzz.received.slice(start));
    expect([...replies.keys()]).toEqual(["if-3"]);
    expect((replies.get("if-3")?.[0] as unknown as { response: unknown }).response).toEqual({
      error: { message: "Too many requests in flight (limit 3)", code: ErrorCode.LimitExceeded },
    });
    fuzz.releaseHeld();
    await flush();
    await expectInFlightSlotsFree(fuzz, 3);
  });

  it("maxInFlight default: 128", async () => {
    await expectInFlightSlotsFree(await hostIn(), 128);
  });

  it("maxPending: a host request over the bound is refused at once with limit_exceeded", async () => {
    const fuzz = await hostIn({ maxPending: 2 });
    // The widget sits on every request, so they stay pending.
    (fuzz.client as WidgetClient).handle(probe.action, () => new Promise<never>(() => {}));
    const first = hostRequest(fuzz).catch(() => "ended");
    const second = hostRequest(fuzz).catch(() => "ended");
    await expect(hostRequest(fuzz)).rejects.toMatchObject({
      message: "Too many requests waiting for a reply (limit 2)",
      code: ErrorCode.LimitExceeded,
    });
    expect(fuzz.host.pendingRequestCount).toBe(2);
    fuzz.close();
    expect(await Promise.all([first, second])).toEqual(["ended", "ended"]);
  });

  it("maxPending default: 512", async () => {
    const fuzz = await hostIn();
    (fuzz.client as WidgetClient).handle(probe.action, () => new Promise<never>(() => {}));
    const calls = Array.from({ length: 513 }, () => hostRequest(fuzz).catch((e: unknown) => e));
    expect(fuzz.host.pendingRequestCount).toBe(512);
    expect(await calls[512]).toMatchObject({ code: ErrorCode.LimitExceeded });
    fuzz.close();
    await Promise.all(calls);
  });

  it("requestTimeoutMs: an unanswered host request rejects with timeout naming the action and the time; default 10 s", async () => {
    const fuzz = await hostIn({ requestTimeoutMs: 30 });
    (fuzz.client as WidgetClient).handle(probe.action, () => new Promise<never>(() => {}));
    await expect(hostRequest(fuzz)).rejects.toMatchObject({
      message: `Request ${probe.action.stable} timed out after 30 ms`,
      code: ErrorCode.Timeout,
    });
    const byDefault = await hostIn();
    (byDefault.client as WidgetClient).handle(probe.action, () => new Promise<never>(() => {}));
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const call = hostRequest(byDefault);
    const outcome = call.then(
      () => "answered",
      (e: { code?: string }) => e.code,
    );
    await vi.advanceTimersByTimeAsync(9_999);
    expect(byDefault.host.pendingRequestCount).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome).toBe(ErrorCode.Timeout);
  });

  it("driverTimeoutMs: a driver call that never settles is answered with timeout after 10 s by default", async () => {
    const fuzz = await hostIn();
    fuzz.driver.fail("navigate", faults.hang());
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const replies: unknown[] = [];
    fuzz.pair.widget.subscribe((m) => {
      if (testIdOf(String((m as { requestId?: string }).requestId)) === "slow")
        replies.push((m as { response: unknown }).response);
    });
    fuzz.pair.widget.send(
      widgetRequest(dialect, "slow", CAP.navigate, { uri: "https://matrix.to/#/#a:example.org" }) as never,
    );
    // Messages arrive as tasks, which fake time does not run: the request reaches the host, then
    // the clock moves, then the reply comes back.
    await drainMemoryChannels();
    await vi.advanceTimersByTimeAsync(9_999);
    await drainMemoryChannels();
    expect(replies).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await drainMemoryChannels();
    expect(replies).toEqual([
      { error: { message: "The client did not finish navigating in time", code: ErrorCode.Timeout } },
    ]);
  });

  it("maxDirectorySearchLimit: a larger limit is clamped before the driver, to 50 by default or the configured value", async () => {
    const byDefault = await hostIn();
    await ask(byDefault, CAP.search, { search_term: "a", limit: 51 });
    const configured = await hostIn({ maxDirectorySearchLimit: 7 });
    const [reply] = await ask(configured, CAP.search, { search_term: "a", limit: 1000 });
    expect(byDefault.driver.callsOf("searchUserDirectory")).toEqual([["a", 50]]);
    expect(configured.driver.callsOf("searchUserDirectory")).toEqual([["a", 7]]);
    expect((reply?.results as unknown[]).length).toBe(7);
    expect(reply?.limited).toBe(true);
  });

  it("maxAccountDataLimit: limits are clamped to it; a maximum of 0 answers no events without asking the driver", async () => {
    const fuzz = await hostIn({ maxAccountDataLimit: 0 });
    expect(await ask(fuzz, "read_account_data", { type: "com.example.settings", limit: 5 })).toEqual([
      { events: [] },
    ]);
    expect(fuzz.driver.callsOf("readAccountData")).toEqual([]);
  });

  describe("rate limits: the burst, then limit_exceeded with a retry time, then a refill over time", () => {
    let renegotiated = 0;
    const cases: Array<{
      name: keyof HostLimits;
      send: (fuzz: FuzzHost, i: number) => Promise<Array<Record<string, unknown>>>;
    }> = [
      {
        name: "navigate",
        send: (fuzz) => ask(fuzz, CAP.navigate, { uri: "https://matrix.to/#/#a:example.org" }),
      },
      { name: "directorySearch", send: (fuzz) => ask(fuzz, CAP.search, { search_term: "a" }) },
      {
        name: "sharePrompt",
        send: (fuzz) => ask(fuzz, CAP.share, { users: [{ user_id: "@alice:example.org" }] }),
      },
      {
        name: "renegotiation",
        // Each request asks for something new: asking again for a held capability costs nothing.
        send: (fuzz) =>
          ask(fuzz, "request_capabilities", {
            capabilities: [`m.receive.event:com.example.renegotiated.${++renegotiated}`],
          }),
      },
    ];
    for (const { name, send } of cases) {
      it(`${name}: default ${JSON.stringify(DEFAULT_HOST_LIMITS[name])}`, async () => {
        vi.useFakeTimers({ toFake: ["Date"] });
        const limit = DEFAULT_HOST_LIMITS[name] as RateLimit;
        const fuzz = await hostIn();
        for (let i = 0; i < limit.burst; i++)
          expect(codeOf((await send(fuzz, i))[0]), `request ${i + 1}`).toBeUndefined();
        const refill = Math.ceil(1000 / limit.perSecond);
        expect(await send(fuzz, limit.burst)).toEqual([
          {
            error: {
              message: `Rate limit exceeded for ${name}; retry in ${refill} ms`,
              code: ErrorCode.LimitExceeded,
            },
          },
        ]);
        // The clock stands still (only Date is faked), so the refill is exact up to rounding.
        const spent = Date.now();
        vi.setSystemTime(spent + refill - 2);
        expect(codeOf((await send(fuzz, 0))[0]), "just before the refill").toBe(ErrorCode.LimitExceeded);
        vi.setSystemTime(spent + refill + 2);
        expect(codeOf((await send(fuzz, 0))[0]), "just after the refill").toBeUndefined();
      });
    }

    it("a configured rate limit replaces the default", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const fuzz = await hostIn({ navigate: { burst: 1, perSecond: 1 } });
      expect(
        codeOf((await ask(fuzz, CAP.navigate, { uri: "https://matrix.to/#/#a:example.org" }))[0]),
      ).toBeUndefined();
      expect((await ask(fuzz, CAP.navigate, { uri: "https://matrix.to/#/#a:example.org" }))[0]).toEqual({
        error: {
          message: "Rate limit exceeded for navigate; retry in 1000 ms",
          code: ErrorCode.LimitExceeded,
        },
      });
    });

    it("only one share prompt per widget is open at a time", async () => {
      let decide: () => void = () => {};
      const pair = createMemoryTransportPair();
      const hostWithPrompt = new WidgetHost({
        widgetId: WIDGET_ID,
        transport: pair.host,
        driver: new RecordingDriver(),
        logger: silentLogger,
        policy: {
          approveCapabilities: ({ requested }) => requested,
          confirmShare: () => new Promise((resolve) => (decide = () => resolve({ action: "dismiss" }))),
        },
      });
      const created = WidgetClient.create({
        widgetId: WIDGET_ID,
        transport: pair.widget,
        capabilities: [CAP.share],
        logger: silentLogger,
        protocol: dialect,
      });
      hostWithPrompt.start();
      const client = await created;
      open.push({ close: () => (client.destroy(), hostWithPrompt.destroy()) });
      const share = { users: [{ user_id: "@alice:example.org" }] };
      expect(await ask({ pair, dialect }, CAP.share, share)).toEqual([{}]);
      expect(await ask({ pair, dialect }, CAP.share, share)).toEqual([
        {
          error: {
            message: "A share prompt from this widget is already open",
            code: ErrorCode.LimitExceeded,
          },
        },
      ]);
      decide();
      await flush();
      expect(await ask({ pair, dialect }, CAP.share, share)).toEqual([{}]);
    });
  });
});

describe.each(DIALECTS)("exceeding a schema bound gives invalid_request naming the field (%s)", (dialect) => {
  const over: Array<[string, string, Record<string, unknown>, Record<string, unknown>]> = [
    [
      "MAX_NAVIGATE_URI_LENGTH",
      CAP.navigate,
      { uri: `https://matrix.to/#/#a:example.org?via=${"x".repeat(MAX_NAVIGATE_URI_LENGTH)}` },
      { uri: "https://matrix.to/#/#a:example.org" },
    ],
    [
      "MAX_SEARCH_TERM_LENGTH",
      CAP.search,
      { search_term: "a".repeat(MAX_SEARCH_TERM_LENGTH + 1) },
      { search_term: "a".repeat(MAX_SEARCH_TERM_LENGTH) },
    ],
    [
      "MAX_SHARED_USERS",
      CAP.share,
      { users: Array.from({ length: MAX_SHARED_USERS + 1 }, (_, i) => ({ user_id: `@u${i}:example.org` })) },
      { users: [{ user_id: "@alice:example.org" }] },
    ],
    [
      "MAX_SHARE_DECORATION_LENGTH",
      CAP.share,
      {
        users: [{ user_id: "@alice:example.org", display_name: "d".repeat(MAX_SHARE_DECORATION_LENGTH + 1) }],
      },
      { users: [{ user_id: "@alice:example.org", display_name: "d".repeat(MAX_SHARE_DECORATION_LENGTH) }] },
    ],
    [
      "MAX_ACCOUNT_DATA_TYPE_LENGTH",
      "read_account_data",
      { type: "t".repeat(MAX_ACCOUNT_DATA_TYPE_LENGTH + 1) },
      { type: "com.example.settings" },
    ],
    [
      "MAX_WATCHED_TYPES",
      "dev.matrix_widget_kit.watch_account_data",
      { types: Array.from({ length: MAX_WATCHED_TYPES + 1 }, () => "com.example.settings") },
      { types: Array.from({ length: MAX_WATCHED_TYPES }, () => "com.example.settings") },
    ],
    [
      "MAX_CAPABILITIES_PER_REQUEST",
      "request_capabilities",
      { capabilities: Array.from({ length: MAX_CAPABILITIES_PER_REQUEST + 1 }, (_, i) => `c${i}`) },
      { capabilities: Array.from({ length: MAX_CAPABILITIES_PER_REQUEST }, (_, i) => `c${i}`) },
    ],
    [
      "MAX_CAPABILITY_LENGTH",
      "request_capabilities",
      { capabilities: ["c".repeat(MAX_CAPABILITY_LENGTH + 1)] },
      { capabilities: ["c".repeat(MAX_CAPABILITY_LENGTH)] },
    ],
  ];
  it.each(over)("%s", async (_name, action, tooBig, fits) => {
    const fuzz = await host({}, [...ALL_CAPS], dialect);
    const [refused] = await ask(fuzz, action, tooBig);
    expect(codeOf(refused)).toBe(ErrorCode.InvalidRequest);
    expect((refused?.error as { message: string }).message).toMatch(/^Invalid request: \w+/);
    expect(codeOf((await ask(fuzz, action, fits))[0])).not.toBe(ErrorCode.InvalidRequest);
  });

  it(
    dialect === "classic"
      ? "MAX_ID_LENGTH: a requestId or action one over is dropped, at the bound it is answered"
      : "MAX_ID_LENGTH: an action one over is dropped, at the bound it is answered; in MSC4412 a requestId must be a UUID v4, so one at the bound is dropped too",
    async () => {
      const fuzz = await host({}, ALL_CAPS, dialect);
      if (dialect === "msc4412") {
        // A UUID v4 is 36 characters: the length bound never decides, the UUID rule does.
        for (const requestId of ["r".repeat(MAX_ID_LENGTH + 1), "r".repeat(MAX_ID_LENGTH)]) {
          const before = fuzz.received.length;
          fuzz.pair.widget.send({
            ...widgetRequest(dialect, "id", "dev.fuzz.unknown", {}),
            requestId,
          } as never);
          await flush();
          expect(fuzz.received.slice(before), `requestId of ${requestId.length}`).toEqual([]);
        }
        expect((await ask(fuzz, "dev.fuzz.unknown", {})).map(codeOf)).toEqual([ErrorCode.UnknownAction]);
      } else {
        expect(
          await ask(fuzz, "supported_api_versions", {}, { requestId: "r".repeat(MAX_ID_LENGTH + 1) }),
        ).toEqual([]);
        expect(
          await ask(fuzz, "supported_api_versions", {}, { requestId: "r".repeat(MAX_ID_LENGTH) }),
        ).toHaveLength(1);
      }
      expect(await ask(fuzz, "a".repeat(MAX_ID_LENGTH + 1), {})).toEqual([]);
      expect((await ask(fuzz, "a".repeat(MAX_ID_LENGTH), {})).map(codeOf)).toEqual([ErrorCode.UnknownAction]);
    },
  );
});

describe.each(DIALECTS)("widget client limits (%s)", (dialect) => {
  it("maxPending (default 1024): a call over the bound rejects at once with limit_exceeded", async () => {
    const fuzz = await host({}, [], dialect);
    const client = fuzz.client as WidgetClient;
    const calls = Array.from({ length: 1025 }, () => client.request(holdAction, {}).catch((e: unknown) => e));
    expect(client.pendingRequestCount).toBe(1024);
    expect(await calls[1024]).toMatchObject({
      message: "Too many requests waiting for a reply (limit 1024)",
      code: ErrorCode.LimitExceeded,
    });
    fuzz.close();
    await Promise.all(calls);
  });

  it("inbound in-flight bound (64): the 65th toWidget request held at once gets limit_exceeded", async () => {
    const fuzz = await host({}, [], dialect);
    const client = fuzz.client as WidgetClient;
    // A host request the widget handles in either dialect (MSC4412 drops supported_api_versions).
    const probe =
      dialect === "classic"
        ? { action: supportedApiVersionsToWidget, data: {} }
        : { action: notifyCapabilities, data: { requested: [], approved: [] } };
    client.handle(probe.action, () => new Promise<never>(() => {}));
    const fromWidget: unknown[] = [];
    fuzz.pair.host.subscribe((m) => fromWidget.push(m));
    for (let i = 0; i < 65; i++) {
      const request = {
        api: "toWidget",
        widgetId: WIDGET_ID,
        requestId: `tw-${i}`,
        action: probe.action.stable,
        data: probe.data,
      };
      fuzz.pair.host.send((dialect === "classic" ? request : asMsc4412(request, "toWidget")) as never);
    }
    await flush();
    const replies = repliesById(fromWidget);
    expect([...replies.keys()]).toEqual(["tw-64"]);
    expect((replies.get("tw-64")?.[0] as unknown as { response: unknown }).response).toEqual({
      error: { message: "Too many requests in flight (limit 64)", code: ErrorCode.LimitExceeded },
    });
  });

  it("timeoutMs (default 10 s) and navigate's 60 s", async () => {
    const fuzz = await host({}, [CAP.navigate], dialect);
    fuzz.driver.fail("navigate", faults.hang());
    const client = fuzz.client as WidgetClient;
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const held = client.request(holdAction, {}).then(
      () => "answered",
      (e: { code?: string }) => e.code,
    );
    await vi.advanceTimersByTimeAsync(9_999);
    expect(client.pendingRequestCount).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await held).toBe(ErrorCode.Timeout);
    // navigate waits longer than the host's 10 s driver timeout, so the host's answer wins.
    const navigation = navigate(client, "https://matrix.to/#/#a:example.org").then(
      () => "ok",
      (e: { code?: string; message?: string }) => e.message,
    );
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await navigation).toBe("The client did not finish navigating in time");
  });
});
