/**
 * Matrix-specific pure helpers: identifier grammar, permalink parsing and
 * formatting, and the account-data deny/sensitive lists.
 */

export {
  MAX_IDENTIFIER_BYTES,
  isValidEventId,
  isValidRoomAlias,
  isValidRoomId,
  isValidServerName,
  isValidUserId,
  parseUserId,
  utf8ByteLength,
} from "./identifiers.js";
export type { UserIdOptions, UserIdParts } from "./identifiers.js";

export { MAX_LINK_LENGTH, formatMatrixToLink, formatMatrixUri, parseMatrixLink } from "./links.js";
export type { LinkParseResult, NavigationTarget } from "./links.js";

export {
  NEVER_EXPOSED_ACCOUNT_DATA,
  SENSITIVE_ACCOUNT_DATA,
  classifyAccountDataType,
  containsEncryptedSecret,
  findAccountDataRule,
} from "./account-data.js";
export type { AccountDataClass, AccountDataMatch, AccountDataRule } from "./account-data.js";

export { NEVER_EXPOSED_TO_DEVICE, isNeverExposedToDeviceType } from "./to-device.js";
