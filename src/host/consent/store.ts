/**
 * Remembered consent: what a user agreed to for a widget, kept across sessions so they are not
 * asked again each time the widget loads.
 */
import { capabilityKey, parseCapability } from "../../capabilities/index.js";
import { MAX_CAPABILITIES_PER_REQUEST } from "../../protocol/actions/schemas.js";
import { MAX_GRANTABLE_CAPABILITY_LENGTH } from "../capability-filter.js";
import type { Awaitable } from "../policy.js";

/**
 * Whose consent: a widget, identified by its ID, the origin its URL loads from, and the room whose
 * state defines it. All three must match: a widget with the same ID in another room, or the same
 * ID and room pointed at another origin, is a different widget and is asked again.
 */
export interface ConsentKey {
  /** The widget's ID (`WidgetIdentity.widgetId`); on its own it proves nothing, hence the origin. */
  widgetId: string;
  /** The widget URL's origin (`https://widget.example`). */
  origin: string;
  /** The widget's room; absent for a user's own widgets (`m.widgets` account data). */
  roomId?: string;
}

/** What a user agreed to for one widget. */
export interface RememberedConsent {
  /** Capabilities granted for good, in the spelling the widget asked for. */
  readonly capabilities: readonly string[];
  /** Whether OpenID tokens may be handed out without asking. */
  readonly openId: boolean;
}

/** Consent to add to (or take from) what is remembered. Unset parts are left alone. */
export interface ConsentChange {
  /** Capabilities to add or take back, in either spelling. Unset or empty leaves them as they are. */
  capabilities?: readonly string[];
  /** `true` adds (or takes back) OpenID approval; `false` or unset leaves it as it is. */
  openId?: boolean;
}

/**
 * Where remembered consent lives. `remember` merges: what is already remembered stays, so a
 * renegotiation that remembers its new capabilities keeps the earlier ones (Element Web's
 * "remember" replaced the saved list with only the latest request's). Only `revoke` and `forget`
 * take consent away. Methods may be synchronous or return promises (for IndexedDB or a server).
 */
export interface ConsentStore {
  /** What is remembered for the widget; nothing remembered reads as no capabilities and no OpenID. */
  load(key: ConsentKey): Awaitable<RememberedConsent>;
  /** Adds to what is remembered: capabilities are merged (either spelling counts as one). */
  remember(key: ConsentKey, change: ConsentChange): Awaitable<void>;
  /** Takes consent back: the capabilities given (in either spelling), and OpenID when `openId` is true. */
  revoke(key: ConsentKey, change: ConsentChange): Awaitable<void>;
  /** Forgets everything remembered for the widget. */
  forget(key: ConsentKey): Awaitable<void>;
}

/** The part of the Web Storage API a {@link StorageConsentStore} uses; `localStorage` has it. */
export interface StorageLike {
  /** The item stored under `key`, or null when there is none. */
  getItem(key: string): string | null;
  /** Stores `value` under `key`, replacing any earlier item; may throw (storage full or blocked). */
  setItem(key: string, value: string): void;
  /** Removes the item under `key`; nothing happens when there is none. */
  removeItem(key: string): void;
}

const NOTHING: RememberedConsent = Object.freeze({ capabilities: Object.freeze([]), openId: false });

/** The default prefix of {@link StorageConsentStore} keys. */
export const DEFAULT_CONSENT_PREFIX = "matrix-widget-kit.consent.v1:";

/**
 * Remembered consent in Web Storage (`localStorage` by default), one JSON item per widget. An item
 * that does not parse (edited by hand, written by another version) reads as nothing remembered, so
 * damage can only lead to a question, never to a grant.
 */
export class StorageConsentStore implements ConsentStore {
  private readonly storage: StorageLike;
  private readonly prefix: string;

  /**
   * @param storage where to keep it; defaults to `globalThis.localStorage`, and throws when there
   *   is none (server rendering, some sandboxed frames): pass one then, or use {@link MemoryConsentStore}.
   * @param prefix prepended to every item key, to keep apart the consent of several accounts.
   */
  constructor(storage?: StorageLike, prefix: string = DEFAULT_CONSENT_PREFIX) {
    const chosen = storage ?? (globalThis as { localStorage?: StorageLike }).localStorage;
    if (!chosen) throw new Error("No localStorage here: pass a Storage to StorageConsentStore");
    this.storage = chosen;
    this.prefix = prefix;
  }

  load(key: ConsentKey): RememberedConsent {
    const raw = this.storage.getItem(this.itemKey(key));
    return raw === null ? NOTHING : readRecord(raw);
  }

  remember(key: ConsentKey, change: ConsentChange): void {
    this.write(key, merge(this.load(key), change));
  }

  revoke(key: ConsentKey, change: ConsentChange): void {
    this.write(key, without(this.load(key), change));
  }

  forget(key: ConsentKey): void {
    this.storage.removeItem(this.itemKey(key));
  }

  private write(key: ConsentKey, consent: RememberedConsent): void {
    const itemKey = this.itemKey(key);
    if (consent.capabilities.length === 0 && !consent.openId) this.storage.removeItem(itemKey);
    else this.storage.setItem(itemKey, JSON.stringify(consent));
  }

  /** JSON of the three parts, so no choice of widget ID or room can collide with another key. */
  private itemKey(key: ConsentKey): string {
    return this.prefix + JSON.stringify([key.widgetId, key.origin, key.roomId ?? null]);
  }
}

/** Remembered consent held in memory, for tests and for hosts that must not persist anything. */
export class MemoryConsentStore implements ConsentStore {
  private readonly records = new Map<string, RememberedConsent>();

  load(key: ConsentKey): RememberedConsent {
    return this.records.get(mapKey(key)) ?? NOTHING;
  }

  remember(key: ConsentKey, change: ConsentChange): void {
    this.set(key, merge(this.load(key), change));
  }

  revoke(key: ConsentKey, change: ConsentChange): void {
    this.set(key, without(this.load(key), change));
  }

  forget(key: ConsentKey): void {
    this.records.delete(mapKey(key));
  }

  private set(key: ConsentKey, consent: RememberedConsent): void {
    if (consent.capabilities.length === 0 && !consent.openId) this.records.delete(mapKey(key));
    else this.records.set(mapKey(key), consent);
  }
}

function mapKey(key: ConsentKey): string {
  return JSON.stringify([key.widgetId, key.origin, key.roomId ?? null]);
}

/** One key per capability whatever its spelling. */
export function consentCapabilityKey(capability: string): string {
  return capabilityKey(parseCapability(capability));
}

/** Only strings that could be granted at all are kept, and no more than one notify carries. */
function usable(capabilities: readonly unknown[]): string[] {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const capability of capabilities) {
    if (typeof capability !== "string" || capability === "") continue;
    if (capability.length > MAX_GRANTABLE_CAPABILITY_LENGTH) continue;
    const key = consentCapabilityKey(capability);
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(capability);
    if (kept.length >= MAX_CAPABILITIES_PER_REQUEST) break;
  }
  return kept;
}

function merge(current: RememberedConsent, change: ConsentChange): RememberedConsent {
  return {
    capabilities: usable([...current.capabilities, ...(change.capabilities ?? [])]),
    openId: current.openId || change.openId === true,
  };
}

function without(current: RememberedConsent, change: ConsentChange): RememberedConsent {
  const gone = new Set(usable(change.capabilities ?? []).map(consentCapabilityKey));
  return {
    capabilities: current.capabilities.filter((capability) => !gone.has(consentCapabilityKey(capability))),
    openId: current.openId && change.openId !== true,
  };
}

function readRecord(raw: string): RememberedConsent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return NOTHING;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return NOTHING;
  const { capabilities, openId } = parsed as { capabilities?: unknown; openId?: unknown };
  return {
    capabilities: Array.isArray(capabilities) ? usable(capabilities) : [],
    openId: openId === true,
  };
}
