import { describe, expect, it } from "vitest";
import { pardaEndToEnd } from "./parda-end-to-end.js";
import { pardaEqualShares } from "./parda-equal-shares.js";
import { pardaProportional } from "./parda-proportional.js";
import { runQuick } from "./run-quick.test-support.js";

/** Reference rows' labels name the paper's setup, and the run's where it differs (as they do for L). */
describe("a reference row compared with the paper says when the run's setup is not the paper's", () => {
  it("parda-proportional: Fig. 8's β 1:1:2:2 beside this run's shares", async () => {
    // "paper ≈ 2 (IOPS roughly follow 1:1:2:2) | ours 1.03 | pass" for shares 1,1,1,1, under a label naming no shares.
    const even = await runQuick(pardaProportional, { shares: [1, 1, 1, 1] });
    const labels = even.reference.filter((r) => r.what.includes("ratio")).map((r) => r.what);
    expect(labels).toEqual([
      "window ratio, host with the largest β to host with the smallest (Fig. 8's β 1:1:2:2; this run's 1:1:1:1)",
      "IOPS ratio, largest-β host to smallest (Fig. 8's β 1:1:2:2; this run's 1:1:1:1)",
    ]);
    const paper = await runQuick(pardaProportional);
    expect(paper.reference.filter((r) => r.what.includes("this run's"))).toEqual([]);
  });

  it("parda-equal-shares: Table 3's 4 hosts beside another host count, and no per-host paper figures beside other hosts", async () => {
    const two = await runQuick(pardaEqualShares, { hosts: 2 });
    expect(two.reference.map((r) => r.what)).toContain("uncontrolled aggregate throughput (Table 3's 4 hosts; this run's 2)");
    expect(two.reference.every((r) => r.what.endsWith("(Table 3's 4 hosts; this run's 2)"))).toBe(true);
    const perHost = two.tables[0].rows;
    expect(perHost.map((r) => [r.paper_uncontrolled_iops, r.paper_parda_iops])).toEqual([
      [null, null],
      [null, null],
    ]);
    const four = await runQuick(pardaEqualShares);
    expect(four.tables[0].rows.map((r) => r.paper_parda_iops)).toEqual([730, 890, 930, 800]);
    expect(four.reference.filter((r) => r.what.includes("this run's"))).toEqual([]);
  });

  it("parda-end-to-end: Table 6's β of the hosts compared, beside this run's betaPerShare's", async () => {
    const half = await runQuick(pardaEndToEnd, { betaPerShare: 0.1 });
    expect(half.reference.map((r) => r.what)).toEqual(
      expect.arrayContaining([
        "host 3 to host 4 throughput (β 4:2; this run's 2:1)",
        "host 1 to host 2 throughput (β 6:4; this run's 3:2)",
      ]),
    );
    const paper = await runQuick(pardaEndToEnd);
    expect(paper.reference.map((r) => r.what)).toEqual(
      expect.arrayContaining(["host 3 to host 4 throughput (β 4:2)", "host 1 to host 2 throughput (β 6:4)"]),
    );
  });
});
