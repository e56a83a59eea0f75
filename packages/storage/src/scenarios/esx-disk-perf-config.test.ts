import { describe, expect, it } from "vitest";
import { DEFAULT_ARRAY_DISKS, DEFAULT_CPU_COSTS, ESX_DISK_PERF_QUICK, EsxDiskPerfConfig, MAX_GRID_CELLS } from "./esx-disk-perf-config.js";
import { arrayMiBPerDataDisk, buildTestbed, testFileLimitMiB } from "./esx-disk-perf-testbed.js";

/** The `--quick` grid (32 cells: 3,600,000 / 32 = 112,500 ms per cell) with `overrides`: the issues' "path: message" lines. */
function refusal(overrides: Record<string, unknown>): string[] {
  const r = EsxDiskPerfConfig.safeParse({ ...ESX_DISK_PERF_QUICK, ...overrides });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("esx-disk-perf: the grid's virtual time bound names the key to shorten and the most it may be", () => {
  it("a warm-up too long is refused naming warmupMs and the most it may be beside durationMs", () => {
    // The quick grid's durationMs is 200: warmupMs may be 112,300. The line said "at most 56250" (half the cell's
    // time), a value 56,050 ms short of what the grid allows.
    expect(refusal({ warmupMs: 200_000 })).toEqual([
      "warmupMs: the grid's 32 cells × (warmupMs=200000 + durationMs=200) = 6406400 ms of virtual time per mode, over the run's 3600000; at most 112300 with 32 cells",
    ]);
    expect(refusal({ warmupMs: 112_300 })).toEqual([]);
  });

  it("a warm-up just past the bound is refused naming warmupMs, the key that was too long, not durationMs", () => {
    // warmupMs 112300.01 is below the cell's 112,500 ms, so the line named durationMs ("at most 199"), which was the
    // quick default the user had not touched.
    expect(refusal({ warmupMs: 112_300.01 })).toEqual([
      "warmupMs: the grid's 32 cells × (warmupMs=112300.01 + durationMs=200) = 3600000.32 ms of virtual time per mode, over the run's 3600000; at most 112300 with 32 cells",
    ]);
  });

  it("a measurement too long is refused naming durationMs and the room the warm-up leaves", () => {
    expect(refusal({ durationMs: 112_451 })).toEqual([
      "durationMs: the grid's 32 cells × (warmupMs=50 + durationMs=112451) = 3600032 ms of virtual time per mode, over the run's 3600000; at most 112450 with 32 cells",
    ]);
    expect(refusal({ durationMs: 112_450 })).toEqual([]);
  });

  it("both too long for the grid: the line says that together they must fit the cell's time", () => {
    // Neither alone can be shortened enough: an "at most" for one key would be a negative number or 0.
    expect(refusal({ warmupMs: 200_000, durationMs: 150_000 })).toEqual([
      "warmupMs: the grid's 32 cells × (warmupMs=200000 + durationMs=150000) = 11200000 ms of virtual time per mode, over the run's 3600000; with 32 cells warmupMs + durationMs may be at most 112500 together",
    ]);
  });
});

describe("esx-disk-perf: the grid's cell count is bounded, not its virtual time alone", () => {
  const percents = Array.from({ length: 101 }, (_, i) => i);
  it("a grid of tiny cells past MAX_GRID_CELLS is refused naming its longest list", () => {
    // 2 × 2 × 101 × 101 × 2 = 81,608 cells of 0.002 ms: 163 ms of virtual time, in range, and more than 100 s of
    // wall time building testbeds (every list at its longest: 10^10 cells).
    expect(
      refusal({ storage: ["local", "array"], readPercents: percents, randomPercents: percents, warmupMs: 0.001, durationMs: 0.001 }),
    ).toEqual([
      `readPercents: the grid's storage 2 × ioSizesBytes 2 × readPercents 101 × randomPercents 101 × outstandingIos 2 = 81608 cells, over the run's ${MAX_GRID_CELLS} (each cell builds its testbed twice, whatever its virtual time); shorten the lists, readPercents first (101 values)`,
    ]);
  });

  it("a grid of MAX_GRID_CELLS cells is accepted, one more is refused", () => {
    // 1 × 2 × 50 × 50 × 2 = 10,000 cells.
    const fifty = percents.slice(0, 50);
    expect(refusal({ storage: ["local"], readPercents: fifty, randomPercents: fifty, warmupMs: 0.001, durationMs: 0.001 })).toEqual([]);
    expect(
      refusal({
        storage: ["local"],
        readPercents: fifty,
        randomPercents: fifty,
        outstandingIos: [1, 32, 64],
        warmupMs: 0.001,
        durationMs: 0.001,
      }),
    ).toEqual([
      `readPercents: the grid's storage 1 × ioSizesBytes 2 × readPercents 50 × randomPercents 50 × outstandingIos 3 = 15000 cells, over the run's ${MAX_GRID_CELLS} (each cell builds its testbed twice, whatever its virtual time); shorten the lists, readPercents first (50 values)`,
    ]);
  });
});

describe("testFileMiB's bound in the help", () => {
  it("is the region the testbed built gives a worker: the local disk, and the array's LUN at 3, 8 and 64 disks", () => {
    for (const [storage, arrayDisks, workers] of [
      ["local", 8, 1],
      ["array", 3, 1],
      ["array", DEFAULT_ARRAY_DISKS, 1],
      ["array", 64, 1],
      ["array", 5, 3],
    ] as const) {
      const built = buildTestbed({
        storage,
        mode: "vm",
        cpu: DEFAULT_CPU_COSTS,
        hostCores: 1,
        adapterQueueDepth: 32,
        guestQueueDepth: 32,
        arrayDisks,
        arrayCacheMiB: 0,
        workers,
      });
      expect(testFileLimitMiB({ storage, arrayDisks, workers }), `${storage} ${arrayDisks} ${workers}`).toBe(
        Math.floor(built.regionSectors / 2048),
      );
    }
  });

  it("per member disk: ⌊(arrayDisks − 1) × arrayMiBPerDataDisk()⌋ is the array's limit for every arrayDisks the schema takes", () => {
    for (let arrayDisks = 3; arrayDisks <= 64; arrayDisks++)
      expect(Math.floor((arrayDisks - 1) * arrayMiBPerDataDisk()), `${arrayDisks}`).toBe(
        testFileLimitMiB({ storage: "array", arrayDisks, workers: 1 }),
      );
    expect(EsxDiskPerfConfig.shape.testFileMiB.description).toContain(
      `for storage=array (arrayDisks − 1) × ${arrayMiBPerDataDisk()} MiB, rounded down`,
    );
  });
});
