import type {
  AccountDataListener,
  DirectorySearchResult,
  UserProfile,
  WidgetDriver,
} from "../../src/host/driver.js";
import { HomeserverError, type HomeserverErrorDetails } from "../../src/host/matrix-error.js";
import type { NavigationTarget } from "../../src/matrix/links.js";

/** The name of one driver operation. */
/** The driver operations this recorder implements (the ones the four proposals use). */
export type DriverOp =
  | "searchUserDirectory"
  | "getProfile"
  | "readAccountData"
  | "watchAccountData"
  | "navigate"
  | "inviteUsers"
  | "createDirectMessage";

/** Every operation a {@link WidgetDriver} may implement. */
export const DRIVER_OPS: readonly DriverOp[] = [
  "searchUserDirectory",
  "getProfile",
  "readAccountData",
  "watchAccountData",
  "navigate",
  "inviteUsers",
  "createDirectMessage",
];

/** One call the host made into the driver. */
export interface RecordedCall {
  op: DriverOp;
  args: unknown[];
}

/**
 * How an operation misbehaves.
 * - `reject`: the returned promise rejects with a plain Error.
 * - `homeserver`: the returned promise rejects with a {@link HomeserverError}.
 * - `throw`: the method throws synchronously, before returning a promise.
 * - `hang`: the returned promise never settles.
 * - `malformed`: the returned promise resolves with `value`, whatever the operation's type says.
 *
 * `watchAccountData` is synchronous: `reject` and `homeserver` throw too, `malformed` returns
 * `value` instead of a stop function, and `hang` is ignored.
 */
export type Fault =
  | { kind: "reject"; error: Error }
  | { kind: "homeserver"; error: HomeserverError }
  | { kind: "throw"; error: Error }
  | { kind: "hang" }
  | { kind: "malformed"; value: unknown };

/** Ready-made faults. */
export const faults = {
  reject: (message = "driver internals exploded"): Fault => ({ kind: "reject", error: new Error(message) }),
  homeserver: (details: HomeserverErrorDetails): Fault => ({
    kind: "homeserver",
    error: new HomeserverError(details),
  }),
  /** 429 M_LIMIT_EXCEEDED with a retry time. */
  rateLimited: (retryAfterMs: number): Fault =>
    faults.homeserver({
      httpStatus: 429,
      errcode: "M_LIMIT_EXCEEDED",
      error: "Too many requests",
      retryAfterMs,
    }),
  /** 403 M_FORBIDDEN. */
  forbidden: (): Fault =>
    faults.homeserver({ httpStatus: 403, errcode: "M_FORBIDDEN", error: "You may not" }),
  /** 404 M_NOT_FOUND. */
  notFound: (): Fault => faults.homeserver({ httpStatus: 404, errcode: "M_NOT_FOUND", error: "Not found" }),
  throwSync: (message = "driver threw synchronously"): Fault => ({
    kind: "throw",
    error: new Error(message),
  }),
  hang: (): Fault => ({ kind: "hang" }),
  malformed: (value: unknown): Fault => ({ kind: "malformed", value }),
};

type Impl<K extends DriverOp> = NonNullable<WidgetDriver[K]>;
type Result<K extends DriverOp> = Awaited<ReturnType<Impl<K>>>;
/** A replacement implementation of one operation's result; may throw to reject. */
export type Responder<K extends DriverOp> = (...args: Parameters<Impl<K>>) => Result<K> | Promise<Result<K>>;

/** Options of a {@link RecordingDriver}. */
export interface RecordingDriverOptions {
  /** The operations the driver implements; the others are absent. Default: all of them. */
  ops?: readonly DriverOp[];
}

/**
 * A {@link WidgetDriver} that records every call, answers from configurable state, and can be told to
 * misbehave per operation. Defaults:
 * - `searchUserDirectory` answers {@link directoryResult} (empty, not limited);
 * - `getProfile` answers from {@link profiles}, or rejects with a 404 HomeserverError;
 * - `readAccountData` answers a copy from {@link accountData}, or `undefined` when unset;
 * - `watchAccountData` registers a listener that {@link emitAccountData} calls;
 * - `navigate` and `inviteUsers` resolve; `createDirectMessage` resolves with {@link dmRoomId}.
 */
export class RecordingDriver implements WidgetDriver {
  readonly calls: RecordedCall[] = [];
  readonly profiles = new Map<string, UserProfile>();
  readonly accountData = new Map<string, Record<string, unknown>>();
  directoryResult: DirectorySearchResult = { limited: false, results: [] };
  dmRoomId = "!dm:example.org";
  /** How many watch subscriptions the host stopped. */
  stoppedWatchers = 0;

  searchUserDirectory?: Impl<"searchUserDirectory">;
  getProfile?: Impl<"getProfile">;
  readAccountData?: Impl<"readAccountData">;
  watchAccountData?: Impl<"watchAccountData">;
  navigate?: Impl<"navigate">;
  inviteUsers?: Impl<"inviteUsers">;
  createDirectMessage?: Impl<"createDirectMessage">;

  private readonly faultsByOp = new Map<DriverOp, { fault: Fault; remaining: number }>();
  private readonly responders = new Map<DriverOp, (...args: never[]) => unknown>();
  private readonly watchers = new Set<AccountDataListener>();

  constructor(options: RecordingDriverOptions = {}) {
    const enabled = new Set(options.ops ?? DRIVER_OPS);
    if (enabled.has("searchUserDirectory")) {
      this.searchUserDirectory = (searchTerm: string, limit: number | undefined) =>
        this.run("searchUserDirectory", [searchTerm, limit], () => structuredClone(this.directoryResult));
    }
    if (enabled.has("getProfile")) {
      this.getProfile = (userId: string) =>
        this.run("getProfile", [userId], () => {
          const profile = this.profiles.get(userId);
          if (!profile)
            throw new HomeserverError({ httpStatus: 404, errcode: "M_NOT_FOUND", error: "No profile" });
          return { ...profile };
        });
    }
    if (enabled.has("readAccountData")) {
      this.readAccountData = (type: string) =>
        this.run("readAccountData", [type], () => {
          const content = this.accountData.get(type);
          return content === undefined ? undefined : structuredClone(content);
        });
    }
    if (enabled.has("watchAccountData")) {
      this.watchAccountData = (listener: AccountDataListener) => this.watch(listener);
    }
    if (enabled.has("navigate")) {
      this.navigate = (target: NavigationTarget) => this.run("navigate", [target], () => undefined);
    }
    if (enabled.has("inviteUsers")) {
      this.inviteUsers = (roomId: string, userIds: readonly string[]) =>
        this.run("inviteUsers", [roomId, [...userIds]], () => undefined);
    }
    if (enabled.has("createDirectMessage")) {
      this.createDirectMessage = (userIds: readonly string[]) =>
        this.run("createDirectMessage", [[...userIds]], () => ({ roomId: this.dmRoomId }));
    }
  }

  /** Makes `op` misbehave, for the next `times` calls (default: until {@link heal}). */
  fail(op: DriverOp, fault: Fault, times = Number.POSITIVE_INFINITY): this {
    this.faultsByOp.set(op, { fault, remaining: times });
    return this;
  }

  /** Makes `op` behave again. */
  heal(op: DriverOp): this {
    this.faultsByOp.delete(op);
    return this;
  }

  /** Replaces how `op` computes its result (faults still take precedence). */
  respond<K extends DriverOp>(op: K, responder: Responder<K>): this {
    this.responders.set(op, responder as (...args: never[]) => unknown);
    return this;
  }

  /** The argument lists of every call of `op`, oldest first. */
  callsOf(op: DriverOp): unknown[][] {
    return this.calls.filter((call) => call.op === op).map((call) => call.args);
  }

  /** Watch subscriptions that are still running. */
  get activeWatchers(): number {
    return this.watchers.size;
  }

  /** Sets account data as a sync would, and tells every running watcher. */
  emitAccountData(type: string, content: Record<string, unknown>): void {
    this.accountData.set(type, content);
    for (const listener of [...this.watchers]) listener(type, structuredClone(content));
  }

  private takeFault(op: DriverOp): Fault | undefined {
    const entry = this.faultsByOp.get(op);
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.faultsByOp.delete(op);
    return entry.fault;
  }

  private run<T>(op: DriverOp, args: unknown[], produce: () => T): Promise<T> {
    this.calls.push({ op, args });
    const fault = this.takeFault(op);
    if (fault) {
      switch (fault.kind) {
        case "throw":
          throw fault.error;
        case "reject":
        case "homeserver":
          return Promise.reject(fault.error);
        case "hang":
          return new Promise<T>(() => {});
        case "malformed":
          return Promise.resolve(fault.value as T);
      }
    }
    const responder = this.responders.get(op);
    return new Promise<T>((resolve) =>
      resolve((responder ? responder(...(args as never[])) : produce()) as T),
    );
  }

  private watch(listener: AccountDataListener): () => void {
    this.calls.push({ op: "watchAccountData", args: [listener] });
    const fault = this.takeFault("watchAccountData");
    if (fault) {
      switch (fault.kind) {
        case "throw":
        case "reject":
        case "homeserver":
          throw fault.error;
        case "malformed":
          return fault.value as () => void;
        case "hang":
          break;
      }
    }
    this.watchers.add(listener);
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      this.stoppedWatchers += 1;
      this.watchers.delete(listener);
    };
  }
}
