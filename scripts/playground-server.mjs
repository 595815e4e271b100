// The playground's dev server, shared by `npm start` and the playground's browser tests.
// One Vite server on 127.0.0.1 serves the host page at http://localhost:PORT and the example
// widgets at http://127.0.0.1:PORT: two origins (and sites), as in a real Matrix client.
import { createServer } from "vite";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Starts the playground. `port` 0 picks a free port. Resolves with the two origins and a close().
 * @param {{ port?: number; customWidgetUrl?: string | null; homeserver?: object | null }} [options]
 */
export async function startPlayground(options = {}) {
  const server = await createServer({
    configFile: false,
    root: join(root, "playground"),
    logLevel: "warn",
    clearScreen: false,
    define: {
      __PLAYGROUND_CUSTOM_WIDGET__: JSON.stringify(options.customWidgetUrl ?? null),
      __PLAYGROUND_HOMESERVER__: JSON.stringify(options.homeserver ?? null),
    },
    server: {
      host: "127.0.0.1",
      port: options.port ?? 5173,
      strictPort: false,
      fs: { allow: [root] },
      hmr: false,
    },
    optimizeDeps: { include: ["matrix-widget-api", "valibot"] },
  });
  await server.listen();
  const address = server.httpServer?.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    port,
    hostOrigin: `http://localhost:${port}`,
    widgetOrigin: `http://127.0.0.1:${port}`,
    close: () => server.close(),
  };
}
