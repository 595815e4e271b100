import { ConfigErrorCode, WidgetKitConfigError } from "../core/config-error.js";
import type { AnyActionDescriptor } from "../protocol/action.js";
import { wireNames, wireNamesIn } from "../protocol/action.js";
import type { Dialect } from "../protocol/envelope.js";
import type { HostActionRegistration } from "./registry.js";

/**
 * A host's registrations, indexed for dispatch. Immutable once built, so hosts with the same
 * registrations share one: a table of every built-in action costs a few KiB, which a host
 * building its own paid per live session.
 */
export class HostActionTable {
  /** Each registration once, in registration order. */
  readonly registrations: readonly HostActionRegistration[];
  /** Custom capability strings named by the registrations' rules. */
  readonly customCapabilities: ReadonlySet<string>;
  private readonly classic = new Map<string, HostActionRegistration>();
  /** The same registrations by the names an MSC4412 session uses (see Msc4412Shape). */
  private readonly msc4412 = new Map<string, HostActionRegistration>();
  /** The action as parsed for registrations with a stricter request schema, built once. */
  private readonly strict = new Map<HostActionRegistration, AnyActionDescriptor>();

  /** @throws {WidgetKitConfigError} for a toWidget action or a name registered twice. */
  constructor(registrations: Iterable<HostActionRegistration>) {
    const list: HostActionRegistration[] = [];
    const custom = new Set<string>();
    for (const registration of registrations) {
      const { action } = registration;
      if (action.direction !== "fromWidget") {
        throw new WidgetKitConfigError(
          `Host handlers serve fromWidget actions; ${action.stable} is ${action.direction}`,
          ConfigErrorCode.InvalidAction,
        );
      }
      for (const name of wireNames(action)) {
        if (this.classic.has(name)) {
          throw new WidgetKitConfigError(
            `Action ${name} is registered twice`,
            ConfigErrorCode.DuplicateAction,
          );
        }
        this.classic.set(name, registration);
      }
      for (const name of wireNamesIn(action, "msc4412")) this.msc4412.set(name, registration);
      if (registration.strictRequest) {
        this.strict.set(registration, { ...action, request: registration.strictRequest });
      }
      const rule = action.capability;
      if (rule && "custom" in rule) custom.add(rule.custom);
      if (!list.includes(registration)) list.push(registration);
    }
    this.registrations = list;
    this.customCapabilities = custom;
  }

  /**
   * The registration serving a wire name in a dialect: an MSC4412 session does not know the
   * actions the proposal drops, and knows the proposal's spellings of the others.
   */
  lookup(dialect: Dialect, name: string): HostActionRegistration | undefined {
    return (dialect === "classic" ? this.classic : this.msc4412).get(name);
  }

  /** Whether the action of a classic wire name takes binary data it bounds itself (uploads). */
  acceptsBinary(name: string): boolean {
    return this.classic.get(name)?.acceptsBinary === true;
  }

  /** The action to parse a registration's requests with: its stricter schema, if it has one. */
  actionFor(registration: HostActionRegistration): AnyActionDescriptor {
    return this.strict.get(registration) ?? registration.action;
  }
}

/**
 * The registrations a host serves: its session actions, the built-ins, and the host application's
 * own, where an own registration with `replacesBuiltIn` takes the place of the built-in serving the
 * same action. A replacement must name the built-in's own descriptor, so the capability rule, the
 * schemas and the wire names stay what the table says; what changes is only who serves it.
 *
 * @throws {WidgetKitConfigError} `invalid_action` for a replacement that names a session action or
 *   an action no built-in serves (a typo, or a copy of the descriptor instead of the table's own)
 */
export function hostRegistrations(
  sessionActions: readonly HostActionRegistration[],
  builtIns: readonly HostActionRegistration[],
  own: readonly HostActionRegistration[],
): HostActionRegistration[] {
  const replaced = new Set<AnyActionDescriptor>();
  for (const registration of own) {
    if (registration.replacesBuiltIn !== true) continue;
    const { action } = registration;
    if (sessionActions.some((session) => session.action === action)) {
      throw new WidgetKitConfigError(
        `${action.stable} is part of the session and cannot be replaced`,
        ConfigErrorCode.InvalidAction,
      );
    }
    if (!builtIns.some((builtIn) => builtIn.action === action)) {
      throw new WidgetKitConfigError(
        `The registration for ${action.stable} replaces no built-in action: pass the action table's own descriptor`,
        ConfigErrorCode.InvalidAction,
      );
    }
    // A second replacement of the same action stays in the list, and the table refuses it as a
    // duplicate, as it would two registrations of any action.
    replaced.add(action);
  }
  const kept = replaced.size === 0 ? builtIns : builtIns.filter((builtIn) => !replaced.has(builtIn.action));
  return [...sessionActions, ...kept, ...own];
}
