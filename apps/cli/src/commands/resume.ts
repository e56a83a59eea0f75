import { deviceSubjectFactory, isVmlabError, plural, readSnapshotFile, type SnapshotSubject, wallNs } from "@vmlab/core-vm";
import type { Command } from "commander";
import { CliExit, type CliIo, EXIT_USAGE } from "../io.js";
import { allDiskModels } from "../plugins.js";
import { printStats } from "../snapshot-cli.js";
import { wholeNumber } from "../whole-number.js";
import { EXIT_BUDGET, endConsoleLine, runStreaming } from "./boot.js";

/** Default budget after the resume point, as `vmlab boot`'s. */
const DEFAULT_MAX_INSNS = 10_000_000_000;

export interface ResumeOpts {
  maxInsns: string;
  stats?: boolean;
}

/** --max-insns as a number (0 = no limit); refuses anything but a whole number, before the snapshot is read. */
export function parseResumeMaxInsns(opts: ResumeOpts): number {
  const n = wholeNumber(opts.maxInsns);
  if (Number.isNaN(n))
    throw new CliExit(EXIT_USAGE, `vmlab resume: --max-insns ${opts.maxInsns} is invalid: expected a whole number (0 = no limit)`);
  return n;
}

/**
 * `vmlab resume <file>`: restores a snapshot written by
 * `vmlab boot --snapshot-at N --save FILE` and runs the guest to its end.
 * The console printed after the snapshot point goes to stdout (so boot's
 * output followed by resume's equals one uninterrupted boot); the exit code
 * is the test finisher's. A damaged or incompatible snapshot is refused with
 * a specific error (exit 2) before anything runs.
 */
export function register(program: Command, io: CliIo): void {
  program
    .command("resume")
    .description("restore a snapshot from `vmlab boot --save` and run the guest to its end; console to stdout, exit code from the finisher")
    .argument("<file>", "snapshot file")
    .option("--max-insns <n>", "stop after this many more instructions (exit 124); 0 = no limit", String(DEFAULT_MAX_INSNS))
    .option("--stats", "print instructions retired (since boot), MIPS and virtual time to stderr")
    .action(async (file: string, opts: ResumeOpts) => {
      const n = parseResumeMaxInsns(opts);
      const t0 = wallNs();
      const { machine: m } = await readWithDiskModels(file);
      const start = m.hart.retired;
      const write = (bytes: Uint8Array) => {
        if (io.stdoutBytes) io.stdoutBytes(bytes);
        else io.stdout(Buffer.from(bytes).toString("latin1"));
      };
      const result = runStreaming(m, n === 0 ? Number.POSITIVE_INFINITY : start + n, write);
      if (result.stop !== "exit" || opts.stats) endConsoleLine(result, io);
      if (opts.stats) printStats(io, m, m.hart.retired - start, t0);
      if (result.stop === "budget")
        throw new CliExit(
          EXIT_BUDGET,
          `vmlab resume: the guest did not exit within ${plural(n, "more instruction")}; raise --max-insns (0 = no limit)`,
        );
      if (result.stop === "halt")
        throw new CliExit(
          EXIT_BUDGET,
          `vmlab resume: the guest halted after ${plural(result.instructions, "instruction")} and can never continue`,
        );
      const code = result.exitCode ?? 0;
      if (code !== 0) throw new CliExit(code, "");
    });
}

/**
 * Reads the snapshot; disks that ran on a timing model (boot --disk-model) are rebuilt on the same
 * model. The plugins that offer models load only for a snapshot that names one (the refusal comes
 * from the device specs, before any memory is read), so a plain resume does not pay for them.
 */
async function readWithDiskModels(file: string): Promise<SnapshotSubject> {
  try {
    try {
      return readSnapshotFile(file);
    } catch (e) {
      if (!(isVmlabError(e) && e.code === "VMLAB_BLOCK_UNKNOWN_MODEL")) throw e;
      return readSnapshotFile(file, deviceSubjectFactory(await allDiskModels()));
    }
  } catch (e) {
    // The snapshot holds no disk contents; the core's advice ("create it with create: true") is for API callers,
    // and an empty image made in its place would not be the disk the guest was using.
    if (isVmlabError(e) && e.code === "VMLAB_BLOCK_FILE_NOT_FOUND")
      throw new CliExit(
        EXIT_USAGE,
        `vmlab resume: ${file} uses the disk image ${String(e.details.path)}, which does not exist; put back the image the snapshot was taken with (a snapshot does not hold the disk's contents)`,
      );
    throw e;
  }
}
