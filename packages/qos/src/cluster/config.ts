import type { SptfDiskSpec } from "../array/sptf-disk.js";
import type { LatencyEwmaForm } from "../control/latency-ewma.js";

/** How a host sets its issue-queue depth. */
export type HostControlMode =
  /** No control: the adapter's fixed queue depth (the papers' "uncontrolled" baseline). */
  | "none"
  /** A fixed per-host depth chosen by the administrator. */
  | "static"
  /** PARDA: window law on the cluster-wide average latency read from the shared file. */
  | "parda"
  /** SPEED'08 flow control: the FAST-TCP-like law on the host's own (local) latency, with growth capped at 2w. */
  | "flow";

/** How a host orders its VMs' IOs at the adapter: SFQ(D) by share, mClock, or first come first served. */
export type HostSchedulerKind = "sfq" | "fcfs" | "mclock";

/** One VM of a cluster host: its share (and mClock reservation and limit), its workload and its disk. */
export interface VmSpec {
  /** Proportional share φ (SFQ weight, mClock share; PARDA's β sums these). */
  share: number;
  /** mClock reservation, IOPS (0 = none). */
  reservationIops: number;
  /** mClock limit, IOPS (Infinity = none). */
  limitIops: number;
  /** Outstanding IOs the VM keeps. */
  oio: number;
  /** IO size, KB. */
  ioKB: number;
  /** Fraction of reads. */
  readFraction: number;
  /** Virtual disk size, GB (PARDA: 16 GB). */
  diskGB: number;
  /** Whole virtual disk resident in the array's read cache (a working set that fits). */
  cacheResident: boolean;
  /** When the VM starts and stops issuing, s (stop: Infinity = never). */
  startS: number;
  stopS: number;
}

/** One host of a cluster: its VMs, its queue-depth control (none, static, PARDA, flow) and its scheduler. */
export interface HostSpec {
  vms: VmSpec[];
  control: HostControlMode;
  scheduler: HostSchedulerKind;
  /** Depth for `static`; for `none` the adapter queue depth. */
  fixedDepth: number;
}

/** The control loop's parameters, shared by all hosts (PARDA §5: L, γ = 0.8, α = 0.002, 2 s period). */
export interface ControlSpec {
  /** L, ms. */
  latencyThresholdMs: number;
  /** γ ∈ (0, 1]. */
  smoothingGamma: number;
  /** α of the latency average: the past's weight per period (`period-mean`, < 1) or the new IO's (`per-io`, ∈ (0, 1]). */
  latencyEwmaAlpha: number;
  /** Which observations the latency average takes in (`LatencyEwmaForm`): each period's mean (PARDA Eq. 1) or each IO. */
  latencyEwmaForm: LatencyEwmaForm;
  /** Control period, s. */
  periodS: number;
  windowMin: number;
  windowMax: number;
  /** β per unit of share: β_h = betaPerShare × Σ shares of the host's active VMs. */
  betaPerShare: number;
  /** Window every controlled host starts with. */
  initialWindow: number;
}

/**
 * Which array model serves the LUN: this package's calibrated RAID-5 over
 * compact SPTF disks (`qos`, the default: fitted to PARDA's measured
 * throughput), or the storage package's array controller with cache over a
 * RAID-5 group of its Cheetah 15K.5 HDD models (`storage`, uncalibrated to PARDA).
 */
export type ArrayModel = "qos" | "storage";

/** The shared LUN's array: the calibrated qos model (RAID-5 over `SptfDisk`s) or `@vmlab/storage`'s array. */
export interface ArraySpec {
  model: ArrayModel;
  disks: number;
  disk: SptfDiskSpec;
  stripeUnitSectors: number;
  cacheHitMs: number;
}

/** A change during a cluster run at `atS` seconds: a VM stops or starts, or PARDA's threshold L changes. */
export type ClusterEvent =
  | { atS: number; kind: "stopVm" | "startVm"; host: number; vm: number }
  | { atS: number; kind: "setThreshold"; latencyThresholdMs: number };

/**
 * How the VMs' virtual disks sit on the LUN: one after another, or
 * interleaved in 1 GB extents so that every VM spans the whole LUN (then no
 * VM is favoured by where its data lies; all VMs must have equal disks).
 */
export type Placement = "contiguous" | "interleaved";

/** A whole cluster run for `runCluster`: hosts, placement of the VMs' disks, control parameters, the array, events, duration, sampling period and seed; checked by `checkClusterSpec` before anything runs. */
export interface ClusterSpec {
  hosts: HostSpec[];
  placement: Placement;
  control: ControlSpec;
  array: ArraySpec;
  events: ClusterEvent[];
  durationS: number;
  /** Time-series sampling interval, s. */
  sampleS: number;
  seed: number;
}

/** PARDA's control parameters, vmlab's defaults (docs/parda.md says which figures are the paper's and which are assumptions): L = 30 ms, γ = 0.8, α = 0.002 over each period's mean latency, 2 s period, window 4–64, β = 1 per share, initial window 32. */
export const PARDA_CONTROL: ControlSpec = {
  latencyThresholdMs: 30,
  smoothingGamma: 0.8,
  latencyEwmaAlpha: 0.002,
  latencyEwmaForm: "period-mean",
  periodS: 2,
  windowMin: 4,
  windowMax: 64,
  betaPerShare: 1,
  initialWindow: 32,
};

/** PARDA's micro-benchmark VM: 16 KB random reads, 32 OIO, 16 GB virtual disk (§5). */
export function microVm(over: Partial<VmSpec> = {}): VmSpec {
  return {
    share: 1,
    reservationIops: 0,
    limitIops: Number.POSITIVE_INFINITY,
    oio: 32,
    ioKB: 16,
    readFraction: 1,
    diskGB: 16,
    cacheResident: false,
    startS: 0,
    stopS: Number.POSITIVE_INFINITY,
    ...over,
  };
}
