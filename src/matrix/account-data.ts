/**
 * The single source of truth for account-data types a widget may never read
 * and for the sensitive ones that need an explicit host-policy opt-in
 * (security.md §3, protocol.md §6). Both lists are exported frozen so that
 * documentation and consent prompts can be generated from them.
 *
 * Reviewed (December 2026) against the types matrix-js-sdk 43 declares or writes
 * (`AccountDataEvents`, `RoomAccountDataEvents`, the invites ignorer, MSC4287, MSC3890) and the
 * types Element Web writes (settings handlers, breadcrumbs, invite controls). Types left
 * ordinary on purpose: `m.recent_emoji` / `io.element.recent_emoji`, `org.matrix.preview_urls`,
 * `im.vector.setting.integration_provisioning`, `m.accepted_terms`, `im.vector.hide_profile`, and
 * room account data `org.matrix.msc3230.space_order` and `io.element.widgets.layout`: display
 * preferences that name no person, room or device. See docs/security.md.
 */

/** How a rule's `type` is compared with an account-data event type (always case-sensitive). */
export type AccountDataMatch = "exact" | "prefix";

/** One entry of {@link NEVER_EXPOSED_ACCOUNT_DATA} or {@link SENSITIVE_ACCOUNT_DATA}. */
export interface AccountDataRule {
  /** `exact`: the type must equal `type`; `prefix`: the type must start with `type`. */
  readonly match: AccountDataMatch;
  /** The event type, or the prefix when `match` is `prefix`. */
  readonly type: string;
  /** Why the type is listed; short enough for generated docs and consent prompts. */
  readonly reason: string;
}

/** Result of {@link classifyAccountDataType}. */
export type AccountDataClass = "never" | "sensitive" | "ordinary";

/**
 * Account data no widget may read or write, whatever the user or host policy
 * says: encrypted copies of the user's secrets and their key descriptions.
 */
export const NEVER_EXPOSED_ACCOUNT_DATA: readonly AccountDataRule[] = freezeRules([
  /** Names the default secret-storage key; half of an offline-guessing oracle. */
  {
    match: "exact",
    type: "m.secret_storage.default_key",
    reason: "Identifies the secret-storage key that protects the user's secrets.",
  },
  /** Key descriptions (`m.secret_storage.key.*`): passphrase salt, iterations, iv and mac. */
  {
    match: "prefix",
    type: "m.secret_storage.",
    reason: "Secret-storage key data allows offline guessing of the recovery passphrase or key.",
  },
  /** `m.cross_signing.{master,self_signing,user_signing}`: encrypted private signing keys. */
  {
    match: "prefix",
    type: "m.cross_signing.",
    reason: "Encrypted cross-signing private keys, the user's cryptographic identity.",
  },
  /** The encrypted private key of the server-side key backup. */
  {
    match: "exact",
    type: "m.megolm_backup.v1",
    reason: "Encrypted key-backup secret that unlocks the user's message history.",
  },
  /** Key-backup state; listed by the project's deny list. */
  { match: "exact", type: "m.key_backup", reason: "Key-backup configuration of the user's encryption." },
  /** MSC3814 dehydrated-device pickle key and related unstable data. */
  {
    match: "prefix",
    type: "org.matrix.msc3814",
    reason: "Dehydrated-device secrets that can decrypt messages sent to the user.",
  },
  /** MSC4287's unstable twin of `m.key_backup` (matrix-js-sdk writes it), listed with it. */
  {
    match: "exact",
    type: "m.org.matrix.custom.backup_disabled",
    reason: "Key-backup configuration of the user's encryption.",
  },
  /** Stable name of the dehydrated-device secret. */
  {
    match: "exact",
    type: "m.dehydrated_device",
    reason: "Dehydrated-device secrets that can decrypt messages sent to the user.",
  },
  /** MSC2697 (superseded by MSC3814) dehydrated device. */
  {
    match: "exact",
    type: "org.matrix.msc2697.dehydrated_device",
    reason: "Dehydrated-device secrets that can decrypt messages sent to the user.",
  },
]);

/**
 * Account data that reveals private information. Off by default: a host may
 * expose one of these only after an explicit policy opt-in, with a prompt
 * per type that shows the `reason`.
 */
export const SENSITIVE_ACCOUNT_DATA: readonly AccountDataRule[] = freezeRules([
  /** Map of user ID → DM room IDs. */
  { match: "exact", type: "m.direct", reason: "Reveals who the user talks to privately (the DM graph)." },
  /** Users whose events are hidden. */
  { match: "exact", type: "m.ignored_user_list", reason: "Reveals who the user has blocked." },
  /** Notification rules, including keyword rules. */
  { match: "exact", type: "m.push_rules", reason: "Reveals private keywords and muted rooms." },
  /** The identity server the client uses for 3PID lookups. */
  { match: "exact", type: "m.identity_server", reason: "Reveals the user's identity-server configuration." },
  /**
   * Who may invite the user (spec v1.18), with the server's `_enforced` companion, under the
   * stable name and both unstable ones: Element writes MSC4155's, matrix-js-sdk names MSC4380's.
   */
  {
    match: "prefix",
    type: "m.invite_permission_config",
    reason: "Reveals whom the user accepts or blocks invites from.",
  },
  {
    match: "prefix",
    type: "org.matrix.msc4155.invite_permission_config",
    reason: "Reveals whom the user accepts or blocks invites from.",
  },
  {
    match: "prefix",
    type: "org.matrix.msc4380.invite_permission_config",
    reason: "Reveals whom the user accepts or blocks invites from.",
  },
  /** Invites the user chose to ignore (MSC3847, matrix-js-sdk's invites ignorer). */
  { match: "exact", type: "m.policies", reason: "Reveals whose invites the user ignores." },
  {
    match: "exact",
    type: "org.matrix.msc3847.policies",
    reason: "Reveals whose invites the user ignores.",
  },
  /** Recently visited rooms. */
  { match: "exact", type: "m.breadcrumbs", reason: "Reveals the user's recent room history." },
  /** Element's recently visited rooms, current and legacy names (Element still reads both). */
  {
    match: "exact",
    type: "im.vector.setting.breadcrumbs",
    reason: "Reveals the user's recent room history.",
  },
  {
    match: "exact",
    type: "im.vector.riot.breadcrumb_rooms",
    reason: "Reveals the user's recent room history.",
  },
  /** Element Web's settings store: one object holding every account-level setting. */
  {
    match: "exact",
    type: "im.vector.web.settings",
    reason: "Element's private settings, which can name rooms and users.",
  },
  /** Element's analytics consent and pseudonymous ID. */
  { match: "exact", type: "im.vector.analytics", reason: "Contains a tracking identifier." },
  /** Per-device client name, version and URL (MSC3840). */
  {
    match: "prefix",
    type: "io.element.matrix_client_information.",
    reason: "Reveals the user's device IDs and the clients they run.",
  },
  /** Per-device notification settings (MSC3890), unstable and stable names. */
  {
    match: "prefix",
    type: "org.matrix.msc3890.local_notification_settings.",
    reason: "Reveals the user's device IDs and notification habits.",
  },
  {
    match: "prefix",
    type: "m.local_notification_settings.",
    reason: "Reveals the user's device IDs and notification habits.",
  },
  /** The user's account widgets. */
  {
    match: "exact",
    type: "m.widgets",
    reason: "Lists the user's other widgets and their IDs, which helps impersonate them.",
  },
  /** Room account data: the read marker. */
  { match: "exact", type: "m.fully_read", reason: "Reveals how far the user has read in each room." },
  /** Room account data: rooms marked unread (MSC2867, stable and unstable). */
  { match: "exact", type: "m.marked_unread", reason: "Reveals the user's private reading reminders." },
  {
    match: "exact",
    type: "com.famedly.marked_unread",
    reason: "Reveals the user's private reading reminders.",
  },
  /** Room account data: favourites, low priority and private tags. */
  { match: "exact", type: "m.tag", reason: "Reveals the user's private labels for rooms." },
]);

/**
 * Classifies an account-data event type: `never` if it matches
 * {@link NEVER_EXPOSED_ACCOUNT_DATA}, else `sensitive` if it matches
 * {@link SENSITIVE_ACCOUNT_DATA}, else `ordinary`. Matching is
 * case-sensitive, as event types are. A non-string fails closed as `never`.
 */
export function classifyAccountDataType(type: string): AccountDataClass {
  if (typeof type !== "string") return "never";
  if (findRule(NEVER_EXPOSED_ACCOUNT_DATA, type)) return "never";
  if (findRule(SENSITIVE_ACCOUNT_DATA, type)) return "sensitive";
  return "ordinary";
}

/**
 * The first rule (deny list first, then the sensitive list) that matches
 * `type`, e.g. to show its `reason` in a consent prompt; `undefined` for
 * ordinary types and non-strings.
 */
export function findAccountDataRule(type: string): AccountDataRule | undefined {
  if (typeof type !== "string") return undefined;
  return findRule(NEVER_EXPOSED_ACCOUNT_DATA, type) ?? findRule(SENSITIVE_ACCOUNT_DATA, type);
}

/**
 * Whether account-data content looks like secret-storage data: an object
 * with an own `encrypted` property whose value is a non-null object. Hosts
 * should refuse such content whatever its type, since secrets can be stored
 * under innocent-looking types. Never throws; an own accessor named
 * `encrypted`, or an object that throws when inspected, counts as `true`
 * (fail closed).
 */
export function containsEncryptedSecret(content: unknown): boolean {
  if (typeof content !== "object" || content === null) return false;
  try {
    const descriptor = Object.getOwnPropertyDescriptor(content, "encrypted");
    if (descriptor === undefined) return false;
    if (!("value" in descriptor)) return true;
    const value: unknown = descriptor.value;
    return typeof value === "object" && value !== null;
  } catch {
    return true;
  }
}

function findRule(rules: readonly AccountDataRule[], type: string): AccountDataRule | undefined {
  return rules.find((rule) => (rule.match === "exact" ? type === rule.type : type.startsWith(rule.type)));
}

function freezeRules(rules: AccountDataRule[]): readonly AccountDataRule[] {
  return Object.freeze(rules.map((rule) => Object.freeze({ ...rule })));
}
