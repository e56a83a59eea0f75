import { accessSync, constants, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { CoreErrors, type DeviceSpec, isVmlabError, type Machine, NS_PER_S, plural, wallNs, writeSnapshotFile } from "@vmlab/core-vm";
import { CliExit, type CliIo, EXIT_USAGE } from "./io.js";
import { withSignalsDeferred } from "./signals.js";

/** Runs a machine until it has retired `until` instructions, streaming its console (boot's `runStreaming`). */
export type RunTo = (
  m: Machine,
  until: number,
  write: (bytes: Uint8Array) => void,
) => { stop: "exit" | "budget" | "halt"; exitCode: number | null; instructions: number };

export interface SaveRequest {
  /** Retired instructions at which to snapshot (NaN: --snapshot-at missing). */
  at: number;
  save?: string;
  compress: boolean;
  stats: boolean;
  /** Wall-clock start of the command, for --stats. */
  t0: number;
  /** The machine's virtio devices, recorded so `vmlab resume` rebuilds them. */
  devices?: DeviceSpec[];
}

/**
 * Refuses a --save path the snapshot could not be written to — a directory, or a file in a directory that
 * does not exist or cannot be written — before the guest runs, with the error the write would give: the
 * write comes only after `--snapshot-at` instructions, and failing then would throw that run away.
 */
export function checkSavePath(file: string): void {
  const path = resolve(file);
  let isDir = /[\\/]$/.test(file);
  try {
    isDir ||= statSync(path).isDirectory();
  } catch {
    // No such file yet: the usual case.
  }
  if (isDir) throw CoreErrors.snapshotUnwritable(file, "EISDIR: it names a directory");
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error(), { code: "ENOTDIR" });
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    const code = String((e as { code?: string }).code);
    throw CoreErrors.snapshotUnwritable(file, code === "ENOENT" || code === "ENOTDIR" ? `${code}: no directory ${dir}` : code);
  }
}

/**
 * Notes on the temporary files saves of `file` that were killed mid-write (`kill -9`, a power loss) left beside it,
 * one line each: `FILE.tmp-<pid>` whose process is gone. The write removes its temporary file on any error, but a
 * killed process cannot, and nothing else would ever mention a file as large as the guest's memory.
 */
export function leftoverSaveNotes(file: string): string[] {
  const prefix = `${basename(file)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dirname(resolve(file)));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)) && !processAlive(Number(n.slice(prefix.length))))
    .sort()
    .map((n) => `${join(dirname(file), n)} is left from an interrupted save of ${file} (its process is gone); delete it`);
}

/** Whether a process `pid` exists (signal 0 checks without sending; EPERM: it exists, as another user's). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/**
 * Millions of instructions per wall second, to three significant digits (one decimal from 100 up): a
 * short run's rate (1,267 instructions in 70 ms) is 0.0181, not a misleading "0.0".
 */
export function formatMips(instructions: number, wallS: number): string {
  const mips = instructions / Math.max(wallS, 1e-9) / 1e6;
  return mips >= 100 || mips === 0 ? mips.toFixed(1) : mips.toPrecision(3);
}

/** Prints the --stats block (instructions, MIPS, virtual time, wall time) to stderr. */
export function printStats(io: CliIo, m: Machine, instructions: number, t0: number, extra = ""): void {
  const wallS = (wallNs() - t0) / NS_PER_S;
  io.stderr(
    `instructions retired: ${m.hart.retired}\nMIPS: ${formatMips(instructions, wallS)}\nvirtual time: ${(m.nowNs() / NS_PER_S).toFixed(6)} s\nwall time: ${wallS.toFixed(3)} s\n${extra}`,
  );
}

/**
 * `vmlab boot --snapshot-at N --save FILE`: runs exactly N instructions
 * (console streamed to stdout), writes the snapshot atomically and succeeds.
 * A guest that exits or halts earlier is saved in that state, with a note.
 */
export async function bootAndSave(
  m: Machine,
  req: SaveRequest,
  runTo: RunTo,
  write: (bytes: Uint8Array) => void,
  io: CliIo,
): Promise<void> {
  if (Number.isNaN(req.at) || req.save === undefined)
    throw new CliExit(EXIT_USAGE, "vmlab boot: --snapshot-at <n> and --save <file> go together; give both");
  checkSavePath(req.save);
  const run = runTo(m, req.at, write);
  if (run.stop !== "budget")
    io.stderr(
      `vmlab boot: the guest ${run.stop === "exit" ? `exited (code ${run.exitCode})` : "halted"} after ${plural(run.instructions, "instruction")}, before --snapshot-at ${req.at}; saving that state\n`,
    );
  const t = wallNs();
  const save = req.save;
  let bytes: number;
  try {
    // A Ctrl-C during the (synchronous) write would kill the process mid-file and leave its temporary file.
    bytes = await withSignalsDeferred(() =>
      writeSnapshotFile(save, { machine: m, devices: req.devices }, { compression: req.compress ? "deflate" : "raw" }),
    );
  } catch (e) {
    // A disk on a timing model (--disk-model) holds requests the snapshot has no form for.
    // An array model may also still be destaging its write-back cache after the guest's last write.
    if (isVmlabError(e) && (e.code === "VMLAB_VIRTIO_NOT_QUIESCENT" || e.code === "VMLAB_STORAGE_NOT_QUIESCENT"))
      throw new CliExit(EXIT_USAGE, busyDriveMessage(m.hart.retired, e.details));
    throw e;
  }
  for (const note of leftoverSaveNotes(save)) io.stderr(`vmlab: note: ${note}\n`);
  if (req.stats)
    printStats(
      io,
      m,
      m.hart.retired,
      req.t0,
      `snapshot: ${req.save}, ${bytes} bytes, written in ${((wallNs() - t) / 1e6).toFixed(1)} ms\n`,
    );
}

/**
 * Why a --disk-model drive cannot be snapshotted now, from its refusal's details: requests (or an array's
 * destage writes) inside it, or — a drive with its write cache on — written data not yet on the media.
 */
export function busyDriveMessage(instruction: number, details: Readonly<Record<string, unknown>>): string {
  const dirty = details.dirtySectors;
  const inside =
    typeof dirty === "number" && dirty > 0
      ? `its write cache holds ${plural(dirty, "sector")} not yet on the media`
      : `${plural(Number(details.pending ?? details.inFlight), "request or destage write", "requests or destage writes")} inside`;
  return `vmlab boot: cannot snapshot at instruction ${instruction}: the --disk-model drive is busy (${inside}), and a drive model is saved only when idle; pick an --snapshot-at where the guest's disk is idle (e.g. before its first request), and restore the disk image first: it holds the guest's writes up to here`;
}
