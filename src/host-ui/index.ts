/**
 * `matrix-widget-kit/host-ui`: framework-free dialogs for a Matrix client that hosts widgets: a
 * consent prompt, a share confirmation (MSC3662) and a navigation confirmation, as custom elements
 * with a `show…` function each whose answer is exactly what the matching `HostPolicy` hook expects:
 *
 * ```ts
 * const policy: HostPolicy = {
 *   approveCapabilities: (request) => showConsentPrompt(request),
 *   confirmShare: (request) => showShareConfirm(request),
 *   allowNavigation: (target, widget, decision) => showNavigationConfirm(target, widget, decision),
 * };
 * ```
 *
 * Importing this module defines nothing and touches no DOM, so it is safe in Node and during server
 * rendering. The elements are defined on the first `show…` call, or up front with {@link defineHostUi}.
 * They are themed with `--mwk-*` CSS custom properties, follow `prefers-color-scheme`, and take
 * `theme="light"` or `theme="dark"` to force one.
 *
 * @module matrix-widget-kit/host-ui
 */

import { defineConfirmDialog } from "./confirm.js";
import { defineConsentPrompt } from "./consent.js";
import { defineShareConfirm } from "./share.js";

export type { HostUiOptions, HostUiTheme, HostUiElement } from "./base.js";
export {
  CONSENT_PROMPT_TAG,
  consentDecision,
  defineConsentPrompt,
  showConsentPrompt,
  type ConsentDecision,
  type ConsentPromptElement,
  type ConsentPromptOptions,
} from "./consent.js";
export {
  SHARE_CONFIRM_TAG,
  defineShareConfirm,
  showShareConfirm,
  type ShareConfirmElement,
  type ShareConfirmOptions,
} from "./share.js";
export {
  CONFIRM_DIALOG_TAG,
  defineConfirmDialog,
  showConfirmation,
  showNavigationConfirm,
  type ConfirmContent,
  type ConfirmDialogElement,
  type NavigationConfirmOptions,
} from "./confirm.js";
export {
  HOST_UI_CATALOGUES,
  hostUiDe,
  hostUiEn,
  hostUiMessages,
  type HostUiMessageId,
  type HostUiMessages,
} from "./messages.js";
export { HOST_UI_CSS } from "./styles.js";
export {
  CAPABILITY_CATALOGUES,
  capabilityCatalogue,
  describeCapability,
  describeRisk,
  type CapabilityDescription,
  type CapabilityMessageId,
  type CapabilityMessages,
  type CapabilityRisk,
  type DescribeCapabilityOptions,
} from "../capabilities/describe.js";
export { visibleText, hasInvisibleCharacters, type VisibleTextOptions } from "../core/visible-text.js";

/**
 * Defines all host-ui elements (`<mwk-consent-prompt>`, `<mwk-share-confirm>`,
 * `<mwk-confirm-dialog>`) in `registry`, skipping any already defined. Call it in a browser only; the
 * `show…` functions call it for you.
 *
 * @throws {Error} when there is no custom element registry (e.g. in Node).
 */
export function defineHostUi(registry?: CustomElementRegistry): void {
  const target = registry ?? (typeof customElements === "undefined" ? undefined : customElements);
  if (target === undefined)
    throw new Error("defineHostUi needs a browser: there is no customElements registry");
  defineConsentPrompt(target);
  defineShareConfirm(target);
  defineConfirmDialog(target);
}
