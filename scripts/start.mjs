#!/usr/bin/env node
// `npm start`: the playground. One Vite dev server on 127.0.0.1 serves the host page at
// http://localhost:PORT and the example widgets at http://127.0.0.1:PORT, two different origins
// (and sites), so widgets run cross-origin exactly as they do inside a real Matrix client.
//
//   npm start -- --port 5173
//   npm start -- --widget https://my-widget.example/index.html
import { createServer } from "vite";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT ?? "5173" },
    widget: { type: "string" },
    homeserver: { type: "string" },
  },
  allowPositionals: false,
});

if (values.homeserver) {
  console.error(
    "--homeserver is not available yet: the matrix-js-sdk driver lands with the homeserver work. " +
      "Run `npm start` without it to use the in-memory Matrix world.",
  );
  process.exit(2);
}

const server = await createServer({
  configFile: false,
  root: join(root, "playground"),
  logLevel: "warn",
  clearScreen: false,
  define: { __PLAYGROUND_CUSTOM_WIDGET__: JSON.stringify(values.widget ?? null) },
  server: { host: "127.0.0.1", port: Number(values.port), strictPort: false, fs: { allow: [root] } },
  build: { target: "es2022" },
});
await server.listen();
const port = server.config.server.port ?? server.httpServer?.address()?.port;
const address = server.httpServer?.address();
const actualPort = typeof address === "object" && address ? address.port : port;
console.log(`\nmatrix-widget-kit playground`);
console.log(`  host page:  http://localhost:${actualPort}/`);
console.log(`  widgets on: http://127.0.0.1:${actualPort}/ (another origin)`);
if (values.widget) console.log(`  your widget: ${values.widget}`);
console.log(`\nPress Ctrl+C to stop.`);
