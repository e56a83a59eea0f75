/**
 * The unit of work of the whole storage stack: one SCSI-like IO as a guest
 * (or a workload model) issues it. Addresses are in 512-byte sectors, as ESX
 * and vscsiStats count them.
 */
export const SECTOR_BYTES = 512;

export interface IoRequest {
  /** Unique per run, assigned by the issuer. */
  id: number;
  /** Index of the issuing VM (or world) on its host. */
  vm: number;
  /** First logical block (512-B sector). */
  lba: number;
  /** Length in sectors (>= 1). */
  sectors: number;
  isRead: boolean;
  /** Virtual time (ns) the IO was issued by the guest. */
  issueTime: number;
}

/**
 * Whether `req` lies within a target of `capacitySectors`: at least one sector, none past the end.
 * Written so that a NaN address or length does not fit (every comparison with NaN is false).
 */
export function fitsTarget(req: IoRequest, capacitySectors: number): boolean {
  return req.lba >= 0 && req.sectors >= 1 && req.lba + req.sectors <= capacitySectors;
}
