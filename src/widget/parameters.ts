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
  try {
    // Only `new URL` can throw here: a URL that does not parse has no parameters.
    const parsed = new URL(url);
    const fragment = parsed.hash.slice(1);
    // What follows the fragment's `?`; with none, indexOf's -1 makes it the whole fragment.
    const fragmentQuery = fragment.slice(fragment.indexOf("?") + 1);
    for (const [key, value] of new URLSearchParams(fragmentQuery)) params.set(key, value);
    for (const [key, value] of parsed.searchParams) params.set(key, value);
  } catch {
    // Not a URL.
  }
  // Element and most hosts pass `parentUrl`; without it the embedding page's URL is the referrer.
  const parentUrl = params.get("parentUrl") ?? (globalThis.document?.referrer || undefined);
  let parentOrigin: string | undefined;
  if (parentUrl) {
    try {
      parentOrigin = new URL(parentUrl).origin;
    } catch {
      // Not a URL: no origin.
    }
  }
  return { widgetId: params.get("widgetId") ?? undefined, parentOrigin, params };
}
