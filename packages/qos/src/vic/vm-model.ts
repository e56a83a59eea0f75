import { exponential, LogHistogram, NS_PER_S, NS_PER_US, Rng, Simulation } from "@vmlab/core-vm";
import { QosErrors } from "../errors.js";
import { requireBoolean, requireInteger, requireKnownKeys, requireNonNegative, requirePositive, requireSeed } from "../validate.js";
import { checkVicParams, VicCoalescer, type VicParams } from "./coalescer.js";

/** A workload-model VM on a virtual SCSI adapter, with the guest CPU costs that interrupts add. */
export interface VicVmSpec {
  /** Outstanding IOs the guest application keeps (closed loop). */
  oio: number;
  /** Device latency: fixed part, µs (a fast array or SSD behind the adapter). */
  deviceBaseUs: number;
  /** Device latency: mean of an exponential jitter added to the fixed part, µs. */
  deviceJitterUs: number;
  /** Guest + hypervisor CPU per IO issued (driver, vSCSI emulation, IO path), µs. */
  issueCpuUs: number;
  /** Application work per completed IO before it issues the next, µs. */
  appCpuUs: number;
  /** CPU per virtual interrupt: injection, guest ISR entry/exit, EOI exits, µs. */
  interruptCpuUs: number;
  /** CPU per completion the ISR processes from the ring, µs. */
  perCompletionCpuUs: number;
  /** Simulated time, s. */
  durationS: number;
  /** Measurements start here (warm-up before), s. */
  warmupS: number;
  /** vIC on (the coalescer decides per completion) or off (an interrupt per completion). */
  coalescing: boolean;
  vic: VicParams;
  seed: number;
}

/** What `runVicVm` measured: IOPS, interrupts per second and per IO, latency and the host CPU's cost. */
export interface VicVmResult {
  iops: number;
  interruptsPerS: number;
  interruptsPerIo: number;
  /** Issue → the guest ISR having processed the completion, µs. */
  meanLatencyUs: number;
  p99LatencyUs: number;
  cpuUtilization: number;
  cpuUsPerIo: number;
}

/**
 * A VM whose one vCPU does all the per-IO work: the application reissues
 * each completed IO, the driver issues it, and the virtual interrupt handler
 * reaps completions from the ring. Interrupt handling preempts application
 * work (an ISR runs as soon as the interrupt is delivered); an interrupt
 * delivered while the ISR runs is merged into one more ISR pass. When the
 * vCPU is the bottleneck — small IOs at high OIO — every interrupt not taken
 * is CPU time returned to the application: vIC's throughput gain. At low
 * CIF vIC delivers every completion, so nothing changes (its safety property).
 */
const VM_KEYS = [
  "oio",
  "deviceBaseUs",
  "deviceJitterUs",
  "issueCpuUs",
  "appCpuUs",
  "interruptCpuUs",
  "perCompletionCpuUs",
  "durationS",
  "warmupS",
  "coalescing",
  "vic",
  "seed",
] as const;

/** Every refusal `runVicVm` makes for `s`, naming the key, without running it. */
export function checkVicVmSpec(s: VicVmSpec): void {
  // A spec from a config file: a misspelt key was ignored, and coalescing "false" (truthy) ran vIC on.
  requireKnownKeys("", s, VM_KEYS);
  requireBoolean("coalescing", s.coalescing);
  requireSeed("seed", s.seed);
  checkVicParams(s.vic);
  requireInteger("oio", s.oio, 1);
  for (const k of ["deviceBaseUs", "deviceJitterUs", "issueCpuUs", "appCpuUs", "interruptCpuUs", "perCompletionCpuUs", "warmupS"] as const)
    requireNonNegative(k, s[k]);
  requirePositive("durationS", s.durationS);
  // Rates are measured over (warmupS, durationS]: an empty window gave NaN for every rate.
  if (!(s.warmupS < s.durationS)) throw QosErrors.badConfig("warmupS", `must be below durationS (${s.durationS} s), got ${s.warmupS}`);
  checkIoBound(s);
}

/** IOs one run may simulate: ~10^8 take minutes; the default config's longest run (600 s) allows 5·10^7. */
export const MAX_VIC_VM_IOS = 100_000_000;

/**
 * An upper bound on the IOs one run simulates (0 when every IO takes no virtual time): the oio slots
 * each wait the device's mean time per IO, the vCPU spends issue + app + completion time on each IO
 * and an interrupt's fixed cost on at most oio of them; a delay under 1 ns (the clock's tick, to which
 * it rounds) bounds nothing.
 */
export function vicVmIoBound(s: Omit<VicVmSpec, "coalescing" | "vic" | "seed" | "warmupS">): { ios: number; perNs: number } {
  const ns = (us: number) => (us * NS_PER_US >= 1 ? us * NS_PER_US : 0);
  const deviceNs = ns(s.deviceBaseUs + s.deviceJitterUs);
  const vcpuNs = ns(s.issueCpuUs + s.appCpuUs + s.perCompletionCpuUs);
  const interruptNs = ns(s.interruptCpuUs);
  const perNs = Math.max(deviceNs / s.oio, vcpuNs, interruptNs / s.oio);
  return { perNs, ios: perNs === 0 ? Number.POSITIVE_INFINITY : Math.floor((s.durationS * NS_PER_S) / perNs) + s.oio };
}

/**
 * Refuses costs under which the run would not end: with every delay under the clock's 1 ns tick (each
 * rounds to 0) the clock stood still, and with a few ns per IO it simulated 10^10 IOs.
 */
function checkIoBound(s: VicVmSpec): void {
  const { perNs, ios } = vicVmIoBound(s);
  if (perNs === 0)
    throw QosErrors.badConfig(
      "deviceBaseUs",
      "every IO takes no virtual time (device, vCPU and interrupt costs each under 1 ns, the clock's tick), so the run never ends; give deviceBaseUs + deviceJitterUs, issueCpuUs + appCpuUs + perCompletionCpuUs or interruptCpuUs at least 0.001 µs",
    );
  if (ios > MAX_VIC_VM_IOS)
    throw QosErrors.badConfig(
      "durationS",
      `these costs allow up to ${ios} IOs per run (${s.durationS} s at OIO ${s.oio}, ${perNs} ns per IO at best), more than ${MAX_VIC_VM_IOS}; shorten durationS or raise the device or vCPU costs`,
    );
}

/** Runs one workload-model VM under vIC (or without it) and reports IOPS, interrupts per second and latency (the `vic-coalescing` scenario's cells). */
export function runVicVm(s: VicVmSpec): VicVmResult {
  checkVicVmSpec(s);
  const sim = new Simulation({ initialCapacity: 1024 });
  const rng = new Rng(s.seed, "vic.device");
  const vic = new VicCoalescer(s.vic);
  const hist = new LogHistogram("latencyUs");
  const endNs = s.durationS * NS_PER_S;
  const warmNs = s.warmupS * NS_PER_S;
  const taskNs = (s.appCpuUs + s.issueCpuUs) * NS_PER_US;

  // Per-IO issue times: the ring of completions held for the guest, and IOs in flight at the device.
  const heldIssue = new Float64Array(s.oio + 1);
  let heldHead = 0;
  let heldCount = 0;
  let isrRunning = false;
  let isrPending = false;
  let isrBatch = 0;
  /** Completed IOs the application still has to reissue. */
  let appBacklog = 0;
  let appEvent = -1;
  /** A preempted application task's time left (-1: none preempted); 0 is a task cut off at the instant it ends. */
  let appRemainingNs = -1;
  let busyNs = 0;
  let measuredIos = 0;
  let measuredInterrupts = 0;
  const isrStartIssue = new Float64Array(s.oio + 1);

  const kindDevice = sim.on("vic.device.done", (issueTime) => {
    heldIssue[(heldHead + heldCount) % heldIssue.length] = issueTime;
    heldCount++;
    const raise = s.coalescing ? vic.complete(sim.now) : true;
    if (!s.coalescing) vic.cif--;
    if (raise) deliver();
  });
  const kindIsr = sim.on("vic.isr.done", () => {
    // The ISR reaped `isrBatch` completions: they reach the application now.
    for (let i = 0; i < isrBatch; i++) {
      if (sim.now >= warmNs) {
        hist.record((sim.now - isrStartIssue[i]) / NS_PER_US);
        measuredIos++;
      }
    }
    appBacklog += isrBatch;
    isrRunning = false;
    if (isrPending) {
      isrPending = false;
      startIsr();
    } else resumeApp();
  });
  const kindApp = sim.on("vic.app.done", () => {
    appEvent = -1;
    appBacklog--;
    issue();
    startApp();
  });

  function deliver(): void {
    if (sim.now >= warmNs) measuredInterrupts++;
    if (isrRunning) {
      isrPending = true;
      return;
    }
    startIsr();
  }

  function startIsr(): void {
    if (appEvent >= 0) {
      // Preempt the application task: keep its remaining time for later.
      sim.cancel(appEvent);
      appEvent = -1;
      appRemainingNs = appEndNs - sim.now;
    }
    const n = heldCount;
    for (let i = 0; i < n; i++) isrStartIssue[i] = heldIssue[(heldHead + i) % heldIssue.length];
    heldHead = (heldHead + n) % heldIssue.length;
    heldCount = 0;
    if (s.coalescing) vic.drain();
    isrBatch = n;
    isrRunning = true;
    const cost = (s.interruptCpuUs + n * s.perCompletionCpuUs) * NS_PER_US;
    busyNs += cost;
    sim.schedule(cost, kindIsr);
  }

  let appEndNs = 0;
  function resumeApp(): void {
    // A task the ISR preempted goes on, even one with no time left: preempted at the instant it ended (its done event
    // not yet run), it was dropped and the same IO's task started again in full (17 µs per IO measured as 19).
    if (appRemainingNs >= 0) {
      appEndNs = sim.now + appRemainingNs;
      appEvent = sim.schedule(appRemainingNs, kindApp);
      appRemainingNs = -1;
      return;
    }
    startApp();
  }

  function startApp(): void {
    if (isrRunning || appEvent >= 0 || appBacklog === 0) return;
    appEndNs = sim.now + taskNs;
    busyNs += taskNs;
    appEvent = sim.schedule(taskNs, kindApp);
  }

  function issue(): void {
    vic.issue();
    const lat = (s.deviceBaseUs + exponential(rng, Math.max(1e-9, s.deviceJitterUs))) * NS_PER_US;
    sim.schedule(lat, kindDevice, sim.now);
  }

  for (let i = 0; i < s.oio; i++) issue();
  let busyAtWarm = 0;
  sim.run({ until: warmNs });
  busyAtWarm = busyNs;
  sim.run({ until: endNs });
  // No IO completed in the window: latencies would be NaN beside rates of 0, as if measured.
  if (measuredIos === 0)
    throw QosErrors.badConfig(
      "durationS",
      `no IO completed in the measured window (${s.warmupS} s, ${s.durationS} s]; make it longer than a few device times (${s.deviceBaseUs} µs)`,
    );
  const seconds = (endNs - warmNs) / NS_PER_S;
  const busy = Math.min(busyNs - busyAtWarm, endNs - warmNs);
  return {
    iops: measuredIos / seconds,
    interruptsPerS: measuredInterrupts / seconds,
    interruptsPerIo: measuredIos > 0 ? measuredInterrupts / measuredIos : 0,
    meanLatencyUs: hist.mean,
    p99LatencyUs: hist.quantile(0.99),
    cpuUtilization: busy / (endNs - warmNs),
    cpuUsPerIo: measuredIos > 0 ? busy / NS_PER_US / measuredIos : 0,
  };
}
