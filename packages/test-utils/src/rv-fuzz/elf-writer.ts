/**
 * A minimal ELF32 little-endian RISC-V executable writer: one PT_LOAD
 * segment holding the given bytes at `loadAddress`, the entry at its start,
 * no section headers — all that `qemu -bios none -kernel` and vmlab's
 * loader need (System V gABI, ELF header and program header).
 */

const EHDR_SIZE = 52;
const PHDR_SIZE = 32;
const EM_RISCV = 243;
const PT_LOAD = 1;
const PF_RWX = 7;
const SEGMENT_OFFSET = 0x1000; // page-aligned file offset, like a linker would

export interface ElfImage {
  loadAddress: number;
  /** The bytes of the one loaded segment. */
  bytes: Uint8Array;
  /** Extra zero-filled memory after `bytes` (p_memsz - p_filesz). */
  zeroFill?: number;
}

export function writeElf32(image: ElfImage): Uint8Array {
  const out = new Uint8Array(SEGMENT_OFFSET + image.bytes.length);
  const v = new DataView(out.buffer);
  // e_ident: magic, ELFCLASS32, ELFDATA2LSB, EV_CURRENT, System V ABI.
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0], 0);
  v.setUint16(16, 2, true); // e_type = ET_EXEC
  v.setUint16(18, EM_RISCV, true);
  v.setUint32(20, 1, true); // e_version
  v.setUint32(24, image.loadAddress >>> 0, true); // e_entry
  v.setUint32(28, EHDR_SIZE, true); // e_phoff
  v.setUint32(32, 0, true); // e_shoff: no section headers
  v.setUint32(36, 0, true); // e_flags: soft-float ABI, no RVC
  v.setUint16(40, EHDR_SIZE, true); // e_ehsize
  v.setUint16(42, PHDR_SIZE, true); // e_phentsize
  v.setUint16(44, 1, true); // e_phnum
  v.setUint16(46, 0, true); // e_shentsize
  v.setUint16(48, 0, true); // e_shnum
  v.setUint16(50, 0, true); // e_shstrndx
  const ph = EHDR_SIZE;
  v.setUint32(ph + 0, PT_LOAD, true);
  v.setUint32(ph + 4, SEGMENT_OFFSET, true); // p_offset
  v.setUint32(ph + 8, image.loadAddress >>> 0, true); // p_vaddr
  v.setUint32(ph + 12, image.loadAddress >>> 0, true); // p_paddr
  v.setUint32(ph + 16, image.bytes.length, true); // p_filesz
  v.setUint32(ph + 20, image.bytes.length + (image.zeroFill ?? 0), true); // p_memsz
  v.setUint32(ph + 24, PF_RWX, true);
  v.setUint32(ph + 28, 0x1000, true); // p_align
  out.set(image.bytes, SEGMENT_OFFSET);
  return out;
}

/** Little-endian bytes of instruction words. */
export function wordsToBytes(words: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const v = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) v.setUint32(i * 4, words[i] >>> 0, true);
  return out;
}
