import { describe, expect, it } from "vitest";
import { runQuick } from "./run-quick.test-support.js";
import { vicCoalescing } from "./vic-coalescing.js";
import { vicGuest } from "./vic-guest.js";

describe("the vIC scenarios' sweep summary", () => {
  it("vic-coalescing: the largest gain is negative when coalescing cost throughput at every point (it was clamped at 0)", async () => {
    // OIO 16 alone loses about 1.2% at the defaults: the metric said 0 and the row "0%, pass".
    const r = await runQuick(vicCoalescing, { oio: [16] });
    const gain = r.tables[0].rows[0].throughput_gain as number;
    expect(gain).toBeLessThan(0);
    expect(r.metrics.max_throughput_gain).toBe(gain);
    expect(r.reference[0].ours).toBe(`${Math.round(gain * 1000) / 10}%`);
  });

  it("vic-guest: the same results whatever the order of virtualizationCostLoops, the rows naming the loop count they use", async () => {
    // The rows read the list's first loop count: 100,0 and 0,100 gave different metrics for the same grid.
    const over = { ios: 300, oio: [4, 16] };
    const a = await runQuick(vicGuest, { ...over, virtualizationCostLoops: [0, 100] });
    const b = await runQuick(vicGuest, { ...over, virtualizationCostLoops: [100, 0] });
    expect(b.metrics).toEqual(a.metrics);
    expect(b.reference.map((x) => [x.what, x.ours])).toEqual(a.reference.map((x) => [x.what, x.ours]));
    expect(a.reference.map((x) => x.what)).toContain("interrupts per IO at OIO 16, 0 loops, vIC on");
  });
});
