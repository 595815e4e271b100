/**
 * The boundary check of every inbound message: one walk that both refuses values JSON cannot
 * carry and measures the message as JSON text plus the bytes of its binary values.
 *
 * Why not `JSON.stringify`: it writes a Map, Set, Date or class instance as `{}` or a short string
 * although the structured clone of `postMessage` delivers it whole, so a 20 MiB Map measured a
 * few bytes; and with a replacer (needed to see binary values) it costs a function call per value.
 */

/** Deepest nesting of objects and arrays accepted in a message, the envelope counting as level 1. */
export const MAX_NESTING = 2000;

/**
 * The longest JSON text anything could write (V8's longest string, 2^29 - 24 code units). A
 * message measured beyond it cannot be JSON at all; it bounds the walk when no limit is set.
 */
export const MAX_JSON_TEXT = 2 ** 29 - 24;

/** What {@link checkWireValue} found. */
export type WireCheck =
  /** Plain JSON and binary data only; `size` is exact (an upper bound when `exactSize` is false). */
  | { readonly ok: true; readonly size: number }
  /** Over `limit`: the walk stopped once `size` (then a lower bound) exceeded it. */
  | { readonly ok: false; readonly problem: "size"; readonly size: number; readonly exact: boolean }
  /** Nested deeper than {@link MAX_NESTING} (a cyclic value is infinitely deep). */
  | { readonly ok: false; readonly problem: "depth" }
  /** A value that is neither JSON nor binary data, at `path` (dot-separated keys from the root). */
  | { readonly ok: false; readonly problem: "type"; readonly path: string; readonly what: string };

/** Options of {@link checkWireValue}. */
export interface WireCheckOptions {
  /** Largest size accepted; the walk stops soon after passing it. Defaults to {@link MAX_JSON_TEXT}. */
  limit?: number | undefined;
  /** Whether binary values count as nothing (their handler bounds them itself). */
  binaryExempt?: boolean;
  /**
   * Whether an accepted message's `size` must be exact (the default). When false, the walk first
   * counts each string at the most JSON could write for it (six characters a code unit, plus the
   * quotes) and measures exactly only if that bound passes the limit: the verdict is the same, but
   * a message well within the limit (nearly all of them) is checked without writing or scanning a
   * single string.
   */
  exactSize?: boolean;
}

/** Characters that JSON escapes in a string: quote, backslash, controls, and (lone) surrogates. */
// eslint-disable-next-line no-control-regex -- JSON escapes exactly the control characters
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** The length of `text` written as a JSON string, quotes included; or at most that, when not `exact`. */
function jsonStringLength(text: string, exact: boolean): number {
  if (!exact) return text.length * MAX_ESCAPED_LENGTH + 2;
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text).length : text.length + 2;
}

/** The most characters JSON writes for one code unit (`\u001f`). */
const MAX_ESCAPED_LENGTH = 6;

/** The length of a finite number written by JSON; integers are counted without writing them. */
function jsonNumberLength(value: number): number {
  // JSON writes integers below 1e21 digit by digit; powers of ten are exact doubles up to 1e22.
  if (!Number.isInteger(value) || value >= 1e21 || value <= -1e21) return String(value).length;
  let length = value < 0 ? 2 : 1;
  const magnitude = Math.abs(value);
  for (let power = 10; magnitude >= power; power *= 10) length++;
  return length;
}

/** A container still to visit, and where it sits, to name the path of a refused value. */
interface Frame {
  readonly value: object;
  readonly depth: number;
  readonly parent: Frame | undefined;
  /** A member name, or an array index (made a string only to name a path). */
  readonly key: string | number;
}

/** {@link measure}: a JSON object or array, to be walked. */
const CONTAINER = -1;
/** {@link measure}: a value neither JSON nor binary data. */
const REFUSED = -2;

/**
 * The size of a value that holds no other values, {@link CONTAINER} for a plain object or array,
 * or {@link REFUSED}. Numbers, not objects, so the walk allocates nothing per value.
 */
function measure(value: unknown, binaryExempt: boolean, exact: boolean): number {
  switch (typeof value) {
    case "string":
      return jsonStringLength(value, exact);
    case "number":
      return Number.isFinite(value) ? jsonNumberLength(value) : REFUSED;
    case "boolean":
      return value ? 4 : 5;
    case "undefined":
      return 4;
    case "object": {
      if (value === null) return 4;
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto === Object.prototype || proto === null || proto === Array.prototype) {
        // An object whose prototype is Array.prototype but is no array is not plain either.
        return (proto === Array.prototype) === Array.isArray(value) ? CONTAINER : REFUSED;
      }
      const binary = binarySize(value);
      return binary === undefined || binary < 0 ? REFUSED : 2 + (binaryExempt ? 0 : binary);
    }
    default:
      // bigint, symbol, function: a structured clone refuses the last two; JSON all three.
      return REFUSED;
  }
}

/** What a value {@link measure} refused is, for the refusal's message. */
function refusedAs(value: unknown): string {
  switch (typeof value) {
    case "number":
      return String(value);
    case "object": {
      if (value === null || Array.isArray(value)) return "an array subclass";
      const binary = binarySize(value);
      return binary !== undefined && binary < 0 ? "shared memory" : describeObject(value);
    }
    default:
      return `a ${typeof value}`;
  }
}

/**
 * Checks a message that arrived by structured clone (or from any transport): every value must be
 * a plain object (prototype `Object.prototype` or `null`), an array, a string, a finite number, a
 * boolean, `null` or `undefined` (which JSON leaves out or writes as `null`), or binary data (an
 * ArrayBuffer, a typed array or DataView over one, or a Blob). The size is the length of the
 * message's JSON text plus the byte size of its binary values (the whole buffer of a view, since
 * the whole buffer travels).
 *
 * Never throws: a value whose reading throws (a getter, a Proxy) is refused as a type problem.
 * The work is bounded by the limit: the walk stops once the size passes it, and an array whose
 * length alone could not fit is refused without visiting its elements. It runs on every inbound
 * request, so it allocates nothing per value, only a frame per object or array.
 */
export function checkWireValue(root: object, options: WireCheckOptions = {}): WireCheck {
  const limit = Math.min(options.limit ?? MAX_JSON_TEXT, MAX_JSON_TEXT);
  const binaryExempt = options.binaryExempt ?? false;
  if (options.exactSize === false) {
    const bounded = walk(root, limit, binaryExempt, false);
    // Over the limit on the bound only: whether it really is takes the exact walk.
    if (bounded.ok || bounded.problem !== "size") return bounded;
  }
  return walk(root, limit, binaryExempt, true);
}

/** The walk of {@link checkWireValue}; strings measured exactly, or by their bound. */
function walk(root: object, limit: number, binaryExempt: boolean, exact: boolean): WireCheck {
  let size = 0;
  const stack: Frame[] = [];
  let current: Frame | undefined;
  let key: string | number = "";
  try {
    const top = measure(root, binaryExempt, exact);
    if (top === REFUSED) return refusal(refusedAs(root), undefined, "");
    if (top === CONTAINER) stack.push({ value: root, depth: 1, parent: undefined, key: "" });
    else size = top;
    // Past the limit, the walk stops before the next item (so the size is exact only when nothing
    // was left), which bounds its work by the limit: a small message whose shared references
    // repeat one large value would otherwise be walked (and measured) once per reference.
    while ((current = stack.pop()) !== undefined) {
      if (size > limit) return { ok: false, problem: "size", size, exact: false };
      const frame = current;
      const value = frame.value;
      const depth = frame.depth;
      if (Array.isArray(value)) {
        const length = value.length;
        size += length === 0 ? 2 : length + 1; // brackets and commas
        // Each element writes at least one character: refuse a huge (say sparse) array unvisited.
        if (size + length > limit) return { ok: false, problem: "size", size: size + length, exact: false };
        for (let index = 0; index < length; index++) {
          if (size > limit) return { ok: false, problem: "size", size, exact: false };
          key = index;
          const item: unknown = value[index];
          const measured = measure(item, binaryExempt, exact);
          if (measured >= 0) size += measured;
          else if (measured === REFUSED) return refusal(refusedAs(item), frame, key);
          else if (depth >= MAX_NESTING) return { ok: false, problem: "depth" };
          else stack.push({ value: item as object, depth: depth + 1, parent: frame, key });
        }
      } else {
        size += 2; // braces
        let members = 0;
        const record = value as Record<string, unknown>;
        // for-in with an own check, not Object.keys: V8 reads `record[name]` through the object's
        // enumeration cache inside a for-in, twice as fast on the small objects of a message.
        for (const name in record) {
          // Written out in full: V8 turns exactly this call, inside a for-in, into a cache check.
          if (!Object.prototype.hasOwnProperty.call(record, name)) continue;
          if (size > limit) return { ok: false, problem: "size", size, exact: false };
          const member = record[name];
          if (member === undefined) continue; // JSON leaves the member out
          key = name;
          const measured = measure(member, binaryExempt, exact);
          if (measured === REFUSED) return refusal(refusedAs(member), frame, key);
          if (measured === CONTAINER && depth >= MAX_NESTING) return { ok: false, problem: "depth" };
          size += jsonStringLength(name, exact) + 1 + (members > 0 ? 1 : 0); // "key": and a comma
          if (measured >= 0) size += measured;
          else stack.push({ value: member as object, depth: depth + 1, parent: frame, key });
          members++;
        }
      }
    }
  } catch {
    return { ok: false, problem: "type", path: pathOf(current, key), what: "a value that cannot be read" };
  }
  if (size > limit) return { ok: false, problem: "size", size, exact: true };
  return { ok: true, size };
}

function refusal(what: string, frame: Frame | undefined, key: string | number): WireCheck {
  return { ok: false, problem: "type", path: pathOf(frame, key), what };
}

/** Longest path named in a refusal; the keys are the sender's and may be long. */
const MAX_PATH_LENGTH = 200;

function pathOf(frame: Frame | undefined, key: string | number): string {
  const keys = [String(key)];
  for (let at = frame; at?.parent !== undefined; at = at.parent) keys.push(String(at.key));
  const path = keys.reverse().join(".");
  return path.length > MAX_PATH_LENGTH ? `${path.slice(0, MAX_PATH_LENGTH)}…` : path;
}

/**
 * The byte size of a binary value: the whole underlying buffer of a view (the clone copies all
 * of it), a Blob's size. -1 for memory shared with the sender (SharedArrayBuffer), which it could
 * change after the checks. Undefined for anything else.
 */
function binarySize(value: object): number | undefined {
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (ArrayBuffer.isView(value)) {
    const buffer: ArrayBufferLike = value.buffer;
    return buffer instanceof ArrayBuffer ? buffer.byteLength : -1;
  }
  if (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer) return -1;
  if (typeof Blob !== "undefined" && value instanceof Blob) return value.size;
  return undefined;
}

/** Names an object's kind for a refusal, e.g. "a Map", "a Date", "an instance of Widget". */
function describeObject(value: object): string {
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  if (tag !== "Object") return /^[AEIOU]/.test(tag) ? `an ${tag}` : `a ${tag}`;
  const constructor: unknown = (Object.getPrototypeOf(value) as { constructor?: unknown } | null)
    ?.constructor;
  const name = typeof constructor === "function" ? constructor.name : "";
  return name ? `an instance of ${name.slice(0, 64)}` : "an object with a custom prototype";
}
