import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { writeFilesAtomically } from "../src/render/output.js";
import { scratchDir } from "./scratch.js";

/**
 * The filesystem calls `writeFilesAtomically` makes, counted; `failFrom`/`failTo` make the calls numbered
 * in that range fail as a rename across a quota, an EIO or another user's file in a sticky directory does.
 */
const fault = vi.hoisted(() => ({
  calls: 0,
  lastRename: 0,
  failFrom: Number.POSITIVE_INFINITY,
  failTo: Number.POSITIVE_INFINITY,
  /** `link` fails, as on a filesystem without hard links (not counted: a failed link is moved aside instead). */
  noLinks: false,
  /** Called before each call: what a `kill -9` at that point would leave. */
  before: undefined as (() => void) | undefined,
}));

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const counted =
    <A extends unknown[], R>(f: (...args: A) => Promise<R>, isRename: boolean) =>
    async (...args: A): Promise<R> => {
      fault.before?.();
      const n = ++fault.calls;
      if (isRename) fault.lastRename = n;
      if (n >= fault.failFrom && n <= fault.failTo)
        throw Object.assign(new Error(`EIO: i/o error, injected at call ${n}`), { code: "EIO", errno: -5 });
      return f(...args);
    };
  return {
    ...real,
    rename: counted(real.rename, true),
    link: async (...args: Parameters<typeof real.link>) => {
      fault.before?.();
      if (fault.noLinks) throw Object.assign(new Error("EPERM: operation not permitted, link"), { code: "EPERM", errno: -1 });
      return real.link(...args);
    },
    unlink: counted(real.unlink, false),
    rm: counted(real.rm, false),
  };
});

afterEach(() => {
  Object.assign(fault, {
    calls: 0,
    lastRename: 0,
    failFrom: Number.POSITIVE_INFINITY,
    failTo: Number.POSITIVE_INFINITY,
    before: undefined,
    noLinks: false,
  });
});

/** Every entry under `dir`: a file's bytes and mode, a symbolic link's target, a directory's entries. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel === "" ? name : `${rel}/${name}`;
      const s = lstatSync(p);
      if (s.isSymbolicLink()) out[r] = `link -> ${readlinkSync(p)}`;
      else if (s.isDirectory()) {
        out[r] = `dir ${(s.mode & 0o7777).toString(8)}`;
        walk(p, r);
      } else out[r] = `file ${(s.mode & 0o7777).toString(8)} ${readFileSync(p).toString("base64")}`;
    }
  };
  walk(dir, "");
  return out;
}

type Entry = "absent" | "file" | "symlink";
const NAMES = ["results.json", "a.csv", "b.csv", "fig.svg", "index.html"] as const;

/** An earlier run's directory: `existing[i]` says what is at `NAMES[i]`, beside a file vmlab did not write. */
function earlierRun(existing: readonly Entry[]): { dir: string; elsewhere: string } {
  const base = scratchDir("vmlab-rollback-");
  const dir = join(base, "out");
  const elsewhere = join(base, "elsewhere.txt");
  mkdirSync(dir);
  writeFileSync(elsewhere, "a file the link points at\n");
  writeFileSync(join(dir, "notes.txt"), "mine, not vmlab's\n");
  existing.forEach((e, i) => {
    const p = join(dir, NAMES[i] as string);
    if (e === "file") writeFileSync(p, `earlier run's ${NAMES[i]}\n`, { mode: 0o640 });
    if (e === "symlink") symlinkSync(elsewhere, p);
  });
  return { dir, elsewhere };
}

const newRun = (count: number) => new Map(NAMES.slice(0, count).map((n) => [n, `new run's ${n}\n`] as const));

/**
 * How many counted calls a write of `files` over `existing` makes, when nothing fails, up to its last rename
 * (the new output is then in place: what follows removes the earlier files, best effort).
 */
async function callsOfGoodWrite(existing: readonly Entry[], files: ReadonlyMap<string, string>): Promise<number> {
  const { dir } = earlierRun(existing);
  Object.assign(fault, { calls: 0, lastRename: 0, failFrom: Number.POSITIVE_INFINITY, failTo: Number.POSITIVE_INFINITY });
  await writeFilesAtomically(dir, files, [...NAMES]);
  const calls = fault.lastRename;
  fault.calls = 0;
  return calls;
}

describe("writeFilesAtomically into an existing directory when a rename fails midway", () => {
  it("when nothing fails: the new files replace the earlier ones (a link itself, not its target), others stay, no temporary directory is left", async () => {
    const { dir, elsewhere } = earlierRun(["file", "symlink", "absent", "file", "file"]);
    await writeFilesAtomically(dir, newRun(4), [...NAMES]);
    expect(readdirSync(dir).sort()).toEqual(["a.csv", "b.csv", "fig.svg", "notes.txt", "results.json"]);
    for (const name of NAMES.slice(0, 4)) expect(readFileSync(join(dir, name), "utf8")).toBe(`new run's ${name}\n`);
    expect(lstatSync(join(dir, "a.csv")).isSymbolicLink()).toBe(false);
    expect(readFileSync(elsewhere, "utf8")).toBe("a file the link points at\n");
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine, not vmlab's\n");
  });

  it("a directory made under a file's name after the check before anything changes is never moved aside (so never removed): nothing changes", async () => {
    const { dir } = earlierRun(["file", "file", "file", "file", "file"]);
    const before = snapshot(dir);
    let reads = 0;
    class DirectoryAppearsLater extends Map<string, string> {
      override keys(): MapIterator<string> {
        // The check reads the names first; when the commit reads them, fig.svg has become someone's directory.
        if (++reads === 2) {
          rmSync(join(dir, "fig.svg"));
          mkdirSync(join(dir, "fig.svg"));
          writeFileSync(join(dir, "fig.svg", "data"), "keep me\n");
        }
        return super.keys();
      }
    }
    await expect(writeFilesAtomically(dir, new DirectoryAppearsLater(newRun(5)), [...NAMES])).rejects.toThrow(/fig\.svg is a directory/);
    expect(reads).toBe(2);
    const { "fig.svg": _file, ...others } = before;
    const { "fig.svg": _dir, "fig.svg/data": _data, ...othersAfter } = snapshot(dir);
    expect(othersAfter).toEqual(others);
    expect(readFileSync(join(dir, "fig.svg", "data"), "utf8")).toBe("keep me\n");
  });

  it("a rename that fails after others have replaced the earlier run's files puts them all back (README: exits 2 without writing anything)", async () => {
    const existing: Entry[] = ["file", "file", "file", "file", "file"];
    const { dir, elsewhere } = earlierRun(existing);
    const before = snapshot(dir);
    const linked = readFileSync(elsewhere, "utf8");
    fault.failFrom = fault.failTo = (await callsOfGoodWrite(existing, newRun(5))) - 1;
    await expect(writeFilesAtomically(dir, newRun(5), [...NAMES])).rejects.toMatchObject({
      code: "VMLAB_CLI_UNWRITABLE_OUT",
      message: expect.stringMatching(/^cannot write results to ".*": .*injected at call \d+.*; choose another --out directory$/),
    });
    expect(snapshot(dir)).toEqual(before);
    expect(readFileSync(elsewhere, "utf8")).toBe(linked);
  });

  it("for every N, a failure at the Nth rename leaves the directory byte-identical to before (files, modes, links, others' files)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Entry>("absent", "file", "symlink"), { minLength: NAMES.length, maxLength: NAMES.length }),
        fc.integer({ min: 1, max: NAMES.length }),
        fc.nat(),
        async (existing, count, pick) => {
          const files = newRun(count);
          const calls = await callsOfGoodWrite(existing, files);
          const { dir, elsewhere } = earlierRun(existing);
          const before = snapshot(dir);
          fault.failFrom = fault.failTo = 1 + (pick % calls);
          await expect(writeFilesAtomically(dir, files, [...NAMES])).rejects.toMatchObject({
            code: "VMLAB_CLI_UNWRITABLE_OUT",
            message: expect.not.stringContaining("\n"),
          });
          expect(snapshot(dir)).toEqual(before);
          expect(readFileSync(elsewhere, "utf8")).toBe("a file the link points at\n");
        },
      ),
      { numRuns: 150, seed: 11 },
    );
  });

  it("every N from 1 to the last rename, with every file replaced: nothing changes (with hard links or without)", async () => {
    const existing: Entry[] = ["file", "symlink", "file", "absent", "file"];
    for (const noLinks of [false, true]) {
      fault.noLinks = noLinks;
      const calls = await callsOfGoodWrite(existing, newRun(5));
      for (let n = 1; n <= calls; n++) {
        const { dir } = earlierRun(existing);
        const before = snapshot(dir);
        fault.calls = 0;
        fault.failFrom = fault.failTo = n;
        await expect(writeFilesAtomically(dir, newRun(5), [...NAMES]), `failure at call ${n}`).rejects.toMatchObject({
          code: "VMLAB_CLI_UNWRITABLE_OUT",
        });
        expect(snapshot(dir), `failure at call ${n}`).toEqual(before);
      }
    }
  });

  it("when putting the earlier run's files back fails too, none is deleted: the error names the directory that holds them", async () => {
    const existing: Entry[] = ["file", "file", "file", "symlink", "absent"];
    const calls = await callsOfGoodWrite(existing, newRun(5));
    for (let n = 1; n < calls; n++) {
      const { dir } = earlierRun(existing);
      fault.calls = 0;
      fault.failFrom = n;
      fault.failTo = Number.POSITIVE_INFINITY; // the disk went bad: every later rename fails as well
      const err = await writeFilesAtomically(dir, newRun(5), [...NAMES]).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err, `failure from call ${n}`).toMatchObject({ code: "VMLAB_CLI_UNWRITABLE_OUT" });
      expect((err as Error).message).not.toContain("\n");
      fault.failFrom = Number.POSITIVE_INFINITY;
      const after = snapshot(dir);
      // Each earlier file (or link) is either still in its place or in the directory the message names.
      const kept = /the earlier files that could not be put back are in "([^"]+)"/.exec((err as Error).message)?.[1];
      existing.forEach((e, i) => {
        const name = NAMES[i] as string;
        if (e === "absent") return;
        const want = e === "file" ? `earlier run's ${name}\n` : undefined;
        const inPlace =
          want === undefined ? after[name]?.startsWith("link ->") : after[name]?.endsWith(Buffer.from(want).toString("base64"));
        if (inPlace) return;
        expect(kept, `failure from call ${n}: ${name} is neither in place nor kept`).toBeDefined();
        const keptEntries = Object.entries(snapshot(kept as string));
        const found = keptEntries.some(([, v]) =>
          want === undefined ? v.startsWith("link ->") : v.endsWith(Buffer.from(want).toString("base64")),
        );
        expect(found, `failure from call ${n}: ${name} is not in ${kept}`).toBe(true);
      });
      expect(after["notes.txt"]).toBeDefined();
    }
  });
});

describe("writeFilesAtomically into an existing directory when the process is killed midway (kill -9, a power loss)", () => {
  it("between any two of its filesystem calls, every earlier output file (or link) is in the directory, the earlier or the new one", async () => {
    const existing: Entry[] = ["file", "symlink", "file", "absent", "file"];
    const { dir } = earlierRun(existing);
    const missing: string[] = [];
    let seen = 0;
    fault.before = () => {
      seen++;
      const present = new Set(readdirSync(dir));
      existing.forEach((e, i) => {
        if (e !== "absent" && !present.has(NAMES[i] as string)) missing.push(`before call ${fault.calls + 1}: ${NAMES[i]}`);
      });
    };
    await writeFilesAtomically(dir, newRun(5), [...NAMES]);
    fault.before = undefined;
    expect(seen).toBeGreaterThan(4);
    // Moved aside first, an earlier run's file was in neither place until the new one came: killed then, the
    // directory had no results.json (`vmlab report` refused it) and the earlier file was only in .vmlab.tmp-*.
    expect(missing).toEqual([]);
    for (const name of NAMES) expect(readFileSync(join(dir, name), "utf8")).toBe(`new run's ${name}\n`);
  });
});

describe("writeFilesAtomically when its temporary directory cannot be removed after a failed write", () => {
  it("still fails with the one line naming the failure (and the directory left), not an internal error", async () => {
    for (const existing of [true, false]) {
      const base = scratchDir("vmlab-rollback-");
      const dir = join(base, "out");
      if (existing) mkdirSync(dir);
      fault.calls = 0;
      fault.failFrom = 1; // the rm of the temporary directory (nothing was renamed: a file could not be written)
      const files = new Map([
        ["results.json", "{}\n"],
        ["missing/table.csv", "a\n"],
      ]);
      await expect(writeFilesAtomically(dir, files), `existing: ${existing}`).rejects.toMatchObject({
        code: "VMLAB_CLI_UNWRITABLE_OUT",
        message: expect.stringMatching(
          /ENOENT.*; its temporary directory ".*\.tmp-\w+" could not be removed \(EIO\); choose another --out directory$/,
        ),
      });
    }
  });
});
