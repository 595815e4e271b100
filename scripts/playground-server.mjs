// The playground's dev server, shared by `npm start` and the playground's browser tests.
// One Vite server on 127.0.0.1 serves the host page at http://localhost:PORT and the example
// widgets at http://127.0.0.1:PORT: two origins (and sites), as in a real Matrix client.
import { createServer } from "vite";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Where the host page fetches the homeserver account (with its access token). */
const ACCOUNT_PATH = "/__playground/homeserver-account";

/**
 * Hands the homeserver account, access token included, to the host page and to nothing else.
 *
 * The token never goes into served source code: every file of this server can also be fetched
 * from the widget origin (http://127.0.0.1:PORT, where the example widgets, one of them
 * deliberately malicious, run) and, through Vite's CORS defaults, from other local dev servers.
 * Here the request must name the host origin (`Host: localhost:PORT`) and the browser must vouch
 * that a page of that same origin made it (`Sec-Fetch-Site: same-origin`, which pages cannot
 * forge). The server listens on 127.0.0.1 only, so the token is served to the local browser only.
 *
 * @param {{ baseUrl: string; userId: string; accessToken: string; deviceId: string | null }} account
 * @param {() => number | undefined} port
 */
function accountEndpoint(account, port) {
  return {
    name: "playground-homeserver-account",
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? "").split("?")[0];
        if (path !== ACCOUNT_PATH) return next();
        const fromHostPage =
          req.method === "GET" &&
          req.headers.host === `localhost:${port()}` &&
          req.headers["sec-fetch-site"] === "same-origin";
        res.setHeader("Cache-Control", "no-store");
        res.setHeader("Content-Type", "application/json; charset=utf-8");
        if (!fromHostPage) {
          res.statusCode = 403;
          res.end(JSON.stringify({ error: "Only the playground's host page may read this" }));
          return;
        }
        res.end(JSON.stringify(account));
      });
    },
  };
}

/**
 * Starts the playground. `port` 0 picks a free port. Resolves with the two origins and a close().
 *
 * With `homeserver`, the page signs in to that account through matrix-js-sdk instead of showing
 * the in-memory world. Its base URL, user and device ID are compiled into the page; the access
 * token is handed out separately, to the host page only (see accountEndpoint).
 * @param {{
 *   port?: number;
 *   customWidgetUrl?: string | null;
 *   homeserver?: { baseUrl: string; userId: string; accessToken: string; deviceId?: string | null } | null;
 * }} [options]
 */
export async function startPlayground(options = {}) {
  const homeserver = options.homeserver
    ? {
        baseUrl: options.homeserver.baseUrl.replace(/\/+$/, ""),
        userId: options.homeserver.userId,
        accessToken: options.homeserver.accessToken,
        deviceId: options.homeserver.deviceId ?? null,
      }
    : null;
  /** @type {number | undefined} */
  let listeningPort;
  const server = await createServer({
    configFile: false,
    root: join(root, "playground"),
    logLevel: "warn",
    clearScreen: false,
    define: {
      __PLAYGROUND_CUSTOM_WIDGET__: JSON.stringify(options.customWidgetUrl ?? null),
      __PLAYGROUND_HOMESERVER__: JSON.stringify(
        homeserver && {
          baseUrl: homeserver.baseUrl,
          userId: homeserver.userId,
          deviceId: homeserver.deviceId,
        },
      ),
    },
    plugins: homeserver ? [accountEndpoint(homeserver, () => listeningPort)] : [],
    server: {
      host: "127.0.0.1",
      port: options.port ?? 5173,
      strictPort: false,
      fs: { allow: [root] },
      hmr: false,
    },
    // matrix-js-sdk is pre-bundled only for a homeserver: the in-memory page never loads it. The
    // two set-ups keep separate dependency caches, so that a homeserver playground and an
    // in-memory one (say, the browser tests) can run side by side without re-bundling each other's.
    optimizeDeps: homeserver
      ? { include: ["matrix-widget-api", "valibot", "matrix-js-sdk"] }
      : { include: ["matrix-widget-api", "valibot"], exclude: ["matrix-js-sdk"] },
    ...(homeserver ? { cacheDir: join(root, "node_modules", ".vite-playground-homeserver") } : {}),
  });
  await server.listen();
  const address = server.httpServer?.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  listeningPort = port;
  return {
    port,
    hostOrigin: `http://localhost:${port}`,
    widgetOrigin: `http://127.0.0.1:${port}`,
    close: () => server.close(),
  };
}
