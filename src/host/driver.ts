import type { NavigationTarget } from "../matrix/links.js";

/** A user as the directory returns it. */
export interface DirectoryUserResult {
  userId: string;
  displayName?: string;
  avatarUrl?: string;
}

/** A directory search result. `limited` says whether more matches exist than were returned. */
export interface DirectorySearchResult {
  limited: boolean;
  results: DirectoryUserResult[];
}

/** A user's public profile. */
export interface UserProfile {
  displayName?: string;
  avatarUrl?: string;
}

/** An account-data value changed: `content` is the new value. */
export type AccountDataListener = (type: string, content: Record<string, unknown>) => void;

/**
 * What the host asks of the Matrix client it runs in. Every operation is optional: the host
 * advertises an action only when the driver can do it, and answers any other call with an error.
 * Operations throw {@link HomeserverError} for homeserver failures, so the widget sees them as
 * `matrix_api_error`.
 *
 * Two ready drivers exist: the in-memory world (`matrix-widget-kit/drivers/memory`) and one over
 * matrix-js-sdk.
 */
export interface WidgetDriver {
  /** Searches the user directory (MSC3973). `limit` is already clamped by the host. */
  searchUserDirectory?(searchTerm: string, limit: number | undefined): Promise<DirectorySearchResult>;
  /** Looks up a user's profile (for mxid share). Throws when the profile cannot be found. */
  getProfile?(userId: string): Promise<UserProfile>;
  /** Reads the current global account data of a type, or `undefined` when unset (MSC3751). */
  readAccountData?(type: string): Promise<Record<string, unknown> | undefined>;
  /** Calls `listener` whenever global account data changes; returns a function that stops it. */
  watchAccountData?(listener: AccountDataListener): () => void;
  /** Shows the target to the user (MSC2931). The host has parsed and vetted the link already. */
  navigate?(target: NavigationTarget): Promise<void>;
  /** Invites users into a room, after the user consented (mxid share). */
  inviteUsers?(roomId: string, userIds: readonly string[]): Promise<void>;
  /** Creates a direct-message room with the users, marks it as a DM, and returns its ID. */
  createDirectMessage?(userIds: readonly string[]): Promise<{ roomId: string }>;
}
