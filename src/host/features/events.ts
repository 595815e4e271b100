import type { HostFeature } from "./feature.js";

/** Features of the MSC2762 family (the event feed, update_state). */
export const eventHostFeatures: readonly HostFeature[] = [];
