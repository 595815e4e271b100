import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import type { OpenIdCredentials } from "../../../src/host/driver.js";
import { MAX_OPENID_WAITERS } from "../../../src/host/actions/misc/openid.js";
import type { WidgetRequest } from "../../../src/protocol/envelope.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { getOpenIdToken } from "../../../src/widget/features/openid.js";
import { CLIENT_KINDS, connect } from "../../support/memory-session.js";
import { FakeDriver, faults } from "./fake-driver.js";
import { deferred, errorOf, eventually, openSession, settle, type Session } from "./harness.js";

const TOKEN = "SECRET-TOKEN-abc123";
const CREDENTIALS: OpenIdCredentials = {
  access_token: TOKEN,
  expires_in: 3600,
  matrix_server_name: "example.org",
  token_type: "Bearer",
};

/** A driver whose OpenID answer the test gives later. */
function pendingDriver() {
  const driver = new FakeDriver();
  const decision = deferred<OpenIdCredentials | undefined>();
  driver.openId = () => decision.promise;
  return { driver, decision };
}

function credentialPushes(s: Session) {
  return s.pushes("openid_credentials").map((m) => (m as WidgetRequest).data);
}

describe("get_openid answered at once", () => {
  it("replies allowed with the credentials when the driver's answer is ready", async () => {
    const s = await openSession();
    const result = await s.send("get_openid", {});
    expect(result.response).toEqual({ state: "allowed", ...CREDENTIALS });
    expect(credentialPushes(s)).toEqual([]);
  });

  it("resolves getOpenIdToken with exactly the four credential fields", async () => {
    const driver = new FakeDriver();
    driver.openId = () => Promise.resolve({ ...CREDENTIALS, extra: "dropped" } as OpenIdCredentials);
    const s = await openSession({ driver });
    await expect(getOpenIdToken(s.client)).resolves.toEqual(CREDENTIALS);
  });

  it("replies blocked when the user refused, and getOpenIdToken rejects as refused", async () => {
    const driver = new FakeDriver();
    driver.openId = () => Promise.resolve(undefined);
    const s = await openSession({ driver });
    expect((await s.send("get_openid", {})).response).toEqual({ state: "blocked" });
    await expect(getOpenIdToken(s.client)).rejects.toMatchObject({ code: ErrorCode.Refused });
  });

  it.each([
    ["a missing token", { ...CREDENTIALS, access_token: undefined }],
    ["an empty token", { ...CREDENTIALS, access_token: "" }],
    ["a string expiry", { ...CREDENTIALS, expires_in: "3600" }],
    ["a negative expiry", { ...CREDENTIALS, expires_in: -1 }],
    ["a missing server name", { ...CREDENTIALS, matrix_server_name: undefined }],
    ["a non-object", "token"],
  ])("answers one internal error for credentials with %s", async (_label, value) => {
    const driver = new FakeDriver().fail("requestOpenId", faults.malformed(value));
    const s = await openSession({ driver });
    const result = await s.send("get_openid", {});
    expect(errorOf(result)?.code).toBe(ErrorCode.Internal);
    expect(JSON.stringify(result.response)).not.toContain(TOKEN);
  });

  it.each([
    ["rejects", faults.reject(), ErrorCode.Internal],
    ["throws synchronously", faults.throwSync(), ErrorCode.Internal],
    ["fails at the homeserver", faults.forbidden(), ErrorCode.HomeserverError],
  ])("answers exactly one error when the driver %s at once", async (_label, fault, code) => {
    const driver = new FakeDriver().fail("requestOpenId", fault);
    const s = await openSession({ driver });
    expect(errorOf(await s.send("get_openid", {}))?.code).toBe(code);
    expect(credentialPushes(s)).toEqual([]);
  });

  it("answers unsupported when the driver cannot get OpenID credentials", async () => {
    const s = await openSession({ driver: new FakeDriver({ without: ["requestOpenId"] }) });
    expect(errorOf(await s.send("get_openid", {}))?.code).toBe(ErrorCode.Unsupported);
  });

  it("rate-limits get_openid per widget", async () => {
    const s = await openSession();
    for (let i = 0; i < 5; i++) expect((await s.send("get_openid", {})).response.state).toBe("allowed");
    expect(errorOf(await s.send("get_openid", {}))?.code).toBe(ErrorCode.LimitExceeded);
    expect(s.driver.callsOf("requestOpenId")).toHaveLength(5);
  });
});

describe("get_openid while the user decides", () => {
  it("replies request at once, then pushes the credentials with the original request ID", async () => {
    const { driver, decision } = pendingDriver();
    const s = await openSession({ driver });
    const result = await s.send("get_openid", {});
    expect(result.response).toEqual({ state: "request" });
    decision.resolve(CREDENTIALS);
    await eventually(() =>
      expect(credentialPushes(s)).toEqual([
        { state: "allowed", original_request_id: result.reply.requestId, ...CREDENTIALS },
      ]),
    );
  });

  it("pushes blocked when the user refuses", async () => {
    const { driver, decision } = pendingDriver();
    const s = await openSession({ driver });
    const result = await s.send("get_openid", {});
    decision.resolve(undefined);
    await eventually(() =>
      expect(credentialPushes(s)).toEqual([
        { state: "blocked", original_request_id: result.reply.requestId },
      ]),
    );
  });

  it("pushes blocked when the driver fails after the request was acknowledged", async () => {
    const { driver, decision } = pendingDriver();
    const s = await openSession({ driver });
    await s.send("get_openid", {});
    decision.reject(new Error("the prompt crashed"));
    await eventually(() => expect(credentialPushes(s)).toMatchObject([{ state: "blocked" }]));
  });

  it("resolves getOpenIdToken from the push", async () => {
    const { driver, decision } = pendingDriver();
    const s = await openSession({ driver });
    const token = getOpenIdToken(s.client);
    await eventually(() => expect(driver.callsOf("requestOpenId")).toHaveLength(1));
    decision.resolve(CREDENTIALS);
    await expect(token).resolves.toEqual(CREDENTIALS);
  });

  it("leaves no abort listener on the client's signal once getOpenIdToken has its answer, however it ended", async () => {
    const { driver, decision } = pendingDriver();
    const s = await openSession({ driver });
    const signal = s.client.signal;
    const allowed = getOpenIdToken(s.client);
    await eventually(() => expect(getEventListeners(signal, "abort")).toHaveLength(1));
    decision.resolve(CREDENTIALS);
    await expect(allowed).resolves.toEqual(CREDENTIALS);
    // A timed-out wait too: each call would otherwise pin its closure to the session until destroy().
    driver.openId = () => deferred<OpenIdCredentials | undefined>().promise;
    await expect(getOpenIdToken(s.client, { timeoutMs: 20 })).rejects.toMatchObject({
      code: ErrorCode.Timeout,
    });
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
  });

  it("rejects getOpenIdToken as refused when the pushed decision is blocked", async () => {
    const { driver, decision } = pendingDriver();
    const s = await openSession({ driver });
    const token = getOpenIdToken(s.client);
    await eventually(() => expect(driver.callsOf("requestOpenId")).toHaveLength(1));
    decision.resolve(undefined);
    await expect(token).rejects.toMatchObject({ code: ErrorCode.Refused });
  });

  it("rejects getOpenIdToken with a timeout when no decision comes", async () => {
    const { driver } = pendingDriver();
    const s = await openSession({ driver });
    await expect(getOpenIdToken(s.client, { timeoutMs: 20 })).rejects.toMatchObject({
      code: ErrorCode.Timeout,
    });
  });

  it.each(CLIENT_KINDS)(
    "rejects getOpenIdToken as session_ended at once when the %s is destroyed while the user decides",
    async (kind) => {
      const { driver } = pendingDriver();
      const { client, host } = await connect({ client: kind, driver });
      const token = getOpenIdToken(client).catch((error: unknown) => error);
      await eventually(() => expect(driver.callsOf("requestOpenId")).toHaveLength(1));
      client.destroy();
      // Without the session's signal the wait went on for 180 s (this test's 5 s limit first).
      expect(await token).toMatchObject({ code: ErrorCode.SessionEnded });
      host.destroy();
    },
  );

  it("asks the driver once for requests that arrive while a decision is pending, and tells each", async () => {
    const { driver, decision } = pendingDriver();
    const s = await openSession({ driver });
    const first = await s.send("get_openid", {});
    const second = await s.send("get_openid", {});
    expect(second.response).toEqual({ state: "request" });
    expect(driver.callsOf("requestOpenId")).toHaveLength(1);
    decision.resolve(CREDENTIALS);
    await eventually(() =>
      expect(credentialPushes(s).map((data) => data.original_request_id)).toEqual([
        first.reply.requestId,
        second.reply.requestId,
      ]),
    );
  });

  it(`refuses more than ${MAX_OPENID_WAITERS} requests waiting on one decision, without asking again`, async () => {
    const { driver } = pendingDriver();
    const s = await openSession({ driver });
    for (let i = 0; i < MAX_OPENID_WAITERS; i++) {
      expect((await s.send("get_openid", {})).response).toEqual({ state: "request" });
    }
    expect(errorOf(await s.send("get_openid", {}))?.code).toBe(ErrorCode.LimitExceeded);
    expect(driver.callsOf("requestOpenId")).toHaveLength(1);
  });

  it("pushes nothing when the session ended before the decision", async () => {
    const { driver, decision } = pendingDriver();
    const s = await openSession({ driver });
    await s.send("get_openid", {});
    s.pair.reloadWidget();
    decision.resolve(CREDENTIALS);
    await settle(10);
    expect(credentialPushes(s)).toEqual([]);
  });

  it("asks the driver anew once a decision was delivered", async () => {
    const { driver, decision } = pendingDriver();
    const s = await openSession({ driver });
    await s.send("get_openid", {});
    decision.resolve(CREDENTIALS);
    await eventually(() => expect(credentialPushes(s)).toHaveLength(1));
    driver.openId = () => Promise.resolve(CREDENTIALS);
    expect((await s.send("get_openid", {})).response.state).toBe("allowed");
    expect(driver.callsOf("requestOpenId")).toHaveLength(2);
  });
});

describe("the OpenID access token never reaches a log", () => {
  it("stays out of every logger line and trace event, on every path", async () => {
    // 1. answered at once, through the typed function.
    const immediate = await openSession();
    await getOpenIdToken(immediate.client);

    // 2. decided later, through the typed function and through a raw request the widget does
    //    not listen for (its push is refused by the widget, which the host logs).
    const later = pendingDriver();
    const deferredSession = await openSession({ driver: later.driver });
    const token = getOpenIdToken(deferredSession.client);
    await eventually(() => expect(later.driver.callsOf("requestOpenId")).toHaveLength(1));
    later.decision.resolve(CREDENTIALS);
    await token;
    const unheard = pendingDriver();
    const unheardSession = await openSession({ driver: unheard.driver });
    await unheardSession.send("get_openid", {});
    unheard.decision.resolve(CREDENTIALS);
    await eventually(() =>
      expect(unheardSession.hostLogger.lines.join("\n")).toContain("openid_credentials"),
    );

    // 3. malformed credentials that still carry the token.
    const malformed = new FakeDriver().fail(
      "requestOpenId",
      faults.malformed({ ...CREDENTIALS, expires_in: "soon" }),
    );
    const malformedSession = await openSession({ driver: malformed });
    await malformedSession.send("get_openid", {});

    for (const s of [immediate, deferredSession, unheardSession, malformedSession]) {
      await settle(5);
      const seen = JSON.stringify([s.hostLogger.lines, s.widgetLogger.lines, s.traces]);
      expect(seen).not.toContain(TOKEN);
      expect(s.traces.length).toBeGreaterThan(0);
    }
  });
});
