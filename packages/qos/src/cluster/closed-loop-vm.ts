import type { Rng } from "@vmlab/core-vm";
import { type IoRequest, WorkloadBase, type WorkloadContext } from "@vmlab/storage";
import { QosErrors } from "../errors.js";
import { requireInteger } from "../validate.js";

/** A closed-loop VM's workload: outstanding IOs, IO size, read fraction, and where its disk sits on the LUN. */
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
   * the whole disk, interleaved with the other VMs' disks when stride > 1. Every
   * IO lies inside one extent (an extent holds at least one IO).
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
 *
 * IOs are aligned within each extent: where the IO size does not divide the
 * extent (48 KB in 1 GB), the extent's last partial slot is never used, as an IO
 * there would run into the next extent — under interleaved placement another
 * VM's disk. Where it divides, this is alignment within the whole disk.
 */
export class ClosedLoopVm extends WorkloadBase {
  private rng: Rng | null = null;
  private readonly slots: number;
  private readonly slotsPerExtent: number;

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
    requireInteger(`${name}.extentSectors`, spec.extentSectors, spec.ioSectors);
    requireInteger(`${name}.stride`, spec.stride, 1);
    // Slots of whole IOs per extent: one that straddled an extent's end wrote into another VM's extent (interleaved placement).
    this.slotsPerExtent = Math.floor(spec.extentSectors / spec.ioSectors);
    const wholeExtents = Math.floor(spec.regionSectors / spec.extentSectors);
    const tailSectors = spec.regionSectors - wholeExtents * spec.extentSectors;
    this.slots = wholeExtents * this.slotsPerExtent + Math.floor(tailSectors / spec.ioSectors);
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
    const slot = rng.int(this.slots);
    const extent = Math.floor(slot / this.slotsPerExtent);
    const lba = s.base + extent * s.stride * s.extentSectors + (slot - extent * this.slotsPerExtent) * s.ioSectors;
    const isRead = s.readFraction >= 1 || rng.random() < s.readFraction;
    this.issue(lba, s.ioSectors, isRead);
  }
}
