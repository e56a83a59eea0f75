import { Simulation } from "@vmlab/core-vm";
import { Hdd } from "./hdd.js";

/**
 * A disk whose first media read (8 sectors at LBA 0) has just completed and started its read-ahead;
 * `read` submits a read now, and `done` maps each IO's id to its completion time.
 * Test support, not in the package's index.
 */
export function afterFirstRead() {
  const sim = new Simulation();
  const hdd = new Hdd(sim);
  const done = new Map<number, number>();
  const sink = { complete: (r: { id: number }) => done.set(r.id, sim.now) };
  const read = (id: number, lba: number, sectors: number) =>
    hdd.submit({ id, vm: 0, lba, sectors, isRead: true, issueTime: sim.now }, sink);
  read(0, 0, 8);
  sim.run();
  done.clear();
  return { sim, hdd, done, read };
}
