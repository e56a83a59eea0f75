import { type Benchmark, wallNs } from "@vmlab/core-vm";
import { FC_10K_DISK } from "../array/sptf-disk.js";
import { runCluster } from "../cluster/cluster.js";
import { type ClusterSpec, microVm, PARDA_CONTROL } from "../cluster/config.js";
import { NaiveSfq } from "./naive-sfq.js";

/** 8 hosts × 4 VMs (8 OIO each) under PARDA on one 10-disk RAID-5 LUN. */
export function benchSpec(durationS: number): ClusterSpec {
  return {
    hosts: Array.from({ length: 8 }, () => ({
      vms: [1, 1, 2, 2].map((share) => microVm({ share, oio: 8 })),
      control: "parda" as const,
      scheduler: "sfq" as const,
      fixedDepth: 32,
    })),
    placement: "interleaved",
    control: { ...PARDA_CONTROL, latencyThresholdMs: 30 },
    array: { model: "qos", disks: 10, disk: FC_10K_DISK, stripeUnitSectors: 128, cacheHitMs: 0.5 },
    events: [],
    durationS,
    sampleS: 2,
    seed: 1,
  };
}

/** Best of `rounds` timed runs (after one warm-up), in virtual seconds per wall second. */
function rate(run: () => void, virtualS: number, rounds: number): number {
  run();
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = wallNs();
    run();
    const s = (wallNs() - t0) / 1e9;
    best = Math.max(best, virtualS / s);
  }
  return best;
}

export const pardaBenchmark: Benchmark = {
  name: "qos.parda",
  unit: "virtual s / wall s",
  description:
    "PARDA with SFQ(D) in each of 8 hosts × 4 VMs (shares 1:1:2:2, 8 OIO each) on one 10-disk RAID-5 LUN; baseline: the same run with a naive SFQ (array sorted per dispatch)",
  run: ({ quick }) => {
    const virtualS = quick ? 20 : 120;
    const spec = benchSpec(virtualS);
    const ours = rate(() => runCluster(spec), virtualS, quick ? 1 : 3);
    const naive = rate(
      () =>
        runCluster(
          spec,
          undefined,
          (h, depth) =>
            new NaiveSfq(
              h.vms.map((v) => v.share),
              depth,
            ),
        ),
      virtualS,
      quick ? 1 : 2,
    );
    return { value: ours, baseline: { name: "naive SFQ (sort per dispatch)", value: naive } };
  },
};
