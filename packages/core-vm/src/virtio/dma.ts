import type { Ram } from "../memory/ram.js";
import { PAGE_SHIFT } from "../memory/ram.js";

/**
 * A device's view of guest RAM (DMA). Bounds are checked by the caller
 * (`inRam`); writes go through `written` so dirty-page tracking and the
 * CPU's translated-code cache see device writes exactly like CPU stores.
 */
export interface DmaMemory {
  readonly u8: Uint8Array;
  /** Guest-physical address of `u8[0]`. */
  readonly base: number;
  /** Whether [addr, addr+length) lies in RAM. */
  inRam(addr: number, length: number): boolean;
  /** Must be called after the device wrote [offset, offset+length) of `u8`. */
  written(offset: number, length: number): void;
}

/**
 * DMA over a machine's RAM: marks written pages dirty (when tracking is on)
 * and drops translated code on them (`invalidate`, from the hart's code
 * cache; a device writing over code is as rare as it is legal).
 */
export function ramDma(ram: Ram, invalidate: (page: number) => void): DmaMemory {
  return {
    u8: ram.u8,
    base: ram.base,
    inRam: (addr, length) => ram.contains(addr, length),
    written(offset, length) {
      if (length <= 0) return;
      const first = offset >>> PAGE_SHIFT;
      const last = (offset + length - 1) >>> PAGE_SHIFT;
      const dirty = ram.dirtyPages;
      for (let p = first; p <= last; p++) {
        if (dirty !== null) dirty[p] = 1;
        invalidate(p);
      }
    },
  };
}

/** Little-endian helpers over guest RAM (offsets, not addresses). */
export function rd16(u8: Uint8Array, o: number): number {
  return u8[o] | (u8[o + 1] << 8);
}
export function rd32(u8: Uint8Array, o: number): number {
  return (u8[o] | (u8[o + 1] << 8) | (u8[o + 2] << 16) | (u8[o + 3] << 24)) >>> 0;
}
export function wr16(u8: Uint8Array, o: number, v: number): void {
  u8[o] = v & 0xff;
  u8[o + 1] = (v >>> 8) & 0xff;
}
export function wr32(u8: Uint8Array, o: number, v: number): void {
  u8[o] = v & 0xff;
  u8[o + 1] = (v >>> 8) & 0xff;
  u8[o + 2] = (v >>> 16) & 0xff;
  u8[o + 3] = (v >>> 24) & 0xff;
}
