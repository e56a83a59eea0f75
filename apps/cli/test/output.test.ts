import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
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

describe("writeFilesAtomically: a write that fails leaves the directory as it was", () => {
  it("a new directory is an ordinary one (rwxr-xr-x, not the private temporary directory it was made as)", async () => {
    const out = join(scratchDir("vmlab-out-"), "new");
    await writeFilesAtomically(out, new Map([["results.json", "{}\n"]]));
    expect(statSync(out).mode & 0o777).toBe(0o755);
  });

  it("makes the directories a new --out needs (the default out/<id> in a fresh checkout)", async () => {
    const base = scratchDir("vmlab-out-");
    await writeFilesAtomically(join(base, "out", "a", "queue-validation"), new Map([["results.json", "{}\n"]]));
    expect(readFileSync(join(base, "out", "a", "queue-validation", "results.json"), "utf8")).toBe("{}\n");
    expect(readdirSync(join(base, "out", "a"))).toEqual(["queue-validation"]);
  });

  it("a failed write into a new directory makes nothing: no directory, no temporary directory beside it", async () => {
    const parent = scratchDir("vmlab-out-");
    // A file that cannot be written (its directory does not exist), after one that can.
    const files = new Map([
      ["results.json", "{}\n"],
      ["missing/table.csv", "a\n"],
    ]);
    await expect(writeFilesAtomically(join(parent, "new"), files)).rejects.toMatchObject({ code: "VMLAB_CLI_UNWRITABLE_OUT" });
    expect(readdirSync(parent)).toEqual([]);
  });

  it("a failed write into an existing directory leaves its files as they were and no temporary directory in it", async () => {
    const dir = scratchDir("vmlab-out-");
    writeFileSync(join(dir, "results.json"), "previous run\n");
    const files = new Map([
      ["results.json", "{}\n"],
      ["missing/table.csv", "a\n"],
    ]);
    await expect(writeFilesAtomically(dir, files, ["results.json"])).rejects.toMatchObject({ code: "VMLAB_CLI_UNWRITABLE_OUT" });
    expect(readdirSync(dir)).toEqual(["results.json"]);
    expect(readFileSync(join(dir, "results.json"), "utf8")).toBe("previous run\n");
  });

  it("refuses, changing nothing, when a new file's name is a file no earlier run wrote there (not in `replaces`)", async () => {
    const dir = scratchDir("vmlab-out-");
    writeFileSync(join(dir, "results.json"), "previous run\n");
    writeFileSync(join(dir, "trace.csv"), "the user's trace\n");
    const files = new Map([
      ["results.json", "{}\n"],
      ["trace.csv", "new table\n"],
    ]);
    await expect(writeFilesAtomically(dir, files, ["results.json"])).rejects.toThrow(
      new RegExp(
        `${join(dir, "trace.csv")} is not among the files the results.json there lists \\(not written by vmlab, or by a run whose write was cut short\\) and is left alone`,
      ),
    );
    expect(readdirSync(dir).sort()).toEqual(["results.json", "trace.csv"]);
    expect(readFileSync(join(dir, "results.json"), "utf8")).toBe("previous run\n");
    expect(readFileSync(join(dir, "trace.csv"), "utf8")).toBe("the user's trace\n");
  });

  it("refuses, changing nothing, when a new file's name is a directory there (none of the previous run's files is replaced)", async () => {
    const dir = scratchDir("vmlab-out-");
    writeFileSync(join(dir, "results.json"), "previous run\n");
    writeFileSync(join(dir, "table.csv"), "previous table\n");
    mkdirSync(join(dir, "index.html"));
    const files = new Map([
      ["results.json", "{}\n"],
      ["table.csv", "new table\n"],
      ["index.html", "<html></html>\n"],
    ]);
    await expect(writeFilesAtomically(dir, files, ["results.json", "table.csv", "index.html"])).rejects.toThrow(
      /index\.html is a directory/,
    );
    expect(readdirSync(dir).sort()).toEqual(["index.html", "results.json", "table.csv"]);
    expect(readFileSync(join(dir, "results.json"), "utf8")).toBe("previous run\n");
    expect(readFileSync(join(dir, "table.csv"), "utf8")).toBe("previous table\n");
    expect(statSync(join(dir, "index.html")).isDirectory()).toBe(true);
  });
});
