import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parseEsxCsv } from "@vmlab/storage";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../src/main.js";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

const SHIPPED = new URL("../../../packages/storage/data/traces/vmlab-synthetic.vscsi", import.meta.url).pathname;
const GOLDEN = new URL("../../../packages/storage/src/vscsistats/golden/vmlab-synthetic.esx.csv", import.meta.url).pathname;
const tmp = () => scratchDir("vmlab-vscsistats-");

describe("vmlab vscsistats", () => {
  it("prints the shipped trace's histograms in ESX's CSV format (the golden printout)", async () => {
    const r = await runCli("vscsistats", SHIPPED);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(GOLDEN, "utf8"));
    expect(r.stderr).toBe("vmlab vscsistats: 50000 IOs (vscsi)\n"); // v2 records: every IO has a response time
    const named = await runCli("vscsistats", SHIPPED, "--disk-name", "scsi0:1");
    expect(named.stdout).toBe(r.stdout.replaceAll("(vmlab-synthetic.vscsi)", "(scsi0:1)"));
  });

  it("prints JSON with --json, for an MSR file given with --format", async () => {
    const file = join(tmp(), "trace.txt");
    writeFileSync(file, "128166372003061629,hm,0,Write,7014912,4096,26\n128166372003161629,hm,0,Read,7019008,65536,113\n");
    const r = await runCli("vscsistats", file, "--format", "msr", "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as {
      ios: number;
      traceFormat: string;
      histograms: { metric: string; split: string; count: number; min: number }[];
    };
    expect(j.ios).toBe(2);
    expect(j.traceFormat).toBe("msr");
    expect(j.histograms).toHaveLength(16);
    expect(j.histograms.find((h) => h.metric === "seekDistance" && h.split === "all")?.min).toBe(1); // sequential
    // The file as given, and the disk name of ESX's header lines apart (`trace` was the disk name: two traces' results
    // under one --disk-name could not be told apart).
    expect(j).toMatchObject({ trace: file, diskName: "trace.txt" });
    const named = await runCli("vscsistats", file, "--format", "msr", "--json", "--disk-name", "scsi0:1");
    expect(JSON.parse(named.stdout)).toMatchObject({ trace: file, diskName: "scsi0:1" });
  });

  it("--first-io zero measures the first IO's seek from LBN 0 and its interarrival from time 0 (every count the IO count, as in an ESX printout); the default skips it", async () => {
    const file = join(tmp(), "two.csv");
    // Issued 10 and 20 µs after time 0 (100 ns units), at LBNs 8 and 16 (byte offsets 4096 and 8192), 4 KiB each.
    writeFileSync(file, "100,h,0,Read,4096,4096,5\n200,h,0,Read,8192,4096,5\n");
    const hist = async (...opts: string[]) => {
      const r = await runCli("vscsistats", file, "--json", ...opts);
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout) as { histograms: { metric: string; split: string; count: number; min: number }[] };
      return (metric: string) => j.histograms.find((h) => h.metric === metric && h.split === "all");
    };
    const skip = await hist();
    expect(skip("seekDistance")).toMatchObject({ count: 1, min: 1 }); // LBN 16 - the first IO's last LBN 15
    expect(skip("interarrival")?.count).toBe(1);
    const zero = await hist("--first-io", "zero");
    expect(zero("seekDistance")).toMatchObject({ count: 2, min: 1 });
    expect(zero("interarrival")?.count).toBe(2);
  });

  it("--reorder-window takes its documented upper bound, 1048576 records, and refuses one more (exit 2, one line)", async () => {
    const file = join(tmp(), "one.csv");
    writeFileSync(file, "100,h,0,Read,4096,4096,5\n");
    expect((await runCli("vscsistats", file, "--json", "--reorder-window", "1048576")).code).toBe(0);
    const over = await runCli("vscsistats", file, "--json", "--reorder-window", "1048577");
    expect(over.code).toBe(2);
    expect(over.stdout).toBe("");
    expect(over.stderr.trim().split("\n")).toHaveLength(1);
    expect(over.stderr).toMatch(/--reorder-window/);
  });

  it("says how many IOs go back in time and names the first one's line (in the file's order: --reorder-window 0)", async () => {
    const file = join(tmp(), "late.csv");
    writeFileSync(file, "10,h,0,Read,0,512,5\n30,h,0,Read,0,512,5\n20,h,0,Read,0,512,5\n40,h,0,Read,0,512,5\n15,h,0,Read,0,512,5\n");
    const r = await runCli("vscsistats", file, "--json", "--reorder-window", "0");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ios: 5, firstOutOfOrder: 3 });
    expect(r.stderr).toBe("vmlab vscsistats: 5 IOs (msr); 2 IOs issued earlier than an IO before them (interarrival 0; first: line 3)\n");
  });

  it("puts IOs out of issue order back in order with the reorder window, and counts those too late for it", async () => {
    const file = join(tmp(), "late.csv");
    writeFileSync(file, "10,h,0,Read,0,512,5\n30,h,0,Read,0,512,5\n20,h,0,Read,0,512,5\n40,h,0,Read,0,512,5\n15,h,0,Read,0,512,5\n");
    const interarrivalUpTo1us = (stdout: string) =>
      (JSON.parse(stdout) as { histograms: { metric: string; split: string; counts: number[] }[] }).histograms.find(
        (h) => h.metric === "interarrival" && h.split === "all",
      )?.counts[0];
    const r = await runCli("vscsistats", file, "--json"); // the default window, 4,096 records
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ios: 5, reorderWindow: 4096, reordered: 2, late: 0, firstLate: null, firstOutOfOrder: 3 });
    expect(interarrivalUpTo1us(r.stdout)).toBe(4); // 0.5, 0.5, 1, 1 µs: in issue order, every gap is ≤ 1 µs
    expect(r.stderr).toBe(
      "vmlab vscsistats: 5 IOs (msr); 2 IOs out of issue order (first: line 3): 2 put back in issue order by the reorder window of 4096 records\n",
    );
    // A window of 1 puts line 3 (20) in place; line 5 (15) comes after 30 was characterized: too late.
    const small = await runCli("vscsistats", file, "--json", "--reorder-window", "1");
    expect(JSON.parse(small.stdout)).toMatchObject({ reorderWindow: 1, reordered: 1, late: 1, firstLate: 5, firstOutOfOrder: 3 });
    expect(small.stderr).toBe(
      "vmlab vscsistats: 5 IOs (msr); 2 IOs out of issue order (first: line 3): 1 put back in issue order by the reorder window of 1 record, " +
        "1 too late for it, characterized where it came (interarrival 0; first: line 5; sort the file by time or pass a larger --reorder-window to put it in order)\n",
    );
    // The ESX printout of the default equals that of the file sorted by time.
    const sorted = join(tmp(), "sorted.csv");
    writeFileSync(sorted, "10,h,0,Read,0,512,5\n15,h,0,Read,0,512,5\n20,h,0,Read,0,512,5\n30,h,0,Read,0,512,5\n40,h,0,Read,0,512,5\n");
    const csv = await runCli("vscsistats", file, "--disk-name", "d");
    expect(csv.stdout).toBe((await runCli("vscsistats", sorted, "--disk-name", "d")).stdout);
  });

  it("rejects a --reorder-window that is not a whole number of records in range: one line, exit 2, nothing on stdout", async () => {
    for (const bad of ["-1", "abc", "1.5", "", "1048577"]) {
      const r = await runCli("vscsistats", SHIPPED, "--reorder-window", bad);
      expect(r.code, bad).toBe(2);
      expect(r.stdout, bad).toBe("");
      expect(r.stderr, bad).toMatch(
        /^vmlab: --reorder-window expects a whole number of records from 0 \(the file's order\) to 1048576, got ".*" \[VMLAB_CLI_BAD_OPTION\]\n$/,
      );
    }
    const help = await runCli("vscsistats", "--help");
    expect(help.stdout).toMatch(/--reorder-window <records>[\s\S]*0 = the file's order, at most\s+1048576[\s\S]*\(default:\s+"4096"\)/);
  });

  it("stops at a malformed line with exit 2, naming file and line, and prints nothing on stdout", async () => {
    const file = join(tmp(), "bad.csv");
    writeFileSync(file, "1,h,0,Read,0,512,5\n2,h,0,Read,0,-512,5\n3,h,0,Read,0,512,5\n");
    const r = await runCli("vscsistats", file);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/bad\.csv:2: negative Size.*\[VMLAB_TRACE_MALFORMED_LINE\]/);
    const skip = await runCli("vscsistats", file, "--skip-bad", "--json");
    expect(skip.code).toBe(0);
    expect(JSON.parse(skip.stdout)).toMatchObject({ ios: 2, skipped: 1 });
    expect(skip.stderr).toMatch(/ 1 bad line skipped; first: .*bad\.csv:2: negative Size in "2,h,0,Read,0,-512,5"\n/);
    expect(skip.stderr).not.toMatch(/pass --skip-bad/);
  });

  it("refuses a timestamp 104 days or more after the first (its ns would be rounded), naming file and line, exit 2", async () => {
    // 10^17 ticks after the first record: the two IOs after it, 1 µs apart, printed interarrivals of 0 and 10 µs.
    const file = join(tmp(), "far.csv");
    writeFileSync(file, "0,h,0,Read,0,4096,1\n100000000000000000,h,0,Read,4096,4096,1\n100000000000000010,h,0,Read,8192,4096,1\n");
    const r = await runCli("vscsistats", file);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^vmlab: .*far\.csv:2: Timestamp is 2\^53 ns \(about 104 days\) or more from the first record's .*\[VMLAB_TRACE_MALFORMED_LINE\]\n$/,
    );
  });

  it("refuses a --disk-name with a line break or control character (exit 2, one line); a file name's are shown as ?", async () => {
    // The name goes inside ESX's "Histogram: …" header lines: "a\nb" split each into two lines, a printout that
    // neither ESX tools nor parseEsxCsv read back ("b)" is not a "count,limit" row).
    const file = join(tmp(), "t.csv");
    writeFileSync(file, "1,h,0,Read,0,512,5\n");
    const r = await runCli("vscsistats", file, "--disk-name", "a\nb");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      'vmlab: --disk-name expects a name without line breaks or control characters (it is printed inside ESX\'s header lines), got "a\\nb" [VMLAB_CLI_BAD_OPTION]\n',
    );
    const odd = join(tmp(), "a\nb.csv");
    writeFileSync(odd, "1,h,0,Read,0,512,5\n");
    const named = await runCli("vscsistats", odd);
    expect(named.code).toBe(0);
    expect(parseEsxCsv(named.stdout)).toHaveLength(16);
    expect(named.stdout.split("\n")[0]).toMatch(/\(a\?b\.csv\)$/);
  });

  it("standard input without --format: says --format is needed for it, not that its bytes were looked at (exit 2, one line)", async () => {
    // Standard input is never sniffed: the line said it could not tell the format "from the file name or its first
    // bytes", as if an MSR stream's content were unrecognizable.
    const r = await runCli("vscsistats", "-");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "vmlab: standard input: its format is not detected; pass --format (msr|vscsi|blkparse|fio), e.g. vmlab vscsistats - --format msr [VMLAB_TRACE_UNKNOWN_FORMAT]\n",
    );
  });

  it("rejects an unknown format, an undetectable file and a missing file with exit 2", async () => {
    const unknown = await runCli("vscsistats", SHIPPED, "--format", "snia");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/msr, vscsi, blkparse, fio/);
    const file = join(tmp(), "mystery.bin");
    writeFileSync(file, "hello world\n");
    const undetected = await runCli("vscsistats", file);
    expect(undetected.code).toBe(2);
    expect(undetected.stderr).toMatch(/pass --format/);
    const missing = await runCli("vscsistats", join(tmp(), "nope.csv"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/does not exist/);
  });
});

describe("vmlab vscsistats on a compressed trace", () => {
  it("says the file is gzip-compressed (detected or with --format), exit 2, nothing on stdout", async () => {
    const file = join(tmp(), "hm_0.csv.gz");
    writeFileSync(file, gzipSync("128166372003061629,hm,0,Write,7014912,4096,26\n"));
    for (const extra of [[], ["--format", "msr"], ["--format", "vscsi"], ["--format", "blkparse"]]) {
      const r = await runCli("vscsistats", file, ...extra);
      expect(r.code, extra.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr, extra.join(" ")).toMatch(/hm_0\.csv\.gz is gzip-compressed; decompress it first/);
    }
  });
});

describe("vmlab vscsistats on a directory", () => {
  it("says it is a directory (not a permissions problem), exit 2, nothing on stdout", async () => {
    const dir = tmp();
    for (const extra of [[], ["--format", "msr"]]) {
      const r = await runCli("vscsistats", dir, ...extra);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/is a directory, not a trace file/);
      expect(r.stderr).not.toMatch(/permissions/);
    }
  });
});

describe("vmlab vscsistats on an empty file", () => {
  it("refuses it in every format (exit 2, nothing on stdout) instead of printing 16 empty histograms", async () => {
    const dir = tmp();
    for (const [name, format] of [
      ["t.csv", "msr"],
      ["t.vscsi", "vscsi"],
      ["t.blkparse", "blkparse"],
      ["t.iolog", "fio"],
    ]) {
      const file = join(dir, name);
      writeFileSync(file, "");
      const r = await runCli("vscsistats", file, "--format", format);
      expect(r.code, format).toBe(2);
      expect(r.stdout, format).toBe("");
      expect(r.stderr, format).toMatch(new RegExp(`${name.replace(".", "\\.")}: .*empty`));
    }
  });
});

describe("vmlab vscsistats in its doc", () => {
  it("docs/vscsistats.md mentions every option the command takes", () => {
    const program = buildProgram({ stdout: () => {}, stderr: () => {}, stderrIsTTY: false });
    const cmd = program.commands.find((c) => c.name() === "vscsistats");
    const doc = readFileSync(new URL("../../../docs/vscsistats.md", import.meta.url), "utf8");
    const flags = (cmd?.options ?? []).map((o) => o.long).filter((f): f is string => f !== undefined && f !== "--help");
    expect(flags.length).toBeGreaterThan(5);
    expect(flags.filter((f) => !doc.includes(f))).toEqual([]);
  });
});

describe("vmlab vscsistats on a trace read in the wrong format", () => {
  it("refuses an MSR CSV given --format blkparse (exit 2, one line naming line 1, nothing on stdout) instead of 0 IOs", async () => {
    const file = join(tmp(), "hm_0.csv");
    writeFileSync(file, "128166372003061629,hm,0,Write,7014912,4096,26\n128166372003161629,hm,0,Read,7019008,65536,113\n");
    const r = await runCli("vscsistats", file, "--format", "blkparse");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/hm_0\.csv:1: a number where blkparse's device "major,minor" goes \(another format's line\? check --format\)/);
  });
});

describe("vmlab vscsistats on a trace with no IO in it", () => {
  it("says none of the lines was an IO of the format read (a fio iolog given --format blkparse), still exit 0", async () => {
    const file = join(tmp(), "t.iolog");
    writeFileSync(file, "fio version 2 iolog\n/dev/sdb add\n/dev/sdb open\n/dev/sdb read 0 4096\n/dev/sdb close\n");
    const r = await runCli("vscsistats", file, "--format", "blkparse");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      "vmlab vscsistats: 0 IOs (blkparse); none of the 5 lines read was an IO in --format blkparse (another format? check --format)\n",
    );
    // A trace whose lines are IOs says nothing of the kind.
    const good = await runCli("vscsistats", file);
    expect(good.stderr).not.toMatch(/none of the/);
  });

  it("says the format was detected, not given, when its name made it blkparse (it named --format blkparse, never passed)", async () => {
    const file = join(tmp(), "t.blkparse");
    writeFileSync(file, "hello\nworld\n");
    const r = await runCli("vscsistats", file);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      "vmlab vscsistats: 0 IOs (blkparse); none of the 2 lines read was an IO in blkparse's format, as detected (another format? check --format)\n",
    );
  });
});

describe("vmlab run vscsistats-characterize", () => {
  it("writes a byte-identical results.json for the same seed", async () => {
    const args = ["--quick", "--set", "durationMs=400", "--set", "traceMaxIos=400", "--seed", "5"];
    const a = join(tmp(), "A");
    const b = join(tmp(), "B");
    expect((await runCli("run", "vscsistats-characterize", ...args, "--out", a)).code).toBe(0);
    expect((await runCli("run", "vscsistats-characterize", ...args, "--out", b)).code).toBe(0);
    const ja = readFileSync(join(a, "results.json"));
    expect(ja.equals(readFileSync(join(b, "results.json")))).toBe(true);
    const results = JSON.parse(ja.toString()) as { metrics: Record<string, number>; figures: unknown[] };
    expect(results.metrics["sequential.ioLengthBinShare"]).toBe(1);
    expect(results.figures).toHaveLength(5);
  });
});
