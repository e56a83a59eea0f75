/**
 * loadElf's program-header rules (as `qemu -bios none -kernel` loads an
 * ELF32): each test failed against a one-line change to elf.ts that every
 * other test let through.
 */
import { describe, expect, it } from "vitest";
import { isVmlabError, loadElf } from "../src/index.js";
import { RAM } from "./asm.js";
import { buildElf } from "./elf-builder.js";

const PHOFF = 52;
const PHDR = 32;

function errorOf(bytes: Uint8Array, range = {}): string {
  try {
    loadElf(bytes, range);
  } catch (e) {
    if (!isVmlabError(e)) throw e;
    return e.code;
  }
  return "none";
}

const code = new Uint8Array([0x13, 0, 0, 0]);

describe("loadElf program headers", () => {
  it("loads by p_paddr, not p_vaddr", () => {
    const b = buildElf({ entry: RAM, segments: [{ paddr: RAM, data: code, memsz: 4 }] });
    new DataView(b.buffer).setUint32(PHOFF + 8, 0x1000, true); // p_vaddr outside RAM
    expect(loadElf(b).segments.map((s) => s.paddr)).toEqual([RAM]);
  });

  it("skips program headers that are not PT_LOAD, and PT_LOAD segments of memory size 0, wherever they point", () => {
    const b = buildElf({
      entry: RAM,
      segments: [
        { paddr: RAM, data: code, memsz: 4 },
        { paddr: 0x1000, data: new Uint8Array(0), memsz: 0 },
        { paddr: 0x2000, data: new Uint8Array(0), memsz: 16 },
      ],
    });
    new DataView(b.buffer).setUint32(PHOFF + 2 * PHDR, 0x7000_0003, true); // PT_RISCV_ATTRIBUTES
    expect(loadElf(b).segments.map((s) => s.paddr)).toEqual([RAM]);
  });

  it("accepts a segment that ends exactly at the end of RAM, and refuses one a byte longer", () => {
    const fits = buildElf({ entry: RAM, segments: [{ paddr: RAM, data: code, memsz: 4096 }] });
    const over = buildElf({ entry: RAM, segments: [{ paddr: RAM, data: code, memsz: 4097 }] });
    expect(errorOf(fits, { ramBase: RAM, ramSize: 4096 })).toBe("none");
    expect(errorOf(over, { ramBase: RAM, ramSize: 4096 })).toBe("VMLAB_ELF_SEGMENT_OUTSIDE_RAM");
  });
});
