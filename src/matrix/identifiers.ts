/**
 * Matrix identifier grammar (spec appendices, "Identifier Grammar").
 *
 * Every function here is total: it accepts any value, never throws and
 * answers `false` / `undefined` for anything that is not a well-formed
 * identifier. No regular expression used on untrusted input can backtrack.
 */

/** Maximum size of a user ID, room ID, room alias or event ID, in UTF-8 bytes. */
export const MAX_IDENTIFIER_BYTES = 255;

/** Largest DNS-name length the server-name grammar allows. */
const MAX_DNS_NAME_CHARS = 255;

/** Localpart grammar for user IDs since spec v1.8 (`historical: false`). */
const STRICT_LOCALPART = /^[a-z0-9._=\-/+]+$/;

/** Options for {@link parseUserId} and {@link isValidUserId}. */
export interface UserIdOptions {
  /**
   * Accept historical (non-compliant) localparts: any code point except `:`
   * and NUL, no lone surrogates. Defaults to `true`, because clients MUST
   * accept historical user IDs. Set to `false` for the v1.8 strict grammar
   * `[a-z0-9._=\-/+]+`.
   */
  historical?: boolean;
}

/** The two halves of a user ID, split at the first `:`. */
export interface UserIdParts {
  /** Everything between the leading `@` and the first `:`. */
  localpart: string;
  /** Everything after the first `:`; a valid server name. */
  serverName: string;
}

/**
 * Number of bytes `s` takes once encoded as UTF-8. A lone surrogate counts
 * as 3 bytes, the size of the U+FFFD that `TextEncoder` would write for it.
 * Returns 0 for a non-string.
 */
export function utf8ByteLength(s: string): number {
  if (typeof s !== "string") return 0;
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (isHighSurrogate(unit) && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Whether `name` is a server name: `hostname [":" port]`, where the port has
 * 1–5 digits and is at most 65535, and the hostname is an IPv4 dotted quad,
 * a bracketed IPv6 literal (2–45 characters of hex digits, `:` and `.`) or a
 * DNS name (1–255 characters of `[A-Za-z0-9.-]`).
 *
 * A hostname made only of digits and dots is treated as IPv4 and must be a
 * dotted quad with octets 0–255 (so `256.1.1.1` and `1.2.3` are refused).
 */
export function isValidServerName(name: unknown): boolean {
  if (typeof name !== "string" || name.length === 0) return false;
  let host: string;
  let port: string | undefined;
  if (name.startsWith("[")) {
    const close = name.indexOf("]");
    if (close < 0) return false;
    host = name.slice(0, close + 1);
    const rest = name.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return false;
      port = rest.slice(1);
    }
  } else {
    const colon = name.indexOf(":");
    host = colon < 0 ? name : name.slice(0, colon);
    port = colon < 0 ? undefined : name.slice(colon + 1);
  }
  if (port !== undefined && !isValidPort(port)) return false;
  return isValidHostname(host);
}

/**
 * Splits a user ID into localpart and server name, or returns `undefined`
 * when it is not a valid user ID. The ID must start with `@`, is split at
 * the FIRST `:` (server names may contain colons: ports, IPv6), must be at
 * most 255 UTF-8 bytes and must have a valid server name. The localpart is
 * checked as described on {@link UserIdOptions.historical}.
 */
export function parseUserId(id: unknown, opts?: UserIdOptions): UserIdParts | undefined {
  if (!hasSigilAndFits(id, "@")) return undefined;
  const colon = id.indexOf(":");
  if (colon < 0) return undefined;
  const localpart = id.slice(1, colon);
  const serverName = id.slice(colon + 1);
  if (!isValidServerName(serverName)) return undefined;
  const historical = opts?.historical !== false;
  const localOk = historical ? isOpaqueText(localpart) : STRICT_LOCALPART.test(localpart);
  return localOk ? { localpart, serverName } : undefined;
}

/** Whether `id` is a valid user ID; see {@link parseUserId}. */
export function isValidUserId(id: unknown, opts?: UserIdOptions): boolean {
  return parseUserId(id, opts) !== undefined;
}

/**
 * Whether `id` is a room ID: `!` followed by a non-empty opaque part, then
 * optionally `:` and a valid server name (room versions from spec v1.16 have
 * no server part). At most 255 UTF-8 bytes, no NUL, no lone surrogates.
 */
export function isValidRoomId(id: unknown): boolean {
  if (!hasSigilAndFits(id, "!")) return false;
  const colon = id.indexOf(":");
  if (colon < 0) return isOpaqueText(id.slice(1));
  return isOpaqueText(id.slice(1, colon)) && isValidServerName(id.slice(colon + 1));
}

/**
 * Whether `alias` is a room alias: `#localpart:server_name`, where the
 * localpart is non-empty and contains no `:`, NUL or lone surrogate, and the
 * server name is valid. At most 255 UTF-8 bytes.
 */
export function isValidRoomAlias(alias: unknown): boolean {
  if (!hasSigilAndFits(alias, "#")) return false;
  const colon = alias.indexOf(":");
  if (colon < 0) return false;
  return isOpaqueText(alias.slice(1, colon)) && isValidServerName(alias.slice(colon + 1));
}

/**
 * Whether `id` is an event ID: `$` followed by a non-empty opaque part with
 * no NUL and no lone surrogate, at most 255 UTF-8 bytes. The opaque part is
 * not split further: v1/v2 IDs carry `:domain`, v3+ IDs are base64 and may
 * contain `/` and `+`.
 */
export function isValidEventId(id: unknown): boolean {
  return hasSigilAndFits(id, "$") && isOpaqueText(id.slice(1));
}

/** `value` is a string starting with `sigil` and no longer than the byte limit. */
function hasSigilAndFits(value: unknown, sigil: string): value is string {
  if (typeof value !== "string" || !value.startsWith(sigil)) return false;
  // Every UTF-16 code unit needs at least one byte, so this cheap test bounds the work below.
  if (value.length > MAX_IDENTIFIER_BYTES) return false;
  return utf8ByteLength(value) <= MAX_IDENTIFIER_BYTES;
}

/** Non-empty, no NUL, no unpaired surrogate (so it is valid UTF-8 once encoded). */
function isOpaqueText(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit === 0) return false;
    if (isHighSurrogate(unit)) {
      if (i + 1 >= s.length || !isLowSurrogate(s.charCodeAt(i + 1))) return false;
      i++;
    } else if (isLowSurrogate(unit)) return false;
  }
  return true;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

function isValidPort(port: string): boolean {
  return port.length >= 1 && port.length <= 5 && isDigits(port) && Number(port) <= 65535;
}

function isValidHostname(host: string): boolean {
  if (host.startsWith("[")) return isIpv6Literal(host);
  if (onlyChars(host, isDigitOrDot)) return isIpv4(host);
  return host.length >= 1 && host.length <= MAX_DNS_NAME_CHARS && onlyChars(host, isDnsChar);
}

function isIpv6Literal(host: string): boolean {
  if (!host.endsWith("]")) return false;
  const inner = host.slice(1, -1);
  return inner.length >= 2 && inner.length <= 45 && onlyChars(inner, isIpv6Char);
}

function isIpv4(host: string): boolean {
  const octets = host.split(".");
  if (octets.length !== 4) return false;
  return octets.every((o) => o.length >= 1 && o.length <= 3 && Number(o) <= 255);
}

function isDigits(s: string): boolean {
  return onlyChars(s, isDigit);
}

function onlyChars(s: string, accept: (unit: number) => boolean): boolean {
  for (let i = 0; i < s.length; i++) if (!accept(s.charCodeAt(i))) return false;
  return true;
}

function isDigit(unit: number): boolean {
  return unit >= 0x30 && unit <= 0x39;
}

function isDigitOrDot(unit: number): boolean {
  return isDigit(unit) || unit === 0x2e;
}

function isHexDigit(unit: number): boolean {
  return isDigit(unit) || (unit >= 0x41 && unit <= 0x46) || (unit >= 0x61 && unit <= 0x66);
}

function isIpv6Char(unit: number): boolean {
  return isHexDigit(unit) || unit === 0x3a || unit === 0x2e;
}

function isDnsChar(unit: number): boolean {
  const lower = unit | 0x20;
  return isDigit(unit) || (lower >= 0x61 && lower <= 0x7a) || unit === 0x2e || unit === 0x2d;
}
