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
