import { CoreErrors } from "../errors.js";

/** RAM is managed in 4 KiB pages: the unit of dirty/access tracking and of snapshots. */
export const PAGE_SHIFT = 12;
/** Bytes in a RAM page: 4096. */
export const PAGE_SIZE = 1 << PAGE_SHIFT;

/**
 * Guest RAM: one `ArrayBuffer` seen as 4 KiB pages, with typed-array views of
 * every width so the CPU's fast path is a bounds check and one indexed
 * access. Little-endian host assumed (as RISC-V is little-endian).
 *
 * Dirty and access tracking are per-page byte maps that exist only while
 * switched on; the CPU emits the marking code only then (see `cpu/translate.ts`),
 * so tracking that is off costs nothing.
 */
export class Ram {
  /** Guest-physical address of byte 0. */
  readonly base: number;
  /** Size in bytes, a multiple of 4 KiB. */
  readonly size: number;
  readonly pageCount: number;
  readonly u8: Uint8Array;
  readonly i8: Int8Array;
  readonly u16: Uint16Array;
  readonly i16: Int16Array;
  readonly i32: Int32Array;
  /** One byte per page, set when the page is written; null when tracking is off. */
  dirtyPages: Uint8Array | null = null;
  /** One byte per page, set when the page is read, written or executed; null when tracking is off. */
  accessedPages: Uint8Array | null = null;

  constructor(base: number, size: number) {
    if (!Number.isInteger(size) || size < PAGE_SIZE || size % PAGE_SIZE !== 0 || size > 0x7000_0000) throw CoreErrors.machineBadRam(size);
    this.base = base >>> 0;
    this.size = size;
    this.pageCount = size >>> PAGE_SHIFT;
    let buffer: ArrayBuffer;
    try {
      buffer = new ArrayBuffer(size);
    } catch {
      throw CoreErrors.machineBadOption(
        "ram",
        `${size / 1048576} MiB`,
        "an amount of guest RAM this host can allocate (use a smaller --ram)",
      );
    }
    this.u8 = new Uint8Array(buffer);
    this.i8 = new Int8Array(buffer);
    this.u16 = new Uint16Array(buffer);
    this.i16 = new Int16Array(buffer);
    this.i32 = new Int32Array(buffer);
  }

  /** Whether [addr, addr+length) lies in RAM. */
  contains(addr: number, length: number): boolean {
    const off = (addr >>> 0) - this.base;
    return off >= 0 && length >= 0 && off + length <= this.size;
  }

  /** A view of page `index` (4 KiB), sharing the RAM's memory. */
  page(index: number): Uint8Array {
    return this.u8.subarray(index << PAGE_SHIFT, (index + 1) << PAGE_SHIFT);
  }

  /** Copies bytes into RAM at a guest-physical address (loader, devices, snapshots). */
  write(addr: number, bytes: Uint8Array): void {
    this.u8.set(bytes, (addr >>> 0) - this.base);
  }

  /** Copies `length` bytes out of RAM. */
  read(addr: number, length: number): Uint8Array {
    const off = (addr >>> 0) - this.base;
    return this.u8.slice(off, off + length);
  }

  /** Little-endian 32-bit read at a guest-physical address (unsigned). */
  read32(addr: number): number {
    return this.i32[((addr >>> 0) - this.base) >>> 2] >>> 0;
  }

  /** Pages written since the last call (ascending); clears the marks. Empty when tracking is off. */
  takeDirtyPages(): number[] {
    return take(this.dirtyPages);
  }

  /** Pages accessed since the last call (ascending); clears the marks. Empty when tracking is off. */
  takeAccessedPages(): number[] {
    return take(this.accessedPages);
  }
}

function take(map: Uint8Array | null): number[] {
  const out: number[] = [];
  if (map === null) return out;
  for (let i = 0; i < map.length; i++) {
    if (map[i] !== 0) {
      out.push(i);
      map[i] = 0;
    }
  }
  return out;
}
