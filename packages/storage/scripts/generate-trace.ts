/**
 * Regenerates the shipped trace `data/traces/vmlab-synthetic.vscsi` from its
 * seed and parameters (`src/trace/shipped.ts`): the same bytes every time.
 *
 *   npm run generate:trace -w @vmlab/storage              # write the file
 *   npm run generate:trace -w @vmlab/storage -- --check   # exit 1 if the committed file differs
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { SHIPPED_TRACE_NAME, shippedTraceBytes, shippedTracePath } from "@vmlab/storage";

const path = shippedTracePath();
const bytes = shippedTraceBytes();
if (process.argv.includes("--check")) {
  const same = existsSync(path) && Buffer.from(bytes).equals(readFileSync(path));
  console.log(`${SHIPPED_TRACE_NAME}: ${same ? "identical to the generator's output" : "DIFFERS from the generator's output"}`);
  process.exit(same ? 0 : 1);
}
// Written beside the target and renamed: never a half-written trace.
writeFileSync(`${path}.tmp`, bytes);
renameSync(`${path}.tmp`, path);
console.log(`wrote ${path} (${bytes.length} bytes)`);
