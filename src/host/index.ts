/**
 * The host SDK: what a Matrix client imports to embed widgets.
 * @module matrix-widget-kit/host
 */
export { WidgetHost } from "./widget-host.js";
export type { WidgetHostOptions, WidgetHostEvents, HostSessionState, TraceEntry } from "./widget-host.js";
export type { HostHandle } from "./host-handle.js";
export type {
  WidgetDriver,
  DirectorySearchResult,
  DirectoryUserResult,
  UserProfile,
  AccountDataListener,
} from "./driver.js";
export { HomeserverError, type HomeserverErrorDetails } from "./matrix-error.js";
export { denyAllPolicy, allowListPolicy, approveCapabilities, requireModalsCapability } from "./policy.js";
export type {
  HostPolicy,
  OpenIdConsentRequest,
  RevokedConsent,
  CapabilityRequest,
  WidgetIdentity,
  ShareRequest,
  ShareDecision,
  ShareHint,
  ShareOutcome,
  ResolvedSharedUser,
  ModalPolicyRequest,
  DecisionContext,
  Awaitable,
} from "./policy.js";
export {
  StorageConsentStore,
  MemoryConsentStore,
  DEFAULT_CONSENT_PREFIX,
  rememberConsent,
  consentKeyOf,
  type ConsentStore,
  type ConsentKey,
  type ConsentChange,
  type RememberedConsent,
  type StorageLike,
  type RememberConsentOptions,
  type RememberingPolicy,
  type CapabilityConsentAnswer,
  type OpenIdConsentAnswer,
} from "./consent/index.js";
export { DEFAULT_HOST_LIMITS, type HostLimits, type RateLimit } from "./limits.js";
export { defineHostAction } from "./registry.js";
export type { HostActionRegistration, HostActionContext, SessionScope } from "./registry.js";
export { callDriver } from "./call-driver.js";
export {
  updateTheme,
  updateLanguage,
  setWidgetVisibility,
  takeScreenshot,
  DEFAULT_MAX_SCREENSHOT_BYTES,
  bindModal,
  hostFor,
  type AlwaysOnScreenRequest,
  type ScreenshotOptions,
  type WidgetUiDriver,
  type BindModalOptions,
  type ModalBinding,
  type ModalCloseReason,
  type ModalOpenRequest,
} from "./features/misc.js";
export {
  templateWidgetUrl,
  templateVariables,
  isRenderableWidgetUrl,
  addWidgetApiParameters,
  renderWidgetUrl,
  type WidgetTemplateValues,
  type WidgetApiParameters,
  type WidgetUrlSource,
  type WidgetRenderContext,
} from "./templating.js";
export * from "./widgets/index.js";
export type {
  OpenIdCredentials,
  TurnServer,
  ToDeviceEvent,
  RoomEvent,
  SendEventOptions,
  SentEvent,
  ReadEventsQuery,
  ReadRelationsQuery,
  RelationsPage,
  NavigationContext,
  OpenIdRequestOptions,
  RtcTransport,
  RtcMember,
  LivekitTokenRequest,
  DelayedLeaveDelegation,
} from "./driver.js";
export { isGrantable } from "./capability-filter.js";
export {
  HostPostMessageTransport,
  type HostPostMessageTransportOptions,
} from "../transport/post-message-host.js";
export { MessagePortTransport } from "../transport/message-port.js";
export {
  createMemoryTransportPair,
  MemoryTransport,
  type MemoryTransportPair,
  type MemoryTransportPairOptions,
} from "../transport/memory.js";
export type { Transport } from "../transport/transport.js";
export { consoleLogger, silentLogger, type Logger } from "../core/logger.js";
export {
  WidgetApiError,
  ErrorCode,
  isErrorCode,
  type ErrorCodeValue,
  type MatrixApiErrorBody,
} from "../protocol/errors.js";
export { WidgetKitConfigError, ConfigErrorCode, type ConfigErrorCodeValue } from "../core/config-error.js";
export { ApiVersion } from "../protocol/versions.js";
export { defineAction } from "../protocol/action.js";
export {
  CapabilitySet,
  parseCapability,
  formatCapability,
  capabilityKey,
  isValidCapability,
  isKindMismatch,
  type Capability,
} from "../capabilities/index.js";
export {
  describeCapability,
  describeRisk,
  capabilityCatalogue,
  CAPABILITY_CATALOGUES,
  type CapabilityDescription,
  type CapabilityRisk,
  type CapabilityMessages,
  type CapabilityMessageId,
  type DescribeCapabilityOptions,
} from "../capabilities/describe.js";
export {
  NEVER_EXPOSED_ACCOUNT_DATA,
  SENSITIVE_ACCOUNT_DATA,
  classifyAccountDataType,
  containsEncryptedSecret,
} from "../matrix/account-data.js";
export {
  parseMatrixLink,
  formatMatrixToLink,
  formatMatrixUri,
  type NavigationTarget,
} from "../matrix/links.js";
export { refreshEventFeed, eventFeedVersions } from "./features/events.js";
export type { HostFeature } from "./features/feature.js";
export {
  elementCallSupport,
  joinElementCall,
  hangUpElementCall,
  setElementCallDeviceMute,
  ElementCallAction,
  elementJoinedAction,
  elementHungUpAction,
  elementCloseAction,
  elementDeviceMuteChangedAction,
  elementJoinRequestAction,
  elementHangupRequestAction,
  elementDeviceMuteRequestAction,
  type ElementCallCallbacks,
  type ElementCallContext,
  type ElementCallDeviceMute,
  type ElementCallJoinDevices,
  type ElementCallSupport,
} from "./element-call.js";
export {
  elementCallCapabilities,
  trustedElementCallPolicy,
  type ElementCallIdentity,
} from "./element-call-policy.js";
