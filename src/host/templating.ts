/**
 * Widget URL templating (MSC2764, with the variables of MSC2873, MSC3819 and MSC4039).
 *
 * A widget URL is a template: `$name` stands for a variable, and the client substitutes each with
 * its URI-encoded value before rendering. The variables are the widget's `data` keys with simple
 * values, plus the client's own, which always win over `data` so a widget definition cannot lie
 * about the user or the room.
 *
 * The substitution is a single left-to-right pass: at each `$` the longest variable name that
 * follows is replaced, and substituted text is never scanned again. So a variable that is a prefix
 * of another (`$matrix` and `$matrix_user_id`) cannot break it, and a value that contains `$name`
 * stays literal, as MSC2764 requires ("nested variables are not supported").
 */

/** What the client knows when it renders a widget. */
export interface WidgetTemplateValues {
  /** The widget's ID (`$matrix_widget_id`). */
  widgetId: string;
  /** The current user's ID (`$matrix_user_id`). */
  userId: string;
  /** The room the widget lives in or the user views (`$matrix_room_id`); empty when none. */
  roomId?: string;
  /** The user's display name (`$matrix_display_name`); the user ID when unset. */
  displayName?: string;
  /** The user's avatar as an HTTP URL, not mxc (`$matrix_avatar_url`); empty when unset. */
  avatarUrl?: string;
  /** The client's identifier, e.g. `io.element.web` (`$org.matrix.msc2873.client_id`). */
  clientId?: string;
  /** The client's theme name, e.g. `dark` (`$org.matrix.msc2873.client_theme`). */
  clientTheme?: string;
  /** The user's language, BCP 47 with underscores allowed (`$org.matrix.msc2873.client_language`). */
  clientLanguage?: string;
  /** The rendering device's ID (`$org.matrix.msc3819.matrix_device_id`, `$matrix_device_id`). */
  deviceId?: string;
  /** The homeserver's base URL (`$org.matrix.msc4039.matrix_base_url`). */
  baseUrl?: string;
  /** The widget's `data`; its string, number and boolean values are variables too. */
  data?: Readonly<Record<string, unknown>>;
}

/**
 * Every variable for a widget, unencoded: the `data` keys with simple values, overridden by the
 * client's variables. Each client variable is offered under its unstable name (what deployed
 * widgets use) and its stable name from the MSC.
 */
export function templateVariables(values: WidgetTemplateValues): Map<string, string> {
  const variables = new Map<string, string>();
  const data = values.data;
  if (data !== null && typeof data === "object") {
    for (const key of Object.keys(data)) {
      const value = data[key];
      if (key === "") continue;
      // Objects and arrays have no defined rendering (MSC2764); they are not variables.
      if (typeof value === "string" || typeof value === "boolean") variables.set(key, String(value));
      else if (typeof value === "number" && Number.isFinite(value)) variables.set(key, String(value));
    }
  }
  const deviceId = values.deviceId ?? "";
  const own: Array<[string, string]> = [
    ["matrix_user_id", values.userId],
    ["matrix_room_id", values.roomId ?? ""],
    ["matrix_display_name", values.displayName || values.userId],
    ["matrix_avatar_url", values.avatarUrl ?? ""],
    ["matrix_widget_id", values.widgetId],
    ["org.matrix.msc2873.client_id", values.clientId ?? ""],
    ["org.matrix.msc2873.client_theme", values.clientTheme ?? ""],
    ["org.matrix.msc2873.client_language", values.clientLanguage ?? ""],
    ["matrix_client_id", values.clientId ?? ""],
    ["matrix_client_theme", values.clientTheme ?? ""],
    ["matrix_client_language", values.clientLanguage ?? ""],
    ["org.matrix.msc3819.matrix_device_id", deviceId],
    ["matrix_device_id", deviceId],
    ["org.matrix.msc4039.matrix_base_url", values.baseUrl ?? ""],
    ["matrix_base_url", values.baseUrl ?? ""],
  ];
  for (const [name, value] of own) variables.set(name, value);
  return variables;
}

/**
 * Fills in a widget URL template. Values are URI-encoded (`encodeURIComponent`), so they cannot
 * add query parameters, fragments or path segments. A `$` not followed by a known variable is
 * kept. Check the result with {@link isRenderableWidgetUrl} before rendering it.
 */
export function templateWidgetUrl(url: string, values: WidgetTemplateValues): string {
  const variables = templateVariables(values);
  // Longest first, so the first name that matches at a position is the longest one.
  const names = [...variables.keys()].sort((a, b) => b.length - a.length);
  let out = "";
  let from = 0;
  for (let at = url.indexOf("$"); at !== -1; at = url.indexOf("$", from)) {
    const name = names.find((candidate) => url.startsWith(candidate, at + 1));
    if (name === undefined) {
      out += url.slice(from, at + 1);
      from = at + 1;
      continue;
    }
    out += url.slice(from, at) + encodeURIComponent(variables.get(name) as string);
    from = at + 1 + name.length;
  }
  return out + url.slice(from);
}

/**
 * Whether a templated widget URL may be rendered: it parses as an absolute URL with the `http:` or
 * `https:` scheme (MSC2764 forbids every other scheme, `javascript:` included).
 */
export function isRenderableWidgetUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === "https:" || parsed.protocol === "http:";
}

/** The query parameters a widget SDK reads to find its host. */
export interface WidgetApiParameters {
  /** The widget's ID. */
  widgetId: string;
  /**
   * The host page's URL; the widget pins its messages to this URL's origin. Its fragment is not
   * passed on (see {@link addWidgetApiParameters}).
   */
  parentUrl: string;
}

const API_PARAMETER_NAMES: ReadonlySet<string> = new Set(["widgetId", "parentUrl"]);

/**
 * Adds `widgetId` and `parentUrl` to a (templated) widget URL's query string, as Element does,
 * replacing any the template already had so a widget definition cannot plant its own. The rest of
 * the URL is kept byte for byte (no re-encoding of the templated values); the fragment stays last.
 *
 * `parentUrl` goes without its fragment, as in Element: a single-page app keeps its route there
 * (`#/room/!id`, which room the user views) and some sign-in flows a token, none of which is the
 * widget's business; the widget needs only the origin.
 */
export function addWidgetApiParameters(url: string, parameters: WidgetApiParameters): string {
  const hash = url.indexOf("#");
  const beforeHash = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 ? "" : url.slice(hash);
  const question = beforeHash.indexOf("?");
  const base = question === -1 ? beforeHash : beforeHash.slice(0, question);
  const query = question === -1 ? "" : beforeHash.slice(question + 1);
  const kept = query
    .split("&")
    .filter((part) => part !== "" && !API_PARAMETER_NAMES.has(parameterName(part)));
  kept.push(
    `widgetId=${encodeURIComponent(parameters.widgetId)}`,
    `parentUrl=${encodeURIComponent(withoutFragment(parameters.parentUrl))}`,
  );
  return `${base}?${kept.join("&")}${fragment}`;
}

/** The URL up to its first `#`, where the URL parser ends the query and starts the fragment. */
function withoutFragment(url: string): string {
  const hash = url.indexOf("#");
  return hash === -1 ? url : url.slice(0, hash);
}

/** The decoded name of one `name=value` query part; the raw name when it cannot be decoded. */
function parameterName(part: string): string {
  const equals = part.indexOf("=");
  const raw = (equals === -1 ? part : part.slice(0, equals)).replace(/\+/g, " ");
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * A widget as room state or account data define it: the `im.vector.modular.widgets` /
 * `m.widget` state content, or one entry of `m.widgets` account data, with its ID (for room
 * widgets the state key is the ID).
 */
export interface WidgetUrlSource {
  /** The widget's ID (`$matrix_widget_id`, and the `widgetId` query parameter). */
  id: string;
  /** The URL template from the definition. */
  url: string;
  /** The definition's `data`; its simple values are template variables. */
  data?: Readonly<Record<string, unknown>>;
}

/** What the client knows when it renders a widget: every template value but the widget's own. */
export interface WidgetRenderContext extends Omit<WidgetTemplateValues, "widgetId" | "data"> {
  /**
   * The hosting page's URL, given to the widget as `parentUrl` so it can pin its messages to this
   * page's origin. Usually `window.location.href`; its fragment is left out.
   */
  parentUrl: string;
}

/**
 * Turns a widget definition into the URL to load in its frame: fills in the template
 * ({@link templateWidgetUrl}), refuses any result that is not an `http:` or `https:` URL
 * ({@link isRenderableWidgetUrl}) and adds the `widgetId` and `parentUrl` query parameters
 * ({@link addWidgetApiParameters}). The three steps are always needed together and in this order
 * (checking before templating would let a template such as `$url` smuggle in `javascript:`), so
 * one call does them.
 *
 * @returns the URL to render, or `undefined` when the definition must not be rendered (an empty
 *   or non-string URL, or one whose templated form is not an HTTP(S) URL).
 */
export function renderWidgetUrl(widget: WidgetUrlSource, context: WidgetRenderContext): string | undefined {
  if (typeof widget.url !== "string" || widget.url === "") return undefined;
  const { parentUrl, ...values } = context;
  const templated = templateWidgetUrl(widget.url, { ...values, widgetId: widget.id, data: widget.data });
  if (!isRenderableWidgetUrl(templated)) return undefined;
  return addWidgetApiParameters(templated, { widgetId: widget.id, parentUrl });
}
