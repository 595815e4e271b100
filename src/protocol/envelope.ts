import * as v from "valibot";

/** The two request directions of the Widget API. A reply keeps the direction of its request. */
export type Direction = "fromWidget" | "toWidget";

/** Longest `requestId` or `action` we accept; longer ones cannot be answered and are dropped. */
export const MAX_ID_LENGTH = 512;

/** A JSON object as carried in `data` and `response`. */
export type JsonObject = { [key: string]: unknown };

/** A request as it travels on the wire. `requestId` is camelCase, as deployed peers send it. */
export interface WidgetRequest<D extends JsonObject = JsonObject> {
  api: Direction;
  widgetId: string;
  requestId: string;
  action: string;
  data: D;
}

/** A reply: the request's fields echoed back with a `response` added. */
export interface WidgetResponse<
  D extends JsonObject = JsonObject,
  R extends JsonObject = JsonObject,
> extends WidgetRequest<D> {
  response: R;
}

/** Any message on the wire. A message is a reply if and only if it carries `response`. */
export type WidgetMessage = WidgetRequest | WidgetResponse;

const boundedString = v.pipe(v.string(), v.maxLength(MAX_ID_LENGTH));

/** A plain object: not null, not an array, not a class instance such as Blob or Map. */
export const plainObjectSchema = v.custom<JsonObject>(isPlainObject, "expected a JSON object");

/** Whether a value is an object literal (or null-prototype object) rather than an array or class instance. */
export function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The envelope fields every message must carry, checked before anything else looks at it. */
export const envelopeSchema = v.object({
  api: v.picklist(["fromWidget", "toWidget"]),
  widgetId: boundedString,
  requestId: v.pipe(boundedString, v.minLength(1)),
  action: v.pipe(boundedString, v.minLength(1)),
});

/** The part of an envelope needed to address an error reply, when the rest of the message is bad. */
export const replyAddressSchema = envelopeSchema;

/** Own-property read that ignores anything inherited from a prototype. */
export function ownProperty(object: object, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? (object as JsonObject)[key] : undefined;
}
