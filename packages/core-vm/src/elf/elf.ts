import { CoreErrors } from "../errors.js";

const EM_RISCV = 243;
const ET_EXEC = 2;
const PT_LOAD = 1;
const EHDR_SIZE = 52;
const PHDR_SIZE = 32;

/** One PT_LOAD segment: `data` (file bytes) goes at `paddr`, then zeros up to `memsz`. */
export interface ElfSegment {
  paddr: number;
  memsz: number;
  data: Uint8Array;
}

/** A parsed ELF32 executable, ready to load. */
export interface ElfImage {
  entry: number;
  segments: ElfSegment[];
}

/** Where RAM is, for the range check (defaults: QEMU `virt`, 128 MiB at 0x80000000). */
export interface ElfRamRange {
  ramBase?: number;
  ramSize?: number;
}

/**
 * Parses a little-endian ELF32 RISC-V executable and checks every PT_LOAD
 * segment lies in RAM, as `qemu -bios none -kernel` loads it (by physical
 * address `p_paddr`; the entry point is `e_entry`). Untrusted input: every
 * offset is bounds-checked, and failures are `VmlabError`s
 * (`VMLAB_ELF_TRUNCATED`, `_BAD_MAGIC`, `_BAD_CLASS`, `_BAD_ENDIAN`,
 * `_BAD_MACHINE`, `_BAD_TYPE`, `_BAD_SEGMENT`, `_BAD_SEGMENTS`,
 * `_SEGMENT_OUTSIDE_RAM`). The segments' `data` are views into `bytes`.
 */
export function loadElf(bytes: Uint8Array, range: ElfRamRange = {}): ElfImage {
  const ramBase = range.ramBase ?? 0x8000_0000;
  const ramSize = range.ramSize ?? 128 * 1024 * 1024;
  // The magic's bytes that are there are checked first: a 3-byte text file ("hi\n") is no ELF, not a truncated one.
  const magic = [0x7f, 0x45, 0x4c, 0x46];
  if (magic.some((b, i) => i < bytes.length && bytes[i] !== b)) throw CoreErrors.elfBadMagic();
  if (bytes.length < 4) throw CoreErrors.elfTruncated("the ELF magic", 4, bytes.length);
  // Only class and byte order are read before the full header check, so ask for what is checked: a 64-bit
  // file cut after its class byte still gets the BAD_CLASS message that says how to rebuild it.
  if (bytes.length < 6) throw CoreErrors.elfTruncated("the ELF class and byte order (e_ident[4], e_ident[5])", 6, bytes.length);
  if (bytes[4] !== 1) throw CoreErrors.elfBadClass(bytes[4]);
  if (bytes[5] !== 1) throw CoreErrors.elfBadEndian(bytes[5]);
  if (bytes.length < EHDR_SIZE) throw CoreErrors.elfTruncated("the ELF header", EHDR_SIZE, bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint16(16, true);
  const machine = view.getUint16(18, true);
  if (machine !== EM_RISCV) throw CoreErrors.elfBadMachine(machine);
  if (type !== ET_EXEC) throw CoreErrors.elfBadType(type);
  const entry = view.getUint32(24, true);
  const phoff = view.getUint32(28, true);
  const phentsize = view.getUint16(42, true);
  const phnum = view.getUint16(44, true);
  if (phnum > 0 && phentsize < PHDR_SIZE) throw CoreErrors.elfBadSegment(0, `program header entry size ${phentsize} < ${PHDR_SIZE}`);
  const tableEnd = phoff + phnum * phentsize;
  if (tableEnd > bytes.length) throw CoreErrors.elfTruncated(`the program header table (${phnum} entries)`, tableEnd, bytes.length);
  const segments: ElfSegment[] = [];
  const ramEnd = ramBase + ramSize;
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (view.getUint32(p, true) !== PT_LOAD) continue;
    const offset = view.getUint32(p + 4, true);
    const paddr = view.getUint32(p + 12, true);
    const filesz = view.getUint32(p + 16, true);
    const memsz = view.getUint32(p + 20, true);
    if (memsz === 0) continue;
    if (filesz > memsz) throw CoreErrors.elfBadSegment(i, `file size ${filesz} exceeds memory size ${memsz}`);
    if (offset + filesz > bytes.length) throw CoreErrors.elfTruncated(`segment ${i}`, offset + filesz, bytes.length);
    if (paddr < ramBase || paddr + memsz > ramEnd) throw CoreErrors.elfSegmentOutsideRam(i, paddr, paddr + memsz, ramBase, ramEnd);
    segments.push({ paddr, memsz, data: bytes.subarray(offset, offset + filesz) });
  }
  if (segments.length === 0) throw CoreErrors.elfNoSegments();
  return { entry, segments };
}
