import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateProgram } from "./generator.js";
import { buildBatchElf } from "./harness.js";
import { encodeBody, truncateProgram } from "./program.js";

/** The instruction index a branch, jal or (auipc-relative) jalr at `from` jumps to. */
function decodedTargetIndex(w: number, from: number): number {
  const opcode = w & 0x7f;
  let offset: number;
  if (opcode === 0x63) {
    offset = (((((w >>> 31) & 1) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 0x3f) << 5) | (((w >>> 8) & 0xf) << 1)) << 19) >> 19;
  } else if (opcode === 0x6f) {
    offset =
      (((((w >>> 31) & 1) << 20) | (((w >>> 12) & 0xff) << 12) | (((w >>> 20) & 1) << 11) | (((w >>> 21) & 0x3ff) << 1)) << 11) >> 11;
  } else if (opcode === 0x67) {
    offset = ((w | 0) >> 20) & ~1;
  } else {
    throw new Error(`not a jump: ${w.toString(16)}`);
  }
  return from + offset / 4;
}

describe("random program generator", () => {
  it("is a pure function of the seed", () => {
    const a = generateProgram(42),
      b = generateProgram(42),
      c = generateProgram(43);
    expect(encodeBody(a.body)).toEqual(encodeBody(b.body));
    expect(a.initRegs).toEqual(b.initRegs);
    expect(encodeBody(c.body)).not.toEqual(encodeBody(a.body));
    expect(buildBatchElf([a, c])).toEqual(buildBatchElf([b, c]));
  });

  it("emits only 32-bit encodings (QEMU's CPU has the C extension: anything else would decode differently)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        for (const w of encodeBody(generateProgram(seed).body)) {
          if (w === 0) continue; // the deliberate all-zero illegal instruction
          expect(w & 3).toBe(3);
          expect((w >>> 2) & 7).not.toBe(7);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("branches and jumps go forward, to the end or to the start of an item, in every prefix", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.nat(80), (seed, cut) => {
        const p = generateProgram(seed);
        const t = truncateProgram(p, Math.min(cut, p.body.length));
        const words = encodeBody(t.body);
        t.body.forEach((insn, i) => {
          if (insn.target === undefined) return;
          const target = Math.min(insn.target, t.body.length);
          expect(target).toBeGreaterThan(i);
          // The encoded offset lands exactly on the (clamped) target.
          expect(decodedTargetIndex(words[i], insn.from ?? i)).toBe(target);
        });
      }),
      { numRuns: 200 },
    );
  });

  it("runs about a quarter of the bodies in U mode, chosen without changing the body", () => {
    const programs = Array.from({ length: 400 }, (_, s) => generateProgram(s));
    const user = programs.filter((p) => p.userMode).length;
    expect(user).toBeGreaterThan(60);
    expect(user).toBeLessThan(140);
    const allM = generateProgram(7, { userModeShare: 0 });
    const p7 = generateProgram(7);
    expect(allM.userMode).toBe(false);
    expect(encodeBody(allM.body)).toEqual(encodeBody(p7.body));
  });

  it("covers the instruction classes the fuzzer promises", () => {
    const text = Array.from({ length: 300 }, (_, s) =>
      generateProgram(s)
        .body.map((i) => i.text)
        .join("\n"),
    ).join("\n");
    for (const needle of [
      "div ",
      "rem",
      "mulh",
      "sra ",
      "lw ",
      "sh ",
      "sb ",
      "lr.w",
      "sc.w",
      "amomin",
      "amoswap",
      "csrr ",
      "mtval",
      "mepc",
      "ecall",
      "ebreak",
      "jal ",
      "jalr ",
      "bltu",
      "fence.i",
      "illegal",
      "flw",
      "x0,",
      "overwrite the target",
      "MPRV",
      "access fault",
    ])
      expect(text, needle).toContain(needle);
  });
});
