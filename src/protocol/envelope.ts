import * as v from "valibot";

/** The two request directions of the Widget API. A reply keeps the direction of its request. */
export type Direction = "fromWidget" | "toWidget";

/** Longest `requestId` or `action` we accept; longer ones cannot be answered and are dropped. */
export const MAX_ID_LENGTH = 512;

/** A JSON object as carried in `data` and `response`. */
export type JsonObject = { [key: string]: unknown };

/** A request as it travels on the wire. `requestId` is camelCase, as deployed peers send it. */
export interface WidgetRequest<D extends JsonObject = JsonObject> {
  /** The request's direction: `fromWidget` when the widget sent it, `toWidget` when the host did. */
  api: Direction;
  /** The widget whose session this is; a receiver ignores messages for another widget ID. */
  widgetId: string;
  /**
   * Chosen by the sender, not shared with another of its requests still awaiting a reply; the reply
   * carries it back, so the sender can tell which request was answered.
   */
  requestId: string;
  /** The action's wire name; with `api` it fixes the shape of `data` and of the reply's `response`. */
  action: string;
  /** The request's payload, shaped by the action. A reply echoes it, or `{}` for an early error reply. */
  data: D;
}

/** A reply: the request's fields echoed back with a `response` added. */
export interface WidgetResponse<
  D extends JsonObject = JsonObject,
  R extends JsonObject = JsonObject,
> extends WidgetRequest<D> {
  /** The answer: the action's result, or an `error` object when the request failed. */
  response: R;
}

/** Any message on the wire. A message is a reply if and only if it carries `response`. */
export type WidgetMessage = WidgetRequest | WidgetResponse;

/**
 * The two base protocols a session can speak: the deployed one (`classic`, with `api` and
 * `widgetId`) and the MSC4412 draft (`msc4412`, with `source` and `version: "v1"`). One session
 * speaks one of them; see docs/decisions.md.
 */
export type Dialect = "classic" | "msc4412";

/** The sender of an MSC4412 message: `widget` is the classic `fromWidget`, `host` is `toWidget`. */
export type Msc4412Source = "widget" | "host";

/** The `version` every MSC4412 message carries. */
export const MSC4412_VERSION = "v1";

/**
 * An MSC4412 request. The body is in `request`, as in the proposal's format block; a receiver
 * also accepts it under `data`, the name the proposal's prose uses (docs/decisions.md).
 */
export interface Msc4412Request<D extends JsonObject = JsonObject> {
  /** The side that sent the request. */
  source: Msc4412Source;
  /** The action's wire name; with `source` it fixes the shape of `request` and of the reply's `response`. */
  action: string;
  /** A UUID v4 chosen by the sender and carried back by the reply. A request with any other ID is dropped. */
  requestId: string;
  /** The request's payload, shaped by the action. */
  request: D;
  /** The envelope version, always `"v1"`; a message with `source` but another version is dropped. */
  version: typeof MSC4412_VERSION;
  /** Never set: present so code reading a classic field of any message type-checks. */
  api?: undefined;
  /** Never set, as `api`. */
  widgetId?: undefined;
}

/**
 * An MSC4412 reply: its `source` is the side that answers, and the request is not echoed back.
 */
export interface Msc4412Response<R extends JsonObject = JsonObject> {
  /** The side that answers: the opposite of its request's `source`. */
  source: Msc4412Source;
  /** The action of the request answered; a reply whose action differs from its request's is ignored. */
  action: string;
  /** The `requestId` of the request answered, unchanged. */
  requestId: string;
  /** The answer: the action's result, or an `error` object when the request failed. */
  response: R;
  /** The envelope version, always `"v1"`. */
  version: typeof MSC4412_VERSION;
  /** Never set: present so code reading a classic field of any message type-checks. */
  api?: undefined;
  /** Never set, as `api`. */
  widgetId?: undefined;
}

/** Any MSC4412 message. */
export type Msc4412Message = Msc4412Request | Msc4412Response;

/** Anything a transport carries, in either dialect. */
export type WireMessage = WidgetMessage | Msc4412Message;

// Marked pure so that a bundle which only needs this module's hand-written checks (a widget's)
// drops the schemas, and valibot with them.
const boundedString = /* @__PURE__ */ v.pipe(
  /* @__PURE__ */ v.string(),
  /* @__PURE__ */ v.maxLength(MAX_ID_LENGTH),
);

/** A plain object: not null, not an array, not a class instance such as Blob or Map. */
export const plainObjectSchema = /* @__PURE__ */ v.custom<JsonObject>(
  isPlainObject,
  "expected a JSON object",
);

/** Whether a value is an object literal (or null-prototype object) rather than an array or class instance. */
export function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A string of 1 to {@link MAX_ID_LENGTH} characters: a `requestId` or `action` a reply can carry. */
function isId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

/**
 * Whether a classic message's envelope can address a reply: `api` is a direction, `widgetId` a
 * string and `requestId` and `action` non-empty, all within {@link MAX_ID_LENGTH}. The same rules
 * as {@link envelopeSchema}, checked by hand: this runs on every message both sides receive, and
 * needs no schema library in the widget bundle.
 */
export function isClassicEnvelope(
  message: JsonObject,
): message is JsonObject & { api: Direction; widgetId: string; requestId: string; action: string } {
  const { api, widgetId } = message;
  return (
    (api === "fromWidget" || api === "toWidget") &&
    typeof widgetId === "string" &&
    widgetId.length <= MAX_ID_LENGTH &&
    isId(message.requestId) &&
    isId(message.action)
  );
}

/**
 * Whether an MSC4412 message's envelope can address a reply: `source` names a side, `version` is
 * `v1`, `requestId` is a UUID v4 and `action` non-empty within {@link MAX_ID_LENGTH}. The same
 * rules as {@link msc4412EnvelopeSchema}, checked by hand.
 */
export function isMsc4412Envelope(
  message: JsonObject,
): message is JsonObject & { source: Msc4412Source; version: "v1"; requestId: string; action: string } {
  const { source, requestId } = message;
  return (
    (source === "widget" || source === "host") &&
    message.version === MSC4412_VERSION &&
    typeof requestId === "string" &&
    UUID_V4.test(requestId) &&
    isId(message.action)
  );
}

/** The envelope fields every message must carry, checked before anything else looks at it. */
export const envelopeSchema = /* @__PURE__ */ v.object({
  api: /* @__PURE__ */ v.picklist(["fromWidget", "toWidget"]),
  widgetId: boundedString,
  requestId: /* @__PURE__ */ v.pipe(boundedString, /* @__PURE__ */ v.minLength(1)),
  action: /* @__PURE__ */ v.pipe(boundedString, /* @__PURE__ */ v.minLength(1)),
});

/** A UUID version 4, in any letter case, as MSC4412 requires of request IDs. */
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * The envelope of an MSC4412 message, checked before anything else looks at it. A `requestId`
 * that is not a UUID v4 makes the message unanswerable: it is dropped, as a classic message with
 * no `requestId` is.
 */
export const msc4412EnvelopeSchema = /* @__PURE__ */ v.object({
  source: /* @__PURE__ */ v.picklist(["widget", "host"]),
  version: /* @__PURE__ */ v.literal(MSC4412_VERSION),
  requestId: /* @__PURE__ */ v.pipe(/* @__PURE__ */ v.string(), /* @__PURE__ */ v.regex(UUID_V4)),
  action: /* @__PURE__ */ v.pipe(boundedString, /* @__PURE__ */ v.minLength(1)),
});

/**
 * Which dialect a message is written in, by its own fields: `api` marks the classic protocol
 * (whatever else it carries, so a deployed peer that adds a `source` of its own is still read as
 * before), `source` without `api` the MSC4412 one. A message with neither is neither.
 */
export function dialectOf(message: JsonObject): Dialect | undefined {
  if (Object.hasOwn(message, "api")) return "classic";
  return Object.hasOwn(message, "source") ? "msc4412" : undefined;
}

/** The part of an envelope needed to address an error reply, when the rest of the message is bad. */
export const replyAddressSchema = envelopeSchema;

export { ownProperty } from "../core/own-property.js";
