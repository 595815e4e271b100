// Starts and stops a throwaway Synapse homeserver for tests, and offers a few
// small Client-Server / Admin API helpers. Synapse itself comes from the
// project-local virtualenv that ensure-synapse.mjs installs.

/* global fetch, AbortSignal */

import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import { createHmac, generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, openSync, closeSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { CACHE_DIR, VENV_PYTHON } from "./ensure-synapse.mjs";

const SERVER_NAME = "localhost";
const START_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 10_000;

/** Children still running; killed hard if this Node process exits without stop(). */
const liveChildren = new Set();
process.once("exit", () => {
  for (const child of liveChildren) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
});

/** Asks the OS for a free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * A Synapse signing key file line: "ed25519 <key id> <unpadded base64 seed>".
 * Generated with node:crypto so no Python round-trip is needed.
 */
function makeSigningKey() {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  const seed = Buffer.from(/** @type {string} */ (jwk.d), "base64url");
  const keyId = `a_${randomBytes(3).toString("hex")}`;
  return `ed25519 ${keyId} ${seed.toString("base64").replace(/=+$/, "")}\n`;
}

/** Rate-limit settings for one bucket. */
const limit = (per_second, burst_count) => ({ per_second, burst_count });

/**
 * Every `rc_*` bucket Synapse reads (as of the pinned version), relaxed so
 * tests never trip them, or tight so a test can provoke 429 M_LIMIT_EXCEEDED.
 * Registration/login stay relaxed even in tight mode: the admin register API
 * is not rate-limited anyway and tests need to set up accounts freely.
 */
function rateLimitConfig(tight) {
  const open = limit(10_000, 100_000);
  const t = tight ? limit(0.1, 2) : open;
  return {
    rc_message: t,
    rc_registration: open,
    rc_registration_token_validity: open,
    rc_login: { address: open, account: open, failed_attempts: open },
    rc_admin_redaction: t,
    rc_joins: { local: t, remote: t },
    rc_joins_per_room: t,
    rc_3pid_validation: t,
    rc_invites: { per_room: t, per_user: t, per_issuer: t },
    rc_third_party_invite: t,
    rc_media_create: t,
    rc_presence: { per_user: t },
    rc_delayed_event_mgmt: t,
    rc_room_creation: t,
    rc_reports: t,
    rc_user_directory: t,
    rc_profile: t,
    rc_key_requests: t,
    rc_federation: {
      window_size: 1000,
      sleep_limit: 10_000,
      sleep_delay: 0,
      reject_limit: 100_000,
      concurrent: 100,
    },
  };
}

/**
 * The MatrixRTC foci the test Synapse's client well-known lists under
 * `org.matrix.msc4143.rtc_foci`. Nothing listens there: tests only check that the list travels.
 */
export const WELL_KNOWN_RTC_FOCI = [
  { type: "livekit", livekit_service_url: "http://127.0.0.1:9/rtc-foci-from-well-known" },
];

/** Synapse accepts JSON as YAML, so the config is written with JSON.stringify. */
function homeserverConfig({ dataDir, port, registrationSharedSecret, rateLimited, rtcTransports }) {
  return {
    server_name: SERVER_NAME,
    public_baseurl: `http://127.0.0.1:${port}/`,
    pid_file: join(dataDir, "homeserver.pid"),
    listeners: [
      {
        port,
        type: "http",
        tls: false,
        bind_addresses: ["127.0.0.1"],
        x_forwarded: false,
        // "openid" serves /_matrix/federation/v1/openid/userinfo, which a MatrixRTC token service
        // (the ecosystem suite's loopback stub) calls to check a widget's OpenID token.
        resources: [{ names: ["client", "openid"], compress: false }],
      },
    ],
    database: { name: "sqlite3", args: { database: join(dataDir, "homeserver.db") } },
    log_config: join(dataDir, "log.config.yaml"),
    media_store_path: join(dataDir, "media_store"),
    signing_key_path: join(dataDir, "signing.key"),
    trusted_key_servers: [],
    suppress_key_server_warning: true,
    report_stats: false,
    // The client well-known Synapse serves (public_baseurl is set) lists MatrixRTC foci, which
    // clients fall back to when the MSC4143 transports endpoint is missing.
    extra_well_known_client_content: { "org.matrix.msc4143.rtc_foci": WELL_KNOWN_RTC_FOCI },
    enable_registration: false,
    registration_shared_secret: registrationSharedSecret,
    macaroon_secret_key: randomBytes(32).toString("hex"),
    form_secret: randomBytes(32).toString("hex"),
    // Cheap password hashing: tests register many users and never face attackers.
    bcrypt_rounds: 4,
    url_preview_enabled: false,
    user_directory: { enabled: true, search_all_users: true, prefer_local_users: true },
    // MSC4140 delayed events: MatrixRTC clients (Element Call) schedule their leave with them.
    max_event_delay_duration: "24h",
    // MSC4143 RTC transports (GET /_matrix/client/unstable/org.matrix.msc4143/rtc/transports):
    // only when a caller names transports, such as the ecosystem suite's loopback stub.
    experimental_features: {
      // MSC4354 sticky events: MatrixRTC 2.0 clients send their membership as one.
      msc4354_enabled: true,
      msc4143_enabled: Boolean(rtcTransports && rtcTransports.length > 0),
    },
    ...(rtcTransports && rtcTransports.length > 0 ? { matrix_rtc: { transports: rtcTransports } } : {}),
    ...rateLimitConfig(rateLimited),
  };
}

function logConfig(logFile) {
  return {
    version: 1,
    formatters: { plain: { format: "%(asctime)s %(levelname)s %(name)s: %(message)s" } },
    handlers: {
      file: { class: "logging.FileHandler", filename: logFile, formatter: "plain", encoding: "utf8" },
    },
    root: { level: "WARNING", handlers: ["file"] },
    disable_existing_loggers: false,
  };
}

async function tail(file, lines = 40) {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a fresh Synapse on 127.0.0.1 with its own temporary data directory.
 * @param {{ rateLimited?: boolean; rtcTransports?: Array<Record<string, unknown>> }} [opts]
 * @returns {Promise<{ baseUrl: string; serverName: string; registrationSharedSecret: string; stop(): Promise<void>; startSeconds: number }>}
 */
export async function startSynapse(opts = {}) {
  if (!existsSync(VENV_PYTHON)) {
    throw new Error(
      `No Synapse virtualenv at ${VENV_PYTHON}: run \`node scripts/synapse/ensure-synapse.mjs\` first.`,
    );
  }
  const started = performance.now();
  const dataDir = join(CACHE_DIR, `synapse-run-${randomBytes(6).toString("hex")}`);
  await mkdir(join(dataDir, "media_store"), { recursive: true });

  const port = await freePort();
  const registrationSharedSecret = randomBytes(24).toString("hex");
  const configPath = join(dataDir, "homeserver.yaml");
  const logFile = join(dataDir, "homeserver.log");
  const consoleLog = join(dataDir, "console.log");
  await writeFile(join(dataDir, "signing.key"), makeSigningKey(), { mode: 0o600 });
  await writeFile(join(dataDir, "log.config.yaml"), JSON.stringify(logConfig(logFile), null, 2));
  await writeFile(
    configPath,
    JSON.stringify(
      homeserverConfig({
        dataDir,
        port,
        registrationSharedSecret,
        rateLimited: Boolean(opts.rateLimited),
        rtcTransports: opts.rtcTransports,
      }),
      null,
      2,
    ),
    { mode: 0o600 },
  );

  // Synapse's own stdout/stderr (tracebacks before logging is set up) go to a file.
  const consoleFd = openSync(consoleLog, "a");
  const child = spawn(VENV_PYTHON, ["-m", "synapse.app.homeserver", "-c", configPath], {
    cwd: dataDir,
    stdio: ["ignore", consoleFd, consoleFd],
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
  });
  closeSync(consoleFd);
  liveChildren.add(child);

  let exited = null;
  const exitPromise = new Promise((resolveExit) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      liveChildren.delete(child);
      resolveExit(exited);
    });
    child.once("error", (error) => {
      exited = { code: null, signal: null, error };
      liveChildren.delete(child);
      resolveExit(exited);
    });
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      await exitPromise;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      const logs = `${await tail(consoleLog)}\n${await tail(logFile)}`.trim();
      await stop();
      throw new Error(
        `Synapse exited during startup (code ${exited.code}, signal ${exited.signal}).` +
          `${exited.error ? ` ${exited.error.message}` : ""}\n${logs}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/_matrix/client/versions`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const logs = `${await tail(consoleLog)}\n${await tail(logFile)}`.trim();
      await stop();
      throw new Error(
        `Synapse did not answer ${baseUrl} within ${START_TIMEOUT_MS / 1000}s. Log tail:\n${logs}`,
      );
    }
    await sleep(200);
  }

  const startSeconds = Math.round((performance.now() - started) / 100) / 10;
  console.log(
    `Synapse started at ${baseUrl} in ${startSeconds}s${opts.rateLimited ? " (rate-limited)" : ""}`,
  );
  return { baseUrl, serverName: SERVER_NAME, registrationSharedSecret, stop, startSeconds };
}

/**
 * Calls the Client-Server (or admin) API. `path` starts with "/_matrix" or "/_synapse".
 * Never logs the access token.
 * @param {{ baseUrl: string }} hs
 * @param {string | null | undefined} accessToken
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<{ status: number; json: any; headers: Headers }>}
 */
export async function csApi(hs, accessToken, method, path, body) {
  const headers = {};
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${hs.baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { raw: text };
  }
  return { status: res.status, json, headers: res.headers };
}

/**
 * Registers a user through the shared-secret admin registration API and, if
 * asked, sets their display name through the Client-Server API.
 * @param {{ baseUrl: string; registrationSharedSecret: string }} hs
 * @param {{ username: string; password?: string; displayName?: string; admin?: boolean }} user
 * @returns {Promise<{ userId: string; accessToken: string; deviceId: string }>}
 */
export async function registerUser(hs, { username, password, displayName, admin = false }) {
  const pass = password ?? randomBytes(12).toString("hex");
  const nonceRes = await csApi(hs, null, "GET", "/_synapse/admin/v1/register");
  if (nonceRes.status !== 200) {
    throw new Error(
      `Getting a registration nonce failed: HTTP ${nonceRes.status} ${JSON.stringify(nonceRes.json)}`,
    );
  }
  const nonce = nonceRes.json.nonce;
  const mac = createHmac("sha1", hs.registrationSharedSecret)
    .update(`${nonce}\0${username}\0${pass}\0${admin ? "admin" : "notadmin"}`, "utf8")
    .digest("hex");
  const reg = await csApi(hs, null, "POST", "/_synapse/admin/v1/register", {
    nonce,
    username,
    password: pass,
    admin,
    mac,
  });
  if (reg.status !== 200) {
    throw new Error(`Registering ${username} failed: HTTP ${reg.status} ${JSON.stringify(reg.json)}`);
  }
  const { user_id: userId, access_token: accessToken, device_id: deviceId } = reg.json;

  if (displayName !== undefined) {
    const res = await csApi(
      hs,
      accessToken,
      "PUT",
      `/_matrix/client/v3/profile/${encodeURIComponent(userId)}/displayname`,
      { displayname: displayName },
    );
    if (res.status !== 200) {
      throw new Error(
        `Setting the display name of ${userId} failed: HTTP ${res.status} ${JSON.stringify(res.json)}`,
      );
    }
  }
  return { userId, accessToken, deviceId };
}
