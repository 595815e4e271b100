/**
 * Parsing and formatting of Matrix permalinks: `https://matrix.to/#/…` links
 * (spec appendices, "matrix.to navigation") and `matrix:` URIs (MSC2312,
 * spec v1.2). Parsing is total: it never throws, and a refusal carries a
 * fixed human-readable reason that never echoes the (untrusted) input.
 */

import {
  isValidEventId,
  isValidRoomAlias,
  isValidRoomId,
  isValidServerName,
  isValidUserId,
} from "./identifiers.js";

import { buildMatrixToLink, buildMatrixUri, type NavigationTarget } from "./link-format.js";

export type { NavigationTarget } from "./link-format.js";

/** Outcome of {@link parseMatrixLink}: a target, or the reason the link was refused. */
export type LinkParseResult = { ok: true; target: NavigationTarget } | { ok: false; reason: string };

/** Links longer than this many UTF-16 code units are refused without being parsed. */
export const MAX_LINK_LENGTH = 4096;

type Failure = { ok: false; reason: string };
type Entity = { kind: "user" | "room"; id: string; eventId?: string };
type Query = { via: string[]; action?: string };

const MALFORMED = "Malformed percent-encoding";

/**
 * Parses a matrix.to link or a `matrix:` URI into a {@link NavigationTarget}.
 *
 * Accepted forms: `https://matrix.to/#/<id>[/<event id>][?query]` (https
 * only, exact host `matrix.to`) and `matrix:type/id[/e/event][?query][#fragment]`
 * with types `u`, `r`, `roomid`, `e` and the legacy `user`, `room`, `event`.
 * Query items: repeated `via=<server name>` and `action=join|chat` (the last
 * `action` wins; one that does not apply to the target is dropped). Every
 * identifier is validated against the Matrix grammar (historical user IDs
 * are accepted). Anything else is refused with a reason.
 */
export function parseMatrixLink(uri: unknown): LinkParseResult {
  if (typeof uri !== "string") return fail("The link is not a string");
  if (uri.length === 0) return fail("The link is empty");
  if (uri.length > MAX_LINK_LENGTH) return fail(`The link is longer than ${MAX_LINK_LENGTH} characters`);
  const scheme = readScheme(uri);
  if (scheme === undefined) return fail("The link is not an absolute URI");
  if (scheme === "https") return parseMatrixTo(uri);
  if (scheme === "matrix") return parseMatrixScheme(uri.slice(scheme.length + 1));
  if (scheme === "http") return fail(httpReason(uri));
  return fail("Unsupported link scheme: only https://matrix.to/ links and matrix: URIs are accepted");
}

/**
 * Formats a target as `https://matrix.to/#/<id>[/<event id>][?via=…&action=…]`.
 * Components are percent-encoded (`@`, `:` and `$` are left readable), so
 * `parseMatrixLink(formatMatrixToLink(t))` deep-equals `t`.
 * @throws TypeError when `target` is not a valid navigation target.
 */
export function formatMatrixToLink(target: NavigationTarget): string {
  assertValidTarget(target);
  return buildMatrixToLink(target);
}

/**
 * Formats a target as a `matrix:` URI (`matrix:u/…`, `matrix:r/…`,
 * `matrix:roomid/…`, optionally followed by `/e/…`), never using the legacy
 * `user`/`room`/`event` types. `parseMatrixLink(formatMatrixUri(t))`
 * deep-equals `t`.
 * @throws TypeError when `target` is not a valid navigation target.
 */
export function formatMatrixUri(target: NavigationTarget): string {
  assertValidTarget(target);
  return buildMatrixUri(target);
}

// ---------------------------------------------------------------------------
// matrix.to

function parseMatrixTo(uri: string): LinkParseResult {
  const hash = uri.indexOf("#");
  const base = asciiLower(hash < 0 ? uri : uri.slice(0, hash));
  // Only the bare origin is accepted: no port, userinfo, path or query before the fragment.
  if (base !== "https://matrix.to/" && base !== "https://matrix.to") return fail(httpReason(uri));
  if (hash < 0) return fail("The matrix.to link has no #/ fragment naming a user, room or event");
  const fragment = uri.slice(hash + 1);
  if (!fragment.startsWith("/")) return fail("The matrix.to fragment must start with #/");
  const { path, query } = splitQuery(fragment.slice(1));
  const entity = parseMatrixToPath(path);
  return "ok" in entity ? entity : finish(entity, query);
}

function parseMatrixToPath(path: string): Entity | Failure {
  if (path === "") return fail("The link does not name a user, room or event");
  const slash = path.indexOf("/");
  const id = decode(slash < 0 ? path : path.slice(0, slash));
  // Room v3 event IDs are base64 and may contain unencoded "/", so everything
  // after the room is one event ID, as matrix.to itself reads it.
  const rawRest = slash < 0 ? undefined : path.slice(slash + 1);
  const rest = rawRest === undefined ? undefined : decode(rawRest);
  if (id === undefined || (rawRest !== undefined && rest === undefined)) return fail(MALFORMED);
  switch (id.charAt(0)) {
    case "@":
      if (rest !== undefined) return fail(extraAfterUser(rest));
      return { kind: "user", id };
    case "!":
    case "#":
      if (rest === undefined) return { kind: "room", id };
      if (!rest.startsWith("$")) return fail("Unexpected path segment after the room: expected an event ID");
      return { kind: "room", id, eventId: rest };
    case "+":
      return fail("Group (community) links are not supported");
    case "$":
      return fail("An event link must name the room before the event");
    default:
      return fail("The link does not name a user, room or event");
  }
}

function extraAfterUser(rest: string): string {
  return rest.startsWith("$")
    ? "An event link must name a room, not a user"
    : "Unexpected path segment after the user ID";
}

// ---------------------------------------------------------------------------
// matrix: URIs (MSC2312)

/** Top-level path types (compared lower-cased) and the sigil each one stands for. */
const TOP_LEVEL_SIGILS: ReadonlyMap<string, string> = new Map([
  ["u", "@"],
  ["user", "@"],
  ["r", "#"],
  ["room", "#"],
  ["roomid", "!"],
]);

function parseMatrixScheme(afterScheme: string): LinkParseResult {
  // The fragment is reserved by MSC2312 and has no meaning yet: ignore it.
  const hash = afterScheme.indexOf("#");
  const { path, query } = splitQuery(hash < 0 ? afterScheme : afterScheme.slice(0, hash));
  // MSC2312 reserves the authority and says clients SHOULD NOT use it. We
  // refuse rather than ignore it: a future meaning (e.g. a closed federation)
  // could make the same path name a different resource, and a host should
  // not navigate somewhere other than what the link says.
  if (path.startsWith("//")) return fail("matrix: URIs with an authority part are not supported");
  const segments = path.split("/");
  if (segments.length !== 2 && segments.length !== 4) {
    return fail("A matrix: URI path must have exactly 2 or 4 segments");
  }
  const entity = parseMatrixSegments(segments);
  return "ok" in entity ? entity : finish(entity, query);
}

function parseMatrixSegments(segments: string[]): Entity | Failure {
  const [rawType = "", rawId = "", rawSubType = "", rawEvent = ""] = segments;
  const type = asciiLower(rawType);
  const sigil = TOP_LEVEL_SIGILS.get(type);
  if (sigil === undefined) {
    return fail(isEventType(type) ? "An event URI must name the room first" : "Unknown matrix: URI type");
  }
  if (rawId === "") return fail("The matrix: URI has an empty identifier");
  const id = decode(rawId);
  if (id === undefined) return fail(MALFORMED);
  const kind = sigil === "@" ? "user" : "room";
  if (segments.length === 2) return { kind, id: sigil + id };
  if (!isEventType(asciiLower(rawSubType))) return fail("Unexpected path segment: expected e/<event id>");
  if (kind === "user") return fail("An event link must name a room, not a user");
  if (rawEvent === "") return fail("The matrix: URI has an empty event ID");
  const eventId = decode(rawEvent);
  if (eventId === undefined) return fail(MALFORMED);
  return { kind, id: sigil + id, eventId: `$${eventId}` };
}

function isEventType(type: string): boolean {
  return type === "e" || type === "event";
}

// ---------------------------------------------------------------------------
// Shared: query, validation, target construction

function finish(entity: Entity, rawQuery: string): LinkParseResult {
  const invalid = entityProblem(entity);
  if (invalid !== undefined) return fail(invalid);
  const query = parseQuery(rawQuery);
  if ("ok" in query) return query;
  const { via, action } = query;
  let target: NavigationTarget;
  if (entity.kind === "user") {
    target =
      action === "chat"
        ? { type: "user", userId: entity.id, via, action }
        : { type: "user", userId: entity.id, via };
  } else if (entity.eventId === undefined) {
    target =
      action === "join"
        ? { type: "room", room: entity.id, via, action }
        : { type: "room", room: entity.id, via };
  } else {
    const base = { type: "event", room: entity.id, eventId: entity.eventId, via } as const;
    target = action === "join" ? { ...base, action } : base;
  }
  return { ok: true, target };
}

function entityProblem(entity: Entity): string | undefined {
  if (entity.kind === "user") return isValidUserId(entity.id) ? undefined : "Invalid user ID";
  const room = entity.id;
  if (room.startsWith("#") ? !isValidRoomAlias(room) : !isValidRoomId(room)) {
    return room.startsWith("#") ? "Invalid room alias" : "Invalid room ID";
  }
  if (entity.eventId !== undefined && !isValidEventId(entity.eventId)) return "Invalid event ID";
  return undefined;
}

/**
 * Reads `via` and `action` items. Empty items are skipped, unknown items are
 * ignored, names and action values compare case-insensitively (MSC2312: "all
 * string comparisons are case-insensitive"); server names keep their case.
 */
function parseQuery(raw: string): Query | Failure {
  const via: string[] = [];
  let action: string | undefined;
  if (raw === "") return { via };
  for (const item of raw.split("&")) {
    if (item === "") continue;
    const eq = item.indexOf("=");
    const name = decode(eq < 0 ? item : item.slice(0, eq));
    const value = decode(eq < 0 ? "" : item.slice(eq + 1));
    if (name === undefined || value === undefined) return fail(MALFORMED);
    const key = asciiLower(name);
    if (key === "via") {
      if (!isValidServerName(value)) return fail("A via parameter is not a valid server name");
      via.push(value);
    } else if (key === "action") {
      action = asciiLower(value);
    }
  }
  return action === undefined ? { via } : { via, action };
}

function assertValidTarget(target: NavigationTarget): void {
  const problem = targetProblem(target);
  if (problem !== undefined) throw new TypeError(`Cannot format navigation target: ${problem}`);
}

function targetProblem(target: NavigationTarget): string | undefined {
  if (typeof target !== "object" || target === null) return "not an object";
  if (!Array.isArray(target.via) || !target.via.every((s) => isValidServerName(s))) {
    return "via must be an array of server names";
  }
  switch (target.type) {
    case "user":
      if (target.action !== undefined && target.action !== "chat") return "users only take action chat";
      return entityProblem({ kind: "user", id: target.userId });
    case "room":
    case "event":
      if (target.action !== undefined && target.action !== "join") return "rooms only take action join";
      if (typeof target.room !== "string" || !/^[!#]/.test(target.room))
        return "room must be a room ID or alias";
      return entityProblem({
        kind: "room",
        id: target.room,
        eventId: target.type === "event" ? String(target.eventId) : undefined,
      });
    default:
      return "unknown target type";
  }
}

// ---------------------------------------------------------------------------
// Low-level helpers

/** Lower-cased RFC 3986 scheme, or undefined when `uri` does not start with one. */
function readScheme(uri: string): string | undefined {
  const colon = uri.indexOf(":");
  if (colon < 1) return undefined;
  const scheme = uri.slice(0, colon);
  return /^[A-Za-z][A-Za-z0-9+.-]*$/.test(scheme) ? asciiLower(scheme) : undefined;
}

/** Reason for refusing an http(s) link that is not of the accepted matrix.to form. */
function httpReason(uri: string): string {
  let host: string | undefined;
  try {
    host = new URL(uri).hostname;
  } catch {
    host = undefined;
  }
  if (host !== "matrix.to") return "Only https://matrix.to/ links are accepted for http(s) URLs";
  // http://matrix.to is refused on purpose: links a widget asks us to follow must use https.
  return asciiLower(uri.slice(0, 5)) === "http:"
    ? "matrix.to links must use https"
    : "A matrix.to link must have the form https://matrix.to/#/<identifier>";
}

function splitQuery(s: string): { path: string; query: string } {
  const q = s.indexOf("?");
  return q < 0 ? { path: s, query: "" } : { path: s.slice(0, q), query: s.slice(q + 1) };
}

/** Percent-decodes one component; undefined when the encoding is malformed. */
function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/**
 * ASCII-only lower-casing for case-insensitive comparisons: unlike
 * `toLowerCase`, it cannot turn a non-ASCII look-alike (e.g. the Kelvin sign)
 * into an ASCII letter.
 */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

function fail(reason: string): Failure {
  return { ok: false, reason };
}
