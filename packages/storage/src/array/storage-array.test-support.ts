import { RngStreams, Simulation } from "@vmlab/core-vm";
import { Hdd } from "../devices/hdd.js";
import type { IoRequest } from "../io.js";
import type { BlockTarget, IoSink } from "../iostack/target.js";
import { IometerWorkload } from "../workload/iometer.js";
import { RaidGroup } from "./raid.js";
import { type ArrayOptions, StorageArray } from "./storage-array.js";

/** Arrays and member disks for the array controller's tests. */
export function build(options: Partial<ArrayOptions>, disks = 4) {
  const sim = new Simulation();
  const members = Array.from({ length: disks }, (_, i) => new Hdd(sim, undefined, `d${i}`));
  const raid = new RaidGroup(sim, members, { level: 5, chunkSectors: 128 });
  const array = new StorageArray(sim, raid, { destageMaxSectors: 128 * (disks - 1), ...options });
  return { sim, raid, array };
}

/** A one-member RAID-0 over a disk that completes at once and logs each command ("R lba+sectors"). */
export function loggedRaid0() {
  const log: string[] = [];
  const sim = new Simulation();
  const member: BlockTarget = {
    capacitySectors: 1_000_000,
    submit(req: IoRequest, sink: IoSink) {
      log.push(`${req.isRead ? "R" : "W"} ${req.lba}+${req.sectors}`);
      sink.complete(req);
    },
  };
  return { log, sim, raid: new RaidGroup(sim, [member], { level: 0, chunkSectors: 1024 }) };
}

export function drive(sim: Simulation, target: StorageArray, spec: ConstructorParameters<typeof IometerWorkload>[0], _ms: number, lun = 0) {
  const w = new IometerWorkload(spec);
  w.start({ sim, target: target.lun(lun), rng: new RngStreams(lun + 1).get("w"), vm: lun });
  return w;
}

/** Numbers the members' event kinds, so several can share one simulation. */
let members = 0;

/** A command as the reordering member logs it. */
export const commandName = (req: IoRequest) => `${req.isRead ? "read" : "write"} ${req.lba}+${req.sectors}`;

/**
 * A member disk that takes `latencyNs(req)` per command, any number at once (so it reorders them, as a disk's
 * command queueing does), logging "issued …" when a command reaches it and "landed …" when it completes, as
 * `name` names it (null: not logged).
 */
export function reorderingMember(
  sim: Simulation,
  log: string[],
  latencyNs: (req: IoRequest) => number,
  name: (req: IoRequest) => string | null = commandName,
): BlockTarget {
  const kind = sim.on(`order.${members++}`, (_n, o) => {
    const [req, sink] = o as [IoRequest, IoSink];
    const n = name(req);
    if (n !== null) log.push(`landed ${n}`);
    sink.complete(req);
  });
  return {
    capacitySectors: 1_000_000,
    submit(req: IoRequest, sink: IoSink) {
      const n = name(req);
      if (n !== null) log.push(`issued ${n}`);
      sim.schedule(latencyNs(req), kind, 0, [req, sink]);
    },
  };
}

/**
 * An array over one `reorderingMember` (RAID-0 of that one disk, `chunkSectors` a chunk) with `options`: the testbed of the
 * tests of the order in which the controller lets writes and read fills reach the disks. `log` is the member's.
 */
export function arrayOverReorderingMember(
  latencyNs: (req: IoRequest) => number,
  options: Partial<ArrayOptions>,
  chunkSectors = 1024,
  name: (req: IoRequest) => string | null = commandName,
) {
  const sim = new Simulation();
  const log: string[] = [];
  const member = reorderingMember(sim, log, latencyNs, name);
  const array = new StorageArray(sim, new RaidGroup(sim, [member], { level: 0, chunkSectors }), options);
  return { sim, log, array };
}

/** A member disk that serves every IO in 1 ms, any number at once, and records the most it held at once. */
export class SlowMember implements BlockTarget {
  readonly capacitySectors = 10_000_000;
  inFlight = 0;
  most = 0;
  private readonly kind: number;
  constructor(private readonly sim: Simulation) {
    this.kind = sim.on(`slow.${members++}`, (_n, o) => {
      const [req, sink] = o as [IoRequest, IoSink];
      this.inFlight--;
      sink.complete(req);
    });
  }
  submit(req: IoRequest, sink: IoSink): void {
    this.most = Math.max(this.most, ++this.inFlight);
    this.sim.schedule(1_000_000, this.kind, 0, [req, sink]);
  }
}
