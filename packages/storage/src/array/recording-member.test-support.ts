import type { Simulation } from "@vmlab/core-vm";
import type { IoRequest } from "../io.js";
import type { BlockTarget, IoSink } from "../iostack/target.js";

/**
 * A RAID member for the array tests: records every IO (refusing any past its end) and completes it 1 µs later.
 * Test support only (not published: package.json `files`).
 */
export class RecordingMember implements BlockTarget {
  readonly log: { lba: number; sectors: number; isRead: boolean }[] = [];
  /** When each IO of `log` arrived (ns). */
  readonly times: number[] = [];
  private readonly kind: number;
  constructor(
    private readonly sim: Simulation,
    readonly capacitySectors: number,
    name: string,
  ) {
    this.kind = sim.on(`rec.${name}`, (_n, o) => {
      const [req, sink] = o as [IoRequest, IoSink];
      sink.complete(req);
    });
  }
  submit(req: IoRequest, sink: IoSink): void {
    if (req.lba < 0 || req.lba + req.sectors > this.capacitySectors)
      throw new Error(`member IO [${req.lba}, +${req.sectors}) out of range`);
    this.log.push({ lba: req.lba, sectors: req.sectors, isRead: req.isRead });
    this.times.push(this.sim.now);
    this.sim.schedule(1000, this.kind, 0, [req, sink]);
  }
}
