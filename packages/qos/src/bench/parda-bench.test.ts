import { describe, expect, it } from "vitest";
import { runCluster, summarize } from "../cluster/cluster.js";
import { NaiveSfq } from "./naive-sfq.js";
import { benchSpec } from "./parda-bench.js";

describe("qos.parda benchmark", () => {
  it("the naive baseline simulates exactly the same run as SfqD", () => {
    const spec = benchSpec(6);
    const ours = runCluster(spec);
    const naive = runCluster(
      spec,
      undefined,
      (h, depth) =>
        new NaiveSfq(
          h.vms.map((v) => v.share),
          depth,
        ),
    );
    expect(JSON.stringify(naive.samples)).toBe(JSON.stringify(ours.samples));
    expect(summarize(ours, 0, 6).totalIops).toBeGreaterThan(1000);
  });
});
