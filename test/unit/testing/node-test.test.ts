// The test kit works under node:test too: test/node/testing-kit.node.mjs imports the package as
// a widget author would; it is bundled with those imports pointed at src/ (so no build is needed),
// then run by `node --test` in a child process.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

it("the node:test example passes under `node --test`: 2 tests, 0 failures", async () => {
  const outDir = join(root, ".cache", "node-test");
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, "testing-kit.node.mjs");
  await build({
    entryPoints: [join(root, "test", "node", "testing-kit.node.mjs")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    logLevel: "silent",
    plugins: [
      {
        name: "package-to-src",
        setup(context) {
          context.onResolve({ filter: /^matrix-widget-kit\/(testing|widget)$/ }, (args) => ({
            path: join(root, "src", args.path.slice("matrix-widget-kit/".length), "index.ts"),
          }));
        },
      },
    ],
  });
  const run = spawnSync(process.execPath, ["--test", "--test-reporter=tap", outfile], {
    encoding: "utf8",
    timeout: 60_000,
  });
  const output = `${run.stdout}\n${run.stderr}`;
  expect(run.status, output).toBe(0);
  expect(output).toMatch(/^# tests 2$/m);
  expect(output).toMatch(/^# pass 2$/m);
  expect(output).toMatch(/^# fail 0$/m);
}, 90_000);
