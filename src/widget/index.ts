/**
 * The widget SDK: what a widget author imports. It carries no host code.
 * @module matrix-widget-kit/widget
 */
export { WidgetClient, WIDGET_SUPPORTED_VERSIONS } from "./widget-client.js";
export type { WidgetClientOptions, ToWidgetHandler } from "./widget-client.js";
export { LiteWidgetClient, type LiteWidgetClientOptions } from "./lite-client.js";
export type { WidgetSession, WidgetSessionOptions } from "./session.js";
export { readWidgetParameters, type WidgetParameters } from "./parameters.js";
export {
  WidgetApiError,
  ErrorCode,
  isUnknownActionError,
  isErrorCode,
  type ErrorCodeValue,
  type MatrixApiErrorBody,
} from "../protocol/errors.js";
export { WidgetKitConfigError, ConfigErrorCode, type ConfigErrorCodeValue } from "../core/config-error.js";
export { ApiVersion } from "../protocol/versions.js";
export { defineAction } from "../protocol/action.js";
export type {
  ActionDescriptor,
  AnyWireAction,
  RequestInput,
  ResponseData,
  WireAction,
} from "../protocol/action.js";
export {
  formatCapability,
  parseCapability,
  isValidCapability,
  type Capability,
  type CapabilityStyle,
  type FixedCapabilityName,
} from "../capabilities/grammar.js";
export {
  formatMatrixToLink,
  formatMatrixUri,
  parseMatrixLink,
  type NavigationTarget,
} from "../matrix/links.js";
export type { Transport } from "../transport/transport.js";
export { WidgetPostMessageTransport } from "../transport/post-message-widget.js";
export { MessagePortTransport } from "../transport/message-port.js";
export type { AccountDataEvent } from "../protocol/actions/account-data.js";
export type { DirectoryUser } from "../protocol/actions/user-directory.js";
export * from "./features/events.js";
// The four proposals: free functions like every other family, so each tree-shakes (docs/decisions.md).
export { navigate } from "./features/navigate.js";
export { searchUserDirectory, type UserDirectorySearchOptions } from "./features/user-directory.js";
export { shareUsers, type ShareableUser, type ShareUsersOptions } from "./features/mxid-share.js";
export { readAccountData, watchAccountData } from "./features/account-data.js";
export type { RequestOptions } from "../core/endpoint.js";
export * from "./features/misc.js";
