/**
 * Remembered consent: a store of what each widget was granted for good, and a policy helper that
 * asks the user only about what is not remembered.
 * @module
 */
export {
  StorageConsentStore,
  MemoryConsentStore,
  DEFAULT_CONSENT_PREFIX,
  type ConsentStore,
  type ConsentKey,
  type ConsentChange,
  type RememberedConsent,
  type StorageLike,
} from "./store.js";
export {
  rememberConsent,
  consentKeyOf,
  type RememberConsentOptions,
  type RememberingPolicy,
  type CapabilityConsentAnswer,
  type OpenIdConsentAnswer,
} from "./remember.js";
