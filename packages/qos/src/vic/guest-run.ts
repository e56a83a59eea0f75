import { readFileSync } from "node:fs";
import {
  exponential,
  findGuestElf,
  type LatencyModel,
  Machine,
  MemoryBackend,
  ModeledBackend,
  NS_PER_S,
  Rng,
  runMachine,
  VirtioBlk,
} from "@vmlab/core-vm";
import { QosErrors } from "../errors.js";
import { requireBoolean, requireKnownKeys, requireNonNegative, requireSeed } from "../validate.js";
import { checkVicParams, type VicParams } from "./coalescer.js";
import { VicInterruptModerator } from "./virtio-moderator.js";

/** vicbench on a RISC-V machine with a modeled virtio-blk disk. */
export interface VicGuestSpec {
  /** Outstanding IOs the guest keeps (1..42: the SDK driver's slots). */
  oio: number;
  /** IOs the guest completes before it prints its counts and exits. */
  ios: number;
  /** Application work per IO: words of the 4 KiB block the guest checksums (≈ 6 instructions each). */
  appWords: number;
  /** Extra handler loop iterations per interrupt (≈ 2 instructions each), standing for the hypervisor's exit and injection cost. */
  isrSpin: number;
  /** Device service time, fixed part, µs. */
  deviceBaseUs: number;
  /** Device service time, mean exponential jitter, µs. */
  deviceJitterUs: number;
  /** vIC on (the coalescer moderates virtio-blk's interrupts) or off (an interrupt per completion). */
  coalescing: boolean;
  vic: VicParams;
  seed: number;
}

/** What a vIC run with the RISC-V guest measured: IOs, interrupts (and empty ones), IOPS and the guest's instructions per IO. */
export interface VicGuestResult {
  ios: number;
  interrupts: number;
  /** Interrupts whose handler found the used ring empty (its completions were reaped by an earlier pass). */
  emptyInterrupts: number;
  /** Guest-measured: first submission to the last IO processed, ns of virtual time. */
  elapsedNs: number;
  iops: number;
  interruptsPerS: number;
  interruptsPerIo: number;
  /** Every instruction the guest retired in the measured loop (handler, trap entry/exit, driver, application), per IO. */
  instructionsPerIo: number;
  /** Instructions of the C handler body (minstret deltas), per interrupt. */
  handlerInstructionsPerInterrupt: number;
  /** Submission to the handler having reaped the completion, guest-measured (mtime, 100 ns ticks), µs. */
  meanLatencyUs: number;
  maxLatencyUs: number;
  /** The application's checksum over the data it read (the same with and without vIC). */
  checksum: string;
}

/** The disk: 4 MiB of zeros (1,024 blocks of 4 KiB; vicbench reads blocks at random). */
const DISK_BYTES = 4 * 1024 * 1024;
/** QEMU `virt` puts the first -device in the highest virtio-mmio slot; vmlab does the same. */
const SLOT = 7;
/** Service slots: more than vicbench can keep outstanding, so every guest request is a command in flight at once. */
const QUEUE_DEPTH = 64;
/** Parallel servers in the device: at least the OIO, so latency is service time, not queueing (a flash device). */
const SERVERS = 64;
const MTIME_TICK_NS = 100;
/** vicbench's limits (guest/programs/vicbench.c): the SDK driver's request slots, the words of a 4 KiB block, its uint32 counters. */
const GUEST_MAX_OIO = 42;
const BLOCK_WORDS = 1024;
const UINT32_MAX = 0xffff_ffff;
const GUEST_KEYS = ["oio", "ios", "appWords", "isrSpin", "deviceBaseUs", "deviceJitterUs", "coalescing", "vic", "seed"] as const;

function requireIntegerIn(key: string, value: number, min: number, max: number): void {
  if (!(Number.isInteger(value) && value >= min && value <= max))
    throw QosErrors.badConfig(key, `must be an integer in [${min}, ${max}], got ${value}`);
}
/**
 * vicbench's instructions per IO, from above: measured without vIC (docs/vic.md), ~390 for the driver, the loop and
 * the interrupts' traps and handlers, ≈ 6 per application word checksummed and under 2 per handler loop iteration
 * (an interrupt per IO at most); the estimate takes 650, 6 and 2. @internal exported for the scenario and tests
 */
export const guestInstructionsPerIo = (appWords: number, loops: number) => 650 + 6 * appWords + 2 * loops;

type RunSize = Pick<VicGuestSpec, "ios" | "appWords" | "isrSpin">;

/** A run's guest instructions, estimated from above (`guestInstructionsPerIo` per IO). @internal exported for the scenario */
export const guestInstructionsOf = (s: RunSize) => s.ios * guestInstructionsPerIo(s.appWords, s.isrSpin);

/** The fewest instructions a run may retire before it counts as stuck (small runs boot and print in far fewer). */
const MIN_BUDGET = 4_000_000_000;

/**
 * Instructions a run of `s` may retire before `runVicGuest` stops it as stuck: twice the estimate, at least
 * MIN_BUDGET. A fixed budget refused, after emulating it whole, a run every check allowed (10^6 IOs with
 * a 10^5-iteration handler loop retire ~2·10^11). @internal exported for tests
 */
export function vicGuestBudget(s: RunSize): number {
  return Math.max(MIN_BUDGET, 2 * guestInstructionsOf(s));
}

let cachedElf: Uint8Array | null = null;
function vicbenchElf(): Uint8Array {
  if (cachedElf === null) {
    const path = findGuestElf("vicbench");
    if (path === null) throw QosErrors.guestNotFound("vicbench");
    cachedElf = new Uint8Array(readFileSync(path));
  }
  return cachedElf;
}

/** Fixed service time plus exponential jitter, one seeded stream per run (saved with the backend). */
function serviceModel(baseUs: number, jitterUs: number, seed: number): LatencyModel {
  const rng = new Rng(seed, "vic.guest.device");
  return {
    serviceNs: () => baseUs * 1000 + (jitterUs > 0 ? exponential(rng, jitterUs * 1000) : 0),
    save: () => rng.save(),
    restore: (state) => rng.restore(state),
  };
}

const RESULT =
  /vicbench: oio=(\d+) ios=(\d+) interrupts=(\d+) empty=(\d+) reaped=(\d+) handler_instret=(\d+) instret=(\d+) latency_sum=(\d+) latency_max=(\d+) elapsed=(\d+) checksum=([0-9a-f]{8})/;

/** Every refusal `vicGuestMachine` (and so `runVicGuest`) makes for `s`, naming the key, without building the machine. */
export function checkVicGuestSpec(s: VicGuestSpec): void {
  // A spec from a config file: a misspelt key was ignored, and coalescing "false" (truthy) ran vIC on.
  requireKnownKeys("", s, GUEST_KEYS);
  requireBoolean("coalescing", s.coalescing);
  requireSeed("seed", s.seed);
  checkVicParams(s.vic);
  // vicbench refuses more (exit code 2, its reason only in the console): name the key here instead.
  requireIntegerIn("oio", s.oio, 1, GUEST_MAX_OIO);
  requireIntegerIn("ios", s.ios, s.oio, UINT32_MAX);
  requireIntegerIn("appWords", s.appWords, 0, BLOCK_WORDS);
  requireIntegerIn("isrSpin", s.isrSpin, 0, UINT32_MAX);
  requireNonNegative("deviceBaseUs", s.deviceBaseUs);
  requireNonNegative("deviceJitterUs", s.deviceJitterUs);
}

/** The machine vicbench runs on (checked spec): a modeled disk in slot 7, vIC as its moderator if on. Not started. */
export function vicGuestMachine(s: VicGuestSpec, loadGuest = true): Machine {
  checkVicGuestSpec(s);
  const m = new Machine({ ramMiB: 16 });
  const backend = new ModeledBackend({
    store: new MemoryBackend({ sizeBytes: DISK_BYTES }),
    model: serviceModel(s.deviceBaseUs, s.deviceJitterUs, s.seed),
    servers: SERVERS,
  });
  const moderator = s.coalescing ? new VicInterruptModerator(s.vic) : undefined;
  m.attachVirtio(SLOT, new VirtioBlk({ backend, queueDepth: QUEUE_DEPTH, interruptModerator: moderator }));
  if (loadGuest) {
    m.loadElf(vicbenchElf());
    m.injectConsoleInput(new TextEncoder().encode(`${s.oio} ${s.ios} ${s.appWords} ${s.isrSpin}\n`));
  }
  return m;
}

const TWO_32 = 2 ** 32;

/**
 * A count vicbench keeps in 32 bits (it reads mtime's and minstret's low words), unwrapped with the machine's own
 * 64-bit count of the same thing since boot, `total`: that also counts boot and the result line, far fewer than 2^32
 * ticks or instructions, so the wraps are the whole 2^32s between them. A run past 429.5 s of virtual time (2^32
 * ticks of 100 ns) or 2^32 instructions reported the remainder: 11 IOPS from a device that serves 5.
 */
function unwrap32(low: number, total: number): number {
  return low + TWO_32 * Math.max(0, Math.floor((total - low) / TWO_32));
}

/** vicbench's result line, parsed; throws `VMLAB_QOS_GUEST_FAILED` if the guest did not exit cleanly with one. */
export function vicGuestResult(m: Machine, stop: string): VicGuestResult {
  const out = new TextDecoder().decode(m.console());
  const r = RESULT.exec(out);
  if (stop !== "exit" || m.exitCode !== 0 || r === null)
    throw QosErrors.guestFailed("vicbench", `stopped (${stop}, exit code ${m.exitCode}) without its result line`, out);
  const n = (i: number) => Number(r[i]);
  const ios = n(2);
  const interrupts = n(3);
  const elapsedNs = unwrap32(n(10), Number(m.clint.mtime())) * MTIME_TICK_NS;
  const instret = unwrap32(n(7), m.hart.retired);
  return {
    ios,
    interrupts,
    emptyInterrupts: n(4),
    elapsedNs,
    iops: (ios * NS_PER_S) / elapsedNs,
    interruptsPerS: (interrupts * NS_PER_S) / elapsedNs,
    interruptsPerIo: interrupts / ios,
    instructionsPerIo: instret / ios,
    handlerInstructionsPerInterrupt: n(6) / interrupts,
    meanLatencyUs: (n(8) * MTIME_TICK_NS) / ios / 1000,
    maxLatencyUs: (n(9) * MTIME_TICK_NS) / 1000,
    checksum: r[11],
  };
}

/**
 * Boots vicbench with its configuration on the UART and runs it to its exit
 * in virtual time (1 ns per guest instruction). Deterministic: the same spec
 * gives the same result.
 */
export function runVicGuest(s: VicGuestSpec): VicGuestResult {
  const m = vicGuestMachine(s);
  return vicGuestResult(m, runMachine(m, vicGuestBudget(s)));
}
