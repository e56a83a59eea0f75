import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

describe("vmlab run --set with a key given twice", () => {
  it("is refused with one line naming the key and both values, exit 2, nothing written", async () => {
    // `--set hosts=3 ... --set hosts=4` ran with hosts=4 and said nothing: in a long command line the first
    // value (or a typo for another key) was lost without a word.
    for (const args of [
      ["parda-equal-shares", "--set", "hosts=3", "--set", "hosts=4"],
      ["parda-equal-shares", "--set", "hosts=3", "--set", " hosts =3"],
      ["vic-coalescing", "--set", "oio=1,4", "--set", "oio=16"],
    ]) {
      const out = join(scratchDir("vmlab-set-twice-"), "out");
      for (const dry of [["--dry-run"], []]) {
        const r = await runCli("run", ...args, "--quick", "--out", out, ...dry);
        expect(r.stderr).toMatch(
          /^vmlab: config key "(hosts|oio)" is given twice \("[^"]*", then "[^"]*"\); give it once \[VMLAB_CLI_BAD_DUPLICATE_KEY\]\n$/,
        );
        expect(r.code).toBe(2);
        expect(r.stdout).toBe("");
        expect(existsSync(out)).toBe(false);
      }
    }
  });

  it("a key given once beside --quick's own value for it is the user's value, as before", async () => {
    const r = await runCli(
      "run",
      "parda-equal-shares",
      "--quick",
      "--set",
      "durationS=170",
      "--dry-run",
      "--out",
      join(scratchDir("vmlab-set-twice-"), "o"),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("\ndurationS=170\n");
  });
});
