import { PMP_ENTRIES, PRIV_M } from "./constants.js";

/** PMP permission bits in `pmpcfg` (priv. spec §3.7.1) and access kinds. */
export const PMP_R = 1;
/** PMP write permission (`pmpcfg` W bit). */
export const PMP_W = 2;
/** PMP instruction-execution permission (`pmpcfg` X bit). */
export const PMP_X = 4;
const PMP_A_SHIFT = 3;
const PMP_L = 0x80;
const A_OFF = 0;
const A_TOR = 1;
const A_NA4 = 2;

/** `userPages` entry bits besides R/W/X: computed, and not uniform across the page (check each access). */
export const PAGE_KNOWN = 0x80;
export const PAGE_MIXED = 0x40;

/** PMP state: 16 entries of 8-bit config and 32-bit address (bits 33:2 of the physical address). */
export class Pmp {
  readonly cfg = new Uint8Array(PMP_ENTRIES);
  readonly addr = new Int32Array(PMP_ENTRIES);
  /** Any entry has the L bit: M-mode accesses must be checked too. */
  anyLocked = false;
  /** Any entry is active (A != OFF). */
  anyActive = false;
  /**
   * U-mode permissions per RAM page, filled on demand: 0 = not yet computed,
   * else PAGE_KNOWN | R/W/X when one rule decides the whole page, or
   * PAGE_KNOWN | PAGE_MIXED when the page straddles a rule's edge. Translated
   * U-mode code tests these bits inline; any PMP write clears the cache.
   */
  readonly userPages: Uint8Array;

  constructor(
    private readonly ramBase: number,
    ramSize: number,
  ) {
    this.userPages = new Uint8Array(Math.ceil(ramSize / 4096));
  }

  /** Call after any change to `cfg` or `addr`. */
  changed(): void {
    this.anyLocked = this.cfg.some((c) => (c & PMP_L) !== 0);
    this.anyActive = this.cfg.some((c) => ((c >>> PMP_A_SHIFT) & 3) !== A_OFF);
    this.userPages.fill(0);
  }

  /** The U-mode `userPages` entry for the RAM page holding `addr` (which must be in RAM). */
  userPage(addr: number): number {
    const page = ((addr >>> 0) - this.ramBase) >>> 12;
    const e = this.userPages[page];
    return e !== 0 ? e : (this.userPages[page] = this.classifyPage(this.ramBase + page * 4096));
  }

  private classifyPage(start: number): number {
    const end = start + 4096;
    for (let i = 0; i < PMP_ENTRIES; i++) {
      const cfg = this.cfg[i];
      if (((cfg >>> PMP_A_SHIFT) & 3) === A_OFF) continue;
      const [lo, hi] = this.range(i);
      if (end <= lo || start >= hi) continue;
      return start >= lo && end <= hi ? PAGE_KNOWN | (cfg & 7) : PAGE_KNOWN | PAGE_MIXED;
    }
    return PAGE_KNOWN; // no rule: U mode has no access
  }

  /** Byte range [start, end) of an active entry (end may exceed 2^32: pmpaddr holds bits 33:2). */
  private range(i: number): [number, number] {
    const a = (this.cfg[i] >>> PMP_A_SHIFT) & 3;
    if (a === A_TOR) return [i === 0 ? 0 : (this.addr[i - 1] >>> 0) * 4, (this.addr[i] >>> 0) * 4];
    const y = this.addr[i] >>> 0;
    if (a === A_NA4) return [y * 4, y * 4 + 4];
    // NAPOT: t trailing ones encode a 2^(t+3)-byte region.
    const ones = y === 0xffffffff ? 32 : 31 - Math.clz32((y ^ (y + 1)) >>> 0);
    const start = ones === 32 ? 0 : (y - (2 ** ones - 1)) * 4;
    return [start, start + 2 ** (ones + 3)];
  }

  /** Whether the entry is locked, including a locked TOR entry above it guarding its address (priv. spec §3.7.1). */
  addrLocked(i: number): boolean {
    if ((this.cfg[i] & PMP_L) !== 0) return true;
    if (i + 1 < PMP_ENTRIES) {
      const next = this.cfg[i + 1];
      return (next & PMP_L) !== 0 && ((next >>> PMP_A_SHIFT) & 3) === A_TOR;
    }
    return false;
  }

  writeCfg(i: number, value: number): void {
    if ((this.cfg[i] & PMP_L) !== 0) return;
    this.cfg[i] = value & 0x9f;
    this.changed();
  }

  writeAddr(i: number, value: number): void {
    if (this.addrLocked(i)) return;
    this.addr[i] = value;
    this.changed();
  }

  /**
   * Whether an access of `size` bytes at `addr` with permission `perm`
   * (PMP_R/W/X) is allowed at privilege `priv`. As QEMU 7.2 and the spec: the
   * lowest-numbered matching entry decides; an access that only partly
   * matches an entry fails; M mode passes unmatched or unlocked entries;
   * U mode fails when no entry matches (including when none is configured).
   */
  check(addr: number, size: number, perm: number, priv: number): boolean {
    const lo = addr >>> 0;
    const hi = lo + size - 1;
    for (let i = 0; i < PMP_ENTRIES; i++) {
      const cfg = this.cfg[i];
      if (((cfg >>> PMP_A_SHIFT) & 3) === A_OFF) continue;
      const [start, end] = this.range(i);
      const first = lo >= start && lo < end;
      const last = hi >= start && hi < end;
      if (!first && !last) continue;
      if (first !== last) return false;
      if (priv === PRIV_M && (cfg & PMP_L) === 0) return true;
      return (cfg & perm) === perm;
    }
    return priv === PRIV_M;
  }
}
