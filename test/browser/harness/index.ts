/** Cross-origin Chromium test harness: see servers.ts and browser.ts. */
export { startOrigins, buildBundle, type Origins, type OriginName } from "./servers.js";
export { launchBrowser, openPage, CHROMIUM_FLAGS, type BrowserLogEntry, type OpenedPage } from "./browser.js";
