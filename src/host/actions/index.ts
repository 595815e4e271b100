import type { HostActionRegistration } from "../registry.js";
import { readAccountDataHandler, watchAccountDataHandler } from "./account-data.js";
import { mxidShareHandler } from "./mxid-share.js";
import { navigateHandler } from "./navigate.js";
import { userDirectorySearchHandler } from "./user-directory.js";
import { eventHostActions } from "./events/index.js";
import { miscHostActions } from "./misc/index.js";

/** The host handlers every WidgetHost serves, besides the session actions. */
export const builtInHostActions: readonly HostActionRegistration[] = [
  navigateHandler,
  userDirectorySearchHandler,
  mxidShareHandler,
  readAccountDataHandler,
  watchAccountDataHandler,
  ...eventHostActions,
  ...miscHostActions,
];
