import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runPressingCtrlC } from "./ctrl-c-child.js";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

const repo = fileURLToPath(new URL("../../..", import.meta.url));
const elf = join(repo, "guest/bin/hello.elf");

describe("vmlab boot --save and Ctrl-C", () => {
  it("a Ctrl-C during the snapshot's write is held until the file is in place, then ends the process", async () => {
    const dir = scratchDir("vmlab-save-sigint-");
    const snap = join(dir, "hello.snap");
    // Ctrl-C at the first write into the snapshot's temporary file.
    const r = runPressingCtrlC(dir, "writevSync", ["boot", elf, "--snapshot-at", "2000", "--save", snap]);
    expect(r.stderr).toBe("");
    expect(r.signal).toBe("SIGINT");
    // The guest's console up to the snapshot, and not the line after main() returns.
    expect(r.stdout).toMatch(/^Hello from a vmlab guest!\n/);
    expect(r.stdout).not.toContain("not reached");
    // The whole snapshot, nothing temporary beside it: it resumes.
    expect(readdirSync(dir).sort()).toEqual(["child.mts", "hello.snap"]);
    const resumed = await runCli("resume", snap);
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
  }, 30_000);
});
