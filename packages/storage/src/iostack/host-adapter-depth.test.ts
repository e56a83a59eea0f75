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
