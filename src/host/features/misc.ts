import type { HostFeature } from "./feature.js";

/** Features of the other families (to-device feed, TURN watching, …). */
export const miscHostFeatures: readonly HostFeature[] = [];
