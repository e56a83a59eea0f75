import { RngStreams } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { esxDiskPerf } from "./esx-disk-perf.js";

function run(overrides: Record<string, unknown>) {
  const config = esxDiskPerf.config.parse({ ...esxDiskPerf.quick, ...overrides });
  return esxDiskPerf.run({ config, seed: 1, quick: true, rng: new RngStreams(1), progress: () => {} });
}

type Row = Record<string, number | string | boolean | null>;
const oneCell = { readPercents: [100], outstandingIos: [1] };

describe("esx-disk-perf: the warmed array cache's note", () => {
  it("says only the test file's last arrayCacheMiB were warmed when the file is larger than the cache, and reads at its start miss", async () => {
    const cell = { ...oneCell, storage: ["array"], ioSizesBytes: [4096], randomPercents: [100], durationMs: 50, testFileMiB: 2048 };
    const small = await run({ ...cell, arrayCacheMiB: 512 });
    const fits = await run({ ...cell, arrayCacheMiB: 2048 });
    const warmNote = (r: typeof small) => (r.notes ?? []).filter((n) => n.startsWith("arrayCacheWarm"));
    expect(warmNote(small)).toEqual([
      "arrayCacheWarm puts the last 512 MiB of the 2048 MiB Iometer test file in the array cache at the start (all the cache holds), as right after Iometer prepared it (an assumption); IOs to the rest of the file start as misses.",
    ]);
    expect(warmNote(fits)).toEqual([
      "arrayCacheWarm puts the Iometer test file in the array cache at the start, as right after Iometer prepared it (an assumption).",
    ]);
    // What the note says: with the smaller cache, random reads over the file go to the disks three times in four (a
    // seek and a rotation, milliseconds); they are cache hits (about 130 µs) when the whole file fits.
    const latency = (r: typeof small) => (r.tables[0].rows as Row[])[0].nativeLatencyUs as number;
    expect(latency(fits)).toBeLessThan(200);
    expect(latency(small)).toBeGreaterThan(1000);
  });
});
