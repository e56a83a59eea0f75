import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { repoRoot } from "./golden.js";

const root = repoRoot();
const script = join(root, "scripts", "clean-dist.mjs");
let scratch = "";

afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = "";
});

/**
 * turbo restores a cached build over dist/ and deletes nothing; tsup names chunks by content hash, so after a branch
 * switch dist/ held other builds' chunks and .d.ts files (npm pack published them; the published-types test read
 * one and failed). Every npm script that builds removes dist/ first.
 */
describe("the build's clean dist/", () => {
  it("every npm script that runs `turbo run build` runs clean-dist.mjs just before", () => {
    const { scripts } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    const building = Object.entries(scripts).filter(([, cmd]) => cmd.includes("turbo run build"));
    expect(building.map(([name]) => name)).toEqual(expect.arrayContaining(["prepare", "build", "demo", "test"]));
    for (const [name, cmd] of building) expect(cmd, name).toMatch(/^node scripts\/clean-dist\.mjs && turbo run build\b/);
  });

  it("removes each workspace's dist/ and nothing else", () => {
    scratch = mkdtempSync(join(tmpdir(), "vmlab-clean-dist-"));
    writeFileSync(join(scratch, "package.json"), JSON.stringify({ workspaces: ["packages/*", "apps/*"] }));
    const files = {
      stale: ["packages/core/dist/chunk-OLD.js", "packages/core/dist/sim/x.d.ts", "apps/cli/dist/bin.js"],
      kept: ["packages/core/src/index.ts", "packages/core/package.json", "packages/notes.md", "apps/cli/bin/vmlab.js", "dist/keep.txt"],
    };
    for (const f of [...files.stale, ...files.kept]) {
      mkdirSync(join(scratch, f, ".."), { recursive: true });
      writeFileSync(join(scratch, f), "x");
    }
    mkdirSync(join(scratch, "packages", "no-dist"));
    execFileSync(process.execPath, [script, scratch]);
    expect(files.stale.filter((f) => existsSync(join(scratch, f)))).toEqual([]);
    expect(existsSync(join(scratch, "packages/core/dist"))).toBe(false);
    expect(files.kept.filter((f) => !existsSync(join(scratch, f)))).toEqual([]);
  });
});
