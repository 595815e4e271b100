/**
 * The consent prompt: one checkbox per requested capability with its wording and risk, a
 * "remember" choice that starts OFF, and an answer `HostPolicy.approveCapabilities` accepts as is.
 *
 * @module
 */

import {
  describeCapability,
  describeRisk,
  type CapabilityDescription,
  type DescribeCapabilityOptions,
} from "../capabilities/describe.js";
import type { CapabilityRequest } from "../host/policy.js";
import { visibleText } from "../core/visible-text.js";
import {
  button,
  defineOnce,
  el,
  fillNodes,
  hostUiBase,
  label,
  mount,
  pickLocale,
  untrusted,
  type HostUiElement,
  type HostUiOptions,
} from "./base.js";
import { hostUiMessages } from "./messages.js";

/** The tag name of the consent prompt element. */
export const CONSENT_PROMPT_TAG = "mwk-consent-prompt";

/**
 * The user's answer to a consent prompt. It is an `Iterable<string>` of the granted capabilities, so
 * it is a valid return value of `HostPolicy.approveCapabilities`; a policy that remembers consent
 * reads `granted` and `remember` as well.
 */
export interface ConsentDecision extends Iterable<string> {
  /** The capabilities the user left checked, exactly as the widget wrote them. */
  readonly granted: readonly string[];
  /** The requested capabilities the user unchecked or that were denied by "Deny all" or Escape. */
  readonly denied: readonly string[];
  /** Whether the user asked to remember this choice. Starts unchecked; false on "Deny all" and Escape. */
  readonly remember: boolean;
}

/** Options of {@link showConsentPrompt}. */
export interface ConsentPromptOptions extends HostUiOptions {
  /**
   * Which capabilities start checked. Default: those whose risk is `low`; sensitive and dangerous
   * ones start unchecked so the user must opt in to each.
   */
  initiallyChecked?: (description: CapabilityDescription, capability: string) => boolean;
  /** Extra capability catalogues, passed to `describeCapability`. */
  catalogues?: DescribeCapabilityOptions["catalogues"];
}

/** Builds a {@link ConsentDecision}. */
export function consentDecision(
  requested: readonly string[],
  granted: readonly string[],
  remember: boolean,
): ConsentDecision {
  const grantedSet = new Set(granted);
  const decision = {
    granted: Object.freeze([...granted]),
    denied: Object.freeze(requested.filter((c) => !grantedSet.has(c))),
    remember,
    [Symbol.iterator]: () => decision.granted[Symbol.iterator](),
  };
  return Object.freeze(decision);
}

/** The consent prompt element; obtain its class through {@link defineConsentPrompt}. */
export interface ConsentPromptElement extends HostUiElement {
  /**
   * Fills and opens the prompt; resolves once with the user's answer. Rejects with an
   * `InvalidStateError` while this element is still open with an earlier request.
   */
  prompt(request: CapabilityRequest, options?: ConsentPromptOptions): Promise<ConsentDecision>;
}

let consentClass: (new () => ConsentPromptElement) | undefined;

/**
 * Defines `<mwk-consent-prompt>` in `registry` (default: the window's) if it is not defined yet, and
 * returns its class. Call it in a browser only.
 */
export function defineConsentPrompt(
  registry: CustomElementRegistry = customElements,
): new () => ConsentPromptElement {
  consentClass ??= class ConsentPrompt extends hostUiBase() implements ConsentPromptElement {
    prompt(request: CapabilityRequest, options: ConsentPromptOptions = {}): Promise<ConsentDecision> {
      const locale = pickLocale(options.locale);
      const words = hostUiMessages(locale);
      const requested = [...request.requested];
      const run = {
        kind: "capabilities",
        role: "dialog",
        cancelAnswer: consentDecision(requested, [], false),
        theme: options.theme,
        // The session's end closes the prompt too: its answer would no longer count.
        signals: [options.signal, request.signal],
      } as const;
      return this.runDialog<ConsentDecision>(run, (dialog, answer) => {
        const finish = (granted: string[], remember: boolean) =>
          answer(consentDecision(requested, granted, remember));

        const widget = untrusted(options.widgetName ?? request.widget.widgetId, 48);
        const heading = el("h2");
        heading.append(
          ...fillNodes(words[request.renegotiation ? "consent.heading.more" : "consent.heading"], { widget }),
        );
        const intro = el(
          "p",
          "muted",
          requested.length === 0 ? words["consent.none"] : words["consent.intro"],
        );
        label(dialog, heading, intro);
        dialog.append(heading);
        if (request.widget.origin !== undefined) {
          const origin = el("p", "muted origin");
          origin.append(
            ...fillNodes(words["consent.origin"], { origin: untrusted(request.widget.origin, 80) }),
          );
          dialog.append(origin);
        }
        dialog.append(intro);

        const checks: Array<[HTMLInputElement, string]> = [];
        const list = el("ul");
        requested.forEach((capability, index) => {
          const description = describeCapability(capability, {
            locale,
            ...(options.catalogues ? { catalogues: options.catalogues } : {}),
          });
          const item = el("li");
          item.dataset.risk = description.risk;
          const row = el("label", "capability");
          const check = el("input");
          check.type = "checkbox";
          check.dataset.capability = capability;
          check.checked = options.initiallyChecked
            ? options.initiallyChecked(description, capability)
            : description.risk === "low";
          const detailId = `mwk-detail-${index}`;
          check.setAttribute("aria-describedby", detailId);
          const text = el("span");
          const title = el("span", "title isolate", description.title);
          const risk = el(
            "span",
            `risk risk-${description.risk}`,
            describeRisk(description.risk, { locale }),
          );
          const detail = el("span", "detail isolate", description.detail);
          detail.id = detailId;
          // The raw string in full (escaped, never cut; the schema caps a capability at 2,048
          // characters): two requests that differ only past a cut would show as the same row.
          const raw = el("code", "muted", visibleText(capability, { maxLength: Infinity }));
          detail.append(" ", raw);
          text.append(title, risk, detail);
          row.append(check, text);
          item.append(row);
          list.append(item);
          checks.push([check, capability]);
        });
        if (requested.length > 0) dialog.append(list);

        const rememberRow = el("label", "remember");
        const remember = el("input");
        remember.type = "checkbox";
        remember.dataset.testid = "remember";
        // Off by default: remembering is a decision of its own, not a side effect of allowing.
        remember.checked = false;
        rememberRow.append(remember, el("span", undefined, words["consent.remember"]));

        const actions = el("div", "actions");
        const deny = button(undefined, words["consent.deny"], "deny", () => finish([], false));
        const approve = button("primary", words["consent.approve"], "approve", () =>
          finish(
            checks.filter(([check]) => check.checked).map(([, capability]) => capability),
            remember.checked,
          ),
        );
        actions.append(deny, approve);
        dialog.append(rememberRow, actions);
        return checks[0]?.[0] ?? approve;
      });
    }
  };
  defineOnce(registry, CONSENT_PROMPT_TAG, consentClass);
  return consentClass;
}

/**
 * Asks the user which of the requested capabilities to grant. The answer is what
 * `HostPolicy.approveCapabilities` expects, so one line wires it in:
 *
 * ```ts
 * const policy: HostPolicy = { approveCapabilities: (request) => showConsentPrompt(request) };
 * ```
 *
 * Low-risk capabilities start checked, sensitive and dangerous ones unchecked; "remember" starts
 * unchecked. Escape, "Deny all" and an aborted `signal` grant nothing.
 */
export function showConsentPrompt(
  request: CapabilityRequest,
  options: ConsentPromptOptions = {},
): Promise<ConsentDecision> {
  defineConsentPrompt();
  return mount<ConsentPromptElement>(CONSENT_PROMPT_TAG, options).prompt(request, options);
}
