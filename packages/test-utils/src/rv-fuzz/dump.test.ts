import { describe, expect, it } from "vitest";
import { describeDumpDifference, parseDumps } from "./dump.js";

const regs = Array.from({ length: 31 }, (_, i) => (i * 0x01010101).toString(16).padStart(8, "0")).join(" ");
const line = `P0000002a ${regs} S12345678 T00000002 00000002,80000010,00000000 0000000b,80000020,00000000`;

describe("fuzz dump lines", () => {
  it("parse into registers, checksum and traps", () => {
    const d = parseDumps(`noise\n${line}\nP0000002b 1 2 3\n`).get(42);
    expect(d).toBeDefined();
    expect(d?.regs).toHaveLength(31);
    expect(d?.regs[3]).toBe(0x03030303);
    expect(d?.scratchChecksum).toBe(0x12345678);
    expect(d?.trapCount).toBe(2);
    expect(d?.traps).toEqual([
      [2, 0x80000010, 0],
      [11, 0x80000020, 0],
    ]);
    expect(parseDumps(line).size).toBe(1); // the truncated line is not a dump
  });

  it("describe differences by register name, checksum and trap", () => {
    const a = parseDumps(line).get(42);
    const b = parseDumps(line.replace("03030303", "deadbeef").replace("0000000b,80000020", "00000003,80000020")).get(42);
    expect(describeDumpDifference(a, b)).toEqual([
      "x4/tp: expected 0x03030303, got 0xdeadbeef",
      "trap #1: expected mcause=11 mepc=0x80000020 mtval=0x00000000, got mcause=3 mepc=0x80000020 mtval=0x00000000",
    ]);
    expect(describeDumpDifference(a, a)).toEqual([]);
    expect(describeDumpDifference(a, undefined)[0]).toMatch(/no dump line from vmlab/);
  });
});
