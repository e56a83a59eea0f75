import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mulh, mulhsu, mulhu } from "../src/index.js";
import { A0, A1, A2, addi, auipc, EXIT, li, lui, op, RAM, type RegOp, run, slli, slti, sltiu, srai, srli, T2, u, xori } from "./asm.js";

/** Runs `a0 = a1 <op> a2` with the given operands and returns a0 as uint32. */
function binop(name: RegOp, a: number, b: number): number {
  const m = run([...li(A1, a), ...li(A2, b), op(name, A0, A1, A2), ...EXIT]);
  expect(m.exitCode).toBe(0);
  return u(m, A0);
}

const big = (v: number, signed: boolean) => (signed ? BigInt(v | 0) : BigInt(v >>> 0));
const high = (p: bigint) => Number(BigInt.asUintN(32, p >> 32n));

describe("RV32I arithmetic", () => {
  it("add and sub wrap around at 32 bits", () => {
    expect(binop("add", 0x7fffffff, 1)).toBe(0x80000000);
    expect(binop("sub", 0, 1)).toBe(0xffffffff);
    expect(binop("sub", 0x80000000, 1)).toBe(0x7fffffff);
  });

  it("slt is signed, sltu unsigned; immediates are sign-extended", () => {
    expect(binop("slt", -1, 1)).toBe(1);
    expect(binop("sltu", -1, 1)).toBe(0);
    const m = run([...li(A1, 5), slti(A0, A1, -1), sltiu(A2, A1, -1), xori(T2, A1, -1), ...EXIT]);
    expect(u(m, A0)).toBe(0); // 5 < -1 is false
    expect(u(m, A2)).toBe(1); // 5 < 0xffffffff unsigned
    expect(u(m, T2)).toBe(~5 >>> 0);
  });

  it("register shifts use only the low 5 bits of rs2 (shifts by >= 32 are masked)", () => {
    expect(binop("sll", 1, 33)).toBe(2);
    expect(binop("srl", 0x80000000, 32)).toBe(0x80000000);
    expect(binop("sra", 0x80000000, 63)).toBe(0xffffffff);
    expect(binop("srl", 0x80000000, 31)).toBe(1);
    expect(binop("sra", 0x80000000, 4)).toBe(0xf8000000);
  });

  it("immediate shifts, logical vs arithmetic", () => {
    const m = run([...li(A1, 0x80000010), slli(A0, A1, 4), srli(A2, A1, 4), srai(T2, A1, 4), ...EXIT]);
    expect(u(m, A0)).toBe(0x00000100);
    expect(u(m, A2)).toBe(0x08000001);
    expect(u(m, T2)).toBe(0xf8000001);
  });

  it("lui and auipc", () => {
    const m = run([lui(A0, 0xfffff), auipc(A1, 1), ...EXIT]);
    expect(u(m, A0)).toBe(0xfffff000);
    expect(u(m, A1)).toBe(RAM + 4 + 0x1000);
  });

  it("writes to x0 are ignored", () => {
    const m = run([addi(0, 0, 5), lui(0, 1), op("add", A0, 0, 0), ...EXIT]);
    expect(m.hart.x[0]).toBe(0);
    expect(u(m, A0)).toBe(0);
  });
});

describe("RV32M", () => {
  it("division by zero: quotient all ones, remainder = dividend (no trap)", () => {
    expect(binop("div", 7, 0)).toBe(0xffffffff);
    expect(binop("divu", 7, 0)).toBe(0xffffffff);
    expect(binop("rem", -7, 0)).toBe(-7 >>> 0);
    expect(binop("remu", 7, 0)).toBe(7);
  });

  it("signed overflow: -2^31 / -1 = -2^31, remainder 0", () => {
    expect(binop("div", 0x80000000, -1)).toBe(0x80000000);
    expect(binop("rem", 0x80000000, -1)).toBe(0);
  });

  it("division truncates toward zero; remainder takes the dividend's sign", () => {
    expect(binop("div", -7, 2)).toBe(-3 >>> 0);
    expect(binop("rem", -7, 2)).toBe(-1 >>> 0);
    expect(binop("divu", 0xfffffffe, 2)).toBe(0x7fffffff);
    expect(binop("remu", 0xffffffff, 10)).toBe(5);
  });

  it("mul keeps the low 32 bits", () => {
    expect(binop("mul", 0x12345678, 0x9abcdef0)).toBe(Number(BigInt.asUintN(32, 0x12345678n * 0x9abcdef0n)));
  });

  it("mulh, mulhsu, mulhu agree with BigInt on random operands (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (a, b) => {
        expect(mulh(a, b) >>> 0).toBe(high(big(a, true) * big(b, true)));
        expect(mulhsu(a, b) >>> 0).toBe(high(big(a, true) * big(b, false)));
        expect(mulhu(a, b) >>> 0).toBe(high(big(a, false) * big(b, false)));
      }),
      { numRuns: 2000, seed: 42 },
    );
  });

  it("mulh family through the CPU, extremes", () => {
    expect(binop("mulh", 0x80000000, 0x80000000)).toBe(0x40000000);
    expect(binop("mulhu", 0xffffffff, 0xffffffff)).toBe(0xfffffffe);
    expect(binop("mulhsu", -1, 0xffffffff)).toBe(0xffffffff);
  });
});
