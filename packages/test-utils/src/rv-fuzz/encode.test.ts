import { describe, expect, it } from "vitest";
import * as E from "./encode.js";

/** Each encoding next to what GNU as 2.40 (riscv64-unknown-elf-as -march=rv32ima_zicsr_zifencei) emits. */
const CASES: Array<[string, number, number]> = [
  ["add x1, x2, x3", E.opReg("add", 1, 2, 3), 0x003100b3],
  ["sub x31, x0, x5", E.opReg("sub", 31, 0, 5), 0x40500fb3],
  ["sra x10, x11, x12", E.opReg("sra", 10, 11, 12), 0x40c5d533],
  ["mulhsu x5, x6, x7", E.opReg("mulhsu", 5, 6, 7), 0x027322b3],
  ["remu x8, x9, x10", E.opReg("remu", 8, 9, 10), 0x02a4f433],
  ["addi x1, x2, -2048", E.opImm("addi", 1, 2, -2048), 0x80010093],
  ["sltiu x3, x4, 2047", E.opImm("sltiu", 3, 4, 2047), 0x7ff23193],
  ["srai x5, x6, 31", E.shiftImm("srai", 5, 6, 31), 0x41f35293],
  ["slli x7, x8, 1", E.shiftImm("slli", 7, 8, 1), 0x00141393],
  ["lui x9, 0xfffff", E.lui(9, 0xfffff), 0xfffff4b7],
  ["auipc x10, 0x12345", E.auipc(10, 0x12345), 0x12345517],
  ["jal x1, .+2044", E.jal(1, 2044), 0x7fc000ef],
  ["jal x0, .-8", E.jal(0, -8), 0xff9ff06f],
  ["jalr x5, 12(x6)", E.jalr(5, 6, 12), 0x00c302e7],
  ["beq x1, x2, .+16", E.branch("beq", 1, 2, 16), 0x00208863],
  ["bgeu x31, x30, .-4096", E.branch("bgeu", 31, 30, -4096), 0x81eff063],
  ["bltu x3, x4, .+4094", E.branch("bltu", 3, 4, 4094), 0x7e41efe3],
  ["lb x1, -1(x2)", E.load("lb", 1, 2, -1), 0xfff10083],
  ["lhu x3, 2047(x4)", E.load("lhu", 3, 4, 2047), 0x7ff25183],
  ["sw x5, -2048(x6)", E.store("sw", 5, 6, -2048), 0x80532023],
  ["sb x7, 5(x8)", E.store("sb", 7, 8, 5), 0x007402a3],
  ["csrrw x1, mscratch, x2", E.csr("csrrw", 1, 0x340, 2), 0x340110f3],
  ["csrrs x3, mstatus, x0", E.csr("csrrs", 3, 0x300, 0), 0x300021f3],
  ["csrrci x4, mtval, 31", E.csr("csrrci", 4, 0x343, 31), 0x343ff273],
  ["lr.w x5, (x6)", E.amo("lr.w", 5, 6, 0), 0x100322af],
  ["sc.w.aqrl x7, x8, (x9)", E.amo("sc.w", 7, 9, 8, true, true), 0x1e84a3af],
  ["amomaxu.w.aq x10, x11, (x12)", E.amo("amomaxu.w", 10, 12, 11, true, false), 0xe4b6252f],
  ["amoswap.w.rl x13, x14, (x15)", E.amo("amoswap.w", 13, 15, 14, false, true), 0x0ae7a6af],
  ["fence", E.fence(), 0x0ff0000f],
  ["fence.i", E.fenceI(), 0x0000100f],
  ["ecall", E.ecall(), 0x00000073],
  ["ebreak", E.ebreak(), 0x00100073],
  ["mret", E.mret(), 0x30200073],
  ["wfi", E.wfi(), 0x10500073],
];

describe("RV32 encoder", () => {
  it.each(CASES)("%s", (_text, got, expected) => {
    expect(got.toString(16).padStart(8, "0")).toBe(expected.toString(16).padStart(8, "0"));
  });

  it("li is lui + addi and reconstructs every kind of value", () => {
    for (const v of [0, 1, -1, 0x7ff, 0x800, -2048, -2049, 0x7fffffff, 0x80000000 | 0, 0x12345fff, 0xfffff800 | 0]) {
      const [lui, addi] = E.li(5, v);
      const hi = lui & 0xfffff000;
      const lo = (addi | 0) >> 20;
      expect((hi + lo) | 0).toBe(v | 0);
    }
  });

  it("refuses what it cannot encode", () => {
    expect(() => E.branch("beq", 1, 2, 3)).toThrow(RangeError);
    expect(() => E.branch("beq", 1, 2, 4096)).toThrow(RangeError);
    expect(() => E.opImm("addi", 1, 2, -2049)).toThrow(RangeError);
    expect(() => E.opReg("add", 32, 0, 0)).toThrow(RangeError);
  });
});
