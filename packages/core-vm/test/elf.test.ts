import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isVmlabError, loadElf, Machine } from "../src/index.js";
import { EXIT, RAM } from "./asm.js";
import { buildElf } from "./elf-builder.js";

function code(err: unknown): string {
  if (!isVmlabError(err)) throw err;
  return err.code;
}
function errorOf(bytes: Uint8Array): string {
  try {
    loadElf(bytes);
  } catch (e) {
    return code(e);
  }
  return "none";
}

const words = new Uint32Array(EXIT.map((w) => w >>> 0));
const good = buildElf({ entry: RAM, segments: [{ paddr: RAM, data: new Uint8Array(words.buffer), memsz: 64 }] });

describe("loadElf", () => {
  it("loads PT_LOAD segments at p_paddr, zero-fills to memsz, and starts at e_entry", () => {
    const m = new Machine({ ramMiB: 1 });
    m.ram.u8.fill(0xaa, 0, 128);
    const image = m.loadElf(good);
    expect(image.entry).toBe(RAM);
    expect(m.ram.read32(RAM)).toBe(words[0]);
    expect(m.ram.u8[40]).toBe(0); // bss zeroed
    expect(m.ram.u8[64]).toBe(0xaa); // beyond memsz untouched
    expect(m.run(100)).toBe("exit");
  });

  it("rejects truncated files, at every length", () => {
    for (const n of [0, 3, 5, 20, 51, good.length - 4]) expect(errorOf(good.subarray(0, n))).toBe("VMLAB_ELF_TRUNCATED");
  });

  it("a truncated identification names the bytes it checks and asks for exactly that many", () => {
    const messageOf = (n: number) => {
      try {
        loadElf(good.subarray(0, n));
      } catch (e) {
        if (isVmlabError(e)) return e.message;
        throw e;
      }
      return "none";
    };
    for (const n of [0, 3]) expect(messageOf(n)).toContain(`the ELF magic needs 4 bytes but the file has ${n}`);
    // Class and byte order (e_ident[4], e_ident[5]) are all that is read before the 52-byte header check.
    for (const n of [4, 5]) expect(messageOf(n)).toContain(`e_ident[5]) needs 6 bytes but the file has ${n}`);
    expect(messageOf(6)).toContain("the ELF header needs 52 bytes but the file has 6");
    const sixBytes64 = good.slice(0, 6);
    sixBytes64[4] = 2;
    expect(errorOf(sixBytes64)).toBe("VMLAB_ELF_BAD_CLASS");
  });

  it("rejects non-ELF, 64-bit, big-endian, non-RISC-V and non-executable files", () => {
    const patch = (at: number, v: number, size = 1) => {
      const b = good.slice();
      if (size === 1) b[at] = v;
      else new DataView(b.buffer).setUint16(at, v, true);
      return b;
    };
    expect(errorOf(patch(0, 0x7e))).toBe("VMLAB_ELF_BAD_MAGIC");
    // Shorter than the magic, with bytes unlike it: a text file ("hi\n"), not an ELF cut short.
    expect(errorOf(new TextEncoder().encode("hi\n"))).toBe("VMLAB_ELF_BAD_MAGIC");
    expect(errorOf(patch(4, 2))).toBe("VMLAB_ELF_BAD_CLASS");
    expect(errorOf(patch(5, 2))).toBe("VMLAB_ELF_BAD_ENDIAN");
    expect(errorOf(patch(18, 62, 2))).toBe("VMLAB_ELF_BAD_MACHINE");
    expect(errorOf(patch(16, 1, 2))).toBe("VMLAB_ELF_BAD_TYPE");
  });

  it("says what to do in the message", () => {
    const b = good.slice();
    b[4] = 2;
    expect(() => loadElf(b)).toThrow(/64-bit.*rv32ima/);
  });

  it("rejects segments outside RAM, with the RAM size in force", () => {
    const low = buildElf({ entry: 0x1000, segments: [{ paddr: 0x1000, data: new Uint8Array(8), memsz: 8 }] });
    expect(errorOf(low)).toBe("VMLAB_ELF_SEGMENT_OUTSIDE_RAM");
    const big = buildElf({ entry: RAM, segments: [{ paddr: RAM, data: new Uint8Array(8), memsz: 2 * 1024 * 1024 }] });
    expect(errorOf(big)).toBe("none");
    expect(() => new Machine({ ramMiB: 1 }).loadElf(big)).toThrow(/outside RAM/);
  });

  it("rejects filesz > memsz and files without loadable segments", () => {
    expect(errorOf(buildElf({ entry: RAM, segments: [{ paddr: RAM, data: new Uint8Array(16), memsz: 8 }] }))).toBe("VMLAB_ELF_BAD_SEGMENT");
    expect(errorOf(buildElf({ entry: RAM, segments: [] }))).toBe("VMLAB_ELF_BAD_SEGMENTS");
  });

  it("never throws anything but a VmlabError on corrupted bytes (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.nat(good.length),
        (edits, cut) => {
          const b = good.slice(0, cut);
          for (const [at, v] of edits) if (at < b.length) b[at] = v;
          try {
            loadElf(b);
          } catch (e) {
            expect(isVmlabError(e)).toBe(true);
          }
        },
      ),
      { numRuns: 500, seed: 7 },
    );
  });
});
