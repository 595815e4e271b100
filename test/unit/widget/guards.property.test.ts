// The widget checks what the host sends with the hand-written readers of src/widget/guards.ts; the
// host and the action table keep valibot. For every half of an action the widget reads (the reply
// of a fromWidget action, the request of a toWidget one), this checks on generated values, mostly
// near-valid with one field broken, that both accept exactly the same values and produce the same
// output (unknown keys dropped or kept alike, absent optional keys left absent).
import fc from "fast-check";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import type { AnyActionDescriptor } from "../../../src/protocol/action.js";
import { ACTIONS } from "../../../src/protocol/table.js";
import * as widgetActions from "../../../src/widget/actions.js";
import { WIDGET_COPIES } from "./widget-copies.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

/** Values of every JSON and non-JSON kind, for a field that expects something else. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.string({ maxLength: 8 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
  fc.constant(new Map()),
  fc.constant(new Date(0)),
  fc.constant(Object.create(null) as object),
);

/** Mostly `arb`, sometimes junk. */
function noisy<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 6, arbitrary: arb }, { weight: 1, arbitrary: junk });
}

/** Strings, with the lengths either side of each bound. */
function str(max?: number, min = 0): fc.Arbitrary<unknown> {
  const bounds = [min, min - 1, ...(max === undefined ? [] : [max, max + 1])]
    .filter((length) => length >= 0)
    .map((length) => fc.constant("x".repeat(length)));
  return noisy(fc.oneof(fc.string({ maxLength: 12 }), ...bounds));
}

/** Arrays of `item`, with the lengths either side of `max` (filled with one generated item). */
function arr(item: fc.Arbitrary<unknown>, max?: number): fc.Arbitrary<unknown> {
  const short = fc.array(item, { maxLength: 4 });
  if (max === undefined) return noisy(short);
  const full = (length: number) => item.map((one) => Array.from({ length }, () => one));
  return noisy(fc.oneof({ weight: 30, arbitrary: short }, full(max), full(max + 1)));
}

const plainObject = noisy(
  fc.oneof(
    fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
    fc.constant(Object.create(null) as object),
  ),
);

/** Keys a shape does not name, including ones an object inherits and the three valibot never copies. */
const extraKeys = fc.dictionary(
  fc.constantFrom("extra", "toString", "constructor", "hasOwnProperty", "valueOf", "__proto__", "prototype"),
  fc.jsonValue({ maxDepth: 1 }),
  { maxKeys: 2 },
);

/**
 * Objects with the `required` and `optional` keys: usually all required ones present, sometimes
 * some missing; optional ones present or not (and then sometimes null or undefined); sometimes
 * extra keys.
 */
function obj(
  required: Record<string, fc.Arbitrary<unknown>>,
  optional: Record<string, fc.Arbitrary<unknown>> = {},
): fc.Arbitrary<unknown> {
  const nullishOptional = Object.fromEntries(
    Object.entries(optional).map(([key, arb]) => [
      key,
      fc.oneof(arb, fc.constant(null), fc.constant(undefined)),
    ]),
  );
  const all = { ...required, ...nullishOptional };
  const whole = fc.record(all, { requiredKeys: Object.keys(required) });
  const partial = fc.record(all, { requiredKeys: [] });
  return noisy(
    fc
      .tuple(
        fc.oneof({ weight: 5, arbitrary: whole }, { weight: 1, arbitrary: partial }),
        fc.option(extraKeys),
      )
      .map(([base, extra]) => (extra ? { ...extra, ...base } : base)),
  );
}

function roomEvent(state: boolean): fc.Arbitrary<unknown> {
  const fields = {
    type: str(255, 1),
    event_id: str(255),
    room_id: str(255),
    sender: str(255),
    origin_server_ts: noisy(fc.oneof(fc.integer(), fc.double())),
    content: plainObject,
  };
  return state
    ? obj({ ...fields, state_key: str(2048) }, { unsigned: plainObject })
    : obj(fields, { state_key: str(2048), unsigned: plainObject });
}

const events = arr(roomEvent(false), 10_000);
const strings = arr(str());
const accountDataEvents = obj({ events: arr(obj({ type: str(), content: plainObject })) });
const anything = fc.oneof(junk, obj({}), extraKeys);

/** What the widget reads of each of its descriptors, by id: generated values for it. */
const READ: Record<string, fc.Arbitrary<unknown>> = {
  "supported_api_versions (fromWidget)": obj({ supported_versions: arr(str(256), 256) }),
  "supported_api_versions (toWidget)": anything,
  content_loaded: anything,
  capabilities: anything,
  notify_capabilities: obj({ requested: strings, approved: strings }),
  request_capabilities: anything,
  navigate: anything,
  user_directory_search: obj({
    limited: noisy(fc.boolean()),
    results: arr(obj({ user_id: str() }, { display_name: str(), avatar_url: str() })),
  }),
  mxid_share: anything,
  read_account_data: accountDataEvents,
  watch_account_data: anything,
  account_data_changed: accountDataEvents,
  "send_event (fromWidget)": obj({ room_id: str(255) }, { event_id: str(255), delay_id: str(255, 1) }),
  update_delayed_event: anything,
  read_events: obj({ events }),
  read_relations: obj({ chunk: events }, { next_batch: str(2048), prev_batch: str(2048) }),
  "send_event (toWidget)": roomEvent(false),
  update_state: obj({ state: arr(roomEvent(true), 10_000) }),
};

const table: Record<string, AnyActionDescriptor> = ACTIONS;

describe("the widget's readers agree with the action table's valibot schemas", () => {
  for (const { name, copy, row } of WIDGET_COPIES) {
    const half = row?.direction === "fromWidget" ? "response" : "request";
    it(`${row?.id ?? name}: the ${half} is accepted and read alike`, () => {
      expect(row, `no table row for ${name}`).toBeDefined();
      const reference = table[row!.id]![half];
      const ours = copy[half];
      const values = READ[row!.id];
      expect(values, `no generator for ${row!.id}`).toBeDefined();
      let accepted = 0;
      let refused = 0;
      fc.assert(
        fc.property(values!, (value) => {
          const expected = v.safeParse(reference, value);
          const got = ours["~run"]({ value }, {}) as { value?: unknown; issues?: unknown[] };
          expect(got.issues === undefined, JSON.stringify(expected.issues?.[0]?.message)).toBe(
            expected.success,
          );
          if (expected.success) {
            accepted++;
            expect(got.value).toStrictEqual(expected.output);
          } else {
            refused++;
            expect(got.issues?.length).toBeGreaterThan(0);
          }
        }),
        { numRuns: RUNS },
      );
      // Both outcomes were exercised, so agreement means something.
      expect(accepted).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
    });
  }

  it("valibot's own entry points read the widget's schemas the same way", () => {
    const reply = { events: [{ type: "a", content: {} }], extra: 1 };
    expect(v.safeParse(widgetActions.readAccountData.response, reply)).toMatchObject({
      success: true,
      output: { events: [{ type: "a", content: {} }] },
    });
    expect(v.safeParse(widgetActions.readAccountData.response, { events: [{ type: 1 }] }).success).toBe(
      false,
    );
  });
});
