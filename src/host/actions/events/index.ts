import type { HostActionRegistration } from "../../registry.js";

/** Host handlers of the MSC2762 family. */
export const eventHostActions: readonly HostActionRegistration[] = [];
