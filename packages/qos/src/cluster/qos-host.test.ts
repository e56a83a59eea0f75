import { RngStreams, Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { Raid5Lun } from "../array/raid5-lun.js";
import { FC_10K_DISK, SptfDisk } from "../array/sptf-disk.js";
import { SharedLatencyFile } from "../control/shared-file.js";
import { runCluster, summarize } from "./cluster.js";
import { type ClusterSpec, type ControlSpec, type HostSpec, microVm, PARDA_CONTROL, type VmSpec } from "./config.js";
import { QosHost } from "./qos-host.js";

const SECTORS_PER_GB = 2 * 1024 * 1024;

function spec(windowMin: number, windowMax: number): ClusterSpec {
  return {
    hosts: [0, 1].map(() => ({ vms: [microVm({ oio: 64 })], control: "parda" as const, scheduler: "sfq" as const, fixedDepth: 32 })),
    placement: "interleaved",
    // A long control period: the window set at construction is the one in force for most of the run.
    control: { ...PARDA_CONTROL, windowMin, windowMax, periodS: 100 },
    array: { model: "qos", disks: 10, disk: FC_10K_DISK, stripeUnitSectors: 128, cacheHitMs: 0.5 },
    events: [],
    durationS: 4,
    sampleS: 1,
    seed: 1,
  };
}

describe("QosHost", () => {
  it("SPEED'08 flow control grows a window at most 2x per control period (FAST TCP's cap); PARDA's law has none", () => {
    // One host from window 4 on an array whose latency is far below L = 30 ms: the law alone would jump to ~14.
    const growth = (control: "flow" | "parda") => {
      const s = spec(1, 64);
      s.hosts = [{ ...s.hosts[0], control }];
      s.control = { ...s.control, initialWindow: 4, periodS: 1 };
      s.durationS = 4;
      s.sampleS = 0.25;
      const windows = runCluster(s).samples.map((x) => x.window);
      let most = 0;
      for (let i = 1; i < windows.length; i++) most = Math.max(most, windows[i] / windows[i - 1]);
      return { most, windows };
    };
    const flow = growth("flow");
    expect(flow.most).toBeLessThanOrEqual(2);
    expect(flow.windows[flow.windows.length - 1]).toBeGreaterThan(16); // it does grow, 2x at a time
    expect(growth("parda").most).toBeGreaterThan(2);
  });

  it("starts a controlled host's window inside [windowMin, windowMax], before its first control tick", () => {
    // initialWindow is 32: with w_max = 8 the hosts ran 32 deep (and charted window 32) until the first tick.
    for (const s of runCluster(spec(4, 8)).samples) {
      expect(s.window).toBeLessThanOrEqual(8);
      // Little's law: at most 8 IOs in flight at ~10 ms each is well under 1,000 IOPS per host.
      expect(s.iops).toBeLessThan(1000);
    }
    for (const s of runCluster(spec(48, 64)).samples) {
      expect(s.window).toBeGreaterThanOrEqual(48);
      expect(s.window).toBeLessThanOrEqual(64);
    }
  });

  it("restarts a stopped VM at its startVm event: its IOs stop with it and resume (Fig. 13's idle VM comes back)", () => {
    const s = spec(4, 64);
    s.durationS = 6;
    s.events = [
      { atS: 2, kind: "stopVm", host: 0, vm: 0 },
      { atS: 4, kind: "startVm", host: 0, vm: 0 },
    ];
    const run = runCluster(s);
    const ios = run.samples.filter((x) => x.host === 0).map((x) => x.vmIos[0]);
    expect(ios).toHaveLength(6);
    expect(ios[0]).toBeGreaterThan(100);
    expect(ios[3]).toBe(0); // (3 s, 4 s]: stopped, its last IOs long done
    expect(ios[4]).toBeGreaterThan(100);
    expect(ios[5]).toBeGreaterThan(100);
    // summarize(run, 3, 4) averages the samples in (3 s, 4 s]: not the one at 3 s, which holds the IOs draining after the stop.
    expect(ios[2]).toBeGreaterThan(0);
    expect(summarize(run, 3, 4).vmIops[0][0]).toBe(0);
    expect(summarize(run, 4, 6).vmIops[0][0]).toBe((ios[4] + ios[5]) / 2);
  });

  it("a cache-resident VM's disk is served from the array cache in every one of its interleaved 1 GB extents, and no other VM's is", () => {
    // SPEED'08's check 3 setup: one host's IOs hit the array cache. Under interleaved placement a VM's k-th GB sits
    // k·(VMs) GB into the LUN; caching the next GBs instead would serve other VMs' extents from the cache.
    const s = spec(4, 64);
    s.hosts = s.hosts.map((h, i) => ({ ...h, control: "none", scheduler: "fcfs", vms: [microVm({ oio: 16, cacheResident: i === 0 })] }));
    const samples = runCluster(s).samples;
    for (const x of samples.filter((y) => y.host === 0)) expect(x.latencyMs).toBeCloseTo(0.5, 9); // cacheHitMs, every IO
    for (const x of samples.filter((y) => y.host === 1)) expect(x.latencyMs).toBeGreaterThan(2); // disk reads
  });

  it("starts a VM at its startS: no IO from it before then", () => {
    const s = spec(4, 64);
    s.hosts[1] = { ...s.hosts[1], vms: [microVm({ oio: 64, startS: 2 })] };
    const ios = runCluster(s)
      .samples.filter((x) => x.host === 1)
      .map((x) => x.ios);
    expect(ios.slice(0, 2)).toEqual([0, 0]);
    expect(Math.min(...ios.slice(2))).toBeGreaterThan(100);
  });
});

describe("runCluster's events", () => {
  it("stops a VM at its stopS: no IO from it after then", () => {
    const s = spec(4, 64);
    s.hosts[1] = { ...s.hosts[1], vms: [microVm({ oio: 64, stopS: 2 })] };
    const ios = runCluster(s)
      .samples.filter((x) => x.host === 1)
      .map((x) => x.ios);
    expect(Math.min(...ios.slice(0, 2))).toBeGreaterThan(100);
    expect(ios.slice(3)).toEqual([0]); // the second after 2 s may still see IOs issued before the stop complete
  });

  it("a setThreshold event moves L on every host, not only the first", () => {
    // L = 30 ms holds both 64-OIO hosts below w_max; from 1 s L = 2000 ms lets every window grow to w_max = 64.
    const s = spec(4, 64);
    s.control = { ...s.control, periodS: 0.25 };
    s.events = [{ atS: 1, kind: "setThreshold", latencyThresholdMs: 2000 }];
    const last = runCluster(s).samples.slice(-2);
    expect(last.map((x) => x.window)).toEqual([64, 64]);
  });
});

describe("QosHost control tick", () => {
  /** One host of `vms` on a small RAID-5 LUN, driven tick by tick (no cluster: the test calls controlTick). */
  function oneHost(vms: VmSpec[], control: ControlSpec = PARDA_CONTROL, mode: HostSpec["control"] = "parda") {
    const sim = new Simulation();
    const disks = Array.from({ length: 4 }, () => new SptfDisk(sim, FC_10K_DISK));
    const lun = new Raid5Lun(sim, disks, { stripeUnitSectors: 128, cachedRanges: [], cacheHitMs: 0.5 });
    const spec: HostSpec = { vms, control: mode, scheduler: "sfq", fixedDepth: 32 };
    const layouts = vms.map((_, i) => ({ base: i * SECTORS_PER_GB, extentSectors: SECTORS_PER_GB, stride: 1 }));
    const host = new QosHost(sim, 0, spec, control, lun, 0, layouts, new RngStreams(3));
    vms.forEach((_, i) => {
      host.startVm(i);
    });
    return { sim, host };
  }

  it("counts a VM whose IO is still at the array as active for β (§3.4: only an idle VM's share is dropped)", () => {
    // A control period shorter than an IO (here: up to the next completion) sees one VM reissue while the other's only
    // IO is still in flight: that VM is busy, and β stays the sum of both shares (20 + 10), not the reissuing VM's.
    const { sim, host } = oneHost([microVm({ share: 20, oio: 1, diskGB: 1 }), microVm({ share: 10, oio: 1, diskGB: 1 })]);
    const file = new SharedLatencyFile(1);
    const done = () => host.vms.map((v) => v.stats.completed);
    let t = 0;
    for (let k = 0; k < 20; k++) {
      host.controlTick(file);
      const before = done();
      while (done().every((c, i) => c === before[i])) sim.run({ until: (t += 1e5) });
      host.controlTick(file);
      expect(host.vms.map((v) => v.outstanding)).toEqual([1, 1]);
      expect(host.beta).toBe(30);
    }
  });

  it("in PARDA mode steers by the cluster-wide average from the shared file, not by its own latency (§3.1)", () => {
    // This host alone sees ~10 ms at an 8-IO load, below L = 30 ms; the other host's block says 300 ms over 10⁶ IOs.
    // The average is far above L, so the window must shrink; the host's own latency would have grown it.
    const { sim, host } = oneHost([microVm({ oio: 8, diskGB: 1 })]);
    const file = new SharedLatencyFile(2);
    file.write(1, 300e6, 1_000_000);
    sim.run({ until: 1e9 });
    const before = host.window;
    host.controlTick(file);
    expect(host.ewma.valueNs).toBeGreaterThan(0);
    expect(host.ewma.valueNs).toBeLessThan(30e6);
    expect(host.window).toBeLessThan(before);
  });

  it("writes PARDA Eq. 1 into its block: L(t) = (1 − α)·(the period's mean IO latency) + α·L(t − 1) (§4.2)", () => {
    // One host, so the file's average is the host's own block. The host's sample counters gather the same IOs'
    // latencies (nothing samples them here), so each period's mean is known from outside the EWMA.
    const { sim, host } = oneHost([microVm({ oio: 8, diskGB: 1 })]);
    const file = new SharedLatencyFile(1);
    const periodMean = () => {
      const m = host.sampleLatencyNs / host.sampleIos;
      host.sampleLatencyNs = 0;
      host.sampleIos = 0;
      return m;
    };
    sim.run({ until: 1e9 });
    const first = periodMean();
    host.controlTick(file);
    expect(file.average()).toBe(first); // the first period's mean as it is: no L(t − 1) yet
    sim.run({ until: 2e9 });
    const second = periodMean();
    host.controlTick(file);
    expect(Math.abs(second - first)).toBeGreaterThan(1e5); // 0.1 ms apart: the weights are told apart below
    expect(file.average()).toBeCloseTo((1 - PARDA_CONTROL.latencyEwmaAlpha) * second + PARDA_CONTROL.latencyEwmaAlpha * first, 6);
  });

  it("folds its period's mean in whatever its control: a flow host steers by it, a static host writes it", () => {
    for (const mode of ["flow", "static"] as const) {
      const { sim, host } = oneHost([microVm({ oio: 8, diskGB: 1 })], PARDA_CONTROL, mode);
      const file = new SharedLatencyFile(1);
      sim.run({ until: 1e9 });
      const mean = host.sampleLatencyNs / host.sampleIos;
      const before = host.window;
      host.controlTick(file);
      expect(host.ewma.valueNs).toBe(mean);
      expect(file.average()).toBe(mean);
      // SPEED'08 flow control: its own latency, ~10 ms at 8 IOs, is below L = 30 ms, so its window grows (≤ 2x).
      if (mode === "flow") expect(host.window).toBeGreaterThan(before);
    }
  });

  it("per-io form: the block holds the per-IO average, α weighting each new IO, which lags a period's mean", () => {
    const { sim, host } = oneHost([microVm({ oio: 8, diskGB: 1 })], { ...PARDA_CONTROL, latencyEwmaForm: "per-io" });
    const file = new SharedLatencyFile(1);
    sim.run({ until: 1e9 });
    host.controlTick(file);
    const mean = host.sampleLatencyNs / host.sampleIos;
    expect(file.average()).toBe(host.ewma.valueNs);
    expect(Math.abs(file.average() - mean)).toBeGreaterThan(1e4); // not the period's mean
  });

  it("writes only the IOs of the last period to the shared file: a host gone idle no longer weighs in the average (§3.1)", () => {
    const { sim, host } = oneHost([microVm({ oio: 8, diskGB: 1 })]);
    const file = new SharedLatencyFile(2);
    file.write(1, 5e6, 100); // the other host: 5 ms over 100 IOs
    sim.run({ until: 1e9 });
    host.controlTick(file);
    expect(file.average()).toBeGreaterThan(5e6); // this host's own IOs take ~10 ms
    host.stopVm(0);
    sim.run({ until: 2e9 }); // its last IOs complete in this period
    host.controlTick(file);
    sim.run({ until: 3e9 }); // a period with no IO at all
    host.controlTick(file);
    expect(file.average()).toBe(5e6);
  });

  it("keeps as many IOs at the array as its window, to the nearest whole IO, from each tick on (the window is the issue-queue limit)", () => {
    // PARDA §3: the window is the host's issue-queue length. A depth a whole IO short of a 4.9 window, or a depth
    // left at the previous window in the adapter or the scheduler, breaks windows ∝ β at small windows.
    const { sim, host } = oneHost([microVm({ oio: 64, diskGB: 1 })], { ...PARDA_CONTROL, windowMin: 1, latencyThresholdMs: 8 });
    const file = new SharedLatencyFile(1);
    let fractions = 0;
    for (let k = 1; k <= 40; k++) {
      // L = 8 ms holds the window small (fractional windows); then L = 200 ms lets it grow past the initial 32 to w_max.
      if (k === 21) host.latencyThresholdMs = 200;
      sim.run({ until: k * 5e8 });
      host.controlTick(file);
      const depth = host.adapter.issueQueueDepth;
      expect(Math.abs(depth - host.window)).toBeLessThanOrEqual(0.5);
      if (host.window - Math.floor(host.window) > 0.5) fractions++;
      sim.run({ until: k * 5e8 + 2e8 });
      expect(host.adapter.inFlight).toBe(depth);
    }
    expect(fractions).toBeGreaterThan(0);
    expect(host.window).toBe(64);
  });

  it("a host whose VMs are all idle drops out of the average (its block holds 0 IOs) and keeps its last β until one resumes", () => {
    // PARDA §3.1 weighs each host's latency by its IOs, so an idle host's stale latency counts for nothing. What β an
    // all-idle host holds, the paper does not say (§3.4 and Fig. 13 idle one VM of two): ours keeps the last active
    // one (docs/parda.md), and the first tick after a VM resumes takes β from that VM's share alone.
    const { sim, host } = oneHost([microVm({ share: 20, oio: 8, diskGB: 1 }), microVm({ share: 10, oio: 8, diskGB: 1 })]);
    const file = new SharedLatencyFile(2);
    file.write(1, 5e6, 100); // the other host: 5 ms over 100 IOs
    sim.run({ until: 1e9 });
    host.controlTick(file);
    expect(host.beta).toBe(30);
    expect(file.average()).toBeGreaterThan(5e6);
    host.stopVm(0);
    host.stopVm(1);
    sim.run({ until: 2e9 }); // their last IOs complete in this period
    host.controlTick(file);
    expect(host.beta).toBe(30);
    for (let k = 3; k <= 5; k++) {
      sim.run({ until: k * 1e9 }); // periods with no IO at all
      host.controlTick(file);
      expect(host.ewma.valueNs).toBeGreaterThan(5e6); // its last latency stays in its block…
      expect(file.average()).toBe(5e6); // …with weight 0
      expect(host.beta).toBe(30); // the last active β, not 0
    }
    host.startVm(1);
    sim.run({ until: 6e9 });
    host.controlTick(file);
    expect(host.beta).toBe(10);
  });

  it("β starts as the shares of the VMs running from t = 0, and stays > 0 (the law's domain) while every VM is idle (§3.4)", () => {
    const { sim, host } = oneHost([microVm({ share: 10, oio: 4, diskGB: 1 }), microVm({ share: 20, startS: 5, diskGB: 1 })]);
    // The share-20 VM starts at 5 s: until then it is not one of the host's active VMs.
    expect(host.beta).toBe(10);
    const file = new SharedLatencyFile(1);
    sim.run({ until: 1e9 });
    host.controlTick(file);
    expect(host.beta).toBe(30); // oneHost started both VMs at 0
    host.stopVm(0);
    host.stopVm(1);
    sim.run({ until: 2e9 });
    host.controlTick(file);
    sim.run({ until: 3e9 });
    host.controlTick(file); // a period with no IO from any VM: no share to take β from
    expect(host.beta).toBeGreaterThan(0); // β = 0 is outside the law (checkWindowLaw refuses it)
  });
});
