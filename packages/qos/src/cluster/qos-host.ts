import type { Rng, RngStreams, Simulation } from "@vmlab/core-vm";
import { type BlockTarget, HostAdapter, HostCpu } from "@vmlab/storage";
import { LatencyEwma } from "../control/latency-ewma.js";
import type { SharedLatencyFile } from "../control/shared-file.js";
import { nextWindow, type WindowLawParams } from "../control/window-law.js";
import { Fcfs } from "../sched/fcfs.js";
import { MClock } from "../sched/mclock.js";
import type { HostScheduler } from "../sched/scheduler.js";
import { SfqD } from "../sched/sfq.js";
import { ClosedLoopVm } from "./closed-loop-vm.js";
import type { ControlSpec, HostSpec } from "./config.js";
import { type LatencyListener, SchedulerBridge } from "./scheduler-bridge.js";

const SECTORS_PER_KB = 2;
const SECTORS_PER_GB = 2 * 1024 * 1024;

/**
 * One ESX-like host: its VMs, its host-side scheduler at the adapter queue,
 * and — for the controlled modes — its own control loop. It sees only its
 * own IOs' latencies and, in PARDA mode, the shared file; there is no
 * central coordinator.
 */
export class QosHost implements LatencyListener {
  readonly adapter: HostAdapter;
  readonly scheduler: HostScheduler;
  readonly vms: ClosedLoopVm[];
  readonly ewma: LatencyEwma;
  window: number;
  beta = 0;
  latencyThresholdMs: number;
  /** IOs and summed device latency since the last sample. */
  sampleIos = 0;
  sampleLatencyNs = 0;
  private periodIos = 0;
  private readonly issuedAtTick: Float64Array;

  constructor(
    private readonly sim: Simulation,
    readonly index: number,
    readonly spec: HostSpec,
    private readonly control: ControlSpec,
    lun: BlockTarget,
    /** Global index of this host's first VM (VM indices on requests are cluster-wide). */
    readonly vmBase: number,
    /** Where each VM's virtual disk sits on the LUN. */
    layouts: { base: number; extentSectors: number; stride: number }[],
    rng: RngStreams,
    schedulerFactory: SchedulerFactory = makeScheduler,
  ) {
    this.ewma = new LatencyEwma(control.latencyEwmaAlpha, control.latencyEwmaForm);
    this.latencyThresholdMs = control.latencyThresholdMs;
    const controlled = spec.control === "parda" || spec.control === "flow";
    // The first window obeys the configured bounds too: it stood at initialWindow (32) until the first tick.
    this.window = controlled ? Math.min(control.windowMax, Math.max(control.windowMin, control.initialWindow)) : spec.fixedDepth;
    const depth = Math.max(1, Math.round(this.window));
    this.scheduler = schedulerFactory(spec, depth);
    const bridge = new SchedulerBridge(sim, this.scheduler, vmBase, this);
    this.adapter = new HostAdapter(sim, lun, {
      issueQueueDepth: depth,
      cpu: new HostCpu(1),
      issueCostNs: 0,
      interruptCostNs: 0,
      scheduler: bridge,
    });
    this.vms = spec.vms.map(
      (v, i) =>
        new ClosedLoopVm(`host${index}.vm${i}`, {
          oio: v.oio,
          ioSectors: v.ioKB * SECTORS_PER_KB,
          readFraction: v.readFraction,
          regionSectors: v.diskGB * SECTORS_PER_GB,
          ...layouts[i],
        }),
    );
    this.issuedAtTick = new Float64Array(spec.vms.length);
    this.vmRng = spec.vms.map((_, i) => rng.get(`host${index}.vm${i}`));
    let initialShares = 0;
    for (const v of spec.vms) if (v.startS === 0) initialShares += v.share;
    this.beta = Math.max(initialShares, 1e-9) * control.betaPerShare;
  }

  private readonly vmRng: Rng[];

  /** Starts VM `i` issuing now. */
  startVm(i: number): void {
    this.vms[i].start({ sim: this.sim, target: this.adapter, rng: this.vmRng[i], vm: this.vmBase + i });
  }

  stopVm(i: number): void {
    this.vms[i].stop();
  }

  onDeviceLatency(_vm: number, latencyNs: number, _nowNs: number): void {
    this.ewma.observe(latencyNs);
    this.periodIos++;
    this.sampleIos++;
    this.sampleLatencyNs += latencyNs;
  }

  /**
   * One control period (PARDA §3): write this host's block of the shared
   * file, compute the congestion signal (cluster average for PARDA, own
   * latency for SPEED'08 flow control), recompute β from the shares of VMs
   * that issued IO this period (§3.4: an idle VM's share is not inherited),
   * and set the new window as the issue-queue depth.
   */
  controlTick(file: SharedLatencyFile): void {
    this.ewma.endPeriod();
    file.write(this.index, this.ewma.valueNs, this.periodIos);
    this.periodIos = 0;
    const mode = this.spec.control;
    if (mode !== "parda" && mode !== "flow") return;
    const signalNs = mode === "parda" ? file.average() : this.ewma.valueNs;
    const shares = this.activeShares();
    // Every VM idle: keep the last β (the paper is silent; docs/parda.md). β = 0 is outside the law, and the host's
    // block holds 0 IOs, so it weighs nothing in the others' average meanwhile.
    if (shares > 0) this.beta = shares * this.control.betaPerShare;
    const law: WindowLawParams = {
      latencyThresholdMs: this.latencyThresholdMs,
      smoothingGamma: this.control.smoothingGamma,
      beta: this.beta,
      windowMin: this.control.windowMin,
      windowMax: this.control.windowMax,
      maxGrowthFactor: mode === "flow" ? 2 : Number.POSITIVE_INFINITY,
    };
    this.window = nextWindow(law, this.window, signalNs / 1e6);
    const depth = Math.max(1, Math.round(this.window));
    this.scheduler.setDepth(depth);
    this.adapter.setIssueQueueDepth(depth);
  }

  /** Σ shares of VMs that issued IO since the last tick or still have IO outstanding. */
  private activeShares(): number {
    let sum = 0;
    this.vms.forEach((vm, i) => {
      const issued = vm.stats.issued;
      if (issued > this.issuedAtTick[i] || vm.outstanding > 0) sum += this.spec.vms[i].share;
      this.issuedAtTick[i] = issued;
    });
    return sum;
  }
}

/** Builds a host's scheduler from its spec (replaceable, e.g. by a benchmark's naive baseline). */
export type SchedulerFactory = (spec: HostSpec, depth: number) => HostScheduler;

export function makeScheduler(spec: HostSpec, depth: number): HostScheduler {
  if (spec.scheduler === "fcfs") return new Fcfs(spec.vms.length, depth);
  if (spec.scheduler === "mclock")
    return new MClock(
      spec.vms.map((v) => ({ reservationIops: v.reservationIops, limitIops: v.limitIops, share: v.share })),
      depth,
    );
  return new SfqD(
    spec.vms.map((v) => v.share),
    depth,
  );
}
