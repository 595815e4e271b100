/**
 * Two tiny static servers on different origins (and different sites) for
 * cross-origin browser tests: the host page is served from
 * `http://localhost:<portA>` and the widget from `http://127.0.0.1:<portB>`.
 *
 * Only registered things are served: in-memory pages (`setPage`) and esbuild
 * bundles of registered TypeScript entry files (`registerBundle`, served at
 * `/bundle/<name>.js`). Everything else is a 404, so no file on disk can be
 * reached through a crafted path.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isAbsolute } from "node:path";
import { build } from "esbuild";

/** Which of the two servers a page belongs to. */
export type OriginName = "host" | "widget";

/** The running pair of servers; see {@link startOrigins}. */
export interface Origins {
  /** `http://localhost:<port>`: where the host (client) page lives. */
  readonly hostOrigin: string;
  /** `http://127.0.0.1:<port>`: where the widget page lives. */
  readonly widgetOrigin: string;
  /**
   * Serves `html` at `path` (e.g. `/host.html`) on the given origin, replacing
   * any earlier page at that path. The query string is ignored when matching.
   */
  setPage(origin: OriginName, path: string, html: string): void;
  /**
   * Makes `/bundle/<name>.js` serve an ES-module bundle of `absoluteEntryPath`
   * on both origins. The bundle is built on first request (or by
   * {@link Origins.bundle}) and cached in memory.
   */
  registerBundle(name: string, absoluteEntryPath: string): void;
  /** Builds (or returns the cached) bundle `name`; throws on build errors. */
  bundle(name: string): Promise<string>;
  /** Absolute URL of `path` on the given origin, e.g. `url("widget", "/widget.html?x=1")`. */
  url(origin: OriginName, path: string): string;
  /** Stops both servers, dropping any open connections. */
  close(): Promise<void>;
}

const BUNDLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Builds `entry` into a single browser ES module (es2022, inline source map).
 * Exported for tests that want a bundle without running the servers.
 */
export async function buildBundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: "inline",
    logLevel: "silent",
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced no output for ${entry}`);
  return file.text;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}

function send(res: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  res.writeHead(status, {
    "Content-Type": type,
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(head ? undefined : body);
}

/**
 * Starts the host server (`http://localhost:<port>`) and the widget server
 * (`http://127.0.0.1:<port>`), both listening on 127.0.0.1 on ephemeral ports.
 * Call `close()` when done (e.g. in `afterAll`).
 */
export async function startOrigins(): Promise<Origins> {
  const pages: Record<OriginName, Map<string, string>> = { host: new Map(), widget: new Map() };
  const entries = new Map<string, string>();
  const built = new Map<string, Promise<string>>();

  const bundle = (name: string): Promise<string> => {
    const entry = entries.get(name);
    if (entry === undefined) return Promise.reject(new Error(`no bundle registered as "${name}"`));
    let pending = built.get(name);
    if (!pending) {
      pending = buildBundle(entry);
      built.set(name, pending);
      // A failed build is not cached, so fixing the file and asking again works.
      const mine = pending;
      mine.catch(() => {
        if (built.get(name) === mine) built.delete(name);
      });
    }
    return pending;
  };

  const handler =
    (origin: OriginName) =>
    (req: IncomingMessage, res: ServerResponse): void => {
      const head = req.method === "HEAD";
      if (req.method !== "GET" && !head) {
        send(res, 404, "text/plain; charset=utf-8", "not found\n", false);
        return;
      }
      let pathname: string;
      try {
        pathname = new URL(req.url ?? "/", "http://server.invalid").pathname;
      } catch {
        send(res, 404, "text/plain; charset=utf-8", "not found\n", head);
        return;
      }
      const page = pages[origin].get(pathname);
      if (page !== undefined) {
        send(res, 200, "text/html; charset=utf-8", page, head);
        return;
      }
      const match = /^\/bundle\/([^/]+)\.js$/.exec(pathname);
      const name = match?.[1];
      if (name !== undefined && entries.has(name)) {
        bundle(name).then(
          (code) => send(res, 200, "text/javascript; charset=utf-8", code, head),
          (err: unknown) =>
            send(
              res,
              500,
              "text/plain; charset=utf-8",
              `bundle "${name}" failed to build:\n${String(err)}\n`,
              head,
            ),
        );
        return;
      }
      send(res, 404, "text/plain; charset=utf-8", "not found\n", head);
    };

  const hostServer = createServer(handler("host"));
  const widgetServer = createServer(handler("widget"));
  let hostPort: number;
  let widgetPort: number;
  try {
    [hostPort, widgetPort] = await Promise.all([listen(hostServer), listen(widgetServer)]);
  } catch (err) {
    await Promise.allSettled([closeServer(hostServer), closeServer(widgetServer)]);
    throw err;
  }
  const origins: Record<OriginName, string> = {
    host: `http://localhost:${hostPort}`,
    widget: `http://127.0.0.1:${widgetPort}`,
  };

  return {
    hostOrigin: origins.host,
    widgetOrigin: origins.widget,
    setPage(origin, path, html) {
      if (!path.startsWith("/")) throw new Error(`page path must start with "/": ${path}`);
      pages[origin].set(new URL(path, "http://server.invalid").pathname, html);
    },
    registerBundle(name, absoluteEntryPath) {
      if (!BUNDLE_NAME.test(name)) throw new Error(`invalid bundle name: ${name}`);
      if (!isAbsolute(absoluteEntryPath))
        throw new Error(`bundle entry must be absolute: ${absoluteEntryPath}`);
      if (entries.get(name) !== absoluteEntryPath) built.delete(name);
      entries.set(name, absoluteEntryPath);
    },
    bundle,
    url(origin, path) {
      return new URL(path, origins[origin]).href;
    },
    async close() {
      await Promise.all([closeServer(hostServer), closeServer(widgetServer)]);
    },
  };
}
