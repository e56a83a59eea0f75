#!/usr/bin/env node
// The vmlab binary runs the built CLI (npm ci builds it through the root "prepare" script).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write("vmlab: the CLI is not built; run `npm run build` in the vmlab checkout (npm ci does it for you)\n");
  process.exit(2);
}
await import(entry);
