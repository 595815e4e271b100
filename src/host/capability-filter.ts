import { isKindMismatch, parseCapability, type Capability } from "../capabilities/index.js";
import { classifyAccountDataType } from "../matrix/account-data.js";
import { isNeverExposedToDeviceType } from "../matrix/to-device.js";
import type { HostPolicy, WidgetIdentity } from "./policy.js";

/** What the host itself knows how to honour, besides the parsed forms. */
export interface GrantableContext {
  /** Custom capability strings registered by host applications. */
  customCapabilities: ReadonlySet<string>;
  /**
   * Optional fixed capabilities whose every action this host cannot serve (the driver or the policy
   * lacks what the action needs): granting one would promise what the host answers `unsupported`.
   */
  unservableCapabilities?: ReadonlySet<string>;
  policy: HostPolicy;
  widget: WidgetIdentity;
}

/**
 * Longest capability string the host will grant or remember. Matrix limits event types, state
 * keys and room IDs to 255 bytes, so every capability over valid identifiers (with its head and
 * any escaping) is shorter; a longer string is junk that would only cost memory and notify size.
 */
export const MAX_GRANTABLE_CAPABILITY_LENGTH = 1200;

/**
 * Whether the host could ever grant a capability, before the policy is asked. Unknown
 * capabilities, kind mismatches (sending m.room.message as state), account data and to-device
 * types that are never exposed (encryption keys and secrets), and sensitive account data the policy
 * has not opted into are all refused here, so no policy or consent dialog can approve them by
 * mistake.
 */
export function isGrantable(raw: string, context: GrantableContext): boolean {
  if (typeof raw !== "string" || raw.length > MAX_GRANTABLE_CAPABILITY_LENGTH) return false;
  const capability: Capability = parseCapability(raw);
  switch (capability.kind) {
    case "custom":
      return context.customCapabilities.has(raw);
    case "room_event":
    case "state_event":
      return !isKindMismatch(capability);
    case "to_device":
      return !isNeverExposedToDeviceType(capability.eventType);
    case "account_data":
    case "room_account_data": {
      const category = classifyAccountDataType(capability.eventType);
      if (category === "never") return false;
      if (category === "sensitive") {
        return context.policy.allowSensitiveAccountData?.(capability.eventType, context.widget) === true;
      }
      return true;
    }
    case "fixed":
      return context.unservableCapabilities?.has(capability.name) !== true;
    default:
      return true;
  }
}
