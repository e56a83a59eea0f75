import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { attachDevices, type DeviceSpec, isVmlabError, Machine, NS_PER_S, plural, wallNs } from "@vmlab/core-vm";
import type { Command } from "commander";
import { CliExit, type CliIo, EXIT_USAGE } from "../io.js";
import { allDiskModels } from "../plugins.js";
import { bootAndSave, formatMips } from "../snapshot-cli.js";
import { wholeNumber } from "../whole-number.js";

/** Exit code when the guest neither exits nor can continue within the budget (as `timeout(1)`). */
export const EXIT_BUDGET = 124;
/** Default instruction budget: about a minute of guest time at ~150-400 MIPS. `--max-insns 0` lifts it. */
const DEFAULT_MAX_INSNS = 10_000_000_000;
/** Instructions between console flushes, so output streams like QEMU's (a few ms of guest time). */
const FLUSH_EVERY = 20_000_000;

interface BootRun {
  stop: "exit" | "budget" | "halt";
  exitCode: number | null;
  instructions: number;
  virtualTimeNs: number;
  /** The console's output so far ends inside a line (a guest stopped mid-print). */
  midLine: boolean;
}

/** LSR reads with nothing to receive, none printed between, that mean a guest is waiting for console input. */
const IDLE_POLLS = 1_000_000;

/**
 * Says once, on stderr, that the guest is polling the UART for input when no --input was given: it ran silently to
 * --max-insns (vicbench booted without its --input spun for 3 minutes), where QEMU would wait on the terminal.
 */
function noInputWatch(m: Machine, io: CliIo, maxInsns: number): () => void {
  let told = false;
  return () => {
    if (told || m.uart.idlePolls < IDLE_POLLS) return;
    told = true;
    endConsoleLine({ midLine: endsMidLine(m) }, io);
    const until = maxInsns === 0 ? "until it is stopped (--max-insns 0)" : `until --max-insns (${maxInsns} instructions)`;
    io.stderr(
      `vmlab boot: the guest is polling the UART for console input and none was given; pass it with --input FILE (or --input - for standard input). It runs on ${until}.\n`,
    );
  };
}

/** Whether the guest's console output so far ends inside a line (a guest stopped mid-print). */
function endsMidLine(m: Machine): boolean {
  const all = m.console();
  return all.length > 0 && all[all.length - 1] !== 0x0a;
}

/**
 * Ends the console's line on the terminal before anything goes to stderr: a guest stopped mid-print ran on into the
 * message ("Helvmlab boot: the guest did not exit…"). Nothing when stderr is not a terminal (a log file's own lines).
 */
export function endConsoleLine(run: Pick<BootRun, "midLine">, io: CliIo): void {
  if (run.midLine && io.stderrIsTTY) io.stderr("\n");
}

/**
 * Runs the machine like `bootElf`, but in slices so the guest's console
 * reaches stdout while it runs.
 */
export function runStreaming(m: Machine, maxInsns: number, write: (bytes: Uint8Array) => void, onSlice?: () => void): BootRun {
  let printed = 0;
  const flush = () => {
    const all = m.console();
    if (all.length > printed) {
      write(all.subarray(printed));
      printed = all.length;
    }
  };
  for (;;) {
    const left = maxInsns - m.hart.retired;
    const r = left <= 0 ? "budget" : m.run(Math.min(left, FLUSH_EVERY));
    flush();
    onSlice?.();
    if (r === "event") m.sim.run({ until: m.sim.now });
    else if (r !== "budget" || m.hart.retired >= maxInsns)
      return {
        stop: r,
        exitCode: m.exitCode,
        instructions: m.hart.retired,
        virtualTimeNs: m.nowNs(),
        midLine: endsMidLine(m),
      };
  }
}

export interface BootOpts {
  disk: string[];
  diskModel?: string;
  diskQueueDepth: string;
  rngSeed?: string;
  ram: string;
  maxInsns: string;
  input?: string;
  stats?: boolean;
  snapshotAt?: string;
  save?: string;
  compress?: boolean;
}

function parseCount(text: string, flag: string, min: number, max: number): number {
  const n = wholeNumber(text);
  if (!(n >= min && n <= max))
    throw new CliExit(EXIT_USAGE, `vmlab boot: ${flag} ${text} is invalid: expected a whole number from ${min} to ${max}`);
  return n;
}

function readInput(path: string, what: string): Uint8Array {
  try {
    // "-" is standard input (read to its end first, as the guest's UART input is injected up front).
    return new Uint8Array(readFileSync(path === "-" ? 0 : path));
  } catch (e) {
    const why = e instanceof Error && "code" in e ? String(e.code) : String(e);
    throw new CliExit(EXIT_USAGE, `vmlab boot: cannot read ${what} ${path} (${why})`);
  }
}

/**
 * Refuses an option that would have no effect as given, before anything is read or run: it would be
 * dropped without a word and the run would not be the one asked for. `given` says whether the user
 * typed an option (not its default).
 */
function refuseIneffectiveOptions(opts: BootOpts, given: (name: keyof BootOpts) => boolean): void {
  if (opts.compress === true && opts.save === undefined)
    throw new CliExit(EXIT_USAGE, "vmlab boot: --compress has no effect without --snapshot-at and --save: it deflates the snapshot file");
  if (given("maxInsns") && opts.snapshotAt !== undefined)
    throw new CliExit(
      EXIT_USAGE,
      "vmlab boot: --max-insns has no effect with --snapshot-at: the run stops at the snapshot; give --max-insns to `vmlab resume`",
    );
  if (given("diskQueueDepth") && opts.disk.length === 0)
    throw new CliExit(EXIT_USAGE, "vmlab boot: --disk-queue-depth has no effect without a --disk to serve");
}

/**
 * Every refusal of boot's options that needs nothing read or built, with the numbers parsed: an option
 * without effect as given, a bad count, --disk-model without a --disk. `given` says whether the user typed an
 * option (not its default).
 */
export function checkBootOptions(opts: BootOpts, given: (name: keyof BootOpts) => boolean) {
  refuseIneffectiveOptions(opts, given);
  const ramMiB = parseCount(opts.ram, "--ram", 1, 1792);
  const maxInsns = parseCount(opts.maxInsns, "--max-insns", 0, Number.MAX_SAFE_INTEGER);
  const queueDepth = parseCount(opts.diskQueueDepth, "--disk-queue-depth", 1, 256);
  if (opts.diskModel !== undefined && opts.disk.length === 0)
    throw new CliExit(EXIT_USAGE, "vmlab boot: --disk-model needs a --disk to put behind the model");
  const rngSeed = opts.rngSeed === undefined ? undefined : parseCount(opts.rngSeed, "--rng-seed", 0, 0xffffffff);
  const snapshotAt = opts.snapshotAt === undefined ? Number.NaN : parseCount(opts.snapshotAt, "--snapshot-at", 0, Number.MAX_SAFE_INTEGER);
  return { ramMiB, maxInsns, queueDepth, rngSeed, snapshotAt };
}

/** Whether two paths name one file (the same inode: `./d.img`, its absolute path or a link), else one resolved path. */
function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return resolve(a) === resolve(b);
  }
}

/**
 * Refuses a file given for two jobs: a `--save` naming a `--disk` image, the ELF or the `--input` file (the snapshot
 * replaced it without a word: a disk image the snapshot needs on resume became the snapshot), or one image given as
 * two disks (two devices writing one file; QEMU refuses it too).
 */
export function refuseFileUsedTwice(elf: string, opts: Pick<BootOpts, "disk" | "save" | "input">): void {
  opts.disk.forEach((disk, i) => {
    const first = opts.disk.findIndex((d) => sameFile(d, disk));
    if (first < i)
      throw new CliExit(
        EXIT_USAGE,
        `vmlab boot: --disk ${disk} is the file --disk ${opts.disk[first]} names: two devices would write one image; give each disk its own image`,
      );
  });
  const save = opts.save;
  if (save === undefined) return;
  const disk = opts.disk.find((d) => sameFile(d, save));
  if (disk !== undefined)
    throw new CliExit(
      EXIT_USAGE,
      `vmlab boot: --save ${save} is the --disk image ${disk}: the snapshot would replace the disk it needs on resume (a snapshot does not hold the disk's contents); save it to another file`,
    );
  for (const [what, path] of [
    ["the ELF file", elf],
    ["the --input file", opts.input],
  ] as const)
    if (path !== undefined && path !== "-" && sameFile(path, save))
      throw new CliExit(EXIT_USAGE, `vmlab boot: --save ${save} is ${what}: the snapshot would replace it; save it to another file`);
}

/**
 * `vmlab boot <elf>`: runs a bare-metal RV32 ELF like
 * `qemu-system-riscv32 -machine virt -nographic -bios none -kernel <elf>`.
 * The guest's console goes to stdout as raw bytes; the exit code is the test
 * finisher's; a guest that does not exit within `--max-insns` (or halts for
 * good) ends with a message and code 124.
 */
export function register(program: Command, io: CliIo): void {
  program
    .command("boot")
    .description("run a bare-metal RISC-V ELF on the virt machine; console to stdout, exit code from the test finisher")
    .argument("<elf>", "ELF32 RISC-V executable linked for RAM at 0x80000000")
    .option("--ram <MiB>", "RAM size in MiB", "128")
    .option(
      "--max-insns <n>",
      "stop after this many retired instructions (exit 124); 0 = no limit; not with --snapshot-at, which stops the run itself",
      String(DEFAULT_MAX_INSNS),
    )
    .option("--input <file>", "bytes the guest reads from the UART (- = standard input)")
    .option(
      "--disk <image>",
      "attach a raw disk image as virtio-blk (repeatable; like QEMU's -drive file=…,format=raw + virtio-blk-device)",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option(
      "--disk-model <name>",
      "time every --disk with a modeled drive instead of the file's own speed: cheetah-15k5 (15K RPM SAS HDD), cheetah-15k5-wce (the same with its write cache on; a flush waits for the media), raid1-cheetah-15k5-wce (software RAID-1 of two such drives; a flush goes to both), mlc-ssd or raid5-array (8-disk RAID-5 with a write-back cache); see docs/virtio.md",
    )
    .option("--disk-queue-depth <n>", "requests each virtio-blk disk serves at once", "32")
    .option("--rng-seed <n>", "attach virtio-rng with a seeded entropy stream (after the disks, as QEMU orders devices)")
    .option("--stats", "print instructions retired, MIPS and virtual time to stderr")
    .option("--snapshot-at <n>", "run exactly this many instructions, save a snapshot (--save) and exit 0")
    .option("--save <file>", "snapshot file to write at --snapshot-at (resume it with `vmlab resume`)")
    .option("--compress", "deflate the snapshot's memory image (smaller file, slower save); only with --save")
    .action(async (file: string, opts: BootOpts, cmd: Command) => {
      const { ramMiB, maxInsns, queueDepth, rngSeed, snapshotAt } = checkBootOptions(
        opts,
        (name) => cmd.getOptionValueSource(name) === "cli",
      );
      refuseFileUsedTwice(file, opts);
      const elf = readInput(file, "ELF file");
      const consoleInput = opts.input === undefined ? undefined : readInput(opts.input, "input file");
      const write = (bytes: Uint8Array) => {
        if (io.stdoutBytes) io.stdoutBytes(bytes);
        else io.stdout(Buffer.from(bytes).toString("latin1"));
      };
      const t0 = wallNs();
      const m = new Machine({ ramMiB });
      try {
        m.loadElf(elf);
      } catch (e) {
        if (isVmlabError(e) && /^VMLAB_(ELF|MACHINE)_/.test(e.code)) throw new CliExit(EXIT_USAGE, `vmlab boot: ${file}: ${e.message}`);
        throw e;
      }
      if (consoleInput) m.injectConsoleInput(consoleInput);
      const diskModels = opts.diskModel === undefined ? [] : await allDiskModels();
      // Named as the user gave it: through the device spec it was "devices[0].model", a field no option is called.
      if (opts.diskModel === "")
        throw new CliExit(
          EXIT_USAGE,
          `vmlab boot: --disk-model="" is invalid: expected a disk model name (${diskModels.map((d) => d.name).join(", ")})`,
        );
      const specs: DeviceSpec[] = opts.disk.map((path) => ({ kind: "blk", path, queueDepth, model: opts.diskModel }));
      if (rngSeed !== undefined) specs.push({ kind: "rng", seed: rngSeed });
      let devices: DeviceSpec[] | undefined;
      try {
        devices = specs.length > 0 ? attachDevices(m, specs, diskModels) : undefined;
      } catch (e) {
        if (isVmlabError(e) && e.code === "VMLAB_BLOCK_FILE_NOT_FOUND")
          throw new CliExit(
            EXIT_USAGE,
            `vmlab boot: disk image ${String(e.details.path)} does not exist; create one, e.g. truncate -s 64M <file>`,
          );
        if (isVmlabError(e) && e.code === "VMLAB_BLOCK_UNKNOWN_MODEL")
          throw new CliExit(
            EXIT_USAGE,
            `vmlab boot: --disk-model ${opts.diskModel}: ${e.message}${diskModels.map((d) => `\n  ${d.name}: ${d.description}`).join("")}`,
          );
        if (isVmlabError(e) && /^VMLAB_(BLOCK|VIRTIO)_/.test(e.code)) throw new CliExit(EXIT_USAGE, `vmlab boot: ${e.message}`);
        throw e;
      }
      if (opts.snapshotAt !== undefined || opts.save !== undefined) {
        await bootAndSave(
          m,
          { at: snapshotAt, save: opts.save, compress: opts.compress === true, stats: opts.stats === true, t0, devices },
          runStreaming,
          write,
          io,
        );
        return;
      }
      const result = runStreaming(
        m,
        maxInsns === 0 ? Number.POSITIVE_INFINITY : maxInsns,
        write,
        opts.input === undefined ? noInputWatch(m, io, maxInsns) : undefined,
      );
      if (result.stop !== "exit" || opts.stats) endConsoleLine(result, io);
      const wallS = (wallNs() - t0) / NS_PER_S;
      if (opts.stats) {
        io.stderr(
          `instructions retired: ${result.instructions}\nMIPS: ${formatMips(result.instructions, wallS)}\nvirtual time: ${(result.virtualTimeNs / NS_PER_S).toFixed(6)} s\nwall time: ${wallS.toFixed(3)} s\n`,
        );
      }
      if (result.stop === "budget")
        throw new CliExit(
          EXIT_BUDGET,
          `vmlab boot: the guest did not exit within ${plural(result.instructions, "instruction")}; raise --max-insns (0 = no limit) or make it write the test finisher at 0x100000`,
        );
      if (result.stop === "halt")
        throw new CliExit(
          EXIT_BUDGET,
          `vmlab boot: the guest halted after ${plural(result.instructions, "instruction")} and can never continue (wfi with no interrupt source armed, or a trap loop at an unexecutable mtvec)`,
        );
      const code = result.exitCode ?? 0;
      if (code !== 0) throw new CliExit(code, "");
    });
}
