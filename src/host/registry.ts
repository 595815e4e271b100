import type { CapabilitySet, FixedCapabilityName } from "../capabilities/index.js";
import type { Logger } from "../core/logger.js";
import type {
  AnyActionDescriptor,
  RequestData,
  RequestInput,
  ResponseData,
  ResponseInput,
} from "../protocol/action.js";
import type { WidgetDriver } from "./driver.js";
import type { HostLimits, RateLimit } from "./limits.js";
import type { HostPolicy, WidgetIdentity } from "./policy.js";

/** State that lives as long as one widget session and is dropped when the session ends. */
export interface SessionScope {
  /** Increases with every new session of the same host (each frame load starts one). */
  readonly generation: number;
  /** Per-feature storage, keyed by a symbol the feature owns. */
  readonly values: Map<symbol, unknown>;
  /** Runs `dispose` when the session ends (reload, navigation or destroy). */
  onEnd(dispose: () => void): void;
  /** Whether the session has ended; pushes from a feature must stop then. */
  readonly ended: boolean;
  /** Aborted when the session ends: for work that must stop with it (and free its timers). */
  readonly signal: AbortSignal;
}

/** What a host action handler gets besides the parsed request. */
export interface HostActionContext {
  /** The widget that sent the request: its host's identity, the same object for every request. */
  readonly widget: WidgetIdentity;
  /**
   * The Matrix client the host acts through. Call it through `callDriver`, which turns timeouts,
   * missing operations and homeserver errors into proper error replies.
   */
  readonly driver: WidgetDriver;
  /** The host app's policy, which decides for the user (shares, modals, OpenID tokens). */
  readonly policy: HostPolicy;
  /**
   * The capabilities granted in this session, read at each access: a closure kept past the request
   * (a watch, a push) sees grants added by renegotiation, and an empty set once the session ended.
   */
  readonly capabilities: CapabilitySet;
  /** The host's bounds, with defaults filled in for those its options left unset. */
  readonly limits: Readonly<HostLimits>;
  /** The host's logger; lines are scrubbed of tokens. Never log request or reply contents. */
  readonly logger: Logger;
  /** The request's ID, as the widget sent it. */
  readonly requestId: string;
  /** Runs `task` right after this request's reply has been sent: for pushes that must follow it. */
  afterReply(task: () => void): void;
  /** The wire name the widget used for this action. */
  readonly actionName: string;
  /** The room the user is viewing, if the host app told us. */
  readonly viewedRoomId: string | undefined;
  /** The widget session this request belongs to; work kept past the reply must end with it. */
  readonly session: SessionScope;
  /** Takes a token from this widget's bucket `name`, or throws a LimitExceeded error reply. */
  rateLimit(name: string, limit: RateLimit): void;
  /** Sends a request to the widget (toWidget), using the name the widget advertises. */
  sendToWidget<A extends AnyActionDescriptor>(action: A, data: RequestInput<A>): Promise<ResponseData<A>>;
  /** The API versions the widget advertised. */
  readonly widgetVersions: readonly string[];
}

/**
 * A host handler for one action of the table. The host validates the request with the action's
 * schema and checks fixed and custom capabilities before `handle` runs; `handle` returns the
 * reply, or throws a WidgetApiError for an error reply. It never replies by hand.
 */
export interface HostActionRegistration<A extends AnyActionDescriptor = AnyActionDescriptor> {
  /**
   * The fromWidget action served: its wire names route requests here, and its schema and capability
   * rule apply before `handle`. A toWidget action, or a name already served without
   * `replacesBuiltIn`, is a configuration error.
   */
  readonly action: A;
  /**
   * Serve a built-in action instead of the host's own handler, as a client app does that handles
   * an action its own way (Element sends a widget's sticker through its composer, where
   * matrix-widget-api apps call `preventDefault()` on the action's event). `action` must then be
   * the action table's own descriptor (`ACTIONS["m.sticker"]`, …): its capability rule and schemas
   * still apply before `handle` runs, so a replacement cannot widen what a widget may do. A
   * replacement that names a session action (the capability exchange, `content_loaded`, the
   * versions) or an action no built-in serves is a configuration error.
   */
  readonly replacesBuiltIn?: boolean;
  /**
   * A stricter schema for the request, used by the host instead of the action's own: for checks
   * the widget side need not carry (such as the full Matrix identifier grammar). Same output type.
   */
  readonly strictRequest?: A["request"];
  /**
   * The request carries binary data (an upload) that the handler bounds itself, so its bytes do
   * not count towards `limits.maxMessageBytes`.
   */
  readonly acceptsBinary?: boolean;
  /**
   * Serves one request, already parsed and checked (a `dynamic` capability rule is the handler's to
   * check). A WidgetApiError thrown becomes the error reply; any other throw is logged and answered
   * with a generic internal error.
   */
  handle(context: HostActionContext, request: RequestData<A>): Promise<ResponseInput<A>> | ResponseInput<A>;
  /**
   * A fixed capability this handler serves although the action's rule does not name it (an
   * optional capability a policy may require). Like a fixed rule's, it is grantable only while
   * this handler is available.
   */
  readonly servesCapability?: FixedCapabilityName;
  /** Whether the driver can serve this action; the host advertises the action's version only then. */
  available?(driver: WidgetDriver, policy: HostPolicy): boolean;
}

/** Declares a host handler with its types tied to the action's schemas. */
export function defineHostAction<A extends AnyActionDescriptor>(
  registration: HostActionRegistration<A>,
): HostActionRegistration<A> {
  return registration;
}
