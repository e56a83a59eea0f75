/**
 * The checks a cluster spec passes before anything runs (`checkClusterSpec`): every key known, every value in range,
 * every VM's disk laid out inside the LUN, each refusal naming the offending key.
 */
import { Simulation } from "@vmlab/core-vm";
import { FC_10K_DISK } from "../array/sptf-disk.js";
import { requireLatencyEwma } from "../control/latency-ewma.js";
import { checkWindowLaw } from "../control/window-law.js";
import { QosErrors } from "../errors.js";
import {
  requireArray,
  requireBoolean,
  requireInteger,
  requireKnownKeys,
  requireNonNegative,
  requireOneOf,
  requirePositive,
  requireSeed,
} from "../validate.js";
import { type ClusterSpec, microVm, PARDA_CONTROL } from "./config.js";
import { buildLun, placeDisks, SECTORS_PER_GB } from "./lun-layout.js";

/** The shortest control period taken (s): a window update per millisecond is far below any IO latency it reacts to. */
export const MIN_CONTROL_PERIOD_S = 1e-3;

/**
 * The shortest sampling interval taken (s): a shorter one rounded to 0 ns rescheduled the sampler at the
 * same instant forever; a sample every millisecond is already far finer than any chart needs.
 */
export const MIN_SAMPLE_S = 1e-3;
/**
 * Samples per run (per host): each is kept in memory and written to results.json, the CSV and the charts;
 * 1 ms over a 160 s run (160,000) took 3.8 GB and wrote a 237 MB results.json. The longest default
 * run (parda-threshold-change with 8 values of L for an hour each, every 2 s) takes 16,200.
 */
export const MAX_SAMPLES_PER_RUN = 20_000;

const CLUSTER_KEYS = ["hosts", "placement", "control", "array", "events", "durationS", "sampleS", "seed"] as const;
const HOST_KEYS = ["vms", "control", "scheduler", "fixedDepth"] as const;
const ARRAY_KEYS = ["model", "disks", "disk", "stripeUnitSectors", "cacheHitMs"] as const;
const VM_EVENT_KEYS = ["atS", "kind", "host", "vm"] as const;
const THRESHOLD_EVENT_KEYS = ["atS", "kind", "latencyThresholdMs"] as const;

/**
 * Checks a cluster spec, naming the offending key. A spec read from a JSON file escapes
 * TypeScript's checks, so unknown keys and enum values are refused too: a misspelt key was
 * ignored, and an unknown placement, scheduler, control mode or array model ran as another one.
 */
export function checkClusterSpec(spec: ClusterSpec): void {
  requireKnownKeys("", spec, CLUSTER_KEYS);
  requireArray("hosts", spec.hosts);
  if (spec.hosts.length === 0) throw QosErrors.badConfig("hosts", "need at least one host");
  requireOneOf("placement", spec.placement, ["interleaved", "contiguous"]);
  requirePositive("durationS", spec.durationS);
  requirePositive("sampleS", spec.sampleS);
  if (spec.sampleS > spec.durationS)
    throw QosErrors.badConfig("sampleS", `must be <= durationS (${spec.durationS} s) or the run has no sample, got ${spec.sampleS}`);
  if (spec.sampleS < MIN_SAMPLE_S) throw QosErrors.badConfig("sampleS", `must be >= ${MIN_SAMPLE_S} s (1 ms), got ${spec.sampleS}`);
  const samples = Math.floor(spec.durationS / spec.sampleS + 1e-9);
  if (samples > MAX_SAMPLES_PER_RUN)
    throw QosErrors.badConfig(
      "sampleS",
      `at most ${MAX_SAMPLES_PER_RUN} samples per run, got ${samples} (a run of ${spec.durationS} s sampled every ${spec.sampleS} s); make sampleS at least ${spec.durationS / MAX_SAMPLES_PER_RUN} s`,
    );
  requireSeed("seed", spec.seed);
  const c = spec.control;
  requireKnownKeys("control", c, Object.keys(PARDA_CONTROL));
  requirePositive("control.periodS", c.periodS);
  // A period that rounds to 0 ns schedules the next tick at the same instant forever: the run never ends.
  if (c.periodS < MIN_CONTROL_PERIOD_S)
    throw QosErrors.badConfig("control.periodS", `must be >= ${MIN_CONTROL_PERIOD_S} s (1 ms; the paper's is 2 s), got ${c.periodS}`);
  requirePositive("control.betaPerShare", c.betaPerShare);
  requirePositive("control.initialWindow", c.initialWindow);
  requireLatencyEwma("control.", c.latencyEwmaAlpha, c.latencyEwmaForm);
  checkWindowLaw(
    {
      latencyThresholdMs: c.latencyThresholdMs,
      smoothingGamma: c.smoothingGamma,
      beta: c.betaPerShare,
      windowMin: c.windowMin,
      windowMax: c.windowMax,
      maxGrowthFactor: 2,
    },
    "control.",
  );
  const a = spec.array;
  requireKnownKeys("array", a, ARRAY_KEYS);
  requireOneOf("array.model", a.model, ["qos", "storage"]);
  requireInteger("array.disks", a.disks, 3);
  if (a.model === "qos") requireKnownKeys("array.disk", a.disk, Object.keys(FC_10K_DISK));
  const vmKeys = Object.keys(microVm());
  spec.hosts.forEach((h, i) => {
    requireKnownKeys(`hosts[${i}]`, h, HOST_KEYS);
    requireOneOf(`hosts[${i}].control`, h.control, ["none", "static", "parda", "flow"]);
    requireOneOf(`hosts[${i}].scheduler`, h.scheduler, ["sfq", "fcfs", "mclock"]);
    requireInteger(`hosts[${i}].fixedDepth`, h.fixedDepth, 1);
    requireArray(`hosts[${i}].vms`, h.vms);
    if (h.vms.length === 0) throw QosErrors.badConfig(`hosts[${i}].vms`, "need at least one VM");
    h.vms.forEach((v, j) => {
      const k = `hosts[${i}].vms[${j}]`;
      requireKnownKeys(k, v, vmKeys);
      requirePositive(`${k}.share`, v.share);
      requireNonNegative(`${k}.reservationIops`, v.reservationIops);
      if (!(v.limitIops >= v.reservationIops && v.limitIops > 0))
        throw QosErrors.badConfig(`${k}.limitIops`, `must be > 0 and >= reservationIops (Infinity for no limit), got ${v.limitIops}`);
      requireInteger(`${k}.oio`, v.oio, 1);
      requirePositive(`${k}.ioKB`, v.ioKB);
      // The VM issues ioKB·2 sectors: 0.3 KB ran as IOs of 0.6 sectors.
      if (!Number.isInteger(v.ioKB * 2))
        throw QosErrors.badConfig(`${k}.ioKB`, `must be a whole number of 512-byte sectors (a multiple of 0.5), got ${v.ioKB}`);
      requirePositive(`${k}.diskGB`, v.diskGB);
      checkDiskSize(spec, k, v.diskGB, v.ioKB);
      if (v.cacheResident === true && a.model !== "qos")
        throw QosErrors.badConfig(`${k}.cacheResident`, `cache-resident disks need the qos array model (array.model is "${a.model}")`);
      requireBoolean(`${k}.cacheResident`, v.cacheResident);
      requireNonNegative(`${k}.startS`, v.startS);
      requireBeforeEnd(spec, `${k}.startS`, v.startS, "a VM starting after the end of the run never issues an IO");
      if (!(v.stopS > v.startS))
        throw QosErrors.badConfig(`${k}.stopS`, `must be > startS (${v.startS}) or Infinity for never, got ${v.stopS}`);
      if (!(typeof v.readFraction === "number" && v.readFraction >= 0 && v.readFraction <= 1))
        throw QosErrors.badConfig(`${k}.readFraction`, `must be in [0, 1], got ${v.readFraction}`);
    });
  });
  requireArray("events", spec.events);
  spec.events.forEach((e, n) => {
    const k = `events[${n}]`;
    requireOneOf(`${k}.kind`, e?.kind, ["stopVm", "startVm", "setThreshold"]);
    requireNonNegative(`${k}.atS`, e.atS);
    requireBeforeEnd(spec, `${k}.atS`, e.atS, "an event after the end of the run never fires");
    if (e.kind === "setThreshold") {
      requireKnownKeys(k, e, THRESHOLD_EVENT_KEYS);
      requirePositive(`${k}.latencyThresholdMs`, e.latencyThresholdMs);
      return;
    }
    requireKnownKeys(k, e, VM_EVENT_KEYS);
    // An index past the end failed inside the run with a TypeError.
    if (!(Number.isInteger(e.host) && e.host >= 0 && e.host < spec.hosts.length))
      throw QosErrors.badConfig(`${k}.host`, `must be a host index in [0, ${spec.hosts.length - 1}], got ${e.host}`);
    const vms = spec.hosts[e.host].vms.length;
    if (!(Number.isInteger(e.vm) && e.vm >= 0 && e.vm < vms))
      throw QosErrors.badConfig(`${k}.vm`, `must be a VM index of host ${e.host} in [0, ${vms - 1}], got ${e.vm}`);
  });
  checkDisksFitLun(spec);
}

/** A time the run must reach (`why` says what is lost if it does not): a typo past durationS ran without the change asked for. */
function requireBeforeEnd(spec: ClusterSpec, key: string, atS: number, why: string): void {
  if (atS > spec.durationS) throw QosErrors.badConfig(key, `must be <= durationS (${spec.durationS} s): ${why}, got ${atS}`);
}

/**
 * A VM's disk size as its placement can lay it out (`k` names the VM): under interleaved
 * placement every VM's diskGB equals the first VM's and is whole GB (the disks are dealt out in
 * 1 GB extents); under contiguous placement it is whole sectors (0.3 GB put the next VM's disk at
 * LBA 629145.6 and its IOs at fractional sectors). Either way it holds at least one IO.
 */
function checkDiskSize(spec: ClusterSpec, k: string, diskGB: number, ioKB: number): void {
  if (spec.placement === "interleaved") {
    const first = spec.hosts[0].vms[0].diskGB;
    if (diskGB !== first)
      throw QosErrors.badConfig(
        `${k}.diskGB`,
        `interleaved placement needs every VM's diskGB equal to hosts[0].vms[0].diskGB (${first}), got ${diskGB}; use placement "contiguous" for unequal disks`,
      );
    if (!Number.isInteger(diskGB))
      throw QosErrors.badConfig(`${k}.diskGB`, `interleaved placement needs a whole number of GB (1 GB extents), got ${diskGB}`);
  } else if (!Number.isInteger(diskGB * SECTORS_PER_GB))
    throw QosErrors.badConfig(
      `${k}.diskGB`,
      `must be a whole number of 512-byte sectors (a multiple of 1/${SECTORS_PER_GB} GB), got ${diskGB}`,
    );
  if (diskGB * SECTORS_PER_GB < ioKB * 2)
    throw QosErrors.badConfig(`${k}.diskGB`, `must hold at least one ${ioKB} KB IO, got ${diskGB} GB`);
}

/**
 * Every VM's IOs stay inside one stripe unit of the qos array, and every VM's disk ends inside
 * the LUN, naming the first VM (in LUN order) that does not: the
 * LUN's size comes from the array model itself, built on a scratch simulation (which also checks
 * the array's own fields, \`array.stripeUnitSectors\`, \`array.disk.*\`, before anything runs).
 */
function checkDisksFitLun(spec: ClusterSpec): void {
  const capacity = buildLun(new Simulation(), spec, []).capacitySectors;
  const { layouts } = placeDisks(spec);
  const su = spec.array.stripeUnitSectors;
  // The qos array serves each IO from one member, so an IO must not cross a stripe unit (its own check, at the first IO).
  if (spec.array.model === "qos" && spec.placement === "interleaved" && SECTORS_PER_GB % su !== 0)
    throw QosErrors.badConfig(
      "array.stripeUnitSectors",
      `must divide the 1 GB extents of interleaved placement (${SECTORS_PER_GB} sectors), got ${su}`,
    );
  // Both placements lay the disks' ends out in spec order, so the first VM past the end is the first that does not fit.
  spec.hosts.forEach((h, i) => {
    h.vms.forEach((v, j) => {
      if (spec.array.model === "qos") {
        if (su % (v.ioKB * 2) !== 0)
          throw QosErrors.badConfig(
            `hosts[${i}].vms[${j}].ioKB`,
            `must divide the qos array's stripe unit (array.stripeUnitSectors ${su} = ${su / 2} KB): an IO may not span two member disks, got ${v.ioKB}`,
          );
        if (spec.placement === "contiguous" && (v.diskGB * SECTORS_PER_GB) % su !== 0)
          throw QosErrors.badConfig(
            `hosts[${i}].vms[${j}].diskGB`,
            `must be a whole number of the qos array's ${su}-sector stripe units under contiguous placement (the next disk would start inside a unit), got ${v.diskGB}`,
          );
      }
      const l = layouts[i][j];
      const extents = Math.ceil((v.diskGB * SECTORS_PER_GB) / l.extentSectors);
      const end = l.base + ((extents - 1) * l.stride + 1) * l.extentSectors;
      if (end > capacity)
        throw QosErrors.badConfig(
          `hosts[${i}].vms[${j}].diskGB`,
          `the virtual disks (${spec.placement} placement) reach sector ${end} of the LUN at this one's end, the LUN has ${capacity} (array.disks ${spec.array.disks}); use smaller disks or more member disks`,
        );
    });
  });
}
