// Driver faults, operation by operation: every driver operation the four proposals use (search,
// profile lookup, account-data read and watch, navigate, invite, DM creation) is made to reject,
// throw synchronously, never settle, and answer with malformed data. Each time the widget gets
// exactly one reply with the expected code; a hanging operation is cut off after driverTimeoutMs;
// share operations, which run after the widget's ack, report their failure to the host app.
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../../src/protocol/errors.js";
import type { Dialect } from "../../../src/protocol/envelope.js";
import { faults, type DriverOp, type Fault } from "../../support/recording-driver.js";
import {
  ALL_CAPS,
  DIALECTS,
  ask,
  codeOf,
  expectNoUnhandledRejection,
  flush,
  openFuzzHost,
  watchUnhandledRejections,
  type FuzzHost,
} from "./support.js";

watchUnhandledRejections();

/** Small, so that the "never settles" cases are quick; the widget's own timeout is 10 s. */
const DRIVER_TIMEOUT_MS = 40;

const open: FuzzHost[] = [];
afterEach(() => {
  for (const fuzz of open.splice(0)) fuzz.close();
});

async function session(
  dialect: Dialect,
  op: DriverOp,
  fault: Fault,
  shareDecision?: "invite" | "create_dm" | "dismiss",
) {
  const fuzz = await openFuzzHost({
    dialect,
    ready: true,
    grant: ALL_CAPS,
    limits: { driverTimeoutMs: DRIVER_TIMEOUT_MS },
    shareDecision: { action: shareDecision ?? "dismiss" },
  });
  open.push(fuzz);
  fuzz.driver.fail(op, fault);
  return fuzz;
}

/** Sends one request, waiting long enough for a hanging driver call to be cut off; returns its replies and the time taken. */
async function timed(fuzz: FuzzHost, action: string, data: Record<string, unknown>, hang: boolean) {
  const started = Date.now();
  const replies = await ask(fuzz, action, data, hang ? { waitMs: DRIVER_TIMEOUT_MS + 30 } : {});
  return { replies, elapsed: Date.now() - started };
}

interface Case {
  op: DriverOp;
  action: string;
  data: Record<string, unknown>;
  /** What the host says it was doing, as in its error messages. */
  doing: string;
  /** Malformed answers, and the reply each must produce. */
  malformed: Array<{ value: unknown; code: string | undefined; message?: string }>;
}

const REQUEST_CASES: Case[] = [
  {
    op: "searchUserDirectory",
    action: "org.matrix.msc3973.user_directory_search",
    data: { search_term: "al" },
    doing: "searching the user directory",
    malformed: [
      ...[
        undefined,
        null,
        "x",
        42,
        {},
        { results: "no" },
        { results: [null] },
        { results: [{ userId: 5 }] },
        { results: [{}] },
      ].map((value) => ({
        value,
        code: ErrorCode.Internal,
        message: "The client returned a malformed directory result",
      })),
      // Odd but usable: a non-boolean `limited` and junk decoration are dropped, not relayed.
      {
        value: { limited: "yes", results: [{ userId: "@a:example.org", displayName: 5, avatarUrl: {} }] },
        code: undefined,
      },
    ],
  },
  {
    op: "readAccountData",
    action: "org.matrix.msc3751.read_account_data",
    data: { type: "com.example.settings" },
    doing: "reading account data",
    malformed: [
      ...["x", 42, true, [1, 2]].map((value) => ({
        value,
        code: ErrorCode.Internal,
        message: "The client returned malformed account data",
      })),
      { value: { encrypted: { ciphertext: "c" } }, code: ErrorCode.Refused },
      { value: null, code: undefined },
      { value: undefined, code: undefined },
    ],
  },
  {
    op: "navigate",
    action: "org.matrix.msc2931.navigate",
    data: { uri: "https://matrix.to/#/#room:example.org" },
    doing: "navigating",
    // Whatever navigate resolves with is ignored.
    malformed: [42, "x", { roomId: 5 }, null].map((value) => ({ value, code: undefined })),
  },
];

describe.each(DIALECTS)(
  "driver faults (%s): each operation, each way of failing, exactly one reply",
  (dialect) => {
    for (const c of REQUEST_CASES) {
      describe(c.op, () => {
        it("rejects: one internal_error reply that does not relay the driver's message", async () => {
          const fuzz = await session(dialect, c.op, faults.reject("internal detail"));
          const { replies } = await timed(fuzz, c.action, c.data, false);
          expect(replies).toEqual([
            { error: { message: `Unexpected error while ${c.doing}`, code: ErrorCode.Internal } },
          ]);
          expectNoUnhandledRejection();
        });

        it("throws synchronously: one internal_error reply", async () => {
          const fuzz = await session(dialect, c.op, faults.throwSync("internal detail"));
          const { replies } = await timed(fuzz, c.action, c.data, false);
          expect(replies).toEqual([
            { error: { message: `Unexpected error while ${c.doing}`, code: ErrorCode.Internal } },
          ]);
        });

        it("fails at the homeserver: one homeserver_error reply with matrix_api_error", async () => {
          const fuzz = await session(dialect, c.op, faults.rateLimited(1500));
          const { replies } = await timed(fuzz, c.action, c.data, false);
          expect(replies).toHaveLength(1);
          expect(replies[0]?.error).toMatchObject({
            code: ErrorCode.HomeserverError,
            matrix_api_error: {
              http_status: 429,
              response: { errcode: "M_LIMIT_EXCEEDED", retry_after_ms: 1500 },
            },
          });
        });

        it(`never settles: one timeout reply once driverTimeoutMs (${DRIVER_TIMEOUT_MS} ms) has passed`, async () => {
          const fuzz = await session(dialect, c.op, faults.hang());
          const { replies, elapsed } = await timed(fuzz, c.action, c.data, true);
          expect(replies).toEqual([
            { error: { message: `The client did not finish ${c.doing} in time`, code: ErrorCode.Timeout } },
          ]);
          expect(elapsed).toBeGreaterThanOrEqual(DRIVER_TIMEOUT_MS - 1);
        });

        it("answers malformed data: one reply, an error or a sanitised answer", async () => {
          for (const { value, code, message } of c.malformed) {
            const fuzz = await session(dialect, c.op, faults.malformed(value));
            const { replies } = await timed(fuzz, c.action, c.data, false);
            expect(replies, JSON.stringify(value)).toHaveLength(1);
            expect(codeOf(replies[0]), JSON.stringify(value)).toBe(code);
            if (message) expect((replies[0]?.error as { message: string }).message).toBe(message);
            if (code === undefined && c.op === "searchUserDirectory") {
              expect(replies[0]).toEqual({ limited: false, results: [{ user_id: "@a:example.org" }] });
            }
          }
        });
      });
    }

    describe("watchAccountData (synchronous)", () => {
      const watch = {
        action: "dev.matrix_widget_kit.watch_account_data",
        data: { types: ["com.example.settings"] },
      };
      for (const [name, fault] of [
        ["throws", faults.throwSync("internal detail")],
        ["rejects (for a synchronous operation: throws)", faults.reject("internal detail")],
      ] as const) {
        it(`${name}: one internal_error reply, and a later watch subscribes again`, async () => {
          const fuzz = await session(dialect, "watchAccountData", fault);
          fuzz.driver.fail("watchAccountData", fault, 1);
          const { replies } = await timed(fuzz, watch.action, watch.data, false);
          expect(replies).toEqual([
            { error: { message: `Error while handling ${watch.action}`, code: ErrorCode.Internal } },
          ]);
          expect((await timed(fuzz, watch.action, watch.data, false)).replies).toEqual([{}]);
          expect(fuzz.driver.activeWatchers).toBe(1);
        });
      }

      it("never returns (hang does not apply): the watch is set up and acknowledged", async () => {
        const fuzz = await session(dialect, "watchAccountData", faults.hang());
        expect((await timed(fuzz, watch.action, watch.data, false)).replies).toEqual([{}]);
      });

      it("returns something other than a stop function: acknowledged, and the session still ends cleanly", async () => {
        for (const value of [42, null, "stop", {}]) {
          const fuzz = await session(dialect, "watchAccountData", faults.malformed(value));
          expect((await timed(fuzz, watch.action, watch.data, false)).replies, String(value)).toEqual([{}]);
          fuzz.pair.reloadWidget();
          await flush();
          expect(fuzz.host.state).not.toBe("ready");
          expectNoUnhandledRejection();
        }
      });
    });

    describe("getProfile (mxid share: after the ack, the prompt falls back to the widget's claim)", () => {
      const share = {
        action: "mxid_share",
        data: { users: [{ user_id: "@alice:example.org", display_name: "Claimed" }] },
      };
      for (const [name, fault, hang] of [
        ["rejects", faults.reject(), false],
        ["throws", faults.throwSync(), false],
        ["fails at the homeserver", faults.notFound(), false],
        ["never settles", faults.hang(), true],
      ] as const) {
        it(`${name}: one ack, and the prompt shows the user unverified${hang ? " after driverTimeoutMs" : ""}`, async () => {
          const fuzz = await session(dialect, "getProfile", fault);
          const sentAt = Date.now();
          const { replies } = await timed(fuzz, share.action, share.data, hang);
          expect(replies).toEqual([{}]);
          await flush();
          expect(fuzz.shareRequests).toHaveLength(1);
          const shown = fuzz.shareRequests[0];
          expect(shown?.request.users).toEqual([
            {
              userId: "@alice:example.org",
              verified: false,
              claimed: { displayName: "Claimed" },
              displayName: "Claimed",
            },
          ]);
          if (hang) expect((shown?.at ?? 0) - sentAt).toBeGreaterThanOrEqual(DRIVER_TIMEOUT_MS - 1);
        });
      }

      it("answers malformed data: one ack; the malformed fields are not shown", async () => {
        for (const value of [null, "x", 42, { displayName: 5, avatarUrl: [] }]) {
          const fuzz = await session(dialect, "getProfile", faults.malformed(value));
          expect((await timed(fuzz, share.action, share.data, false)).replies).toEqual([{}]);
          await flush();
          const user = fuzz.shareRequests[0]?.request.users[0];
          expect(user?.userId).toBe("@alice:example.org");
          expect(user?.displayName, JSON.stringify(value)).toBeUndefined();
        }
      });
    });

    for (const [op, decision, doing] of [
      ["inviteUsers", "invite", "inviting users"],
      ["createDirectMessage", "create_dm", "creating a direct message"],
    ] as const) {
      describe(`${op} (mxid share: after the user's decision)`, () => {
        const share = { action: "mxid_share", data: { users: [{ user_id: "@alice:example.org" }] } };
        for (const [name, fault, expected] of [
          ["rejects", faults.reject("internal detail"), `Unexpected error while ${doing}`],
          ["throws", faults.throwSync("internal detail"), `Unexpected error while ${doing}`],
          ["fails at the homeserver", faults.forbidden(), `The homeserver refused ${doing}: M_FORBIDDEN`],
          ["never settles", faults.hang(), `The client did not finish ${doing} in time`],
        ] as const) {
          it(`${name}: one ack to the widget, and the failure goes to the host app`, async () => {
            const fuzz = await session(dialect, op, fault, decision);
            const hang = fault.kind === "hang";
            const { replies } = await timed(fuzz, share.action, share.data, hang);
            expect(replies).toEqual([{}]);
            await flush();
            expect(fuzz.driver.callsOf(op)).toHaveLength(1);
            expect(fuzz.shareOutcomes).toEqual([{ widget: { widgetId: "test-widget" }, error: expected }]);
          });
        }

        it("answers malformed data: the share counts as done", async () => {
          const fuzz = await session(dialect, op, faults.malformed(42), decision);
          expect((await timed(fuzz, share.action, share.data, false)).replies).toEqual([{}]);
          await flush();
          expect(fuzz.shareOutcomes).toEqual([
            { widget: { widgetId: "test-widget" }, decision: { action: decision } },
          ]);
        });
      });
    }
  },
);
