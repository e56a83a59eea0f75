import { isVmlabError, RngStreams } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { IometerWorkload } from "../workload/iometer.js";
import { esxDiskPerf } from "./esx-disk-perf.js";
import { ESX_DISK_PERF_TOLERANCES } from "./esx-disk-perf-tolerances.js";
import { runQuick } from "./run-quick.test-support.js";

const run = (overrides: Record<string, unknown>, seed = 1) => runQuick(esxDiskPerf, overrides, seed);

type Row = Record<string, number | string | boolean | null>;

/** 5 ms of CPU per VM IO: at 32 OIO the VM's first completion comes after the 20 + 100 ms run; at 1 OIO it completes 20. */
const VM_NO_IOS_AT_32_OIO = {
  storage: ["array"],
  readPercents: [100],
  randomPercents: [100],
  ioSizesBytes: [4096],
  outstandingIos: [1, 32],
  virtIssueUs: 5000,
  warmupMs: 20,
  durationMs: 100,
};

describe("esx-disk-perf scenario", () => {
  it("native and VM runs of a cell see the same addresses: with no virtualization cost they measure the same", async () => {
    // Common random numbers: the only difference left between the modes is the VM's CPU cost.
    const r = await run({ ioSizesBytes: [512, 8192], outstandingIos: [1, 8], virtIssueUs: 0, virtInterruptUs: 0 });
    const rows = r.tables[0].rows as Row[];
    expect(rows.length).toBeGreaterThan(0);
    for (const x of rows) expect(x.vmToNativeThroughput).toBe(1);
  });

  it("reproduces the study's shape: ~1 for large sequential IO, the largest gap for small IOs at high OIO", async () => {
    const r = await run({ ioSizesBytes: [4096, 65536, 262144], outstandingIos: [1, 32] });
    const rows = r.tables[0].rows as Row[];
    expect(rows.length).toBe(2 * 2 * 2 * 3 * 2);
    const ratio = (x: Row) => x.vmToNativeThroughput as number;
    const T = ESX_DISK_PERF_TOLERANCES;
    for (const x of rows.filter((x) => x.randomPercent === 0 && (x.ioSizeBytes as number) >= 65536))
      expect(ratio(x)).toBeGreaterThan(T.largeSequentialMinRatio);
    const min = Math.min(...rows.map(ratio));
    const smallRandomHighOio = rows.filter((x) => x.ioSizeBytes === 4096 && x.randomPercent === 100 && x.outstandingIos === 32);
    expect(Math.abs(Math.min(...smallRandomHighOio.map(ratio)) - min)).toBeLessThan(T.smallRandomOffMinimum);
    expect(min).toBeLessThan(0.6);
    // The mechanism: the VM pays more CPU per IO, and saturates the CPU where the gap is largest.
    for (const x of rows) expect(x.vmCpuUsPerIo as number).toBeGreaterThan(x.nativeCpuUsPerIo as number);
    const worst = rows.find((x) => ratio(x) === min) as Row;
    expect(worst.vmCpuUtil as number).toBeGreaterThan(0.95);
    // Disk-bound random IO on the local disk: the VM keeps up.
    for (const x of rows.filter((x) => x.storage === "local" && x.randomPercent === 100 && x.outstandingIos === 32))
      expect(ratio(x)).toBeGreaterThan(0.85);
    expect(r.reference.length).toBeGreaterThanOrEqual(4);
    expect(r.figures.every((f) => f.table === "iometer-grid")).toBe(true);
    expect(r.metrics.minVmToNativeThroughput).toBeCloseTo(min, 4);
    // The reference says so too: small random IO at the top OIO reaches the grid's minimum (within T.smallRandomOffMinimum).
    const gap = r.reference.find((x) => x.what === "where the VM/native gap is largest");
    expect(gap?.ours).toMatch(/; <= 4 KiB random at 32 OIO reaches this minimum$/);
    // The two rows with a bound pass (docs/esx-disk-perf.md); the gap's place, the median and the CPU cost have none.
    expect(r.reference.map((x) => x.verdict)).toEqual(["pass", undefined, "pass", undefined, undefined]);
  });

  it("small sequential writes on the write-through local disk miss their sectors, native and VM alike; with the disk's write cache on the VM is CPU-bound", async () => {
    const cell = { storage: ["local"], ioSizesBytes: [4096], readPercents: [0], randomPercents: [0], outstandingIos: [4] };
    const [through] = (await run(cell)).tables[0].rows as Row[];
    const [cached] = (await run({ ...cell, localDiskWriteCache: true })).tables[0].rows as Row[];
    // Write-through: a 4 KiB write is 33 µs on the media, less than the drive controller's 50 µs per command,
    // so each queued write reaches the drive's mechanism after its sector has passed — native's as well as the
    // VM's — and waits for it to come round (a revolution is 4 ms), with the CPUs nearly idle.
    expect(through.nativeIops as number).toBeLessThan(2_000);
    expect(through.vmIops as number).toBeLessThan(through.nativeIops as number);
    expect(through.vmCpuUtil as number).toBeLessThan(0.2);
    // Write cache on: writes complete from the buffer, and the VM's CPU is the limit (1 / 52 µs).
    expect(cached.vmToNativeThroughput as number).toBeGreaterThan(0.5);
    expect(cached.vmCpuUtil as number).toBeGreaterThan(0.95);
  });

  it("CPU utilization is the CPU time run in the measured window: at most 1 per core, 1 when the CPU never idles", async () => {
    // Saturated cells: the VM's CPU runs without a break; a job queued before the window that runs inside it counts
    // (and one queued inside it that runs after does not), so utilization reads 1, not 1.0001 or near 0.
    const saturated = (
      await run({ storage: ["array"], readPercents: [100], randomPercents: [100], ioSizesBytes: [4096], outstandingIos: [32] })
    ).tables[0].rows as Row[];
    expect(saturated[0].vmCpuUtil as number).toBeLessThanOrEqual(1);
    expect(saturated[0].vmCpuUtil as number).toBeGreaterThan(0.999);
    // 5 ms of CPU per VM IO: the 32 IOs issued at time 0 keep the CPU busy past the 20 + 100 ms run, so no IO completes;
    // their CPU time was charged at time 0, during warm-up, yet the CPU runs them throughout the measured window.
    const slow = (
      await run({
        storage: ["array"],
        readPercents: [100],
        randomPercents: [100],
        ioSizesBytes: [4096],
        outstandingIos: [32],
        virtIssueUs: 5000,
        warmupMs: 20,
        durationMs: 100,
      })
    ).tables[0].rows as Row[];
    expect(slow[0].vmIops).toBe(0);
    expect(slow[0].vmCpuUtil as number).toBeCloseTo(1, 6);
  });

  it("applies every host and storage knob: CPU costs, queue depths, host cores, array disks and cache", async () => {
    const one = async (overrides: Record<string, unknown>) =>
      ((await run({ readPercents: [100], randomPercents: [100], ioSizesBytes: [4096], ...overrides })).tables[0].rows as Row[])[0];
    // CPU per IO is issue + interrupt cost, natively and with the virtualization costs added (a disk-bound cell: no CPU queue).
    const local = { storage: ["local"], outstandingIos: [1] };
    for (const [costs, native, vm] of [
      [{}, 18, 52],
      [{ nativeIssueUs: 20 }, 26, 60],
      [{ nativeInterruptUs: 10 }, 22, 56],
      [{ virtIssueUs: 40 }, 18, 70],
      [{ virtInterruptUs: 30 }, 18, 70],
    ] as const) {
      const x = await one({ ...local, ...costs });
      expect(x.nativeCpuUsPerIo as number, JSON.stringify(costs)).toBeCloseTo(native, 1);
      expect(x.vmCpuUsPerIo as number, JSON.stringify(costs)).toBeCloseTo(vm, 1);
    }
    // A cold array with a test file far larger than its cache: random reads are disk-bound at 32 outstanding IOs.
    const cold = { storage: ["array"], outstandingIos: [32], arrayCacheWarm: false, testFileMiB: 8192 };
    const base = await one(cold);
    // The guest's queue depth limits only the VM; the HBA's limits both.
    const guest4 = await one({ ...cold, guestQueueDepth: 4 });
    expect(guest4.nativeIops).toBe(base.nativeIops);
    expect(guest4.vmIops as number).toBeLessThan(0.5 * (base.vmIops as number));
    const hba4 = await one({ ...cold, adapterQueueDepth: 4 });
    expect(hba4.nativeIops as number).toBeLessThan(0.5 * (base.nativeIops as number));
    expect(hba4.vmIops as number).toBeLessThan(0.5 * (base.vmIops as number));
    // Fewer member disks serve fewer random reads.
    const disks3 = await one({ ...cold, arrayDisks: 3 });
    expect(disks3.nativeIops as number).toBeLessThan(0.7 * (base.nativeIops as number));
    // A cache smaller than the warm test file: reads beyond it go to the disks.
    const warm = { storage: ["array"], outstandingIos: [32], testFileMiB: 2048 };
    const cached = await one(warm);
    const small = await one({ ...warm, arrayCacheMiB: 512 });
    expect(small.nativeIops as number).toBeLessThan(0.5 * (cached.nativeIops as number));
    // A second host CPU doubles what the VM's saturated CPU can issue.
    const cores2 = await one({ ...warm, hostCores: 2 });
    expect(cached.vmCpuUtil as number).toBeGreaterThan(0.99);
    expect(cores2.vmIops as number).toBeGreaterThan(1.9 * (cached.vmIops as number));
  });

  it("is deterministic: same seed → identical JSON; another seed changes random cells", async () => {
    const cfg = { storage: ["local"], ioSizesBytes: [4096], outstandingIos: [4] };
    const a = JSON.stringify(await run(cfg, 5));
    const b = JSON.stringify(await run(cfg, 5));
    expect(a).toBe(b);
    const c = JSON.stringify(await run(cfg, 6));
    expect(c).not.toBe(a);
  });

  it("the median over cells of an even-sized grid is the mean of the two middle ratios", async () => {
    // Seed 2: the quick grid's middle pair is 0.962 and 0.987 (seed 1's are within 0.003 of each other).
    const r = await run({}, 2);
    const ratios = (r.tables[0].rows as Row[]).map((x) => x.vmToNativeThroughput as number).sort((a, b) => a - b);
    expect(ratios.length % 2).toBe(0);
    const mid = ratios.length / 2;
    expect(ratios[mid]).not.toBeCloseTo(ratios[mid - 1], 2); // the middle pair differs, so this test can tell
    expect(r.metrics.medianVmToNativeThroughput).toBeCloseTo((ratios[mid - 1] + ratios[mid]) / 2, 5);
    const row = r.reference.find((x) => x.what.startsWith("VM/native throughput — median"));
    expect(row?.ours).toBe(r.metrics.medianVmToNativeThroughput);
  });

  it("cells that completed no IOs (a run too short) are said to be that, not missing from the grid", async () => {
    const grid = { storage: ["local"], randomPercents: [0, 100], readPercents: [100], outstandingIos: [1] } as const;
    const ours = async (cfg: Record<string, unknown>) =>
      Object.fromEntries((await run(cfg)).reference.map((x) => [x.what.split(" — ")[0], x.ours]));
    const tiny = await ours({ ...grid, ioSizesBytes: [4096, 65536], durationMs: 1e-6 });
    expect(tiny["VM/native throughput, large (>= 64 KiB) sequential IO"]).toBe("no IOs completed in these cells (durationMs too short?)");
    // None of them completed IOs: there is no minimum to be "over the others" (the note said so for 1 of 1 cells).
    const tinyRun = await run({ ...grid, ioSizesBytes: [4096, 65536], durationMs: 1e-6 });
    expect(tinyRun.reference.find((x) => x.what.startsWith("VM/native throughput, large"))?.note).toMatch(/^the per-IO/);
    expect(tiny["VM/native throughput, <= 4 KiB random IO at the highest OIO"]).toBe(
      "no IOs completed in these cells (durationMs too short?)",
    );
    const none = await ours({ ...grid, ioSizesBytes: [8192] });
    expect(none["VM/native throughput, large (>= 64 KiB) sequential IO"]).toBe("no such cells in this grid");
    // Some of them without IOs (1 MiB reads take longer than 2 ms; 64 KiB ones do not): the minimum says it is over the rest.
    const part = await run({ ...grid, randomPercents: [0], ioSizesBytes: [65536, 1048576], durationMs: 2 });
    const row = part.reference.find((x) => x.what.startsWith("VM/native throughput, large"));
    expect(part.tables[0].rows.map((x) => x.vmToNativeThroughput)).toEqual([1, null]);
    expect(row?.ours).toBe(1);
    expect(row?.note).toMatch(/^1 of 2 cells completed no IOs \(durationMs too short\?\): the minimum is over the others; /);
    const whole = await run({ ...grid, randomPercents: [0], ioSizesBytes: [65536, 1048576] });
    expect(whole.reference.find((x) => x.what.startsWith("VM/native throughput, large"))?.note).toMatch(/^the per-IO/);
  });

  it("the notes describe the storage the run used: the local disk's write cache, the array's disks and cache, the warmed cache only for an array", async () => {
    const tiny = { randomPercents: [0], readPercents: [100], ioSizesBytes: [4096], outstandingIos: [1], warmupMs: 1, durationMs: 1 };
    const storageNotes = async (cfg: Record<string, unknown>) =>
      ((await run({ ...tiny, ...cfg })).notes ?? []).filter((n) => n.startsWith("Disks are") || n.startsWith("arrayCacheWarm"));
    expect(await storageNotes({ storage: ["local"], localDiskWriteCache: true })).toEqual([
      "Disks are Seagate Cheetah 15K.5 models (a later drive than the 2003 study's): the local disk is one, its write cache on (WCE).",
    ]);
    expect(await storageNotes({ storage: ["array"], arrayDisks: 5, arrayCacheMiB: 0, arrayCacheWarm: false })).toEqual([
      "Disks are Seagate Cheetah 15K.5 models (a later drive than the 2003 study's): the array is RAID-5 over 5 of them without a cache (arrayCacheMiB=0).",
    ]);
    const both = await storageNotes({ storage: ["local", "array"], arrayCacheMiB: 512 });
    expect(both[0]).toBe(
      "Disks are Seagate Cheetah 15K.5 models (a later drive than the 2003 study's): the local disk is one, its write cache off; the array is RAID-5 over 8 of them with a 512 MiB battery-backed write-back cache.",
    );
    expect(both[1]).toMatch(/^arrayCacheWarm puts the Iometer test file in the array cache/);
  });

  it("the largest-gap row's note names the array's cache and the write-through local disk only when the run had them", async () => {
    const tiny = { randomPercents: [0], readPercents: [100], ioSizesBytes: [4096], outstandingIos: [1], warmupMs: 1, durationMs: 1 };
    const gapNote = async (cfg: Record<string, unknown>) =>
      (await run({ ...tiny, ...cfg })).reference?.find((r) => r.what === "where the VM/native gap is largest")?.note;
    expect(await gapNote({ storage: ["local"], localDiskWriteCache: true })).toBe(
      "our gap is largest where the VM's CPU saturates: small IOs the device serves fast at enough outstanding IOs",
    );
    expect(await gapNote({ storage: ["array"], arrayCacheMiB: 0, arrayCacheWarm: false })).toBe(
      "our gap is largest where the VM's CPU saturates: small IOs the device serves fast at enough outstanding IOs",
    );
    const both = await gapNote({ storage: ["local", "array"] });
    expect(both).toContain("small IOs the device serves fast (the array's cache) at enough outstanding IOs; ");
    expect(both).toContain("small sequential writes on the write-through local disk lose revolutions natively too");
  });

  it("a cell whose VM run completed no IOs has no ratio, as one whose native run completed none: not a grid minimum of 0", async () => {
    const r = await run(VM_NO_IOS_AT_32_OIO);
    const [one, many] = r.tables[0].rows as Row[];
    expect(many.nativeIops as number).toBeGreaterThan(0);
    expect(many.vmIops).toBe(0);
    // The window saw no VM completion, so it measured no VM throughput: not a VM/native ratio of 0.
    expect(many.vmToNativeThroughput).toBeNull();
    const measured = one.vmToNativeThroughput as number;
    expect(measured).toBeGreaterThan(0);
    expect(r.metrics.minVmToNativeThroughput).toBe(measured);
    expect(r.metrics.medianVmToNativeThroughput).toBe(measured);
    const ours = Object.fromEntries(r.reference.map((x) => [x.what.split(" — ")[0], x.ours]));
    expect(ours["where the VM/native gap is largest"]).toMatch(/^array, 4096 B random read, 1 OIO: 0\.03;/);
    expect(ours["VM/native throughput, <= 4 KiB random IO at the highest OIO"]).toBe(
      "no IOs completed in these cells (durationMs too short?)",
    );
  });

  it("the grid's largest-gap and median rows say so when they are over only some of the cells", async () => {
    // At 32 OIO the VM run completes no IO, so both rows are over the 1 OIO cell alone (the "median over all cells"
    // was that cell's ratio with no word of the other).
    const r = await run(VM_NO_IOS_AT_32_OIO);
    const note = Object.fromEntries(r.reference.map((x) => [x.what.split(" — ")[0], x.note]));
    expect(note["where the VM/native gap is largest"]).toMatch(
      /^1 of 2 cells completed no IOs \(durationMs too short\?\): the minimum is over the others; our gap/,
    );
    expect(note["VM/native throughput"]).toBe("1 of 2 cells completed no IOs (durationMs too short?): the median is over the others");
    // Every cell measured: neither row has the note.
    const whole = await run({
      storage: ["array"],
      readPercents: [100],
      randomPercents: [100],
      ioSizesBytes: [4096],
      outstandingIos: [1, 32],
    });
    const wholeNote = Object.fromEntries(whole.reference.map((x) => [x.what.split(" — ")[0], x.note]));
    expect(wholeNote["where the VM/native gap is largest"]).toMatch(/^our gap/);
    expect(wholeNote["VM/native throughput"]).toBeUndefined();
  });

  it("the largest-gap row claims nothing about <= 4 KiB random cells at the top OIO where none was measured", async () => {
    const gap = async (cfg: Record<string, unknown>) =>
      (await run({ storage: ["local"], readPercents: [100], ioSizesBytes: [4096], outstandingIos: [1, 4], ...cfg })).reference.find(
        (x) => x.what === "where the VM/native gap is largest",
      )?.ours;
    // A sequential-only grid has no such cells; "does not reach this minimum" said one had been measured above it.
    expect(await gap({ randomPercents: [0] })).toMatch(/; <= 4 KiB random at 4 OIO: no such cells in this grid$/);
    expect(await gap({ randomPercents: [0, 100] })).toMatch(/; <= 4 KiB random at 4 OIO (reaches|does not reach) this minimum$/);
  });

  it("each row's columns measure what they name, native and VM apart: MB/s = IOPS × size, Little's law latency, CPU utilization = CPU per IO × IOPS", async () => {
    // Random 4 KiB reads from the warm array cache at 32 OIO: the VM's CPU saturates, so its throughput columns differ from
    // native's; on the local disk both keep up with the disk, and the CPU is busy 3 times longer for the VM's IOs.
    const r = await run({
      storage: ["array", "local"],
      randomPercents: [100, 50],
      readPercents: [100, 70],
      ioSizesBytes: [4096],
      outstandingIos: [32],
    });
    const rows = r.tables[0].rows as Row[];
    // Iometer's access specification: % random, then % read (a mixed value is the share of reads, not of writes).
    expect(rows.map((x) => x.pattern)).toEqual(
      Array(2).fill(["random read", "random 70% read", "50% random read", "50% random 70% read"]).flat(),
    );
    for (const x of rows) {
      if (x.storage === "array") expect(x.vmIops as number).toBeLessThan(0.8 * (x.nativeIops as number));
      else expect(x.vmCpuUtil as number).toBeGreaterThan(2 * (x.nativeCpuUtil as number));
      for (const m of ["native", "vm"]) {
        const iops = x[`${m}Iops`] as number;
        expect(x[`${m}MBps`] as number, m).toBeCloseTo((iops * 4096) / 1e6, 2); // MB: 10^6 bytes, as Iometer
        // A closed loop keeps 32 IOs outstanding: mean latency = OIO / IOPS (µs), over the thousands of IOs of a cached cell
        // (the local disk's 200 ms see too few for the IOs in flight at the window's ends not to count).
        if (x.storage === "array") expect((x[`${m}LatencyUs`] as number) / ((32 / iops) * 1e6), m).toBeCloseTo(1, 1);
        // One host core: the CPU time run per second is CPU per IO × IOPS.
        expect(x[`${m}CpuUtil`] as number, m).toBeCloseTo(((x[`${m}CpuUsPerIo`] as number) * iops) / 1e6, 3);
      }
    }
    // The CPU cost row: VM ÷ native CPU per IO, averaged over the cells (the VM pays the virtualization costs on top).
    const cpu = r.reference.find((x) => x.what.startsWith("CPU cost per IO, VM ÷ native"))?.ours as number;
    const mean = rows.reduce((s, x) => s + (x.vmCpuUsPerIo as number) / (x.nativeCpuUsPerIo as number), 0) / rows.length;
    expect(cpu).toBeGreaterThan(1);
    expect(cpu).toBeCloseTo(mean, 4);
    expect(r.metrics.meanVmToNativeCpuPerIo).toBe(cpu);
  });

  it("rows come in the grid's order (storage, % random, % read, IO size, OIO, as listed), and progress counts every cell to the last", async () => {
    const calls: [number, number][] = [];
    const config = esxDiskPerf.config.parse({
      ...esxDiskPerf.quick,
      storage: ["local"],
      randomPercents: [100],
      readPercents: [100],
      ioSizesBytes: [8192, 4096],
      outstandingIos: [4, 1],
      durationMs: 20,
    });
    const r = await esxDiskPerf.run({ config, seed: 1, quick: true, rng: new RngStreams(1), progress: (d, t) => calls.push([d, t]) });
    expect((r.tables[0].rows as Row[]).map((x) => [x.ioSizeBytes, x.outstandingIos])).toEqual([
      [8192, 4],
      [8192, 1],
      [4096, 4],
      [4096, 1],
    ]);
    expect(calls).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
  });

  it("the <= 4 KiB random row's minimum says so when it is over only some of its cells", async () => {
    // 0.15 ms: the array's cache serves some reads, native and VM; the local disk's random reads take longer.
    const r = await run({
      storage: ["local", "array"],
      readPercents: [100],
      randomPercents: [100],
      ioSizesBytes: [4096],
      outstandingIos: [32],
      durationMs: 0.15,
    });
    const rows = r.tables[0].rows as Row[];
    expect(rows.map((x) => x.vmToNativeThroughput === null)).toEqual([true, false]);
    const row = r.reference.find((x) => x.what.startsWith("VM/native throughput, <= 4 KiB random"));
    expect(row?.ours).toBe(rows[1].vmToNativeThroughput);
    // ... and that the array cell's minimum rests on a handful of IOs (0.15 ms: 8 native, 3 in the VM).
    expect(row?.note).toBe(
      "1 of 2 cells completed no IOs (durationMs too short?): the minimum is over the others; the minimum's cell completed 8 IOs native and 3 in the VM in its window: its ratio is uncertain by up to about ±67% (durationMs too short?)",
    );
    // The CPU cost row is over the cells where both runs completed IOs.
    const cpu = r.reference.find((x) => x.what.startsWith("CPU cost per IO, VM ÷ native"))?.ours as number;
    expect(cpu).toBeCloseTo((rows[1].vmCpuUsPerIo as number) / (rows[1].nativeCpuUsPerIo as number), 4);
  });

  it("the figures draw the grid's columns: native and VM side by side, throughput at the grid's highest OIO, latency at its smallest IO size", async () => {
    const r = await run({ storage: ["local"], readPercents: [100], ioSizesBytes: [4096, 8192], outstandingIos: [1, 4], durationMs: 20 });
    const table = r.tables[0];
    type Transform = {
      fold?: string[];
      as?: string[] | string;
      joinaggregate?: { op: "max" | "min"; field: string; as: string }[];
      filter?: string;
      calculate?: string;
    };
    type Encoding = Record<string, { field: string }>;
    // A chart is one view (`encoding`) or a facet of layered views (`facet`, then each layer's `encoding`).
    type Spec = { transform?: Transform[]; encoding?: Encoding; facet?: Encoding; spec?: { layer: { encoding: Encoding }[] } };
    // Vega's expression functions the specs use, for evaluating their expressions as JavaScript.
    const indexof = (text: string, part: string) => text.indexOf(part);
    const drawn: Record<string, Record<string, unknown>[]> = {};
    for (const f of r.figures) {
      const spec = f.spec as Spec;
      let data = table.rows.map((x) => ({ ...x }) as Record<string, unknown>);
      for (const t of spec.transform ?? []) {
        if (t.joinaggregate)
          for (const a of t.joinaggregate) {
            const v = Math[a.op](...data.map((x) => x[a.field] as number));
            data = data.map((x) => ({ ...x, [a.as]: v }));
          }
        if (t.filter) data = data.filter(new Function("datum", `return ${t.filter};`) as (x: unknown) => boolean);
        if (t.calculate) {
          const f = new Function("datum", "indexof", `return ${t.calculate};`) as (x: unknown, i: typeof indexof) => unknown;
          data = data.map((x) => ({ ...x, [t.as as string]: f(x, indexof) }));
        }
        if (t.fold) {
          // Each chart that folds compares the native run with the VM's.
          expect(
            t.fold.map((c) => c.replace(/^(native|vm)/, "")),
            f.name,
          ).toEqual(Array(2).fill(t.fold[0].replace(/^native/, "")));
          expect(t.fold[0].startsWith("native") && t.fold[1].startsWith("vm"), f.name).toBe(true);
          const [key, value] = t.as as string[];
          data = data.flatMap((x) => (t.fold as string[]).map((c) => ({ ...x, [key]: c, [value]: x[c] })));
        }
      }
      const encodings = spec.encoding ? [spec.encoding] : [spec.facet as Encoding, ...(spec.spec?.layer ?? []).map((l) => l.encoding)];
      for (const encoding of encodings)
        for (const [channel, enc] of Object.entries(encoding))
          for (const x of data) expect(x[enc.field], `${f.name} ${channel}: ${enc.field}`).not.toBeUndefined();
      // The folded runs are named as the legend names them.
      if (spec.transform?.some((t) => t.fold)) expect(new Set(data.map((x) => x.run)), f.name).toEqual(new Set(["native", "VM"]));
      drawn[f.name] = data;
    }
    expect(new Set(drawn.throughput.map((x) => x.outstandingIos))).toEqual(new Set([4]));
    expect(new Set(drawn["latency-vs-oio"].map((x) => x.ioSizeBytes))).toEqual(new Set([4096]));
    expect(drawn["vm-native-ratio"]).toHaveLength(table.rows.length);
  });

  it("an array-cache rule and the test-file size apply to the storage the grid has", async () => {
    // arrayCacheWarm needs an array cache only when the grid has the array; without one, the array's keys are refused
    // as unused (`unused-keys.test.ts`), not for the warm cache.
    const local = await run({ storage: ["local"], ioSizesBytes: [4096], outstandingIos: [1], durationMs: 20 });
    expect(local.tables[0].rows.length).toBeGreaterThan(0);
    const noCache = esxDiskPerf.config.parse({ ...esxDiskPerf.quick, storage: ["local"], arrayCacheMiB: 0 });
    expect(() => esxDiskPerf.check?.({ config: noCache, seed: 1, quick: true })).toThrow(/: arrayCacheMiB: is for the array/);
    const withArray = esxDiskPerf.config.parse({ ...esxDiskPerf.quick, storage: ["local", "array"], arrayCacheMiB: 0 });
    expect(() => esxDiskPerf.check?.({ config: withArray, seed: 1, quick: true })).toThrow(
      /: arrayCacheWarm: a warm cache needs an array cache/,
    );
    // A test file larger than the local disk, listed after the larger array: refused for the local disk.
    const config = esxDiskPerf.config.parse({ ...esxDiskPerf.quick, storage: ["array", "local"], testFileMiB: 286_103 });
    expect(() => esxDiskPerf.check?.({ config, seed: 1, quick: true })).toThrow(
      /testFileMiB: must be at most the local disk's 286102 MiB, got 286103/,
    );
  });

  it("a grid without large sequential cells omits that metric instead of reporting NaN", async () => {
    const r = await run({ storage: ["local"], ioSizesBytes: [4096], randomPercents: [100], readPercents: [100], outstandingIos: [1] });
    expect(r.metrics.minVmToNativeLargeSequential).toBeUndefined();
    for (const v of Object.values(r.metrics)) expect(Number.isFinite(v)).toBe(true);
  });

  it("rejects bad config with clear errors", async () => {
    expect(esxDiskPerf.config.safeParse({ ioSizesBytes: [1000] }).success).toBe(false);
    expect(esxDiskPerf.config.safeParse({ outstandingIos: [] }).success).toBe(false);
    // A repeated grid value would run its cells twice and count them twice in the median and means.
    for (const dup of [{ outstandingIos: [1, 1] }, { ioSizesBytes: [4096, 8192, 4096] }, { storage: ["local", "local"] }])
      expect(esxDiskPerf.config.safeParse(dup).success, JSON.stringify(dup)).toBe(false);
    // durationMs=600000 was in range, and on the default 400-cell grid a run of days (~0.25 s of wall time per virtual
    // second of a cell, twice: native and VM); the grid's virtual time is bounded as a whole, naming the value and the room left.
    expect(esxDiskPerf.config.safeParse({ durationMs: 600_000 }).error?.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      "durationMs: the grid's 400 cells × (warmupMs=300 + durationMs=600000) = 240120000 ms of virtual time per mode, over the run's 3600000; at most 8700 with 400 cells",
    ]);
    const oneCell = { storage: ["array"], ioSizesBytes: [4096], readPercents: [100], randomPercents: [0], outstandingIos: [1] };
    expect(esxDiskPerf.config.safeParse({ ...oneCell, warmupMs: 600_000, durationMs: 600_000 }).success).toBe(true);
    expect(esxDiskPerf.config.safeParse({ durationMs: 8700 }).success).toBe(true);
    try {
      await run({ arrayCacheMiB: 0, arrayCacheWarm: true });
      expect.unreachable();
    } catch (e) {
      expect(isVmlabError(e) && e.code).toBe("VMLAB_SCENARIO_BAD_CONFIG");
      expect((e as Error).message).toMatch(
        /^invalid config for esx-disk-perf: arrayCacheWarm: .*arrayCacheMiB is 0 \(set arrayCacheMiB > 0 .*\), got true/,
      );
    }
    // An array without a cache is a valid testbed when nothing asks to warm the cache (the error's own advice).
    const uncached = await run({
      arrayCacheMiB: 0,
      arrayCacheWarm: false,
      storage: ["array"],
      ioSizesBytes: [4096],
      outstandingIos: [1],
      durationMs: 20,
    });
    expect(uncached.tables[0].rows.length).toBeGreaterThan(0);
    // A test file larger than the storage is refused, not silently cut to the disk while results.json records the size asked for.
    const local = Math.floor(585_937_500 / 2048); // Cheetah 15K.5: 585,937,500 sectors = 286,102 MiB
    for (const [overrides, message] of [
      [{ storage: ["local"], testFileMiB: local + 1 }, `testFileMiB: must be at most the local disk's ${local} MiB, got ${local + 1}`],
      [{ storage: ["array"], arrayDisks: 3, testFileMiB: 2 * local + 1 }, `testFileMiB: must be at most the array LUN's `],
    ] as const) {
      try {
        await run(overrides);
        expect.unreachable();
      } catch (e) {
        expect(isVmlabError(e) && e.code).toBe("VMLAB_SCENARIO_BAD_CONFIG");
        expect((e as Error).message).toContain(message);
      }
    }
    const whole = await run({ storage: ["local"], testFileMiB: local, ioSizesBytes: [4096], outstandingIos: [1], readPercents: [100] });
    expect(whole.tables[0].rows).toHaveLength(2);
    try {
      new IometerWorkload({ ioSizeBytes: -4096, readPercent: 50, randomPercent: 0, outstandingIos: 1 });
      expect.unreachable();
    } catch (e) {
      expect(isVmlabError(e) && e.code).toBe("VMLAB_STORAGE_BAD_CONFIG");
      expect((e as Error).message).toMatch(/ioSizeBytes/);
    }
  });

  it("refuses an array cache too large to model in memory in the config, not with an internal error mid-run", () => {
    // The cache directory grows to a typed array per slot (8 KiB pages): 10,000,000 MiB was a RangeError from one.
    const r = esxDiskPerf.config.safeParse({ arrayCacheMiB: 10_000_000 });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/arrayCacheMiB/);
    expect(esxDiskPerf.config.safeParse({ arrayCacheMiB: 65_536 }).success).toBe(true);
  });

  it("refuses CPU costs and run times the simulation cannot schedule in the config, naming the key", () => {
    // virtIssueUs=1e20 failed mid-run with the kernel's "event delay ... got 1e+23", naming no key; warmupMs=1e15
    // simulated for hours before the same error (the kernel keeps events within 2^53 ns, about 104 days).
    for (const [key, value] of [
      ["nativeIssueUs", 1e20],
      ["nativeInterruptUs", 1e20],
      ["virtIssueUs", 1e20],
      ["virtInterruptUs", 1e20],
      ["warmupMs", 1e15],
      ["durationMs", 1e15],
    ] as const) {
      const r = esxDiskPerf.config.safeParse({ [key]: value });
      expect(r.success, key).toBe(false);
      expect(r.error?.issues.map((i) => i.path.join("."))).toEqual([key]);
    }
    // The largest allowed values still parse (on a one-cell grid: the grid's virtual time is bounded as a whole).
    expect(
      esxDiskPerf.config.safeParse({
        storage: ["local"],
        ioSizesBytes: [4096],
        readPercents: [100],
        randomPercents: [0],
        outstandingIos: [1],
        nativeIssueUs: 100_000,
        nativeInterruptUs: 100_000,
        virtIssueUs: 100_000,
        virtInterruptUs: 100_000,
        warmupMs: 600_000,
        durationMs: 600_000,
      }).success,
    ).toBe(true);
  });

  it("every config field is described (for vmlab describe)", () => {
    for (const [key, field] of Object.entries(esxDiskPerf.config.shape))
      expect((field as { description?: string }).description, key).toBeTruthy();
  });
});
