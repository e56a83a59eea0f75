/**
 * A minimal RV32IMA encoder for core-vm's instruction tests, and a harness
 * that runs a word list on a fresh `Machine` (RAM base 0x80000000).
 */
import { CSR, Machine, type MachineOptions } from "../src/index.js";

const R = (op: number, rd: number, f3: number, rs1: number, rs2: number, f7: number) =>
  (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
const I = (op: number, rd: number, f3: number, rs1: number, imm: number) =>
  ((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
const S = (f3: number, rs1: number, rs2: number, imm: number) =>
  (((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | 0x23;

export const lui = (rd: number, imm20: number) => ((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37;
export const auipc = (rd: number, imm20: number) => ((imm20 & 0xfffff) << 12) | (rd << 7) | 0x17;
export const addi = (rd: number, rs1: number, imm: number) => I(0x13, rd, 0, rs1, imm);
export const slti = (rd: number, rs1: number, imm: number) => I(0x13, rd, 2, rs1, imm);
export const sltiu = (rd: number, rs1: number, imm: number) => I(0x13, rd, 3, rs1, imm);
export const xori = (rd: number, rs1: number, imm: number) => I(0x13, rd, 4, rs1, imm);
export const ori = (rd: number, rs1: number, imm: number) => I(0x13, rd, 6, rs1, imm);
export const andi = (rd: number, rs1: number, imm: number) => I(0x13, rd, 7, rs1, imm);
export const slli = (rd: number, rs1: number, sh: number) => I(0x13, rd, 1, rs1, sh);
export const srli = (rd: number, rs1: number, sh: number) => I(0x13, rd, 5, rs1, sh);
export const srai = (rd: number, rs1: number, sh: number) => I(0x13, rd, 5, rs1, 0x400 | sh);
const OPS = {
  add: [0, 0],
  sub: [0, 0x20],
  sll: [1, 0],
  slt: [2, 0],
  sltu: [3, 0],
  xor: [4, 0],
  srl: [5, 0],
  sra: [5, 0x20],
  or: [6, 0],
  and: [7, 0],
  mul: [0, 1],
  mulh: [1, 1],
  mulhsu: [2, 1],
  mulhu: [3, 1],
  div: [4, 1],
  divu: [5, 1],
  rem: [6, 1],
  remu: [7, 1],
} as const;
export type RegOp = keyof typeof OPS;
export const op = (name: RegOp, rd: number, rs1: number, rs2: number) => R(0x33, rd, OPS[name][0], rs1, rs2, OPS[name][1]);
const LOADS = { lb: 0, lh: 1, lw: 2, lbu: 4, lhu: 5 } as const;
export const load = (name: keyof typeof LOADS, rd: number, rs1: number, imm: number) => I(0x03, rd, LOADS[name], rs1, imm);
const STORES = { sb: 0, sh: 1, sw: 2 } as const;
export const store = (name: keyof typeof STORES, rs2: number, rs1: number, imm: number) => S(STORES[name], rs1, rs2, imm);
export const jal = (rd: number, off: number) =>
  (((off >> 20) & 1) << 31) | (((off >> 1) & 0x3ff) << 21) | (((off >> 11) & 1) << 20) | (((off >> 12) & 0xff) << 12) | (rd << 7) | 0x6f;
export const jalr = (rd: number, rs1: number, imm: number) => I(0x67, rd, 0, rs1, imm);
const BR = { beq: 0, bne: 1, blt: 4, bge: 5, bltu: 6, bgeu: 7 } as const;
export const branch = (name: keyof typeof BR, rs1: number, rs2: number, off: number) =>
  (((off >> 12) & 1) << 31) |
  (((off >> 5) & 0x3f) << 25) |
  (rs2 << 20) |
  (rs1 << 15) |
  (BR[name] << 12) |
  (((off >> 1) & 0xf) << 8) |
  (((off >> 11) & 1) << 7) |
  0x63;
const CSRF = { csrrw: 1, csrrs: 2, csrrc: 3, csrrwi: 5, csrrsi: 6, csrrci: 7 } as const;
export const csr = (name: keyof typeof CSRF, rd: number, csrNum: number, rs1OrImm: number) => I(0x73, rd, CSRF[name], rs1OrImm, csrNum);
const AMO = { add: 0, swap: 1, lr: 2, sc: 3, xor: 4, or: 8, and: 12, min: 16, max: 20, minu: 24, maxu: 28 } as const;
export type AmoName = keyof typeof AMO;
export const amo = (name: AmoName, rd: number, rs1: number, rs2: number) => R(0x2f, rd, 2, rs1, rs2, AMO[name] << 2);
export const ecall = 0x00000073;
export const ebreak = 0x00100073;
export const mret = 0x30200073;
export const wfi = 0x10500073;
export const fenceI = 0x0000100f;
export const nop = addi(0, 0, 0);

/** li rd, value as lui + addi (two words always). */
export function li(rd: number, value: number): number[] {
  const v = value | 0;
  const lo = (v << 20) >> 20;
  const hi = ((v - lo) >>> 12) & 0xfffff;
  return [lui(rd, hi), addi(rd, rd, lo)];
}

export const RAM = 0x8000_0000;
/** Registers by ABI name used in tests. */
export const T0 = 5;
export const T1 = 6;
export const T2 = 7;
export const A0 = 10;
export const A1 = 11;
export const A2 = 12;
export const A3 = 13;

/** PMP entry 0 set to `addr` (pmpaddr0) and `cfg` (pmpcfg0, the other entries off), through t2. */
export const pmpEntry0 = (addr: number, cfg: number): number[] => [
  ...li(T2, addr),
  csr("csrrw", 0, CSR.pmpaddr0, T2),
  ...li(T2, cfg),
  csr("csrrw", 0, CSR.pmpcfg0, T2),
];

/** mepc = `pc` (through t2), then mret: the way tests drop to the mode in mstatus.MPP (U after reset). */
export const mretTo = (pc: number): number[] => [...li(T2, pc), csr("csrrw", 0, CSR.mepc, T2), mret];

/** Writes finisher PASS (exit code 0): 5 words, clobbers t0/t1. */
export const EXIT = [...li(T0, 0x100000), ...li(T1, 0x5555), store("sw", T1, T0, 0)];

/** Places `words` at `at` in RAM. */
export function poke(m: Machine, at: number, words: number[]): void {
  for (let i = 0; i < words.length; i++) m.ram.i32[(at - RAM) / 4 + i] = words[i];
}

export interface RunOptions extends MachineOptions {
  /** Extra code placed at RAM + 0x1000 and used as the trap handler (mtvec); defaults to EXIT. */
  handler?: number[];
  budget?: number;
  setup?: (m: Machine) => void;
}

/** Runs `words` from RAM base with mtvec → a handler that exits; returns the machine after it stops. */
export function run(words: number[], options: RunOptions = {}): Machine {
  const m = new Machine({ ramMiB: options.ramMiB ?? 1, nsPerInstruction: options.nsPerInstruction });
  poke(m, RAM, words);
  poke(m, RAM + 0x1000, options.handler ?? EXIT);
  m.hart.pc = RAM | 0;
  m.hart.mtvec = (RAM + 0x1000) | 0;
  options.setup?.(m);
  m.run(options.budget ?? 100_000);
  return m;
}

/** Register as an unsigned 32-bit number. */
export const u = (m: Machine, r: number) => m.hart.x[r] >>> 0;
