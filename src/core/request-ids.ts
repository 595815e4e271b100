/**
 * Makes request IDs that are unique per session: a random prefix plus a counter. An object rather
 * than a closure, and the prefix joined into one flat string rather than concatenated (a chain of
 * string pieces): every live session keeps one of these on each end.
 */
export class RequestIdSource {
  // Declared, not defined: the constructor sets it, and a definition would be bytes in every
  // widget bundle.
  declare private readonly prefix: string;
  private counter = 0;

  constructor(side: string) {
    // 64 random bits, as two decimal numbers: unique across reloads of either end.
    this.prefix = [side, ...globalThis.crypto.getRandomValues(new Uint32Array(2))].join("-");
  }

  next(): string {
    return `${this.prefix}-${(this.counter++).toString(36)}`;
  }
}

/**
 * A random UUID version 4, the request ID MSC4412 requires. Random rather than counted: the
 * proposal fixes the format, and a random ID also tells nothing about how busy the session is.
 */
export function uuidV4(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
