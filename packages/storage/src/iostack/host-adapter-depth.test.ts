import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { Ssd } from "../devices/ssd.js";
import { HostAdapter } from "./host-adapter.js";
import { HostCpu } from "./host-cpu.js";

const badConfig = (message: RegExp) =>
  expect.objectContaining({ code: "VMLAB_STORAGE_BAD_CONFIG", message: expect.stringMatching(message) });

describe("HostAdapter issue-queue depth", () => {
  it("is a whole number of slots >= 1: a fraction or NaN is refused at construction and at run time, the depth unchanged", () => {
    const sim = new Simulation();
    const make = (issueQueueDepth: number) =>
      new HostAdapter(sim, new Ssd(sim), { issueQueueDepth, cpu: new HostCpu(1), issueCostNs: 0, interruptCostNs: 0 });
    for (const d of [2.5, Number.NaN, 0])
      expect(() => make(d)).toThrow(badConfig(new RegExp(`issue-queue depth must be an integer >= 1, got ${d}`)));
    const adapter = make(4);
    for (const d of [2.5, Number.NaN]) expect(() => adapter.setIssueQueueDepth(d)).toThrow(badConfig(/integer >= 1/));
    expect(adapter.issueQueueDepth).toBe(4);
  });
});

describe("HostAdapter.submit", () => {
  it("refuses an IO that does not fit its target before it takes a slot: the adapter goes on issuing the next ones", () => {
    // Refused by the target below, the IO stayed counted in flight: at depth 1 the next good IO never completed.
    for (const issueCostNs of [0, 34_000]) {
      const sim = new Simulation();
      const ssd = new Ssd(sim);
      const adapter = new HostAdapter(sim, ssd, { issueQueueDepth: 1, cpu: new HostCpu(1), issueCostNs, interruptCostNs: 0 });
      let done = 0;
      const sink = { complete: () => void done++ };
      for (const [lba, sectors] of [
        [-8, 8],
        [ssd.capacitySectors, 8],
        [0, 0],
        [0, 2.5],
      ])
        expect(() => adapter.submit({ id: 1, vm: 0, lba, sectors, isRead: true, issueTime: 0 }, sink)).toThrow(
          badConfig(/^host adapter: IO \[/),
        );
      for (let id = 0; id < 5; id++) adapter.submit({ id, vm: 0, lba: id * 8, sectors: 8, isRead: true, issueTime: 0 }, sink);
      sim.run();
      expect(done).toBe(5);
      expect(adapter.save().completed).toBe(5);
    }
  });
});
