// @ts-check
/**
 * Removes every workspace's `dist/` before `turbo run build`. On a cache hit turbo restores a build's outputs over
 * what is already there and deletes nothing, and tsup names its chunks by content hash: after switching branches,
 * dist/ held chunks and .d.ts files of other builds beside the current ones (published by `npm pack`, and read by
 * the published-types test, which then failed on a stale file). Restoring all of dist/ from turbo's cache takes
 * under a second; a package whose inputs changed is rebuilt as before. The repository root is this script's parent
 * folder, or the first argument (for its test).
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "..");
const { workspaces } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
for (const pattern of workspaces) {
  // The workspaces are "<folder>/*" globs: each folder in it is a package.
  if (!pattern.endsWith("/*")) throw new Error(`clean-dist: workspace pattern "${pattern}" is not "<folder>/*"`);
  const parent = join(root, pattern.slice(0, -2));
  for (const e of readdirSync(parent, { withFileTypes: true }))
    if (e.isDirectory()) rmSync(join(parent, e.name, "dist"), { recursive: true, force: true });
}
