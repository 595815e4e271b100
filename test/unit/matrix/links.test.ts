import { asMatrixToLink } from "../../../src/matrix/link-format.js";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  MAX_LINK_LENGTH,
  formatMatrixToLink,
  formatMatrixUri,
  parseMatrixLink,
  utf8ByteLength,
  type LinkParseResult,
  type NavigationTarget,
} from "../../../src/matrix/index.js";

const accepted: [string, NavigationTarget][] = [
  // matrix.to: users
  ["https://matrix.to/#/@alice:example.org", { type: "user", userId: "@alice:example.org", via: [] }],
  ["https://matrix.to/#/%40alice%3Aexample.org", { type: "user", userId: "@alice:example.org", via: [] }],
  [
    "https://matrix.to/#/@Alice Smith:example.org",
    { type: "user", userId: "@Alice Smith:example.org", via: [] },
  ],
  ["https://matrix.to/#/@a:[::1]:8448", { type: "user", userId: "@a:[::1]:8448", via: [] }],
  [
    "https://matrix.to/#/@alice:example.org?action=chat",
    { type: "user", userId: "@alice:example.org", via: [], action: "chat" },
  ],
  ["HTTPS://Matrix.To/#/@alice:example.org", { type: "user", userId: "@alice:example.org", via: [] }],
  ["https://matrix.to#/@alice:example.org", { type: "user", userId: "@alice:example.org", via: [] }],
  // matrix.to: rooms by alias and by ID
  ["https://matrix.to/#/#room:example.org", { type: "room", room: "#room:example.org", via: [] }],
  ["https://matrix.to/#/%23room%3Aexample.org", { type: "room", room: "#room:example.org", via: [] }],
  ["https://matrix.to/#/%23caf%C3%A9:example.org", { type: "room", room: "#café:example.org", via: [] }],
  [
    "https://matrix.to/#/!abc:example.org?via=example.org&via=other.org:8448",
    { type: "room", room: "!abc:example.org", via: ["example.org", "other.org:8448"] },
  ],
  [
    "https://matrix.to/#/!abc?via=example.org&action=join",
    { type: "room", room: "!abc", via: ["example.org"], action: "join" },
  ],
  [
    "https://matrix.to/#/%21abc%3Aexample.org?via=%5B%3A%3A1%5D",
    { type: "room", room: "!abc:example.org", via: ["[::1]"] },
  ],
  // matrix.to: events (v3 event IDs may carry unencoded slashes)
  [
    "https://matrix.to/#/!abc:example.org/$ev1:example.org?via=example.org",
    { type: "event", room: "!abc:example.org", eventId: "$ev1:example.org", via: ["example.org"] },
  ],
  [
    "https://matrix.to/#/!abc:example.org/%24acR1l0raoZ%2Fm60CBw%2BAV",
    { type: "event", room: "!abc:example.org", eventId: "$acR1l0raoZ/m60CBw+AV", via: [] },
  ],
  [
    "https://matrix.to/#/!abc:example.org/$acR1l0raoZ/m60CBw+AV",
    { type: "event", room: "!abc:example.org", eventId: "$acR1l0raoZ/m60CBw+AV", via: [] },
  ],
  [
    "https://matrix.to/#/#room:example.org/$ev?action=join",
    { type: "event", room: "#room:example.org", eventId: "$ev", via: [], action: "join" },
  ],
  // query handling
  [
    "https://matrix.to/#/@alice:example.org?action=join",
    { type: "user", userId: "@alice:example.org", via: [] },
  ],
  ["https://matrix.to/#/!abc?action=chat", { type: "room", room: "!abc", via: [] }],
  ["https://matrix.to/#/!abc?action=join&action=nonsense", { type: "room", room: "!abc", via: [] }],
  [
    "https://matrix.to/#/!abc?action=nonsense&action=join",
    { type: "room", room: "!abc", via: [], action: "join" },
  ],
  [
    "https://matrix.to/#/!abc?foo=bar&&io.element.x=1&via=example.org&",
    { type: "room", room: "!abc", via: ["example.org"] },
  ],
  [
    "https://matrix.to/#/!abc?VIA=example.org&Action=JOIN",
    { type: "room", room: "!abc", via: ["example.org"], action: "join" },
  ],
  // matrix: URIs
  ["matrix:u/alice:example.org", { type: "user", userId: "@alice:example.org", via: [] }],
  [
    "matrix:u/alice:example.org?action=chat",
    { type: "user", userId: "@alice:example.org", via: [], action: "chat" },
  ],
  ["matrix:r/room:example.org", { type: "room", room: "#room:example.org", via: [] }],
  ["matrix:r/caf%C3%A9%20bar:example.org", { type: "room", room: "#café bar:example.org", via: [] }],
  [
    "matrix:roomid/abc:example.org?via=example.org&action=join",
    { type: "room", room: "!abc:example.org", via: ["example.org"], action: "join" },
  ],
  [
    "matrix:roomid/somewhere:example.org/e/event?via=elsewhere.ca",
    { type: "event", room: "!somewhere:example.org", eventId: "$event", via: ["elsewhere.ca"] },
  ],
  [
    "matrix:r/room:example.org/e/acR1l0raoZ%2Fm60CBw%2BAV",
    { type: "event", room: "#room:example.org", eventId: "$acR1l0raoZ/m60CBw+AV", via: [] },
  ],
  ["matrix:roomid/abc", { type: "room", room: "!abc", via: [] }],
  ["matrix:u/alice:example.org#some-fragment", { type: "user", userId: "@alice:example.org", via: [] }],
  // legacy types and case-insensitivity
  ["matrix:user/alice:example.org", { type: "user", userId: "@alice:example.org", via: [] }],
  ["matrix:room/room:example.org", { type: "room", room: "#room:example.org", via: [] }],
  [
    "matrix:room/room:example.org/event/ev",
    { type: "event", room: "#room:example.org", eventId: "$ev", via: [] },
  ],
  ["MATRIX:U/alice:example.org", { type: "user", userId: "@alice:example.org", via: [] }],
  [
    "Matrix:RoomId/abc:example.org/E/ev",
    { type: "event", room: "!abc:example.org", eventId: "$ev", via: [] },
  ],
];

describe("parseMatrixLink accepts", () => {
  it.each(accepted)("%s", (link, target) => {
    expect(parseMatrixLink(link)).toStrictEqual({ ok: true, target });
  });
});

const refused: [string, unknown][] = [
  ["a number", 42],
  ["undefined", undefined],
  ["null", null],
  ["an object", { uri: "https://matrix.to/#/@a:b.org" }],
  ["the empty string", ""],
  ["an over-long link", `https://matrix.to/#/!abc?${"via=example.org&".repeat(300)}`],
  ["a relative reference", "/#/@alice:example.org"],
  ["a bare identifier", "@alice:example.org"],
  ["javascript:", "javascript:alert(1)"],
  ["JavaScript: in mixed case", "JaVaScRiPt:alert(1)//https://matrix.to/#/@a:b.org"],
  ["data:", "data:text/html,<script>alert(1)</script>"],
  ["file:", "file:///etc/passwd"],
  ["mxc:", "mxc://example.org/abc"],
  ["leading whitespace", " https://matrix.to/#/@alice:example.org"],
  ["http://matrix.to", "http://matrix.to/#/@alice:example.org"],
  ["another https host", "https://example.org/#/@alice:example.org"],
  ["a lookalike host suffix", "https://matrix.to.evil.com/#/@alice:example.org"],
  ["a lookalike host prefix", "https://evilmatrix.to/#/@alice:example.org"],
  ["a userinfo part", "https://matrix.to@evil.com/#/@alice:example.org"],
  ["a matrix.to userinfo", "https://evil@matrix.to/#/@alice:example.org"],
  ["a port", "https://matrix.to:8443/#/@alice:example.org"],
  ["a path before the fragment", "https://matrix.to/x/#/@alice:example.org"],
  ["a query before the fragment", "https://matrix.to/?a=b#/@alice:example.org"],
  ["no fragment", "https://matrix.to/"],
  ["a fragment without slash", "https://matrix.to/#@alice:example.org"],
  ["an empty fragment path", "https://matrix.to/#/"],
  ["a group link", "https://matrix.to/#/+group:example.org"],
  ["an unknown sigil", "https://matrix.to/#/alice:example.org"],
  ["an event without a room", "https://matrix.to/#/$event:example.org"],
  ["an event link whose room is a user", "https://matrix.to/#/@alice:example.org/$event"],
  ["an extra segment after a user", "https://matrix.to/#/@alice:example.org/extra"],
  ["a trailing slash after a user", "https://matrix.to/#/@alice:example.org/"],
  ["a non-event segment after a room", "https://matrix.to/#/!abc:example.org/extra"],
  ["an empty segment after a room", "https://matrix.to/#/!abc:example.org/"],
  ["bad percent-encoding in the ID", "https://matrix.to/#/%E0%A4%A:example.org"],
  ["an encoded lone surrogate", "https://matrix.to/#/@%ED%A0%80:example.org"],
  ["bad percent-encoding in the event", "https://matrix.to/#/!abc/$%ZZ"],
  ["bad percent-encoding in a query value", "https://matrix.to/#/!abc?via=%"],
  ["bad percent-encoding in an unknown query name", "https://matrix.to/#/!abc?%zz=1"],
  ["an invalid user ID", "https://matrix.to/#/@alice"],
  ["a user ID with an invalid server", "https://matrix.to/#/@alice:256.1.1.1"],
  ["a user ID with a NUL", "https://matrix.to/#/@al%00ice:example.org"],
  ["a trailing newline", "https://matrix.to/#/@alice:example.org\n"],
  ["an invalid room ID", "https://matrix.to/#/!abc:bad_server"],
  ["an alias without server", "https://matrix.to/#/#room"],
  ["an invalid event ID", "https://matrix.to/#/!abc/$"],
  ["an invalid via", "https://matrix.to/#/!abc?via=not_a_server"],
  ["an empty via", "https://matrix.to/#/!abc?via="],
  ["a via without a value", "https://matrix.to/#/!abc?via"],
  ["a user ID over 255 bytes", `https://matrix.to/#/@${"é".repeat(125)}:example.org`],
  ["matrix: with an authority", "matrix://example.org/u/alice:example.org"],
  ["matrix: with one segment", "matrix:u"],
  ["matrix: with three segments", "matrix:u/alice:example.org/e"],
  ["matrix: with a trailing slash", "matrix:r/room:example.org/"],
  ["matrix: with five segments", "matrix:r/room:example.org/e/ev/x"],
  ["matrix: with six segments", "matrix:r/room:example.org/e/ev/e/ev2"],
  ["matrix: with an unknown type", "matrix:x/alice:example.org"],
  ["matrix: with a group type", "matrix:g/group:example.org"],
  ["matrix: with an event at the top level", "matrix:e/event"],
  ["matrix: with an empty type", "matrix:/alice:example.org"],
  ["matrix: with an empty identifier", "matrix:u/"],
  ["matrix: with an empty event", "matrix:r/room:example.org/e/"],
  ["matrix: event link whose room is a user", "matrix:u/alice:example.org/e/event"],
  ["matrix: with a non-event sub-type", "matrix:r/room:example.org/u/alice:example.org"],
  ["matrix: with bad percent-encoding", "matrix:u/alice%:example.org"],
  ["matrix: with an unencoded v3 event slash", "matrix:roomid/abc/e/acR1/m60"],
  ["matrix: with an invalid alias", "matrix:r/room"],
  ["matrix: with an invalid via", "matrix:u/alice:example.org?via=a/b"],
  ["matrix: with a bare scheme", "matrix:"],
];

describe("parseMatrixLink refuses", () => {
  it.each(refused)("%s", (_name, link) => {
    const result = parseMatrixLink(link);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
  });

  it.each([
    ["https://matrix.to/#/%E0%A4%A:example.org"],
    ["https://matrix.to/#/!abc?via=%"],
    ["matrix:u/alice%:example.org"],
    ["matrix:r/room:example.org/e/%ZZ"],
  ])("%s with the reason 'Malformed percent-encoding'", (link) => {
    expect(parseMatrixLink(link)).toStrictEqual({ ok: false, reason: "Malformed percent-encoding" });
  });

  it("an http link to matrix.to with a reason that asks for https", () => {
    expect(reasonOf(parseMatrixLink("http://matrix.to/#/@alice:example.org"))).toMatch(/https/);
  });

  it("an event link whose room part is a user with a reason naming that problem", () => {
    for (const link of ["https://matrix.to/#/@alice:example.org/$ev", "matrix:u/alice:example.org/e/ev"]) {
      expect(reasonOf(parseMatrixLink(link))).toBe("An event link must name a room, not a user");
    }
  });

  it("with reasons that never echo the link", () => {
    const marker = "zz-marker-zz";
    for (const link of [
      `javascript:${marker}`,
      `https://${marker}.org/#/@a:b.org`,
      `https://matrix.to/#/@${marker}`,
      `matrix:x/${marker}`,
    ]) {
      expect(reasonOf(parseMatrixLink(link))).not.toContain(marker);
    }
  });

  it("a link one character over the length limit but accepts one at the limit", () => {
    const base = "https://matrix.to/#/!abc?foo=";
    const atLimit = base + "x".repeat(MAX_LINK_LENGTH - base.length);
    expect(parseMatrixLink(atLimit).ok).toBe(true);
    expect(parseMatrixLink(`${atLimit}x`)).toStrictEqual({
      ok: false,
      reason: `The link is longer than ${MAX_LINK_LENGTH} characters`,
    });
  });
});

describe("formatMatrixToLink and formatMatrixUri", () => {
  it("emit the documented forms with readable @, : and $", () => {
    const event: NavigationTarget = {
      type: "event",
      room: "#room:example.org",
      eventId: "$a/b+c",
      via: ["example.org", "[::1]:8448"],
      action: "join",
    };
    expect(formatMatrixToLink(event)).toBe(
      "https://matrix.to/#/%23room:example.org/$a%2Fb%2Bc?via=example.org&via=%5B::1%5D:8448&action=join",
    );
    expect(formatMatrixUri(event)).toBe(
      "matrix:r/room:example.org/e/a%2Fb%2Bc?via=example.org&via=%5B::1%5D:8448&action=join",
    );
    const user: NavigationTarget = { type: "user", userId: "@alice:example.org", via: [], action: "chat" };
    expect(formatMatrixToLink(user)).toBe("https://matrix.to/#/@alice:example.org?action=chat");
    expect(formatMatrixUri(user)).toBe("matrix:u/alice:example.org?action=chat");
    const room: NavigationTarget = { type: "room", room: "!abc:example.org", via: ["example.org"] };
    expect(formatMatrixToLink(room)).toBe("https://matrix.to/#/!abc:example.org?via=example.org");
    expect(formatMatrixUri(room)).toBe("matrix:roomid/abc:example.org?via=example.org");
  });

  it("percent-encode spaces, slashes, ?, #, % and non-ASCII in identifiers", () => {
    const target: NavigationTarget = { type: "user", userId: "@a b/c?d#e%f&g=é:example.org", via: [] };
    expect(formatMatrixToLink(target)).toBe(
      "https://matrix.to/#/@a%20b%2Fc%3Fd%23e%25f%26g%3D%C3%A9:example.org",
    );
    expect(parseMatrixLink(formatMatrixToLink(target))).toStrictEqual({ ok: true, target });
    expect(parseMatrixLink(formatMatrixUri(target))).toStrictEqual({ ok: true, target });
  });

  it.each([
    ["an invalid user ID", { type: "user", userId: "alice", via: [] }],
    ["a lone surrogate", { type: "user", userId: "@a\uD800:example.org", via: [] }],
    ["an invalid via", { type: "room", room: "!abc", via: ["bad server"] }],
    ["an inapplicable action", { type: "room", room: "!abc", via: [], action: "chat" }],
    ["a user as the room", { type: "event", room: "@alice:example.org", eventId: "$e", via: [] }],
    ["a missing event ID", { type: "event", room: "!abc", via: [] }],
    ["an unknown type", { type: "group", via: [] }],
  ])("throw a TypeError for %s", (_name, target) => {
    expect(() => formatMatrixToLink(target as NavigationTarget)).toThrow(TypeError);
    expect(() => formatMatrixUri(target as NavigationTarget)).toThrow(TypeError);
  });
});

// ---------------------------------------------------------------------------
// Property tests

const MAX_ID_BYTES = 255;

/** Any code point except NUL, `:` and lone surrogates (fast-check's "binary" unit never yields surrogates). */
const opaqueChar = fc
  .string({ unit: "binary", minLength: 1, maxLength: 1 })
  .filter((c) => c !== "\0" && c !== ":");
/** Unicode text with a bias towards characters that need percent-encoding. */
const trickyChar = fc.oneof(
  opaqueChar,
  fc.constantFrom(" ", "/", "?", "#", "%", "&", "=", "+", "$", "@", "!", "é", "😀"),
);
const localpart = fc.array(trickyChar, { minLength: 1, maxLength: 30 }).map((cs) => cs.join(""));
/** Event IDs may contain `:` anywhere. */
const eventOpaque = fc
  .array(fc.oneof(trickyChar, fc.constant(":")), { minLength: 1, maxLength: 40 })
  .map((cs) => cs.join(""));

const serverName = fc.oneof(
  fc.domain(),
  fc.ipV4(),
  fc.ipV6().map((a) => `[${a}]`),
  fc.tuple(fc.domain(), fc.integer({ min: 0, max: 65535 })).map(([d, p]) => `${d}:${p}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 65535 })).map(([a, p]) => `[${a}]:${p}`),
);

const fits = (id: string): boolean => utf8ByteLength(id) <= MAX_ID_BYTES;
const userId = fc
  .tuple(localpart, serverName)
  .map(([l, s]) => `@${l}:${s}`)
  .filter(fits);
const roomAlias = fc
  .tuple(localpart, serverName)
  .map(([l, s]) => `#${l}:${s}`)
  .filter(fits);
const roomId = fc
  .tuple(localpart, fc.option(serverName, { nil: undefined }))
  .map(([o, s]) => (s === undefined ? `!${o}` : `!${o}:${s}`))
  .filter(fits);
const eventId = eventOpaque.map((o) => `$${o}`).filter(fits);
const room = fc.oneof(roomId, roomAlias);
const via = fc.array(serverName, { maxLength: 4 });
const withAction = <T extends object, A extends string>(
  base: T,
  action: A | undefined,
): T | (T & { action: A }) => (action === undefined ? base : { ...base, action });

const target: fc.Arbitrary<NavigationTarget> = fc.oneof(
  fc
    .tuple(userId, via, fc.option(fc.constant("chat" as const), { nil: undefined }))
    .map(([u, v, a]) => withAction({ type: "user" as const, userId: u, via: v }, a)),
  fc
    .tuple(room, via, fc.option(fc.constant("join" as const), { nil: undefined }))
    .map(([r, v, a]) => withAction({ type: "room" as const, room: r, via: v }, a)),
  fc
    .tuple(room, eventId, via, fc.option(fc.constant("join" as const), { nil: undefined }))
    .map(([r, e, v, a]) => withAction({ type: "event" as const, room: r, eventId: e, via: v }, a)),
);

describe("round trips", () => {
  it("parseMatrixLink(formatMatrixToLink(t)) equals t for every valid target", () => {
    fc.assert(
      fc.property(target, (t) => {
        expect(parseMatrixLink(formatMatrixToLink(t))).toStrictEqual({ ok: true, target: t });
      }),
      { numRuns: 500 },
    );
  });

  it("parseMatrixLink(formatMatrixUri(t)) equals t for every valid target", () => {
    fc.assert(
      fc.property(target, (t) => {
        expect(parseMatrixLink(formatMatrixUri(t))).toStrictEqual({ ok: true, target: t });
      }),
      { numRuns: 500 },
    );
  });
});

describe("parseMatrixLink robustness", () => {
  const isResult = (r: LinkParseResult): boolean =>
    r.ok ? typeof r.target === "object" : typeof r.reason === "string" && r.reason.length > 0;

  it("never throws on arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(isResult(parseMatrixLink(s))).toBe(true);
      }),
    );
  });

  it("never throws on arbitrary values", () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        expect(isResult(parseMatrixLink(v))).toBe(true);
      }),
    );
  });

  it("never throws on arbitrary text after the matrix.to and matrix: prefixes", () => {
    const prefix = fc.constantFrom(
      "https://matrix.to/#/",
      "https://matrix.to/#/!a:b.c/",
      "matrix:",
      "matrix:r/",
    );
    const tail = fc.string({
      unit: fc.constantFrom("%", "/", "?", "&", "=", "#", ":", "@", "$", "!", "a", "E", "0", "\uD800"),
    });
    fc.assert(
      fc.property(prefix, tail, (p, t) => {
        expect(isResult(parseMatrixLink(p + t))).toBe(true);
      }),
    );
  });
});

function reasonOf(result: LinkParseResult): string | undefined {
  return result.ok ? undefined : result.reason;
}

describe("asMatrixToLink (the widget's rewrite of matrix: URIs for matrix.to-only hosts)", () => {
  it("rewrites every formatMatrixUri(t) into a matrix.to link that parses to the same t", () => {
    fc.assert(
      fc.property(target, (t) => {
        const link = asMatrixToLink(formatMatrixUri(t));
        expect(link.startsWith("https://matrix.to/#/")).toBe(true);
        expect(parseMatrixLink(link)).toStrictEqual({ ok: true, target: t });
      }),
      { numRuns: 500 },
    );
  });

  it("never makes a link go somewhere else, nor turns a refused matrix: URI into an accepted one", () => {
    const tail = fc.string({
      unit: fc.constantFrom("%", "/", "?", "&", "=", "#", ":", "@", "$", "!", "a", "e", "E", "r", "u", "0"),
    });
    const head = fc.constantFrom(
      "matrix:",
      "matrix:r/",
      "matrix:u/",
      "matrix:roomid/",
      "MATRIX:R/",
      "matrix:e/",
    );
    fc.assert(
      fc.property(head, tail, (h, t) => {
        const uri = h + t;
        const original = parseMatrixLink(uri);
        const rewritten = parseMatrixLink(asMatrixToLink(uri));
        if (original.ok) expect(rewritten).toStrictEqual(original);
        else expect(rewritten.ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ["matrix:r/lobby:example.org", "https://matrix.to/#/%23lobby:example.org"],
    ["matrix:u/alice:example.org?action=chat", "https://matrix.to/#/@alice:example.org?action=chat"],
    [
      "matrix:roomid/abc:example.org/e/ev1?via=example.org&via=other.org",
      "https://matrix.to/#/!abc:example.org/$ev1?via=example.org&via=other.org",
    ],
    ["MATRIX:R/lobby:example.org#ignored", "https://matrix.to/#/%23lobby:example.org"],
  ])("rewrites %s as %s", (uri, expected) => {
    expect(asMatrixToLink(uri)).toBe(expected);
  });

  it.each([
    "https://matrix.to/#/%23lobby:example.org",
    "matrix://example.org/r/lobby:example.org",
    "matrix:e/ev1",
    "matrix:room/lobby:example.org",
    "javascript:alert(1)",
    "",
  ])("leaves %j as it is, for the host to judge", (uri) => {
    expect(asMatrixToLink(uri)).toBe(uri);
  });
});
