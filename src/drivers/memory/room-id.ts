/**
 * Room IDs of room version 12 (MSC4291): `!` and the create event's reference hash, 32 bytes in
 * URL-safe unpadded base64, with no server name. The world signs and hashes nothing, so it makes
 * a stand-in: 32 bytes that depend only on a seed string, so a test that creates the same rooms
 * in the same order gets the same IDs every time. They are not SHA-256 of anything, and need not
 * be: no client can recompute a reference hash without the full federation event.
 */

import { BASE64URL, unpaddedBase64 } from "./base64.js";

/** 32 bytes derived from `seed` (FNV-1a to seed a Mulberry32 stream), as unpadded base64url. */
export function fakeReferenceHash(seed: string): string {
  let state = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) state = Math.imul(state ^ seed.charCodeAt(i), 0x01000193);
  const bytes: number[] = [];
  for (let word = 0; word < 8; word++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    mixed = (mixed ^ (mixed >>> 14)) >>> 0;
    bytes.push(mixed >>> 24, (mixed >>> 16) & 255, (mixed >>> 8) & 255, mixed & 255);
  }
  return unpaddedBase64(bytes, BASE64URL);
}
