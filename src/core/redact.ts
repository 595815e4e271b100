// Log lines quote secrets in many styles: query strings (`access_token=…`), JSON (`"accessToken":
// "…"`), JS and Python literals (`{'access_token': '…'}`), headers (`authorization: bearer …`),
// and all of these again URL-encoded inside another URL. The key rule below is written once over
// those styles instead of once per style, so a new spelling of a known key is covered too.

/**
 * A key that names a secret: anything ending in `token`, `password`, `passwd` or `secret`, in any
 * case and with any separators before it (`access_token`, `accessToken`, `X-Access-Token`). It must
 * start a word, so `next_token_type` or `tokens` are not keys. `token_type` is not one either,
 * because the separator must follow the key directly.
 */
const KEY = String.raw`(?<![A-Za-z0-9_-])[A-Za-z0-9_-]*?(?:token|password|passwd|secret)`;
/** An optional closing quote after the key: plain, backslash-escaped, or URL-encoded. */
const KEY_QUOTE = String.raw`(?:\\?["']|(?:%5c)?%2[27])?`;
/** `=` or `:`, raw or URL-encoded, with optional spaces (raw or `%20`) around it. */
const SEPARATOR = String.raw`(?:\s|%20)*(?:[:=]|%3[ad])(?:\s|%20)*`;
/** The value: a quoted string in any of the quoting styles, or a bare run up to a delimiter. */
const VALUE = [
  String.raw`\\"[^"]*?\\"`,
  String.raw`\\'[^']*?\\'`,
  String.raw`"(?:[^"\\]|\\[\s\S])*"`,
  String.raw`'(?:[^'\\]|\\[\s\S])*'`,
  String.raw`%5c%22(?:(?!%5c%22)\S)*?%5c%22`,
  String.raw`%5c%27(?:(?!%5c%27)\S)*?%5c%27`,
  String.raw`%22(?:(?!%22)\S)*?%22`,
  String.raw`%27(?:(?!%27)\S)*?%27`,
  // Bare: stops at whitespace, `&`, `,`, `;`, quotes, closing brackets, and their encodings.
  String.raw`(?:%(?!2[067c]|3b|5c|5d|7d)[0-9a-f]{2}|[^\s&,;'"}\])%<>\\])+`,
].join("|");

const KEY_VALUE = new RegExp(`(${KEY}${KEY_QUOTE}${SEPARATOR})(${VALUE})`, "gi");
const BEARER = /\b(bearer)(\s+|%20)[A-Za-z0-9._~+/=%-]+/gi;
const OPAQUE = /\b(syt|syr|mct|mat)_[A-Za-z0-9_-]+/g;

/** Replaces a matched value with a marker, keeping its quoting so the line stays readable. */
function redactValue(_match: string, head: string, value: string): string {
  for (const quote of ['\\"', "\\'", '"', "'"]) {
    if (value.startsWith(quote) && value.length >= quote.length * 2)
      return `${head}${quote}<redacted>${quote}`;
  }
  const encoded = /^(%5c%2[27]|%2[27])/i.exec(value);
  if (encoded) return `${head}${encoded[1]}<redacted>${encoded[1]}`;
  return `${head}<redacted>`;
}

/**
 * Removes credentials from text before it reaches a log: values of keys that name a token,
 * password or secret (in query strings, JSON, JS or Python literals and headers, raw or
 * URL-encoded, in any letter case), bearer tokens, and Synapse-style opaque tokens. Driver errors
 * often quote URLs and request bodies, and Element's bug reports upload console logs, so nothing
 * the SDK logs may carry a token. Over-redacting a harmless value is the accepted cost.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(BEARER, "$1$2<redacted>")
    .replace(KEY_VALUE, redactValue)
    .replace(OPAQUE, "$1_<redacted>");
}
