/**
 * Reading a room's power levels the way the authorisation rules do (room versions 11 and 12), for
 * the few checks the world makes that depend on them.
 */

import type { JsonContent } from "./json.js";

/** The room versions the world makes: 11, and 12 (Synapse 1.163's default). */
export type RoomVersion = "11" | "12";

/**
 * Who created a room, as the authorisation rules see it. In version 12 (MSC4289) the creators are
 * the create event's sender and the users its content lists in `additional_creators`; their power
 * is above every level and no `users` entry can change it. In version 11 the sender only matters
 * while the room has no power levels.
 */
export interface RoomCreators {
  /** Whether the creators have unlimited power (room version 12). */
  readonly privileged: boolean;
  /** The create event's sender first, then any additional creators (version 12 only). */
  readonly userIds: readonly string[];
}

/**
 * The creators a room's `m.room.create` event names. Rooms whose `room_version` is "12" give them
 * unlimited power; any other version is read as 11, the other version the world makes.
 */
export function roomCreators(create: { sender: string; content: JsonContent } | undefined): RoomCreators {
  if (create === undefined) return { privileged: false, userIds: [] };
  if (create.content["room_version"] !== "12") return { privileged: false, userIds: [create.sender] };
  const additional = create.content["additional_creators"];
  const listed = Array.isArray(additional)
    ? additional.filter((userId): userId is string => typeof userId === "string")
    : [];
  return { privileged: true, userIds: [create.sender, ...listed.filter((id) => id !== create.sender)] };
}

/**
 * A user's power level. A creator of a version 12 room has `Infinity`, above any level a room can
 * set. Otherwise: their entry in `users`, else `users_default`, else 0. Without any
 * `m.room.power_levels` event the room's creator has 100 and everyone else 0, which is what lets
 * the creator of a version 11 room send the first power levels at all.
 */
export function userPowerLevel(
  powerLevels: JsonContent | undefined,
  creators: RoomCreators,
  userId: string,
): number {
  if (creators.privileged && creators.userIds.includes(userId)) return Infinity;
  if (powerLevels === undefined) return userId === creators.userIds[0] ? 100 : 0;
  return levelIn(powerLevels["users"], userId) ?? integer(powerLevels["users_default"]) ?? 0;
}

/**
 * Why a version 12 room refuses `powerLevels`, or `undefined` when it does not: the creators may not
 * appear in `users` (whatever the level), so no power levels can demote or promote a creator.
 * Synapse's words, the sender checked before the additional creators. Always `undefined` in
 * version 11.
 */
export function creatorListingError(powerLevels: JsonContent, creators: RoomCreators): string | undefined {
  const users = powerLevels["users"];
  if (!creators.privileged || typeof users !== "object" || users === null || Array.isArray(users)) {
    return undefined;
  }
  const [creator, ...additional] = creators.userIds;
  if (creator !== undefined && Object.hasOwn(users, creator)) {
    return `Creator user ${creator} must not appear in content.users`;
  }
  if (additional.some((userId) => Object.hasOwn(users, userId))) {
    return "Additional creators users must not appear in content.users";
  }
  return undefined;
}

/**
 * The presets of `POST /createRoom`. They differ in the join rule, in `invite` (0 in private
 * chats, where any member may invite; 50 in public ones) and in whether the first invitees get
 * the creator's level (`trusted_private_chat`, which clients use for direct messages).
 */
export type RoomPreset = "private_chat" | "trusted_private_chat" | "public_chat";

/**
 * The power levels Synapse gives a new room made with `preset`: room-defining state (power
 * levels, history visibility, encryption, server ACLs) at 100, name, avatar and canonical alias at
 * 50, and the preset's own changes. `users` adds to (and wins over) the preset's users.
 *
 * Version 11: the creator at 100 whatever `users` says, the tombstone at 100, and in
 * `trusted_private_chat` the invitees at 100. Version 12: no creator in `users` (a creator's power
 * is unlimited, and the invitees of a `trusted_private_chat` are creators too, listed in the create
 * event), and the tombstone at 150, so that upgrading the room is left to its creators.
 */
export function defaultPowerLevels(
  version: RoomVersion,
  preset: RoomPreset,
  creator: string,
  invitees: readonly string[],
  users: Readonly<Record<string, number>> | undefined,
): JsonContent {
  const levels: Record<string, number> = {};
  // trusted_private_chat: Synapse's "original invitees have ops" (additional creators in version 12).
  if (preset === "trusted_private_chat" && version === "11") {
    for (const userId of invitees) levels[userId] = 100;
  }
  const events: Record<string, number> = {
    "m.room.name": 50,
    "m.room.power_levels": 100,
    "m.room.history_visibility": 100,
    "m.room.canonical_alias": 50,
    "m.room.avatar": 50,
    "m.room.tombstone": version === "12" ? 150 : 100,
    "m.room.server_acl": 100,
    "m.room.encryption": 100,
  };
  // Public rooms keep strangers from ringing everyone with a legacy VoIP call.
  if (preset === "public_chat") events["m.call.invite"] = 50;
  return {
    users: version === "12" ? { ...levels, ...users } : { ...levels, ...users, [creator]: 100 },
    users_default: 0,
    events,
    events_default: 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    redact: 50,
    invite: preset === "public_chat" ? 50 : 0,
    historical: 100,
  };
}

/** The level a user needs to invite others: `invite`, 0 when the room does not set it. */
export function invitePowerLevel(powerLevels: JsonContent | undefined): number {
  return integer(powerLevels?.["invite"]) ?? 0;
}

/** The level a user needs to redact other users' events: `redact`, 50 when the room does not set it. */
export function redactPowerLevel(powerLevels: JsonContent | undefined): number {
  return integer(powerLevels?.["redact"]) ?? 50;
}

/** The level a user needs to kick another: `kick`, 50 when the room does not set it. */
export function kickPowerLevel(powerLevels: JsonContent | undefined): number {
  return integer(powerLevels?.["kick"]) ?? 50;
}

/** The level a user needs to ban or unban another: `ban`, 50 when the room does not set it. */
export function banPowerLevel(powerLevels: JsonContent | undefined): number {
  return integer(powerLevels?.["ban"]) ?? 50;
}

/** The top-level levels whose change the authorisation rules check, in Synapse's order. */
const NAMED_LEVELS = [
  "users_default",
  "events_default",
  "state_default",
  "ban",
  "redact",
  "kick",
  "invite",
] as const;

/**
 * Why new power levels may not replace `previous`, sent by `sender` at `senderLevel`, or
 * `undefined` when they may (the authorisation rules for `m.room.power_levels`, room versions 11
 * and 12, in Synapse's words). Every level that changes (a named level, a user's, an event
 * type's, a notification's), whether added, removed or altered, must be at most the sender's
 * level before and after; and the sender may not change another user whose level is their own.
 * A creator of a version 12 room (`Infinity`) may change anything. The first power levels of a
 * room are not checked.
 */
export function powerLevelsChangeError(
  previous: JsonContent | undefined,
  next: JsonContent,
  sender: string,
  senderLevel: number,
): string | undefined {
  if (previous === undefined) return undefined;
  const checks: { map: string | undefined; key: string }[] = NAMED_LEVELS.map((key) => ({
    map: undefined,
    key,
  }));
  for (const map of ["users", "events", "notifications"]) {
    const keys = new Set([...keysOf(previous[map]), ...keysOf(next[map])]);
    for (const key of keys) checks.push({ map, key });
  }
  for (const { map, key } of checks) {
    const before = levelIn(map === undefined ? previous : previous[map], key);
    const after = levelIn(map === undefined ? next : next[map], key);
    if (before === after) continue;
    if (map === "users" && key !== sender && before === senderLevel) {
      return "You don't have permission to remove ops level equal to your own";
    }
    if ((before !== undefined && before > senderLevel) || (after !== undefined && after > senderLevel)) {
      return "You don't have permission to add ops level greater than your own";
    }
  }
  return undefined;
}

function keysOf(map: unknown): string[] {
  return typeof map === "object" && map !== null && !Array.isArray(map) ? Object.keys(map) : [];
}

/**
 * The level `map` (`users`, `events`, `notifications`, or the power levels themselves for a named
 * level) gives `key`, if it is an object with an integer there.
 */
function levelIn(map: unknown, key: string): number | undefined {
  if (typeof map !== "object" || map === null || Array.isArray(map) || !Object.hasOwn(map, key)) {
    return undefined;
  }
  return integer((map as JsonContent)[key]);
}

/**
 * Room version 10 and later refuse power levels that are not integers, so the world, which does
 * not check them when they are sent, reads any other value as unset.
 */
function integer(value: unknown): number | undefined {
  return Number.isSafeInteger(value) ? (value as number) : undefined;
}

/**
 * The level needed to send an event of `type`: its entry in `events`, else `state_default` (50
 * with power levels, 0 without) for a state event or `events_default` (0) for any other.
 */
export function sendPowerLevel(powerLevels: JsonContent | undefined, type: string, isState: boolean): number {
  const level = levelIn(powerLevels?.["events"], type);
  if (level !== undefined) return level;
  if (isState) return integer(powerLevels?.["state_default"]) ?? (powerLevels === undefined ? 0 : 50);
  return integer(powerLevels?.["events_default"]) ?? 0;
}
