// What both widget clients (WidgetClient and LiteWidgetClient) share: the versions they advertise,
// the notifications they acknowledge unasked, and the state one document keeps across clients.
import type { KnownApiVersion } from "../protocol/versions.js";

// The widget side writes API versions as literals of KnownApiVersion, not as ApiVersion.X, so that
// a widget bundle does not carry the whole ApiVersion object (about 250 bytes gzipped).

/** The API versions this widget SDK speaks. */
export const WIDGET_SUPPORTED_VERSIONS: readonly KnownApiVersion[] = [
  "0.0.1",
  "0.0.2",
  "org.matrix.msc2762",
  "org.matrix.msc2762_update_state",
  "org.matrix.msc2871",
  "org.matrix.msc2873",
  "org.matrix.msc2931",
  "org.matrix.msc2974",
  "uk.half-shot.msc3662",
  "org.matrix.msc3751",
  "org.matrix.msc3819",
  "town.robin.msc3846",
  "org.matrix.msc3973",
  "org.matrix.msc4039",
  "org.matrix.msc4515",
  "org.matrix.msc4533",
  "dev.matrix_widget_kit.account_data_watch",
];

/**
 * toWidget notifications that hosts send unasked to every widget advertising their version
 * (MSC2873 theme and language, visibility); answered `{}` when no listener is registered. Room
 * events, state, to-device messages and TURN updates are not among them: the widget asked for
 * those (capabilities, watch_turn_servers), so an unhandled one is a widget bug the host's trace
 * should show.
 */
export const ACKED_WITHOUT_LISTENER: ReadonlySet<string> = new Set([
  "theme_change",
  "language_change",
  "visibility",
  // Account-data changes (our watch extension): there is no unwatch action, so a widget stops
  // listening by dropping its listeners, and later pushes are acknowledged rather than refused.
  "dev.matrix_widget_kit.account_data",
]);

/**
 * How long after the document has loaded (and the host answered the versions request) a client
 * waits for the host's capabilities request before asking for its session by renegotiation.
 * A host that negotiates on the frame's load event asks within milliseconds of it; one that asked
 * before this client existed (a client created in a React effect, or later) never asks again.
 */
export const ASK_AGAIN_AFTER_MS = 500;

/** What the clients of one document share: the page's own global, not the module's (bundles may repeat). */
export interface DocumentState {
  /** Widget IDs whose content_loaded this document has already sent. */
  contentLoadedSent: Set<string>;
  /**
   * Widget IDs for which a client of this document has asked for the session by renegotiation:
   * every client of the page hears the one notify that follows, so one ask (one consent prompt)
   * is enough.
   */
  askedAgain: Set<string>;
}
const DOCUMENT_STATE = Symbol.for("matrix-widget-kit.widget-document");

/** The document's shared state, made by the first client of the page. */
export function documentState(): DocumentState {
  const holder = globalThis as { [DOCUMENT_STATE]?: DocumentState };
  return (holder[DOCUMENT_STATE] ??= { contentLoadedSent: new Set(), askedAgain: new Set() });
}

/** Resolves once the widget's document has loaded; at once outside a browser. */
export function documentLoaded(): Promise<void> {
  const page = globalThis.document as Document | undefined;
  if (!page || page.readyState === "complete") return Promise.resolve();
  return new Promise((resolve) => globalThis.addEventListener("load", () => resolve(), { once: true }));
}
