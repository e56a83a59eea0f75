/**
 * `vmlab vscsistats -` reads the trace from standard input: the built binary, spawned, since the in-process helper
 * feeds no standard input.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/vmlab.js", import.meta.url));
const built = existsSync(fileURLToPath(new URL("../dist/bin.js", import.meta.url)));
const vscsistats = (input: string, format: string) =>
  spawnSync(process.execPath, [bin, "vscsistats", "-", "--format", format, "--json"], { input, encoding: "utf8" });

describe("vmlab vscsistats - (standard input, the built binary)", () => {
  it.skipIf(!built)("characterizes a trace piped to it", () => {
    const r = vscsistats("128166372003061629,h,0,Read,0,4096,100\n128166372003161629,h,0,Write,8192,8192,200\n", "msr");
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ trace: "stdin", diskName: "stdin", traceFormat: "msr", ios: 2 });
    expect(r.stderr).toBe("vmlab vscsistats: 2 IOs (msr)\n");
  });
  // An empty pipe (a command upstream that failed) is said to be empty, not a header this format lacks.
  it.skipIf(!built)("refuses an empty standard input as empty, whatever the format, exit 2 and nothing on stdout", () => {
    for (const format of ["msr", "vscsi", "blkparse", "fio"]) {
      const r = vscsistats("", format);
      expect(r.status, format).toBe(2);
      expect(r.stdout, format).toBe("");
      expect(r.stderr, format).toBe(
        "vmlab: standard input is empty (0 bytes): no trace in it; check the command that writes to it [VMLAB_TRACE_MALFORMED_HEADER]\n",
      );
    }
  });
});
