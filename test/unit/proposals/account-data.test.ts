import { afterEach, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { approveCapabilities } from "../../../src/host/policy.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { ApiVersion } from "../../../src/protocol/versions.js";
import { createMemoryTransportPair } from "../../../src/transport/memory.js";
import { CLIENT_KINDS, settle, WIDGET_ID } from "../../support/memory-session.js";
import { faults, RecordingDriver } from "../../support/recording-driver.js";
import { errorOf, exchange, openSession, type Session } from "./harness.js";
import { readAccountData, watchAccountData } from "../../../src/widget/index.js";

const STABLE = "read_account_data";
const UNSTABLE = "org.matrix.msc3751.read_account_data";
const NAMES = [STABLE, UNSTABLE] as const;
const WATCH = "dev.matrix_widget_kit.watch_account_data";
const PUSH = "dev.matrix_widget_kit.account_data";

const SETTINGS = "com.example.settings";
const OTHER = "com.example.other";
const cap = (type: string) => `org.matrix.msc3751.read.account_data:${type}`;
const stableCap = (type: string) => `m.read.account_data:${type}`;

afterEach(() => {
  vi.useRealTimers();
});

function driverWith(
  data: Record<string, Record<string, unknown>>,
  ops?: ConstructorParameters<typeof RecordingDriver>[0],
) {
  const driver = new RecordingDriver(ops);
  for (const [type, content] of Object.entries(data)) driver.accountData.set(type, content);
  return driver;
}

/** Pushes the host sent to the widget. */
function pushes(s: Session) {
  return s.pair.host.sent.filter((m) => m.action === PUSH && !("response" in m));
}

describe.each(CLIENT_KINDS)("%s", (kind) => {
  describe("read account data: happy paths", () => {
    it("reads an approved type through the typed client, sent under the advertised unstable name", async () => {
      const driver = driverWith({ [SETTINGS]: { theme: "dark" } });
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      await expect(readAccountData(s.client, SETTINGS)).resolves.toEqual({ theme: "dark" });
      expect(driver.callsOf("readAccountData")).toEqual([[SETTINGS]]);
      expect(s.pair.widget.sent.some((m) => m.action === UNSTABLE)).toBe(true);
      expect(await s.expectEachAnsweredOnce(NAMES)).toBe(1);
    });

    it("resolves the typed read with undefined when the type is unset", async () => {
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)] });
      await expect(readAccountData(s.client, SETTINGS)).resolves.toBeUndefined();
      expect(s.driver.callsOf("readAccountData")).toEqual([[SETTINGS]]);
      expect(await s.expectEachAnsweredOnce(NAMES)).toBe(1);
    });

    it.each(NAMES)(
      "answers %s with {events:[{type, content}]} and echoes the request's action",
      async (action) => {
        const driver = driverWith({ [SETTINGS]: { theme: "dark" } });
        const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
        const result = await s.send(action, { type: SETTINGS });
        expect(result.reply.action).toBe(action);
        expect(result.response).toEqual({ events: [{ type: SETTINGS, content: { theme: "dark" } }] });
      },
    );

    it.each(NAMES)("answers %s for an unset type with an empty events array", async (action) => {
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)] });
      const result = await s.send(action, { type: SETTINGS });
      expect(result.response).toEqual({ events: [] });
    });

    it.each(NAMES)(
      "accepts %s with the stable capability spelling m.read.account_data:<type>",
      async (action) => {
        const driver = driverWith({ [SETTINGS]: { theme: "light" } });
        const s = await openSession({ client: kind, capabilities: [stableCap(SETTINGS)], driver });
        const result = await s.send(action, { type: SETTINGS });
        expect(result.response).toEqual({ events: [{ type: SETTINGS, content: { theme: "light" } }] });
      },
    );

    it.each([
      ["a string", "anything"],
      ["true", true],
      ["null", null],
    ])("ignores a state_key that is %s", async (_what, stateKey) => {
      const driver = driverWith({ [SETTINGS]: { a: 1 } });
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      const result = await s.send(UNSTABLE, { type: SETTINGS, state_key: stateKey });
      expect(result.response).toEqual({ events: [{ type: SETTINGS, content: { a: 1 } }] });
      expect(driver.callsOf("readAccountData")).toEqual([[SETTINGS]]);
    });

    it.each([1, 25, 1000, null])(
      "never answers with more events than a limit of %s allows",
      async (limit) => {
        const driver = driverWith({ [SETTINGS]: { a: 1 } });
        const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
        const result = await s.send(UNSTABLE, { type: SETTINGS, limit });
        expect(result.response).toEqual({ events: [{ type: SETTINGS, content: { a: 1 } }] });
      },
    );

    it.each(NAMES)("answers %s with limit 0 with no events, without asking the driver", async (action) => {
      const driver = driverWith({ [SETTINGS]: { a: 1 } });
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      const result = await s.send(action, { type: SETTINGS, limit: 0 });
      expect(result.response).toEqual({ events: [] });
      expect(driver.calls).toEqual([]);
    });

    it("answers no events, without asking the driver, when the host maximum is 0", async () => {
      const driver = driverWith({ [SETTINGS]: { a: 1 } });
      const s = await openSession({
        client: kind,
        capabilities: [cap(SETTINGS)],
        driver,
        limits: { maxAccountDataLimit: 0 },
      });
      const result = await s.send(UNSTABLE, { type: SETTINGS });
      expect(result.response).toEqual({ events: [] });
      expect(driver.calls).toEqual([]);
    });

    it("reads a sensitive type when the policy opts into it", async () => {
      const allowSensitiveAccountData = vi.fn((type: string) => type === "m.direct");
      const driver = driverWith({ "m.direct": { [WIDGET_ID]: ["!dm:example.org"] } });
      const s = await openSession({
        client: kind,
        capabilities: [cap("m.direct")],
        driver,
        policy: { allowSensitiveAccountData },
      });
      const result = await s.send(UNSTABLE, { type: "m.direct" });
      expect(result.response).toEqual({
        events: [{ type: "m.direct", content: { [WIDGET_ID]: ["!dm:example.org"] } }],
      });
      expect(allowSensitiveAccountData).toHaveBeenCalledWith("m.direct", { widgetId: WIDGET_ID });
    });

    it("returns content whose encrypted field is not a map", async () => {
      const driver = driverWith({ [SETTINGS]: { encrypted: false, note: "plain" } });
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      const result = await s.send(UNSTABLE, { type: SETTINGS });
      expect(result.response).toEqual({
        events: [{ type: SETTINGS, content: { encrypted: false, note: "plain" } }],
      });
    });
  });

  describe.each(NAMES)("read account data (%s): refused requests never reach the driver", (action) => {
    it.each([
      ["missing", {}],
      ["a number", { type: 5 }],
      ["null", { type: null }],
      ["empty", { type: "" }],
      ["longer than 255 characters", { type: "x".repeat(256) }],
    ])("refuses a type that is %s with invalid_request", async (_what, data) => {
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)] });
      const result = await s.send(action, data);
      expect(errorOf(result)?.code).toBe(ErrorCode.InvalidRequest);
      expect(s.driver.calls).toEqual([]);
    });

    it.each([
      ["negative", -1],
      ["a fraction", 0.5],
      ["a string", "1"],
    ])("refuses a limit that is %s with invalid_request", async (_what, limit) => {
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)] });
      const result = await s.send(action, { type: SETTINGS, limit });
      expect(errorOf(result)?.code).toBe(ErrorCode.InvalidRequest);
      expect(errorOf(result)?.message).toMatch(/^Invalid request: limit/);
      expect(s.driver.calls).toEqual([]);
    });

    it("refuses a state_key that is neither a string nor true", async () => {
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)] });
      const result = await s.send(action, { type: SETTINGS, state_key: 3 });
      expect(errorOf(result)?.code).toBe(ErrorCode.InvalidRequest);
      expect(s.driver.calls).toEqual([]);
    });

    it("refuses a type without any account-data capability", async () => {
      const s = await openSession({ client: kind, capabilities: [] });
      const result = await s.send(action, { type: SETTINGS });
      expect(errorOf(result)?.code).toBe(ErrorCode.MissingCapability);
      expect(s.driver.calls).toEqual([]);
    });

    it("refuses a limit of 0 without the capability too", async () => {
      const s = await openSession({ client: kind, capabilities: [] });
      const result = await s.send(action, { type: SETTINGS, limit: 0 });
      expect(errorOf(result)?.code).toBe(ErrorCode.MissingCapability);
      expect(s.driver.calls).toEqual([]);
    });

    it.each([
      ["a longer type", `${SETTINGS}.extra`],
      ["a prefix of the granted type", "com.example"],
      ["a differently-cased type", SETTINGS.toUpperCase()],
      ["the type with trailing space", `${SETTINGS} `],
    ])("refuses %s than the one granted: types must match exactly", async (_what, type) => {
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)] });
      const result = await s.send(action, { type });
      expect(errorOf(result)?.code).toBe(ErrorCode.MissingCapability);
      expect(s.driver.calls).toEqual([]);
    });

    it("treats a wildcard-looking grant as the literal type, not a pattern", async () => {
      const s = await openSession({ client: kind, capabilities: [cap("com.example.*")] });
      const result = await s.send(action, { type: SETTINGS });
      expect(errorOf(result)?.code).toBe(ErrorCode.MissingCapability);
      expect(s.driver.calls).toEqual([]);
    });
  });

  describe("read account data: never exposed, whatever is approved", () => {
    const NEVER = [
      "m.secret_storage.default_key",
      "m.secret_storage.key.abc123",
      "m.cross_signing.master",
      "m.cross_signing.self_signing",
      "m.cross_signing.user_signing",
      "m.megolm_backup.v1",
      "m.key_backup",
      "m.dehydrated_device",
      "org.matrix.msc3814",
      "org.matrix.msc2697.dehydrated_device",
    ];
    it.each(NEVER)("never grants or reads %s, even when the policy approves everything", async (type) => {
      const driver = driverWith({ [type]: { encrypted: { key: { ciphertext: "secret" } } } });
      const s = await openSession({
        client: kind,
        capabilities: [cap(type), stableCap(type)],
        driver,
        policy: { allowSensitiveAccountData: () => true },
      });
      expect(s.host.grantedCapabilities).toEqual([]);
      for (const action of NAMES) {
        const result = await s.send(action, { type });
        expect(errorOf(result)?.code).toBe(ErrorCode.MissingCapability);
      }
      expect(driver.calls).toEqual([]);
    });

    it.each(NAMES)("refuses via %s content with an encrypted map under an ordinary type", async (action) => {
      const driver = driverWith({
        [SETTINGS]: { encrypted: { abc: { iv: "x", ciphertext: "y", mac: "z" } } },
      });
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      const result = await s.send(action, { type: SETTINGS });
      expect(errorOf(result)?.code).toBe(ErrorCode.Refused);
      expect(JSON.stringify(result.response)).not.toContain("ciphertext");
      expect(driver.callsOf("readAccountData")).toEqual([[SETTINGS]]);
    });

    it("refuses content whose encrypted entry is an array", async () => {
      const driver = driverWith({ [SETTINGS]: { encrypted: ["y"] } });
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      const result = await s.send(UNSTABLE, { type: SETTINGS });
      expect(errorOf(result)?.code).toBe(ErrorCode.Refused);
    });
  });

  describe("read account data: sensitive types need the policy's opt-in", () => {
    const SENSITIVE = [
      "m.direct",
      "m.ignored_user_list",
      "m.push_rules",
      "m.identity_server",
      "m.invite_permission_config",
      "m.breadcrumbs",
      "im.vector.setting.breadcrumbs",
      "im.vector.analytics",
      "io.element.matrix_client_information.DEVICEID",
      "org.matrix.msc3890.local_notification_settings.DEVICEID",
      "m.widgets",
    ];
    it.each(SENSITIVE)("neither grants nor reads %s without the opt-in", async (type) => {
      const driver = driverWith({ [type]: { private: true } });
      const s = await openSession({ client: kind, capabilities: [cap(type)], driver });
      expect(s.host.grantedCapabilities).toEqual([]);
      for (const action of NAMES) {
        const result = await s.send(action, { type });
        expect(errorOf(result)?.code).toBe(ErrorCode.MissingCapability);
      }
      expect(driver.calls).toEqual([]);
    });

    it("refuses a sensitive type the policy opted into when granting but no longer allows", async () => {
      let allowed = true;
      const driver = driverWith({ "m.direct": { "@bob:example.org": ["!dm:example.org"] } });
      const s = await openSession({
        client: kind,
        capabilities: [cap("m.direct")],
        driver,
        policy: { allowSensitiveAccountData: () => allowed },
      });
      expect(s.host.grantedCapabilities).toEqual([cap("m.direct")]);
      allowed = false;
      const result = await s.send(UNSTABLE, { type: "m.direct" });
      expect(errorOf(result)?.code).toBe(ErrorCode.Refused);
      expect(driver.calls).toEqual([]);
    });
  });

  describe("read account data: driver faults give exactly one error reply", () => {
    it.each(NAMES)(
      "relays a 429 from the homeserver via %s as matrix_api_error with the retry time",
      async (action) => {
        const driver = new RecordingDriver().fail("readAccountData", faults.rateLimited(2_500));
        const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
        const result = await s.send(action, { type: SETTINGS });
        expect(errorOf(result)?.code).toBe(ErrorCode.HomeserverError);
        expect(errorOf(result)?.matrix_api_error).toMatchObject({
          http_status: 429,
          response: { errcode: "M_LIMIT_EXCEEDED", retry_after_ms: 2_500 },
        });
      },
    );

    it("relays a 403 as matrix_api_error", async () => {
      const driver = new RecordingDriver().fail("readAccountData", faults.forbidden());
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      const result = await s.send(UNSTABLE, { type: SETTINGS });
      expect(errorOf(result)?.matrix_api_error).toMatchObject({
        http_status: 403,
        response: { errcode: "M_FORBIDDEN" },
      });
    });

    it("relays a 404 the driver did not turn into 'unset' as matrix_api_error", async () => {
      const driver = new RecordingDriver().fail("readAccountData", faults.notFound());
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      const result = await s.send(UNSTABLE, { type: SETTINGS });
      expect(errorOf(result)?.matrix_api_error).toMatchObject({
        http_status: 404,
        response: { errcode: "M_NOT_FOUND" },
      });
    });

    it("rejects the typed read with the relayed homeserver error", async () => {
      const driver = new RecordingDriver().fail("readAccountData", faults.forbidden());
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      await expect(readAccountData(s.client, SETTINGS)).rejects.toMatchObject({
        code: ErrorCode.HomeserverError,
        matrixApiError: { http_status: 403 },
      });
      expect(await s.expectEachAnsweredOnce(NAMES)).toBe(1);
    });

    it("turns a plain rejection into a generic internal error without the driver's message", async () => {
      const driver = new RecordingDriver().fail("readAccountData", faults.reject("token syt_secret"));
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      const result = await s.send(UNSTABLE, { type: SETTINGS });
      expect(errorOf(result)?.code).toBe(ErrorCode.Internal);
      expect(JSON.stringify(result.response)).not.toContain("syt_secret");
    });

    it("turns a synchronous throw into an internal error", async () => {
      const driver = new RecordingDriver().fail("readAccountData", faults.throwSync());
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      const result = await s.send(UNSTABLE, { type: SETTINGS });
      expect(errorOf(result)?.code).toBe(ErrorCode.Internal);
    });

    it("answers with a timeout error after driverTimeoutMs when the driver never settles", async () => {
      const driver = new RecordingDriver().fail("readAccountData", faults.hang());
      const s = await openSession({
        client: kind,
        capabilities: [cap(SETTINGS)],
        driver,
        limits: { driverTimeoutMs: 20 },
      });
      const result = await s.send(UNSTABLE, { type: SETTINGS });
      expect(errorOf(result)?.code).toBe(ErrorCode.Timeout);
    });

    it.each([
      ["an array", [1, 2]],
      ["a string", "content"],
      ["a Map", new Map([["a", 1]])],
    ])("answers an internal error when the driver returns %s", async (_what, value) => {
      const driver = new RecordingDriver().fail("readAccountData", faults.malformed(value));
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      const result = await s.send(UNSTABLE, { type: SETTINGS });
      expect(errorOf(result)?.code).toBe(ErrorCode.Internal);
      expect(errorOf(result)?.message).toMatch(/malformed account data/);
    });

    it("treats null from the driver as unset and replies with no events", async () => {
      const driver = new RecordingDriver().fail("readAccountData", faults.malformed(null));
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      const result = await s.send(UNSTABLE, { type: SETTINGS });
      expect(result.response).toEqual({ events: [] });
    });
  });

  describe("read account data: version advertisement", () => {
    it("advertises org.matrix.msc3751 when the driver can read account data", async () => {
      const driver = new RecordingDriver({ ops: ["readAccountData"] });
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      expect(s.host.supportedVersions).toContain(ApiVersion.MSC3751);
      expect(s.client.hostSupports(ApiVersion.MSC3751)).toBe(true);
      expect(s.host.supportedVersions).not.toContain(ApiVersion.AccountDataWatch);
    });

    it("does not advertise org.matrix.msc3751 when the driver cannot read account data", async () => {
      const driver = new RecordingDriver({ ops: ["navigate", "watchAccountData"] });
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      expect(s.host.supportedVersions).not.toContain(ApiVersion.MSC3751);
      expect(s.host.supportedVersions).not.toContain(ApiVersion.AccountDataWatch);
      expect(s.client.hostSupports(ApiVersion.MSC3751)).toBe(false);
    });

    it("advertises the watch extension only when the driver can both read and watch", async () => {
      const s = await openSession({
        client: kind,
        capabilities: [cap(SETTINGS)],
        driver: new RecordingDriver({ ops: ["readAccountData", "watchAccountData"] }),
      });
      expect(s.host.supportedVersions).toContain(ApiVersion.AccountDataWatch);
    });

    it("makes the widget refuse reads and watches locally, sending nothing, without the versions", async () => {
      const s = await openSession({
        client: kind,
        capabilities: [cap(SETTINGS)],
        driver: new RecordingDriver({ ops: [] }),
      });
      await expect(readAccountData(s.client, SETTINGS)).rejects.toMatchObject({
        code: ErrorCode.Unsupported,
      });
      await expect(watchAccountData(s.client, [SETTINGS], () => {})).rejects.toMatchObject({
        code: ErrorCode.Unsupported,
      });
      expect(s.pair.widget.sent.filter((m) => [...NAMES, WATCH].includes(m.action))).toEqual([]);
    });

    it("answers a raw read with unsupported when the driver cannot read account data", async () => {
      const driver = new RecordingDriver({ ops: ["navigate"] });
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      const result = await s.send(STABLE, { type: SETTINGS });
      expect(errorOf(result)?.code).toBe(ErrorCode.Unsupported);
      expect(driver.calls).toEqual([]);
    });

    it("answers a raw watch with unsupported when the driver cannot watch", async () => {
      const driver = new RecordingDriver({ ops: ["readAccountData"] });
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      const result = await s.send(WATCH, { types: [SETTINGS] });
      expect(errorOf(result)?.code).toBe(ErrorCode.Unsupported);
      expect(driver.calls).toEqual([]);
    });
  });

  describe("watch account data (our extension)", () => {
    it("pushes changes of a watched type to the widget through the typed client", async () => {
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)] });
      const seen: Array<[string, Record<string, unknown>]> = [];
      await watchAccountData(s.client, [SETTINGS], (type, content) => seen.push([type, content]));
      expect(await s.expectEachAnsweredOnce([WATCH])).toBe(1);
      expect(s.driver.callsOf("watchAccountData")).toHaveLength(1);
      s.driver.emitAccountData(SETTINGS, { theme: "dark" });
      await vi.waitFor(() => expect(seen).toEqual([[SETTINGS, { theme: "dark" }]]));
      expect(pushes(s)).toHaveLength(1);
    });

    it("pushes only the watched types, not other approved ones", async () => {
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS), cap(OTHER)] });
      const seen: string[] = [];
      await watchAccountData(s.client, [SETTINGS], (type) => seen.push(type));
      s.driver.emitAccountData(OTHER, { x: 1 });
      s.driver.emitAccountData("com.example.unapproved", { x: 1 });
      s.driver.emitAccountData(SETTINGS, { x: 2 });
      await vi.waitFor(() => expect(seen).toEqual([SETTINGS]));
      await settle(10);
      expect(seen).toEqual([SETTINGS]);
      expect(pushes(s)).toHaveLength(1);
      expect(await s.expectEachAnsweredOnce([WATCH])).toBe(1);
    });

    it("never pushes content with an encrypted map", async () => {
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)] });
      const seen: unknown[] = [];
      await watchAccountData(s.client, [SETTINGS], (_type, content) => seen.push(content));
      s.driver.emitAccountData(SETTINGS, { encrypted: { k: { ciphertext: "secret" } } });
      s.driver.emitAccountData(SETTINGS, { ok: true });
      await vi.waitFor(() => expect(seen).toEqual([{ ok: true }]));
      expect(pushes(s)).toHaveLength(1);
      expect(await s.expectEachAnsweredOnce([WATCH])).toBe(1);
    });

    it("uses one driver subscription for several watch requests in a session", async () => {
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS), cap(OTHER)] });
      const seen: string[] = [];
      await watchAccountData(s.client, [SETTINGS], (type) => seen.push(type));
      await watchAccountData(s.client, [OTHER], (type) => seen.push(type));
      expect(await s.expectEachAnsweredOnce([WATCH])).toBe(2);
      expect(s.driver.callsOf("watchAccountData")).toHaveLength(1);
      s.driver.emitAccountData(OTHER, { x: 1 });
      await vi.waitFor(() => expect(seen).toEqual([OTHER]));
    });

    it("stops pushing when the widget reloads, and the new document gets nothing it did not watch", async () => {
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)] });
      const before: unknown[] = [];
      const first = s.client;
      await watchAccountData(first, [SETTINGS], (_type, content) => before.push(content));
      s.driver.emitAccountData(SETTINGS, { n: 1 });
      await vi.waitFor(() => expect(before).toEqual([{ n: 1 }]));

      const fresh = await s.reload();
      expect(s.driver.stoppedWatchers).toBe(1);
      expect(s.driver.activeWatchers).toBe(0);
      const after: unknown[] = [];
      s.pair.widget.subscribe((message) => {
        if ((message as { action?: string }).action === PUSH) after.push(message);
      });
      expect(fresh.hostVersions).toContain(ApiVersion.AccountDataWatch);
      s.driver.emitAccountData(SETTINGS, { n: 2 });
      await settle(20);
      expect(before).toEqual([{ n: 1 }]);
      expect(after).toEqual([]);
      expect(pushes(s)).toHaveLength(1);
      expect(await s.expectEachAnsweredOnce([WATCH])).toBe(1);
    });

    it("stops the driver subscription when the host is destroyed", async () => {
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)] });
      await watchAccountData(s.client, [SETTINGS], () => {});
      expect(await s.expectEachAnsweredOnce([WATCH])).toBe(1);
      s.host.destroy();
      expect(s.driver.stoppedWatchers).toBe(1);
      expect(s.driver.activeWatchers).toBe(0);
    });

    it.each([
      ["a type that was not granted", [OTHER]],
      ["one ungranted type among granted ones", [SETTINGS, OTHER]],
      ["a never-exposed type", ["m.secret_storage.default_key"]],
      ["a sensitive type without the opt-in", ["m.direct"]],
    ])("refuses to watch %s, and subscribes to nothing", async (_what, types) => {
      const s = await openSession({
        client: kind,
        capabilities: [cap(SETTINGS), cap("m.direct"), cap("m.secret_storage.default_key")],
      });
      const result = await s.send(WATCH, { types });
      expect(errorOf(result)?.code).toBe(ErrorCode.MissingCapability);
      expect(s.driver.calls).toEqual([]);
    });

    it.each([
      ["an empty list", { types: [] }],
      ["no list", {}],
      ["a string instead of a list", { types: SETTINGS }],
      ["more than 64 types", { types: Array.from({ length: 65 }, (_, i) => `com.example.t${i}`) }],
      ["an empty type", { types: [""] }],
    ])("refuses a watch with %s as invalid_request", async (_what, data) => {
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)] });
      const result = await s.send(WATCH, data);
      expect(errorOf(result)?.code).toBe(ErrorCode.InvalidRequest);
      expect(s.driver.calls).toEqual([]);
    });

    it("answers an internal error when the driver's watch throws, and a later watch still subscribes", async () => {
      const driver = new RecordingDriver().fail("watchAccountData", faults.throwSync(), 1);
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      const failed = await s.send(WATCH, { types: [SETTINGS] });
      expect(errorOf(failed)?.code).toBe(ErrorCode.Internal);
      const retried = await s.send(WATCH, { types: [SETTINGS] });
      expect(retried.response).toEqual({});
      expect(driver.callsOf("watchAccountData")).toHaveLength(2);
      expect(driver.activeWatchers).toBe(1);
      driver.emitAccountData(SETTINGS, { after: "retry" });
      await vi.waitFor(() => expect(pushes(s)).toHaveLength(1));
    });

    it("still ends the session cleanly when the driver's watch returned something other than a stop function", async () => {
      const driver = new RecordingDriver().fail("watchAccountData", faults.malformed("not a function"), 1);
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)], driver });
      expect((await s.send(WATCH, { types: [SETTINGS] })).response).toEqual({});
      const fresh = await s.reload();
      expect(s.host.state).toBe("ready");
      const seen: unknown[] = [];
      await watchAccountData(fresh, [SETTINGS], (_type, content) => seen.push(content));
      driver.emitAccountData(SETTINGS, { n: 1 });
      await vi.waitFor(() => expect(seen).toEqual([{ n: 1 }]));
      expect(await s.expectEachAnsweredOnce([WATCH])).toBe(2);
    });

    it("pushes a type granted later by renegotiation and watched afterwards", async () => {
      const s = await openSession({ client: kind, capabilities: [cap(SETTINGS)] });
      const seen: Array<[string, unknown]> = [];
      await watchAccountData(s.client, [SETTINGS], (type, content) => seen.push([type, content]));
      await s.client.requestCapabilities([cap(OTHER)]);
      expect(s.host.capabilities.canReadAccountData(OTHER)).toBe(true);
      await watchAccountData(s.client, [OTHER], (type, content) => seen.push([type, content]));
      s.driver.emitAccountData(OTHER, { later: true });
      s.driver.emitAccountData(SETTINGS, { first: true });
      await vi.waitFor(() =>
        expect(seen).toEqual([
          [OTHER, { later: true }],
          [SETTINGS, { first: true }],
        ]),
      );
      expect(s.driver.callsOf("watchAccountData")).toHaveLength(1);
    });

    it("stops pushing a sensitive type once the policy withdraws its opt-in", async () => {
      let allowed = true;
      const s = await openSession({
        client: kind,
        capabilities: [cap("m.direct")],
        policy: { allowSensitiveAccountData: () => allowed },
      });
      const seen: unknown[] = [];
      await watchAccountData(s.client, ["m.direct"], (_type, content) => seen.push(content));
      s.driver.emitAccountData("m.direct", { n: 1 });
      await vi.waitFor(() => expect(seen).toEqual([{ n: 1 }]));
      allowed = false;
      s.driver.emitAccountData("m.direct", { n: 2 });
      await settle(20);
      expect(seen).toEqual([{ n: 1 }]);
      expect(pushes(s)).toHaveLength(1);
      expect(await s.expectEachAnsweredOnce([WATCH])).toBe(1);
    });
  });
});

// Only the host takes part in these (no widget client is created), so they run once, not per client.
describe.each(NAMES)(
  "read account data (%s): refused requests never reach the driver — the host alone",
  (action) => {
    it("refuses before the session is established", async () => {
      const pair = createMemoryTransportPair();
      const driver = driverWith({ [SETTINGS]: { a: 1 } });
      const host = new WidgetHost({
        widgetId: WIDGET_ID,
        transport: pair.host,
        driver,
        policy: approveCapabilities("all-requested"),
        logger: silentLogger,
      });
      const result = await exchange(pair, action, { type: SETTINGS });
      expect(errorOf(result)?.code).toBe(ErrorCode.OutOfSequence);
      expect(driver.calls).toEqual([]);
      host.destroy();
    });
  },
);

describe("watch account data (our extension) — the host alone", () => {
  it("refuses a watch before the session is established", async () => {
    const pair = createMemoryTransportPair();
    const driver = new RecordingDriver();
    const host = new WidgetHost({
      widgetId: WIDGET_ID,
      transport: pair.host,
      driver,
      policy: approveCapabilities("all-requested"),
      logger: silentLogger,
    });
    const result = await exchange(pair, WATCH, { types: [SETTINGS] });
    expect(errorOf(result)?.code).toBe(ErrorCode.OutOfSequence);
    expect(driver.calls).toEqual([]);
    host.destroy();
  });
});
