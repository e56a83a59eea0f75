import type { IoRequest } from "../io.js";
import { SECTOR_BYTES } from "../io.js";
import type { VscsiObserver } from "../iostack/target.js";
import { VscsiStats, type VscsiStatsOptions } from "./collector.js";

/**
 * vscsiStats attached to a virtual disk's vSCSI-layer hook
 * (`VirtualDisk.addObserver`). Latency is measured from the moment the IO
 * reached the vSCSI layer (`onIssue`), not from the guest's `issueTime`: an IO
 * that waited in the guest because the adapter queue was full is not yet
 * visible to ESX.
 */
export class VscsiStatsObserver implements VscsiObserver {
  readonly stats: VscsiStats;
  /** vSCSI-layer issue time of each IO in flight (the IO objects are reused by their issuer, so entries are deleted on completion). */
  private readonly issuedAt = new Map<IoRequest, number>();

  constructor(options: VscsiStatsOptions = {}) {
    this.stats = new VscsiStats(options);
  }

  /**
   * Clears the statistics, as ESX's `vscsiStats -r` (`VscsiStats.reset`); IOs in flight still complete into them.
   * `runMeasured(…, { observers })` calls it at the end of the warm-up.
   */
  reset(): void {
    this.stats.reset();
  }

  onIssue(req: IoRequest, nowNs: number): void {
    this.issuedAt.set(req, nowNs);
    this.stats.issue(nowNs, req.lba, req.sectors, req.sectors * SECTOR_BYTES, req.isRead);
  }

  onComplete(req: IoRequest, nowNs: number): void {
    const t0 = this.issuedAt.get(req);
    // An IO issued before this observer was attached: no issue sample, so no completion either.
    if (t0 === undefined) return;
    this.issuedAt.delete(req);
    this.stats.complete(nowNs - t0, req.isRead);
  }
}
