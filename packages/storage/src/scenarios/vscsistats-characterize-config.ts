import { z } from "zod";
import type { TraceAdvice } from "../errors.js";
import { TRACE_FORMATS } from "../trace/record.js";
import { DEFAULT_REORDER_WINDOW, MAX_REORDER_WINDOW } from "../trace/reorder.js";
import { MIN_OPEN_IOPS } from "../workload/iometer.js";
import { DEFAULT_ARRAY_DISKS } from "./esx-disk-perf-config.js";
import { testFileLimitMiB } from "./esx-disk-perf-testbed.js";

/**
 * The trace readers' advice in this scenario's keys (`traceSkipBad`, `traceFormat`, set with `vmlab run --set`), not
 * `vmlab vscsistats`'s flags, which `vmlab run` refuses; no standard input (the run reads the trace twice).
 */
export const SCENARIO_TRACE_ADVICE: Readonly<TraceAdvice> = Object.freeze({
  skipBad: "set traceSkipBad=true",
  format: "traceFormat",
  giveFormat: (known: readonly string[]) => `set traceFormat to one of ${known.join(", ")}`,
  // Not "with traceFormat=blkparse": with traceFormat=auto the format was detected, not set.
  readAs: (format: string) => `in ${format}'s format`,
  stdin: null,
});

/** testFileMiB's bound, stated in the help as `check` refuses past it: the VM's disk, from the models. */
const limit = (storage: "local" | "array") => testFileLimitMiB({ storage, arrayDisks: DEFAULT_ARRAY_DISKS, workers: 1 });

/**
 * The workloads characterized (Ahmad, IISWC 2007 shows vscsiStats on
 * Filebench, DBT-2 and a file copy; those histograms are not public, so the
 * checks use the digest's self-consistency tests instead — see
 * docs/vscsistats.md).
 */
export const VscsiCharacterizeConfig = z.object({
  storage: z
    .enum(["local", "array"])
    .default("local")
    .describe("storage behind the VM's virtual disk: a local Cheetah 15K.5 or an 8-disk RAID-5 array"),
  durationMs: z.number().positive().max(600_000).default(4000).describe("virtual run time of each Iometer workload, ms"),
  sequentialIoKiB: z.number().int().min(1).max(1024).default(64).describe("sequential-read workload: IO size, KiB"),
  sequentialOutstandingIos: z.number().int().min(1).max(256).default(1).describe("sequential-read workload: outstanding IOs"),
  randomIoKiB: z.number().int().min(1).max(1024).default(8).describe("random-read workload: IO size, KiB"),
  randomOutstandingIos: z.number().int().min(1).max(256).default(16).describe("random-read workload: outstanding IOs (Little's law check)"),
  // At least the open loop's floor, 0.001 (a mean gap of 1,000 s, longer than the longest durationMs): the longest
  // exponential gap, ~37 × the mean, then stays inside the kernel's 2^53 ns; poissonIops=1e-300 passed --dry-run and
  // failed in the kernel, naming no key.
  poissonIops: z
    .number()
    .min(MIN_OPEN_IOPS)
    .max(10_000)
    .default(100)
    .describe("open-loop workload: Poisson arrival rate λ, IOs per second"),
  poissonIoKiB: z.number().int().min(1).max(1024).default(4).describe("open-loop workload: IO size, KiB (random reads)"),
  testFileMiB: z
    .number()
    .int()
    .min(1)
    .default(1024)
    .describe(
      `Iometer test region, MiB (at most the VM's disk: ${limit("local")} MiB for storage=local, ${limit("array")} MiB for storage=array)`,
    ),
  // A path, not a stream: the run reads the file twice (characterization, replay: each hashes it to its end), constant memory each.
  traceFile: z
    .string()
    .default("")
    .describe(
      "your trace file to characterize and replay (MSR Cambridge CSV, .vscsi, blkparse text, fio iolog v2/v3; a regular file, not compressed); empty = the shipped generated trace",
    ),
  traceFormat: z
    .enum(["auto", ...TRACE_FORMATS])
    .default("auto")
    .describe("traceFile's format; auto = detected from its first bytes, then its name, as `vmlab vscsistats` does"),
  traceSkipBad: z
    .boolean()
    .default(false)
    .describe(
      "count and skip traceFile's malformed lines (records) instead of stopping the run at the first, as `vmlab vscsistats --skip-bad`",
    ),
  // `vmlab vscsistats --reorder-window`'s default, bounds and meaning (the same constants), for both trace workloads.
  traceReorderWindow: z
    .number()
    .int()
    .min(0)
    .max(MAX_REORDER_WINDOW)
    .default(DEFAULT_REORDER_WINDOW)
    .describe(
      `records held back to read and replay the trace in issue order (traces are often a little out of timestamp order), as \`vmlab vscsistats --reorder-window\`; 0 = the file's order, at most ${MAX_REORDER_WINDOW}; an IO out of order by more is characterized and replayed where it comes, and counted`,
    ),
  traceReplay: z
    .enum(["timed", "closed"])
    .default("timed")
    .describe("the trace through the model: as recorded (timed) or closed loop at traceDepth"),
  // At least 0.001: the shipped trace's ~6 minutes then last at most ~4 days of virtual time, inside the kernel's
  // 2^53 ns; traceSpeed=0.00001 ran the Iometer workloads and then failed in the kernel, naming no key. A user's trace
  // can be longer than any floor allows for: its timed replay is cut where it would leave the clock (MAX_REPLAY_NS).
  traceSpeed: z
    .number()
    .min(0.001)
    .max(1e6)
    .default(1)
    .describe(
      "timed replay: speed-up factor over the recorded times (at least 0.001: a slower replay outruns the kernel's clock; a longer trace is cut at ~52 days of virtual time, and says so)",
    ),
  traceDepth: z.number().int().min(1).max(256).default(8).describe("closed-loop replay: IOs kept outstanding"),
  traceMaxIos: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe("only the first N IOs of the trace, both read from the file and replayed (0 = all; the shipped trace has 50,000)"),
  guestQueueDepth: z.number().int().min(1).max(4096).default(32).describe("guest virtual SCSI adapter queue depth"),
});
export type VscsiCharacterizeConfig = z.output<typeof VscsiCharacterizeConfig>;

export const VSCSI_CHARACTERIZE_QUICK: Partial<z.input<typeof VscsiCharacterizeConfig>> = {
  durationMs: 1500,
  traceMaxIos: 3000,
};
