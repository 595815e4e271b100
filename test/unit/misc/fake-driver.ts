import type {
  DelayedLeaveDelegation,
  LivekitTokenRequest,
  OpenIdCredentials,
  RtcTransport,
  SendEventOptions,
  SentEvent,
  ToDeviceEvent,
  TurnServer,
} from "../../../src/host/driver.js";
import type { AlwaysOnScreenRequest, WidgetUiDriver } from "../../../src/host/features/ui.js";
import type { ModalOpenRequest } from "../../../src/host/features/modals.js";
import { HomeserverError } from "../../../src/host/matrix-error.js";

/** The driver operations the misc families use. */
export type FakeOp =
  | "sendToDevice"
  | "requestOpenId"
  | "getTurnServers"
  | "getMediaConfig"
  | "uploadFile"
  | "downloadFile"
  | "readRoomAccountData"
  | "sendEvent"
  | "setAlwaysOnScreen"
  | "openModal"
  | "getRtcTransports"
  | "getLivekitToken"
  | "delegateDelayedLeave";

export const FAKE_OPS: readonly FakeOp[] = [
  "sendToDevice",
  "requestOpenId",
  "getTurnServers",
  "getMediaConfig",
  "uploadFile",
  "downloadFile",
  "readRoomAccountData",
  "sendEvent",
  "setAlwaysOnScreen",
  "openModal",
  "getRtcTransports",
  "getLivekitToken",
  "delegateDelayedLeave",
];

/** How an operation misbehaves. */
export type Fault =
  | { kind: "reject"; error: Error }
  | { kind: "throw"; error: Error }
  | { kind: "hang" }
  | { kind: "malformed"; value: unknown };

export const faults = {
  reject: (message = "driver internals exploded"): Fault => ({ kind: "reject", error: new Error(message) }),
  forbidden: (): Fault => ({
    kind: "reject",
    error: new HomeserverError({ httpStatus: 403, errcode: "M_FORBIDDEN", error: "You may not" }),
  }),
  throwSync: (message = "driver threw synchronously"): Fault => ({
    kind: "throw",
    error: new Error(message),
  }),
  hang: (): Fault => ({ kind: "hang" }),
  malformed: (value: unknown): Fault => ({ kind: "malformed", value }),
};

/** One call into the driver. */
export interface FakeCall {
  op: FakeOp;
  args: unknown[];
}

/** A TURN server stream the test drives: push values, end it, and see whether the host stopped it. */
export class TurnFeed implements AsyncIterableIterator<TurnServer> {
  private readonly queue: Array<IteratorResult<TurnServer> | Error> = [];
  private waiting: ((result: IteratorResult<TurnServer>) => void) | undefined;
  private failWaiting: ((error: Error) => void) | undefined;
  /** How many times the host called return(). */
  returned = 0;
  /** How many values the host asked for. */
  reads = 0;

  push(server: TurnServer): void {
    this.offer({ done: false, value: server });
  }

  end(): void {
    this.offer({ done: true, value: undefined });
  }

  fail(error: Error): void {
    if (this.failWaiting) {
      const reject = this.failWaiting;
      this.waiting = this.failWaiting = undefined;
      reject(error);
    } else this.queue.push(error);
  }

  private offer(result: IteratorResult<TurnServer>): void {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = undefined;
      resolve(result);
    } else this.queue.push(result);
  }

  next(): Promise<IteratorResult<TurnServer>> {
    this.reads++;
    const queued = this.queue.shift();
    if (queued instanceof Error) return Promise.reject(queued);
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<TurnServer>> {
    this.returned++;
    this.offer({ done: true, value: undefined });
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * A driver for the misc families: it records every call, answers from plain state, and can be
 * told to misbehave per operation.
 */
export class FakeDriver implements WidgetUiDriver {
  readonly calls: FakeCall[] = [];
  userId = "@alice:example.org";
  deviceId = "ALICEDEVICE";

  /** `${roomId} ${type}` → content. */
  readonly roomAccountData = new Map<string, Record<string, unknown>>();
  knownRooms: string[] = [];
  mediaConfig: Record<string, unknown> = { "m.upload.size": 1_000_000 };
  uploadedUri = "mxc://example.org/uploaded";
  readonly files = new Map<string, Blob | ArrayBuffer | Uint8Array>();
  /** What requestOpenId resolves with; replace with a pending promise for the two-phase flow. */
  openId: () => Promise<OpenIdCredentials | undefined> = () =>
    Promise.resolve({
      access_token: "SECRET-TOKEN-abc123",
      expires_in: 3600,
      matrix_server_name: "example.org",
      token_type: "Bearer",
    });
  /** Each getTurnServers call gets the next feed. */
  readonly turnFeeds: TurnFeed[] = [];
  alwaysOnScreenAnswer = true;
  /** What getRtcTransports answers. */
  rtcTransports: RtcTransport[] = [{ type: "livekit", livekit_service_url: "https://sfu.example.org" }];
  /** What getLivekitToken answers. */
  livekitJwt = "SECRET-LIVEKIT-JWT";
  /** What openModal does with a request; default: shows it at once. */
  onOpenModal: (request: ModalOpenRequest) => Promise<void> = () => Promise.resolve();
  readonly modalRequests: ModalOpenRequest[] = [];
  readonly toDeviceListeners = new Set<(event: ToDeviceEvent) => void>();
  stoppedToDeviceWatchers = 0;

  sendToDevice?: WidgetUiDriver["sendToDevice"];
  requestOpenId?: WidgetUiDriver["requestOpenId"];
  getTurnServers?: WidgetUiDriver["getTurnServers"];
  getMediaConfig?: WidgetUiDriver["getMediaConfig"];
  uploadFile?: WidgetUiDriver["uploadFile"];
  downloadFile?: WidgetUiDriver["downloadFile"];
  readRoomAccountData?: WidgetUiDriver["readRoomAccountData"];
  sendEvent?: WidgetUiDriver["sendEvent"];
  setAlwaysOnScreen?: WidgetUiDriver["setAlwaysOnScreen"];
  openModal?: WidgetUiDriver["openModal"];
  getRtcTransports?: WidgetUiDriver["getRtcTransports"];
  getLivekitToken?: WidgetUiDriver["getLivekitToken"];
  delegateDelayedLeave?: WidgetUiDriver["delegateDelayedLeave"];
  getKnownRooms?: () => readonly string[];
  watchToDevice?: WidgetUiDriver["watchToDevice"];

  private readonly faultByOp = new Map<FakeOp, Fault>();

  constructor(options: { without?: readonly FakeOp[] } = {}) {
    const without = new Set(options.without ?? []);
    const add = <K extends FakeOp>(op: K, impl: NonNullable<FakeDriver[K]>) => {
      if (!without.has(op)) (this as Record<string, unknown>)[op] = impl;
    };
    add("sendToDevice", (type, encrypted, messages) =>
      this.run("sendToDevice", [type, encrypted, structuredClone(messages)], () => undefined),
    );
    add("requestOpenId", () => this.run("requestOpenId", [], () => this.openId()));
    add("getTurnServers", () => {
      this.calls.push({ op: "getTurnServers", args: [] });
      const fault = this.faultByOp.get("getTurnServers");
      if (fault?.kind === "throw") throw fault.error;
      const feed = new TurnFeed();
      this.turnFeeds.push(feed);
      if (fault?.kind === "reject") feed.fail(fault.error);
      return feed;
    });
    add("getMediaConfig", () => this.run("getMediaConfig", [], () => structuredClone(this.mediaConfig)));
    add("uploadFile", (file) => this.run("uploadFile", [file], () => ({ contentUri: this.uploadedUri })));
    add("downloadFile", (contentUri) =>
      this.run("downloadFile", [contentUri], () => {
        const file = this.files.get(contentUri);
        if (!file) throw new HomeserverError({ httpStatus: 404, errcode: "M_NOT_FOUND", error: "No file" });
        return { file };
      }),
    );
    add("readRoomAccountData", (roomId, type) =>
      this.run("readRoomAccountData", [roomId, type], () => {
        const content = this.roomAccountData.get(`${roomId} ${type}`);
        return content === undefined ? undefined : structuredClone(content);
      }),
    );
    add("sendEvent", (eventType: string, content: Record<string, unknown>, options: SendEventOptions) =>
      this.run("sendEvent", [eventType, structuredClone(content), { ...options }], (): SentEvent => ({
        roomId: options.roomId,
        eventId: "$sent",
      })),
    );
    add("setAlwaysOnScreen", (request: AlwaysOnScreenRequest) =>
      this.run("setAlwaysOnScreen", [{ widgetId: request.widget.widgetId, value: request.value }], () =>
        Promise.resolve(this.alwaysOnScreenAnswer),
      ),
    );
    add("openModal", (request: ModalOpenRequest) =>
      this.run("openModal", [request.definition], () => {
        this.modalRequests.push(request);
        return this.onOpenModal(request);
      }),
    );
    add("getRtcTransports", () =>
      this.run("getRtcTransports", [], () => structuredClone(this.rtcTransports)),
    );
    add("getLivekitToken", (request: LivekitTokenRequest) =>
      this.run("getLivekitToken", [structuredClone(request)], () => ({ jwt: this.livekitJwt })),
    );
    add("delegateDelayedLeave", (request: DelayedLeaveDelegation) =>
      this.run("delegateDelayedLeave", [structuredClone(request)], () => undefined),
    );
    this.getKnownRooms = () => this.knownRooms;
    this.watchToDevice = (listener) => {
      this.toDeviceListeners.add(listener);
      return () => {
        this.stoppedToDeviceWatchers++;
        this.toDeviceListeners.delete(listener);
      };
    };
  }

  /** Makes `op` misbehave until {@link heal}. */
  fail(op: FakeOp, fault: Fault): this {
    this.faultByOp.set(op, fault);
    return this;
  }

  heal(op: FakeOp): this {
    this.faultByOp.delete(op);
    return this;
  }

  /** The arguments of every call to `op`. */
  callsOf(op: FakeOp): unknown[][] {
    return this.calls.filter((call) => call.op === op).map((call) => call.args);
  }

  /** Delivers a to-device message as the client would. */
  emitToDevice(event: ToDeviceEvent): void {
    for (const listener of [...this.toDeviceListeners]) listener(event);
  }

  setRoomAccountData(roomId: string, type: string, content: Record<string, unknown>): void {
    this.roomAccountData.set(`${roomId} ${type}`, content);
  }

  private run<T>(op: FakeOp, args: unknown[], answer: () => T | Promise<T>): Promise<Awaited<T>> {
    this.calls.push({ op, args });
    const fault = this.faultByOp.get(op);
    if (fault?.kind === "throw") throw fault.error;
    if (fault?.kind === "reject") return Promise.reject(fault.error);
    if (fault?.kind === "hang") return new Promise(() => {});
    if (fault?.kind === "malformed") return Promise.resolve(fault.value as Awaited<T>);
    try {
      return Promise.resolve(answer()) as Promise<Awaited<T>>;
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
