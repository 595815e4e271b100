// The user's consent, asked with matrix-widget-kit's own dialogs (framework-free custom elements):
// each `show…` function resolves with exactly what its HostPolicy hook expects. A hook the policy
// leaves out keeps the host's default, which is not always "no": modals, left out here, are
// allowed as Element allows them (`requireModalsCapability` is the strict rule).
import type { HostPolicy } from "matrix-widget-kit/host";
import {
  showConfirmation,
  showConsentPrompt,
  showNavigationConfirm,
  showShareConfirm,
} from "matrix-widget-kit/host-ui";

/** A policy that asks the user before granting a capability, sharing, navigating or proving their ID. */
export function dialogPolicy(): HostPolicy {
  return {
    // One checkbox per capability; sensitive and dangerous ones start unchecked.
    approveCapabilities: (request) => showConsentPrompt(request),
    confirmShare: (request) => showShareConfirm(request, { signal: request.signal }),
    allowNavigation: (target, widget, decision) => showNavigationConfirm(target, widget, decision),
    approveOpenId: (request) =>
      showConfirmation(
        {
          heading: "Let this widget verify your identity?",
          message: "It will receive a token that proves your Matrix ID to {subject}.",
          subject: request.widget.origin ?? request.widget.widgetId,
          confirmLabel: "Allow",
        },
        { signal: request.signal },
      ),
  };
}
