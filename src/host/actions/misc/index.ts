import type { HostActionRegistration } from "../../registry.js";

/** Host handlers of the other matrix-widget-api families. */
export const miscHostActions: readonly HostActionRegistration[] = [];
