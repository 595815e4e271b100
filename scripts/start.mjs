#!/usr/bin/env node
// `npm start`: the playground, on the in-memory Matrix world or on a real homeserver account.
//
//   npm start -- --port 5173
//   npm start -- --widget https://my-widget.example/index.html
//   npm start -- --homeserver https://matrix.example --user @me:matrix.example --token … [--device ID]
//     (or MATRIX_HOMESERVER, MATRIX_USER_ID, MATRIX_ACCESS_TOKEN, MATRIX_DEVICE_ID in the environment)
//
// With --homeserver, the page signs in through matrix-js-sdk with the access token, so the token
// ends up in your browser: the server listens on 127.0.0.1 only and hands the token to the host
// page (http://localhost:PORT) alone, not to the widget origin (see playground-server.mjs). Prefer
// the environment variable to --token, which other local users can see in the process list.
// The token is never printed.
import { parseArgs } from "node:util";
import { startPlayground } from "./playground-server.mjs";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT ?? "5173" },
    widget: { type: "string" },
    homeserver: { type: "string", default: process.env.MATRIX_HOMESERVER },
    user: { type: "string", default: process.env.MATRIX_USER_ID },
    token: { type: "string", default: process.env.MATRIX_ACCESS_TOKEN },
    device: { type: "string", default: process.env.MATRIX_DEVICE_ID },
  },
  allowPositionals: false,
});

/** Exits with a usage error. */
function fail(message) {
  console.error(message);
  process.exit(2);
}

let homeserver = null;
if (values.homeserver) {
  if (!values.user || !values.token) {
    fail("--homeserver needs --user and --token (or MATRIX_USER_ID and MATRIX_ACCESS_TOKEN).");
  }
  let url;
  try {
    url = new URL(values.homeserver);
  } catch {
    fail(`--homeserver is not a URL: ${values.homeserver}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    fail(`--homeserver must be an http(s) URL: ${values.homeserver}`);
  }
  if (!/^@[^:]+:.+$/.test(values.user)) fail(`--user is not a Matrix user ID (@name:server): ${values.user}`);
  homeserver = {
    baseUrl: url.href.replace(/\/+$/, ""),
    userId: values.user,
    accessToken: values.token,
    deviceId: values.device || null,
  };
}

const playground = await startPlayground({
  port: Number(values.port),
  customWidgetUrl: values.widget ?? null,
  homeserver,
});
console.log(`\nmatrix-widget-kit playground`);
console.log(`  open:       ${playground.hostOrigin}/`);
console.log(`  widgets on: ${playground.widgetOrigin}/ (another origin)`);
if (homeserver) {
  console.log(`  world:      homeserver ${homeserver.baseUrl}, signed in as ${homeserver.userId}`);
  console.log(`              (through matrix-js-sdk, without end-to-end encryption)`);
  console.log(`  token:      the token is served to your local browser only (the host page on 127.0.0.1)`);
} else {
  console.log(`  world:      in memory (seeded demo world)`);
}
if (values.widget) console.log(`  your widget: ${values.widget}`);
console.log(`\nPress Ctrl+C to stop.`);
