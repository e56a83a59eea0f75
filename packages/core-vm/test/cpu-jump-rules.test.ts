/**
 * Control transfer rules (unprivileged spec §2.5): every bit of the B- and
 * J-type offsets, JALR's cleared bit 0 and its link written after the
 * target is read, strict unsigned compares, and instruction-address-
 * misaligned traps (no C extension: targets must be 4-byte aligned) raised
 * at the jump or taken branch, with mtval = the target.
 */
import { describe, expect, it } from "vitest";
import type { Machine } from "../src/index.js";
import { A0, A1, A2, addi, branch, EXIT, jal, jalr, li, nop, poke, RAM, run, T2, u } from "./asm.js";

/** Runs `insn` placed at `at` (reached by a jump from RAM); the only `addi a0, x0, 1` is placed at `at + off`. */
function landsAt(at: number, insn: number, off: number) {
  return run([...li(T2, at), jalr(0, T2, 0)], {
    setup: (m) => {
      poke(m, at, [insn]);
      poke(m, at + off, [addi(A0, 0, 1), ...EXIT]);
    },
  });
}

describe("branch and jump offsets", () => {
  const B = RAM + 0x4000;
  for (const off of [0x800, 0x400, 0x7e0, 0xffc, -0x800, -0x400, -0x1000, -0x40]) {
    it(`beq x0, x0 with offset ${off} lands there`, () => {
      const m = landsAt(B, branch("beq", 0, 0, off), off);
      expect(u(m, A0)).toBe(1);
      expect(m.hart.mcause).toBe(0);
    });
  }

  const J = RAM + 0x4_0000;
  for (const off of [0x800, 0x400, 0x7fc, 0x8_0000, 0x7f000, -0x800, -0x2_0000, -0x3_e000]) {
    it(`jal with offset ${off} lands there and links pc + 4`, () => {
      const m = landsAt(J, jal(A2, off), off);
      expect(u(m, A0)).toBe(1);
      expect(u(m, A2)).toBe(J + 4);
    });
  }
});

describe("compares", () => {
  const cases: [Parameters<typeof branch>[0], number, number, boolean][] = [
    ["bltu", 7, 7, false],
    ["bgeu", 7, 7, true],
    ["bgeu", 0x8000_0000, 0x8000_0000, true],
    ["blt", 7, 7, false],
    ["bne", 5, 5, false],
    ["bgeu", 1, -1, false],
    ["blt", 0x8000_0000, 0x7fff_ffff, true],
  ];
  for (const [name, a, b, taken] of cases) {
    it(`${name} ${a}, ${b} is ${taken ? "taken" : "not taken"}`, () => {
      const m = run([...li(A1, a), ...li(A2, b), ...li(A0, 0), branch(name, A1, A2, 12), ...li(A0, 1), ...EXIT]);
      expect(u(m, A0)).toBe(taken ? 0 : 1);
    });
  }
});

describe("jalr", () => {
  const target = [...li(A0, 42), ...EXIT];
  const at100 = { setup: (m: Machine) => poke(m, RAM + 0x100, target) };

  it("clears bit 0 of rs1 + imm: an odd target runs the instruction below it", () => {
    for (const [base, imm] of [
      [RAM + 0x101, 0],
      [RAM + 0xff, 1],
      [RAM + 0x103, -2],
    ]) {
      const m = run([...li(A1, base), jalr(A2, A1, imm)], at100);
      expect(u(m, A0), `${base.toString(16)} + ${imm}`).toBe(42);
      expect(u(m, A2)).toBe(RAM + 12);
    }
  });

  it("takes a negative immediate, and with rd = rs1 jumps to the old rs1 before linking", () => {
    const neg = run([...li(A1, RAM + 0x108), jalr(0, A1, -8)], at100);
    expect(u(neg, A0)).toBe(42);
    const same = run([nop, ...li(A1, RAM + 0x100), jalr(A1, A1, 0)], at100);
    expect(u(same, A0)).toBe(42);
    expect(u(same, A1)).toBe(RAM + 16);
  });
});

describe("misaligned targets", () => {
  it("jal to a 2-byte-aligned target traps at the jal: mcause 0, mtval = target, rd unchanged", () => {
    const m = run([nop, jal(A2, 6)]);
    expect([m.hart.mcause, m.hart.mtval >>> 0, m.hart.mepc >>> 0, u(m, A2)]).toEqual([0, RAM + 10, RAM + 4, 0]);
  });

  it("a taken branch to a 2-byte-aligned target traps at the branch; the same branch not taken does not", () => {
    const taken = run([nop, branch("beq", 0, 0, 6), ...EXIT]);
    expect([taken.hart.mcause, taken.hart.mtval >>> 0, taken.hart.mepc >>> 0]).toEqual([0, RAM + 10, RAM + 4]);
    // Not taken: it falls through to EXIT with no trap (mepc stays 0).
    const notTaken = run([nop, branch("bne", 0, 0, 6), ...EXIT]);
    expect([notTaken.exitCode, notTaken.hart.mepc]).toEqual([0, 0]);
  });
});
