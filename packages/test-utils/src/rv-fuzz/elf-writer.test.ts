import { describe, expect, it } from "vitest";
import { wordsToBytes, writeElf32 } from "./elf-writer.js";

describe("ELF32 writer", () => {
  it("writes a RISC-V ELF32 executable with one PT_LOAD at the load address", () => {
    const bytes = wordsToBytes([0x00000073, 0x0000006f]);
    const elf = writeElf32({ loadAddress: 0x80000000, bytes, zeroFill: 16 });
    const v = new DataView(elf.buffer);
    expect([...elf.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(elf[4]).toBe(1); // ELFCLASS32
    expect(elf[5]).toBe(1); // little-endian
    expect(v.getUint16(18, true)).toBe(243); // EM_RISCV
    expect(v.getUint32(24, true)).toBe(0x80000000); // entry
    expect(v.getUint16(44, true)).toBe(1); // one program header
    const ph = v.getUint32(28, true);
    expect(v.getUint32(ph, true)).toBe(1); // PT_LOAD
    const off = v.getUint32(ph + 4, true);
    expect(v.getUint32(ph + 8, true)).toBe(0x80000000);
    expect(v.getUint32(ph + 16, true)).toBe(8);
    expect(v.getUint32(ph + 20, true)).toBe(24);
    expect(v.getUint32(off, true)).toBe(0x00000073);
    expect(v.getUint32(off + 4, true)).toBe(0x0000006f);
  });
});
