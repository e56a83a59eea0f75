import type { Rng } from "@vmlab/core-vm";
import { type IoRequest, WorkloadBase, type WorkloadContext } from "@vmlab/storage";
import { QosErrors } from "../errors.js";
import { requireInteger } from "../validate.js";

export interface ClosedLoopSpec {
  /** Outstanding IOs the VM keeps (Iometer's "# of outstanding IOs"). */
  oio: number;
  /** IO size, sectors. */
  ioSectors: number;
  /** Fraction of IOs that are reads, [0, 1]. */
  readFraction: number;
  /** Size of the VM's virtual disk, sectors. */
  regionSectors: number;
  /**
   * Where the virtual disk sits on the LUN: in extents of `extentSectors`, the
   * k-th at LBA `base + k·stride·extentSectors` — contiguous when the extent is
   * the whole disk, interleaved with the other VMs' disks when stride > 1.
   */
  base: number;
  extentSectors: number;
  stride: number;
}

/**
 * An Iometer-like VM: `oio` IOs always outstanding, each issued as the
 * previous one completes, uniformly random and aligned within the VM's
 * virtual disk — PARDA's micro-benchmark VMs (16 KB random reads, 32 OIO,
 * 16 GB disks; §5). Stopping leaves IOs in flight to complete.
 */
export class ClosedLoopVm extends WorkloadBase {
  private rng: Rng | null = null;
  private readonly slots: number;

  constructor(
    name: string,
    readonly spec: ClosedLoopSpec,
  ) {
    super(name);
    // Unchecked, oio 2.5 kept 3 IOs outstanding and a NaN size died at the first IO naming the RNG's "n".
    requireInteger(`${name}.oio`, spec.oio, 1);
    requireInteger(`${name}.ioSectors`, spec.ioSectors, 1);
    if (!(spec.readFraction >= 0 && spec.readFraction <= 1))
      throw QosErrors.badConfig(`${name}.readFraction`, `must be in [0, 1], got ${spec.readFraction}`);
    requireInteger(`${name}.regionSectors`, spec.regionSectors, spec.ioSectors);
    requireInteger(`${name}.base`, spec.base, 0);
    requireInteger(`${name}.extentSectors`, spec.extentSectors, 1);
    requireInteger(`${name}.stride`, spec.stride, 1);
    this.slots = Math.max(1, Math.floor(spec.regionSectors / spec.ioSectors));
  }

  protected onStart(ctx: WorkloadContext): void {
    this.rng = ctx.rng;
    for (let i = this.outstanding; i < this.spec.oio; i++) this.next();
  }

  protected onCompleted(_req: IoRequest, _nowNs: number): void {
    if (!this.stopped && this.outstanding < this.spec.oio) this.next();
  }

  private next(): void {
    const rng = this.rng as Rng;
    const s = this.spec;
    const x = rng.int(this.slots) * s.ioSectors;
    const extent = Math.floor(x / s.extentSectors);
    const lba = s.base + extent * s.stride * s.extentSectors + (x - extent * s.extentSectors);
    const isRead = s.readFraction >= 1 || rng.random() < s.readFraction;
    this.issue(lba, s.ioSectors, isRead);
  }
}
