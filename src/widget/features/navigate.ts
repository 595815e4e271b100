// MSC2931 navigation, as a free function so that widgets which never navigate do not bundle it.
import type { RequestOptions } from "../../core/endpoint.js";
import { asMatrixToLink, buildMatrixToLink, type NavigationTarget } from "../../matrix/link-format.js";
import { navigate as navigateAction } from "../actions.js";
import type { WidgetSession } from "../session.js";
import { requireHostVersion } from "./listeners.js";

/** Navigation may wait on a confirmation dialog, so it gets more time than other requests. */
const NAVIGATE_TIMEOUT_MS = 60_000;

/**
 * Asks the client to navigate (MSC2931; needs `org.matrix.msc2931.navigate`) to a matrix.to link,
 * a `matrix:` URI, or a typed target. A `matrix:` URI or a typed target is sent as the matrix.to
 * link to the same place, because every deployed host understands those and matrix-widget-api's
 * (Element's) refuses anything else. Resolves once the host has accepted; the default timeout is
 * 60 s because the host may ask the user first.
 *
 * ```ts
 * await navigate(client, "https://matrix.to/#/#room:example.org");
 * ```
 * @category Navigate (MSC2931)
 */
export async function navigate(
  client: WidgetSession,
  target: string | NavigationTarget,
  options?: RequestOptions,
): Promise<void> {
  requireHostVersion(client, "org.matrix.msc2931", "navigate");
  const uri = typeof target === "string" ? asMatrixToLink(target) : buildMatrixToLink(target);
  await client.request(navigateAction, { uri }, { timeoutMs: NAVIGATE_TIMEOUT_MS, ...options });
}
