/** What a widget learns from the URL its host rendered. */
export interface WidgetParameters {
  /** The widget's ID, from the `widgetId` parameter hosts add. */
  widgetId: string | undefined;
  /** The host's origin, from the `parentUrl` parameter hosts add. */
  parentOrigin: string | undefined;
  /** Every query and fragment parameter, for the widget's own template variables. */
  params: URLSearchParams;
}

/**
 * Reads the widget ID and the host origin from the widget's URL. Hosts such as Element add
 * `widgetId` and `parentUrl` to the query string; some put parameters in the fragment, so both
 * are read (the query string wins). Without `parentUrl`, the document's referrer (the embedding
 * page) gives the host origin.
 */
export function readWidgetParameters(url: string = globalThis.location?.href ?? ""): WidgetParameters {
  const params = new URLSearchParams();
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed) {
    const fragment = parsed.hash.replace(/^#/, "");
    // What follows the fragment's `?`; with none, indexOf's -1 makes it the whole fragment.
    const fragmentQuery = fragment.slice(fragment.indexOf("?") + 1);
    for (const [key, value] of new URLSearchParams(fragmentQuery)) params.set(key, value);
    for (const [key, value] of parsed.searchParams) params.set(key, value);
  }
  // Element and most hosts pass `parentUrl`; without it the embedding page's URL is the referrer.
  const parentUrl = params.get("parentUrl") ?? (globalThis.document?.referrer || undefined);
  let parentOrigin: string | undefined;
  if (parentUrl) {
    try {
      parentOrigin = new URL(parentUrl).origin;
    } catch {
      parentOrigin = undefined;
    }
  }
  return { widgetId: params.get("widgetId") ?? undefined, parentOrigin, params };
}
