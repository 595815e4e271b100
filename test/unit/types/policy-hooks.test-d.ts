// The navigation and modal hooks gained an abort signal without breaking hooks written before it:
// hooks with fewer parameters still fit, code that calls a hook by hand need not pass one, and the
// host-ui navigation confirmation takes the hook's third argument as its options.
import { describe, expectTypeOf, it } from "vitest";
import type { NavigationTarget } from "../../../src/matrix/links.js";
import type {
  DecisionContext,
  HostPolicy,
  ModalPolicyRequest,
  WidgetIdentity,
} from "../../../src/host/index.js";
import { requireModalsCapability } from "../../../src/host/index.js";
import { showNavigationConfirm } from "../../../src/host-ui/index.js";

declare const target: NavigationTarget;
declare const widget: WidgetIdentity;

describe("policy hook signals", () => {
  it("allowNavigation's third argument carries the signal and may be left out by callers", () => {
    type Hook = NonNullable<HostPolicy["allowNavigation"]>;
    expectTypeOf<Parameters<Hook>[2]>().toEqualTypeOf<DecisionContext | undefined>();
    expectTypeOf<DecisionContext["signal"]>().toEqualTypeOf<AbortSignal>();
    const policy: HostPolicy = {
      approveCapabilities: () => [],
      allowNavigation: (navigationTarget) => navigationTarget.type !== "user",
    };
    // A wrapper written before the signal existed still calls the hook with two arguments.
    void policy.allowNavigation?.(target, widget);
  });

  it("hooks written before the signal still fit the policy", () => {
    const policy: HostPolicy = {
      approveCapabilities: () => [],
      allowNavigation: () => true,
      allowModal: (request) => request.holdsModalsCapability,
    };
    void policy;
  });

  it("the navigation confirmation can be wired with the hook's decision, or as the hook itself", () => {
    const policy: HostPolicy = {
      approveCapabilities: () => [],
      allowNavigation: (navigationTarget, who, decision) =>
        showNavigationConfirm(navigationTarget, who, decision),
    };
    const direct: HostPolicy = { approveCapabilities: () => [], allowNavigation: showNavigationConfirm };
    void [policy, direct];
  });

  it("a modal request made by hand needs no signal; the host's has an optional one", () => {
    expectTypeOf<ModalPolicyRequest["signal"]>().toEqualTypeOf<AbortSignal | undefined>();
    expectTypeOf(
      requireModalsCapability({
        widget,
        holdsModalsCapability: true,
        modal: { type: "m.custom", url: "https://example.org" },
      }),
    ).toEqualTypeOf<boolean>();
  });
});
