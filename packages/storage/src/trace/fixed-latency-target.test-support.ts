import type { Simulation } from "@vmlab/core-vm";
import type { IoRequest } from "../io.js";
import type { BlockTarget, IoSink } from "../iostack/target.js";

/**
 * A device for the trace replay tests: it completes every IO after a fixed service time (or one that depends on
 * the LBA, so IOs complete out of issue order) and logs what it was given and when, and what it completed.
 * Test support, not in the package's index.
 */
export class FixedLatencyTarget implements BlockTarget {
  readonly seen: { t: number; lba: number; sectors: number; isRead: boolean; inFlight: number }[] = [];
  readonly done: { t: number; lba: number; isRead: boolean }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly kind: number;
  private readonly latencyOf: (lba: number) => number;
  constructor(
    private readonly sim: Simulation,
    readonly capacitySectors: number,
    latencyNs: number | ((lba: number) => number),
  ) {
    this.latencyOf = typeof latencyNs === "number" ? () => latencyNs : latencyNs;
    this.kind = sim.on("fixed.complete", (_n, obj) => {
      const [req, sink] = obj as [IoRequest, IoSink];
      this.inFlight--;
      this.done.push({ t: this.sim.now, lba: req.lba, isRead: req.isRead });
      sink.complete(req);
    });
  }
  submit(req: IoRequest, sink: IoSink): void {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.seen.push({ t: this.sim.now, lba: req.lba, sectors: req.sectors, isRead: req.isRead, inFlight: this.inFlight });
    this.sim.schedule(this.latencyOf(req.lba), this.kind, 0, [req, sink]);
  }
}
