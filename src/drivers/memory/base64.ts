/**
 * Unpadded base64 for the world's stand-in values: room IDs of room version 12 (URL-safe) and the
 * seeded secret-storage fields (standard alphabet): one encoder for both.
 */

/** The standard base64 alphabet. */
export const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** The URL-safe base64 alphabet. */
export const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** `bytes` (each 0–255) in unpadded base64 of `alphabet`. */
export function unpaddedBase64(bytes: readonly number[], alphabet: string): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += alphabet[(chunk >> (18 - 6 * c)) & 63];
  }
  return out;
}
