/**
 * The wire protocol: envelope, errors, versions and the action table, shared by both sides.
 * @module matrix-widget-kit/protocol
 */
export * from "./envelope.js";
export * from "./errors.js";
export * from "./versions.js";
export * from "./action.js";
export { ACTIONS, ACTION_TABLE, type ActionTable } from "./table.js";
export * from "./actions/session.js";
export * from "./actions/navigate.js";
export * from "./actions/user-directory.js";
export * from "./actions/mxid-share.js";
export * from "./actions/account-data.js";
export * from "./actions/misc.js";
export * from "./actions/events.js";
