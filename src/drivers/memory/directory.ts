/**
 * User-directory matching and ranking, modelled on Synapse's `search_user_dir`: the term is
 * lower-cased, NFKC-normalised and split into words; a user matches when every word is a prefix of
 * a word of their user ID or display name. Results are ranked, then cut to the limit.
 */

import type { DirectorySearchResult, DirectoryUserResult } from "../../host/driver.js";

/** Results returned when the caller gives no limit (the spec's default). */
export const DEFAULT_DIRECTORY_LIMIT = 10;
/** Largest limit honoured; larger ones are lowered to it, as Synapse does. */
export const MAX_DIRECTORY_LIMIT = 50;

/** Letters, combining marks, digits and `_`: what a word is made of. */
const WORD = /[\p{L}\p{M}\p{N}_]+/gu;

/**
 * Scripts written without spaces between words. Inside these a search word may match anywhere in
 * a word, not just at its start (a dictionary-based word breaker, as Synapse gets from ICU, would
 * split `王小明` into family and given name; a substring match gives the same hits).
 */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;

/** Lower-cases then NFKC-normalises, in the order Synapse applies them. */
export function normalizeForSearch(text: string): string {
  return text.toLowerCase().normalize("NFKC");
}

/** The words of `text`, already normalised. */
export function searchWords(text: string): string[] {
  return normalizeForSearch(text).match(WORD) ?? [];
}

/**
 * Clamps a requested limit to [0, {@link MAX_DIRECTORY_LIMIT}]: `undefined` or NaN gives the
 * default, negatives give 0, fractions are rounded down.
 */
export function clampDirectoryLimit(limit: number | undefined): number {
  if (limit === undefined || Number.isNaN(limit)) return DEFAULT_DIRECTORY_LIMIT;
  return Math.min(MAX_DIRECTORY_LIMIT, Math.max(0, Math.floor(limit)));
}

/**
 * How well `user` matches `term`, lower is better, or `undefined` when it does not match:
 * 0 the whole term equals the display name, localpart or user ID; 1 every word of the term equals
 * a word of the user; 2 the display name, localpart or user ID starts with the whole term; 3 every
 * word of the term starts a word of the user.
 */
export function matchRank(user: DirectoryUserResult, term: string): number | undefined {
  return rankWith(prepareQuery(term), user);
}

/**
 * Searches `candidates` for `term` and returns at most `limit` results (clamped with
 * {@link clampDirectoryLimit}), ordered by {@link matchRank}, then users with a display name
 * first, then users with an avatar first, then by user ID. `limited` says more matches exist.
 */
export function searchDirectory(
  candidates: Iterable<DirectoryUserResult>,
  term: string,
  limit: number | undefined,
): DirectorySearchResult {
  const max = clampDirectoryLimit(limit);
  const query = prepareQuery(term);
  const ranked: { user: DirectoryUserResult; rank: number }[] = [];
  for (const user of candidates) {
    const rank = rankWith(query, user);
    if (rank !== undefined) ranked.push({ user, rank });
  }
  ranked.sort(
    (a, b) =>
      a.rank - b.rank ||
      absent(a.user.displayName) - absent(b.user.displayName) ||
      absent(a.user.avatarUrl) - absent(b.user.avatarUrl) ||
      compareCodeUnits(a.user.userId, b.user.userId),
  );
  return { limited: ranked.length > max, results: ranked.slice(0, max).map(({ user }) => ({ ...user })) };
}

interface Query {
  /** The term, normalised and trimmed. */
  readonly whole: string;
  readonly words: readonly { readonly text: string; readonly unspaced: boolean }[];
}

function prepareQuery(term: string): Query {
  const whole = normalizeForSearch(term).trim();
  return { whole, words: (whole.match(WORD) ?? []).map((text) => ({ text, unspaced: UNSPACED.test(text) })) };
}

function rankWith(query: Query, user: DirectoryUserResult): number | undefined {
  if (query.words.length === 0) return undefined;
  const fields = userFields(user);
  const tokens = fields.flatMap((field) => field.match(WORD) ?? []);
  let allExact = true;
  for (const { text, unspaced } of query.words) {
    if (tokens.includes(text)) continue;
    allExact = false;
    if (!tokens.some((token) => token.startsWith(text) || (unspaced && token.includes(text))))
      return undefined;
  }
  if (fields.includes(query.whole)) return 0;
  if (allExact) return 1;
  return fields.some((field) => field.startsWith(query.whole)) ? 2 : 3;
}

/** The normalised strings a user is searched by: display name, localpart, user ID without `@`. */
function userFields(user: DirectoryUserResult): string[] {
  const id = normalizeForSearch(user.userId.slice(1));
  const colon = id.indexOf(":");
  const fields = [id, colon < 0 ? id : id.slice(0, colon)];
  if (user.displayName) fields.push(normalizeForSearch(user.displayName).trim());
  return fields;
}

function absent(value: string | undefined): number {
  return value ? 0 : 1;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
