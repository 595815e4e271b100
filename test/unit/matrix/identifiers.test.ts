import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  isValidEventId,
  isValidRoomAlias,
  isValidRoomId,
  isValidServerName,
  isValidUserId,
  parseUserId,
  utf8ByteLength,
} from "../../../src/matrix/index.js";

/** Pads `prefix` with ASCII `a` so the whole string `prefix + a… + suffix` is exactly `bytes` UTF-8 bytes. */
function ofBytes(prefix: string, suffix: string, bytes: number): string {
  return prefix + "a".repeat(bytes - utf8ByteLength(prefix) - utf8ByteLength(suffix)) + suffix;
}

describe("utf8ByteLength", () => {
  it.each([
    ["", 0],
    ["abc", 3],
    ["é", 2],
    ["€", 3],
    ["😀", 4],
    ["a😀é€", 10],
    ["\uD800", 3],
    ["\uDC00x", 4],
  ])("counts %j as %i UTF-8 bytes", (s, n) => {
    expect(utf8ByteLength(s)).toBe(n);
  });

  it("agrees with TextEncoder on arbitrary strings, lone surrogates included", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
        (s) => {
          expect(utf8ByteLength(s)).toBe(new TextEncoder().encode(s).length);
        },
      ),
    );
  });

  it("returns 0 for a non-string instead of throwing", () => {
    expect(utf8ByteLength(undefined as unknown as string)).toBe(0);
  });
});

describe("isValidServerName", () => {
  it.each([
    "example.org",
    "EXAMPLE.org",
    "localhost",
    "a",
    "my-server.example.org",
    "example.org:8448",
    "example.org:1",
    "example.org:65535",
    "example.org:0",
    "1.2.3.4",
    "255.255.255.255",
    "0.0.0.0:80",
    "[::1]",
    "[::1]:8448",
    "[1234:5678::abcd]",
    "[::ffff:1.2.3.4]",
    "a".repeat(255),
  ])("accepts %j", (name) => {
    expect(isValidServerName(name)).toBe(true);
  });

  it.each([
    ["", "the empty string"],
    ["256.1.1.1", "an IPv4 octet above 255"],
    ["1.2.3.999", "an IPv4 octet above 255 in the last place"],
    ["1.2.3", "a numeric dotted name that is not a quad"],
    ["1.2.3.4.5", "a numeric dotted name with five parts"],
    ["1..2.3", "an empty IPv4 octet"],
    ["1234.1.1.1", "a four-digit IPv4 octet"],
    ["example.org:", "an empty port"],
    ["example.org:123456", "a six-digit port"],
    ["example.org:65536", "a port above 65535"],
    ["example.org:80a", "a non-numeric port"],
    ["example.org:-1", "a negative port"],
    ["example.org:80:80", "two ports"],
    ["[::1", "an unclosed IPv6 bracket"],
    ["::1", "an unbracketed IPv6 address"],
    ["[]", "an empty IPv6 literal"],
    ["[1]", "a one-character IPv6 literal"],
    [`[${"1".repeat(46)}]`, "an IPv6 literal over 45 characters"],
    ["[::g]", "a non-hex IPv6 character"],
    ["[::1]x", "text after the IPv6 bracket"],
    ["[::1]:", "an empty port after IPv6"],
    ["[::1]:99999", "a port above 65535 after IPv6"],
    ["a".repeat(256), "a DNS name over 255 characters"],
    ["exa_mple.org", "an underscore"],
    ["exämple.org", "a non-ASCII character"],
    ["example.org ", "a trailing space"],
    ["user@example.org", "an @"],
    ["example.org/path", "a slash"],
  ])("refuses %j (%s)", (name) => {
    expect(isValidServerName(name)).toBe(false);
  });

  it.each([undefined, null, 42, {}, ["example.org"]])("refuses the non-string %j without throwing", (v) => {
    expect(isValidServerName(v)).toBe(false);
  });
});

describe("parseUserId", () => {
  it("splits at the first colon so ports and IPv6 literals stay in the server name", () => {
    expect(parseUserId("@a:[::1]:8448")).toEqual({ localpart: "a", serverName: "[::1]:8448" });
    expect(parseUserId("@alice:example.org:8448")).toEqual({
      localpart: "alice",
      serverName: "example.org:8448",
    });
  });

  it.each(["@Alice:example.org", "@a b:example.org", "@élise:example.org", "@😀:example.org", "@@:x.org"])(
    "accepts the historical user ID %j by default and refuses it in strict mode",
    (id) => {
      expect(isValidUserId(id)).toBe(true);
      expect(isValidUserId(id, { historical: true })).toBe(true);
      expect(isValidUserId(id, { historical: false })).toBe(false);
    },
  );

  it.each(["@alice:example.org", "@a.b_c=d-e/f+g:example.org", "@0:1.2.3.4"])(
    "accepts the compliant user ID %j in both modes",
    (id) => {
      expect(isValidUserId(id)).toBe(true);
      expect(isValidUserId(id, { historical: false })).toBe(true);
    },
  );

  it.each([
    ["alice:example.org", "a missing @"],
    ["@alice", "no server name"],
    ["@:example.org", "an empty localpart"],
    ["@alice:", "an empty server name"],
    ["@al\u0000ice:example.org", "a NUL in the localpart"],
    ["@al\uD800ice:example.org", "a lone high surrogate"],
    ["@al\uDC00ice:example.org", "a lone low surrogate"],
    ["@alice:256.0.0.1", "an invalid server name"],
    ["@alice:example.org:99999", "an invalid port"],
    [" @alice:example.org", "leading whitespace"],
  ])("refuses %j (%s) in both modes", (id) => {
    expect(parseUserId(id)).toBeUndefined();
    expect(parseUserId(id, { historical: false })).toBeUndefined();
  });

  it("accepts exactly 255 UTF-8 bytes and refuses 256, counting multi-byte characters", () => {
    const suffix = ":example.org";
    expect(isValidUserId(ofBytes("@é😀", suffix, 255))).toBe(true);
    expect(isValidUserId(ofBytes("@é😀", suffix, 256))).toBe(false);
    // 100 UTF-16 code units of "é" are 200 bytes: with "@" and the server name this is 213 bytes.
    expect(isValidUserId(`@${"é".repeat(100)}${suffix}`)).toBe(true);
    // 80 emoji are 160 code units but 320 bytes.
    expect(isValidUserId(`@${"😀".repeat(80)}${suffix}`)).toBe(false);
  });

  it.each([undefined, null, 1, {}, ["@a:b"]])("returns undefined for the non-string %j", (v) => {
    expect(parseUserId(v)).toBeUndefined();
  });
});

describe("isValidRoomId", () => {
  it.each([
    "!abc:example.org",
    "!abc:example.org:8448",
    "!abc:[::1]",
    "!abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEFG", // v12 style, no server part
    "!a",
    "!🙂 x",
    "!a+b/c=",
  ])("accepts %j", (id) => {
    expect(isValidRoomId(id)).toBe(true);
  });

  it.each([
    ["abc:example.org", "a missing !"],
    ["!", "an empty opaque part"],
    ["!:example.org", "an empty opaque part before the server"],
    ["!abc:", "an empty server name"],
    ["!abc:bad_server", "an invalid server name"],
    ["!abc:example.org:x", "an invalid port"],
    ["!a\u0000b", "a NUL"],
    ["!a\uD800", "a lone surrogate"],
    [`!${"a".repeat(255)}`, "256 bytes"],
  ])("refuses %j (%s)", (id) => {
    expect(isValidRoomId(id)).toBe(false);
  });

  it("counts the 255-byte limit in UTF-8 bytes", () => {
    expect(isValidRoomId(ofBytes("!€", "", 255))).toBe(true);
    expect(isValidRoomId(ofBytes("!€", "", 256))).toBe(false);
  });
});

describe("isValidRoomAlias", () => {
  it.each(["#room:example.org", "#Room Name:example.org", "#café:example.org:8448", "##:x.org"])(
    "accepts %j",
    (alias) => {
      expect(isValidRoomAlias(alias)).toBe(true);
    },
  );

  it.each([
    ["room:example.org", "a missing #"],
    ["#room", "no server name"],
    ["#:example.org", "an empty localpart"],
    ["#ro\u0000om:example.org", "a NUL"],
    ["#room:exa mple.org", "an invalid server name"],
    [ofBytes("#", ":example.org", 256), "256 bytes"],
  ])("refuses %j (%s)", (alias) => {
    expect(isValidRoomAlias(alias)).toBe(false);
  });

  it("accepts an alias of exactly 255 UTF-8 bytes", () => {
    expect(isValidRoomAlias(ofBytes("#ü", ":example.org", 255))).toBe(true);
  });
});

describe("isValidEventId", () => {
  it.each([
    "$abc:example.org",
    "$acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk",
    "$a+b/c",
    "$x",
    "$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg",
  ])("accepts %j", (id) => {
    expect(isValidEventId(id)).toBe(true);
  });

  it.each([
    ["abc", "a missing $"],
    ["$", "an empty opaque part"],
    ["$a\u0000", "a NUL"],
    ["$\uDFFF", "a lone surrogate"],
    [`$${"a".repeat(255)}`, "256 bytes"],
    [42, "a number"],
  ])("refuses %j (%s)", (id, _description) => {
    expect(isValidEventId(id)).toBe(false);
  });
});

describe("identifier validators", () => {
  it("never throw, whatever the input", () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        isValidServerName(v);
        parseUserId(v);
        parseUserId(v, { historical: false });
        isValidRoomId(v);
        isValidRoomAlias(v);
        isValidEventId(v);
      }),
    );
  });
});
