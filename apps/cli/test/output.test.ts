import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFilesAtomically } from "../src/render/output.js";
import { scratchDir } from "./scratch.js";

describe("writeFilesAtomically", () => {
  it("a previous run's entry it cannot remove (a directory by that name) is left alone; the write still succeeds", async () => {
    const dir = scratchDir("vmlab-out-");
    writeFileSync(join(dir, "stale.svg"), "old figure");
    mkdirSync(join(dir, "old.csv"));
    writeFileSync(join(dir, "old.csv", "mine.txt"), "not vmlab's");
    await writeFilesAtomically(dir, new Map([["results.json", "{}\n"]]), ["results.json", "old.csv", "stale.svg"]);
    expect(readFileSync(join(dir, "results.json"), "utf8")).toBe("{}\n");
    expect(existsSync(join(dir, "stale.svg"))).toBe(false);
    expect(statSync(join(dir, "old.csv")).isDirectory()).toBe(true);
    expect(readFileSync(join(dir, "old.csv", "mine.txt"), "utf8")).toBe("not vmlab's");
  });
});
