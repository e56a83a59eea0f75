import { describe, expect, it } from "vitest";
import { summarize } from "./esx-disk-perf.js";
import { ESX_DISK_PERF_TOLERANCES as T } from "./esx-disk-perf-tolerances.js";

/** A measured cell of the grid, with enough IOs that no row is flagged as coarse. */
const cell = (storage: string, ioSizeBytes: number, randomPercent: number, outstandingIos: number, ratio: number) => ({
  storage,
  ioSizeBytes,
  readPercent: 100,
  randomPercent,
  outstandingIos,
  pattern: randomPercent === 100 ? "random read" : "sequential read",
  vmToNativeThroughput: ratio,
  nativeIos: 10_000,
  vmIos: 10_000,
  nativeCpuUsPerIo: 18,
  vmCpuUsPerIo: 52,
});

/** A grid whose minimum is 0.346 (512 B sequential at 32 OIO) and whose 4 KiB random cell at 32 OIO is `smallRandom`. */
const grid = (smallRandom: number) => [
  cell("array", 512, 0, 32, 0.346),
  cell("array", 4096, 100, 32, smallRandom),
  cell("array", 65536, 0, 32, 0.99),
];

const gapRow = (smallRandom: number) => summarize(grid(smallRandom), [1, 32]).reference?.[1].ours;
const smallRandomRow = (smallRandom: number) => summarize(grid(smallRandom), [1, 32]).reference?.[2];

describe("esx-disk-perf's reference rows: the gap row's 'reaches this minimum' and the small random row's verdict agree", () => {
  it("within the bound of the grid's minimum: reaches it, and passes", () => {
    const inside = 0.346 + T.smallRandomOffMinimum - 1e-6;
    expect(gapRow(inside)).toMatch(/<= 4 KiB random at 32 OIO reaches this minimum$/);
    expect(smallRandomRow(inside)?.verdict).toBe("pass");
  });

  it("past the bound: does not reach it, and fails — the text treated anything within 0.01 as a tie", () => {
    // 0.346 + 0.008: the test and the verdict (0.005) said no, the gap row's text (0.01) said it reached the minimum.
    for (const past of [0.346 + T.smallRandomOffMinimum + 1e-6, 0.354]) {
      expect(smallRandomRow(past)?.verdict).toBe("fail");
      expect(gapRow(past)).toMatch(/<= 4 KiB random at 32 OIO does not reach this minimum$/);
    }
  });
});

describe("esx-disk-perf's gap row names the same cell whatever the order of the grid's lists", () => {
  it("of cells that tie at the minimum, a small random one, and says how many others tie", () => {
    // Four CPU-bound cells at exactly 0.346: readPercents=100,0 and 0,100 named a sequential read and a random write.
    const tied = [cell("array", 4096, 0, 32, 0.346), cell("array", 4096, 100, 32, 0.346), cell("local", 4096, 100, 32, 0.346)];
    const named = (rows: typeof tied) => summarize(rows, [32]).reference?.[1].ours;
    expect(named(tied)).toBe(
      "array, 4096 B random read, 32 OIO: 0.35 (2 other cells at exactly that ratio); <= 4 KiB random at 32 OIO reaches this minimum",
    );
    expect(named([...tied].reverse())).toBe(named(tied));
    expect(named([tied[2], tied[0], tied[1]])).toBe(named(tied));
    // No tie, nothing said of one.
    expect(named([cell("array", 4096, 0, 32, 0.3), ...tied])).toMatch(/^array, 4096 B sequential read, 32 OIO: 0\.30; /);
  });
});
