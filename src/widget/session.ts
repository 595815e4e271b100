import type { RequestOptions } from "../core/endpoint.js";
import type { Logger } from "../core/logger.js";
import type { Transport } from "../transport/transport.js";
import type {
  AnyWireAction,
  RequestData,
  RequestInput,
  ResponseData,
  ResponseInput,
} from "../protocol/action.js";

/** A toWidget request handler; its return value is the reply. */
export type ToWidgetHandler<A extends AnyWireAction> = (
  request: RequestData<A>,
) => ResponseInput<A> | Promise<ResponseInput<A>>;

/**
 * What the action functions (`navigate`, `sendEvent`, `onRoomEvent`, …) need of a widget's
 * session. Both clients provide it: {@link WidgetClient}, the complete one, and
 * {@link LiteWidgetClient}, the small one. The functions take this interface rather than either
 * class, so a widget bundles only the client it creates.
 * @category Session
 */
export interface WidgetSession {
  /** The widget's ID. */
  readonly widgetId: string;
  /** The capabilities the host granted, exactly as requested. */
  readonly capabilities: readonly string[];
  /** The API versions the host advertised. */
  readonly hostVersions: readonly string[];
  /** Whether a capability was granted; stable and unstable spellings count as the same. */
  hasCapability(capability: string): boolean;
  /** Whether the host advertised an API version. */
  hostSupports(version: string): boolean;
  /** Listens for changes of the granted set; returns a function that stops listening. */
  onCapabilitiesChanged(listener: (granted: readonly string[]) => void): () => void;
  /** Asks for more capabilities (MSC2974); resolves with the whole granted set once notified. */
  requestCapabilities(
    capabilities: Iterable<string>,
    options?: { timeoutMs?: number },
  ): Promise<readonly string[]>;
  /** Sends an action and resolves with its reply, parsed by the action's schema. */
  request<A extends AnyWireAction>(
    action: A,
    data: RequestInput<A>,
    options?: RequestOptions,
  ): Promise<ResponseData<A>>;
  /** Answers a toWidget action; returns a function that removes the handler. */
  handle<A extends AnyWireAction>(action: A, handler: ToWidgetHandler<A>): () => void;
  /** Disconnects: rejects pending requests and leaves no listeners or timers. */
  destroy(): void;
  /**
   * Aborted when the session is destroyed, for work that waits on the host beyond a single
   * request (such as `getOpenIdToken`'s wait for the user's decision). Both clients have
   * it; optional so that a session written for tests need not.
   */
  readonly signal?: AbortSignal;
}

/**
 * The options both widget clients take ({@link WidgetClientOptions}, {@link LiteWidgetClientOptions}).
 * @category Session
 */
export interface WidgetSessionOptions {
  /**
   * Capabilities to request at start, e.g. `"org.matrix.msc2931.navigate"`. For typed ones, use
   * `formatCapability(...)`, which writes the unstable form deployed hosts know.
   */
  capabilities?: Iterable<string>;
  /** The widget ID; defaults to the `widgetId` URL parameter. */
  widgetId?: string;
  /** The host's origin; defaults to the origin of the `parentUrl` URL parameter. */
  parentOrigin?: string;
  /** A transport; defaults to postMessage with the parent window, pinned to `parentOrigin`. */
  transport?: Transport;
  /**
   * Send `content_loaded` at start, for hosts that do not wait for the frame's load event. It is
   * sent once the document has loaded, and once per document: a client re-created in the same
   * page (React StrictMode mounts twice) does not send it again, since hosts refuse a second one.
   */
  sendContentLoaded?: boolean;
  /** Default timeout of requests to the host, in ms. Default 10 000; `0` or `Infinity`: none. */
  timeoutMs?: number;
  /**
   * How long create() waits for the capability exchange, in ms. Default 120 000 (the user may be
   * deciding); `0` or `Infinity`: no limit.
   */
  readyTimeoutMs?: number;
  /** Most requests waiting for the host at once. Default 1024. */
  maxPending?: number;
  /** Where the client reports problems; defaults to the console, with debug lines dropped. */
  logger?: Logger;
  /** The URL to read parameters from; defaults to `location.href`. */
  url?: string;
}
