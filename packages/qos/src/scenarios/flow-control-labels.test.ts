import { describe, expect, it } from "vitest";
import { FlowControlConfig, flowControl } from "./flow-control.js";
import { runQuick } from "./run-quick.test-support.js";

describe("flow-control says what its chart plots and which runs its placement key applies to", () => {
  it("the latency-vs-load chart's title names what it plots: latency only, no throughput it does not draw", async () => {
    const r = await runQuick(flowControl, { durationS: 40, measureFromS: 20, oioSweep: [4, 8] });
    const fig = r.figures.find((f) => f.name === "latency-vs-load");
    if (!fig) throw new Error("no latency-vs-load figure");
    const plotted = JSON.stringify(fig.spec.encoding);
    expect(plotted).toContain('"latency_ms"');
    expect(plotted).not.toContain('"iops"');
    expect(fig.title).toMatch(/latency/i);
    expect(fig.title).not.toMatch(/throughput|IOPS/i);
  });

  it("placement's description says the static-depth and latency-vs-load runs are always interleaved", () => {
    const d = FlowControlConfig.shape.placement.description ?? "";
    expect(d).toMatch(/control runs/);
    expect(d).toMatch(/static-depth and latency-vs-load runs .*always interleaved/);
  });
});
