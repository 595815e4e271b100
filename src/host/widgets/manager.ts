/**
 * The WidgetManager: follows the widgets that room state and account data define, and runs one
 * {@link WidgetHost} per widget while the definition stands.
 *
 * It reads through the same {@link WidgetDriver} the hosts use (`readStateEvents`,
 * `watchRoomEvents`, `readAccountData`, `watchAccountData`), so it works on every driver that
 * offers those operations, the in-memory one and the matrix-js-sdk one included. The app keeps
 * what only it can do: making the frame and its transport, and the policy, through `mount`.
 */
import { describeThrown } from "../../core/describe.js";
import { consoleLogger, type Logger } from "../../core/logger.js";
import type { RoomEvent, WidgetDriver } from "../driver.js";
import type { Awaitable, HostPolicy } from "../policy.js";
import { renderWidgetUrl, type WidgetRenderContext } from "../templating.js";
import { WidgetHost, type WidgetHostOptions } from "../widget-host.js";
import type { Transport } from "../../transport/transport.js";
import {
  ACCOUNT_WIDGETS_TYPE,
  parseAccountWidgets,
  parseRoomWidgetEvent,
  parseWidgetLayout,
  ROOM_WIDGET_EVENT_TYPES,
  WIDGET_EVENT_TYPE,
  WIDGET_LAYOUT_EVENT_TYPE,
  type WidgetDefinition,
  type WidgetLayout,
  type WidgetParseResult,
} from "./definition.js";

/** What the manager asks the app to mount: a frame for one widget. */
export interface WidgetMountRequest {
  /** The checked definition. */
  widget: WidgetDefinition;
  /** The URL to load: templated, checked to be HTTP(S), with `widgetId` and `parentUrl` added. */
  url: string;
  /** The origin of {@link url}; pin the transport to it. */
  origin: string;
}

/** What the app hands back for a mounted widget. */
export interface WidgetMount {
  /** The transport to the frame that loads the request's URL. */
  transport: Transport;
  /** The widget's consent and policy; {@link WidgetManagerOptions.policy} when unset. */
  policy?: HostPolicy;
  /**
   * Further host options. `widgetId`, `transport` and `waitForIframeLoad` are the manager's: they
   * come from the definition, so a definition is honoured as the state says. A room widget's
   * `viewedRoomId` is its own room; a user widget's is the manager's (see
   * {@link WidgetManagerOptions.viewedRoomId}) once it has one, and the one given here until then.
   */
  hostOptions?: Omit<WidgetHostOptions, "widgetId" | "transport" | "waitForIframeLoad" | "policy">;
  /** Called once after the widget's host was destroyed: remove the frame. */
  unmount?(): void;
}

/** Options of a {@link WidgetManager}. */
export interface WidgetManagerOptions {
  /** Where widgets are read from, and the driver each host acts through unless its mount names another. */
  driver: WidgetDriver;
  /**
   * Makes the frame and transport for a widget, or returns `undefined` to leave it unloaded (the
   * user has not agreed to load it, or the app does not show this type). MSC2764 asks clients to
   * ask before loading a widget the user did not add themselves; this is where. It may be async;
   * a mount that resolves after its widget changed or left is unmounted at once.
   */
  mount(request: WidgetMountRequest): Awaitable<WidgetMount | undefined>;
  /**
   * The values for URL templates (user, theme, language, `parentUrl`…), or a function that gives
   * them per widget. A room widget's `$matrix_room_id` is always its own room.
   */
  renderContext: WidgetRenderContext | ((widget: WidgetDefinition) => WidgetRenderContext);
  /** The policy for hosts whose mount names none. Defaults to the host's (deny everything). */
  policy?: HostPolicy;
  /** Rooms to follow from the start; see {@link WidgetManager.watchRoom}. */
  rooms?: readonly string[];
  /** Follow the user's widgets in `m.widgets` account data too (default false). */
  accountWidgets?: boolean;
  /**
   * The room the user views: a user widget's "this room" (a room widget's is always its own).
   * Keep it current with {@link WidgetManager.setViewedRoomId}, as Element moves a user's widgets
   * (a sticker picker) along with the user.
   */
  viewedRoomId?: string;
  /**
   * Most widgets running at once (default 20). A room may define any number of widgets; past the
   * bound the rest are listed but not mounted, and reported as a problem.
   */
  maxRunning?: number;
  /**
   * Where the manager reports failures (reading widgets, unmounting, listeners). Default: the console.
   * Hosts do not use it: give them one in their mount's `hostOptions`.
   */
  logger?: Logger;
}

/** One widget the manager follows. Its fields change as the state does. */
export interface ManagedWidget {
  /** Unique within the manager: the room ID and widget ID, or `account` and the widget ID. */
  readonly key: string;
  /** The current definition. */
  readonly definition: WidgetDefinition;
  /** The URL its frame loads, when it could be rendered. */
  readonly url: string | undefined;
  /** The running host, while one runs. */
  readonly host: WidgetHost | undefined;
}

/** Events a {@link WidgetManager} emits. */
export interface WidgetManagerEvents {
  /** A widget appeared in state or account data. Its host starts after this event. */
  added: { widget: ManagedWidget };
  /**
   * A widget's definition changed. With `restarted`, the URL, data, type or `waitForIframeLoad`
   * changed: the old host was destroyed and its frame unmounted, and a new one mounts.
   * Otherwise only its name, avatar or creator changed.
   */
  changed: { widget: ManagedWidget; previous: WidgetDefinition; restarted: boolean };
  /** A widget left state or account data (or its room is no longer followed); its host has ended. */
  removed: { widget: ManagedWidget };
  /** A host started for a widget. */
  started: { widget: ManagedWidget; host: WidgetHost };
  /** A widget's host was destroyed and its frame unmounted. */
  ended: { widget: ManagedWidget; host: WidgetHost; reason: string };
  /** A room's layout hints (`io.element.widgets.layout`) changed. */
  layout: { roomId: string; layout: WidgetLayout };
  /**
   * Something the manager did not show: a malformed definition, a URL that does not render, a
   * mount that failed, the running bound.
   */
  problem: { id: string; roomId?: string; reason: string };
}

type Listener<T> = (payload: T) => void;

/** One followed widget; the public view is {@link ManagedWidget}. */
class Entry implements ManagedWidget {
  url: string | undefined;
  host: WidgetHost | undefined;
  mounted: WidgetMount | undefined;
  /**
   * The generation whose mount the app has not answered yet, if any. A mount made stale by a
   * change or removal no longer counts as a running widget: it will be unmounted as it resolves.
   */
  mountingGeneration: number | undefined;
  /** The newest start, which `load` waits for while its mount is unanswered. */
  starting: Promise<void> | undefined;
  /** Counts starts and stops, so a mount that resolves late knows it is stale. */
  generation = 0;
  constructor(
    readonly key: string,
    public definition: WidgetDefinition,
  ) {}
}

interface RoomRecord {
  widgets: Map<string, Entry>;
  layout: WidgetLayout;
  /** Event IDs of the malformed definitions in state, already reported, so each is reported once. */
  reported: Set<string>;
  /** The scheduled re-read, and what settles its tracked work when it runs or is cancelled. */
  timer: { handle: ReturnType<typeof setTimeout>; done: () => void } | undefined;
  refreshing: Promise<void> | undefined;
  /** State changed while a refresh was reading; read again after it. */
  again: boolean;
}

const DEFAULT_MAX_RUNNING = 20;

/**
 * Creates and ends a {@link WidgetHost} per widget as room state and account data change:
 * - a new widget is mounted (through the app's `mount`) and gets a host;
 * - a removed widget's host is destroyed and its frame unmounted;
 * - a changed URL, data, type or `waitForIframeLoad` ends the session for good: the old host is
 *   destroyed and unmounted, and a new frame and host start from the new definition. A reload of
 *   the old frame would keep a transport pinned to the old URL's origin and grants given to the
 *   old definition, so the manager never reuses them.
 *
 * Room widgets come from `im.vector.modular.widgets` and `m.widget` state (when both define the
 * same ID, `m.widget` wins), user widgets from `m.widgets` account data; each room's layout hints
 * from `io.element.widgets.layout`. See docs/widget-manager.md.
 */
export class WidgetManager {
  private readonly driver: WidgetDriver;
  private readonly options: WidgetManagerOptions;
  private readonly logger: Logger;
  private readonly maxRunning: number;
  private readonly rooms = new Map<string, RoomRecord>();
  private readonly account = new Map<string, Entry>();
  private readonly listeners = new Map<keyof WidgetManagerEvents, Set<Listener<never>>>();
  private readonly unsubscribers: Array<() => void> = [];
  /** Work not yet done (timers, reads, mounts); {@link settled} waits for it. */
  private readonly work = new Set<Promise<unknown>>();
  /** Account data updates seen; an initial read older than the last update is dropped. */
  private accountVersion = 0;
  private destroyed = false;
  /** The user's viewed room, for user widgets; see {@link WidgetManagerOptions.viewedRoomId}. */
  private viewedRoom: string | undefined;

  constructor(options: WidgetManagerOptions) {
    this.options = options;
    this.viewedRoom = options.viewedRoomId;
    this.driver = options.driver;
    this.logger = options.logger ?? consoleLogger;
    const max = options.maxRunning ?? DEFAULT_MAX_RUNNING;
    this.maxRunning = Number.isFinite(max) && max >= 0 ? Math.floor(max) : DEFAULT_MAX_RUNNING;

    if (this.driver.watchRoomEvents) {
      try {
        this.unsubscribers.push(this.driver.watchRoomEvents((event) => this.onRoomEvent(event)));
      } catch (error) {
        this.logger.warn(`WidgetManager: cannot watch room events: ${describeThrown(error)}`);
      }
    }
    if (options.accountWidgets === true) {
      if (this.driver.watchAccountData) {
        try {
          this.unsubscribers.push(
            this.driver.watchAccountData((type, content) => {
              if (type !== ACCOUNT_WIDGETS_TYPE || this.destroyed) return;
              this.accountVersion++;
              this.applyAccount(content);
            }),
          );
        } catch (error) {
          this.logger.warn(`WidgetManager: cannot watch account data: ${describeThrown(error)}`);
        }
      }
      this.track(this.readAccount());
    }
    for (const roomId of options.rooms ?? []) void this.watchRoom(roomId);
  }

  /** Listens for a manager event; returns a function that stops listening. */
  on<K extends keyof WidgetManagerEvents>(event: K, listener: Listener<WidgetManagerEvents[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** The rooms followed. */
  get watchedRooms(): readonly string[] {
    return [...this.rooms.keys()];
  }

  /**
   * Follows a room's widgets: reads them now and follows their state from then on. Resolves once
   * the first read is applied (and its mounts settled). MSC2764 says room widgets are shown only
   * while the user views their room, so an app usually follows the viewed room.
   */
  watchRoom(roomId: string): Promise<void> {
    if (this.destroyed) return Promise.resolve();
    if (!this.rooms.has(roomId)) {
      this.rooms.set(roomId, {
        widgets: new Map(),
        layout: {},
        reported: new Set(),
        timer: undefined,
        refreshing: undefined,
        again: false,
      });
    }
    return this.track(this.refreshRoom(roomId)).then(() => this.settled());
  }

  /**
   * Tells the manager which room the user views now: every running user widget's host gets it as
   * its viewed room (`WidgetHost.setViewedRoomId`), and so do user widgets mounted later. Room
   * widgets keep their own room. Call it on every room switch, with `undefined` when no room is
   * open.
   */
  setViewedRoomId(roomId: string | undefined): void {
    this.viewedRoom = roomId;
    for (const entry of this.account.values()) entry.host?.setViewedRoomId(roomId);
  }

  /** Stops following a room: every host of its widgets ends (reported as `removed`). */
  unwatchRoom(roomId: string): void {
    const room = this.rooms.get(roomId);
    if (room === undefined) return;
    this.rooms.delete(roomId);
    cancelReread(room);
    for (const entry of room.widgets.values()) {
      this.stop(entry, "The room is no longer followed");
      this.emit("removed", { widget: entry });
    }
    room.widgets.clear();
  }

  /** The widgets of a room, or the user's account widgets with `"account"`. */
  widgets(where: string): readonly ManagedWidget[] {
    const map = where === "account" ? this.account : this.rooms.get(where)?.widgets;
    return map === undefined ? [] : [...map.values()];
  }

  /**
   * Mounts again a widget that is listed but not running: one the app's `mount` left unloaded
   * (the user declined, then changed their mind), whose mount failed, or that was refused under
   * `maxRunning` before a place came free. Resolves `true` once its host runs, `false` when it
   * stays unloaded (the mount declined again, the bound, a URL that does not render; each reported
   * as before). A widget running is left as it is (`true`), one not followed answers `false`, and
   * one whose mount the app has not answered yet is not mounted twice: the call waits for that
   * answer and resolves as the mount turns out.
   */
  async load(key: string): Promise<boolean> {
    const entry = this.entryByKey(key);
    if (entry === undefined || this.destroyed) return false;
    if (entry.host === undefined && entry.mountingGeneration !== entry.generation) {
      await this.track(this.start(entry));
    }
    // A newer definition may start while this waits: the newest start's answer is the answer.
    while (entry.host === undefined && entry.mountingGeneration === entry.generation && entry.starting) {
      await entry.starting;
    }
    return entry.host !== undefined;
  }

  /** A room's layout hints; empty for a room without any, or not followed. */
  layout(roomId: string): WidgetLayout {
    return this.rooms.get(roomId)?.layout ?? {};
  }

  /** Re-reads every followed room and the account widgets, and resolves once all is applied. */
  async refresh(): Promise<void> {
    const reads = [...this.rooms.keys()].map((roomId) => this.refreshRoom(roomId));
    if (this.options.accountWidgets === true) reads.push(this.readAccount());
    await this.track(Promise.all(reads));
    await this.settled();
  }

  /** Resolves once no read, scheduled re-read or mount is pending. */
  async settled(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  /** Ends every host, unmounts every frame and stops following state. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const unsubscribe of this.unsubscribers.splice(0)) {
      try {
        unsubscribe();
      } catch (error) {
        this.logger.warn(`WidgetManager: unsubscribing failed: ${describeThrown(error)}`);
      }
    }
    for (const room of this.rooms.values()) {
      cancelReread(room);
      for (const entry of room.widgets.values()) this.stop(entry, "The widget manager was destroyed");
    }
    for (const entry of this.account.values()) this.stop(entry, "The widget manager was destroyed");
    this.rooms.clear();
    this.account.clear();
    this.listeners.clear();
  }

  // ---- reading -------------------------------------------------------------------------------

  private onRoomEvent(event: RoomEvent): void {
    const room = this.rooms.get(event.room_id);
    if (room === undefined || this.destroyed) return;
    const relevant =
      (event.state_key !== undefined &&
        (ROOM_WIDGET_EVENT_TYPES.includes(event.type) || event.type === WIDGET_LAYOUT_EVENT_TYPE)) ||
      // A redacted widget event loses its content: the widget is gone, but no state event says so.
      event.type === "m.room.redaction" ||
      // Joining makes the room's state readable.
      (event.type === "m.room.member" &&
        (this.driver.userId === undefined || event.state_key === this.driver.userId));
    if (!relevant || room.timer !== undefined) return;
    // Read on the next task: a client may announce an event before its store holds the new state.
    let done!: () => void;
    this.track(new Promise<void>((resolve) => (done = resolve)));
    const handle = setTimeout(() => {
      room.timer = undefined;
      void this.refreshRoom(event.room_id).finally(done);
    }, 0);
    room.timer = { handle, done };
  }

  /** Reads a room's widget state and layout and applies them; one read per room at a time. */
  private refreshRoom(roomId: string): Promise<void> {
    const room = this.rooms.get(roomId);
    if (room === undefined) return Promise.resolve();
    if (room.refreshing !== undefined) {
      room.again = true;
      return room.refreshing;
    }
    const run = async () => {
      do {
        room.again = false;
        await this.readRoomOnce(roomId, room);
      } while (room.again && this.rooms.get(roomId) === room && !this.destroyed);
    };
    room.refreshing = run().finally(() => (room.refreshing = undefined));
    return room.refreshing;
  }

  private async readRoomOnce(roomId: string, room: RoomRecord): Promise<void> {
    const read = this.driver.readStateEvents?.bind(this.driver);
    if (read === undefined) {
      this.logger.warn("WidgetManager: the driver cannot read room state; no room widgets");
      return;
    }
    let events: RoomEvent[][];
    let layoutEvents: RoomEvent[];
    try {
      [events, layoutEvents] = await Promise.all([
        Promise.all(ROOM_WIDGET_EVENT_TYPES.map((type) => read(roomId, type, undefined))),
        read(roomId, WIDGET_LAYOUT_EVENT_TYPE, ""),
      ]);
    } catch (error) {
      // A failed read changes nothing: the widgets shown stay until a read succeeds.
      this.logger.warn(`WidgetManager: reading widgets of ${roomId} failed: ${describeThrown(error)}`);
      return;
    }
    if (this.rooms.get(roomId) !== room || this.destroyed) return;

    const results: WidgetParseResult[] = [];
    // Only the malformed events still in state are remembered: one that was replaced cannot come
    // back (event IDs are unique), and keeping every one would grow without bound in a room
    // where someone keeps writing bad definitions.
    const malformed = new Set<string>();
    // Legacy first, so that m.widget, read second, wins for an ID both define.
    for (const list of events) {
      for (const event of list) {
        const result = parseRoomWidgetEvent(event);
        if (result.kind === "invalid") {
          malformed.add(event.event_id);
          if (!room.reported.has(event.event_id)) {
            this.emit("problem", { id: result.id, roomId, reason: result.reason });
          }
        }
        results.push(result);
      }
    }
    room.reported = malformed;
    const desired = new Map<string, WidgetDefinition>();
    for (const result of results) {
      if (result.kind !== "widget") continue;
      const existing = desired.get(result.widget.id);
      if (existing === undefined || result.widget.eventType === WIDGET_EVENT_TYPE) {
        desired.set(result.widget.id, result.widget);
      }
    }

    const layout = parseWidgetLayout(layoutEvents[0]?.content);
    const layoutChanged = !sameJson(layout, room.layout);
    room.layout = layout;
    this.reconcile(room.widgets, desired, (id) => `${roomId}|${id}`);
    if (layoutChanged && this.rooms.get(roomId) === room) this.emit("layout", { roomId, layout });
  }

  private async readAccount(): Promise<void> {
    if (this.driver.readAccountData === undefined) {
      this.logger.warn("WidgetManager: the driver cannot read account data; no account widgets");
      return;
    }
    const version = this.accountVersion;
    let content: Record<string, unknown> | undefined;
    try {
      content = await this.driver.readAccountData(ACCOUNT_WIDGETS_TYPE);
    } catch (error) {
      this.logger.warn(`WidgetManager: reading ${ACCOUNT_WIDGETS_TYPE} failed: ${describeThrown(error)}`);
      return;
    }
    // An update that came in while reading is newer than what was read.
    if (version !== this.accountVersion || this.destroyed) return;
    this.applyAccount(content ?? {});
  }

  private applyAccount(content: Record<string, unknown>): void {
    const desired = new Map<string, WidgetDefinition>();
    for (const result of parseAccountWidgets(content, this.driver.userId ?? "")) {
      if (result.kind === "widget") desired.set(result.widget.id, result.widget);
      else if (result.kind === "invalid") this.emit("problem", { id: result.id, reason: result.reason });
    }
    this.reconcile(this.account, desired, (id) => `account|${id}`);
  }

  // ---- following -----------------------------------------------------------------------------

  /**
   * Brings the followed widgets in line with what the state now defines. Mounts run on their own
   * (tracked for {@link settled}): a slow mount must not hold up the room's next state change.
   */
  private reconcile(
    entries: Map<string, Entry>,
    desired: ReadonlyMap<string, WidgetDefinition>,
    keyOf: (id: string) => string,
  ): void {
    const starts: Array<Promise<void>> = [];
    for (const [id, entry] of [...entries]) {
      if (desired.has(id)) continue;
      entries.delete(id);
      this.stop(entry, "The widget was removed");
      this.emit("removed", { widget: entry });
    }
    for (const [id, definition] of desired) {
      const entry = entries.get(id);
      if (entry === undefined) {
        const added = new Entry(keyOf(id), definition);
        entries.set(id, added);
        this.emit("added", { widget: added });
        starts.push(this.start(added));
        continue;
      }
      const previous = entry.definition;
      if (needsRestart(previous, definition)) {
        this.stop(entry, "The widget's definition changed");
        entry.definition = definition;
        this.emit("changed", { widget: entry, previous, restarted: true });
        starts.push(this.start(entry));
      } else if (describesDifferently(previous, definition)) {
        entry.definition = definition;
        this.emit("changed", { widget: entry, previous, restarted: false });
      } else {
        // Same widget, resent: keep the newest event ID without telling anyone.
        entry.definition = definition;
      }
    }
    for (const start of starts) this.track(start);
  }

  /** Every widget followed: the user's, then each room's. */
  private *entries(): Generator<Entry> {
    yield* this.account.values();
    for (const room of this.rooms.values()) yield* room.widgets.values();
  }

  private entryByKey(key: string): Entry | undefined {
    for (const entry of this.entries()) if (entry.key === key) return entry;
    return undefined;
  }

  private runningCount(): number {
    let running = 0;
    for (const entry of this.entries()) {
      if (entry.host !== undefined || entry.mountingGeneration === entry.generation) running++;
    }
    return running;
  }

  /** Renders the URL, asks the app to mount it, and starts the host. */
  private start(entry: Entry): Promise<void> {
    const starting = this.startNow(entry);
    entry.starting = starting;
    return starting;
  }

  private async startNow(entry: Entry): Promise<void> {
    const generation = ++entry.generation;
    const widget = entry.definition;
    const where = widget.roomId === undefined ? {} : { roomId: widget.roomId };
    let url: string | undefined;
    try {
      const base =
        typeof this.options.renderContext === "function"
          ? this.options.renderContext(widget)
          : this.options.renderContext;
      // A room widget's room is its own, whatever room the app views.
      const context = widget.roomId === undefined ? base : { ...base, roomId: widget.roomId };
      url = renderWidgetUrl(widget, context);
    } catch (error) {
      this.emit("problem", { id: widget.id, ...where, reason: `Rendering failed: ${describeThrown(error)}` });
      return;
    }
    entry.url = url;
    if (url === undefined) {
      this.emit("problem", {
        id: widget.id,
        ...where,
        reason: "The URL is not an http(s) URL once templated",
      });
      return;
    }
    if (this.runningCount() >= this.maxRunning) {
      this.emit("problem", {
        id: widget.id,
        ...where,
        reason: `More than ${this.maxRunning} widgets running`,
      });
      return;
    }

    let mount: WidgetMount | undefined;
    entry.mountingGeneration = generation;
    // Only this generation's answer clears the mark: a stale mount resolving late must not free
    // the place a newer mount of the same widget holds.
    const answered = () => {
      if (entry.mountingGeneration === generation) entry.mountingGeneration = undefined;
    };
    try {
      mount = await this.options.mount({ widget, url, origin: new URL(url).origin });
    } catch (error) {
      answered();
      if (generation === entry.generation && !this.destroyed) {
        this.emit("problem", {
          id: widget.id,
          ...where,
          reason: `Mounting failed: ${describeThrown(error)}`,
        });
      }
      return;
    }
    answered();
    if (mount === undefined) return;
    if (generation !== entry.generation || this.destroyed) {
      // The widget changed or left while the app was mounting it.
      this.unmount(mount, widget.id);
      return;
    }
    let host: WidgetHost;
    try {
      const policy = mount.policy ?? this.options.policy;
      host = new WidgetHost({
        driver: this.driver,
        // A room widget's room keys its remembered consent; the app's hostOptions may still say otherwise.
        ...(widget.roomId === undefined ? {} : { roomId: widget.roomId }),
        ...mount.hostOptions,
        // A room widget's "this room" is the room that defines it, as in Element, whatever room the
        // app views: a widget someone put in one room must not read or send in another on screen.
        // A user widget's is the room the user views, once the app told the manager.
        ...(widget.roomId !== undefined
          ? { viewedRoomId: widget.roomId }
          : this.viewedRoom !== undefined
            ? { viewedRoomId: this.viewedRoom }
            : {}),
        ...(policy === undefined ? {} : { policy }),
        widgetId: widget.id,
        transport: mount.transport,
        waitForIframeLoad: widget.waitForIframeLoad,
      });
    } catch (error) {
      this.unmount(mount, widget.id);
      this.emit("problem", { id: widget.id, ...where, reason: `The host failed: ${describeThrown(error)}` });
      return;
    }
    entry.host = host;
    entry.mounted = mount;
    this.emit("started", { widget: entry, host });
  }

  /** Ends the widget's host (if any) and unmounts its frame; a pending mount becomes stale. */
  private stop(entry: Entry, reason: string): void {
    entry.generation++;
    const host = entry.host;
    const mount = entry.mounted;
    entry.host = undefined;
    entry.mounted = undefined;
    entry.url = undefined;
    if (host === undefined) return;
    host.destroy();
    if (mount !== undefined) this.unmount(mount, entry.definition.id);
    this.emit("ended", { widget: entry, host, reason });
  }

  private unmount(mount: WidgetMount, widgetId: string): void {
    try {
      mount.unmount?.();
    } catch (error) {
      this.logger.warn(`WidgetManager: unmounting ${widgetId} failed: ${describeThrown(error)}`);
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.work.add(promise);
    const forget = () => this.work.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  private emit<K extends keyof WidgetManagerEvents>(event: K, payload: WidgetManagerEvents[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<WidgetManagerEvents[K]>)(payload);
      } catch (error) {
        this.logger.warn(`WidgetManager: a ${event} listener threw: ${describeThrown(error)}`);
      }
    }
  }
}

/**
 * Drops a room's scheduled re-read, settling its tracked work: left pending, it would keep
 * {@link WidgetManager.settled} (and so every later `watchRoom`) from ever resolving.
 */
function cancelReread(room: RoomRecord): void {
  const timer = room.timer;
  if (timer === undefined) return;
  room.timer = undefined;
  clearTimeout(timer.handle);
  timer.done();
}

/** What ends a session: anything that changes the rendered frame or how the host negotiates. */
function needsRestart(a: WidgetDefinition, b: WidgetDefinition): boolean {
  return (
    a.url !== b.url ||
    a.type !== b.type ||
    a.waitForIframeLoad !== b.waitForIframeLoad ||
    !sameJson(a.data, b.data)
  );
}

/** What only changes how the widget is labelled. */
function describesDifferently(a: WidgetDefinition, b: WidgetDefinition): boolean {
  return (
    a.name !== b.name ||
    a.avatarUrl !== b.avatarUrl ||
    a.creatorUserId !== b.creatorUserId ||
    a.sender !== b.sender ||
    a.eventType !== b.eventType
  );
}

/** Deep equality of JSON values, ignoring key order. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => sameJson(item, b[index]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  return keys.every(
    (key) => Object.prototype.hasOwnProperty.call(right, key) && sameJson(left[key], right[key]),
  );
}
