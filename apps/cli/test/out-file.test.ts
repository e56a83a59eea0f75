import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ONE_POINT_RUN, runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

describe("vmlab run --out <a file, not a directory>", () => {
  it("says so in one line, exit 2, by --dry-run too; the file and its directory are as they were", async () => {
    const dir = scratchDir("vmlab-out-file-");
    const file = join(dir, "results");
    writeFileSync(file, "mine\n");
    for (const dry of [["--dry-run"], []]) {
      const r = await runCli("run", ...ONE_POINT_RUN, "--out", file, ...dry);
      expect(r.stderr).toBe(
        `vmlab: cannot write results to "${file}": ${file} is not a directory; choose another --out directory [VMLAB_CLI_UNWRITABLE_OUT]\n`,
      );
      expect(r.code).toBe(2);
      expect(readdirSync(dir)).toEqual(["results"]);
      expect(readFileSync(file, "utf8")).toBe("mine\n");
    }
  });
});
