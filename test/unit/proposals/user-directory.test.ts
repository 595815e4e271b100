import { afterEach, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { approveCapabilities } from "../../../src/host/policy.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { ApiVersion } from "../../../src/protocol/versions.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import { CLIENT_KINDS, WIDGET_ID } from "../../support/memory-session.js";
import { faults, RecordingDriver } from "../../support/recording-driver.js";
import { errorOf, exchange, openSession } from "./harness.js";
import { searchUserDirectory } from "../../../src/widget/index.js";

const STABLE = "user_directory_search";
const UNSTABLE = "org.matrix.msc3973.user_directory_search";
const NAMES = [STABLE, UNSTABLE] as const;
const CAP_STABLE = "m.user_directory_search";
const CAP_UNSTABLE = "org.matrix.msc3973.user_directory_search";

afterEach(() => {
  vi.useRealTimers();
});

function users(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    userId: `@user${i}:example.org`,
    displayName: `User ${i}`,
  }));
}

describe.each(CLIENT_KINDS)("%s", (kind) => {
  describe("user directory search: happy paths", () => {
    it("searches through the typed client and gets snake_case results", async () => {
      const driver = new RecordingDriver();
      driver.directoryResult = {
        limited: false,
        results: [
          { userId: "@alice:example.org", displayName: "Alice", avatarUrl: "mxc://example.org/a" },
          { userId: "@alfred:example.org" },
        ],
      };
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
      const reply = await searchUserDirectory(s.client, "al", { limit: 5 });
      expect(reply).toEqual({
        limited: false,
        results: [
          { user_id: "@alice:example.org", display_name: "Alice", avatar_url: "mxc://example.org/a" },
          { user_id: "@alfred:example.org" },
        ],
      });
      expect(driver.callsOf("searchUserDirectory")).toEqual([["al", 5]]);
      expect(s.pair.widget.sent.some((m) => m.action === UNSTABLE)).toBe(true);
      expect(await s.expectEachAnsweredOnce(NAMES)).toBe(1);
    });

    it("passes no limit to the driver when the widget gives none, so the homeserver default applies", async () => {
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE] });
      await searchUserDirectory(s.client, "bob");
      expect(s.driver.callsOf("searchUserDirectory")).toEqual([["bob", undefined]]);
      expect(await s.expectEachAnsweredOnce(NAMES)).toBe(1);
    });

    it.each(NAMES)("answers %s with limited and results, echoing the action", async (action) => {
      const driver = new RecordingDriver();
      driver.directoryResult = {
        limited: true,
        results: [{ userId: "@carol:example.org", displayName: "Carol" }],
      };
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
      const result = await s.send(action, { search_term: "car", limit: 1 });
      expect(result.reply.action).toBe(action);
      expect(result.response).toEqual({
        limited: true,
        results: [{ user_id: "@carol:example.org", display_name: "Carol" }],
      });
      expect(driver.callsOf("searchUserDirectory")).toEqual([["car", 1]]);
    });

    it.each(NAMES)(
      "accepts %s with the stable capability spelling m.user_directory_search",
      async (action) => {
        const s = await openSession({ client: kind, capabilities: [CAP_STABLE] });
        const result = await s.send(action, { search_term: "x" });
        expect(result.response).toEqual({ limited: false, results: [] });
        expect(s.driver.callsOf("searchUserDirectory")).toHaveLength(1);
      },
    );

    it("accepts an empty search_term, as matrix-widget-api and Synapse do", async () => {
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE] });
      const result = await s.send(UNSTABLE, { search_term: "" });
      expect(result.response).toEqual({ limited: false, results: [] });
      expect(s.driver.callsOf("searchUserDirectory")).toEqual([["", undefined]]);
    });

    it("always answers with both limited and results, even when the driver omits limited", async () => {
      const driver = new RecordingDriver().respond(
        "searchUserDirectory",
        () => ({ results: [{ userId: "@dave:example.org" }] }) as never,
      );
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
      const result = await s.send(UNSTABLE, { search_term: "dave" });
      expect(result.response).toEqual({ limited: false, results: [{ user_id: "@dave:example.org" }] });
    });

    it("drops non-string display names and avatars the driver returns", async () => {
      const driver = new RecordingDriver().respond(
        "searchUserDirectory",
        () =>
          ({
            limited: false,
            results: [{ userId: "@eve:example.org", displayName: 7, avatarUrl: null }],
          }) as never,
      );
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
      const result = await s.send(UNSTABLE, { search_term: "eve" });
      expect(result.response).toEqual({ limited: false, results: [{ user_id: "@eve:example.org" }] });
    });
  });

  describe("user directory search: limit", () => {
    it("clamps a limit above the host maximum of 50 before the driver sees it", async () => {
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE] });
      await s.send(UNSTABLE, { search_term: "a", limit: 1_000_000_000 });
      expect(s.driver.callsOf("searchUserDirectory")).toEqual([["a", 50]]);
    });

    it("passes a limit of exactly 50 unchanged", async () => {
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE] });
      await s.send(UNSTABLE, { search_term: "a", limit: 50 });
      expect(s.driver.callsOf("searchUserDirectory")).toEqual([["a", 50]]);
    });

    it("clamps to a host-configured maximum", async () => {
      const s = await openSession({
        client: kind,
        capabilities: [CAP_UNSTABLE],
        limits: { maxDirectorySearchLimit: 10 },
      });
      await s.send(UNSTABLE, { search_term: "a", limit: 20 });
      expect(s.driver.callsOf("searchUserDirectory")).toEqual([["a", 10]]);
    });

    it("never answers with more results than the limit, and says the list was limited", async () => {
      const driver = new RecordingDriver();
      driver.directoryResult = { limited: false, results: users(10) };
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
      const result = await s.send(UNSTABLE, { search_term: "user", limit: 3 });
      const response = result.response as { limited: boolean; results: unknown[] };
      expect(response.results).toHaveLength(3);
      expect(response.limited).toBe(true);
    });

    it("never answers with more results than the host maximum when the widget gave no limit", async () => {
      const driver = new RecordingDriver();
      driver.directoryResult = { limited: false, results: users(60) };
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
      const result = await s.send(UNSTABLE, { search_term: "user" });
      const response = result.response as { limited: boolean; results: unknown[] };
      expect(response.results).toHaveLength(50);
      expect(response.limited).toBe(true);
    });

    it("answers a limit of 0 with no results", async () => {
      const driver = new RecordingDriver();
      driver.directoryResult = { limited: false, results: users(2) };
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
      const result = await s.send(UNSTABLE, { search_term: "user", limit: 0 });
      expect(result.response).toEqual({ limited: true, results: [] });
    });

    it.each([
      ["a digit string", "10", 10],
      ["a digit string with spaces, as Python's int() takes it", " 7 ", 7],
      ["a fraction, whose fraction is dropped", 2.5, 2],
      ["a digit string past the host maximum, clamped", "1000", 50],
    ])("accepts a limit that is %s, as Element and Synapse do", async (_what, limit, expected) => {
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE] });
      const result = await s.send(UNSTABLE, { search_term: "a", limit });
      expect(errorOf(result)).toBeUndefined();
      expect(s.driver.callsOf("searchUserDirectory")).toEqual([["a", expected]]);
    });

    it("treats a null limit like an absent one", async () => {
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE] });
      const result = await s.send(UNSTABLE, { search_term: "a", limit: null });
      expect(result.response).toEqual({ limited: false, results: [] });
      expect(s.driver.callsOf("searchUserDirectory")).toEqual([["a", undefined]]);
    });
  });

  describe.each(NAMES)("user directory search (%s): refused requests never reach the driver", (action) => {
    it.each([
      ["a number", { search_term: 42 }],
      ["null", { search_term: null }],
      ["missing", { limit: 5 }],
      ["an array", { search_term: ["a"] }],
      ["longer than 1024 characters", { search_term: "a".repeat(1025) }],
    ])("refuses a search_term that is %s with invalid_request", async (_what, data) => {
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE] });
      const result = await s.send(action, data);
      expect(errorOf(result)?.code).toBe(ErrorCode.InvalidRequest);
      expect(errorOf(result)?.message).toMatch(/search_term/);
      expect(s.driver.calls).toEqual([]);
    });

    it.each([
      ["negative", -1],
      ["a negative string", "-1"],
      ["a string that is no number", "ten"],
      ["an empty string", ""],
      ["a boolean", true],
      ["beyond the safe integer range", 2 ** 60],
    ])("refuses a limit that is %s with invalid_request", async (_what, limit) => {
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE] });
      const result = await s.send(action, { search_term: "a", limit });
      expect(errorOf(result)?.code).toBe(ErrorCode.InvalidRequest);
      expect(errorOf(result)?.message).toMatch(/^Invalid request: limit/);
      expect(s.driver.calls).toEqual([]);
    });

    it("refuses without the capability", async () => {
      const s = await openSession({ client: kind, capabilities: [] });
      const result = await s.send(action, { search_term: "a" });
      expect(errorOf(result)?.code).toBe(ErrorCode.MissingCapability);
      expect(s.driver.calls).toEqual([]);
    });

    it("refuses when the policy declined the requested capability", async () => {
      const s = await openSession({
        client: kind,
        capabilities: [CAP_UNSTABLE],
        policy: { approveCapabilities: () => [] },
      });
      const result = await s.send(action, { search_term: "a" });
      expect(errorOf(result)?.code).toBe(ErrorCode.MissingCapability);
      expect(s.driver.calls).toEqual([]);
    });
  });

  describe("user directory search: rate limit", () => {
    it("allows the default burst of 20, then answers limit_exceeded without calling the driver", async () => {
      // Freeze the clock so that no token refills while the burst is being spent.
      vi.useFakeTimers({ toFake: ["Date"] });
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE] });
      for (let i = 0; i < 20; i++) {
        const ok = await s.send(i % 2 === 0 ? STABLE : UNSTABLE, { search_term: `q${i}` });
        expect(errorOf(ok)).toBeUndefined();
      }
      const limited = await s.send(UNSTABLE, { search_term: "one too many" });
      expect(errorOf(limited)?.code).toBe(ErrorCode.LimitExceeded);
      expect(s.driver.callsOf("searchUserDirectory")).toHaveLength(20);
    });

    it("uses the host's configured limit", async () => {
      const s = await openSession({
        client: kind,
        capabilities: [CAP_UNSTABLE],
        limits: { directorySearch: { burst: 2, perSecond: 0 } },
      });
      await s.send(STABLE, { search_term: "a" });
      await s.send(STABLE, { search_term: "b" });
      const limited = await s.send(STABLE, { search_term: "c" });
      expect(errorOf(limited)?.code).toBe(ErrorCode.LimitExceeded);
      expect(s.driver.callsOf("searchUserDirectory")).toEqual([
        ["a", undefined],
        ["b", undefined],
      ]);
    });
  });

  describe("user directory search: driver faults give exactly one error reply", () => {
    it.each(NAMES)(
      "relays a 429 from the homeserver via %s as matrix_api_error with the retry time",
      async (action) => {
        const driver = new RecordingDriver().fail("searchUserDirectory", faults.rateLimited(1_500));
        const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
        const result = await s.send(action, { search_term: "a" });
        expect(errorOf(result)?.code).toBe(ErrorCode.HomeserverError);
        expect(errorOf(result)?.matrix_api_error).toMatchObject({
          http_status: 429,
          http_headers: { "retry-after": "2" },
          response: { errcode: "M_LIMIT_EXCEEDED", error: "Too many requests", retry_after_ms: 1_500 },
        });
      },
    );

    it("relays a 403 as matrix_api_error without a retry time", async () => {
      const driver = new RecordingDriver().fail("searchUserDirectory", faults.forbidden());
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
      const result = await s.send(UNSTABLE, { search_term: "a" });
      const body = errorOf(result)?.matrix_api_error;
      expect(body).toMatchObject({ http_status: 403, response: { errcode: "M_FORBIDDEN" } });
      expect(body?.response).not.toHaveProperty("retry_after_ms");
    });

    it("relays a 404 as matrix_api_error, with the URL stripped of its query", async () => {
      const driver = new RecordingDriver().fail(
        "searchUserDirectory",
        faults.homeserver({
          httpStatus: 404,
          errcode: "M_UNRECOGNIZED",
          error: "Unrecognized request",
          url: "https://hs.example.org/_matrix/client/v3/user_directory/search?access_token=secret",
        }),
      );
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
      const result = await s.send(UNSTABLE, { search_term: "a" });
      expect(errorOf(result)?.matrix_api_error).toMatchObject({
        http_status: 404,
        url: "https://hs.example.org/_matrix/client/v3/user_directory/search",
        response: { errcode: "M_UNRECOGNIZED" },
      });
      expect(JSON.stringify(result.response)).not.toContain("secret");
    });

    it("rejects the typed call with the relayed homeserver error", async () => {
      const driver = new RecordingDriver().fail("searchUserDirectory", faults.rateLimited(1_500));
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
      await expect(searchUserDirectory(s.client, "a")).rejects.toMatchObject({
        code: ErrorCode.HomeserverError,
        matrixApiError: { http_status: 429, response: { retry_after_ms: 1_500 } },
      });
      expect(await s.expectEachAnsweredOnce(NAMES)).toBe(1);
    });

    it("turns a plain rejection into a generic internal error without the driver's message", async () => {
      const driver = new RecordingDriver().fail(
        "searchUserDirectory",
        faults.reject("db password is hunter2"),
      );
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
      const result = await s.send(UNSTABLE, { search_term: "a" });
      expect(errorOf(result)?.code).toBe(ErrorCode.Internal);
      expect(JSON.stringify(result.response)).not.toContain("hunter2");
    });

    it("turns a synchronous throw into an internal error", async () => {
      const driver = new RecordingDriver().fail("searchUserDirectory", faults.throwSync());
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
      const result = await s.send(UNSTABLE, { search_term: "a" });
      expect(errorOf(result)?.code).toBe(ErrorCode.Internal);
      expect(driver.callsOf("searchUserDirectory")).toHaveLength(1);
    });

    it("answers with a timeout error after driverTimeoutMs when the driver never settles", async () => {
      const driver = new RecordingDriver().fail("searchUserDirectory", faults.hang());
      const s = await openSession({
        client: kind,
        capabilities: [CAP_UNSTABLE],
        driver,
        limits: { driverTimeoutMs: 20 },
      });
      const result = await s.send(UNSTABLE, { search_term: "a" });
      expect(errorOf(result)?.code).toBe(ErrorCode.Timeout);
    });

    it.each([
      ["null", null],
      ["a string", "results"],
      ["an object whose results is not an array", { limited: false, results: "many" }],
      ["an entry without a user ID", { limited: false, results: [{ displayName: "Nobody" }] }],
      ["an entry that is null", { limited: false, results: [null] }],
    ])("answers an internal error when the driver returns %s", async (_what, value) => {
      const driver = new RecordingDriver().fail("searchUserDirectory", faults.malformed(value));
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
      const result = await s.send(UNSTABLE, { search_term: "a" });
      expect(errorOf(result)?.code).toBe(ErrorCode.Internal);
      expect(errorOf(result)?.message).toMatch(/malformed directory result/);
    });

    it("works again once the driver recovers", async () => {
      const driver = new RecordingDriver().fail("searchUserDirectory", faults.reject(), 1);
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
      expect(errorOf(await s.send(UNSTABLE, { search_term: "a" }))?.code).toBe(ErrorCode.Internal);
      expect((await s.send(UNSTABLE, { search_term: "a" })).response).toEqual({
        limited: false,
        results: [],
      });
    });
  });

  describe("user directory search: version advertisement", () => {
    it("advertises org.matrix.msc3973 when the driver can search", async () => {
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE] });
      expect(s.host.supportedVersions).toContain(ApiVersion.MSC3973);
      expect(s.client.hostSupports(ApiVersion.MSC3973)).toBe(true);
    });

    it("does not advertise org.matrix.msc3973 when the driver cannot search", async () => {
      const driver = new RecordingDriver({ ops: ["navigate", "getProfile", "readAccountData"] });
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
      expect(s.host.supportedVersions).not.toContain(ApiVersion.MSC3973);
      expect(s.client.hostSupports(ApiVersion.MSC3973)).toBe(false);
    });

    it("makes the widget refuse locally, sending nothing, when the host does not advertise the version", async () => {
      const driver = new RecordingDriver({ ops: ["navigate"] });
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
      await expect(searchUserDirectory(s.client, "a")).rejects.toMatchObject({ code: ErrorCode.Unsupported });
      expect(s.pair.widget.sent.filter((m) => NAMES.includes(m.action as never))).toEqual([]);
    });

    it("answers a raw request anyway with unsupported when the driver cannot search", async () => {
      const driver = new RecordingDriver({ ops: ["navigate"] });
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
      const result = await s.send(STABLE, { search_term: "a" });
      expect(errorOf(result)?.code).toBe(ErrorCode.Unsupported);
      expect(driver.calls).toEqual([]);
    });
  });
});

// Only the host takes part in these (no widget client is created), so they run once, not per client.
describe.each(NAMES)(
  "user directory search (%s): refused requests never reach the driver — the host alone",
  (action) => {
    it("refuses before the session is established", async () => {
      const pair = createMemoryTransportPair();
      const driver = new RecordingDriver();
      const host = new WidgetHost({
        widgetId: WIDGET_ID,
        transport: pair.host,
        driver,
        policy: approveCapabilities("all-requested"),
        logger: silentLogger,
      });
      const result = await exchange(pair, action, { search_term: "a" });
      expect(errorOf(result)?.code).toBe(ErrorCode.OutOfSequence);
      expect(driver.calls).toEqual([]);
      host.destroy();
    });
  },
);
