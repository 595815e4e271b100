import { describeThrown } from "../../core/describe.js";
import { consoleLogger, type Logger } from "../../core/logger.js";
import type {
  Awaitable,
  CapabilityRequest,
  HostPolicy,
  OpenIdConsentRequest,
  RevokedConsent,
  WidgetIdentity,
} from "../policy.js";
import { consentCapabilityKey, type ConsentKey, type ConsentStore, type RememberedConsent } from "./store.js";

/** What a capability prompt answers: the capabilities the user allowed, and whether to remember them. */
export interface CapabilityConsentAnswer {
  /**
   * The capabilities the user allowed, spelt as in `request.requested`. Any others are neither
   * remembered nor granted (the host drops them and logs a warning).
   */
  approved: Iterable<string>;
  /** Remember the approved capabilities for this widget, so later sessions do not ask again. */
  remember: boolean;
}

/** What an OpenID prompt answers. */
export interface OpenIdConsentAnswer {
  /** Whether the user lets the widget have a token this time; only exactly `true` allows. */
  approved: boolean;
  /** Remember an approval, so later requests of this widget get a token without asking. */
  remember: boolean;
}

/** Options of {@link rememberConsent}. */
export interface RememberConsentOptions {
  /** Where consent is remembered. */
  store: ConsentStore;
  /**
   * Asks the user about capabilities nothing remembered covers. `request.requested` lists only
   * those; `request.granted` includes what the widget holds from memory. The answer is
   * `{ approved, remember }`, or a list of the approved capabilities that may carry a `remember`
   * flag (the consent prompt of `matrix-widget-kit/host-ui` answers so): plug it in as
   * `promptCapabilities: (request) => showConsentPrompt(request)`. A bare list is not remembered.
   */
  promptCapabilities(
    request: CapabilityRequest,
  ): Awaitable<CapabilityConsentAnswer | (Iterable<string> & { readonly remember?: boolean })>;
  /**
   * Asks the user whether the widget may have an OpenID token, when no approval is remembered. A
   * bare boolean counts as an answer without "remember". Without it, OpenID is refused.
   */
  promptOpenId?(request: OpenIdConsentRequest): Awaitable<OpenIdConsentAnswer | boolean>;
  /**
   * Where a failing store is reported (storage full, blocked, a server down). Reading that fails
   * counts as nothing remembered, so the user is asked; remembering that fails still grants what
   * the user approved. Default: the console.
   */
  logger?: Logger;
}

/** The consent hooks {@link rememberConsent} fills in; spread them into a {@link HostPolicy}. */
export type RememberingPolicy = Required<
  Pick<HostPolicy, "approveCapabilities" | "approveOpenId" | "consentRevoked">
>;

/**
 * Puts a store in front of consent prompts: what the user chose to remember is granted without a
 * prompt; the rest is asked, and what the user approved with "remember" is merged into the store
 * (a renegotiation adds to what is remembered; it never replaces it). Revocation through
 * `WidgetHost.revokeCapabilities` reaches the store through `consentRevoked`.
 *
 * Consent is keyed by widget ID, origin and room (see {@link ConsentKey}). A widget whose origin
 * the host does not know (a transport without `peerOrigin`, no `origin` option) is asked every
 * time and nothing is remembered for it: its ID alone could be claimed by any page.
 *
 * @example
 * ```ts
 * const policy: HostPolicy = {
 *   ...rememberConsent({ store: new StorageConsentStore(), promptCapabilities: askUser }),
 *   confirmShare: askAboutShare,
 * };
 * ```
 */
export function rememberConsent(options: RememberConsentOptions): RememberingPolicy {
  const { store } = options;
  const logger = options.logger ?? consoleLogger;
  // A store that fails must not turn the user's answer into a refusal, nor grant anything itself.
  const load = async (key: ConsentKey): Promise<RememberedConsent> => {
    try {
      return await store.load(key);
    } catch (error) {
      logger.warn(`Remembered consent could not be read; asking instead: ${describeThrown(error)}`);
      return { capabilities: [], openId: false };
    }
  };
  const remember = async (key: ConsentKey, change: Parameters<ConsentStore["remember"]>[1]) => {
    try {
      await store.remember(key, change);
    } catch (error) {
      logger.warn(`Consent could not be remembered; it holds for this session: ${describeThrown(error)}`);
    }
  };
  // Prompts still open, per consent key: what was revoked while each was open. An answer that
  // arrives after a revocation must not write the revoked capability back into the store, or the
  // next session would get it without asking.
  const openPrompts = new Map<string, Set<Set<string>>>();
  const keyText = (key: ConsentKey): string => JSON.stringify([key.widgetId, key.origin, key.roomId ?? null]);
  return {
    async approveCapabilities(request) {
      const key = keyOf(request.widget);
      const remembered = key
        ? new Set((await load(key)).capabilities.map(consentCapabilityKey))
        : new Set<string>();
      const fromMemory = request.requested.filter((capability) =>
        remembered.has(consentCapabilityKey(capability)),
      );
      const toAsk = request.requested.filter(
        (capability) => !remembered.has(consentCapabilityKey(capability)),
      );
      if (toAsk.length === 0) return fromMemory;
      const revokedMeanwhile = new Set<string>();
      const prompts = key ? (openPrompts.get(keyText(key)) ?? new Set<Set<string>>()) : undefined;
      if (key && prompts) {
        prompts.add(revokedMeanwhile);
        openPrompts.set(keyText(key), prompts);
      }
      let answer: ReturnType<typeof readCapabilityAnswer>;
      try {
        answer = readCapabilityAnswer(
          await options.promptCapabilities({
            ...request,
            requested: toAsk,
            granted: [...request.granted, ...fromMemory],
          }),
        );
      } finally {
        prompts?.delete(revokedMeanwhile);
        if (key && prompts?.size === 0) openPrompts.delete(keyText(key));
      }
      // Only what was asked counts; an answer naming anything else is the host's to drop and log.
      // What the app revoked while the user was deciding is neither remembered nor granted.
      const asked = new Set(toAsk);
      const kept = (capability: string) => !revokedMeanwhile.has(consentCapabilityKey(capability));
      const approved = answer.approved.filter((capability) => asked.has(capability) && kept(capability));
      if (key && answer.remember && approved.length > 0) await remember(key, { capabilities: approved });
      return [...fromMemory, ...answer.approved.filter(kept)];
    },

    async approveOpenId(request) {
      const key = keyOf(request.widget);
      if (key && (await load(key)).openId) return true;
      if (!options.promptOpenId) return false;
      const answer = readOpenIdAnswer(await options.promptOpenId(request));
      if (key && answer.approved && answer.remember) await remember(key, { openId: true });
      return answer.approved;
    },

    async consentRevoked(revoked: RevokedConsent) {
      const key = keyOf(revoked.widget);
      if (!key) return;
      for (const during of openPrompts.get(keyText(key)) ?? []) {
        for (const capability of revoked.capabilities) during.add(consentCapabilityKey(capability));
      }
      await store.revoke(key, { capabilities: revoked.capabilities });
    },
  };
}

/** The store key of a widget, or `undefined` when its origin is unknown (nothing is remembered then). */
export function consentKeyOf(widget: WidgetIdentity): ConsentKey | undefined {
  if (typeof widget.origin !== "string" || widget.origin === "") return undefined;
  return {
    widgetId: widget.widgetId,
    origin: widget.origin,
    ...(widget.roomId === undefined ? {} : { roomId: widget.roomId }),
  };
}

const keyOf = consentKeyOf;

function readCapabilityAnswer(
  answer: CapabilityConsentAnswer | (Iterable<string> & { remember?: boolean }),
): {
  approved: string[];
  remember: boolean;
} {
  // Only an explicit `remember: true` remembers: consent is never stored by accident.
  const remember = (answer as { remember?: unknown }).remember === true;
  if (!isIterable(answer) && "approved" in answer) return { approved: [...answer.approved], remember };
  return { approved: [...(answer as Iterable<string>)], remember };
}

function readOpenIdAnswer(answer: OpenIdConsentAnswer | boolean): OpenIdConsentAnswer {
  if (typeof answer === "boolean") return { approved: answer, remember: false };
  return { approved: answer?.approved === true, remember: answer?.remember === true };
}

function isIterable(value: object): value is Iterable<unknown> {
  return typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
}
