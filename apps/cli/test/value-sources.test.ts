import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

/** `vmlab run <argv…>` into a directory it must not make: the refusal's one stderr line. */
async function refusal(...argv: string[]): Promise<string> {
  const out = join(scratchDir("vmlab-value-sources-"), "never");
  const r = await runCli("run", ...argv, "--out", out);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(existsSync(out)).toBe(false);
  return r.stderr;
}

describe("a config refusal says where a value the user did not --set came from", () => {
  it("--quick's measureFromS is told as --quick's, not as the user's", async () => {
    const line = await refusal("parda-equal-shares", "--quick", "--set", "durationS=100");
    expect(line).toContain("given measureFromS=100 (from --quick)");
  });

  it("a schema default is told as the default", async () => {
    const line = await refusal("parda-equal-shares", "--set", "durationS=100");
    expect(line).toContain("given measureFromS=150 (the default)");
  });

  it("a value the user set is quoted as it is, --quick or not", async () => {
    const line = await refusal("parda-equal-shares", "--quick", "--set", "durationS=100", "--set", "measureFromS=150");
    expect(line).toMatch(/given measureFromS=150 \(see `vmlab describe parda-equal-shares`\)/);
  });
});
