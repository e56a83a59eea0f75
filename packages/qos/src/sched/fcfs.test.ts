import { isVmlabError } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { Fcfs } from "./fcfs.js";

function refusal(f: () => void): string {
  try {
    f();
    return "accepted";
  } catch (e) {
    if (!isVmlabError(e)) throw e;
    return `${e.code}: ${e.message}`;
  }
}

describe("Fcfs", () => {
  it("serves requests in arrival order across VMs, at most depth at a time", () => {
    const f = new Fcfs(2, 2);
    f.enqueue(1, 10, 1, 0);
    f.enqueue(0, 11, 1, 1);
    f.enqueue(1, 12, 1, 2);
    expect([f.dispatch(3), f.lastVm, f.dispatch(3), f.lastVm, f.dispatch(3)]).toEqual([10, 1, 11, 0, -1]);
    f.complete(1, 4);
    expect([f.dispatch(4), f.lastVm]).toEqual([12, 1]);
  });

  it("setDepth moves the bound (PARDA's window) and refuses a depth < 1; a completion with nothing outstanding opens no slot", () => {
    const f = new Fcfs(1, 1);
    f.complete(0, 0);
    for (let i = 0; i < 6; i++) f.enqueue(0, i, 1, 0);
    expect([f.dispatch(0), f.dispatch(0)]).toEqual([0, -1]);
    f.setDepth(3);
    expect([f.dispatch(0), f.dispatch(0), f.dispatch(0)]).toEqual([1, 2, -1]);
    expect(refusal(() => f.setDepth(0))).toMatch(/^VMLAB_QOS_BAD_CONFIG: depth: must be an integer >= 1/);
    expect(f.depth).toBe(3);
  });

  it("refuses a VM index the host does not have, naming the index and the count, as SFQ(D) and mClock do", () => {
    // It was not told the VM count: a request of VM 7 on a 2-VM host was queued and dispatched as VM 7's.
    const f = new Fcfs(2, 4);
    for (const vm of [7, 2, -1, 0.5, Number.NaN])
      expect(refusal(() => f.enqueue(vm, 0, 1, 0))).toBe(
        `VMLAB_QOS_UNKNOWN_FLOW: VM ${vm} does not exist (there are 2); use an index in [0, 1]`,
      );
    expect(f.queued).toBe(0);
    f.enqueue(1, 0, 1, 0);
    f.dispatch(0);
    expect(refusal(() => f.complete(7, 1))).toMatch(/^VMLAB_QOS_UNKNOWN_FLOW: VM 7 does not exist \(there are 2\)/);
    expect(f.outstanding).toBe(1);
  });

  it("refuses a VM count that is not an integer >= 1, naming it", () => {
    for (const n of [0, 1.5, Number.NaN]) expect(refusal(() => new Fcfs(n, 4))).toMatch(/^VMLAB_QOS_BAD_CONFIG: vmCount: /);
  });
});
