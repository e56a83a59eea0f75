import { isVmlabError } from "@vmlab/core-vm";
import { refusedDetail } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { FC_10K_DISK } from "../array/sptf-disk.js";
import { SharedLatencyFile } from "../control/shared-file.js";
import { type ClusterRun, checkClusterSpec, runCluster, summarize } from "./cluster.js";
import { type ClusterSpec, microVm, PARDA_CONTROL } from "./config.js";

const spec = (): ClusterSpec => ({
  hosts: [1, 2].map((share) => ({ vms: [microVm({ share })], control: "parda", scheduler: "sfq", fixedDepth: 32 })),
  placement: "interleaved",
  control: { ...PARDA_CONTROL },
  array: { model: "qos", disks: 10, disk: FC_10K_DISK, stripeUnitSectors: 128, cacheHitMs: 0.5 },
  events: [{ atS: 1, kind: "stopVm", host: 1, vm: 0 }],
  durationS: 10,
  sampleS: 2,
  seed: 1,
});

// biome-ignore lint/suspicious/noExplicitAny: a spec read from a JSON file is untyped, which is the point of these tests
type Json = any;

/** The key the error names, or "ran" if the spec was accepted. */
function refusedKey(edit: (s: Record<string, Json>) => void): string {
  // A spec read from a JSON file: TypeScript's checks do not reach it.
  const s = JSON.parse(JSON.stringify(spec())) as Record<string, Json>;
  s.hosts.forEach((h: Record<string, Json>) => {
    h.vms[0].limitIops = Number.POSITIVE_INFINITY;
    h.vms[0].stopS = Number.POSITIVE_INFINITY;
  });
  edit(s);
  return refusedDetail(() => checkClusterSpec(s as ClusterSpec), "VMLAB_QOS_BAD_CONFIG");
}

describe("checkClusterSpec on a spec from a config file", () => {
  it("accepts the spec as built", () => {
    expect(refusedKey(() => {})).toBe("ran");
    expect(() => checkClusterSpec(spec())).not.toThrow();
  });

  it("refuses an unknown enum value instead of running another mode", () => {
    // Each ran: "interleave" as contiguous, "SFQ" as SFQ, "PARDA" uncontrolled, "Storage" on the qos array, "stop" as startVm.
    expect(refusedKey((s) => (s.placement = "interleave"))).toBe("placement");
    expect(refusedKey((s) => (s.hosts[0].scheduler = "SFQ"))).toBe("hosts[0].scheduler");
    expect(refusedKey((s) => (s.hosts[1].control = "PARDA"))).toBe("hosts[1].control");
    expect(refusedKey((s) => (s.array.model = "Storage"))).toBe("array.model");
    expect(refusedKey((s) => (s.events[0].kind = "stop"))).toBe("events[0].kind");
  });

  it("refuses a control period too short to end: one that rounds to 0 ns ticked at the same instant forever", () => {
    expect(refusedKey((s) => (s.control.periodS = 1e-12))).toBe("control.periodS");
    expect(refusedKey((s) => (s.control.periodS = 0.0009))).toBe("control.periodS");
    expect(refusedKey((s) => (s.control.periodS = 0.001))).toBe("ran");
  });

  it("refuses a misspelt key instead of ignoring it", () => {
    expect(refusedKey((s) => (s.control.betaPerShares = 3))).toBe("control.betaPerShares");
    expect(refusedKey((s) => (s.hosts[0].vms[0].shares = 3))).toBe("hosts[0].vms[0].shares");
    expect(refusedKey((s) => (s.hosts[0].fixedDept = 3))).toBe("hosts[0].fixedDept");
    expect(refusedKey((s) => (s.array.stripeUnit = 3))).toBe("array.stripeUnit");
    expect(refusedKey((s) => (s.array.disk.rpms = 3))).toBe("array.disk.rpms");
    expect(refusedKey((s) => (s.duration = 3))).toBe("duration");
    expect(refusedKey((s) => (s.events = [{ atS: 1, kind: "setThreshold", latencyThreshold: 30 }]))).toBe("events[0].latencyThreshold");
  });

  it("names the control keys as written in the spec", () => {
    // They were named without "control." (and betaPerShare as "beta"); initialWindow as the scheduler's "depth".
    expect(refusedKey((s) => (s.control.latencyThresholdMs = 0))).toBe("control.latencyThresholdMs");
    expect(refusedKey((s) => (s.control.betaPerShare = -1))).toBe("control.betaPerShare");
    expect(refusedKey((s) => delete s.control.initialWindow)).toBe("control.initialWindow");
    expect(refusedKey((s) => (s.control.latencyEwmaAlpha = 0))).toBe("control.latencyEwmaAlpha");
    expect(refusedKey((s) => (s.control.latencyEwmaForm = "per-period"))).toBe("control.latencyEwmaForm");
    // Eq. 1's α is the past's weight: α = 1 would keep the first period's latency for good (fine per IO: no smoothing).
    expect(refusedKey((s) => (s.control.latencyEwmaAlpha = 1))).toBe("control.latencyEwmaAlpha");
    expect(refusedKey((s) => Object.assign(s.control, { latencyEwmaAlpha: 1, latencyEwmaForm: "per-io" }))).toBe("ran");
    expect(refusedKey((s) => (s.control.windowMax = Number.POSITIVE_INFINITY))).toBe("control.windowMax"); // died mid-run on depth Infinity
  });

  it("refuses events that point nowhere and values that ran without a word", () => {
    expect(refusedKey((s) => (s.events[0].host = 7))).toBe("events[0].host"); // TypeError inside the run
    expect(refusedKey((s) => (s.events[0].vm = 1))).toBe("events[0].vm"); // TypeError inside the run
    expect(refusedKey((s) => (s.events[0].atS = -1))).toBe("events[0].atS");
    expect(refusedKey((s) => delete s.events)).toBe("events"); // TypeError
    expect(refusedKey((s) => delete s.seed)).toBe("seed"); // ran on a seed of its own
    expect(refusedKey((s) => (s.seed = 1.5))).toBe("seed");
    expect(refusedKey((s) => (s.hosts[0].vms[0].stopS = null))).toBe("hosts[0].vms[0].stopS"); // never stopped
    expect(refusedKey((s) => (s.hosts[0].vms[0].cacheResident = "no"))).toBe("hosts[0].vms[0].cacheResident"); // cache-resident
    expect(refusedKey((s) => (s.hosts[0].vms[0].ioKB = 0.3))).toBe("hosts[0].vms[0].ioKB"); // IOs of 0.6 sectors
    expect(refusedKey((s) => (s.hosts[0].vms[0].limitIops = -5))).toBe("hosts[0].vms[0].limitIops");
    expect(refusedKey((s) => (s.sampleS = 20))).toBe("sampleS"); // no sample at all
    expect(refusedKey((s) => (s.sampleS = 1e-10))).toBe("sampleS"); // rounded to 0 ns: the sampler never let the clock move
    expect(refusedKey((s) => (s.sampleS = 1e-3))).toBe("ran"); // 10,000 samples over the spec's 10 s
    expect(refusedKey((s) => Object.assign(s, { durationS: 100, sampleS: 1e-3 }))).toBe("sampleS"); // 100,000: gigabytes of samples
    expect(refusedKey((s) => Object.assign(s, { durationS: 40, sampleS: 2e-3 }))).toBe("ran"); // 20,000, the most taken
    expect(refusedKey((s) => (s.hosts[0].vms = []))).toBe("hosts[0].vms"); // the scheduler would name its "shares"
  });

  it("refuses an event or a VM start after the end of the run: it never fired, and the run went without it", () => {
    // durationS is 10: each ran as if the change had not been asked for.
    expect(refusedKey((s) => (s.events[0].atS = 100))).toBe("events[0].atS");
    expect(refusedKey((s) => s.events.push({ atS: 10.5, kind: "setThreshold", latencyThresholdMs: 20 }))).toBe("events[1].atS");
    expect(refusedKey((s) => (s.hosts[1].vms[0].startS = 11))).toBe("hosts[1].vms[0].startS");
    expect(() => checkClusterSpec({ ...spec(), events: [{ atS: 12, kind: "startVm", host: 0, vm: 0 }] })).toThrow(
      /^events\[0\]\.atS: must be <= durationS \(10 s\): an event after the end of the run never fires, got 12;/,
    );
    // At the end itself is taken (a scenario's "until the end").
    expect(refusedKey((s) => (s.events[0].atS = 10))).toBe("ran");
    expect(refusedKey((s) => (s.hosts[1].vms[0].startS = 10))).toBe("ran");
  });
});

describe("checkClusterSpec refuses what runCluster would, before anything runs, naming the VM", () => {
  /** The key refused once `placement` is set and the VMs' diskGB are set to `gbs` (host by host). */
  const disks = (placement: string, gbs: number[], edit: (s: Record<string, Json>) => void = () => {}) =>
    refusedKey((s) => {
      s.placement = placement;
      gbs.forEach((gb, i) => {
        s.hosts[i].vms[0].diskGB = gb;
      });
      edit(s);
    });

  // Each passed checkClusterSpec and was refused by runCluster, naming "placement" or "hosts[].vms[].diskGB".
  it("interleaved placement with unequal diskGB names the first VM that differs", () => {
    expect(disks("interleaved", [16, 8])).toBe("hosts[1].vms[0].diskGB");
    expect(disks("contiguous", [16, 8])).toBe("ran");
  });

  it("a fractional diskGB: whole GB when interleaved, whole sectors when contiguous", () => {
    expect(disks("interleaved", [1.5, 1.5])).toBe("hosts[0].vms[0].diskGB");
    expect(disks("contiguous", [16, 1.5])).toBe("ran");
    // 0.3 GB is 629145.6 sectors: the next VM's disk started at a fractional LBA.
    expect(disks("contiguous", [0.3, 16])).toBe("hosts[0].vms[0].diskGB");
    expect(disks("contiguous", [16, 16 / 2 ** 21])).toBe("hosts[1].vms[0].diskGB"); // 16 sectors: no room for one 16 KB IO
  });

  it("disks too big for the LUN name the first VM that does not fit, under either placement", () => {
    // The LUN: 9 data disks of 286,749,488 sectors (whole 128-sector stripe units) = 2,580,744,960 sectors, 1230.6 GB.
    expect(disks("contiguous", [615, 615])).toBe("ran");
    expect(disks("contiguous", [616, 616])).toBe("hosts[1].vms[0].diskGB"); // ends at 1232 GB
    expect(disks("contiguous", [1231, 1])).toBe("hosts[0].vms[0].diskGB");
    expect(disks("interleaved", [615, 615])).toBe("ran");
    expect(disks("interleaved", [616, 616])).toBe("hosts[0].vms[0].diskGB"); // its last 1 GB extent is the LUN's 1231st
    const threeDisks = (s: Record<string, Json>) => {
      s.array.disks = 3;
    };
    expect(disks("interleaved", [16, 16], threeDisks)).toBe("ran");
    expect(disks("contiguous", [136, 137], threeDisks)).toBe("ran"); // 2 data disks: 273.47 GB
    expect(disks("contiguous", [136, 138], threeDisks)).toBe("hosts[1].vms[0].diskGB");
  });

  it("the array's own fields and cache-resident disks on the storage array, which only runCluster checked", () => {
    expect(refusedKey((s) => (s.array.stripeUnitSectors = 0))).toBe("array.stripeUnitSectors");
    expect(refusedKey((s) => (s.array.cacheHitMs = -1))).toBe("array.cacheHitMs");
    expect(refusedKey((s) => (s.array.disk.rpm = 0))).toBe("array.disk.rpm");
    // Members smaller than a stripe unit: the LUN had 0 sectors, and the error blamed the first VM's diskGB.
    expect(refusedKey((s) => Object.assign(s.array.disk, { capacitySectors: 64, cylinders: 2, sectorsPerTrack: 32 }))).toBe(
      "array.stripeUnitSectors",
    );
    expect(
      disks("interleaved", [], (s) => {
        s.array.model = "storage";
        s.hosts[1].vms[0].cacheResident = true;
      }),
    ).toBe("hosts[1].vms[0].cacheResident");
  });

  it("on the qos array, IOs that would span two stripe units (its members serve each IO whole)", () => {
    const io = (kb: number, edit: (s: Record<string, Json>) => void = () => {}) =>
      disks("interleaved", [], (s) => {
        s.hosts[1].vms[0].ioKB = kb;
        edit(s);
      });
    expect(io(64)).toBe("ran");
    expect(io(48)).toBe("hosts[1].vms[0].ioKB"); // a 96-sector IO at LBA 96 went whole to unit 0's member
    expect(io(128)).toBe("hosts[1].vms[0].ioKB");
    expect(io(48, (s) => (s.array.model = "storage"))).toBe("ran"); // the storage array splits IOs by chunk
    expect(io(16, (s) => (s.array.stripeUnitSectors = 96))).toBe("array.stripeUnitSectors"); // 1 GB extents are not whole units
    expect(io(16, (s) => (s.placement = "contiguous"))).toBe("ran");
    expect(disks("contiguous", [0.5, 16])).toBe("ran");
    expect(disks("contiguous", [(0.5 * 2 ** 21 + 64) / 2 ** 21, 16])).toBe("hosts[0].vms[0].diskGB"); // the next disk starts mid-unit
  });

  it("runCluster gives the same refusal, naming the same key, before anything runs", () => {
    const s = spec();
    s.hosts[1].vms[0].diskGB = 8;
    let progress = 0;
    try {
      runCluster(s, () => progress++);
      expect.unreachable();
    } catch (e) {
      expect(isVmlabError(e) && e.details.key).toBe("hosts[1].vms[0].diskGB");
    }
    expect(progress).toBe(0);
  });
});

describe("summarize and the shared file on out-of-range input", () => {
  const run: ClusterRun = {
    hosts: 1,
    sampleS: 2,
    events: 0,
    samples: [2, 4].map((t) => ({ t, host: 0, window: 8, iops: 50, latencyMs: 10, ios: 100, latencySumMs: 1000, vmIos: [100] })),
  };

  it("summarize refuses a window that holds no sample instead of averaging it to zeros", () => {
    expect(summarize(run, 0, 4).hostIops).toEqual([50]);
    for (const [from, to] of [
      [4, 10],
      [3, 1],
      [2.5, 3.5],
    ])
      expect(() => summarize(run, from, to)).toThrow(/holds no sample/); // was IOPS 0, latency 0
  });

  it("the shared file refuses a host it has no block for (a typed array dropped the write)", () => {
    const f = new SharedLatencyFile(3);
    expect(() => f.write(3, 10, 100)).toThrow(/host 3 does not exist/);
    expect(() => f.write(0.5, 10, 100)).toThrow(/host 0.5 does not exist/);
  });

  it("the shared file refuses a host count that is not a whole number >= 1, and a block it cannot average", () => {
    // 2.5 hosts made 2 blocks: host 2's write was dropped and the average came out 0 ("no IO"), not 25 ms.
    for (const n of [2.5, 0, Number.NaN]) expect(() => new SharedLatencyFile(n)).toThrow(/^hosts: must be an integer >= 1/);
    const f = new SharedLatencyFile(2);
    f.write(0, 10e6, 100);
    expect(() => f.write(1, 40e6, -100)).toThrow(/^ios: host 1's IO count must be an integer >= 0, got -100/); // averaged to 0
    expect(() => f.write(1, Number.NaN, 100)).toThrow(/^smoothedLatencyNs: host 1's latency/); // averaged to NaN
    expect(f.average()).toBe(10e6);
    f.write(1, 40e6, 100);
    expect(f.average()).toBe(25e6);
  });
});

describe("summarize", () => {
  it("averages latency over IOs, not over samples: a host's latency is Σ latency / Σ IOs (the mean device latency of its IOs)", () => {
    const sample = (t: number, host: number, ios: number, latencySumMs: number) => ({
      t,
      host,
      window: 8,
      iops: ios,
      latencyMs: latencySumMs / ios,
      ios,
      latencySumMs,
      vmIos: [ios],
    });
    const run: ClusterRun = {
      hosts: 2,
      sampleS: 1,
      events: 0,
      samples: [sample(1, 0, 100, 1000), sample(1, 1, 50, 250), sample(2, 0, 300, 6000), sample(2, 1, 150, 4500)],
    };
    const s = summarize(run, 0, 2);
    expect(s.hostLatencyMs).toEqual([7000 / 400, 4750 / 200]);
    expect(s.latencyMs).toBe(11750 / 600);
    expect(s.hostIops).toEqual([200, 100]);
    expect(s.totalIops).toBe(300);
  });
});
