import type { AnyActionDescriptor } from "./action.js";
import { accountDataChanged, readAccountData, watchAccountData } from "./actions/account-data.js";
import { mxidShare } from "./actions/mxid-share.js";
import { navigate } from "./actions/navigate.js";
import {
  capabilitiesRequest,
  contentLoaded,
  notifyCapabilities,
  requestCapabilities,
  supportedApiVersionsFromWidget,
  supportedApiVersionsToWidget,
} from "./actions/session.js";
import { userDirectorySearch } from "./actions/user-directory.js";
import { EVENT_ACTIONS } from "./actions/events.js";
import { MISC_ACTIONS } from "./actions/misc.js";

/**
 * The whole action table: every action this toolkit speaks, each described once and keyed by its
 * short id. The host, the generated docs and the tests read it from here. The widget SDK imports
 * single descriptors rather than this table, so a widget bundle only carries the actions it uses.
 */
export const ACTIONS = {
  "supported_api_versions (fromWidget)": supportedApiVersionsFromWidget,
  "supported_api_versions (toWidget)": supportedApiVersionsToWidget,
  content_loaded: contentLoaded,
  capabilities: capabilitiesRequest,
  notify_capabilities: notifyCapabilities,
  request_capabilities: requestCapabilities,
  navigate,
  user_directory_search: userDirectorySearch,
  mxid_share: mxidShare,
  read_account_data: readAccountData,
  watch_account_data: watchAccountData,
  account_data_changed: accountDataChanged,
  ...EVENT_ACTIONS,
  ...MISC_ACTIONS,
} as const satisfies Record<string, AnyActionDescriptor>;

/** The action table's type: each id mapped to its fully typed descriptor. */
export type ActionTable = typeof ACTIONS;

/** Every action of the table, as a list. */
export const ACTION_TABLE: readonly AnyActionDescriptor[] = Object.values(ACTIONS);
