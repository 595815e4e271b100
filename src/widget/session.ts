import type { RequestOptions } from "../core/endpoint.js";
import type {
  AnyActionDescriptor,
  RequestData,
  RequestInput,
  ResponseData,
  ResponseInput,
} from "../protocol/action.js";

/** A toWidget request handler; its return value is the reply. */
export type ToWidgetHandler<A extends AnyActionDescriptor> = (
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
  request<A extends AnyActionDescriptor>(
    action: A,
    data: RequestInput<A>,
    options?: RequestOptions,
  ): Promise<ResponseData<A>>;
  /** Answers a toWidget action; returns a function that removes the handler. */
  handle<A extends AnyActionDescriptor>(action: A, handler: ToWidgetHandler<A>): () => void;
  /** Disconnects: rejects pending requests and leaves no listeners or timers. */
  destroy(): void;
}
