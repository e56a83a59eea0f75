import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/vmlab.js", import.meta.url));
const built = existsSync(fileURLToPath(new URL("../dist/bin.js", import.meta.url)));
/** Linux's device that refuses every write with ENOSPC: a full disk under `vmlab … > file`. */
const full = existsSync("/dev/full");

describe("stdout that cannot be written (a full disk), the built binary", () => {
  const trace = fileURLToPath(new URL("../../../packages/storage/data/traces/vmlab-synthetic.vscsi", import.meta.url));
  // vscsistats said "50000 IOs (vscsi)" on stderr before the failure surfaced: the command stops at the failed write.
  it.skipIf(!built || !full).each([
    ["describe", "esx-disk-perf"],
    ["vscsistats", trace, "--json"],
  ])("vmlab %s: one line naming the failure and exit 1, not a stack trace", async (...argv) => {
    const fd = openSync("/dev/full", "w");
    try {
      const child = spawn(process.execPath, [bin, ...argv], { stdio: ["ignore", fd, "pipe"] });
      let stderr = "";
      child.stderr?.on("data", (b: Buffer) => {
        stderr += b.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      expect(stderr).toMatch(/^vmlab: cannot write to stdout: ENOSPC[^\n]*\[VMLAB_CLI_STDOUT_WRITE\]\n$/);
      expect(code).toBe(1);
    } finally {
      closeSync(fd);
    }
  });
});
