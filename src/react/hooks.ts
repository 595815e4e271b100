import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { formatCapability } from "../capabilities/grammar.js";
import { describeThrown } from "../core/describe.js";
import type { WireRoomEvent, WireStateEvent } from "../protocol/actions/events.js";
import type { DirectoryUser } from "../protocol/actions/user-directory.js";
import type { JsonObject } from "../protocol/envelope.js";
import { ErrorCode, WidgetApiError } from "../protocol/errors.js";
import { ApiVersion } from "../protocol/versions.js";
import { onRoomEvent, onStateUpdate, readRoomEvents, readStateEvents } from "../widget/features/events.js";
import type { WidgetClient } from "../widget/widget-client.js";
import { useProviderValue, useWidgetClient } from "./provider.js";
import { EventTimeline, LatestGate, StateTable } from "./stores.js";
import { readAccountData, searchUserDirectory, watchAccountData } from "../widget/index.js";

/**
 * Where a hook's data stands: `loading` while the client connects or the first read is on its
 * way, `ready` once it has answered (live updates follow), `error` when the read failed.
 */
export type LoadStatus = "loading" | "ready" | "error";

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * A `roomIds` option as a string, so an effect depends on the rooms named rather than on the
 * identity of the array a render passed (a new array each render would restart the effect).
 */
function roomsKeyOf(roomIds: readonly string[] | "*" | undefined): string {
  return roomIds === undefined ? "" : roomIds === "*" ? "*" : JSON.stringify([...roomIds]);
}

/** The `roomIds` option back from {@link roomsKeyOf}. */
function roomsOfKey(key: string): readonly string[] | "*" | undefined {
  return key === "" ? undefined : key === "*" ? "*" : (JSON.parse(key) as string[]);
}

/** Whether an event of `roomId` belongs to a hook following `rooms` (default and `"*"`: every room). */
function inRooms(rooms: readonly string[] | "*" | undefined, roomId: string): boolean {
  return rooms === undefined || rooms === "*" || rooms.includes(roomId);
}

/** Whether two hook argument lists are the same, element by element (`Object.is`). */
function sameArgs(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, index) => Object.is(value, b[index]));
}

/** What a hook holds, tagged with the arguments (client, type, options) it answers. */
interface Held<T, A> {
  readonly args: A;
  readonly value: T;
}

/**
 * State that answers one list of hook arguments. When a component passes new arguments, React
 * renders (and may paint) once with the old state before the effect for the new ones runs; in
 * that render this returns `reset(old, args)` instead, so a hook never shows the previous type's
 * events as `ready` for the new type. `update` is given the arguments of the effect run that calls
 * it, and starts from `reset` as well when the state still answers other arguments. `retire`, called
 * from the cleanup of that effect run, resets what it held: arguments that go A, B, then A again
 * before B has answered would otherwise find A's first data and show it as `ready`, though nothing
 * kept it current while B was shown. `reset` must be a module-level function (it is not a
 * dependency of anything).
 */
function useHeldState<T, A extends readonly unknown[]>(
  args: A,
  reset: (previous: T | undefined, args: A) => T,
): [T, (args: A, change: (previous: T) => T) => void, (args: A) => void] {
  const [held, setHeld] = useState<Held<T, A>>(() => ({ args, value: reset(undefined, args) }));
  const update = useCallback(
    (forArgs: A, change: (previous: T) => T) =>
      setHeld((previous) => {
        const same = sameArgs(previous.args, forArgs);
        const value = change(same ? previous.value : reset(previous.value, forArgs));
        // Unchanged: the same object, so that React skips the render.
        return same && Object.is(value, previous.value) ? previous : { args: forArgs, value };
      }),
    [reset],
  );
  const retire = useCallback(
    (forArgs: A) =>
      setHeld((previous) => {
        if (!sameArgs(previous.args, forArgs)) return previous;
        const value = reset(previous.value, forArgs);
        return Object.is(value, previous.value) ? previous : { args: forArgs, value };
      }),
    [reset],
  );
  return [sameArgs(held.args, args) ? held.value : reset(held.value, args), update, retire];
}

function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(describeThrown(thrown));
}

function notReady(): WidgetApiError {
  return new WidgetApiError("The widget client is not connected yet", ErrorCode.OutOfSequence);
}

// ---- capabilities ----------------------------------------------------------------------------

/** What {@link useCapabilities} returns. */
export interface CapabilitiesState {
  /** The granted capabilities, as requested; empty until the client is ready. Live through renegotiation. */
  readonly granted: readonly string[];
  /** Whether a capability is granted; stable and unstable spellings count as the same. */
  has(capability: string): boolean;
  /**
   * Asks the host for more capabilities (MSC2974). Resolves with the whole granted set once the
   * host has decided; rejects before the client is ready.
   */
  request(capabilities: Iterable<string>): Promise<readonly string[]>;
}

/**
 * The capabilities the host granted, re-rendering whenever it renegotiates them, and a way to
 * ask for more.
 */
export function useCapabilities(): CapabilitiesState {
  const { client } = useWidgetClient();
  const subscribe = useCallback(
    (onChange: () => void) => {
      if (!client) return () => {};
      const stop = client.onCapabilitiesChanged(() => onChange());
      return () => {
        stop();
      };
    },
    [client],
  );
  const granted = useSyncExternalStore(
    subscribe,
    () => client?.capabilities ?? EMPTY,
    () => EMPTY,
  );
  const has = useCallback(
    // `granted` is a dependency so that a renegotiation gives a new function.
    (capability: string) => granted.length > 0 && client !== undefined && client.hasCapability(capability),
    [client, granted],
  );
  const request = useCallback(
    (capabilities: Iterable<string>): Promise<readonly string[]> =>
      client ? client.requestCapabilities(capabilities) : Promise.reject(notReady()),
    [client],
  );
  return useMemo(() => ({ granted, has, request }), [granted, has, request]);
}

// ---- room events -----------------------------------------------------------------------------

/** Options of {@link useRoomEvents}. */
export interface UseRoomEventsOptions {
  /** Only `m.room.message` events with this msgtype. */
  msgtype?: string;
  /** How many current events to read at first (the host may return fewer). */
  limit?: number;
  /**
   * Rooms to read and follow; by default the viewed room. Pushed events of other rooms are
   * dropped when this is a list; with `"*"` or by default every pushed event of the type is kept
   * (the host pushes other rooms only to widgets holding a timeline capability for them).
   */
  roomIds?: readonly string[] | "*";
  /** Most events kept; the oldest go first. Default 1000. */
  keep?: number;
}

/** What {@link useRoomEvents} returns. */
export interface RoomEventsState {
  /** The events, oldest first, each event ID once. */
  readonly events: readonly WireRoomEvent[];
  /** Loading until the first read has answered; see {@link LoadStatus}. */
  readonly status: LoadStatus;
  /** Why the last read failed, when `status` is `error`. */
  readonly error: Error | undefined;
}

/**
 * Room (non-state) events of `type`: the current ones read from the host (MSC2876), then live
 * ones as the host pushes them (MSC2762), merged in timeline order without duplicates. Needs the
 * matching receive capability (`eventCapability("receive", type)`); the events are read again
 * when the granted capabilities change, so a capability granted later fills the list (and a
 * revoked one turns `status` to `error`). New arguments start over from `loading` at once.
 */
export function useRoomEvents(type: string, options: UseRoomEventsOptions = {}): RoomEventsState {
  const { client } = useWidgetClient();
  const { msgtype, limit, roomIds, keep = 1000 } = options;
  const roomsKey = roomsKeyOf(roomIds);
  const args = [client, type, msgtype, limit, roomsKey, keep] as const;
  const [state, update, retire] = useHeldState<RoomEventsState, typeof args>(args, loadingEvents);

  useEffect(() => {
    if (!client) return;
    const rooms = roomsOfKey(roomsKey);
    const timeline = new EventTimeline(keep);
    const reads = new LatestGate();
    let active = true;
    let settled = false;
    const accepts = (event: WireRoomEvent): boolean =>
      event.type === type &&
      event.state_key === undefined &&
      (msgtype === undefined || event.content["msgtype"] === msgtype) &&
      inRooms(rooms, event.room_id);
    const publish = (patch: Partial<RoomEventsState> = {}) =>
      update(args, (previous) => ({ ...previous, events: timeline.list, ...patch }));
    // Listening first, then reading: an event sent in between arrives by one route or both.
    const stopListening = onRoomEvent(client, (event) => {
      if (!active || !accepts(event)) return;
      if (timeline.add([event]) && settled) publish();
    });
    const read = () => {
      // Only the newest read may set the status: after a revocation, an older read that answers
      // late must not turn the refusal of the newer one back into `ready`.
      const ticket = reads.issue();
      readRoomEvents(client, type, {
        ...(msgtype !== undefined ? { msgtype } : {}),
        ...(limit !== undefined ? { limit } : {}),
        ...(rooms !== undefined ? { roomIds: rooms } : {}),
      }).then(
        (events) => {
          if (!active || !reads.isCurrent(ticket)) return;
          settled = true;
          timeline.addNewestFirst(events.filter(accepts));
          publish({ status: "ready", error: undefined });
        },
        (error: unknown) => {
          if (!active || !reads.isCurrent(ticket)) return;
          settled = true;
          publish({ status: "error", error: asError(error) });
        },
      );
    };
    read();
    const stopWatchingGrants = client.onCapabilitiesChanged(() => read());
    return () => {
      active = false;
      stopListening();
      stopWatchingGrants();
      retire(args);
    };
    // `args` is made of the other dependencies.
  }, [client, type, msgtype, limit, roomsKey, keep]);

  return state;
}

const LOADING_EVENTS = { events: EMPTY, status: "loading", error: undefined } as const;

/** The state of an events hook before its first read has answered, whatever it held before. */
function loadingEvents(): typeof LOADING_EVENTS {
  return LOADING_EVENTS;
}

// ---- state events ----------------------------------------------------------------------------

/** Options of {@link useStateEvents}. */
export interface UseStateEventsOptions {
  /** Only this state key (`""` is the empty key); every key by default. */
  stateKey?: string;
  /** Rooms to read and follow, as in {@link UseRoomEventsOptions.roomIds}. */
  roomIds?: readonly string[] | "*";
}

/** What {@link useStateEvents} returns. */
export interface StateEventsState {
  /** The current state events, one per (room, type, state key). */
  readonly events: readonly WireStateEvent[];
  /** Loading until the first read has answered; see {@link LoadStatus}. */
  readonly status: LoadStatus;
  /** Why the last read failed, when `status` is `error`. */
  readonly error: Error | undefined;
}

/**
 * Current state events of `type`: read from the host, then kept current with its pushes
 * (`update_state`, and state events arriving as room events from hosts without it). A push that
 * arrives while a read is on its way wins over that read for its key. Needs
 * `stateCapability("receive", type)`; read again when the granted capabilities change. New
 * arguments start over from `loading` at once.
 */
export function useStateEvents(type: string, options: UseStateEventsOptions = {}): StateEventsState {
  const { client } = useWidgetClient();
  const { stateKey, roomIds } = options;
  const roomsKey = roomsKeyOf(roomIds);
  const args = [client, type, stateKey, roomsKey] as const;
  const [state, update, retire] = useHeldState<StateEventsState, typeof args>(args, loadingEvents);

  useEffect(() => {
    if (!client) return;
    const rooms = roomsOfKey(roomsKey);
    const table = new StateTable();
    const reads = new LatestGate();
    let active = true;
    let settled = false;
    const accepts = (event: WireRoomEvent): event is WireStateEvent =>
      event.type === type &&
      event.state_key !== undefined &&
      (stateKey === undefined || event.state_key === stateKey) &&
      inRooms(rooms, event.room_id);
    const publish = (patch: Partial<StateEventsState> = {}) =>
      update(args, (previous) => ({ ...previous, events: table.list, ...patch }));
    const pushed = (events: readonly WireRoomEvent[]) => {
      if (!active) return;
      if (table.applyPush(events.filter(accepts)) && settled) publish();
    };
    const stopUpdates = onStateUpdate(client, (events) => pushed(events));
    const stopEvents = onRoomEvent(client, (event) => pushed([event]));
    const read = () => {
      const ticket = table.beginRead();
      // As in useRoomEvents: an older read answered after a newer one is dropped.
      const newest = reads.issue();
      readStateEvents(client, type, {
        ...(stateKey !== undefined ? { stateKey } : {}),
        ...(rooms !== undefined ? { roomIds: rooms } : {}),
      }).then(
        (events) => {
          if (!active || !reads.isCurrent(newest)) {
            table.abandonRead(ticket);
            return;
          }
          settled = true;
          table.applyRead(ticket, events.filter(accepts));
          publish({ status: "ready", error: undefined });
        },
        (error: unknown) => {
          table.abandonRead(ticket);
          if (!active || !reads.isCurrent(newest)) return;
          settled = true;
          publish({ status: "error", error: asError(error) });
        },
      );
    };
    read();
    const stopWatchingGrants = client.onCapabilitiesChanged(() => read());
    return () => {
      active = false;
      stopUpdates();
      stopEvents();
      stopWatchingGrants();
      retire(args);
    };
    // `args` is made of the other dependencies.
  }, [client, type, stateKey, roomsKey]);

  return state;
}

// ---- account data ----------------------------------------------------------------------------

/** What {@link useAccountData} returns. */
export interface AccountDataState {
  /** The content of the account data, or `undefined` while loading or when the type is unset. */
  readonly content: Record<string, unknown> | undefined;
  /** Loading until the read has answered (or a change was pushed); see {@link LoadStatus}. */
  readonly status: LoadStatus;
  /** Why the read failed, when `status` is `error`. */
  readonly error: Error | undefined;
  /** Whether changes are pushed (the host accepted the watch); otherwise `content` is read once. */
  readonly live: boolean;
}

function watchIfSupported(
  client: WidgetClient,
  type: string,
  listener: (content: Record<string, unknown>) => void,
): Promise<(() => void) | undefined> {
  if (!client.hostSupports(ApiVersion.AccountDataWatch)) return Promise.resolve(undefined);
  return watchAccountData(client, [type], (_type, content) => listener(content));
}

/**
 * The user's global account data of `type` (MSC3751), kept current through this toolkit's watch
 * extension when the host supports it. Needs `formatCapability({ kind: "account_data", eventType:
 * type })`; read again (and watched) when the granted capabilities change. A change pushed while
 * the read is on its way wins over the read.
 */
export function useAccountData(type: string): AccountDataState {
  const { client } = useWidgetClient();
  const args = [client, type] as const;
  const [state, update, retire] = useHeldState<AccountDataState, typeof args>(args, loadingAccountData);

  useEffect(() => {
    if (!client) return;
    const setState = (change: (previous: AccountDataState) => AccountDataState) => update(args, change);
    const capability = formatCapability({ kind: "account_data", eventType: type });
    let active = true;
    let stopWatch: (() => void) | undefined;
    let watchStarted = false;
    const gate = new LatestGate();
    const load = async () => {
      // The watch is set up before the read, so no change falls between the two.
      if (!watchStarted && client.hasCapability(capability)) {
        // Set before waiting, so that two loads in a row do not watch twice.
        watchStarted = true;
        const stop = await watchIfSupported(client, type, (content) => {
          // A pushed change is newer than any read still on its way.
          gate.issue();
          if (active) setState((previous) => ({ ...previous, content, status: "ready", error: undefined }));
        }).catch(() => undefined);
        if (!active) stop?.();
        else stopWatch = stop;
        // Not watched (the host refused or lacks the extension): a later grant may try again.
        if (!stop) watchStarted = false;
      }
      if (!active) return;
      const ticket = gate.issue();
      // Whether the watch runs is read when a read lands, not when it started: a read started
      // while the first watch was still on its way may land after the watch began.
      const live = () => stopWatch !== undefined;
      try {
        const content = await readAccountData(client, type);
        if (active && gate.isCurrent(ticket))
          setState(() => ({ content, status: "ready", error: undefined, live: live() }));
        else if (active) setState((previous) => ({ ...previous, live: live() }));
      } catch (error) {
        if (active && gate.isCurrent(ticket)) {
          setState(() => ({ content: undefined, status: "error", error: asError(error), live: live() }));
        }
      }
    };
    void load();
    const stopWatchingGrants = client.onCapabilitiesChanged(() => void load());
    return () => {
      active = false;
      stopWatchingGrants();
      stopWatch?.();
      retire(args);
    };
    // `args` is made of the other dependencies.
  }, [client, type]);

  return state;
}

const LOADING_ACCOUNT_DATA: AccountDataState = {
  content: undefined,
  status: "loading",
  error: undefined,
  live: false,
};

/** The state of {@link useAccountData} before its read has answered, whatever it held before. */
function loadingAccountData(): AccountDataState {
  return LOADING_ACCOUNT_DATA;
}

// ---- user directory --------------------------------------------------------------------------

/** Options of {@link useUserDirectorySearch}. */
export interface UseUserDirectorySearchOptions {
  /** How long the term must stay unchanged before it is searched, in ms. Default 300. */
  debounceMs?: number;
  /** Most results wanted; the host may return fewer. */
  limit?: number;
}

/** What {@link useUserDirectorySearch} returns. */
export interface UserDirectorySearchState {
  /** The term `results` answer; the previous results stay while a newer term is being searched. */
  readonly term: string;
  /** The users found for `term`, as the homeserver ranked them. */
  readonly results: readonly DirectoryUser[];
  /** Whether the homeserver cut the results short. */
  readonly limited: boolean;
  /** `idle` for an empty term, `searching` while waiting (debounce included), then `ready` or `error`. */
  readonly status: "idle" | "searching" | "ready" | "error";
  /** Why the newest search failed, when `status` is `error`. */
  readonly error: Error | undefined;
}

const IDLE_SEARCH: UserDirectorySearchState = {
  term: "",
  results: EMPTY,
  limited: false,
  status: "idle",
  error: undefined,
};

/**
 * Searches the user directory (MSC3973) as the user types: `term` is searched once it has stayed
 * the same for `debounceMs`, and only the answer to the newest search is ever shown, so a slow
 * answer to an older term that arrives after a newer one is dropped. An empty (or blank) term
 * clears the results without a request. Needs `org.matrix.msc3973.user_directory_search`.
 */
export function useUserDirectorySearch(
  term: string,
  options: UseUserDirectorySearchOptions = {},
): UserDirectorySearchState {
  const { client } = useWidgetClient();
  const { debounceMs = 300, limit } = options;
  const args = [client, term, debounceMs, limit] as const;
  const [state, update, retire] = useHeldState<UserDirectorySearchState, typeof args>(args, searchingFor);
  // One gate for the component's life: every term change makes earlier answers stale.
  const gate = useRef<LatestGate | undefined>(undefined);

  useEffect(() => {
    const tickets = gate.current ?? (gate.current = new LatestGate());
    const ticket = tickets.issue();
    // Keeps what the renders since the change showed (idle, or searching with the old results).
    update(args, (previous) => previous);
    if (term.trim() === "" || !client) return;
    const timer = setTimeout(() => {
      searchUserDirectory(client, term, limit === undefined ? {} : { limit }).then(
        ({ results, limited }) => {
          if (!tickets.isCurrent(ticket)) return;
          update(args, () => ({ term, results, limited, status: "ready", error: undefined }));
        },
        (error: unknown) => {
          if (!tickets.isCurrent(ticket)) return;
          update(args, (previous) => ({ ...previous, status: "error", error: asError(error) }));
        },
      );
    }, debounceMs);
    return () => {
      clearTimeout(timer);
      // Unmounted or superseded: nothing this run started may land any more.
      if (tickets.isCurrent(ticket)) tickets.issue();
      retire(args);
    };
    // `args` is made of the other dependencies.
  }, [client, term, debounceMs, limit]);

  return state;
}

/**
 * The search state as soon as the term (or the client, or an option) changes, before its effect
 * runs: idle for a blank term, otherwise searching, with the previous results kept.
 */
function searchingFor(
  previous: UserDirectorySearchState | undefined,
  [, term]: readonly [unknown, string, ...unknown[]],
): UserDirectorySearchState {
  if (term.trim() === "") return IDLE_SEARCH;
  return { ...(previous ?? IDLE_SEARCH), status: "searching", error: undefined };
}

// ---- theme and language ----------------------------------------------------------------------

/**
 * The client's theme (MSC2873 `theme_change`, in the client's own format): the provider's `theme`
 * prop until the host sends one. Re-renders on every change.
 */
export function useTheme(): JsonObject | undefined {
  const { theme } = useProviderValue("useTheme");
  return useSyncExternalStore(theme.subscribe, theme.get, theme.get);
}

/**
 * The user's language (MSC2873 `language_change`, a BCP 47 tag, underscores allowed): the
 * provider's `language` prop until the host sends one. Re-renders on every change.
 */
export function useLanguage(): string | undefined {
  const { language } = useProviderValue("useLanguage");
  return useSyncExternalStore(language.subscribe, language.get, language.get);
}
