import { afterEach, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import type { ShareDecision, ShareOutcome, ShareRequest } from "../../../src/host/policy.js";
import { approveCapabilities } from "../../../src/host/policy.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { ApiVersion } from "../../../src/protocol/versions.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import { CLIENT_KINDS, settle, WIDGET_ID } from "../../support/memory-session.js";
import { faults, RecordingDriver, type DriverOp } from "../../support/recording-driver.js";
import { deferred, errorOf, exchange, openSession, type SessionOptions } from "./harness.js";
import { shareUsers } from "../../../src/widget/index.js";

const STABLE = "mxid_share";
const UNSTABLE = "uk.half-shot.msc3662.mxid_share";
const PLACEHOLDER = "uk.half-shot.mscXXXX.mxid_share";
const NAMES = [STABLE, UNSTABLE, PLACEHOLDER] as const;
const CAP_STABLE = "m.mxid_share";
const CAP_UNSTABLE = "uk.half-shot.msc3662.mxid_share";

const VIEWED = "!viewed:example.org";
const ALICE = "@alice:example.org";
const BOB = "@bob:example.org";
const MALLORY = "@mallory:example.org";

afterEach(() => {
  vi.useRealTimers();
});

/** A session whose policy records prompts and answers each with the next decision (or `pending`). */
async function shareSession(
  options: SessionOptions & {
    decide?: (request: ShareRequest) => ShareDecision | Promise<ShareDecision>;
  } = {},
) {
  const prompts: ShareRequest[] = [];
  const outcomes: ShareOutcome[] = [];
  const confirmShare = vi.fn((request: ShareRequest) => {
    prompts.push(request);
    return options.decide ? options.decide(request) : ({ action: "dismiss" } as ShareDecision);
  });
  const shareFinished = vi.fn((outcome: ShareOutcome) => {
    outcomes.push(outcome);
  });
  const session = await openSession({
    capabilities: [CAP_UNSTABLE],
    viewedRoomId: VIEWED,
    ...options,
    policy: { confirmShare, shareFinished, ...options.policy },
  });
  return { ...session, prompts, outcomes, confirmShare, shareFinished };
}

/** Waits until the policy heard the outcome of `count` shares. */
async function outcomesOf(s: { outcomes: ShareOutcome[] }, count = 1): Promise<ShareOutcome[]> {
  await vi.waitFor(() => expect(s.outcomes).toHaveLength(count));
  return s.outcomes;
}

/** Driver calls that act on the user's behalf (everything but profile lookups). */
function actions(driver: RecordingDriver): DriverOp[] {
  return driver.calls.map((call) => call.op).filter((op) => op !== "getProfile");
}

describe.each(CLIENT_KINDS)("%s", (kind) => {
  describe("mxid share: accepted requests are acknowledged at once and shown to the user", () => {
    it("shares through the typed client; the user's invite decision invites into the viewed room", async () => {
      const driver = new RecordingDriver();
      driver.profiles.set(ALICE, { displayName: "Alice" });
      const s = await shareSession({ client: kind, driver, decide: () => ({ action: "invite" }) });
      await shareUsers(s.client, [ALICE, { user_id: BOB, display_name: "Bob (bridged)" }], {
        hint: "invite",
      });
      const [outcome] = await outcomesOf(s);
      expect(outcome).toEqual({ widget: { widgetId: WIDGET_ID }, decision: { action: "invite" } });
      expect(s.prompts).toHaveLength(1);
      expect(s.prompts[0]).toMatchObject({
        widget: { widgetId: WIDGET_ID },
        hint: "invite",
        rawHint: "invite",
        viewedRoomId: VIEWED,
        users: [
          { userId: ALICE, verified: true, displayName: "Alice", claimed: {} },
          {
            userId: BOB,
            verified: false,
            displayName: "Bob (bridged)",
            claimed: { displayName: "Bob (bridged)" },
          },
        ],
      });
      expect(driver.callsOf("inviteUsers")).toEqual([[VIEWED, [ALICE, BOB]]]);
      expect(s.pair.widget.sent.some((m) => m.action === UNSTABLE)).toBe(true);
      expect(await s.expectEachAnsweredOnce(NAMES)).toBe(1);
    });

    it.each(NAMES)("acknowledges %s with {} echoing the action, then prompts", async (action) => {
      const s = await shareSession({ client: kind });
      const result = await s.send(action, { users: [{ user_id: ALICE }] });
      expect(result.response).toEqual({});
      expect(result.reply.action).toBe(action);
      await outcomesOf(s);
      expect(s.prompts.map((p) => p.users.map((u) => u.userId))).toEqual([[ALICE]]);
    });

    it.each(NAMES)("accepts %s with the stable capability spelling m.mxid_share", async (action) => {
      const s = await shareSession({ client: kind, capabilities: [CAP_STABLE] });
      const result = await s.send(action, { users: [{ user_id: ALICE }] });
      expect(result.response).toEqual({});
      await outcomesOf(s);
      expect(s.confirmShare).toHaveBeenCalledTimes(1);
    });

    it("acknowledges before the user has decided, and does nothing while the prompt is open", async () => {
      const decision = deferred<ShareDecision>();
      const s = await shareSession({ client: kind, decide: () => decision.promise });
      const result = await s.send(UNSTABLE, { users: [{ user_id: ALICE }], action_hint: "create_room" });
      expect(result.response).toEqual({});
      await vi.waitFor(() => expect(s.confirmShare).toHaveBeenCalledTimes(1));
      expect(actions(s.driver)).toEqual([]);
      decision.resolve({ action: "create_dm" });
      await outcomesOf(s);
      expect(s.driver.callsOf("createDirectMessage")).toEqual([[[ALICE]]]);
    });

    it("accepts exactly 50 users", async () => {
      const s = await shareSession({ client: kind });
      const users = Array.from({ length: 50 }, (_, i) => ({ user_id: `@user${i}:example.org` }));
      const result = await s.send(UNSTABLE, { users });
      expect(result.response).toEqual({});
      await outcomesOf(s);
      expect(s.prompts[0]?.users).toHaveLength(50);
    });

    it.each([
      ["an upper-case historical localpart", "@Alice:example.org"],
      ["a non-ASCII historical localpart", "@ünïcödé:example.org"],
      ["a localpart with punctuation", "@a.b_c=d-e/f+g:example.org"],
      ["a server name with a port", "@alice:example.org:8448"],
      ["an IPv6 server name with a port", "@alice:[::1]:8448"],
      ["an IPv4 server name", "@alice:192.168.0.1"],
      ["exactly 255 bytes", `@${"a".repeat(242)}:example.org`],
      ["exactly 255 bytes once UTF-8 encoded", `@${"é".repeat(121)}:example.org`],
    ])("accepts a user ID with %s", async (_what, userId) => {
      expect(new TextEncoder().encode(userId).length).toBeLessThanOrEqual(255);
      const s = await shareSession({ client: kind });
      const result = await s.send(UNSTABLE, { users: [{ user_id: userId }] });
      expect(result.response).toEqual({});
      await outcomesOf(s);
      expect(s.prompts[0]?.users.map((u) => u.userId)).toEqual([userId]);
    });
  });

  describe.each(NAMES)("mxid share (%s): invalid requests get an error and nothing happens", (action) => {
    async function expectNothingHappened(s: Awaited<ReturnType<typeof shareSession>>) {
      await settle(10);
      expect(s.driver.calls).toEqual([]);
      expect(s.confirmShare).not.toHaveBeenCalled();
      expect(s.shareFinished).not.toHaveBeenCalled();
    }

    it.each([
      ["an empty user list", { users: [] }],
      ["no user list", {}],
      ["a user list that is not an array", { users: { user_id: ALICE } }],
      [
        "more than 50 users",
        { users: Array.from({ length: 51 }, (_, i) => ({ user_id: `@u${i}:example.org` })) },
      ],
      ["a user that is a bare string", { users: [ALICE] }],
      ["a user_id that is not a string", { users: [{ user_id: 42 }] }],
      ["a user without user_id", { users: [{ display_name: "Alice" }] }],
      ["a display_name that is not a string", { users: [{ user_id: ALICE, display_name: 1 }] }],
      [
        "a display_name over 1024 characters",
        { users: [{ user_id: ALICE, display_name: "x".repeat(1025) }] },
      ],
      ["an avatar_url that is not a string", { users: [{ user_id: ALICE, avatar_url: ["mxc://x/y"] }] }],
      ["an action_hint that is not a string", { users: [{ user_id: ALICE }], action_hint: 1 }],
    ])("refuses %s with invalid_request", async (_what, data) => {
      const s = await shareSession({ client: kind });
      const result = await s.send(action, data);
      expect(errorOf(result)?.code).toBe(ErrorCode.InvalidRequest);
      await expectNothingHappened(s);
    });

    it.each([
      ["no sigil", "alice:example.org"],
      ["the wrong sigil", "#alice:example.org"],
      ["no server name", "@alice"],
      ["an empty server name", "@alice:"],
      ["an empty localpart", "@:example.org"],
      ["a space in the server name", "@alice:exa mple.org"],
      ["an out-of-range IPv4 server name", "@alice:256.1.1.1"],
      ["an out-of-range port", "@alice:example.org:99999"],
      ["a NUL in the localpart", "@al\u0000ice:example.org"],
      ["a lone surrogate in the localpart", "@al\ud800ice:example.org"],
      ["256 bytes", `@${"a".repeat(243)}:example.org`],
      ["256 bytes once UTF-8 encoded, though only 135 characters", `@${"é".repeat(121)}a:example.org`],
    ])("refuses a user ID with %s, and looks up no profile", async (_what, userId) => {
      const s = await shareSession({ client: kind });
      const result = await s.send(action, { users: [{ user_id: userId }] });
      expect(errorOf(result)?.code).toBe(ErrorCode.InvalidRequest);
      expect(errorOf(result)?.message).toMatch(/user_id/);
      await expectNothingHappened(s);
    });

    it("refuses the whole request when one of several user IDs is invalid", async () => {
      const s = await shareSession({ client: kind });
      const result = await s.send(action, {
        users: [{ user_id: ALICE }, { user_id: BOB }, { user_id: "@broken" }],
      });
      expect(errorOf(result)?.code).toBe(ErrorCode.InvalidRequest);
      await expectNothingHappened(s);
    });

    it("refuses without the mxid_share capability when the host's policy requires it (opt-in)", async () => {
      const s = await shareSession({
        client: kind,
        capabilities: [],
        policy: { requireShareCapability: true },
      });
      const result = await s.send(action, { users: [{ user_id: ALICE }] });
      expect(errorOf(result)?.code).toBe(ErrorCode.MissingCapability);
      await expectNothingHappened(s);
    });

    it("refuses when the host has no way to ask the user (no confirmShare)", async () => {
      const driver = new RecordingDriver();
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE], driver });
      const result = await s.send(action, { users: [{ user_id: ALICE }] });
      expect(errorOf(result)?.code).toBe(ErrorCode.Unsupported);
      await settle(10);
      expect(driver.calls).toEqual([]);
    });
  });

  describe("mxid share: no capability needed, as MSC3662 names none", () => {
    it.each(NAMES)("serves %s from a widget that requested no capability at all", async (action) => {
      const s = await shareSession({ client: kind, capabilities: [], decide: () => ({ action: "invite" }) });
      const result = await s.send(action, { users: [{ user_id: ALICE }] });
      expect(result.response).toEqual({});
      await outcomesOf(s);
      expect(s.confirmShare).toHaveBeenCalledTimes(1);
      expect(s.driver.callsOf("inviteUsers")).toEqual([[VIEWED, [ALICE]]]);
    });

    it("shares through the typed client without a capability", async () => {
      const s = await shareSession({
        client: kind,
        capabilities: [],
        decide: () => ({ action: "create_dm" }),
      });
      await shareUsers(s.client, [ALICE]);
      await outcomesOf(s);
      expect(s.driver.callsOf("createDirectMessage")).toEqual([[[ALICE]]]);
    });

    it("still grants uk.half-shot.msc3662.mxid_share and m.mxid_share to widgets that request them", async () => {
      const unstable = await shareSession({ client: kind, capabilities: [CAP_UNSTABLE] });
      expect(unstable.host.grantedCapabilities).toEqual([CAP_UNSTABLE]);
      const stable = await shareSession({ client: kind, capabilities: [CAP_STABLE] });
      expect(stable.host.grantedCapabilities).toEqual([CAP_STABLE]);
    });

    it("with requireShareCapability, serves a widget that holds the capability", async () => {
      const s = await shareSession({
        client: kind,
        capabilities: [CAP_UNSTABLE],
        policy: { requireShareCapability: true },
      });
      expect((await s.send(UNSTABLE, { users: [{ user_id: ALICE }] })).response).toEqual({});
      await outcomesOf(s);
      expect(s.confirmShare).toHaveBeenCalledTimes(1);
    });

    it("keeps the gates without a capability: one prompt at a time and the rate limit", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const decision = deferred<ShareDecision>();
      const s = await shareSession({ client: kind, capabilities: [], decide: () => decision.promise });
      expect((await s.send(UNSTABLE, { users: [{ user_id: ALICE }] })).response).toEqual({});
      await vi.waitFor(() => expect(s.confirmShare).toHaveBeenCalledTimes(1));
      expect(errorOf(await s.send(UNSTABLE, { users: [{ user_id: BOB }] }))?.code).toBe(
        ErrorCode.LimitExceeded,
      );
      decision.resolve({ action: "dismiss" });
      await outcomesOf(s);
    });
  });

  describe("mxid share: what is granted agrees with what is advertised", () => {
    it("does not grant the mxid_share capability when the policy cannot ask the user (no confirmShare)", async () => {
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE, CAP_STABLE] });
      expect(s.host.supportedVersions).not.toContain(ApiVersion.MSC3662);
      expect(s.host.grantedCapabilities).toEqual([]);
      expect(s.client.hasCapability(CAP_UNSTABLE)).toBe(false);
      expect(errorOf(await s.send(UNSTABLE, { users: [{ user_id: ALICE }] }))?.code).toBe(
        ErrorCode.Unsupported,
      );
    });

    it("does not grant it when the driver can neither invite nor create DMs", async () => {
      const driver = new RecordingDriver({ ops: ["getProfile"] });
      const s = await shareSession({ client: kind, driver });
      expect(s.host.supportedVersions).not.toContain(ApiVersion.MSC3662);
      expect(s.host.grantedCapabilities).toEqual([]);
    });

    it("grants it and advertises uk.half-shot.msc3662 together when the host can share", async () => {
      const s = await shareSession({ client: kind });
      expect(s.host.supportedVersions).toContain(ApiVersion.MSC3662);
      expect(s.host.grantedCapabilities).toEqual([CAP_UNSTABLE]);
    });
  });

  describe("mxid share: action hints", () => {
    it.each([
      ["absent", {}, "none", undefined],
      ["null", { action_hint: null }, "none", undefined],
      ["invite", { action_hint: "invite" }, "invite", "invite"],
      ["create_room", { action_hint: "create_room" }, "create_room", "create_room"],
      ["anything else", { action_hint: "frobnicate" }, "other", "frobnicate"],
      ["a differently-cased invite", { action_hint: "INVITE" }, "other", "INVITE"],
    ])("classifies a hint that is %s", async (_what, extra, hint, rawHint) => {
      const s = await shareSession({ client: kind });
      const result = await s.send(UNSTABLE, { users: [{ user_id: ALICE }], ...extra });
      expect(result.response).toEqual({});
      await outcomesOf(s);
      expect(s.prompts[0]?.hint).toBe(hint);
      expect(s.prompts[0]?.rawHint).toBe(rawHint);
    });
  });

  describe("mxid share: profiles", () => {
    it("shows the real profile, not the widget's claim, and keeps the claim for comparison", async () => {
      const driver = new RecordingDriver();
      driver.profiles.set(ALICE, { displayName: "Alice Real", avatarUrl: "mxc://example.org/real" });
      const s = await shareSession({ client: kind, driver });
      await s.send(UNSTABLE, {
        users: [{ user_id: ALICE, display_name: "Your Bank", avatar_url: "mxc://evil.example/logo" }],
      });
      await outcomesOf(s);
      expect(s.prompts[0]?.users).toEqual([
        {
          userId: ALICE,
          verified: true,
          displayName: "Alice Real",
          avatarUrl: "mxc://example.org/real",
          claimed: { displayName: "Your Bank", avatarUrl: "mxc://evil.example/logo" },
        },
      ]);
      expect(driver.callsOf("getProfile")).toEqual([[ALICE]]);
    });

    it("does not fill a missing real display name with the widget's claim", async () => {
      const driver = new RecordingDriver();
      driver.profiles.set(ALICE, {});
      const s = await shareSession({ client: kind, driver });
      await s.send(UNSTABLE, { users: [{ user_id: ALICE, display_name: "Your Bank" }] });
      await outcomesOf(s);
      expect(s.prompts[0]?.users).toEqual([
        { userId: ALICE, verified: true, claimed: { displayName: "Your Bank" } },
      ]);
    });

    it.each([
      ["404 M_NOT_FOUND", faults.notFound()],
      ["403 M_FORBIDDEN", faults.forbidden()],
      ["a plain rejection", faults.reject()],
      ["a synchronous throw", faults.throwSync()],
    ])(
      "falls back to the widget's claim, marked unverified, when the lookup fails with %s",
      async (_what, fault) => {
        const driver = new RecordingDriver().fail("getProfile", fault);
        const s = await shareSession({ client: kind, driver });
        await s.send(UNSTABLE, {
          users: [{ user_id: ALICE, display_name: "Alice (IRC)", avatar_url: "mxc://bridge.example/a" }],
        });
        await outcomesOf(s);
        const claimed = { displayName: "Alice (IRC)", avatarUrl: "mxc://bridge.example/a" };
        expect(s.prompts[0]?.users).toEqual([{ userId: ALICE, verified: false, ...claimed, claimed }]);
      },
    );

    it("shows just the user ID, unverified, when the lookup fails and the widget claimed nothing", async () => {
      const s = await shareSession({ client: kind });
      await s.send(UNSTABLE, { users: [{ user_id: ALICE }] });
      await outcomesOf(s);
      expect(s.prompts[0]?.users).toEqual([{ userId: ALICE, verified: false, claimed: {} }]);
    });

    it("falls back to the claim after driverTimeoutMs when the lookup never settles", async () => {
      const driver = new RecordingDriver().fail("getProfile", faults.hang());
      const s = await shareSession({ client: kind, driver, limits: { driverTimeoutMs: 20 } });
      const result = await s.send(UNSTABLE, { users: [{ user_id: ALICE, display_name: "Alice?" }] });
      expect(result.response).toEqual({});
      await outcomesOf(s);
      expect(s.prompts[0]?.users).toEqual([
        { userId: ALICE, verified: false, displayName: "Alice?", claimed: { displayName: "Alice?" } },
      ]);
    });

    it("falls back to the claim, unverified, when the driver cannot look up profiles", async () => {
      const driver = new RecordingDriver({ ops: ["inviteUsers", "createDirectMessage"] });
      const s = await shareSession({ client: kind, driver });
      await s.send(UNSTABLE, { users: [{ user_id: ALICE, display_name: "Alice?" }] });
      await outcomesOf(s);
      expect(s.prompts[0]?.users).toEqual([
        { userId: ALICE, verified: false, displayName: "Alice?", claimed: { displayName: "Alice?" } },
      ]);
    });

    it("ignores a malformed profile's fields and never substitutes the widget's claim for them", async () => {
      const driver = new RecordingDriver().fail(
        "getProfile",
        faults.malformed({ displayName: 7, avatarUrl: {} }),
      );
      const s = await shareSession({ client: kind, driver });
      await s.send(UNSTABLE, { users: [{ user_id: ALICE, display_name: "Your Bank" }] });
      await outcomesOf(s);
      expect(s.prompts[0]?.users).toEqual([
        { userId: ALICE, verified: true, claimed: { displayName: "Your Bank" } },
      ]);
    });

    it("collapses duplicate user IDs: one lookup and one entry each, keeping the first claim", async () => {
      const driver = new RecordingDriver();
      driver.profiles.set(BOB, { displayName: "Bob" });
      const s = await shareSession({ client: kind, driver, decide: () => ({ action: "invite" }) });
      await s.send(UNSTABLE, {
        users: [
          { user_id: ALICE, display_name: "First" },
          { user_id: BOB },
          { user_id: ALICE, display_name: "Second" },
          { user_id: BOB, display_name: "Impostor" },
        ],
      });
      await outcomesOf(s);
      expect(driver.callsOf("getProfile")).toEqual([[ALICE], [BOB]]);
      expect(s.prompts[0]?.users).toEqual([
        { userId: ALICE, verified: false, displayName: "First", claimed: { displayName: "First" } },
        { userId: BOB, verified: true, displayName: "Bob", claimed: {} },
      ]);
      expect(driver.callsOf("inviteUsers")).toEqual([[VIEWED, [ALICE, BOB]]]);
    });
  });

  describe("mxid share: nothing happens without the user's consent", () => {
    it("does nothing when the user dismisses the prompt", async () => {
      const s = await shareSession({ client: kind, decide: () => ({ action: "dismiss" }) });
      await s.send(UNSTABLE, { users: [{ user_id: ALICE }], action_hint: "create_room" });
      const [outcome] = await outcomesOf(s);
      expect(outcome).toEqual({ widget: { widgetId: WIDGET_ID }, decision: { action: "dismiss" } });
      expect(actions(s.driver)).toEqual([]);
    });

    it("invites every shared user into the viewed room on an invite decision", async () => {
      const s = await shareSession({ client: kind, decide: () => ({ action: "invite" }) });
      await s.send(UNSTABLE, { users: [{ user_id: ALICE }, { user_id: BOB }], action_hint: "invite" });
      await outcomesOf(s);
      expect(s.driver.callsOf("inviteUsers")).toEqual([[VIEWED, [ALICE, BOB]]]);
      expect(actions(s.driver)).toEqual(["inviteUsers"]);
    });

    it("invites into the room the user picked when the decision names one", async () => {
      const s = await shareSession({
        client: kind,
        decide: () => ({ action: "invite", roomId: "!other:example.org" }),
      });
      await s.send(UNSTABLE, { users: [{ user_id: ALICE }] });
      await outcomesOf(s);
      expect(s.driver.callsOf("inviteUsers")).toEqual([["!other:example.org", [ALICE]]]);
    });

    it("invites into the room the user is viewing at the time of the request", async () => {
      const s = await shareSession({ client: kind, decide: () => ({ action: "invite" }) });
      s.host.setViewedRoomId("!moved:example.org");
      await s.send(UNSTABLE, { users: [{ user_id: ALICE }] });
      await outcomesOf(s);
      expect(s.prompts[0]?.viewedRoomId).toBe("!moved:example.org");
      expect(s.driver.callsOf("inviteUsers")).toEqual([["!moved:example.org", [ALICE]]]);
    });

    it("invites nobody and reports an error when there is no room to invite into", async () => {
      const s = await shareSession({ client: kind, decide: () => ({ action: "invite" }) });
      s.host.setViewedRoomId(undefined);
      await s.send(UNSTABLE, { users: [{ user_id: ALICE }] });
      const [outcome] = await outcomesOf(s);
      expect(outcome?.error).toMatch(/No room to invite into/);
      expect(actions(s.driver)).toEqual([]);
    });

    it("creates one direct message with every shared user on a create_dm decision", async () => {
      const s = await shareSession({ client: kind, decide: () => ({ action: "create_dm" }) });
      await s.send(UNSTABLE, { users: [{ user_id: ALICE }, { user_id: BOB }], action_hint: "create_room" });
      await outcomesOf(s);
      expect(s.driver.callsOf("createDirectMessage")).toEqual([[[ALICE, BOB]]]);
      expect(actions(s.driver)).toEqual(["createDirectMessage"]);
    });

    it("lets the user narrow the selection", async () => {
      const s = await shareSession({ client: kind, decide: () => ({ action: "invite", userIds: [BOB] }) });
      await s.send(UNSTABLE, { users: [{ user_id: ALICE }, { user_id: BOB }] });
      await outcomesOf(s);
      expect(s.driver.callsOf("inviteUsers")).toEqual([[VIEWED, [BOB]]]);
    });

    it("never adds users the widget did not share, even when the decision names them", async () => {
      const s = await shareSession({
        client: kind,
        decide: () => ({ action: "create_dm", userIds: [ALICE, MALLORY] }),
      });
      await s.send(UNSTABLE, { users: [{ user_id: ALICE }, { user_id: BOB }] });
      await outcomesOf(s);
      expect(s.driver.callsOf("createDirectMessage")).toEqual([[[ALICE]]]);
    });

    it("does nothing when the decision names only users the widget did not share", async () => {
      const s = await shareSession({
        client: kind,
        decide: () => ({ action: "invite", userIds: [MALLORY] }),
      });
      await s.send(UNSTABLE, { users: [{ user_id: ALICE }] });
      await outcomesOf(s);
      expect(actions(s.driver)).toEqual([]);
    });

    it("does nothing and reports the failure when the consent prompt throws", async () => {
      const s = await shareSession({
        client: kind,
        decide: () => {
          throw new Error("dialog crashed");
        },
      });
      const result = await s.send(UNSTABLE, { users: [{ user_id: ALICE }], action_hint: "invite" });
      expect(result.response).toEqual({});
      const [outcome] = await outcomesOf(s);
      expect(outcome?.error).toBe("dialog crashed");
      expect(actions(s.driver)).toEqual([]);
    });

    it.each([
      ["an empty object", {}],
      ["cancel", { action: "cancel" }],
      ["dismissed", { action: "dismissed" }],
      ["an undefined action", { action: undefined }],
      ["create_room (a hint, not a decision)", { action: "create_room" }],
      ["a differently cased action", { action: "CREATE_DM" }],
      ["undefined", undefined],
      ["null", null],
      ["a string", "create_dm"],
      ["an action that is not a string", { action: ["invite"] }],
    ])("does nothing, and reports an error, when the decision is %s", async (_name, decision) => {
      const s = await shareSession({ client: kind, decide: () => decision as unknown as ShareDecision });
      const result = await s.send(UNSTABLE, { users: [{ user_id: ALICE }], action_hint: "create_room" });
      expect(result.response).toEqual({});
      const [outcome] = await outcomesOf(s);
      expect(outcome?.decision).toBeUndefined();
      expect(outcome?.error).toMatch(/not a valid share decision/);
      expect(actions(s.driver)).toEqual([]);
    });

    it.each([
      ["undefined", undefined],
      ["null", null],
      ["a string", "dialog crashed"],
      ["a null-prototype object", Object.create(null) as unknown],
      [
        "an object whose message getter throws",
        {
          get message(): string {
            throw new Error("boom");
          },
        },
      ],
    ])(
      "does nothing, reports the failure and keeps serving, when the prompt rejects with %s",
      async (_name, thrown) => {
        const s = await shareSession({ client: kind, decide: () => Promise.reject(thrown as Error) });
        const result = await s.send(UNSTABLE, { users: [{ user_id: ALICE }] });
        expect(result.response).toEqual({});
        const [outcome] = await outcomesOf(s);
        expect(typeof outcome?.error).toBe("string");
        expect(actions(s.driver)).toEqual([]);
        // The prompt slot was released: the next request is acknowledged and prompts again.
        const again = await s.send(UNSTABLE, { users: [{ user_id: BOB }] });
        expect(again.response).toEqual({});
        await outcomesOf(s, 2);
        expect(s.confirmShare).toHaveBeenCalledTimes(2);
      },
    );

    it("still reports the outcome when shareFinished itself throws a non-Error, and the next share works", async () => {
      const finished: unknown[] = [];
      const s = await shareSession({
        client: kind,
        decide: () => ({ action: "cancel" }) as unknown as ShareDecision,
        policy: {
          shareFinished: (outcome) => {
            finished.push(outcome);
            throw Object.create(null);
          },
        },
      });
      await s.send(UNSTABLE, { users: [{ user_id: ALICE }] });
      await vi.waitFor(() => expect(finished).toHaveLength(1));
      const again = await s.send(UNSTABLE, { users: [{ user_id: BOB }] });
      expect(again.response).toEqual({});
      await vi.waitFor(() => expect(finished).toHaveLength(2));
      expect(actions(s.driver)).toEqual([]);
    });

    it("reports a homeserver refusal of the invite to the host app; the widget only got its ack", async () => {
      const driver = new RecordingDriver().fail("inviteUsers", faults.forbidden());
      const s = await shareSession({ client: kind, driver, decide: () => ({ action: "invite" }) });
      const result = await s.send(UNSTABLE, { users: [{ user_id: ALICE }] });
      expect(result.response).toEqual({});
      const [outcome] = await outcomesOf(s);
      expect(outcome?.error).toMatch(/M_FORBIDDEN/);
      expect(driver.callsOf("inviteUsers")).toHaveLength(1);
    });

    it("reports a DM creation that never settles as a timeout after driverTimeoutMs", async () => {
      const driver = new RecordingDriver().fail("createDirectMessage", faults.hang());
      const s = await shareSession({
        client: kind,
        driver,
        limits: { driverTimeoutMs: 20 },
        decide: () => ({ action: "create_dm" }),
      });
      await s.send(UNSTABLE, { users: [{ user_id: ALICE }] });
      const [outcome] = await outcomesOf(s);
      expect(outcome?.error).toMatch(/did not finish creating a direct message in time/);
    });

    it("closes the prompt when the session ends and ignores a decision that arrives afterwards", async () => {
      const decision = deferred<ShareDecision>();
      const s = await shareSession({ client: kind, decide: () => decision.promise });
      await s.send(UNSTABLE, { users: [{ user_id: ALICE }] });
      await vi.waitFor(() => expect(s.confirmShare).toHaveBeenCalledTimes(1));
      const signal = s.prompts[0]?.signal;
      expect(signal?.aborted).toBe(false);
      await s.reload();
      expect(signal?.aborted).toBe(true);
      decision.resolve({ action: "create_dm" });
      await settle(10);
      expect(actions(s.driver)).toEqual([]);
    });
  });

  describe("mxid share: one prompt at a time, rate-limited", () => {
    it("refuses a second request while a prompt is open, without looking anything up", async () => {
      const decision = deferred<ShareDecision>();
      const s = await shareSession({ client: kind, decide: () => decision.promise });
      expect((await s.send(UNSTABLE, { users: [{ user_id: ALICE }] })).response).toEqual({});
      await vi.waitFor(() => expect(s.confirmShare).toHaveBeenCalledTimes(1));
      const second = await s.send(STABLE, { users: [{ user_id: BOB }] });
      expect(errorOf(second)?.code).toBe(ErrorCode.LimitExceeded);
      expect(s.driver.callsOf("getProfile")).toEqual([[ALICE]]);
      expect(s.confirmShare).toHaveBeenCalledTimes(1);
      decision.resolve({ action: "dismiss" });
    });

    it("refuses a second request while the first is still looking up profiles", async () => {
      const driver = new RecordingDriver().fail("getProfile", faults.hang());
      const s = await shareSession({ client: kind, driver, limits: { driverTimeoutMs: 1_000 } });
      expect((await s.send(UNSTABLE, { users: [{ user_id: ALICE }] })).response).toEqual({});
      const second = await s.send(UNSTABLE, { users: [{ user_id: BOB }] });
      expect(errorOf(second)?.code).toBe(ErrorCode.LimitExceeded);
      expect(driver.callsOf("getProfile")).toEqual([[ALICE]]);
      expect(s.confirmShare).not.toHaveBeenCalled();
    });

    it("accepts a new request once the user has decided on the previous one", async () => {
      const s = await shareSession({ client: kind });
      await s.send(UNSTABLE, { users: [{ user_id: ALICE }] });
      await outcomesOf(s, 1);
      const next = await s.send(UNSTABLE, { users: [{ user_id: BOB }] });
      expect(next.response).toEqual({});
      await outcomesOf(s, 2);
      expect(s.confirmShare).toHaveBeenCalledTimes(2);
    });

    it("lets the new document prompt after a reload closed the old document's prompt", async () => {
      const decision = deferred<ShareDecision>();
      let round = 0;
      const s = await shareSession({
        client: kind,
        decide: () => (round++ === 0 ? decision.promise : { action: "dismiss" }),
      });
      await s.send(UNSTABLE, { users: [{ user_id: ALICE }] });
      await vi.waitFor(() => expect(s.confirmShare).toHaveBeenCalledTimes(1));
      await s.reload();
      const fresh = await s.send(UNSTABLE, { users: [{ user_id: BOB }] });
      expect(fresh.response).toEqual({});
      await vi.waitFor(() => expect(s.confirmShare).toHaveBeenCalledTimes(2));
    });

    it("allows a burst of 3 prompts, then answers limit_exceeded", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const s = await shareSession({ client: kind });
      for (let i = 1; i <= 3; i++) {
        expect((await s.send(UNSTABLE, { users: [{ user_id: ALICE }] })).response).toEqual({});
        await outcomesOf(s, i);
      }
      const limited = await s.send(UNSTABLE, { users: [{ user_id: ALICE }] });
      expect(errorOf(limited)?.code).toBe(ErrorCode.LimitExceeded);
      await settle(10);
      expect(s.confirmShare).toHaveBeenCalledTimes(3);
      expect(s.driver.callsOf("getProfile")).toHaveLength(3);
    });
  });

  describe("mxid share: version advertisement", () => {
    it("advertises uk.half-shot.msc3662 when the policy can prompt and the driver can invite", async () => {
      const driver = new RecordingDriver({ ops: ["inviteUsers"] });
      const s = await shareSession({ client: kind, driver });
      expect(s.host.supportedVersions).toContain(ApiVersion.MSC3662);
      expect(s.client.hostSupports(ApiVersion.MSC3662)).toBe(true);
    });

    it("advertises uk.half-shot.msc3662 when the policy can prompt and the driver can create DMs", async () => {
      const driver = new RecordingDriver({ ops: ["createDirectMessage"] });
      const s = await shareSession({ client: kind, driver });
      expect(s.host.supportedVersions).toContain(ApiVersion.MSC3662);
    });

    it("does not advertise uk.half-shot.msc3662 when the driver can neither invite nor create DMs", async () => {
      const driver = new RecordingDriver({ ops: ["getProfile", "navigate"] });
      const s = await shareSession({ client: kind, driver });
      expect(s.host.supportedVersions).not.toContain(ApiVersion.MSC3662);
      expect(s.client.hostSupports(ApiVersion.MSC3662)).toBe(false);
    });

    it("does not advertise uk.half-shot.msc3662 when the policy cannot ask the user", async () => {
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE] });
      expect(s.host.supportedVersions).not.toContain(ApiVersion.MSC3662);
    });

    it("makes the widget refuse locally, sending nothing, when the host does not advertise the version", async () => {
      const s = await openSession({ client: kind, capabilities: [CAP_UNSTABLE] });
      await expect(shareUsers(s.client, [ALICE])).rejects.toMatchObject({ code: ErrorCode.Unsupported });
      expect(s.pair.widget.sent.filter((m) => NAMES.includes(m.action as never))).toEqual([]);
      expect(s.driver.calls).toEqual([]);
    });

    it("rejects the typed call with invalid_request for an empty list, and nothing happens", async () => {
      const s = await shareSession({ client: kind });
      await expect(shareUsers(s.client, [])).rejects.toMatchObject({ code: ErrorCode.InvalidRequest });
      expect(await s.expectEachAnsweredOnce(NAMES)).toBe(1);
      expect(s.driver.calls).toEqual([]);
      expect(s.confirmShare).not.toHaveBeenCalled();
    });
  });
});

// Only the host takes part in these (no widget client is created), so they run once, not per client.
describe.each(NAMES)(
  "mxid share (%s): invalid requests get an error and nothing happens — the host alone",
  (action) => {
    it("refuses before the session is established", async () => {
      const pair = createMemoryTransportPair();
      const driver = new RecordingDriver();
      const confirmShare = vi.fn((): ShareDecision => ({ action: "dismiss" }));
      const host = new WidgetHost({
        widgetId: WIDGET_ID,
        transport: pair.host,
        driver,
        policy: approveCapabilities("all-requested", { confirmShare }),
        logger: silentLogger,
      });
      const result = await exchange(pair, action, { users: [{ user_id: ALICE }] });
      expect(errorOf(result)?.code).toBe(ErrorCode.OutOfSequence);
      expect(driver.calls).toEqual([]);
      expect(confirmShare).not.toHaveBeenCalled();
      host.destroy();
    });
  },
);
