// Shared by the examples' Chromium tests: builds examples into a temporary directory against the
// package's dist/ (built first when src/ changed since), and serves built examples from a static
// server that knows only their files.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, relative, sep } from "node:path";
import {
  buildExample,
  buildPackage,
  isPackageBuildFresh,
  linkPackage,
} from "../../scripts/build-examples.mjs";

const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".map": "application/json",
  ".wasm": "application/wasm",
};

/**
 * Builds each named example into a fresh temporary directory and returns that directory and the
 * output directory of each example. npm test has just built dist/ (scripts/build-examples.mjs); a
 * run of one test file alone builds it only when src/ changed since.
 */
export async function buildExamples(
  names: readonly string[],
): Promise<{ outRoot: string; builds: Map<string, string> }> {
  if (!isPackageBuildFresh()) await buildPackage({ ifStale: true });
  linkPackage();
  const outRoot = mkdtempSync(join(tmpdir(), "mwk-examples-"));
  const builds = new Map<string, string>();
  for (const name of names) {
    const { outDir } = await buildExample(name, { outDir: join(outRoot, name) });
    builds.set(name, outDir);
  }
  return { outRoot, builds };
}

/**
 * Serves every file of each built example under `/<example>/`, and nothing else, on 127.0.0.1.
 * `hostName` is the name the returned origin uses (`localhost` makes a second origin and site on
 * the same address). Each requested path is appended to `requests`.
 */
export async function serveBuilds(
  builds: ReadonlyMap<string, string>,
  requests: string[],
  hostName = "127.0.0.1",
): Promise<{ origin: string; server: Server }> {
  const files = new Map<string, string>();
  for (const [name, dir] of builds) {
    const walk = (at: string): void => {
      for (const entry of readdirSync(at, { withFileTypes: true })) {
        const path = join(at, entry.name);
        if (entry.isDirectory()) walk(path);
        else files.set(`/${name}/${relative(dir, path).split(sep).join("/")}`, path);
      }
    };
    walk(dir);
  }
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? "/", "http://server.invalid").pathname;
    requests.push(pathname);
    const path = files.get(pathname);
    if (req.method !== "GET" || path === undefined) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
      return;
    }
    const body = readFileSync(path);
    res
      .writeHead(200, {
        "Content-Type": `${TYPES[extname(path)] ?? "application/octet-stream"}; charset=utf-8`,
        "Content-Length": body.byteLength,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
      })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://${hostName}:${(server.address() as AddressInfo).port}`, server };
}
