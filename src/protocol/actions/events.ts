import type { AnyActionDescriptor } from "../action.js";

/** The MSC2762 family (events, state, reading, relations, delayed and sticky events), keyed by id. */
export const EVENT_ACTIONS = {} as const satisfies Record<string, AnyActionDescriptor>;
