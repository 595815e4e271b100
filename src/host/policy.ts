import type { NavigationTarget } from "../matrix/links.js";

/** Something that may be returned directly or as a promise. */
export type Awaitable<T> = T | Promise<T>;

/** Who is asking: enough for a consent dialog or a policy to decide. */
export interface WidgetIdentity {
  /**
   * The widget's ID as the host app configured it (`WidgetHostOptions.widgetId`), not as a message
   * claims it. It names the widget but proves nothing: any page can use the same ID.
   */
  widgetId: string;
  /** The widget's origin, when the transport knows it. */
  origin?: string;
  /**
   * The room whose state defines the widget (`WidgetHostOptions.roomId`); absent for a user's own
   * widgets (account data) and hosts not told. Not the viewed room, which changes.
   */
  roomId?: string;
}

/** A widget asks for an OpenID token that proves the user's Matrix ID (`get_openid`). */
export interface OpenIdConsentRequest {
  /** The widget asking; with the token, its server can verify who the user is. */
  widget: WidgetIdentity;
  /**
   * Aborted when the host stops waiting for the decision: the widget's session ended, or 120 s
   * passed (the host's longer driver timeout, if set). Close the prompt then.
   */
  signal: AbortSignal;
}

/** Consent the user took back, reported to {@link HostPolicy.consentRevoked}. */
export interface RevokedConsent {
  /** The widget whose grants were taken back. */
  widget: WidgetIdentity;
  /** The capabilities taken back, as the host was asked to revoke them. */
  capabilities: readonly string[];
}

/** A capability decision the policy is asked to make. */
export interface CapabilityRequest {
  /** The widget asking for the capabilities. */
  widget: WidgetIdentity;
  /**
   * The capabilities to decide on, exactly as the widget wrote them. Only new ones are listed
   * on renegotiation; capabilities the host can never grant have already been removed.
   */
  requested: readonly string[];
  /** What the widget holds already in this session. */
  granted: readonly string[];
  /** True when the widget asked for more during the session (MSC2974). */
  renegotiation: boolean;
  /**
   * Aborted when the widget's session ends (a reload, navigation, destroy) before the decision is
   * made: a prompt should close then, since its answer no longer counts. Set by the host; a
   * request made by hand may leave it out.
   */
  signal?: AbortSignal;
}

/** A user whose profile the host looked up for an mxid share. */
export interface ResolvedSharedUser {
  /** The Matrix user ID the widget shared, checked against the full grammar; invites and DMs go to it. */
  userId: string;
  /** The display name to show: the real one when the lookup worked, else the widget's claim. */
  displayName?: string;
  /** The avatar to show, with the same rule as `displayName`. */
  avatarUrl?: string;
  /** True when the profile came from the homeserver; false when only the widget's claim is known. */
  verified: boolean;
  /** What the widget claimed, for showing mismatches next to the real profile. */
  claimed: { displayName?: string; avatarUrl?: string };
}

/** What the widget's `action_hint` asked for; any other hint is "other". */
export type ShareHint = "invite" | "create_room" | "other" | "none";

/** An mxid share request, ready for the user to decide on. */
export interface ShareRequest {
  /** The widget that shared the users. */
  widget: WidgetIdentity;
  /** The users the widget shared, each once, in its order, with the profiles the host looked up. */
  users: readonly ResolvedSharedUser[];
  /** What the widget suggests doing with them; only a suggestion: the user's decision is what acts. */
  hint: ShareHint;
  /** The hint exactly as the widget sent it, if any. */
  rawHint?: string;
  /** The room an invite would go to: the room the user is viewing. */
  viewedRoomId?: string;
  /** Aborted when the widget's session ends before the user decided; close the prompt then. */
  signal: AbortSignal;
}

/** What became of a share request, reported to {@link HostPolicy.shareFinished}. */
export type ShareOutcome =
  | { widget: WidgetIdentity; decision: ShareDecision; error?: undefined }
  | { widget: WidgetIdentity; decision?: undefined; error: string };

/** The user's answer to a share request. `userIds` may narrow the selection; it cannot add users. */
export type ShareDecision =
  | { action: "invite"; roomId?: string; userIds?: readonly string[] }
  | { action: "create_dm"; userIds?: readonly string[] }
  | { action: "dismiss" };

/** A widget asks to open a modal widget (MSC2790); what {@link HostPolicy.allowModal} decides on. */
export interface ModalPolicyRequest {
  /** The widget asking to open the modal (the opener), not the modal's own widget. */
  widget: WidgetIdentity;
  /** Whether the widget holds `m.modals` (`org.matrix.msc2790.modals`) in this session. */
  holdsModalsCapability: boolean;
  /** What the modal would show; the URL is still a template. */
  modal: { type: string; url: string; name?: string };
  /**
   * Aborted when the host stops waiting for the answer (see {@link DecisionContext.signal}): a
   * prompt should close then. Set by the host; a request made by hand may leave it out.
   */
  signal?: AbortSignal;
}

/** What the host tells {@link HostPolicy.allowNavigation} besides what it decides on. */
export interface DecisionContext {
  /**
   * Aborted when the host stops waiting for the answer: after 120 s (or the host's longer driver
   * timeout), or when the widget's session ends. A prompt should close then, since its answer no
   * longer counts; the signal's `reason` is the error the widget was answered with.
   */
  signal: AbortSignal;
}

/**
 * The host application's decisions. Everything defaults to "no": a host with the default policy
 * grants no capability, shares nothing and exposes no sensitive account data.
 */
export interface HostPolicy {
  /** Chooses which of the requested capabilities to grant; usually by asking the user. */
  approveCapabilities(request: CapabilityRequest): Awaitable<Iterable<string>>;
  /**
   * Whether a sensitive account-data type (see SENSITIVE_ACCOUNT_DATA) may be granted at all.
   * Default: no. Types that are never exposed cannot be allowed by any policy.
   */
  allowSensitiveAccountData?(type: string, widget: WidgetIdentity): boolean;
  /**
   * A last say on each navigation, after the capability check. Only a result of exactly `true`
   * allows it; `false`, `undefined` or anything else refuses. Without this hook: allowed.
   * `decision.signal` tells a prompt when to close (the host passes it; a caller of the hook may
   * leave it out): `(target, widget, decision) => showNavigationConfirm(target, widget, decision)`.
   */
  allowNavigation?(
    target: NavigationTarget,
    widget: WidgetIdentity,
    decision?: DecisionContext,
  ): Awaitable<boolean>;
  /**
   * Shows an mxid share to the user and returns their decision. Only an exact `invite` or
   * `create_dm` decision acts; anything else (`{}`, `{ action: "cancel" }`, a throw) does nothing
   * and is reported to {@link HostPolicy.shareFinished} as an error. Without this hook the host
   * cannot share: it does not advertise MSC3662, does not grant its capability, and answers a
   * share with `unsupported`. The SDK has no built-in prompt: only the app can ask its user.
   */
  confirmShare?(request: ShareRequest): Awaitable<ShareDecision>;
  /**
   * Opt-in: a share also needs the `mxid_share` capability (`uk.half-shot.msc3662.mxid_share`,
   * stable `m.mxid_share`). Default false: MSC3662 names no capability, so widgets that follow it
   * request none; the gate is the user's decision on every share, one prompt at a time, and the
   * share rate limit. Widgets that do request the capability get it granted either way.
   */
  requireShareCapability?: boolean;
  /** Told when a share was carried out, dismissed, or failed (the widget only got an ack). */
  shareFinished?(outcome: ShareOutcome): void;
  /**
   * Whether a widget may open a modal. Default: allowed, with or without `m.modals`, because
   * Element and matrix-widget-api check no capability and widgets (matrix-widget-toolkit's
   * `openModal`, matrix-widget-api's `openModalWidget`) never request one. For MSC2790's strict
   * rule, use {@link requireModalsCapability}. A hook that throws refuses. `request.signal` tells
   * a prompt when to close.
   */
  allowModal?(request: ModalPolicyRequest): Awaitable<boolean>;
  /**
   * Whether the widget may have an OpenID token for the user (`get_openid`); usually by asking
   * them. Only a result of exactly `true` allows; a throw refuses. The one place OpenID consent is
   * decided: with this hook, the driver is asked only for the token. Without it, the deprecated
   * driver-side consent applies (MatrixClientDriver's `confirmOpenId`, refused when unset).
   */
  approveOpenId?(request: OpenIdConsentRequest): Awaitable<boolean>;
  /**
   * Told when the host app revoked consent with `WidgetHost.revokeCapabilities`, after the live
   * session lost the grants: a policy that remembers consent (see `rememberConsent`) forgets it
   * here, so the next session asks again. A throw is logged; the revocation stands.
   */
  consentRevoked?(revoked: RevokedConsent): Awaitable<void>;
}

/**
 * MSC2790's strict rule for {@link HostPolicy.allowModal}: only a widget holding `m.modals` may
 * open a modal. Opt in with `{ ...policy, allowModal: requireModalsCapability }`.
 */
export const requireModalsCapability = (request: ModalPolicyRequest): boolean =>
  request.holdsModalsCapability;

/** The default policy: denies every capability. */
export const denyAllPolicy: HostPolicy = {
  approveCapabilities: () => [],
};

/**
 * A policy that grants the listed capabilities when the widget asks for them, and nothing else.
 * For tests and for widgets the host trusts; it never grants what was not requested. `extra`
 * supplies the policy's other hooks.
 */
export function allowListPolicy(
  allowed: Iterable<string> | "all-requested",
  extra: Omit<HostPolicy, "approveCapabilities"> = {},
): HostPolicy {
  const allowedSet = allowed === "all-requested" ? undefined : new Set(allowed);
  return {
    ...extra,
    approveCapabilities: ({ requested }) =>
      allowedSet ? requested.filter((capability) => allowedSet.has(capability)) : requested,
  };
}

/**
 * The old name of {@link allowListPolicy}, which read like the policy method
 * {@link HostPolicy.approveCapabilities} it fills in.
 * @deprecated Use {@link allowListPolicy}; this alias stays until 1.0 (see docs/decisions.md).
 */
export const approveCapabilities = allowListPolicy;
