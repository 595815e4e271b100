// The four proposals the host serves (navigate MSC2931, user directory search MSC3973, mxid share
// MSC3662, read account data MSC3751), end to end in Chromium between a host page and a
// cross-origin widget iframe: approved, not approved, invalid input, and a failing driver.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { HostConfig, ReportedError } from "./fixtures/session-types.js";
import {
  CAP,
  WIDGET_ID,
  errorOf,
  hostRepliesTo,
  onHost,
  onWidget,
  onlyExchange,
  openSession,
  startSessionEnv,
  valueOf,
  waitFor,
  widgetRequests,
  type Session,
  type SessionEnv,
  type SessionOptions,
} from "./session-support.js";

/** Wire names the widget SDK uses when the host advertises the proposal's version. */
const WIRE = {
  navigate: "org.matrix.msc2931.navigate",
  search: "org.matrix.msc3973.user_directory_search",
  mxidShare: "uk.half-shot.msc3662.mxid_share",
  readAccountData: "org.matrix.msc3751.read_account_data",
} as const;

const SETTINGS = "com.example.settings";

/**
 * A missing_capability refusal that names what was missing. The exact sentence is the host's to
 * word; the code and the capability named in it are the contract.
 */
function expectMissingCapability(error: ReportedError, named: string): void {
  expect(error).toMatchObject({ name: "WidgetApiError", code: "missing_capability" });
  expect(error.message).toMatch(/^Missing capability\b/);
  expect(error.message).toContain(named);
}

/** A generic internal_error reply that does not leak what the driver said. */
function expectGenericInternalError(error: ReportedError, secret: string): void {
  expect(error).toEqual({ name: "WidgetApiError", code: "internal_error", message: expect.any(String) });
  expect(error.message).toMatch(/^Unexpected error while \w/);
  expect(error.message).not.toContain(secret);
}

/** The host logged the driver's failure, with its details, at error level. */
async function expectLoggedDriverFailure(page: Page, detail: string): Promise<void> {
  const logs = await onHost(page, (h) => h.logs);
  expect(logs.filter((l) => l.level === "error" && l.message.includes(detail))).toHaveLength(1);
}

describe("proposals end to end in Chromium (cross-origin iframe)", () => {
  let env: SessionEnv;
  let session: Session | undefined;

  beforeAll(async () => {
    env = await startSessionEnv();
  });

  afterAll(async () => {
    await env?.close();
  });

  afterEach(async () => {
    await session?.p.close();
    session = undefined;
  });

  const open = async (options: SessionOptions): Promise<Session> => {
    session = await openSession(env, options);
    return session;
  };

  describe("navigate (MSC2931)", () => {
    it("approved: the driver gets a typed target for a matrix.to link and a matrix: URI", async () => {
      const { page, widget, p } = await open({ capabilities: [CAP.navigate], approve: [CAP.navigate] });

      expect(
        valueOf(
          await onWidget(widget, (w) => w.navigate("https://matrix.to/#/%23room:example.org?via=other.org")),
        ),
      ).toBeNull();
      expect(
        valueOf(await onWidget(widget, (w) => w.navigate("matrix:u/alice:example.org?action=chat"))),
      ).toBeNull();

      expect(await onHost(page, (h) => h.driverCalls)).toEqual([
        { method: "navigate", args: [{ type: "room", room: "#room:example.org", via: ["other.org"] }] },
        {
          method: "navigate",
          args: [{ type: "user", userId: "@alice:example.org", via: [], action: "chat" }],
        },
      ]);
      expect((await widgetRequests(page, WIRE.navigate)).length).toBe(2);
      expect(p.problems()).toEqual([]);
    });

    it("not approved: refused with missing_capability, and the driver is not called", async () => {
      const { page, widget, p } = await open({ capabilities: [CAP.navigate], approve: [] });

      const error = errorOf(
        await onWidget(widget, (w) => w.navigate("https://matrix.to/#/#room:example.org")),
      );
      expectMissingCapability(error, CAP.navigate);
      expect((await onlyExchange(page, WIRE.navigate)).replies).toHaveLength(1);
      expect(await onHost(page, (h) => h.driverCalls)).toEqual([]);
      expect(p.problems()).toEqual([]);
    });

    it("invalid input: javascript:, foreign and malformed links are invalid_request, and the driver is not called", async () => {
      const { page, widget, p } = await open({ capabilities: [CAP.navigate], approve: [CAP.navigate] });

      for (const uri of [
        "javascript:alert(1)",
        "https://evil.example.org/#/#room:example.org",
        "https://matrix.to/#/not-an-identifier",
        "",
      ]) {
        const error = errorOf(await onWidget(widget, (w, u) => w.navigate(u), uri));
        expect(error, uri).toMatchObject({ code: "invalid_request" });
        expect(error.message, uri).toMatch(/^Invalid navigation link: /);
        // The refusal never echoes the untrusted link.
        if (uri !== "") expect(error.message, uri).not.toContain(uri);
      }
      // A uri that is not a string fails the schema.
      const raw = errorOf(await onWidget(widget, (w) => w.request("navigate", { uri: 42 })));
      expect(raw).toMatchObject({
        code: "invalid_request",
        message: "Invalid request: uri: uri must be a string",
      });
      expect(await onHost(page, (h) => h.driverCalls)).toEqual([]);
      expect(p.problems()).toEqual([]);
    });

    it("driver failure: a throwing driver gives one generic internal_error reply; the details stay in the host log", async () => {
      const { page, widget, p } = await open({
        capabilities: [CAP.navigate],
        approve: [CAP.navigate],
        driver: { navigate: { kind: "throw", message: "secret detail of the client" } },
      });

      const error = errorOf(
        await onWidget(widget, (w) => w.navigate("https://matrix.to/#/#room:example.org")),
      );
      expectGenericInternalError(error, "secret");
      const { replies } = await onlyExchange(page, WIRE.navigate);
      expect(replies).toHaveLength(1);
      expect(JSON.stringify(replies)).not.toContain("secret");
      expect(await onHost(page, (h) => h.driverCalls)).toHaveLength(1);
      await expectLoggedDriverFailure(page, "secret detail of the client");
      expect(p.problems()).toEqual([]);
    });
  });

  describe("user directory search (MSC3973)", () => {
    const directory: HostConfig["driver"] = {
      searchUserDirectory: {
        kind: "resolve",
        value: {
          limited: false,
          results: [
            { userId: "@alice:example.org", displayName: "Alice", avatarUrl: "mxc://example.org/alice" },
            { userId: "@albert:example.org" },
            { userId: "@alfred:example.org", displayName: "Alfred" },
          ],
        },
      },
    };

    it("approved: returns the directory's results, cut to the limit, with the limit clamped to the host maximum", async () => {
      const { page, widget, p } = await open({
        capabilities: [CAP.search],
        approve: [CAP.search],
        driver: directory,
      });

      expect(valueOf(await onWidget(widget, (w) => w.searchUserDirectory("al")))).toEqual({
        limited: false,
        results: [
          { user_id: "@alice:example.org", display_name: "Alice", avatar_url: "mxc://example.org/alice" },
          { user_id: "@albert:example.org" },
          { user_id: "@alfred:example.org", display_name: "Alfred" },
        ],
      });
      expect(valueOf(await onWidget(widget, (w) => w.searchUserDirectory("al", 2)))).toEqual({
        limited: true,
        results: [
          { user_id: "@alice:example.org", display_name: "Alice", avatar_url: "mxc://example.org/alice" },
          { user_id: "@albert:example.org" },
        ],
      });
      valueOf(await onWidget(widget, (w) => w.searchUserDirectory("al", 500)));

      expect(await onHost(page, (h) => h.driverCalls)).toEqual([
        { method: "searchUserDirectory", args: ["al", null] },
        { method: "searchUserDirectory", args: ["al", 2] },
        { method: "searchUserDirectory", args: ["al", 50] },
      ]);
      expect(p.problems()).toEqual([]);
    });

    it("not approved: refused with missing_capability, and the driver is not called", async () => {
      const { page, widget, p } = await open({ capabilities: [CAP.search], approve: [], driver: directory });

      expectMissingCapability(
        errorOf(await onWidget(widget, (w) => w.searchUserDirectory("al"))),
        CAP.search,
      );
      expect((await onlyExchange(page, WIRE.search)).replies).toHaveLength(1);
      expect(await onHost(page, (h) => h.driverCalls)).toEqual([]);
      expect(p.problems()).toEqual([]);
    });

    it("invalid input: a negative limit or one that is no number is invalid_request, and the driver is not called", async () => {
      const { page, widget, p } = await open({
        capabilities: [CAP.search],
        approve: [CAP.search],
        driver: directory,
      });

      expect(errorOf(await onWidget(widget, (w) => w.searchUserDirectory("al", -1)))).toMatchObject({
        code: "invalid_request",
        message: "Invalid request: limit: must not be negative",
      });
      expect(
        errorOf(
          await onWidget(widget, (w) =>
            w.request("userDirectorySearch", { search_term: "al", limit: "ten" }),
          ),
        ),
      ).toMatchObject({
        code: "invalid_request",
        message: "Invalid request: limit: must be a number",
      });
      expect(
        errorOf(await onWidget(widget, (w) => w.request("userDirectorySearch", { search_term: 42 }))),
      ).toMatchObject({
        code: "invalid_request",
        message: "Invalid request: search_term: search_term must be a string",
      });
      expect(await onHost(page, (h) => h.driverCalls)).toEqual([]);
      expect(p.problems()).toEqual([]);
    });

    it("driver failure: a homeserver 429 is relayed as matrix_api_error with http_status and retry_after_ms", async () => {
      const { page, widget, p } = await open({
        capabilities: [CAP.search],
        approve: [CAP.search],
        driver: {
          searchUserDirectory: {
            kind: "homeserver",
            details: {
              httpStatus: 429,
              errcode: "M_LIMIT_EXCEEDED",
              error: "Too many requests",
              retryAfterMs: 1500,
              url: "https://hs.example.org/_matrix/client/v3/user_directory/search?access_token=syt_secret",
            },
          },
        },
      });

      const error = errorOf(await onWidget(widget, (w) => w.searchUserDirectory("al")));
      expect(error).toEqual({
        name: "WidgetApiError",
        code: "homeserver_error",
        message: "The homeserver refused searching the user directory: M_LIMIT_EXCEEDED",
        matrix_api_error: {
          http_status: 429,
          http_headers: { "retry-after": "2" },
          // The query string (which could carry a token) is not relayed.
          url: "https://hs.example.org/_matrix/client/v3/user_directory/search",
          response: { errcode: "M_LIMIT_EXCEEDED", error: "Too many requests", retry_after_ms: 1500 },
        },
      });
      const { replies } = await onlyExchange(page, WIRE.search);
      expect(replies).toHaveLength(1);
      expect(JSON.stringify(replies)).not.toContain("syt_secret");
      expect(await onHost(page, (h) => h.driverCalls)).toHaveLength(1);
      expect(p.problems()).toEqual([]);
    });

    it("driver failure: a rejecting driver gives one generic internal_error reply", async () => {
      const { page, widget, p } = await open({
        capabilities: [CAP.search],
        approve: [CAP.search],
        driver: { searchUserDirectory: { kind: "reject", message: "socket hang up at 10.0.0.7" } },
      });

      expectGenericInternalError(
        errorOf(await onWidget(widget, (w) => w.searchUserDirectory("al"))),
        "10.0.0.7",
      );
      const { replies } = await onlyExchange(page, WIRE.search);
      expect(replies).toHaveLength(1);
      expect(JSON.stringify(replies)).not.toContain("10.0.0.7");
      await expectLoggedDriverFailure(page, "socket hang up at 10.0.0.7");
      expect(p.problems()).toEqual([]);
    });
  });

  describe("mxid share (MSC3662)", () => {
    const ROOM = "!viewed:example.org";

    it("approved: acked, and the host's confirmShare sees the real profiles, marked verified, then the invite happens", async () => {
      const { page, widget, p } = await open({
        capabilities: [CAP.mxidShare],
        approve: [CAP.mxidShare],
        viewedRoomId: ROOM,
        shareDecision: { action: "invite" },
        driver: {
          getProfile: {
            kind: "byFirstArg",
            table: {
              "@alice:example.org": {
                kind: "resolve",
                value: { displayName: "Alice", avatarUrl: "mxc://example.org/a" },
              },
              "@bob:example.org": { kind: "resolve", value: {} },
            },
            otherwise: { kind: "reject", message: "not found" },
          },
        },
      });

      const shared = await onWidget(widget, (w) =>
        w.shareUsers(
          [
            { user_id: "@alice:example.org", display_name: "Totally the real Alice" },
            "@bob:example.org",
            "@alice:example.org",
          ],
          "invite",
        ),
      );
      expect(valueOf(shared)).toBeNull();
      const { replies } = await onlyExchange(page, WIRE.mxidShare);
      expect(replies.map((r) => r.response)).toEqual([{}]);

      const outcomes = await waitFor(
        () => onHost(page, (h) => h.shareOutcomes),
        (all) => all.length > 0,
        "the share to finish",
      );
      expect(await onHost(page, (h) => h.shareRequests)).toEqual([
        {
          users: [
            {
              userId: "@alice:example.org",
              verified: true,
              displayName: "Alice",
              avatarUrl: "mxc://example.org/a",
              claimed: { displayName: "Totally the real Alice" },
            },
            { userId: "@bob:example.org", verified: true, claimed: {} },
          ],
          hint: "invite",
          rawHint: "invite",
          viewedRoomId: ROOM,
        },
      ]);
      expect(outcomes).toEqual([
        { widget: { widgetId: WIDGET_ID, origin: env.widgetOrigin }, decision: { action: "invite" } },
      ]);
      expect(await onHost(page, (h) => h.driverCalls)).toEqual([
        { method: "getProfile", args: ["@alice:example.org"] },
        { method: "getProfile", args: ["@bob:example.org"] },
        { method: "inviteUsers", args: [ROOM, ["@alice:example.org", "@bob:example.org"]] },
      ]);
      expect(p.problems()).toEqual([]);
    });

    it("not approved: still acked and shown to the user, since MSC3662 names no capability; the user's dismissal does nothing", async () => {
      const { page, widget, p } = await open({
        capabilities: [CAP.mxidShare],
        approve: [],
        viewedRoomId: ROOM,
      });

      expect(
        valueOf(await onWidget(widget, (w) => w.shareUsers(["@alice:example.org"], "invite"))),
      ).toBeNull();
      expect((await onlyExchange(page, WIRE.mxidShare)).replies).toHaveLength(1);
      const outcomes = await waitFor(
        () => onHost(page, (h) => h.shareOutcomes),
        (all) => all.length > 0,
        "the share to finish",
      );
      expect(outcomes).toEqual([{ widget: expect.anything(), decision: { action: "dismiss" } }]);
      expect(await onHost(page, (h) => h.shareRequests)).toHaveLength(1);
      const acted = (await onHost(page, (h) => h.driverCalls)).filter((c) => c.method !== "getProfile");
      expect(acted).toEqual([]);
      expect(p.problems()).toEqual([]);
    });

    it("invalid input: an invalid user ID (or an empty list) is invalid_request; no prompt, no driver call", async () => {
      const { page, widget, p } = await open({
        capabilities: [CAP.mxidShare],
        approve: [CAP.mxidShare],
        viewedRoomId: ROOM,
      });

      // One bad entry spoils the whole request: the valid one is not shared either.
      expect(
        errorOf(
          await onWidget(widget, (w) => w.shareUsers(["@alice:example.org", "not-a-user-id"], "invite")),
        ),
      ).toMatchObject({
        code: "invalid_request",
        message: "Invalid request: users.1.user_id: user_id is not a valid Matrix user ID",
      });
      expect(errorOf(await onWidget(widget, (w) => w.shareUsers([])))).toMatchObject({
        code: "invalid_request",
        message: "Invalid request: users: users must not be empty",
      });
      // Give a wrongly accepted request's prompt every chance to show up before checking.
      valueOf(await onWidget(widget, (w) => w.request("echo", { text: "after" })));
      expect(await onHost(page, (h) => h.shareRequests)).toEqual([]);
      expect(await onHost(page, (h) => h.driverCalls)).toEqual([]);
      expect(p.problems()).toEqual([]);
    });

    it("driver failure: profiles that cannot be looked up are shown unverified with the widget's claim; a failed invite is reported to the host, the widget only ever got its ack", async () => {
      const { page, widget, p } = await open({
        capabilities: [CAP.mxidShare],
        approve: [CAP.mxidShare],
        viewedRoomId: ROOM,
        shareDecision: { action: "invite" },
        driver: {
          getProfile: { kind: "reject", message: "profile lookup failed" },
          inviteUsers: { kind: "reject", message: "invite failed" },
        },
      });

      const shared = await onWidget(widget, (w) =>
        w.shareUsers(
          [{ user_id: "@ghost:example.org", display_name: "Ghost", avatar_url: "mxc://example.org/g" }],
          "invite",
        ),
      );
      // By design the reply is an ack that the prompt was shown (MSC3662 has no result), so the
      // widget gets exactly one success reply even though the driver fails afterwards.
      expect(valueOf(shared)).toBeNull();
      const outcomes = await waitFor(
        () => onHost(page, (h) => h.shareOutcomes),
        (all) => all.length > 0,
        "the share to finish",
      );
      expect(await onHost(page, (h) => h.shareRequests)).toEqual([
        {
          users: [
            {
              userId: "@ghost:example.org",
              verified: false,
              displayName: "Ghost",
              avatarUrl: "mxc://example.org/g",
              claimed: { displayName: "Ghost", avatarUrl: "mxc://example.org/g" },
            },
          ],
          hint: "invite",
          rawHint: "invite",
          viewedRoomId: ROOM,
        },
      ]);
      expect(outcomes).toEqual([
        {
          widget: { widgetId: WIDGET_ID, origin: env.widgetOrigin },
          error: expect.stringMatching(/^Unexpected error while \w/),
        },
      ]);
      expect((await onlyExchange(page, WIRE.mxidShare)).replies.map((r) => r.response)).toEqual([{}]);
      expect(await onHost(page, (h) => h.driverCalls)).toEqual([
        { method: "getProfile", args: ["@ghost:example.org"] },
        { method: "inviteUsers", args: [ROOM, ["@ghost:example.org"]] },
      ]);
      await expectLoggedDriverFailure(page, "invite failed");
      expect(p.problems()).toEqual([]);
    });
  });

  describe("read account data (MSC3751)", () => {
    const accountData: HostConfig["driver"] = {
      readAccountData: {
        kind: "byFirstArg",
        table: { [SETTINGS]: { kind: "resolve", value: { theme: "dark", fontSize: 14 } } },
        otherwise: { kind: "resolve" },
      },
    };

    it("approved: returns the content of the approved type (and nothing for an unset one)", async () => {
      const unset = "com.example.unset";
      const { page, widget, p } = await open({
        capabilities: [CAP.readAccountData(SETTINGS), CAP.readAccountData(unset)],
        approve: [CAP.readAccountData(SETTINGS), CAP.readAccountData(unset)],
        driver: accountData,
      });

      expect(valueOf(await onWidget(widget, (w, t) => w.readAccountData(t), SETTINGS))).toEqual({
        theme: "dark",
        fontSize: 14,
      });
      expect(valueOf(await onWidget(widget, (w, t) => w.readAccountData(t), unset))).toBeNull();
      // On the wire: the MSC3751 reply shape.
      expect(
        valueOf(await onWidget(widget, (w, t) => w.request("readAccountData", { type: t }), SETTINGS)),
      ).toEqual({
        events: [{ type: SETTINGS, content: { theme: "dark", fontSize: 14 } }],
      });
      expect(await onHost(page, (h) => h.driverCalls)).toEqual([
        { method: "readAccountData", args: [SETTINGS] },
        { method: "readAccountData", args: [unset] },
        { method: "readAccountData", args: [SETTINGS] },
      ]);
      expect(p.problems()).toEqual([]);
    });

    it("not approved: refused with missing_capability (also for a type other than the approved one), and the driver is not called", async () => {
      const { page, widget, p } = await open({
        capabilities: [CAP.readAccountData(SETTINGS), CAP.readAccountData("com.example.other")],
        approve: [CAP.readAccountData("com.example.other")],
        driver: accountData,
      });

      expectMissingCapability(
        errorOf(await onWidget(widget, (w, t) => w.readAccountData(t), SETTINGS)),
        SETTINGS,
      );
      expectMissingCapability(
        errorOf(await onWidget(widget, (w) => w.readAccountData("com.example.never.requested"))),
        "com.example.never.requested",
      );
      expect(await onHost(page, (h) => h.driverCalls)).toEqual([]);
      expect(p.problems()).toEqual([]);
    });

    it("invalid input: a negative limit or an empty type is invalid_request, and the driver is not called", async () => {
      const { page, widget, p } = await open({
        capabilities: [CAP.readAccountData(SETTINGS)],
        approve: [CAP.readAccountData(SETTINGS)],
        driver: accountData,
      });

      expect(
        errorOf(
          await onWidget(widget, (w, t) => w.request("readAccountData", { type: t, limit: -1 }), SETTINGS),
        ),
      ).toMatchObject({ code: "invalid_request", message: "Invalid request: limit: must not be negative" });
      expect(
        errorOf(await onWidget(widget, (w) => w.request("readAccountData", { type: "" }))),
      ).toMatchObject({
        code: "invalid_request",
        message: "Invalid request: type: type must not be empty",
      });
      expect(await onHost(page, (h) => h.driverCalls)).toEqual([]);
      expect(p.problems()).toEqual([]);
    });

    it("driver failure: a rejecting driver gives one generic internal_error reply", async () => {
      const { page, widget, p } = await open({
        capabilities: [CAP.readAccountData(SETTINGS)],
        approve: [CAP.readAccountData(SETTINGS)],
        driver: { readAccountData: { kind: "reject", message: "database is locked" } },
      });

      expectGenericInternalError(
        errorOf(await onWidget(widget, (w, t) => w.readAccountData(t), SETTINGS)),
        "database",
      );
      const { replies } = await onlyExchange(page, WIRE.readAccountData);
      expect(replies).toHaveLength(1);
      expect(JSON.stringify(replies)).not.toContain("database");
      expect(await onHost(page, (h) => h.driverCalls)).toEqual([
        { method: "readAccountData", args: [SETTINGS] },
      ]);
      await expectLoggedDriverFailure(page, "database is locked");
      expect(p.problems()).toEqual([]);
    });
  });

  describe("LiteWidgetClient", () => {
    it("the four proposals, approved, go through our host with one reply each; an unrequested account-data type is refused with missing_capability", async () => {
      const { page, widget, p } = await open({
        client: "lite",
        capabilities: [CAP.navigate, CAP.search, CAP.mxidShare, CAP.readAccountData(SETTINGS)],
        approve: [CAP.navigate, CAP.search, CAP.mxidShare, CAP.readAccountData(SETTINGS)],
        viewedRoomId: "!viewed:example.org",
        shareDecision: { action: "invite" },
        driver: {
          searchUserDirectory: {
            kind: "resolve",
            value: { limited: false, results: [{ userId: "@alice:example.org", displayName: "Alice" }] },
          },
          getProfile: { kind: "resolve", value: { displayName: "Bob" } },
          readAccountData: { kind: "resolve", value: { theme: "dark" } },
        },
      });

      expect(
        valueOf(await onWidget(widget, (w) => w.navigate("https://matrix.to/#/%23room:example.org"))),
      ).toBeNull();
      expect(valueOf(await onWidget(widget, (w) => w.searchUserDirectory("al", 5)))).toEqual({
        limited: false,
        results: [{ user_id: "@alice:example.org", display_name: "Alice" }],
      });
      expect(valueOf(await onWidget(widget, (w) => w.shareUsers(["@bob:example.org"], "invite")))).toBeNull();
      expect(valueOf(await onWidget(widget, (w, t) => w.readAccountData(t), SETTINGS))).toEqual({
        theme: "dark",
      });
      expectMissingCapability(
        errorOf(await onWidget(widget, (w) => w.readAccountData("com.example.other"))),
        "com.example.other",
      );

      for (const action of Object.values(WIRE)) {
        const requests = await widgetRequests(page, action);
        expect(requests.length, action).toBeGreaterThan(0);
        for (const request of requests) {
          expect(await hostRepliesTo(page, request.requestId!), action).toHaveLength(1);
        }
      }
      await waitFor(
        () => onHost(page, (h) => h.shareOutcomes),
        (all) => all.length > 0,
        "the share to finish",
      );
      expect(await onHost(page, (h) => h.driverCalls)).toEqual([
        { method: "navigate", args: [{ type: "room", room: "#room:example.org", via: [] }] },
        { method: "searchUserDirectory", args: ["al", 5] },
        { method: "getProfile", args: ["@bob:example.org"] },
        { method: "inviteUsers", args: ["!viewed:example.org", ["@bob:example.org"]] },
        { method: "readAccountData", args: [SETTINGS] },
      ]);
      expect(p.problems()).toEqual([]);
    });
  });
});
