import type * as v from "valibot";
import type { Dialect, Direction, JsonObject } from "./envelope.js";

/**
 * What a widget must hold before the host runs an action.
 * - `fixed`: one of the fixed capabilities, checked by the host before the handler runs.
 * - `custom`: an exact capability string registered by a host application.
 * - `dynamic`: depends on the request (an event type, a room); the handler checks it. `describe` says how.
 */
export type CapabilityRule =
  { readonly fixed: string } | { readonly custom: string } | { readonly dynamic: string };

/**
 * How an action differs in an MSC4412 session. Only actions that differ carry one; every other
 * action keeps its classic names and shapes there (the proposal keeps the identifiers in use).
 */
export interface Msc4412Shape {
  /** The action does not exist in MSC4412 (`supported_api_versions`, host-initiated `capabilities`). */
  readonly dropped?: true;
  /** More names the receiver accepts in an MSC4412 session: the proposal's own spellings. */
  readonly aliases?: readonly string[];
  /** Allowed before the session is established: the widget opens the session with it. */
  readonly beforeSession?: true;
  /**
   * A slow action: the request is acknowledged at once, and its outcome comes later as this
   * other action (by id), sent by the side that was asked.
   */
  readonly notifiedBy?: string;
}

/** A schema that parses unknown wire data into `Output`. */
export type WireSchema<Input, Output> = v.GenericSchema<Input, Output>;

/**
 * One row of the action table: everything both sides need to speak one action.
 * Each action is described once; the host, the widget SDK, the docs and the tests read it from here.
 */
export interface ActionDescriptor<
  ReqIn extends JsonObject = JsonObject,
  ReqOut extends JsonObject = ReqIn,
  ResIn extends JsonObject = JsonObject,
  ResOut extends JsonObject = ResIn,
> {
  /** A short stable identifier for docs and lookups, e.g. `"navigate"`. */
  readonly id: string;
  /** Which side sends the request. */
  readonly direction: Direction;
  /** The stable wire name. */
  readonly stable: string;
  /** Unstable wire names, preferred first. The receiver accepts every one of them. */
  readonly unstable: readonly string[];
  /** The API version the receiver advertises when it supports this action, if the action is not in the base set. */
  readonly version?: string;
  /** The capability the widget needs, if any. */
  readonly capability?: CapabilityRule;
  /** Whether the action is allowed before the capability exchange has finished (setup actions only). */
  readonly beforeSession?: boolean;
  /** Parses the request's `data`. */
  readonly request: WireSchema<ReqIn, ReqOut>;
  /** Parses the reply's `response`. */
  readonly response: WireSchema<ResIn, ResOut>;
  /** How the action differs in MSC4412 sessions, where it does. */
  readonly msc4412?: Msc4412Shape;
  /** One sentence for generated docs; optional, and left out of the built-in actions to keep widget bundles small (their doc comments say it). */
  readonly summary?: string;
}

/**
 * What a sender or a widget's handler reads of an action: its wire names, version, schemas and
 * MSC4412 shape. Every {@link ActionDescriptor} is one. The widget SDK's own copies of the built-in
 * actions are only this, so their identifiers and host-only fields stay out of widget bundles.
 */
export type WireAction<
  ReqIn extends JsonObject = JsonObject,
  ReqOut extends JsonObject = ReqIn,
  ResIn extends JsonObject = JsonObject,
  ResOut extends JsonObject = ResIn,
> = Pick<
  ActionDescriptor<ReqIn, ReqOut, ResIn, ResOut>,
  "stable" | "unstable" | "version" | "request" | "response" | "msc4412"
>;

/** Any {@link WireAction}, whatever its schemas. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- variance escape hatch, as for AnyActionDescriptor
export type AnyWireAction = WireAction<any, any, any, any>;

/** Any action descriptor, whatever its schemas. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- variance escape hatch for heterogeneous tables; never on a value path
export type AnyActionDescriptor = ActionDescriptor<any, any, any, any>;

/** The request data a sender passes for an action. */
export type RequestInput<A extends AnyWireAction> = v.InferInput<A["request"]>;
/** The request data a receiver's handler gets, after parsing. */
export type RequestData<A extends AnyWireAction> = v.InferOutput<A["request"]>;
/** The response body a receiver's handler returns. */
export type ResponseInput<A extends AnyWireAction> = v.InferInput<A["response"]>;
/** The response a sender gets back, after parsing. */
export type ResponseData<A extends AnyWireAction> = v.InferOutput<A["response"]>;

/**
 * Declares an action. Used for the built-in table and for host applications' custom actions.
 */
export function defineAction<
  ReqIn extends JsonObject,
  ReqOut extends JsonObject,
  ResIn extends JsonObject,
  ResOut extends JsonObject,
>(
  descriptor: ActionDescriptor<ReqIn, ReqOut, ResIn, ResOut>,
): ActionDescriptor<ReqIn, ReqOut, ResIn, ResOut> {
  return descriptor;
}

/** Every wire name the receiver accepts for an action. */
export function wireNames(action: AnyWireAction): readonly string[] {
  return [action.stable, ...action.unstable];
}

/**
 * Every wire name the receiver accepts for an action in a session of the given dialect: in MSC4412,
 * none for a dropped action, and the proposal's spellings besides the classic ones.
 */
export function wireNamesIn(action: AnyWireAction, dialect: Dialect): readonly string[] {
  if (dialect === "classic") return wireNames(action);
  if (action.msc4412?.dropped) return [];
  return [...wireNames(action), ...(action.msc4412?.aliases ?? [])];
}

/**
 * The name to send to a peer: the preferred unstable name when the peer advertises the action's
 * version (what deployed peers speak today), otherwise the stable name.
 */
export function wireNameFor(action: AnyWireAction, peerVersions: readonly string[] | undefined): string {
  const preferred = action.unstable[0];
  if (preferred !== undefined && action.version !== undefined && peerVersions?.includes(action.version)) {
    return preferred;
  }
  return action.stable;
}
