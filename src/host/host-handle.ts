/**
 * The host as the rest of the host SDK sees it: features, drivers and the application's helpers
 * (`bindModal`, `hostFor`, `takeScreenshot`) take a {@link HostHandle}, which `WidgetHost`
 * implements. It lives apart from the class so that nothing the class imports has to import the
 * class back: the host core sits at the top of the module graph, not in a circle.
 */
import type { CapabilitySet } from "../capabilities/index.js";
import type { RequestOptions } from "../core/endpoint.js";
import type { Logger } from "../core/logger.js";
import type { AnyActionDescriptor, RequestInput, ResponseData } from "../protocol/action.js";
import type { WidgetApiError } from "../protocol/errors.js";
import type { WidgetIdentity } from "./policy.js";

/** Where a host session stands. */
export type HostSessionState =
  /** Waiting for the frame to load (or for `content_loaded`). */
  | "waiting"
  /** Asking the widget for its versions and capabilities, and the policy for a decision. */
  | "negotiating"
  /** Capabilities are settled; the widget may use them. */
  | "ready"
  /** destroy() was called. */
  | "destroyed";

/** One request or reply seen by the host, for logs and the playground's traffic view. No payloads. */
export interface TraceEntry {
  /** Who sent the request: `fromWidget` for the widget's requests, `toWidget` for the host's. */
  direction: "fromWidget" | "toWidget";
  /** The action's name: as the widget sent it (fromWidget), or its stable name (toWidget). */
  action: string;
  /** When the request was sent or received (ms, performance clock when available). */
  startedAt: number;
  /** How long until the reply. */
  durationMs: number;
  /** False when the request failed (an error reply; for toWidget also a timeout); `error` says why. */
  ok: boolean;
  /** The error message of an error reply. */
  error?: string;
}

/** Events a WidgetHost emits. */
export interface WidgetHostEvents {
  /**
   * The widget's document is there (it loaded, or announced itself) and the host begins the
   * capability exchange; `ready` follows once it finished. matrix-widget-api's `preparing`, which
   * Element uses to stop showing a widget as loading. Once per document: a reload emits it again.
   */
  preparing: Record<string, never>;
  /** The capability exchange finished and the session is usable. */
  ready: { requested: readonly string[]; granted: readonly string[] };
  /** The granted set changed: a renegotiation added to it, or the host app revoked some. */
  capabilities: { requested: readonly string[]; granted: readonly string[] };
  /**
   * The widget was told the granted set (`notify_capabilities`) after `ready` or `capabilities`,
   * and the telling is over: `acknowledged` is true when the widget acknowledged it, false when
   * it refused it, did not answer, or does not speak MSC2871 (so was not told). The payload is
   * the set as it was sent. matrix-widget-api's `capabilitiesNotified`; not emitted when the
   * session ended meanwhile.
   */
  capabilitiesNotified: {
    requested: readonly string[];
    granted: readonly string[];
    acknowledged: boolean;
  };
  /** The session ended: the frame reloaded or navigated, or the host was destroyed. Grants are gone. */
  sessionEnded: { reason: string };
  /**
   * `destroy()` was called, whether or not a session had begun: the last event the host emits.
   * For work that waits on the host (a `ready` that will never come now) to give up.
   */
  destroyed: Record<string, never>;
  /** The host app changed the viewed room. */
  viewedRoom: { roomId: string | undefined; previous: string | undefined };
  /** A request or reply passed, for traffic logs. */
  trace: TraceEntry;
}

/** A running WidgetHost: everything of it that features, drivers and helpers may use. */
export interface HostHandle {
  /** The widget this host serves. */
  readonly widget: WidgetIdentity;
  /** Where the host and its features report what they do. */
  readonly logger: Logger;
  /** API versions this host advertises. */
  readonly supportedVersions: readonly string[];
  /** The session's state. */
  readonly state: HostSessionState;
  /** The granted capabilities, as a precompiled set. */
  readonly capabilities: CapabilitySet;
  /** The granted capabilities, exactly as the widget wrote them. */
  readonly grantedCapabilities: readonly string[];
  /** Everything the widget requested in this session. */
  readonly requestedCapabilities: readonly string[];
  /** The API versions the widget advertised. */
  readonly widgetVersions: readonly string[];
  /** The room the user is viewing. */
  readonly viewedRoomId: string | undefined;
  /** Outbound requests waiting for the widget. */
  readonly pendingRequestCount: number;
  /** Tells the host which room the user is viewing. */
  setViewedRoomId(roomId: string | undefined): void;
  /** Takes capabilities back from the widget; see `WidgetHost.revokeCapabilities`. */
  revokeCapabilities(capabilities: Iterable<string>): Promise<void>;
  /** Declares that the widget's current document has loaded; see `WidgetHost.start`. */
  start(): void;
  /** Resolves when the current session is ready. */
  whenReady(): Promise<void>;
  /** Listens for a host event; returns a function that stops listening. */
  on<K extends keyof WidgetHostEvents>(
    event: K,
    listener: (payload: WidgetHostEvents[K]) => void,
  ): () => void;
  /** Sends a request to the widget under the name it advertises, and parses the reply. */
  request<A extends AnyActionDescriptor>(
    action: A,
    data: RequestInput<A>,
    options?: RequestOptions,
  ): Promise<ResponseData<A>>;
  /**
   * Sends a push (a request whose reply is only an acknowledgement) under the name the widget
   * advertises. `done` is called once: with nothing when the widget acknowledged it, with the
   * error otherwise (a timeout, an error reply, a malformed reply, the session's end). Cheaper
   * than {@link request} for a feed: no promise is made.
   */
  push<A extends AnyActionDescriptor>(
    action: A,
    data: RequestInput<A>,
    done: (error?: WidgetApiError) => void,
  ): void;
  /** Ends the session for good. */
  destroy(): void;
}
