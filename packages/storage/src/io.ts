/**
 * The unit of work of the whole storage stack: one SCSI-like IO as a guest
 * (or a workload model) issues it. Addresses are in 512-byte sectors, as ESX
 * and vscsiStats count them.
 */
export const SECTOR_BYTES = 512;

/** One IO as every `BlockTarget` sees it: who issued it, where (lba, sectors), read or write, and when it was issued. */
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
 * An `IoRequest` object of its own, every field zero (a read-nothing at sector 0 until filled in): what a
 * layer's or a workload's pooled request objects share (`StackIo`, a workload's requests).
 */
export class BlankIoRequest implements IoRequest {
  id = 0;
  vm = 0;
  lba = 0;
  sectors = 0;
  isRead = false;
  issueTime = 0;
}

/**
 * Whether `req` is whole sectors within a target of `capacitySectors`: at least one sector, none past the end.
 * Written so that a NaN address or length does not fit (every comparison with NaN is false); a fractional
 * one does not either (a model would place it at a fractional sector without a word).
 */
export function fitsTarget(req: IoRequest, capacitySectors: number): boolean {
  const { lba, sectors } = req;
  return lba >= 0 && sectors >= 1 && lba + sectors <= capacitySectors && Number.isInteger(lba) && Number.isInteger(sectors);
}

/** Why `req` does not fit a target (`fitsTarget` false), for its error: `where` names the target ("the disk"). */
export function misfitText(req: IoRequest, where: string, capacitySectors: number): string {
  const io = `IO [${req.lba}, +${req.sectors})`;
  const fractional = (x: number) => Number.isFinite(x) && !Number.isInteger(x);
  if (fractional(req.lba) || fractional(req.sectors)) return `${io} is not whole sectors: lba and sectors must be integers`;
  // A length of 0, a negative one or none at all is no extent: "outside the disk" named sector 0 of a 1000-sector disk.
  if (!(req.sectors >= 1)) return `${io} has no length: sectors must be a whole number >= 1`;
  return `${io} is outside ${where} (${capacitySectors} sectors)`;
}
