// redactSecrets is the last line before a log: driver errors quote URLs, request bodies and
// headers in every style a library may print them, so each style must lose its token.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redactSecrets } from "../../../src/core/redact.js";

const SECRET = "s3cr3tT0kenValue";

describe("redactSecrets", () => {
  it.each([
    ["a JS object literal with a single-quoted value", `{ access_token: '${SECRET}' }`],
    ["a Python-style dict with single quotes", `{'access_token': '${SECRET}'}`],
    ["camelCase JSON keys", `{"accessToken":"${SECRET}"}`],
    ["a lowercase bearer scheme", `authorization: bearer ${SECRET}`],
    ["an upper-case bearer scheme", `Authorization: BEARER ${SECRET}`],
    ["a URL-encoded query parameter", `next=%2Fsync%3Faccess_token%3D${SECRET}%26since%3D1`],
    ["URL-encoded JSON", `body=%7B%22access_token%22%3A%22${SECRET}%22%7D`],
    ["a query parameter", `GET /_matrix/client/v3/sync?access_token=${SECRET}&since=s1`],
    ["JSON with spaces", `{"access_token" : "${SECRET}"}`],
    ["escaped JSON inside a JSON string", `{"body":"{\\"access_token\\":\\"${SECRET}\\"}"}`],
    ["a refresh token in snake case", `refresh_token=${SECRET}`],
    ["a camelCase refresh token", `refreshToken: "${SECRET}"`],
    ["a password field", `{"password":"${SECRET}"}`],
    ["an unquoted value after a colon", `access_token: ${SECRET}`],
    ["a kebab-case header", `x-access-token: ${SECRET}`],
  ])("removes the token from %s", (_name, text) => {
    const redacted = redactSecrets(text);
    expect(redacted).not.toContain(SECRET);
    expect(redacted).toContain("<redacted>");
  });

  it("removes Synapse-style opaque tokens wherever they appear", () => {
    expect(redactSecrets("token syt_YWxpY2U_abcdefghij_0AbCdE was refused")).not.toMatch(/abcdefghij/);
  });

  it("keeps text that carries no secret unchanged", () => {
    const plain = 'GET /_matrix/client/v3/profile/@alice:example.org failed: {"errcode":"M_NOT_FOUND"}';
    expect(redactSecrets(plain)).toBe(plain);
    expect(redactSecrets("token_type: Bearer")).toBe("token_type: Bearer");
  });

  it("removes the token in any mix of key spelling, quoting, separator and encoding", () => {
    const token = fc.stringMatching(/^[A-Za-z0-9._~+/-]{12,40}$/).filter((t) => /[A-Za-z0-9]{6}/.test(t));
    const key = fc.constantFrom(
      "access_token",
      "accessToken",
      "ACCESS_TOKEN",
      "Access-Token",
      "refresh_token",
      "refreshToken",
      "password",
      "token",
    );
    const quote = fc.constantFrom("", '"', "'", '\\"');
    const separator = fc.constantFrom("=", ":", ": ", " = ", " :");
    const encode = fc.boolean();
    fc.assert(
      fc.property(
        token,
        key,
        quote,
        quote,
        separator,
        encode,
        (secret, name, keyQuote, valueQuote, sep, enc) => {
          const text = `{${keyQuote}${name}${keyQuote}${sep}${valueQuote}${secret}${valueQuote}, "x": 1}`;
          const logged = enc ? encodeURIComponent(text) : text;
          const redacted = redactSecrets(logged);
          const exposed = enc ? redacted.includes(encodeURIComponent(secret)) : redacted.includes(secret);
          expect(exposed, `${logged} → ${redacted}`).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("returns a string for any text without throwing", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const out = redactSecrets(text);
        expect(typeof out).toBe("string");
      }),
    );
  });
});
