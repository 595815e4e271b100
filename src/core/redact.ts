/**
 * Removes credentials from text before it reaches a log: access tokens in query strings and JSON,
 * bearer tokens, and Synapse-style opaque tokens. Driver errors often quote URLs, and Element's bug
 * reports upload console logs, so nothing the SDK logs may carry a token.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/(access_token|refresh_token|password|token)=([^&\s"']+)/gi, "$1=<redacted>")
    .replace(/("(?:access_token|refresh_token|password|token)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, '$1"<redacted>"')
    .replace(/\bBearer\s+[A-Za-z0-9._~+/=-]+/g, "Bearer <redacted>")
    .replace(/\b(syt|syr|mct|mat)_[A-Za-z0-9_-]+/g, "$1_<redacted>");
}
