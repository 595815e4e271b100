/**
 * Capabilities: the grammar of capability strings and an immutable, precompiled set of grants.
 *
 * @module
 */

export {
  capabilityKey,
  formatCapability,
  isKindMismatch,
  isValidCapability,
  parseCapability,
  type Capability,
  type CapabilityDirection,
  type CapabilityStyle,
  type FixedCapabilityName,
} from "./grammar.js";
export { CapabilitySet } from "./set.js";
export { stableSpelling } from "./spellings.js";
