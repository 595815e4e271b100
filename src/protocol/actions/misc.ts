import type { AnyActionDescriptor } from "../action.js";

/** Every other matrix-widget-api family (to-device, openid, modals, UI, TURN, media, room account data), keyed by id. */
export const MISC_ACTIONS = {} as const satisfies Record<string, AnyActionDescriptor>;
