// Property tests of what reaches the widget: toWidget requests of any shape (I1, I2, I4), and
// replies to the widget's own requests with any ID, action and body (scenario 10): only the
// matching reply settles a call, exactly once, and everything else is ignored.
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { defineHostAction } from "../../../src/host/registry.js";
import { wireNamesIn } from "../../../src/protocol/action.js";
import { isPlainObject, type Dialect, type WidgetMessage } from "../../../src/protocol/envelope.js";
import { ACTION_TABLE } from "../../../src/protocol/table.js";
import { ErrorCode, WidgetApiError } from "../../../src/protocol/errors.js";
import { CLIENT_KINDS, connect, type WidgetClientKind } from "../../support/memory-session.js";
import {
  FROM_WIDGET_NAMES,
  PROTOTYPE_NAMES,
  TO_WIDGET_NAMES,
  WIDGET_ID,
  anyData,
  anyWireValue,
  boundaryVerdict,
  dataFor,
  expectNoUnhandledRejection,
  expectPrototypesUnchanged,
  flush,
  fuzzParams,
  fuzzTimeout,
  holdAction,
  asMsc4412,
  isAnswerableRequest,
  isCloneable,
  nastyString,
  repliesById,
  testIdOf,
  snapshotPrototypes,
  watchUnhandledRejections,
  wrongFieldValue,
} from "./support.js";

watchUnhandledRejections();

/** The toWidget names an MSC4412 widget knows: the host-initiated ones are dropped. */
const TO_WIDGET_NAMES_MSC4412: readonly string[] = ACTION_TABLE.filter(
  (action) => action.direction === "toWidget",
).flatMap((action) => wireNamesIn(action, "msc4412"));

type Connected = Awaited<ReturnType<typeof connect>>;

/** A host and widget in memory; the host serves the hold action so that widget calls stay pending. */
async function openWidget(kind: WidgetClientKind, dialect: Dialect = "classic") {
  const releases: Array<() => void> = [];
  const connected = await connect({
    client: kind,
    widget: { protocol: dialect },
    host: {
      actions: [
        defineHostAction({
          action: holdAction,
          handle: () => new Promise<Record<string, never>>((resolve) => releases.push(() => resolve({}))),
        }),
      ],
    },
  });
  const fromWidget: unknown[] = [];
  connected.pair.host.subscribe((message) => fromWidget.push(message));
  return { ...connected, fromWidget, release: () => releases.splice(0).forEach((r) => r()) };
}

let counter = 0;
const ABSENT = Symbol("absent");

/** The session a property run has open, destroyed after a failed run. */
let open: Connected | undefined;
afterEach(() => {
  open?.client.destroy();
  open?.host.destroy();
  open = undefined;
});

const toWidgetMessage = fc
  .record({
    api: fc.oneof(
      { weight: 10, arbitrary: fc.constant<unknown>("toWidget") },
      { weight: 1, arbitrary: wrongFieldValue },
    ),
    widgetId: fc.oneof(
      { weight: 10, arbitrary: fc.constant<unknown>(WIDGET_ID) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>("other", "", ABSENT) },
    ),
    requestId: fc.oneof(
      { weight: 10, arbitrary: fc.constant<unknown>(undefined) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>("", "x".repeat(513), ABSENT, 7, null) },
    ),
    action: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...TO_WIDGET_NAMES) },
      { weight: 1, arbitrary: fc.constantFrom(...FROM_WIDGET_NAMES) },
      { weight: 2, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES) },
      { weight: 1, arbitrary: nastyString },
    ),
    raw: fc.boolean(),
  })
  .chain((fields) => dataFor(fields.action).map((data) => ({ ...fields, data })));

/**
 * I1 I2 I4 for one client and dialect: every answerable toWidget request gets exactly one reply,
 * and nothing else is answered.
 */
async function everyAnswerableRequestAnsweredOnce(kind: WidgetClientKind, dialect: Dialect): Promise<void> {
  const known = dialect === "classic" ? TO_WIDGET_NAMES : TO_WIDGET_NAMES_MSC4412;
  await fc.assert(
    fc.asyncProperty(fc.array(toWidgetMessage, { minLength: 1, maxLength: 10 }), async (plans) => {
      const prototypes = snapshotPrototypes();
      const session = await openWidget(kind, dialect);
      open = session;
      const start = session.fromWidget.length;
      const answerable: Array<Record<string, unknown>> = [];
      for (const plan of plans) {
        const message: Record<string, unknown> = {};
        for (const [key, value] of Object.entries({
          api: plan.api,
          widgetId: plan.widgetId,
          requestId: plan.requestId === undefined ? `tw-${++counter}` : plan.requestId,
          action: plan.action,
          data: plan.data,
        })) {
          if (value !== ABSENT) message[key] = value;
        }
        const written =
          dialect === "classic" ? message : (asMsc4412(message, "toWidget") as Record<string, unknown>);
        let delivered: unknown = written;
        if (!plan.raw && isCloneable(written)) {
          session.pair.host.send(written as never);
          delivered = structuredClone(written);
        } else {
          expect(() => session.pair.widget.receive(written)).not.toThrow();
        }
        if (isAnswerableRequest(delivered, "toWidget", dialect))
          answerable.push(delivered as Record<string, unknown>);
      }
      await flush();
      const replies = repliesById(session.fromWidget.slice(start));
      const ids = new Set(answerable.map((m) => testIdOf(m.requestId as string)));
      expect(
        [...replies.keys()].filter((id) => !ids.has(id)),
        "replies to unanswerable messages",
      ).toEqual([]);
      for (const request of answerable) {
        const got = replies.get(testIdOf(request.requestId as string)) ?? [];
        expect(got, `replies to ${String(request.action)}`).toHaveLength(1);
        const reply = got[0] as WidgetMessage & { response: Record<string, unknown> };
        expect(reply).toMatchObject(
          dialect === "classic"
            ? { api: "toWidget", widgetId: WIDGET_ID, action: request.action }
            : { source: "widget", version: "v1", action: request.action },
        );
        expect(isPlainObject(reply.response)).toBe(true);
        const error = reply.response.error as { code?: unknown } | undefined;
        const body =
          dialect === "msc4412" && Object.hasOwn(request, "request") ? request.request : request.data;
        if (!isPlainObject(body)) expect(error?.code).toBe(ErrorCode.InvalidRequest);
        // Only WidgetClient walks the whole message: the lite client does not refuse a non-JSON
        // value in a field no schema reads (one a schema reads is refused by the schema).
        else if (kind === "WidgetClient" && boundaryVerdict(request, undefined) === "type")
          expect(error?.code).toBe(ErrorCode.InvalidRequest);
        else if (!known.includes(request.action as string)) expect(error?.code).toBe(ErrorCode.UnknownAction);
        else expect(error?.code, JSON.stringify(reply.response)).not.toBe(ErrorCode.Internal);
      }
      expect(session.client.pendingRequestCount).toBe(0);
      expectNoUnhandledRejection();
      expectPrototypesUnchanged(prototypes);
      session.client.destroy();
      session.host.destroy();
      open = undefined;
    }),
    fuzzParams(120),
  );
}

describe.each(CLIENT_KINDS)("fuzz: hostile host → widget (%s)", (kind) => {
  it(
    "I1 I2 I4: every answerable toWidget request gets exactly one reply, and nothing else is answered (classic)",
    () => everyAnswerableRequestAnsweredOnce(kind, "classic"),
    fuzzTimeout(30_000),
  );

  it(
    "scenario 10: only a reply with the pending ID, the same action and the fromWidget direction settles a call, once",
    async () => {
      const forgedReply = fc.record({
        id: fc.constantFrom("pending", "other", "stale"),
        action: fc.constantFrom("same", "other"),
        api: fc.constantFrom("fromWidget", "toWidget"),
        response: fc.oneof(
          anyData,
          fc.record({
            error: fc.oneof(anyWireValue, fc.record({ message: nastyString, code: nastyString })),
          }),
        ),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(forgedReply, { minLength: 1, maxLength: 8 }), async (forged) => {
          const session = await openWidget(kind);
          open = session;
          // A call that completed already, so its ID is "stale", and one the host holds.
          const staleCall = session.client.request(holdAction, {});
          await flush();
          session.release();
          await staleCall;
          const call = session.client.request(holdAction, {});
          let outcome: { ok: boolean; value: unknown } | undefined;
          let settlements = 0;
          call.then(
            (value) => ((outcome = { ok: true, value }), settlements++),
            (error: unknown) => ((outcome = { ok: false, value: error }), settlements++),
          );
          await flush();
          const requests = session.pair.widget.sent.filter(
            (m) => m.action === holdAction.stable && !("response" in m),
          );
          const stale = requests.at(-2) as WidgetMessage;
          const pending = requests.at(-1) as WidgetMessage;
          let expected: { ok: boolean; response: unknown } | undefined;
          for (const reply of forged) {
            const requestId =
              reply.id === "pending" ? pending.requestId : reply.id === "stale" ? stale.requestId : "nope";
            const action = reply.action === "same" ? holdAction.stable : "dev.fuzz.other";
            const message = {
              api: reply.api,
              widgetId: WIDGET_ID,
              requestId,
              action,
              data: {},
              response: reply.response,
            };
            if (!isCloneable(message)) continue;
            session.pair.host.send(message as never);
            const matches = reply.id === "pending" && reply.action === "same" && reply.api === "fromWidget";
            if (matches && expected === undefined)
              expected = {
                ok:
                  !WidgetApiError.fromResponse(structuredClone(reply.response)) &&
                  isPlainObject(structuredClone(reply.response)),
                response: reply.response,
              };
          }
          await flush();
          if (expected === undefined) {
            expect(settlements, "a call settled by a non-matching reply").toBe(0);
            expect(session.client.pendingRequestCount).toBe(1);
            session.release();
            await flush();
            expect(outcome?.ok).toBe(true);
          } else {
            expect(settlements).toBe(1);
            expect(outcome?.ok, JSON.stringify(expected.response)).toBe(expected.ok);
            if (!expected.ok) expect(outcome?.value).toBeInstanceOf(WidgetApiError);
            // The host's real reply, arriving afterwards, changes nothing.
            session.release();
            await flush();
          }
          expect(settlements).toBe(1);
          expect(session.client.pendingRequestCount).toBe(0);
          expectNoUnhandledRejection();
          session.client.destroy();
          session.host.destroy();
          open = undefined;
        }),
        fuzzParams(100),
      );
    },
    fuzzTimeout(30_000),
  );

  it("the client sees no handler for prototype names and is still usable afterwards", async () => {
    const session = await openWidget(kind);
    open = session;
    const prototypes = snapshotPrototypes();
    for (const action of PROTOTYPE_NAMES) {
      session.pair.host.send({
        api: "toWidget",
        widgetId: WIDGET_ID,
        requestId: `p-${action}`,
        action,
        data: {},
      });
    }
    await flush();
    const replies = repliesById(session.fromWidget);
    for (const action of PROTOTYPE_NAMES) {
      expect(replies.get(`p-${action}`)?.map((r) => (r as { response: unknown }).response)).toEqual([
        { error: { message: `Unknown or unsupported action: ${action}`, code: ErrorCode.UnknownAction } },
      ]);
    }
    expectPrototypesUnchanged(prototypes);
    const call = session.client.request(holdAction, {});
    await flush();
    session.release();
    await expect(call).resolves.toEqual({});
  });
});

// MSC4412 is WidgetClient's alone: the same plans written as an MSC4412 host would write them.
describe("fuzz: hostile host → widget (WidgetClient only)", () => {
  it(
    "I1 I2 I4: every answerable toWidget request gets exactly one reply, and nothing else is answered (msc4412)",
    () => everyAnswerableRequestAnsweredOnce("WidgetClient", "msc4412"),
    fuzzTimeout(30_000),
  );
});
