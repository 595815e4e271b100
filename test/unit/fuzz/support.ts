// Shared pieces of the fuzz suite: run settings (FUZZ_RUNS / FUZZ_SEED), the invariant checks that
// every property repeats (I1 no throw and no unhandled rejection, I2 one reply per accepted
// request, I3 no driver call without the capability, I4 untouched built-in prototypes, I6 bounded
// maps), a session builder over the in-memory transport, and the arbitraries the properties share.
import { appendFileSync } from "node:fs";
import fc from "fast-check";
import * as v from "valibot";
import { expect } from "vitest";
import type { Logger } from "../../../src/core/logger.js";
import { silentLogger } from "../../../src/core/logger.js";
import type { HostLimits } from "../../../src/host/limits.js";
import type { HostPolicy, ShareDecision, ShareOutcome, ShareRequest } from "../../../src/host/policy.js";
import { defineHostAction } from "../../../src/host/registry.js";
import { WidgetHost } from "../../../src/host/widget-host.js";
import { classifyAccountDataType } from "../../../src/matrix/account-data.js";
import { isValidUserId } from "../../../src/matrix/identifiers.js";
import { defineAction, wireNames, type AnyActionDescriptor } from "../../../src/protocol/action.js";
import { MAX_ID_LENGTH, type Dialect, type WidgetMessage } from "../../../src/protocol/envelope.js";
import { uuidV4 } from "../../../src/core/request-ids.js";
import { ACTION_TABLE } from "../../../src/protocol/table.js";
import { createMemoryTransportPair, type MemoryTransportPair } from "../../../src/transport/memory.js";
import { WidgetClient } from "../../../src/widget/widget-client.js";
import { drainMemoryChannels, WIDGET_ID } from "../../support/memory-session.js";
import { RecordingDriver, type DriverOp } from "../../support/recording-driver.js";

export { WIDGET_ID };

// ---- run settings ------------------------------------------------------------------------------

/** The seed every property uses unless FUZZ_SEED says otherwise, so a plain run is reproducible. */
export const DEFAULT_SEED = 20_240_917;

function envInteger(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return value;
}

/** FUZZ_RUNS, when set: the number of runs of every light property. */
export const FUZZ_RUNS = envInteger("FUZZ_RUNS");
/** FUZZ_SEED, when set: the seed of every property. */
export const FUZZ_SEED = envInteger("FUZZ_SEED") ?? DEFAULT_SEED;

/**
 * FUZZ_PLAN, when set (by `npm run fuzz`, scripts/fuzz.mjs): JSON `{ scale, runs }`. `runs` maps a
 * part of a property's full test name to its number of runs (the first key found in the name
 * wins); a property not named there runs `scale` times
 * its default (heavy ones a thousandth of that, at least their default). It overrides FUZZ_RUNS.
 */
interface FuzzPlan {
  scale: number;
  runs: Record<string, number>;
}

function readPlan(): FuzzPlan | undefined {
  const raw = process.env["FUZZ_PLAN"];
  if (raw === undefined || raw.trim() === "") return undefined;
  const plan = JSON.parse(raw) as Partial<FuzzPlan>;
  if (typeof plan.scale !== "number" || !(plan.scale > 0))
    throw new Error("FUZZ_PLAN needs a positive scale");
  return { scale: plan.scale, runs: plan.runs ?? {} };
}
const FUZZ_PLAN = readPlan();

/** Whether the suite was asked to run longer than its defaults. */
export const LONG_RUN = FUZZ_RUNS !== undefined || FUZZ_PLAN !== undefined;

/**
 * FUZZ_COUNT_FILE, when set: every property appends one JSON line to it when it ends, with its
 * test name, the runs fast-check executed (one run is one generated input), whether it failed and
 * how long it took, so that `npm run fuzz` counts what ran rather than what was asked for.
 */
const COUNT_FILE = process.env["FUZZ_COUNT_FILE"];

function currentTestName(): string {
  return expect.getState().currentTestName ?? "(unknown test)";
}

/**
 * fast-check parameters for one property. `defaultRuns` applies to a plain `npm test`; FUZZ_RUNS
 * replaces it, and FUZZ_PLAN replaces both. Heavy properties (megabyte payloads) pass `heavy`, so
 * that a long run scales them down by 1000 rather than building 100 000 ten-megabyte messages.
 */
export function fuzzParams<T>(defaultRuns: number, options: { heavy?: boolean } = {}): fc.Parameters<T> {
  const name = currentTestName();
  let numRuns = defaultRuns;
  const planned = FUZZ_PLAN
    ? Object.entries(FUZZ_PLAN.runs).find(([key]) => name.includes(key))?.[1]
    : undefined;
  if (planned !== undefined) {
    numRuns = planned;
  } else if (FUZZ_PLAN !== undefined) {
    const scaled = Math.ceil(defaultRuns * FUZZ_PLAN.scale);
    numRuns = options.heavy ? Math.max(defaultRuns, Math.ceil(scaled / 1000)) : scaled;
  } else if (FUZZ_RUNS !== undefined) {
    numRuns = options.heavy ? Math.max(defaultRuns, Math.ceil(FUZZ_RUNS / 1000)) : FUZZ_RUNS;
  }
  const parameters: fc.Parameters<T> = { numRuns, seed: FUZZ_SEED };
  if (COUNT_FILE !== undefined) {
    const started = Date.now();
    // A custom reporter replaces fast-check's, so it must throw on failure as fast-check would.
    parameters.reporter = (details) => {
      const line = {
        test: name,
        runs: details.numRuns,
        failed: details.failed,
        seed: details.seed,
        ms: Date.now() - started,
      };
      appendFileSync(COUNT_FILE, `${JSON.stringify(line)}\n`);
      if (details.failed) throw new Error(fc.defaultReportMessage(details), { cause: details.errorInstance });
    };
  }
  return parameters;
}

/** Per-test timeout: generous for the bounded default runs, unlimited in practice for long runs. */
export function fuzzTimeout(defaultMs: number): number {
  return LONG_RUN ? 24 * 60 * 60 * 1000 : defaultMs;
}

// ---- I1: nothing escapes ---------------------------------------------------------------------

const unhandled: unknown[] = [];
let listening = false;

/**
 * Starts recording unhandled promise rejections of this worker (vitest reports them too, but only
 * after the file ends and without saying which input caused them). Call once per file.
 */
export function watchUnhandledRejections(): void {
  if (listening) return;
  listening = true;
  process.on("unhandledRejection", (reason) => {
    unhandled.push(reason);
    if (process.env.FUZZ_DEBUG) console.log("UNHANDLED", (reason as Error).stack);
  });
}

/** I1: asserts that no rejection went unhandled since the last call, and forgets what was seen. */
export function expectNoUnhandledRejection(): void {
  const seen = unhandled.splice(0);
  expect(
    seen.map((reason) => (reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason))),
    "unhandled rejections",
  ).toEqual([]);
}

/**
 * Lets every queued microtask, and the ones they queue, run: a few macrotask turns, then as many
 * more as the in-memory messages on their way need (each is a task of its own).
 */
export async function flush(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  await drainMemoryChannels();
}

// ---- I4: built-in prototypes -----------------------------------------------------------------

const PROTOTYPES: ReadonlyArray<[string, object]> = [
  ["Object.prototype", Object.prototype],
  ["Array.prototype", Array.prototype],
  ["Function.prototype", Function.prototype],
  ["String.prototype", String.prototype],
];

interface PrototypeSnapshot {
  name: string;
  proto: object | null;
  extensible: boolean;
  keys: Array<string | symbol>;
  descriptors: PropertyDescriptor[];
}

/** Takes a snapshot of the own properties (with their descriptors) of the four built-in prototypes. */
export function snapshotPrototypes(): PrototypeSnapshot[] {
  return PROTOTYPES.map(([name, target]) => {
    const keys = Reflect.ownKeys(target);
    return {
      name,
      proto: Object.getPrototypeOf(target) as object | null,
      extensible: Object.isExtensible(target),
      keys,
      descriptors: keys.map((key) => Object.getOwnPropertyDescriptor(target, key) as PropertyDescriptor),
    };
  });
}

/** I4: asserts that the prototypes look exactly as in `before` (same keys, same values by identity). */
export function expectPrototypesUnchanged(before: PrototypeSnapshot[]): void {
  const after = snapshotPrototypes();
  const changes: string[] = [];
  for (const [i, was] of before.entries()) {
    const now = after[i] as PrototypeSnapshot;
    if (now.proto !== was.proto) changes.push(`the prototype of ${was.name}`);
    if (now.extensible !== was.extensible) changes.push(`the extensibility of ${was.name}`);
    const keys = new Set([...was.keys, ...now.keys]);
    for (const key of keys) {
      const old = was.descriptors[was.keys.indexOf(key)];
      const current = now.descriptors[now.keys.indexOf(key)];
      if (old === undefined || current === undefined) {
        changes.push(`${was.name}.${String(key)} was ${old === undefined ? "added" : "removed"}`);
        continue;
      }
      for (const field of ["value", "get", "set", "writable", "enumerable", "configurable"] as const) {
        if (!Object.is(old[field], current[field])) changes.push(`${was.name}.${String(key)} (${field})`);
      }
    }
  }
  expect(changes, "changes to built-in prototypes").toEqual([]);
}

// ---- names and capabilities ------------------------------------------------------------------

/** Capability strings the fuzz sessions may be granted (unstable spellings, as our widget sends). */
export const CAP = {
  navigate: "org.matrix.msc2931.navigate",
  search: "org.matrix.msc3973.user_directory_search",
  share: "uk.half-shot.msc3662.mxid_share",
  readSettings: "org.matrix.msc3751.read.account_data:com.example.settings",
  readSecretLike: "org.matrix.msc3751.read.account_data:com.example.secret",
  readDirect: "org.matrix.msc3751.read.account_data:m.direct",
} as const;
export const ALL_CAPS: readonly string[] = Object.values(CAP);

/** Every wire name of the action table, by direction. Read at import, so new actions join in. */
export const FROM_WIDGET_NAMES: readonly string[] = ACTION_TABLE.filter(
  (action) => action.direction === "fromWidget",
).flatMap((action) => [...wireNames(action)]);
export const TO_WIDGET_NAMES: readonly string[] = ACTION_TABLE.filter(
  (action) => action.direction === "toWidget",
).flatMap((action) => [...wireNames(action)]);
/** Names every object inherits: dispatch must not find a handler under any of them. */
export const PROTOTYPE_NAMES: readonly string[] = [
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "isPrototypeOf",
  "__defineGetter__",
  "prototype",
];

// ---- a session to fuzz -----------------------------------------------------------------------

/** A custom action that holds its in-flight slot until released; usable before the session. */
export const holdAction = defineAction({
  id: "fuzz.hold",
  direction: "fromWidget",
  stable: "dev.fuzz.hold",
  unstable: [],
  beforeSession: true,
  request: v.object({}),
  response: v.object({}),
  summary: "Held until the test releases it (fuzz fixture).",
});

/** A driver call that broke I3, with the reason. */
export interface I3Violation {
  op: DriverOp;
  args: unknown[];
  reason: string;
}

/**
 * How the request-ID rule classes a message the host received, judged from the wire alone at the
 * moment it arrived (docs/decisions.md, "A request ID is taken only while its request is in
 * flight"):
 * - `new`: an answerable request whose ID no unanswered request holds. It gets exactly one reply.
 * - `replay`: the same ID and action as a request still unanswered. It gets no reply of its own.
 * - `conflict`: the ID of a request still unanswered, with another action. It gets exactly one
 *   reply, `invalid_request`, at once.
 * - `unanswerable`: not a request the host can answer ({@link isAnswerableRequest}).
 */
export type ArrivalKind = "new" | "replay" | "conflict" | "unanswerable";

/** One message the host received, in the order it received them, with the replies it got. */
export interface Arrival {
  message: unknown;
  kind: ArrivalKind;
  /** The host's replies matched to this message by ID and action. */
  replies: WidgetMessage[];
}

/** What {@link openFuzzHost} returns. */
export interface FuzzHost {
  pair: MemoryTransportPair;
  host: WidgetHost;
  client: WidgetClient | undefined;
  driver: RecordingDriver;
  /** The base protocol the session speaks: the client's, which the host follows. */
  dialect: Dialect;
  /** Every message the widget end received from the host (replies and host requests), in order. */
  received: WidgetMessage[];
  /** Driver calls made without the capability or with an invalid argument. */
  i3: I3Violation[];
  /** Calls of the policy's approveCapabilities. */
  policyCalls: number;
  /** Share prompts the policy was shown: the user IDs of each. */
  sharePrompts: string[][];
  /** The same prompts in full, with when they were shown (Date.now()). */
  shareRequests: Array<{ request: ShareRequest; at: number }>;
  /** What the policy was told about each share's outcome. */
  shareOutcomes: ShareOutcome[];
  /** Every message the host received, classed by the request-ID rule, with its replies. */
  arrivals: Arrival[];
  /** Replies the host sent that answer no arrival: each breaks I2. */
  strayReplies: WidgetMessage[];
  /** The requestIds the held action ran for, in order. */
  heldIds: string[];
  /** Releases every held request. */
  releaseHeld(): void;
  close(): void;
}

/** Options of {@link openFuzzHost}. */
export interface FuzzHostOptions {
  /** The capabilities the policy grants when asked (the widget asks for all of ALL_CAPS). */
  grant: readonly string[];
  /** Whether to run the capability exchange first (true) or leave the host unstarted (false). */
  ready: boolean;
  /** What the user answers in share prompts. */
  shareDecision?: ShareDecision;
  limits?: Partial<HostLimits>;
  logger?: Logger;
  /**
   * Routes every driver result and policy answer through this, e.g. a fast-check scheduler's
   * `schedule`, so that their order of completion is explored.
   */
  defer?: <T>(label: string, value: Promise<T>) => Promise<T>;
  /** Awaits the client's creation, e.g. a scheduler's `waitFor`, when `defer` holds things back. */
  waitFor?: <T>(value: Promise<T>) => Promise<T>;
  /** The protocol the client speaks (default classic); raw requests of {@link ask} follow it. */
  dialect?: Dialect;
}

/**
 * A host with a recording driver whose every call is checked against I3 when it is made: the
 * session must be ready, the capability granted, and the argument well formed.
 */
export async function openFuzzHost(options: FuzzHostOptions): Promise<FuzzHost> {
  const pair = createMemoryTransportPair();
  const driver = new RecordingDriver();
  driver.profiles.set("@alice:example.org", { displayName: "Alice" });
  driver.accountData.set("com.example.settings", { theme: "dark" });
  driver.accountData.set("com.example.secret", { encrypted: { key: { ciphertext: "c" } } });
  driver.accountData.set("m.direct", { "@bob:example.org": ["!dm:example.org"] });
  driver.directoryResult = {
    limited: false,
    results: Array.from({ length: 80 }, (_, i) => ({ userId: `@user${i}:example.org` })),
  };
  const i3: I3Violation[] = [];
  let policyCalls = 0;
  const sharePrompts: string[][] = [];
  const shareRequests: Array<{ request: ShareRequest; at: number }> = [];
  const shareOutcomes: ShareOutcome[] = [];
  const held: Array<() => void> = [];
  const heldIds: string[] = [];
  // The driver checks read the host, which is created after them.
  const ref: { host?: WidgetHost } = {};
  const { defer } = options;

  const check = (op: DriverOp, args: unknown[], reason: string | undefined) => {
    if (reason !== undefined) i3.push({ op, args, reason });
  };
  const ready = () => ref.host?.state === "ready";
  const caps = () => ref.host?.capabilities;
  wrap(driver, "navigate", (target) => {
    if (!ready() || !caps()?.hasFixed("navigate")) return "navigate without the capability";
    if (
      typeof target !== "object" ||
      target === null ||
      typeof (target as { type?: unknown }).type !== "string"
    )
      return "navigate with an unparsed target";
    return undefined;
  });
  wrap(driver, "searchUserDirectory", (term, limit) => {
    if (!ready() || !caps()?.hasFixed("user_directory_search")) return "search without the capability";
    if (typeof term !== "string" || term.length > 1024) return "search with a bad term";
    if (
      limit !== undefined &&
      !(Number.isInteger(limit) && (limit as number) >= 0 && (limit as number) <= 50)
    )
      return `search with limit ${String(limit)}`;
    return undefined;
  });
  wrap(driver, "readAccountData", (type) => {
    if (!ready()) return "read before the session";
    if (typeof type !== "string" || !caps()?.canReadAccountData(type))
      return `read of ${String(type)} without the capability`;
    if (classifyAccountDataType(type) !== "ordinary") return `read of ${type}, which is not ordinary`;
    return undefined;
  });
  wrap(driver, "watchAccountData", () =>
    ready() && caps()?.canReadAccountData("com.example.settings")
      ? undefined
      : "watch without a readable type",
  );
  wrap(driver, "getProfile", (userId) => {
    // mxid_share needs no capability (MSC3662 names none): only a ready session.
    if (!ready()) return "profile lookup before the session";
    return isValidUserId(userId) ? undefined : `profile lookup of ${String(userId)}`;
  });
  const shareCheck = (users: unknown): string | undefined => {
    if (!ready()) return "share action before the session";
    if (!Array.isArray(users) || !users.every((u) => isValidUserId(u))) return "share action with bad users";
    return undefined;
  };
  wrap(driver, "inviteUsers", (_room, users) => shareCheck(users));
  wrap(driver, "createDirectMessage", (users) => shareCheck(users));

  function wrap(target: RecordingDriver, op: DriverOp, rule: (...args: unknown[]) => string | undefined) {
    const original = target[op] as ((...args: unknown[]) => unknown) | undefined;
    if (!original) return;
    (target as unknown as Record<string, unknown>)[op] = (...args: unknown[]) => {
      check(op, args, rule(...args));
      const result = original.apply(target, args);
      return defer && result instanceof Promise ? defer(`driver.${op}`, result) : result;
    };
  }

  const { arrivals, strayReplies } = recordArrivals(pair, options.dialect ?? "classic");
  const decision = options.shareDecision ?? { action: "dismiss" };
  const policy: HostPolicy = {
    approveCapabilities: ({ requested }) => {
      policyCalls++;
      const approved = requested.filter((capability) => options.grant.includes(capability));
      return defer ? defer("policy.approveCapabilities", Promise.resolve(approved)) : approved;
    },
    confirmShare: (request) => {
      sharePrompts.push(request.users.map((user) => user.userId));
      shareRequests.push({ request, at: Date.now() });
      return decision;
    },
    shareFinished: (outcome) => {
      shareOutcomes.push(outcome);
    },
  };
  const host = new WidgetHost({
    widgetId: WIDGET_ID,
    transport: pair.host,
    driver,
    policy,
    logger: options.logger ?? silentLogger,
    ...(options.limits ? { limits: options.limits } : {}),
    viewedRoomId: "!viewed:example.org",
    actions: [
      defineHostAction({
        action: holdAction,
        handle: (context) => {
          heldIds.push(context.requestId);
          return new Promise<Record<string, never>>((resolve) => held.push(() => resolve({})));
        },
      }),
    ],
  });
  let client: WidgetClient | undefined;
  if (options.ready) {
    const created = WidgetClient.create({
      widgetId: WIDGET_ID,
      transport: pair.widget,
      capabilities: [...ALL_CAPS],
      logger: silentLogger,
      protocol: options.dialect ?? "classic",
    });
    host.start();
    client = await (options.waitFor ? options.waitFor(created) : created);
    // The handshake's last messages (the acknowledgement of notify_capabilities) arrive before the
    // test starts recording. Not under a scheduler (`waitFor`): it decides what arrives when.
    if (!options.waitFor) await drainMemoryChannels();
  }
  const received: WidgetMessage[] = [];
  pair.widget.subscribe((message) => received.push(message as WidgetMessage));
  ref.host = host;
  const opened = host;
  return {
    pair,
    host: opened,
    client,
    driver,
    dialect: options.dialect ?? "classic",
    received,
    i3,
    get policyCalls() {
      return policyCalls;
    },
    sharePrompts,
    shareRequests,
    shareOutcomes,
    arrivals,
    strayReplies,
    heldIds,
    releaseHeld() {
      for (const release of held.splice(0)) release();
    },
    close() {
      client?.destroy();
      opened.destroy();
    },
  };
}

/**
 * Watches the host's end of the pair, before the host subscribes to it: classes every message the
 * host receives by the request-ID rule, and matches every reply the host sends to the message it
 * answers. The state is what the wire showed so far: an ID is open from the arrival of a `new`
 * request until a reply with its ID and action leaves the host.
 */
function recordArrivals(
  pair: MemoryTransportPair,
  dialect: Dialect,
): { arrivals: Arrival[]; strayReplies: WidgetMessage[] } {
  const arrivals: Arrival[] = [];
  const strayReplies: WidgetMessage[] = [];
  const open = new Map<string, Arrival>();
  const actionOf = (message: unknown) => (message as { action: string }).action;
  pair.host.subscribe((message) => {
    let kind: ArrivalKind = "unanswerable";
    let requestId = "";
    if (isAnswerableRequest(message, "fromWidget", dialect)) {
      requestId = (message as { requestId: string }).requestId;
      const holder = open.get(requestId);
      kind =
        holder === undefined ? "new" : actionOf(holder.message) === actionOf(message) ? "replay" : "conflict";
    }
    const arrival: Arrival = { message, kind, replies: [] };
    arrivals.push(arrival);
    if (kind === "new") open.set(requestId, arrival);
  });
  const send = pair.host.send.bind(pair.host);
  pair.host.send = (message: WidgetMessage) => {
    const isReply =
      dialect === "classic"
        ? message.api === "fromWidget"
        : (message as unknown as { source?: unknown }).source === "host";
    if (isReply && Object.hasOwn(message, "response")) {
      const holder = open.get(message.requestId);
      const answered =
        holder !== undefined && actionOf(holder.message) === message.action
          ? holder
          : arrivals.findLast(
              (arrival) =>
                arrival.kind === "conflict" &&
                arrival.replies.length === 0 &&
                (arrival.message as { requestId: string }).requestId === message.requestId &&
                actionOf(arrival.message) === message.action,
            );
      if (answered === holder) open.delete(message.requestId);
      if (answered) answered.replies.push(message);
      else strayReplies.push(message);
    }
    send(message);
  };
  return { arrivals, strayReplies };
}

// ---- both dialects -----------------------------------------------------------------------------

/** The base protocols the suites run in. */
export const DIALECTS: readonly Dialect[] = ["classic", "msc4412"];

/** MSC4412 request IDs are UUIDs: each test ID stands for one UUID, so tests keep their names. */
const uuidOfId = new Map<string, string>();
const idOfUuid = new Map<string, string>();

/** The UUID that stands for a test's request ID in MSC4412 (the same one every time). */
export function msc4412IdFor(requestId: string): string {
  let uuid = uuidOfId.get(requestId);
  if (uuid === undefined) {
    uuid = uuidV4();
    uuidOfId.set(requestId, uuid);
    idOfUuid.set(uuid, requestId);
  }
  return uuid;
}

/**
 * A classic envelope rewritten as the same message from an MSC4412 widget, for suites whose plans
 * are classic: `api` becomes `source`, `data` becomes `request`, a well-formed requestId becomes
 * the UUID standing for it, `version: "v1"` is added. What classic drops stays droppable: another
 * widget ID or a wrong `api` becomes a wrong `source`, a bad requestId stays bad (no UUID). The
 * object keeps its prototype (null or not) and every other own key. Anything without an own `api`
 * is returned as it is.
 */
export function asMsc4412(message: unknown, direction: "fromWidget" | "toWidget" = "fromWidget"): unknown {
  if (typeof message !== "object" || message === null || Array.isArray(message)) return message;
  const proto: unknown = Object.getPrototypeOf(message);
  if (proto !== Object.prototype && proto !== null) return message;
  if (!Object.hasOwn(message, "api")) return message;
  const source = message as Record<string, unknown>;
  const out = Object.create(proto as object | null) as Record<string, unknown>;
  for (const key of Reflect.ownKeys(source)) {
    if (typeof key !== "string" || ["api", "widgetId", "requestId", "data"].includes(key)) continue;
    Object.defineProperty(out, key, {
      value: source[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const addressed = source.api === direction && source.widgetId === WIDGET_ID;
  out.source = addressed ? (direction === "fromWidget" ? "widget" : "host") : "not-this-widget";
  if (Object.hasOwn(source, "requestId")) {
    const id = source.requestId;
    const wellFormed = typeof id === "string" && id.length >= 1 && id.length <= MAX_ID_LENGTH;
    out.requestId = wellFormed ? msc4412IdFor(id) : id;
  }
  if (Object.hasOwn(source, "data")) out.request = source.data;
  out.version = "v1";
  return out;
}

/** The test's name for a request ID seen on the wire (an MSC4412 UUID maps back to it). */
export function testIdOf(wireId: string): string {
  return idOfUuid.get(wireId) ?? wireId;
}

/**
 * A fromWidget request as a widget of the dialect writes it: classic `api`/`widgetId`/`data`, or
 * MSC4412 `source`/`request`/`version` with the UUID standing for `requestId`.
 */
export function widgetRequest(
  dialect: Dialect,
  requestId: string,
  action: string,
  data: unknown,
): Record<string, unknown> {
  return dialect === "classic"
    ? { api: "fromWidget", widgetId: WIDGET_ID, requestId, action, data }
    : { source: "widget", action, requestId: msc4412IdFor(requestId), request: data, version: "v1" };
}

/**
 * Replies (messages with an own `response`) among `messages`, grouped by requestId; MSC4412 UUIDs
 * are grouped under the test ID they stand for.
 */
export function repliesById(messages: readonly unknown[]): Map<string, WidgetMessage[]> {
  const byId = new Map<string, WidgetMessage[]>();
  for (const message of messages) {
    if (typeof message !== "object" || message === null || !Object.hasOwn(message, "response")) continue;
    const wireId = (message as { requestId?: unknown }).requestId;
    if (typeof wireId !== "string") continue;
    const id = testIdOf(wireId);
    byId.set(id, [...(byId.get(id) ?? []), message as WidgetMessage]);
  }
  return byId;
}

/**
 * I6, observed from outside: with nothing left running, the host can take exactly `maxInFlight`
 * held requests at once and refuses one more with limit_exceeded, so no slot leaked.
 */
export async function expectInFlightSlotsFree(fuzz: FuzzHost, maxInFlight: number): Promise<void> {
  const tag = `probe-${++probes}`;
  const ids = Array.from({ length: maxInFlight + 1 }, (_, i) => `${tag}-${i}`);
  const end = fuzz.pair.widget;
  const received: unknown[] = [];
  const stop = end.subscribe((message) => received.push(message));
  for (const requestId of ids) {
    end.send(widgetRequest(fuzz.dialect, requestId, holdAction.stable, {}) as unknown as WidgetMessage);
  }
  await flush();
  const during = repliesById(received);
  const last = ids[maxInFlight] as string;
  // Only the one over the bound is answered while the others hold their slots, with the limit error.
  const refused = (during.get(last)?.[0] as { response?: { error?: { code?: string } } } | undefined)
    ?.response;
  const duringOk = during.size === 1 && refused?.error?.code === "limit_exceeded";
  fuzz.releaseHeld();
  await flush();
  stop();
  const after = repliesById(received);
  const afterOk = ids.every((id) => after.get(id)?.length === 1);
  if (!duringOk || !afterOk) {
    expect([...during.keys()], "requests answered while the probe holds every slot").toEqual([last]);
    expect(refused).toMatchObject({ error: { code: "limit_exceeded" } });
    expect(
      ids.map((id) => after.get(id)?.length ?? 0),
      "replies per probe request",
    ).toEqual(ids.map(() => 1));
  }
}

let probes = 0;

let sequence = 0;
/** Sends a fromWidget request on the current widget end and returns the response bodies its ID got. */
export async function ask(
  fuzz: Pick<FuzzHost, "pair"> & { dialect?: Dialect },
  action: string,
  data: unknown,
  options: { waitMs?: number; requestId?: string } = {},
): Promise<Array<Record<string, unknown>>> {
  const requestId = options.requestId ?? `sc-${++sequence}`;
  const dialect = fuzz.dialect ?? "classic";
  const message = widgetRequest(dialect, requestId, action, data);
  const end = fuzz.pair.widget;
  const got: Array<Record<string, unknown>> = [];
  const stop = end.subscribe((raw) => {
    const reply = raw as WidgetMessage & { response?: Record<string, unknown> };
    if (reply.requestId === message.requestId && Object.hasOwn(reply, "response"))
      got.push(reply.response ?? {});
  });
  end.send(message as unknown as WidgetMessage);
  if (options.waitMs) await new Promise((resolve) => setTimeout(resolve, options.waitMs));
  await flush();
  stop();
  return got;
}

export function codeOf(response: Record<string, unknown> | undefined): unknown {
  return (response?.error as { code?: unknown } | undefined)?.code;
}

// ---- the oracle for inbound messages ---------------------------------------------------------

/**
 * Whether a raw value is a request the receiver must answer, decided independently of the
 * product's own schema: a plain object with the four envelope fields well typed and bounded, the
 * right widget ID and direction, and no `response`.
 */
export function isAnswerableRequest(
  raw: unknown,
  direction: "fromWidget" | "toWidget",
  dialect: Dialect = "classic",
): boolean {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return false;
  const proto: unknown = Object.getPrototypeOf(raw);
  if (proto !== Object.prototype && proto !== null) return false;
  const own = (key: string): unknown =>
    Object.hasOwn(raw, key) ? (raw as Record<string, unknown>)[key] : undefined;
  const bounded = (value: unknown, min: number) =>
    typeof value === "string" && value.length >= min && value.length <= MAX_ID_LENGTH;
  if (dialect === "msc4412") {
    // MSC4412: the sender's side, version v1, a UUID v4 request ID; no `api`, no widget ID.
    const requestId = own("requestId");
    return (
      !Object.hasOwn(raw, "api") &&
      own("source") === (direction === "fromWidget" ? "widget" : "host") &&
      own("version") === "v1" &&
      typeof requestId === "string" &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(requestId) &&
      bounded(own("action"), 1) &&
      !Object.hasOwn(raw, "response")
    );
  }
  return (
    own("api") === direction &&
    own("widgetId") === WIDGET_ID &&
    bounded(own("requestId"), 1) &&
    bounded(own("action"), 1) &&
    !Object.hasOwn(raw, "response")
  );
}

/**
 * What the boundary must say about a message, decided independently of the product's walk:
 * `type` when some value in it is neither JSON (plain object, array, string, finite number,
 * boolean, null, undefined) nor binary data (ArrayBuffer, a view over one, Blob); `size` when its
 * JSON text plus binary bytes exceeds `limit`; `type-or-size` when both hold (which one is found
 * first depends on the order of the walk); `ok` otherwise.
 */
export function boundaryVerdict(
  message: unknown,
  limit: number | undefined,
): "ok" | "type" | "size" | "type-or-size" {
  const isBinary = (value: unknown) =>
    value instanceof ArrayBuffer ||
    (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) ||
    value instanceof Blob;
  const notJson = (value: unknown): boolean => {
    if (value === null || value === undefined) return false;
    if (typeof value === "string" || typeof value === "boolean") return false;
    if (typeof value === "number") return !Number.isFinite(value);
    if (typeof value !== "object") return true;
    if (isBinary(value)) return false;
    const proto: unknown = Object.getPrototypeOf(value);
    if (Array.isArray(value)) return proto !== Array.prototype || Array.from(value).some(notJson);
    if (proto !== Object.prototype && proto !== null) return true;
    return Object.values(value).some(notJson);
  };
  let binaryBytes = 0;
  const text = JSON.stringify(message, (_key, value: unknown) => {
    if (isBinary(value)) {
      binaryBytes += value instanceof Blob ? value.size : (value as ArrayBufferView | ArrayBuffer).byteLength;
      if (ArrayBuffer.isView(value)) binaryBytes += value.buffer.byteLength - value.byteLength;
      return {};
    }
    return typeof value === "bigint" ? null : value;
  });
  const tooLarge = limit !== undefined && (text?.length ?? 0) + binaryBytes > limit;
  const wrongType = notJson(message);
  if (wrongType) return tooLarge ? "type-or-size" : "type";
  return tooLarge ? "size" : "ok";
}

// ---- arbitraries -----------------------------------------------------------------------------

/** Strings rich in what parsers trip over: separators, escapes, wildcards, unicode, lone surrogates. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom(
    ...PROTOTYPE_NAMES,
    "",
    " ",
    "#",
    "\\",
    "*",
    "%00",
    "\u0000",
    "\ud800",
    "m.room.message#m.text",
  ),
);

/** Values of every JSON type and a few the structured clone adds. */
export const anyWireValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 1,
    arbitrary: fc.anything({
      maxDepth: 2,
      withNullPrototype: true,
      withMap: true,
      withSet: true,
      withBoxedValues: true,
      withTypedArray: true,
      withSparseArray: true,
      withDate: true,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      null,
      undefined,
      NaN,
      Infinity,
      -Infinity,
      -1,
      0,
      1e9,
      Number.MAX_SAFE_INTEGER + 2,
      "1000",
      "",
      true,
      [],
      {},
      new Map([["a", 1]]),
      new Blob(["x"]),
      new Uint8Array(4),
    ),
  },
);

/** Objects whose own keys include the ones that pollute prototypes when copied carelessly. */
export const pollutingObject: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(fc.constantFrom("__proto__", "constructor", "prototype", "toString"), fc.jsonValue({ maxDepth: 2 }))
  .map(([key, value]) => {
    // JSON.parse makes `__proto__` an own data property, as a postMessage clone would.
    const text = `{${JSON.stringify(key)}: {"polluted": true, "inner": ${JSON.stringify(value ?? null)}}, "x": 1}`;
    return JSON.parse(text) as Record<string, unknown>;
  });

/** Null-prototype objects, as fc.dictionary makes them. */
export const nullProtoObject: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.string(),
  fc.jsonValue({ maxDepth: 2 }),
  { noNullPrototype: false, maxKeys: 5 },
);

/** Any `data`: non-objects, arrays, plain, null-prototype and polluting objects, big strings. */
export const anyData: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: anyWireValue },
  { weight: 2, arbitrary: pollutingObject },
  { weight: 2, arbitrary: nullProtoObject },
  { weight: 1, arbitrary: fc.string({ minLength: 1000, maxLength: 20_000 }).map((s) => ({ blob: s })) },
);

/** Wrong values to put in a schema field: every type, and the boundary numbers. */
export const wrongFieldValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    0,
    -1,
    1.5,
    NaN,
    Infinity,
    -Infinity,
    1e9,
    Number.MAX_SAFE_INTEGER + 2,
    "",
    "1000",
    "x".repeat(5000),
    [],
    [null],
    [1, "two"],
    {},
    { __proto__: null },
    "__proto__",
    "constructor",
  ),
  anyWireValue,
  pollutingObject,
);

/** Well-formed data for the built-in fromWidget actions, keyed by stable name. */
export const VALID_DATA: Readonly<Record<string, fc.Arbitrary<Record<string, unknown>>>> = {
  supported_api_versions: fc.constant({}),
  content_loaded: fc.constant({}),
  request_capabilities: fc
    .subarray([
      ...ALL_CAPS,
      "m.always_on_screen",
      "org.matrix.msc3751.read.account_data:m.secret_storage.default_key",
    ])
    .map((capabilities) => ({ capabilities })),
  navigate: fc
    .constantFrom(
      "https://matrix.to/#/#room:example.org",
      "https://matrix.to/#/@alice:example.org",
      "https://matrix.to/#/!room:example.org/$event?via=example.org",
      "matrix:r/room:example.org",
      "matrix:u/alice:example.org?action=chat",
      "javascript:alert(1)",
      "https://evil.example/#/#room:example.org",
    )
    .map((uri) => ({ uri })),
  user_directory_search: fc
    .record({
      search_term: fc.string({ maxLength: 30 }),
      limit: fc.option(fc.nat({ max: 500 }), { nil: undefined }),
    })
    .map(({ search_term, limit }) => (limit === undefined ? { search_term } : { search_term, limit })),
  mxid_share: fc
    .record({
      users: fc.array(
        fc.record({
          user_id: fc.constantFrom("@alice:example.org", "@bob:example.org", "@carol:example.org"),
          display_name: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      action_hint: fc.constantFrom("invite", "create_room", "whatever"),
    })
    .map((data) => JSON.parse(JSON.stringify(data)) as Record<string, unknown>),
  read_account_data: fc
    .constantFrom(
      "com.example.settings",
      "com.example.secret",
      "m.direct",
      "m.secret_storage.default_key",
      "other",
    )
    .map((type) => ({ type })),
  "dev.matrix_widget_kit.watch_account_data": fc
    .subarray(["com.example.settings", "m.direct", "m.cross_signing.master"], { minLength: 1 })
    .map((types) => ({ types })),
};

/** The field names of an action's request schema (through a pipe), for "wrong type in each field". */
export function schemaFields(schema: unknown): string[] {
  let current = schema as { entries?: Record<string, unknown>; pipe?: unknown[] } | undefined;
  for (let depth = 0; current && depth < 4; depth++) {
    if (current.entries && typeof current.entries === "object") return Object.keys(current.entries);
    current = current.pipe?.[0] as typeof current;
  }
  return [];
}

/** The descriptor that a wire name belongs to, if any. */
export function actionByName(name: string): AnyActionDescriptor | undefined {
  return ACTION_TABLE.find((action) => wireNames(action).includes(name));
}

/**
 * Data for one action name: well formed (when we know the shape), well formed with one field set
 * to a wrong value, or anything at all.
 */
export function dataFor(name: string): fc.Arbitrary<unknown> {
  const action = actionByName(name);
  const valid = action ? VALID_DATA[action.stable] : undefined;
  const fields = action ? schemaFields(action.request) : [];
  const base = valid ?? fc.constant<Record<string, unknown>>({});
  const options: Array<fc.Arbitrary<unknown>> = [base, anyData];
  if (fields.length > 0) {
    options.push(
      fc.tuple(base, fc.constantFrom(...fields), wrongFieldValue).map(([data, field, value]) => {
        const copy: Record<string, unknown> = { ...data };
        Object.defineProperty(copy, field, { value, enumerable: true, writable: true, configurable: true });
        return copy;
      }),
    );
  }
  return fc.oneof(...options);
}

/** An object nested `depth` levels deep: `{ a: { a: ... } }`. */
export function nested(depth: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let current = root;
  for (let i = 0; i < depth; i++) {
    const next: Record<string, unknown> = {};
    current.a = next;
    current = next;
  }
  return root;
}

/** Whether a value survives a structured clone (everything the arbitraries make does, except cycles through functions). */
export function isCloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
