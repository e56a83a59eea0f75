import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

const SHIPPED = new URL("../../../packages/storage/data/traces/vmlab-synthetic.vscsi", import.meta.url).pathname;
const tmp = () => scratchDir("vmlab-vscsistats-bad-");

/** Text that is no trace of any format: lines of letters and digits. */
const JUNK = `${Array.from({ length: 36 }, (_, i) => `a9YlHBkmtuGlTF5TPxXG${i}w0Af38UbJ1OrRfVGl7P1RSOcQUtIWN`).join("\n")}\n`;

/**
 * --skip-bad over a file in which no line is an IO of the format read: it is another format's file, or no trace.
 * It printed 16 empty histograms and exit 0 ("3217 bad lines skipped"), as if the trace held no IO.
 */
describe("vmlab vscsistats --skip-bad on a file with no IO, only bad lines", () => {
  it("refuses a binary file read as msr: one line naming the file, the bad lines, the first one, and --format; exit 2, nothing on stdout", async () => {
    const r = await runCli("vscsistats", SHIPPED, "--format", "msr", "--skip-bad");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^vmlab: ${SHIPPED}: no IO read, only 3217 bad lines \\(skipped; first: ${SHIPPED}:1: Timestamp is not a non-negative integer in "[^\\n]*"\\): is the file msr\\? check --format \\[VMLAB_TRACE_MALFORMED_LINE\\]\\n$`,
      ),
    );
  });

  it("refuses a text file of junk read as msr, for both --json and the CSV printout", async () => {
    const file = join(tmp(), "junk.txt");
    writeFileSync(file, JUNK);
    for (const extra of [[], ["--json"]]) {
      const r = await runCli("vscsistats", file, "--format", "msr", "--skip-bad", ...extra);
      expect(r.code, extra.join()).toBe(2);
      expect(r.stdout, extra.join()).toBe("");
      expect(r.stderr, extra.join()).toMatch(
        /^vmlab: \S*junk\.txt: no IO read, only 36 bad lines \(skipped; first: \S*junk\.txt:1: .*check --format/,
      );
    }
  });

  it("still accepts a file with some IOs and bad lines skipped, and a file of no IO and no bad line (its note, exit 0)", async () => {
    const dir = tmp();
    const some = join(dir, "some.csv");
    writeFileSync(some, `1,h,0,Read,0,512,5\n${JUNK}`);
    const r = await runCli("vscsistats", some, "--format", "msr", "--skip-bad");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^vmlab vscsistats: 1 IO \(msr\); 36 bad lines skipped; first: \S*some\.csv:2: /);
    const header = join(dir, "header.csv");
    writeFileSync(header, "Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime\n");
    const h = await runCli("vscsistats", header, "--format", "msr", "--skip-bad");
    expect(h.code).toBe(0);
    expect(h.stderr).toBe("vmlab vscsistats: 0 IOs (msr); the file has a header line and no IO lines\n");
  });
});

/** A bad first line, with no IO read before it: most likely the file is another format's, which the advice says first. */
describe("vmlab vscsistats on a bad line before any IO", () => {
  it("asks whether the file is of the format read before advising --skip-bad", async () => {
    const r = await runCli("vscsistats", SHIPPED, "--format", "msr");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /:1: Timestamp is not a non-negative integer in "[^\n]*"; no IO read before it: is the file msr\? check --format; or fix or delete the line, or pass --skip-bad to count and skip bad lines \[VMLAB_TRACE_MALFORMED_LINE\]\n$/,
    );
  });

  it("a bad line after an IO keeps the advice to fix the line or skip it", async () => {
    const file = join(tmp(), "bad.csv");
    writeFileSync(file, "1,h,0,Read,0,512,5\n2,h,0,Read,0,-512,5\n");
    const r = await runCli("vscsistats", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.csv:2: negative Size in "2,h,0,Read,0,-512,5"; fix or delete the line, or pass --skip-bad/);
    expect(r.stderr).not.toMatch(/check --format/);
  });
});

/** An empty file is no trace of any format: the error says it is empty, not that --format is wrong. */
describe("vmlab vscsistats on an empty file", () => {
  it("says the file is empty, with or without --format, and does not advise --format", async () => {
    const dir = tmp();
    for (const name of ["empty.csv", "empty", "empty.vscsi", "empty.iolog", "empty.blkparse"]) {
      const file = join(dir, name);
      writeFileSync(file, "");
      for (const extra of [[], ["--format", "msr"], ["--format", "vscsi"], ["--format", "blkparse"], ["--format", "fio"]]) {
        const r = await runCli("vscsistats", file, ...extra);
        const what = `${name} ${extra.join(" ")}`;
        expect(r.code, what).toBe(2);
        expect(r.stdout, what).toBe("");
        expect(r.stderr, what).toBe(
          `vmlab: ${file}: the file is empty (0 bytes): no trace in it; check the path, or copy or decompress it again [VMLAB_TRACE_MALFORMED_HEADER]\n`,
        );
      }
    }
  });
});
