import { describe, expect, it } from "vitest";
import { esxDiskPerf } from "./esx-disk-perf.js";
import { fewIosNote } from "./esx-disk-perf-notes.js";
import { runQuick } from "./run-quick.test-support.js";

const run = (overrides: Record<string, unknown>) => runQuick(esxDiskPerf, overrides);

type Row = Record<string, number | string | boolean | null>;
const oneCell = { readPercents: [100], outstandingIos: [1] };
const gapNote = (r: Awaited<ReturnType<typeof run>>) => r.reference.find((x) => x.what === "where the VM/native gap is largest")?.note;

describe("esx-disk-perf: a ratio counted from few IOs says so", () => {
  it("rows carry each run's IOs in the window, and a grid whose cells completed few of them is flagged in the notes and the minimum's row", async () => {
    // 64 KiB random reads at 1 OIO for 10 ms: 4 IOs native, 3 in the VM — a ratio of 0.75, read as a VM a quarter
    // slower than native (where the grid's large IOs run at about 1) without a word that it rested on a handful of IOs.
    // (With request-size alignment, 256 KiB reads for 20 ms gave 4 and 5: a VM "faster" than native.)
    const few = await run({ ...oneCell, storage: ["local"], ioSizesBytes: [65536], randomPercents: [100], durationMs: 10 });
    const [x] = few.tables[0].rows as Row[];
    expect([x.nativeIos, x.vmIos]).toEqual([4, 3]);
    // The counts are what the throughput columns count over the 10 ms window.
    expect(x.nativeIops).toBe((x.nativeIos as number) / 0.01);
    expect(x.vmIops).toBe((x.vmIos as number) / 0.01);
    expect(x.vmToNativeThroughput).toBe(0.75);
    expect(few.notes).toContain(
      "1 of 1 cells completed fewer than 100 IOs in a run's measured window (the fewest, 3: local, 65536 B random read, 1 OIO): a count can be an IO off at either end of the window, so their throughput and VM/native ratio are uncertain by up to about 2 / IOs (±67% there; columns nativeIos, vmIos); lengthen durationMs.",
    );
    expect(gapNote(few)).toMatch(
      /; the minimum's cell completed 4 IOs native and 3 in the VM in its window: its ratio is uncertain by up to about ±67% \(durationMs too short\?\)$/,
    );
    // Thousands of IOs per run (the warm array's cache at 1 OIO for 200 ms): nothing to flag.
    const many = await run({ ...oneCell, storage: ["array"], ioSizesBytes: [4096], randomPercents: [0] });
    const [y] = many.tables[0].rows as Row[];
    expect(Math.min(y.nativeIos as number, y.vmIos as number)).toBeGreaterThan(1000);
    expect((many.notes ?? []).filter((n) => n.includes("fewer than 100 IOs"))).toEqual([]);
    expect(gapNote(many)).not.toMatch(/minimum's cell completed/);
  });
});

describe("esx-disk-perf: cells that completed no IO", () => {
  // A window shorter than any IO (durationMs given in seconds): the row was all zeros, no note said so, and the run
  // ended "0 pass, 0 fail".
  it("are counted in a note of their own, naming the first; no reference check passes or fails on them", async () => {
    const r = await run({ ...oneCell, storage: ["local"], ioSizesBytes: [4096, 65536], randomPercents: [100], durationMs: 0.001 });
    const rows = r.tables[0].rows as Row[];
    expect(rows.map((x) => [x.nativeIos, x.vmIos])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(r.notes).toContain(
      "2 of 2 cells completed no IO in a run's measured window (the first: local, 4096 B random read, 1 OIO, 0 native and 0 in the VM): they have no VM/native ratio and no reference check counts them; lengthen durationMs.",
    );
    expect(r.reference.map((x) => x.verdict ?? null)).toEqual(["n/a", null, "n/a", null, null]);
    const some = await run({ ...oneCell, storage: ["local"], ioSizesBytes: [4096], randomPercents: [100], durationMs: 10 });
    expect((some.notes ?? []).filter((n) => n.includes("completed no IO"))).toEqual([]);
  });
});

describe("esx-disk-perf: the few-IOs note names the fewest cell", () => {
  it("of several cells with few IOs, names the one with the fewest and its uncertainty", () => {
    const row = (nativeIos: number, vmIos: number, ioSizeBytes: number) => ({
      storage: "local",
      ioSizeBytes,
      pattern: "random read",
      outstandingIos: 1,
      nativeIos,
      vmIos,
    });
    const note = fewIosNote([row(50, 60, 4096), row(4, 5, 262144), row(500, 500, 512)]);
    expect(note).toContain("2 of 3 cells");
    expect(note).toContain("(the fewest, 4: local, 262144 B random read, 1 OIO)");
    expect(note).toContain("±50% there");
  });
});

describe("esx-disk-perf: outstanding IOs past the queue depths", () => {
  const notes = async (overrides: Record<string, unknown>) =>
    (
      (await run({ ...oneCell, storage: ["array"], ioSizesBytes: [4096], randomPercents: [0], durationMs: 5, ...overrides })).notes ?? []
    ).filter((n) => n.startsWith("The storage sees at most"));

  it("a grid past the adapter's or the guest's queue depth says the storage runs at that depth, not at the OIO its rows name", async () => {
    expect(await notes({ outstandingIos: [1, 32, 64] })).toEqual([
      "The storage sees at most 32 outstanding IOs natively (adapterQueueDepth 32: the rest wait in the host's adapter queue) and 32 in the VM (guestQueueDepth 32: the rest wait in the guest); cells above that (64 OIO) measure the storage at those depths, with the held-back IOs' wait in their latency.",
    ]);
    // The guest's depth below the OIO limits the VM alone; an HBA depth below the guest's limits the VM there too.
    expect(await notes({ outstandingIos: [16], guestQueueDepth: 8 })).toEqual([
      "The storage sees at most 32 outstanding IOs natively (adapterQueueDepth 32: the rest wait in the host's adapter queue) and 8 in the VM (guestQueueDepth 8: the rest wait in the guest); cells above that (16 OIO) measure the storage at those depths, with the held-back IOs' wait in their latency.",
    ]);
    expect(await notes({ outstandingIos: [16], adapterQueueDepth: 8, guestQueueDepth: 64 })).toEqual([
      "The storage sees at most 8 outstanding IOs natively (adapterQueueDepth 8: the rest wait in the host's adapter queue) and 8 in the VM (adapterQueueDepth 8: the rest wait in the host's adapter queue); cells above that (16 OIO) measure the storage at those depths, with the held-back IOs' wait in their latency.",
    ]);
    // Every OIO within both depths: nothing is held back.
    expect(await notes({ outstandingIos: [1, 32] })).toEqual([]);
    expect(await notes({ outstandingIos: [64], adapterQueueDepth: 64, guestQueueDepth: 64 })).toEqual([]);
  });
});

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
