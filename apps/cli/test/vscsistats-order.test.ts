import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

const tmp = () => scratchDir("vmlab-vscsistats-order-");

/**
 * An MSR file of 4 KiB IOs written as "0R 100W 300R": issue times in µs (10 ticks a µs), each followed by R (read) or
 * W (write), in file order; each takes 10 µs, at an offset set by its time.
 */
function msrFile(name: string, ios: string): string {
  const file = join(tmp(), name);
  const line = (io: string) =>
    `${Number(io.slice(0, -1)) * 10},h,0,${io.endsWith("R") ? "Read" : "Write"},${Number(io.slice(0, -1)) * 8192},4096,100\n`;
  writeFileSync(file, ios.split(" ").map(line).join(""));
  return file;
}

interface Json {
  outOfOrder: number;
  late: number;
  reordered: number;
  histograms: { metric: string; split: string; count: number; min: number; max: number; mean: number }[];
}
const interarrival = (j: Json, split: string) => {
  const h = j.histograms.find((x) => x.metric === "interarrival" && x.split === split);
  return h && { count: h.count, min: h.min, max: h.max, mean: h.mean };
};

describe("vmlab vscsistats: IOs out of issue order (docs/vscsistats.md)", () => {
  it("--reorder-window 0: a late IO counts 0 µs and the IO after it is measured from the latest issue, not from the late one", async () => {
    // Issued at 0, 100, 200, 250, 300, 400 µs; 200 and 250 come after 300 in the file.
    const file = msrFile("late.csv", "0R 100W 300R 200R 250R 400R");
    const r = await runCli("vscsistats", file, "--json", "--reorder-window", "0");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Json;
    // 100, 200, 0, 0, 100 µs (400 after 300; measured from 250 it was 150): the mean of the sorted trace, 80 µs.
    expect(interarrival(j, "all")).toEqual({ count: 5, min: 0, max: 200, mean: 80 });
    expect(interarrival(j, "reads")).toEqual({ count: 4, min: 0, max: 300, mean: 100 }); // 300, 0, 0, 100
    expect([j.late, j.outOfOrder]).toEqual([2, 2]);
    expect(r.stderr).toBe("vmlab vscsistats: 6 IOs (msr); 2 IOs issued earlier than an IO before them (interarrival 0; first: line 4)\n");
  });

  it("--first-io zero: time 0 is the earliest record's time, not the file's first record's, within the reorder window", async () => {
    // The write (40 µs) is the earliest IO but the file's second record.
    const file = msrFile("first.csv", "100R 40W 300R");
    const sorted = msrFile("sorted.csv", "40W 100R 300R");
    const r = await runCli("vscsistats", file, "--json", "--first-io", "zero");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Json;
    expect([j.reordered, j.late, j.outOfOrder]).toEqual([1, 0, 0]);
    // The first read comes 60 µs after time 0 (the write), whichever record the file has first.
    expect(interarrival(j, "reads")).toEqual({ count: 2, min: 60, max: 200, mean: 130 });
    const csv = await runCli("vscsistats", file, "--first-io", "zero", "--disk-name", "d");
    expect(csv.stdout).toBe((await runCli("vscsistats", sorted, "--first-io", "zero", "--disk-name", "d")).stdout);
  });
});
