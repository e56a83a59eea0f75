/**
 * Generator items for the unprivileged ISA: ALU and M-extension ops (with
 * the spec's corner operands), shifts, lui/auipc, loads and stores into the
 * scratch region (aligned, misaligned, or faulting), forward branches and
 * jumps. Each function appends one item to the builder.
 */

import { hex, type ProgramBuilder } from "./builder.js";
import * as E from "./encode.js";

const INT_MIN = 0x8000_0000 | 0;
const ALU_REG_OPS: readonly E.RegOp[] = ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and"];
const MULDIV_OPS: readonly E.RegOp[] = ["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"];
const ALU_IMM_OPS: readonly E.ImmOp[] = ["addi", "slti", "sltiu", "xori", "ori", "andi"];
const LOAD_OPS: ReadonlyArray<[E.LoadOp, number]> = [
  ["lb", 1],
  ["lbu", 1],
  ["lh", 2],
  ["lhu", 2],
  ["lw", 4],
];
const STORE_OPS: ReadonlyArray<[E.StoreOp, number]> = [
  ["sb", 1],
  ["sh", 2],
  ["sw", 4],
];
const BRANCH_OPS: readonly E.BranchOp[] = ["beq", "bne", "blt", "bge", "bltu", "bgeu"];

export function aluReg(b: ProgramBuilder): void {
  const op = b.rng.pick(ALU_REG_OPS);
  const rd = b.rd(),
    rs1 = b.reg(),
    rs2 = b.reg();
  b.emit(E.opReg(op, rd, rs1, rs2), `${op} x${rd}, x${rs1}, x${rs2}`);
}

export function aluImm(b: ProgramBuilder): void {
  const op = b.rng.pick(ALU_IMM_OPS);
  const rd = b.rd(),
    rs1 = b.reg();
  const imm = b.rng.chance(0.3) ? b.rng.pick([0, 1, -1, -2048, 2047, 0x7ff, -0x800]) : b.rng.range(-2048, 2047);
  b.emit(E.opImm(op, rd, rs1, imm), `${op} x${rd}, x${rs1}, ${imm}`);
}

export function shiftImm(b: ProgramBuilder): void {
  const op = b.rng.pick(["slli", "srli", "srai"] as const);
  const rd = b.rd(),
    rs1 = b.reg();
  const shamt = b.rng.pick([0, 1, 31, b.rng.below(32)]);
  b.emit(E.shiftImm(op, rd, rs1, shamt), `${op} x${rd}, x${rs1}, ${shamt}`);
}

/** M extension, often with the spec's corner operands (division by zero, INT_MIN / -1). */
export function mulDiv(b: ProgramBuilder): void {
  const op = b.rng.pick(MULDIV_OPS);
  const rs1 = b.reg(),
    rs2 = b.reg(),
    rd = b.rd();
  if (b.rng.chance(0.5)) b.li(rs1, b.rng.pick([0, 1, -1, INT_MIN, 0x7fff_ffff, b.rng.u32() | 0]));
  if (b.rng.chance(0.5) && rs2 !== rs1) b.li(rs2, b.rng.pick([0, 1, -1, INT_MIN, 0x7fff_ffff, b.rng.u32() | 0]));
  b.emit(E.opReg(op, rd, rs1, rs2), `${op} x${rd}, x${rs1}, x${rs2}`);
}

export function upper(b: ProgramBuilder): void {
  const rd = b.rd(),
    imm = b.rng.u32() >>> 12;
  if (b.rng.chance(0.5)) b.emit(E.lui(rd, imm), `lui x${rd}, ${hex(imm)}`);
  else b.emit(E.auipc(rd, imm), `auipc x${rd}, ${hex(imm)}`);
}

export function load(b: ProgramBuilder): void {
  const [op, size] = b.rng.pick(LOAD_OPS);
  const [base, imm] = b.baseFor(b.address(size, 0.25));
  const rd = b.rd();
  b.emit(E.load(op, rd, base, imm), `${op} x${rd}, ${imm}(x${base})`);
}

export function store(b: ProgramBuilder): void {
  const [op, size] = b.rng.pick(STORE_OPS);
  const [base, imm] = b.baseFor(b.address(size, 0.25));
  const rs2 = b.reg();
  b.emit(E.store(op, rs2, base, imm), `${op} x${rs2}, ${imm}(x${base})`);
}

/** A forward branch; the target (an index up to the end) is chosen later. */
export function branch(b: ProgramBuilder): void {
  const op = b.rng.pick(BRANCH_OPS);
  const rs1 = b.reg(),
    rs2 = b.rng.chance(0.2) ? rs1 : b.reg();
  const insn = b.emit(0, `${op} x${rs1}, x${rs2}`);
  insn.encode = (off) => E.branch(op, rs1, rs2, off);
  b.pending.push(insn);
}

export function jump(b: ProgramBuilder): void {
  const rd = b.rd();
  if (b.rng.chance(0.5)) {
    const insn = b.emit(0, `jal x${rd}`);
    insn.encode = (off) => E.jal(rd, off);
    b.pending.push(insn);
    return;
  }
  // auipc base, 0; jalr rd, imm(base): a register-indirect forward jump.
  const base = b.reg();
  const from = b.body.length;
  b.emit(E.auipc(base, 0), `auipc x${base}, 0`);
  const insn = b.emit(0, `jalr x${rd}, x${base}`);
  insn.from = from;
  // jalr clears bit 0 of the target: set it sometimes, it must not matter.
  const odd = b.rng.chance(0.3) ? 1 : 0;
  insn.encode = (off) => E.jalr(rd, base, off + odd);
  b.pending.push(insn);
}
