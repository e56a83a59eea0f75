import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";
import { scratchDir } from "./scratch.js";

const tmp = () => scratchDir("vmlab-vscsistats-order-");

/** An MSR file of 4 KiB IOs issued at `us` µs (in this order; 10 ticks a µs), each taking 10 µs, at offsets set by the time. */
function msrFile(name: string, ios: [us: number, op: "Read" | "Write"][]): string {
  const file = join(tmp(), name);
  writeFileSync(file, ios.map(([us, op]) => `${us * 10},h,0,${op},${us * 8192},4096,100\n`).join(""));
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
    const file = msrFile("late.csv", [
      [0, "Read"],
      [100, "Write"],
      [300, "Read"],
      [200, "Read"],
      [250, "Read"],
      [400, "Read"],
    ]);
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
    const file = msrFile("first.csv", [
      [100, "Read"],
      [40, "Write"],
      [300, "Read"],
    ]);
    const sorted = msrFile("sorted.csv", [
      [40, "Write"],
      [100, "Read"],
      [300, "Read"],
    ]);
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
