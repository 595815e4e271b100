/**
 * What was set up wrong, as {@link WidgetKitConfigError.code}. These are mistakes in the code that
 * creates a client, host or transport, found before anything is sent; they never travel over the
 * wire (wire errors are `WidgetApiError`, with `ErrorCode`).
 */
export const ConfigErrorCode = {
  /** No widget ID: neither the `widgetId` option nor a `widgetId` URL parameter. */
  MissingWidgetId: "missing_widget_id",
  /** No host origin: neither the `parentOrigin` option nor a `parentUrl` URL parameter. */
  MissingParentOrigin: "missing_parent_origin",
  /** The page is not inside a frame, so there is no host to talk to. */
  NotEmbedded: "not_embedded",
  /** An origin or URL option that is not a valid http(s) origin. */
  InvalidOrigin: "invalid_origin",
  /** A custom host action for the wrong direction (host handlers serve fromWidget actions). */
  InvalidAction: "invalid_action",
  /** Two host actions registered under the same wire name. */
  DuplicateAction: "duplicate_action",
  /** An option with a value outside its range. */
  InvalidOption: "invalid_option",
} as const;

/** One of the {@link ConfigErrorCode} values. */
export type ConfigErrorCodeValue = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

/**
 * Thrown for a configuration mistake (a missing widget ID, an invalid origin, an action
 * registered twice), synchronously or as the rejection of a `create()`. `code` says which, so
 * code can react without reading the message.
 */
export class WidgetKitConfigError extends Error {
  /** Always `"WidgetKitConfigError"`: shown in stack traces, and usable where `instanceof` fails. */
  override readonly name = "WidgetKitConfigError";
  constructor(
    message: string,
    /** Which mistake it is. */
    readonly code: ConfigErrorCodeValue,
  ) {
    super(message);
  }
}
