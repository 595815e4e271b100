import type { HostActionRegistration } from "../../registry.js";
import { readEventsHandler } from "./read-events.js";
import { readRelationsHandler } from "./read-relations.js";
import { sendEventHandler } from "./send-event.js";
import { updateDelayedEventHandler } from "./update-delayed-event.js";

export { READ_STATE_MAX_LIMIT, readEventsHandler } from "./read-events.js";
export { READ_RELATIONS_MAX_LIMIT, readRelationsHandler } from "./read-relations.js";
export { sendEventHandler } from "./send-event.js";
export { updateDelayedEventHandler } from "./update-delayed-event.js";

/** Host handlers of the MSC2762 family: send_event, update_delayed_event, read_events, read_relations. */
export const eventHostActions: readonly HostActionRegistration[] = [
  sendEventHandler,
  updateDelayedEventHandler,
  readEventsHandler,
  readRelationsHandler,
];
