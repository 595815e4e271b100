import { eventHostFeatures } from "./events.js";
import type { HostFeature } from "./feature.js";
import { miscHostFeatures } from "./misc.js";

export type { HostFeature } from "./feature.js";

/** The features every WidgetHost attaches. */
export const builtInHostFeatures: readonly HostFeature[] = [...eventHostFeatures, ...miscHostFeatures];
