/**
 * Making untrusted text safe to show: widget-chosen names and event types may carry bidi overrides,
 * zero-width characters or other invisible code points that reorder or hide what is around them.
 *
 * @module
 */

/**
 * Code points that change how surrounding text is laid out or that render as nothing: C0/C1
 * controls, the bidi embeddings, overrides, isolates and marks, zero-width spaces and joiners, the
 * word joiner and invisible operators, the byte-order mark, interlinear annotation marks, the Hangul
 * and Braille blanks that render as nothing, and the tag block. Each is shown escaped so a reader
 * sees that it is there instead of being fooled by it.
 */
const INVISIBLE =
  // eslint-disable-next-line no-control-regex, no-misleading-character-class
  /[\u0000-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u2800\u3164\ufeff\ufff9-\ufffb\uffa0\u{e0000}-\u{e007f}]/gu;

/** Default longest run of code points kept by {@link visibleText}. */
export const DEFAULT_VISIBLE_LENGTH = 120;

/** Options of {@link visibleText}. */
export interface VisibleTextOptions {
  /** Longest result in code points before the text is cut and ends in `…`. Default 120. */
  maxLength?: number;
}

/**
 * Returns `text` with every invisible or layout-changing code point replaced by a visible escape
 * such as `\u{202E}`, cut to `maxLength` code points (ending in `…`). The result can be shown in
 * any sentence without reordering it; it is meant for display only, never for comparing IDs.
 */
export function visibleText(text: string, options: VisibleTextOptions = {}): string {
  const max = Math.max(1, options.maxLength ?? DEFAULT_VISIBLE_LENGTH);
  const escaped = text.replace(
    INVISIBLE,
    (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}}`,
  );
  const points = Array.from(escaped);
  return points.length > max ? `${points.slice(0, max - 1).join("")}…` : escaped;
}

/** Whether `text` holds any code point that {@link visibleText} would escape. */
export function hasInvisibleCharacters(text: string): boolean {
  INVISIBLE.lastIndex = 0;
  const found = INVISIBLE.test(text);
  INVISIBLE.lastIndex = 0;
  return found;
}
