/**
 * Building permalinks from typed targets, without validating them. The widget SDK uses this lean
 * half (the host validates every link it receives); {@link formatMatrixToLink} in links.ts
 * validates first and then calls these.
 */

/**
 * Where a link points. `via` lists routing servers in link order (possibly
 * empty). `action` is present only when the link asks for an action that
 * applies to the target kind: `chat` for users, `join` for rooms and events.
 */
export type NavigationTarget =
  | {
      /** A user: their profile, or a direct chat with them when `action` is `chat`. */
      type: "user";
      /** The user's Matrix ID, e.g. `@alice:example.org`. */
      userId: string;
      /** Servers to ask about the target, in link order; usually empty for a user. */
      via: string[];
      /** The link asks for a direct chat, not the profile; the bundled drivers open an existing one. */
      action?: "chat";
    }
  | {
      /** A room. */
      type: "room";
      /** The room's ID (`!abc:example.org`) or alias (`#lobby:example.org`). */
      room: string;
      /** Servers to join or peek through, in link order; needed for a room ID the client has not seen. */
      via: string[];
      /** The link asks to join the room; the bundled drivers only show it (joining is the user's call). */
      action?: "join";
    }
  | {
      /** One event in a room. */
      type: "event";
      /** The ID or alias of the room the event is in. */
      room: string;
      /** The event's ID, e.g. `$abc123`. */
      eventId: string;
      /** Servers to join or peek through, in link order. */
      via: string[];
      /** The link asks to join the event's room; the bundled drivers only show it. */
      action?: "join";
    };

/** Builds `https://matrix.to/#/…` for a target, percent-encoding each part. */
export function buildMatrixToLink(target: NavigationTarget): string {
  const path =
    target.type === "user"
      ? encodeComponent(target.userId)
      : target.type === "room"
        ? encodeComponent(target.room)
        : `${encodeComponent(target.room)}/${encodeComponent(target.eventId)}`;
  return `https://matrix.to/#/${path}${buildQuery(target)}`;
}

/** Builds a `matrix:` URI (`u/`, `r/`, `roomid/`, optionally `/e/`) for a target. */
export function buildMatrixUri(target: NavigationTarget): string {
  let path: string;
  if (target.type === "user") {
    path = `u/${encodeComponent(target.userId.slice(1))}`;
  } else {
    const roomType = target.room.startsWith("#") ? "r" : "roomid";
    path = `${roomType}/${encodeComponent(target.room.slice(1))}`;
    if (target.type === "event") path += `/e/${encodeComponent(target.eventId.slice(1))}`;
  }
  return `matrix:${path}${buildQuery(target)}`;
}

/**
 * A `matrix:` URI (MSC2312) written as the matrix.to link to the same target, for hosts that take
 * only matrix.to links (matrix-widget-api's, so Element's). Anything else, including a `matrix:`
 * URI of a form this does not read (an authority, a bare event), is returned as it is, for the host
 * to judge. Syntax only: the identifiers stay percent-encoded as written and the query is kept,
 * since both link forms share its grammar; the host validates what it receives.
 */
export function asMatrixToLink(uri: string): string {
  const parts = /^matrix:(r|u|roomid)\/([^/?#]+)(?:\/e\/([^/?#]+))?(\?[^#]*)?(?:#.*)?$/i.exec(uri);
  if (!parts) return uri;
  const [, type = "", id, eventId, query = ""] = parts;
  // The sigils the path types stand for; a room alias's `#` is escaped, as buildMatrixToLink does.
  const sigil = type.length > 1 ? "!" : type === "u" || type === "U" ? "@" : "%23";
  return `https://matrix.to/#/${sigil}${id}${eventId ? `/$${eventId}` : ""}${query}`;
}

function buildQuery(target: NavigationTarget): string {
  const items = target.via.map((server) => `via=${encodeComponent(server)}`);
  if (target.action !== undefined) items.push(`action=${target.action}`);
  return items.length === 0 ? "" : `?${items.join("&")}`;
}

/**
 * Percent-encodes one path or query component, then restores `:`, `@` and `$` for
 * readability. Restoring is safe because the parsers split only on `/`, `?`,
 * `&`, `=` and `#`; and since every `%` in the output starts an escape, the
 * replaced triples are always real escapes (and decode to the character they stand for).
 */
function encodeComponent(s: string): string {
  return encodeURIComponent(s).replace(/%(?:3A|40|24)/g, decodeURIComponent);
}
