#!/usr/bin/env node
// `npm start`: the playground on the in-memory Matrix world.
//
//   npm start -- --port 5173
//   npm start -- --widget https://my-widget.example/index.html
//   npm start -- --homeserver https://matrix.example --user @me:matrix.example --token …
//     (or MATRIX_HOMESERVER, MATRIX_USER_ID, MATRIX_ACCESS_TOKEN in the environment)
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

let homeserver = null;
if (values.homeserver) {
  if (!values.user || !values.token) {
    console.error("--homeserver needs --user and --token (or MATRIX_USER_ID and MATRIX_ACCESS_TOKEN).");
    process.exit(2);
  }
  homeserver = {
    baseUrl: values.homeserver,
    userId: values.user,
    accessToken: values.token,
    deviceId: values.device ?? null,
  };
  console.error(
    "--homeserver is not wired into the playground yet; run `npm start` for the in-memory world.",
  );
  process.exit(2);
}

const playground = await startPlayground({
  port: Number(values.port),
  customWidgetUrl: values.widget ?? null,
  homeserver,
});
console.log(`\nmatrix-widget-kit playground`);
console.log(`  open:       ${playground.hostOrigin}/`);
console.log(`  widgets on: ${playground.widgetOrigin}/ (another origin)`);
console.log(
  `  world:      ${homeserver ? `${homeserver.baseUrl} as ${homeserver.userId}` : "in memory (seeded demo world)"}`,
);
if (values.widget) console.log(`  your widget: ${values.widget}`);
console.log(`\nPress Ctrl+C to stop.`);
