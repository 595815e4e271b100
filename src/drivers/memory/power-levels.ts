/**
 * Reading a room's power levels the way the authorisation rules do (room version 11), for the
 * few checks the world makes that depend on them.
 */

import type { JsonContent } from "./json.js";

/**
 * A user's power level: their entry in `users`, else `users_default`, else 0. Without any
 * `m.room.power_levels` event the room's creator has 100 and everyone else 0, which is what lets
 * the creator send the first power levels at all.
 */
export function userPowerLevel(
  powerLevels: JsonContent | undefined,
  creator: string,
  userId: string,
): number {
  if (powerLevels === undefined) return userId === creator ? 100 : 0;
  return levelIn(powerLevels["users"], userId) ?? integer(powerLevels["users_default"]) ?? 0;
}

/**
 * The presets of `POST /createRoom`. They differ in the join rule, in `invite` (0 in private
 * chats, where any member may invite; 50 in public ones) and in whether the first invitees get
 * the creator's level (`trusted_private_chat`, which clients use for direct messages).
 */
export type RoomPreset = "private_chat" | "trusted_private_chat" | "public_chat";

/**
 * The power levels Synapse gives a new room of version 11 made with `preset`: the creator at
 * 100, room-defining state (power levels, history visibility, encryption, tombstone, server ACLs)
 * at 100, name, avatar and canonical alias at 50, and the preset's own changes. `users` adds to
 * (and wins over) the preset's users; the creator keeps 100 whatever it says.
 */
export function defaultPowerLevels(
  preset: RoomPreset,
  creator: string,
  invitees: readonly string[],
  users: Readonly<Record<string, number>> | undefined,
): JsonContent {
  const levels: Record<string, number> = {};
  // trusted_private_chat: Synapse's "original invitees have ops".
  if (preset === "trusted_private_chat") for (const userId of invitees) levels[userId] = 100;
  const events: Record<string, number> = {
    "m.room.name": 50,
    "m.room.power_levels": 100,
    "m.room.history_visibility": 100,
    "m.room.canonical_alias": 50,
    "m.room.avatar": 50,
    "m.room.tombstone": 100,
    "m.room.server_acl": 100,
    "m.room.encryption": 100,
  };
  // Public rooms keep strangers from ringing everyone with a legacy VoIP call.
  if (preset === "public_chat") events["m.call.invite"] = 50;
  return {
    users: { ...levels, ...users, [creator]: 100 },
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

/** The level `map` (`users` or `events`) gives `key`, if it is an object with an integer there. */
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
