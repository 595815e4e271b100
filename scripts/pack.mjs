#!/usr/bin/env node
// npm's pack hooks (`prepack` and `postpack` in package.json), so that a plain `npm pack` or
// `npm publish` ships a fresh build and the npm-facing README:
//
//   node scripts/pack.mjs prepack    empties dist/, builds it (tsc, then the script-tag bundles), and
//                                    puts README-npm.md in README.md's place, keeping the repository
//                                    README in .cache/README.repository.md
//   node scripts/pack.mjs postpack   puts the repository README back
//
// Why a swap: npm always packs README.md, and the repository README starts with the contributors'
// set-up commands while the npm page must start with `npm install matrix-widget-kit`. If a pack fails
// between the two hooks, the next postpack (or prepack, which never overwrites the saved copy with
// the npm text) still restores it; `git diff README.md` shows the state meanwhile.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildBrowserBundles } from "./build-browser.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const readme = join(root, "README.md");
const npmReadme = join(root, "README-npm.md");
const saved = join(root, ".cache", "README.repository.md");

async function prepack() {
  // A stale file from an earlier build (a module since removed) must not reach the tarball.
  rmSync(join(root, "dist"), { recursive: true, force: true });
  const tsc = spawnSync(
    process.execPath,
    [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
    { cwd: root, stdio: "inherit" },
  );
  if (tsc.status !== 0) throw new Error("prepack: tsc -p tsconfig.build.json failed");
  await buildBrowserBundles({ outdir: join(root, "dist", "browser") });

  const npmText = readFileSync(npmReadme, "utf8");
  if (readFileSync(readme, "utf8") !== npmText) {
    mkdirSync(dirname(saved), { recursive: true });
    copyFileSync(readme, saved);
    copyFileSync(npmReadme, readme);
  }
}

function postpack() {
  if (existsSync(saved)) renameSync(saved, readme);
}

const step = process.argv[2];
if (step === "prepack") await prepack();
else if (step === "postpack") postpack();
else throw new Error("usage: pack.mjs prepack|postpack");
