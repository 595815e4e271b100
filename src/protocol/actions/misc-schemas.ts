import * as v from "valibot";
import { isValidRoomId, isValidServerName, isValidUserId } from "../../matrix/identifiers.js";

/**
 * Schemas shared by the families in `misc.ts`. Every message here is an `error message` without
 * the received value: valibot's default messages quote what they received, and some of these
 * fields carry credentials (OpenID tokens, TURN passwords) that must never reach a log.
 */

/** Longest event or account-data type accepted. */
export const MAX_TYPE_LENGTH = 255;
/** Longest Matrix identifier (room, user, device ID) accepted, in characters. */
export const MAX_ID_CHARS = 255;
/** Longest mxc URI accepted. */
export const MAX_MXC_URI_LENGTH = 512;
/** Longest free-text label (names, button labels) accepted. */
export const MAX_LABEL_LENGTH = 1024;

/** A non-empty event type of bounded length. */
export const eventTypeSchema = v.pipe(
  v.string("type must be a string"),
  v.minLength(1, "type must not be empty"),
  v.maxLength(MAX_TYPE_LENGTH, "type is too long"),
);

/** A room ID (at most 255 bytes); whether the widget may use the room is checked later. */
export const roomIdSchema = v.pipe(
  v.string("room IDs must be strings"),
  v.check((id) => isValidRoomId(id), "must be a valid room ID"),
);

/** A non-negative whole number (sizes, dimensions). */
export const sizeSchema = v.pipe(
  v.number("must be a number"),
  v.integer("must be an integer"),
  v.minValue(0, "must not be negative"),
  v.maxValue(Number.MAX_SAFE_INTEGER, "is too large"),
);

const MEDIA_ID = /^[A-Za-z0-9_-]+$/;

/** Whether a value is an `mxc://<server-name>/<media-id>` URI. Never throws. */
export function isMxcUri(value: unknown): value is string {
  if (typeof value !== "string" || value.length > MAX_MXC_URI_LENGTH || !value.startsWith("mxc://")) {
    return false;
  }
  const rest = value.slice("mxc://".length);
  const slash = rest.indexOf("/");
  if (slash <= 0) return false;
  return isValidServerName(rest.slice(0, slash)) && MEDIA_ID.test(rest.slice(slash + 1));
}

/** An mxc URI. */
export const mxcUriSchema = v.pipe(
  v.string("must be an mxc URI"),
  v.check((uri: string) => isMxcUri(uri), "must be an mxc://server/media URI"),
);

/** A user ID, in the historical grammar clients must accept. */
export const userIdSchema = v.pipe(
  v.string("user IDs must be strings"),
  v.check((id) => isValidUserId(id), "must be a valid user ID"),
);

/** Binary data as structured clone carries it: a Blob, an ArrayBuffer or a view over one. */
export type BinaryData = Blob | ArrayBuffer | Uint8Array;

/**
 * Whether a value is binary data the Widget API can carry. Checked by type only: no byte is read
 * or serialised, so a large file costs nothing to validate.
 */
export function isBinaryData(value: unknown): value is Blob | ArrayBuffer | ArrayBufferView {
  if (typeof Blob !== "undefined" && value instanceof Blob) return true;
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/** The size of binary data in bytes, read from its metadata. */
export function binarySize(value: Blob | ArrayBuffer | ArrayBufferView): number {
  return "byteLength" in value ? value.byteLength : value.size;
}

/**
 * Binary data, normalised to a Blob, an ArrayBuffer or a Uint8Array (other views become a
 * Uint8Array over the same bytes). Strings, FormData and plain objects are refused.
 */
export const binarySchema = v.pipe(
  v.custom<Blob | ArrayBuffer | ArrayBufferView>(isBinaryData, "must be a Blob or an ArrayBuffer"),
  v.transform((value): BinaryData => {
    if (value instanceof Uint8Array || value instanceof ArrayBuffer) return value;
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return value;
  }),
);
