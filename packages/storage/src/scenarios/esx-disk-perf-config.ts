import { eachOnce } from "@vmlab/core-vm";
import { z } from "zod";
import { arrayMiBPerDataDisk, type CpuCosts, testFileLimitMiB } from "./esx-disk-perf-testbed.js";

/**
 * CPU time per IO on the IO path (assumptions — Ahmad et al. 2003 give no
 * per-IO CPU numbers in any public source): a 2003-era ~2 GHz Xeon, native
 * OS + driver + Iometer ≈ 12 µs per IO issued and 6 µs per completion
 * interrupt; ESX 2.x adds ≈ 22 µs per IO (trap on the guest's access to the
 * virtual SCSI adapter, vSCSI emulation, VMkernel storage stack) and ≈ 12 µs
 * per completion (VMkernel interrupt, virtual interrupt delivery, exits in
 * the guest ISR).
 */
export const DEFAULT_CPU_COSTS: CpuCosts = {
  nativeIssueNs: 12_000,
  nativeInterruptNs: 6_000,
  virtIssueNs: 22_000,
  virtInterruptNs: 12_000,
};

/**
 * The most CPU time per IO or per completion a config may set, µs (100 ms): far above any real IO path, and low
 * enough that the CPU's queue stays inside the kernel's 2^53 ns (virtIssueUs=1e20 failed mid-run with the kernel's
 * "event delay" error, naming no key).
 */
const MAX_CPU_US = 100_000;

/**
 * The most virtual time a run may simulate per mode (native, VM), ms: the grid's cells × (warmupMs + durationMs).
 * The costliest cells (array, small IOs at high OIO) take about 0.25 s of wall time per virtual second, so the
 * longest allowed run takes about half an hour; the default grid uses a fifth of it. durationMs=600000 alone was
 * in range, and on the default 400-cell grid a run of days.
 */
export const MAX_GRID_VIRTUAL_MS = 3_600_000;

/**
 * The most cells a grid may have. Each cell builds its testbed (disks, array, cache) twice, native and VM, whatever its
 * virtual time: an array cell costs about 40 ms of wall time before it simulates anything, so 10,000 cells take about
 * 7 minutes more than their virtual time. Bounded by virtual time alone, every list at its longest with durationMs and
 * warmupMs at 0.0001 was in range: 10^10 cells, a run of years.
 */
export const MAX_GRID_CELLS = 10_000;

/** The most virtual time of one cell's warm-up or measurement, ms. */
const MAX_CELL_MS = 600_000;

/** A grid axis: at least one value, each once (a repeated value would run its cells twice and weigh them twice in the summary). */
const list = <T extends z.ZodType>(item: T) => eachOnce(z.array(item).min(1));

/** The array's member disks by default (RAID-5 over Cheetah 15K.5: one disk's worth holds parity). */
export const DEFAULT_ARRAY_DISKS = 8;

/**
 * testFileMiB's bound, stated in the help as `check` refuses past it: the storage's capacity, from the models. The
 * array's per member disk, so a user can work it out for any arrayDisks (at the default alone, "more with more
 * disks" left it unknown); `arrayMiBPerDataDisk`'s test holds it to `testFileLimitMiB` for every arrayDisks.
 */
function testFileBound(): string {
  const at = (storage: "local" | "array") => testFileLimitMiB({ storage, arrayDisks: DEFAULT_ARRAY_DISKS, workers: 1 });
  return (
    `at most the storage's capacity: ${at("local")} MiB for storage=local; for storage=array (arrayDisks − 1) × ` +
    `${arrayMiBPerDataDisk()} MiB, rounded down (RAID-5: one disk's worth holds parity), e.g. ${at("array")} MiB for storage=array with arrayDisks=${DEFAULT_ARRAY_DISKS}`
  );
}

export const EsxDiskPerfConfig = z
  .object({
    storage: list(z.enum(["local", "array"]))
      .default(["local", "array"])
      .describe("storage systems: a local SCSI disk and/or an FC array"),
    ioSizesBytes: list(
      z
        .number()
        .int()
        .min(512)
        .max(1024 * 1024)
        .multipleOf(512),
    )
      .default([512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144])
      .describe("Iometer transfer sizes, bytes (the study spans 512 B – 256 KiB)"),
    readPercents: list(z.number().int().min(0).max(100)).default([100, 0]).describe("Iometer % read values (100 = reads, 0 = writes)"),
    randomPercents: list(z.number().int().min(0).max(100)).default([0, 100]).describe("Iometer % random values (0 = sequential)"),
    outstandingIos: list(z.number().int().min(1).max(256)).default([1, 4, 16, 32, 64]).describe("outstanding IOs per worker"),
    // Bounded (10 min, as vscsistats-characterize's durationMs): the kernel keeps events within 2^53 ns (about
    // 104 days), and warmupMs=1e15 simulated for hours before failing there with an error naming no key.
    warmupMs: z.number().positive().max(MAX_CELL_MS).default(300).describe("virtual ramp-up time per cell before measuring, ms"),
    durationMs: z
      .number()
      .positive()
      .max(MAX_CELL_MS)
      .default(1500)
      .describe(
        `virtual measured run time per cell, ms (the grid's cells × (warmupMs + durationMs) at most ${MAX_GRID_VIRTUAL_MS} ms; the grid at most ${MAX_GRID_CELLS} cells)`,
      ),
    testFileMiB: z.number().int().min(1).default(1024).describe(`Iometer test file size per worker, MiB (${testFileBound()})`),
    hostCores: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(1)
      .describe("host CPUs available to the IO path (1 = a uniprocessor VM / one Iometer worker)"),
    adapterQueueDepth: z.number().int().min(1).max(4096).default(32).describe("HBA per-LUN queue depth (host issue queue)"),
    guestQueueDepth: z.number().int().min(1).max(4096).default(32).describe("guest virtual SCSI adapter queue depth per disk (VM mode)"),
    localDiskWriteCache: z
      .boolean()
      .default(false)
      .describe(
        "local disk: its write cache on (WCE) — writes complete from the drive's buffer and reach the media later; off (default), as assumed for SCSI drives",
      ),
    arrayDisks: z.number().int().min(3).max(64).default(DEFAULT_ARRAY_DISKS).describe("array: RAID-5 member disks (Cheetah 15K.5)"),
    arrayCacheMiB: z
      .number()
      .int()
      .min(0)
      .max(65536)
      .default(2048)
      .describe("array: write-back cache, MiB (at most 64 GiB: a test file that fills it takes the model about 340 MB of cache directory)"),
    arrayCacheWarm: z
      .boolean()
      .default(true)
      .describe(
        "array: the test file starts in the array cache (as right after Iometer prepared it; only its last arrayCacheMiB if it is larger) — an assumption",
      ),
    nativeIssueUs: z
      .number()
      .min(0)
      .max(MAX_CPU_US)
      .default(DEFAULT_CPU_COSTS.nativeIssueNs / 1000)
      .describe("CPU µs per IO issued, native path"),
    nativeInterruptUs: z
      .number()
      .min(0)
      .max(MAX_CPU_US)
      .default(DEFAULT_CPU_COSTS.nativeInterruptNs / 1000)
      .describe("CPU µs per completion interrupt, native path"),
    virtIssueUs: z
      .number()
      .min(0)
      .max(MAX_CPU_US)
      .default(DEFAULT_CPU_COSTS.virtIssueNs / 1000)
      .describe("extra CPU µs per IO issued in a VM (vSCSI emulation, VMkernel)"),
    virtInterruptUs: z
      .number()
      .min(0)
      .max(MAX_CPU_US)
      .default(DEFAULT_CPU_COSTS.virtInterruptNs / 1000)
      .describe("extra CPU µs per completion in a VM (virtual interrupt delivery)"),
  })
  .superRefine((c, ctx) => {
    if (checkGridCells(c, ctx)) checkGridTime(c, ctx);
  });
export type EsxDiskPerfConfig = z.output<typeof EsxDiskPerfConfig>;

/** The grid's axes, in the order the help lists them. */
const GRID_AXES = ["storage", "ioSizesBytes", "readPercents", "randomPercents", "outstandingIos"] as const;

/**
 * The grid within MAX_GRID_CELLS, naming its longest list (the one to shorten first); true if it is. A grid over it
 * is refused for that alone: its virtual time per cell is then not the problem to report.
 */
export function checkGridCells(c: EsxDiskPerfConfig, ctx: z.RefinementCtx): boolean {
  const cells = GRID_AXES.reduce((n, axis) => n * c[axis].length, 1);
  if (cells <= MAX_GRID_CELLS) return true;
  const longest = GRID_AXES.reduce((a, b) => (c[b].length > c[a].length ? b : a));
  const sizes = GRID_AXES.map((axis) => `${axis} ${c[axis].length}`).join(" × ");
  ctx.addIssue({
    code: "custom",
    path: [longest],
    message: `the grid's ${sizes} = ${cells} cells, over the run's ${MAX_GRID_CELLS} (each cell builds its testbed twice, whatever its virtual time); shorten the lists, ${longest} first (${c[longest].length} values)`,
  });
  return false;
}

/** The grid's cells × (warmupMs + durationMs) within MAX_GRID_VIRTUAL_MS, naming the key to shorten and by how much. */
export function checkGridTime(c: EsxDiskPerfConfig, ctx: z.RefinementCtx): void {
  const cells = c.storage.length * c.ioSizesBytes.length * c.readPercents.length * c.randomPercents.length * c.outstandingIos.length;
  const total = cells * (c.warmupMs + c.durationMs);
  // A value over its own bound is refused by its field already: one line for one problem.
  if (total <= MAX_GRID_VIRTUAL_MS || !(c.warmupMs <= MAX_CELL_MS && c.durationMs <= MAX_CELL_MS)) return;
  const perCell = MAX_GRID_VIRTUAL_MS / cells;
  // The longer of the two is the one to shorten, and the most it may be is what the other leaves of the cell's time:
  // naming the other (an untouched default) or half the cell's time sent the user after the wrong key or value.
  const [key, other] = c.warmupMs > c.durationMs ? (["warmupMs", c.durationMs] as const) : (["durationMs", c.warmupMs] as const);
  const room = Math.floor((perCell - other) * 1000) / 1000;
  const head = `the grid's ${cells} cells × (warmupMs=${c.warmupMs} + durationMs=${c.durationMs}) = ${total} ms of virtual time per mode, over the run's ${MAX_GRID_VIRTUAL_MS}`;
  ctx.addIssue({
    code: "custom",
    path: [key],
    message:
      room > 0
        ? `${head}; at most ${room} with ${cells} cells`
        : `${head}; with ${cells} cells warmupMs + durationMs may be at most ${Math.floor(perCell * 1000) / 1000} together`,
  });
}

/** `--quick`: a small grid that still shows both ends of the curve. */
export const ESX_DISK_PERF_QUICK: Partial<z.input<typeof EsxDiskPerfConfig>> = {
  ioSizesBytes: [4096, 65536],
  outstandingIos: [1, 32],
  warmupMs: 50,
  durationMs: 200,
  testFileMiB: 256,
};
