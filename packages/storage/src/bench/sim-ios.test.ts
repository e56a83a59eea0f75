import { createHash } from "node:crypto";
import { RngStreams } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { IoPool } from "../iostack/stack-io.js";
import type { VirtualDisk } from "../iostack/virtual-disk.js";
import { buildTestbed, startWorkers } from "../scenarios/esx-disk-perf-testbed.js";
import { SIM_IOS_SPEC, SIM_IOS_TEST_SECTORS, SIM_IOS_TESTBED, simIosBenchmark, simulate } from "./sim-ios.js";

/** SHA-256 of every completion at the vSCSI layer (VM, time, LBA, read) of `virtualNs` of the bench's model. */
function completionDigest(virtualNs: number): { ios: number; digest: string } {
  const tb = buildTestbed(SIM_IOS_TESTBED);
  const h = createHash("sha256");
  const rec = new Float64Array(4);
  let ios = 0;
  for (const t of tb.targets)
    (t as VirtualDisk).addObserver({
      onIssue() {},
      onComplete(req, now) {
        rec[0] = req.vm;
        rec[1] = now;
        rec[2] = req.lba;
        rec[3] = req.isRead ? 1 : 0;
        h.update(new Uint8Array(rec.buffer));
        ios++;
      },
    });
  const rng = new RngStreams(42);
  startWorkers(tb, SIM_IOS_SPEC, SIM_IOS_TEST_SECTORS, (i) => rng.get(`vm${i}`));
  tb.sim.run({ until: virtualNs });
  return { ios, digest: h.digest("hex") };
}

describe("storage.sim-ios", () => {
  it("simulates a deterministic amount of work, and the per-IO-allocation baseline computes exactly the same model", () => {
    const a = simulate(2e9);
    expect(a).toBeGreaterThan(1000);
    // What the rate counts: IOs completed at the VMs' virtual disks (not issued ones, which include those still in flight).
    expect(a).toBe(completionDigest(2e9).ios);
    expect(simulate(2e9)).toBe(a);
    IoPool.recycle = false;
    try {
      expect(simulate(2e9)).toBe(a);
    } finally {
      IoPool.recycle = true;
    }
  });

  it("computes exactly what it always has: speed work on the models must not change a completion (golden digest)", () => {
    // 70 s: the cache fills past its high watermark (~63 s) and destages RAID-5 read-modify-writes.
    // A deliberate model change updates this golden and says so; an optimization never does.
    // Model change: the host port became full duplex, write data crossing it into the array before the cache takes it.
    // Model change: RAID-5 writes to one stripe go one at a time (destage runs of pages in one stripe read-modify-wrote it together).
    // Model change: a member disk's read hit waiting for its read-ahead has its data cross the interface as the head reads it.
    // Model change: a member disk's queued read of sectors its previous read brought in is served from the buffer.
    // Model change: a member disk serves a read from its read-ahead only when that is no later than a media read (and
    // no queued media command is closer): 313,441 -> 313,918 IOs.
    // Model change: a RAID-5 partial-stripe write over two chunks that leaves rows between its parts reads and writes
    // the parity of the rows it changes (two ranges), not the whole chunk: 313,918 -> 313,561 IOs.
    expect(completionDigest(70e9)).toEqual({ ios: 313_561, digest: "cf6197a69cc95a282071b6374e4cba406740b66c7312a66690a8646f58cdbdc5" });
  });

  it("is registered with a unit and a description naming its baseline", () => {
    expect(simIosBenchmark.name).toBe("storage.sim-ios");
    expect(simIosBenchmark.description).toMatch(/baseline/);
  });
});
