/** Writes a minimal ELF32 RISC-V executable (tests only): header, program headers, then segment bytes. */
export interface BuildSegment {
  paddr: number;
  data: Uint8Array;
  memsz: number;
}

export function buildElf(image: { entry: number; segments: BuildSegment[] }): Uint8Array {
  const phoff = 52;
  let offset = phoff + 32 * image.segments.length;
  const size = offset + image.segments.reduce((n, s) => n + s.data.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 243, true); // EM_RISCV
  v.setUint32(20, 1, true);
  v.setUint32(24, image.entry >>> 0, true);
  v.setUint32(28, phoff, true);
  v.setUint16(40, 52, true);
  v.setUint16(42, 32, true);
  v.setUint16(44, image.segments.length, true);
  image.segments.forEach((s, i) => {
    const p = phoff + 32 * i;
    v.setUint32(p, 1, true); // PT_LOAD
    v.setUint32(p + 4, offset, true);
    v.setUint32(p + 8, s.paddr >>> 0, true);
    v.setUint32(p + 12, s.paddr >>> 0, true);
    v.setUint32(p + 16, s.data.length, true);
    v.setUint32(p + 20, s.memsz, true);
    v.setUint32(p + 24, 7, true);
    out.set(s.data, offset);
    offset += s.data.length;
  });
  return out;
}
