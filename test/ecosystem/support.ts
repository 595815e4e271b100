// Shared harness of the ecosystem suites: a static file server for a peer's built files, a
// loopback MatrixRTC token-service stub, a port that refuses connections, and a browser context
// whose every request beyond loopback is blocked and recorded. Generic on purpose: any suite that
// runs someone else's widget or client on loopback can use it.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import {
  createServer as createTcpServer,
  type AddressInfo,
  type Server as TcpServer,
  type Socket,
} from "node:net";
import { extname, join, normalize, sep } from "node:path";
import { chromium, type Browser, type BrowserContext } from "playwright-core";
import { ensureChromium } from "../../scripts/ensure-chromium.mjs";
import { CHROMIUM_FLAGS } from "../browser/harness/index.js";

function listen(server: Server | TcpServer, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server | TcpServer): Promise<void> {
  return new Promise((resolve) => {
    if ("closeAllConnections" in server) server.closeAllConnections();
    server.close(() => resolve());
  });
}

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".ogg": "audio/ogg",
  ".mp3": "audio/mpeg",
  ".webm": "video/webm",
  ".tflite": "application/octet-stream",
  ".txt": "text/plain; charset=utf-8",
};

/** A directory served on its own loopback origin; see {@link serveDirectory}. */
export interface StaticSite {
  /** `http://127.0.0.1:<port>` or `http://localhost:<port>` */
  readonly origin: string;
  /** Paths requested so far (query strings dropped), in order. */
  readonly requests: string[];
  /** Replaces what `path` serves (for a config file the test writes). */
  override(path: string, body: string, type?: string): void;
  close(): Promise<void>;
}

/**
 * Serves the files under `root` read-only on an ephemeral loopback port. Paths that leave `root`
 * are 404s. `fallback` (e.g. "/index.html") answers paths with no file, as a single-page app's
 * server does. `hostname` names the origin: `127.0.0.1` (default) or `localhost`, which is the
 * same site as a host page on `http://localhost:<other port>` (a different origin all the same);
 * Chromium denies storage to a frame of another site, and some peers cannot run without it.
 */
export async function serveDirectory(
  root: string,
  options: { fallback?: string; hostname?: "127.0.0.1" | "localhost" } = {},
): Promise<StaticSite> {
  const requests: string[] = [];
  const overrides = new Map<string, { body: string; type: string }>();
  const base = normalize(root + sep);
  const sendFile = async (res: ServerResponse, path: string, head: boolean): Promise<boolean> => {
    const file = normalize(join(base, decodeURIComponent(path)));
    if (!file.startsWith(base)) return false;
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return false;
    res.writeHead(200, {
      "Content-Type": MIME[extname(file)] ?? "application/octet-stream",
      "Content-Length": info.size,
      "Cache-Control": "no-store",
    });
    if (head) res.end();
    else createReadStream(file).pipe(res);
    return true;
  };
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const head = req.method === "HEAD";
    const path = new URL(req.url ?? "/", "http://site.invalid").pathname;
    requests.push(path);
    if (req.method !== "GET" && !head) {
      res.writeHead(405).end();
      return;
    }
    const override = overrides.get(path);
    if (override) {
      res.writeHead(200, { "Content-Type": override.type, "Cache-Control": "no-store" });
      res.end(head ? undefined : override.body);
      return;
    }
    void (async () => {
      if (await sendFile(res, path, head)) return;
      if (options.fallback && extname(path) === "" && (await sendFile(res, options.fallback, head))) return;
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const port = await listen(server);
  return {
    origin: `http://${options.hostname ?? "127.0.0.1"}:${port}`,
    requests,
    override(path, body, type = "application/json") {
      overrides.set(path, { body, type });
    },
    close: () => close(server),
  };
}

/** A loopback port standing in for a media server that is down; see {@link deadMediaServer}. */
export interface DeadServer {
  readonly port: number;
  /** TCP connections made to it so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * A loopback port where no media server works. `reset` drops each connection at once (the
 * client learns within milliseconds); `silent` accepts it and never answers, so the client gives
 * up on its own timeout, as with an SFU that is unreachable behind a firewall.
 */
export async function deadMediaServer(mode: "reset" | "silent"): Promise<DeadServer> {
  const state = { connections: 0 };
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    state.connections += 1;
    if (mode === "reset") {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  const port = await listen(server);
  return {
    port,
    get connections() {
      return state.connections;
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return close(server);
    },
  };
}

/** One request the RTC stub answered (never the token itself). */
export interface RtcStubRequest {
  method: string;
  path: string;
  status: number;
  /** The Matrix user Synapse vouched for, when the OpenID token checked out. */
  user?: string;
  /** The Matrix room the token was asked for. */
  room?: string;
  /** Why the stub refused. */
  refused?: string;
  /** Whether the request asked the service to take over the delayed leave (delay_id given). */
  delegation?: boolean;
}

/** The running stub; see {@link startRtcStub}. */
export interface RtcStub {
  readonly serviceUrl: string;
  readonly requests: RtcStubRequest[];
  close(): Promise<void>;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64").replace(/=+$/, "");

/**
 * A stand-in for a LiveKit JWT service (lk-jwt-service) on loopback: `POST /sfu/get` (legacy) and
 * `POST /get_token` (Matrix 2.0). It checks the OpenID token against Synapse's
 * `/_matrix/federation/v1/openid/userinfo`, as the real service does, and answers with a
 * JWT-shaped token (unsigned: nobody verifies it) and `livekitUrl`, where no SFU runs.
 */
export async function startRtcStub(options: {
  port: number;
  synapseBaseUrl: string;
  livekitUrl: string;
}): Promise<RtcStub> {
  const requests: RtcStubRequest[] = [];
  const cors = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Authorization",
  };
  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { ...cors, "Content-Type": "application/json" }).end(JSON.stringify(body));
  };
  const server = createHttpServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://stub.invalid").pathname;
    if (req.method === "OPTIONS") {
      res.writeHead(204, cors).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        const entry: RtcStubRequest = { method: req.method ?? "?", path, status: 0 };
        requests.push(entry);
        const refuse = (status: number, errcode: string, why: string) => {
          entry.status = status;
          entry.refused = why;
          reply(res, status, { errcode, error: why });
        };
        if (req.method !== "POST" || (path !== "/sfu/get" && path !== "/get_token")) {
          refuse(404, "M_NOT_FOUND", `no ${req.method} ${path} here`);
          return;
        }
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
        } catch {
          refuse(400, "M_BAD_JSON", "the body is not JSON");
          return;
        }
        const legacy = path === "/sfu/get";
        const room = legacy ? body.room : body.room_id;
        const openId = body.openid_token as { access_token?: unknown } | undefined;
        entry.room = typeof room === "string" ? room : undefined;
        entry.delegation = typeof body.delay_id === "string";
        if (typeof room !== "string" || typeof openId?.access_token !== "string") {
          refuse(400, "M_BAD_JSON", "room and openid_token.access_token are required");
          return;
        }
        const check = await fetch(
          `${options.synapseBaseUrl}/_matrix/federation/v1/openid/userinfo?access_token=${encodeURIComponent(openId.access_token)}`,
        );
        const info = (await check.json().catch(() => ({}))) as { sub?: unknown };
        if (!check.ok || typeof info.sub !== "string") {
          refuse(401, "M_UNAUTHORIZED", `Synapse did not accept the OpenID token (HTTP ${check.status})`);
          return;
        }
        entry.user = info.sub;
        const member = body.member as { claimed_user_id?: unknown; claimed_device_id?: unknown } | undefined;
        if (!legacy && member?.claimed_user_id !== info.sub) {
          refuse(401, "M_UNAUTHORIZED", "the claimed user is not the token's user");
          return;
        }
        const device = legacy ? body.device_id : member?.claimed_device_id;
        const now = Math.floor(Date.now() / 1000);
        const alias = Buffer.from(room).toString("hex").slice(0, 32);
        const jwt = [
          b64({ alg: "HS256", typ: "JWT" }),
          b64({
            iss: "ecosystem-rtc-stub",
            sub: `${info.sub}:${String(device)}`,
            nbf: now,
            exp: now + 3600,
            video: { room: alias, roomJoin: true, canPublish: true, canSubscribe: true },
          }),
          "c3R1Yg",
        ].join(".");
        entry.status = 200;
        reply(res, 200, { url: options.livekitUrl, jwt });
      })().catch((error: unknown) => {
        if (!res.headersSent) reply(res, 500, { errcode: "M_UNKNOWN", error: String(error) });
      });
    });
  });
  await listen(server, options.port);
  return { serviceUrl: `http://127.0.0.1:${options.port}`, requests, close: () => close(server) };
}

/** Chromium with fake camera and microphone (granted without a prompt), for calls. */
export async function launchMediaBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: await ensureChromium(),
    args: [...CHROMIUM_FLAGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"],
    headless: true,
  });
}

/** Hosts a page may reach. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** What {@link confineToLoopback} saw. */
export interface NetworkGuard {
  /** URLs of requests that would have left the machine, all blocked. */
  readonly blocked: string[];
}

/**
 * Blocks every request of `context` that is not to a loopback host (data: and blob: URLs stay
 * local anyway) and records it, so a test can assert that nothing tried to leave the machine.
 */
export async function confineToLoopback(context: BrowserContext): Promise<NetworkGuard> {
  const blocked: string[] = [];
  await context.route("**/*", async (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === "data:" || url.protocol === "blob:" || LOOPBACK_HOSTS.has(url.hostname)) {
      await route.continue();
      return;
    }
    blocked.push(url.href);
    await route.abort("blockedbyclient");
  });
  await context.routeWebSocket(/.*/, (ws) => {
    const url = new URL(ws.url());
    if (LOOPBACK_HOSTS.has(url.hostname)) {
      ws.connectToServer();
      return;
    }
    blocked.push(url.href);
    void ws.close({ code: 1008, reason: "blocked: not loopback" });
  });
  return { blocked };
}

/** Polls `check` until it returns a value that is not undefined; throws after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
