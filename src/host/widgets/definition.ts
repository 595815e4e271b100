/**
 * Widget definitions as Matrix stores them: room widgets in `im.vector.modular.widgets` (what
 * Element writes) and `m.widget` (MSC2764's stable name) state events, user widgets in `m.widgets`
 * account data, and Element's layout hints in `io.element.widgets.layout` state.
 *
 * Everything here is written by other people (any room member allowed to send state) and is
 * parsed by schema; what does not fit is reported as invalid and never rendered.
 */
import * as v from "valibot";
import type { RoomEvent } from "../driver.js";

/** The legacy room widget state type, which Element and most deployed clients write. */
export const LEGACY_WIDGET_EVENT_TYPE = "im.vector.modular.widgets";
/** The stable room widget state type of MSC2764. */
export const WIDGET_EVENT_TYPE = "m.widget";
/** Both room widget state types, legacy first. */
export const ROOM_WIDGET_EVENT_TYPES: readonly string[] = [LEGACY_WIDGET_EVENT_TYPE, WIDGET_EVENT_TYPE];
/** The account data type of user (account) widgets. */
export const ACCOUNT_WIDGETS_TYPE = "m.widgets";
/** Element's per-room widget layout state (state key `""`). */
export const WIDGET_LAYOUT_EVENT_TYPE = "io.element.widgets.layout";

/** A widget definition, read from room state or account data and checked. */
export interface WidgetDefinition {
  /** The widget's ID: the state key of a room widget, the `m.widgets` key of a user widget. */
  id: string;
  /** Where it was defined: `room` (state) or `account` (`m.widgets` account data). */
  source: "room" | "account";
  /** The room of a room widget. */
  roomId?: string;
  /** The state type it was read from (`im.vector.modular.widgets` or `m.widget`), or `m.widgets`. */
  eventType: string;
  /** The widget type, e.g. `m.custom`, `m.jitsi`, `m.stickerpicker`. */
  type: string;
  /** The URL template (not yet templated; see `renderWidgetUrl`). */
  url: string;
  /** A human-readable name, when the definition has one. */
  name?: string;
  /** The widget's `data`; `{}` when the definition has none. */
  data: Readonly<Record<string, unknown>>;
  /**
   * Whether the host negotiates on the frame's load event (true, MSC2764's default when the key is
   * missing) or waits for the widget's `content_loaded`.
   */
  waitForIframeLoad: boolean;
  /**
   * Who added the widget: the sender of the state event, as in Element. A `creatorUserId` in the
   * content is not believed: any member allowed to send widget state could name the viewing user
   * there and skip the "ask before loading a widget someone else added" of an app that compares it
   * with the user. For a user widget it is the user.
   */
  creatorUserId: string;
  /** Who last sent the definition: the state event's sender, or the account's own user. */
  sender: string;
  /** The avatar's mxc URI, when the definition has one. */
  avatarUrl?: string;
  /** The state event that defined it (room widgets only). */
  eventId?: string;
}

/** What one state event or `m.widgets` entry says about a widget. */
export type WidgetParseResult =
  /** A widget to show. */
  | { kind: "widget"; widget: WidgetDefinition }
  /** No widget: empty content, or `url` or `type` missing (how MSC2764 removes a widget). */
  | { kind: "absent"; id: string }
  /** A definition that does not fit the schema; MSC2764 says it must not be shown. */
  | { kind: "invalid"; id: string; reason: string };

/** A JSON object (not an array, not null); valibot's record accepts arrays. */
function plainObject(message: string) {
  return v.custom<Record<string, unknown>>(isPlainObject, message);
}

/**
 * The content of a widget state event. Unknown keys are kept out of the definition (but widgets
 * may have vendor keys, so they are not an error). `id` may differ from the state key in the wild;
 * the state key wins, as in Element and matrix-widget-api.
 */
const widgetContentSchema = v.looseObject({
  id: v.optional(v.string("id must be a string")),
  type: v.pipe(v.string("type must be a string"), v.minLength(1, "type must not be empty")),
  url: v.pipe(v.string("url must be a string"), v.minLength(1, "url must not be empty")),
  name: v.optional(v.nullable(v.string("name must be a string"))),
  data: v.optional(v.nullable(plainObject("data must be an object"))),
  waitForIframeLoad: v.optional(v.nullable(v.boolean("waitForIframeLoad must be a boolean"))),
  // Checked for shape only; the definition's creator is the sender.
  creatorUserId: v.optional(v.nullable(v.string("creatorUserId must be a string"))),
  avatar_url: v.optional(v.nullable(v.string("avatar_url must be a string"))),
});

/** One entry of `m.widgets` account data: a state-event-like wrapper around the content. */
const accountWidgetSchema = v.looseObject({
  type: v.picklist([WIDGET_EVENT_TYPE, LEGACY_WIDGET_EVENT_TYPE], "type must be m.widget"),
  state_key: v.optional(v.string("state_key must be a string")),
  id: v.optional(v.string("id must be a string")),
  sender: v.optional(v.string("sender must be a string")),
  content: plainObject("content must be an object"),
});

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * MSC2764 removes a widget by sending its state without `url` and/or `type`; Element sends `{}`.
 * Such content is "no widget here", not an error.
 */
function isRemoval(content: Record<string, unknown>): boolean {
  return (
    content["url"] === undefined ||
    content["url"] === null ||
    content["type"] === undefined ||
    content["type"] === null
  );
}

function firstIssue(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0];
  return issue === undefined ? "invalid widget definition" : issue.message;
}

/** Checks the content and builds the definition; shared by room and account widgets. */
function parseContent(
  id: string,
  content: unknown,
  where: Pick<WidgetDefinition, "source" | "eventType" | "sender"> & { roomId?: string; eventId?: string },
): WidgetParseResult {
  if (!isPlainObject(content)) return { kind: "invalid", id, reason: "content must be an object" };
  if (isRemoval(content)) return { kind: "absent", id };
  const parsed = v.safeParse(widgetContentSchema, content);
  if (!parsed.success) return { kind: "invalid", id, reason: firstIssue(parsed.issues) };
  const fields = parsed.output;
  const widget: WidgetDefinition = {
    id,
    source: where.source,
    eventType: where.eventType,
    type: fields.type,
    url: fields.url,
    data: fields.data ?? {},
    waitForIframeLoad: fields.waitForIframeLoad ?? true,
    // Element's makeAppConfig does the same: the content's own claim is ignored (see the field).
    creatorUserId: where.sender,
    sender: where.sender,
  };
  if (where.roomId !== undefined) widget.roomId = where.roomId;
  if (where.eventId !== undefined) widget.eventId = where.eventId;
  if (typeof fields.name === "string" && fields.name !== "") widget.name = fields.name;
  if (typeof fields.avatar_url === "string" && fields.avatar_url !== "") widget.avatarUrl = fields.avatar_url;
  return { kind: "widget", widget };
}

/**
 * Reads one room widget state event (`im.vector.modular.widgets` or `m.widget`). The state key is
 * the widget's ID. Events of other types, without a state key or with an empty one, are invalid.
 */
export function parseRoomWidgetEvent(event: RoomEvent): WidgetParseResult {
  const id = typeof event.state_key === "string" ? event.state_key : "";
  if (!ROOM_WIDGET_EVENT_TYPES.includes(event.type)) {
    return { kind: "invalid", id, reason: `${event.type} is not a widget state type` };
  }
  if (id === "") return { kind: "invalid", id, reason: "a room widget needs its ID as state key" };
  return parseContent(id, event.content, {
    source: "room",
    eventType: event.type,
    sender: event.sender,
    roomId: event.room_id,
    eventId: event.event_id,
  });
}

/**
 * Reads `m.widgets` account data: an object of widget ID to a state-event-like entry (`type`
 * `m.widget`, `state_key` or `id` equal to the key, `content`). A removed key is a removed widget;
 * an entry with empty content is absent too. `ownUserId` stands in for a missing `sender`.
 */
export function parseAccountWidgets(content: unknown, ownUserId: string): WidgetParseResult[] {
  if (!isPlainObject(content)) return [];
  const results: WidgetParseResult[] = [];
  for (const [id, entry] of Object.entries(content)) {
    if (id === "") continue;
    const parsed = v.safeParse(accountWidgetSchema, entry);
    if (!parsed.success) {
      results.push({ kind: "invalid", id, reason: firstIssue(parsed.issues) });
      continue;
    }
    const claimed = parsed.output.state_key || parsed.output.id;
    if (claimed !== undefined && claimed !== id) {
      results.push({ kind: "invalid", id, reason: "the entry's state_key differs from its key" });
      continue;
    }
    results.push(
      parseContent(id, parsed.output.content, {
        source: "account",
        eventType: ACCOUNT_WIDGETS_TYPE,
        // Account data is the user's own; a sender naming someone else would only mislead.
        sender: ownUserId,
      }),
    );
  }
  return results;
}

/** Where Element places a widget in a room. */
export type WidgetContainer = "top" | "right" | "center";

/** Element's layout hint for one widget (`io.element.widgets.layout`). */
export interface WidgetLayoutHint {
  /** The area of the room Element shows the widget in; a hint without a valid one is dropped. */
  container: WidgetContainer;
  /** Order within the container, lowest first. */
  index?: number;
  /** Share of the container's width, in percent (0–100). */
  width?: number;
  /** Share of the room's height, in percent (0–100). */
  height?: number;
}

/** A room's layout hints, by widget ID. Widgets without a valid hint are not listed. */
export type WidgetLayout = Readonly<Record<string, WidgetLayoutHint>>;

const percent = v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(100));
const layoutHintSchema = v.looseObject({
  container: v.picklist(["top", "right", "center"]),
  index: v.optional(v.pipe(v.number(), v.finite())),
  width: v.optional(percent),
  height: v.optional(percent),
});

/**
 * Reads `io.element.widgets.layout` content (`{ widgets: { [id]: { container, index, width,
 * height } } }`). Malformed hints are dropped one by one; the rest stay.
 */
export function parseWidgetLayout(content: unknown): WidgetLayout {
  const layout: Record<string, WidgetLayoutHint> = {};
  if (!isPlainObject(content) || !isPlainObject(content["widgets"])) return layout;
  for (const [id, entry] of Object.entries(content["widgets"])) {
    const parsed = v.safeParse(layoutHintSchema, entry);
    if (!parsed.success) continue;
    const hint: WidgetLayoutHint = { container: parsed.output.container };
    if (parsed.output.index !== undefined) hint.index = parsed.output.index;
    if (parsed.output.width !== undefined) hint.width = parsed.output.width;
    if (parsed.output.height !== undefined) hint.height = parsed.output.height;
    layout[id] = hint;
  }
  return layout;
}

/**
 * The content to send as `im.vector.modular.widgets` (or `m.widget`) state, with the widget ID as
 * state key, to add or update a room widget: what Element writes. Send `{}` to remove it.
 */
export function widgetStateContent(widget: {
  id: string;
  type: string;
  url: string;
  name?: string;
  data?: Readonly<Record<string, unknown>>;
  waitForIframeLoad?: boolean;
  creatorUserId: string;
  avatarUrl?: string;
}): Record<string, unknown> {
  const content: Record<string, unknown> = {
    id: widget.id,
    type: widget.type,
    url: widget.url,
    creatorUserId: widget.creatorUserId,
    data: { ...(widget.data ?? {}) },
  };
  if (widget.name !== undefined) content["name"] = widget.name;
  if (widget.waitForIframeLoad !== undefined) content["waitForIframeLoad"] = widget.waitForIframeLoad;
  if (widget.avatarUrl !== undefined) content["avatar_url"] = widget.avatarUrl;
  return content;
}
