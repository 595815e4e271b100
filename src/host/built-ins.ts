import { builtInHostActions } from "./actions/index.js";
import { builtInHostFeatures } from "./features/index.js";
import type { HostFeature } from "./features/feature.js";
import type { HostActionRegistration } from "./registry.js";

/** What every WidgetHost serves besides the session actions: the action table and the features. */
export interface HostBuiltIns {
  readonly actions: readonly HostActionRegistration[];
  readonly features: readonly HostFeature[];
}

/**
 * The built-in handlers and features. The host core takes them from here instead of importing the
 * lists, which keeps the core out of the import graph of the handlers (they see only the
 * `HostActionContext` and `HostHandle` types).
 */
export function builtInHostParts(): HostBuiltIns {
  return { actions: builtInHostActions, features: builtInHostFeatures };
}
