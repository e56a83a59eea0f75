/**
 * An RV32IMA + Zicsr + Zifencei instruction encoder (the unprivileged spec's
 * base formats, chapter 2, and the opcode map of chapter 24). Registers are
 * numbers 0..31; immediates are the architectural values (byte offsets for
 * branches and jumps). Results are unsigned 32-bit words.
 */

const OP_LOAD = 0x03;
const OP_MISC_MEM = 0x0f;
const OP_IMM = 0x13;
const OP_AUIPC = 0x17;
const OP_STORE = 0x23;
const OP_AMO = 0x2f;
const OP = 0x33;
const OP_LUI = 0x37;
const OP_BRANCH = 0x63;
const OP_JALR = 0x67;
const OP_JAL = 0x6f;
const OP_SYSTEM = 0x73;

function check(cond: boolean, what: string): void {
  if (!cond) throw new RangeError(`cannot encode: ${what}`);
}

function reg(r: number): number {
  check(Number.isInteger(r) && r >= 0 && r < 32, `register x${r}`);
  return r;
}

export function rType(opcode: number, rd: number, funct3: number, rs1: number, rs2: number, funct7: number): number {
  return ((funct7 << 25) | (reg(rs2) << 20) | (reg(rs1) << 15) | (funct3 << 12) | (reg(rd) << 7) | opcode) >>> 0;
}

export function iType(opcode: number, rd: number, funct3: number, rs1: number, imm: number): number {
  check(imm >= -2048 && imm <= 4095, `12-bit immediate ${imm}`);
  return (((imm & 0xfff) << 20) | (reg(rs1) << 15) | (funct3 << 12) | (reg(rd) << 7) | opcode) >>> 0;
}

export function sType(opcode: number, funct3: number, rs1: number, rs2: number, imm: number): number {
  check(imm >= -2048 && imm <= 2047, `store offset ${imm}`);
  return ((((imm >> 5) & 0x7f) << 25) | (reg(rs2) << 20) | (reg(rs1) << 15) | (funct3 << 12) | ((imm & 0x1f) << 7) | opcode) >>> 0;
}

export function bType(funct3: number, rs1: number, rs2: number, offset: number): number {
  check(offset % 2 === 0 && offset >= -4096 && offset <= 4094, `branch offset ${offset}`);
  const imm = offset & 0x1fff;
  return (
    ((((imm >> 12) & 1) << 31) |
      (((imm >> 5) & 0x3f) << 25) |
      (reg(rs2) << 20) |
      (reg(rs1) << 15) |
      (funct3 << 12) |
      (((imm >> 1) & 0xf) << 8) |
      (((imm >> 11) & 1) << 7) |
      OP_BRANCH) >>>
    0
  );
}

export function uType(opcode: number, rd: number, imm20: number): number {
  return (((imm20 & 0xfffff) << 12) | (reg(rd) << 7) | opcode) >>> 0;
}

export function jType(rd: number, offset: number): number {
  check(offset % 2 === 0 && offset >= -(1 << 20) && offset < 1 << 20, `jump offset ${offset}`);
  const imm = offset & 0x1fffff;
  return (
    ((((imm >> 20) & 1) << 31) |
      (((imm >> 1) & 0x3ff) << 21) |
      (((imm >> 11) & 1) << 20) |
      (((imm >> 12) & 0xff) << 12) |
      (reg(rd) << 7) |
      OP_JAL) >>>
    0
  );
}

// --- RV32I ---------------------------------------------------------------

export const lui = (rd: number, imm20: number) => uType(OP_LUI, rd, imm20);
export const auipc = (rd: number, imm20: number) => uType(OP_AUIPC, rd, imm20);
export const jal = (rd: number, offset: number) => jType(rd, offset);
export const jalr = (rd: number, rs1: number, imm: number) => iType(OP_JALR, rd, 0, rs1, imm);

export const BRANCH_FUNCT3 = { beq: 0, bne: 1, blt: 4, bge: 5, bltu: 6, bgeu: 7 } as const;
export type BranchOp = keyof typeof BRANCH_FUNCT3;
export const branch = (op: BranchOp, rs1: number, rs2: number, offset: number) => bType(BRANCH_FUNCT3[op], rs1, rs2, offset);

export const LOAD_FUNCT3 = { lb: 0, lh: 1, lw: 2, lbu: 4, lhu: 5 } as const;
export type LoadOp = keyof typeof LOAD_FUNCT3;
export const load = (op: LoadOp, rd: number, rs1: number, imm: number) => iType(OP_LOAD, rd, LOAD_FUNCT3[op], rs1, imm);

export const STORE_FUNCT3 = { sb: 0, sh: 1, sw: 2 } as const;
export type StoreOp = keyof typeof STORE_FUNCT3;
export const store = (op: StoreOp, rs2: number, rs1: number, imm: number) => sType(OP_STORE, STORE_FUNCT3[op], rs1, rs2, imm);

export const IMM_FUNCT3 = { addi: 0, slti: 2, sltiu: 3, xori: 4, ori: 6, andi: 7 } as const;
export type ImmOp = keyof typeof IMM_FUNCT3;
export const opImm = (op: ImmOp, rd: number, rs1: number, imm: number) => iType(OP_IMM, rd, IMM_FUNCT3[op], rs1, imm);

export type ShiftImmOp = "slli" | "srli" | "srai";
/** `shamt` 32..63 is reserved on RV32 (an illegal instruction): allowed here on purpose. */
export function shiftImm(op: ShiftImmOp, rd: number, rs1: number, shamt: number): number {
  check(shamt >= 0 && shamt < 64, `shift amount ${shamt}`);
  const funct3 = op === "slli" ? 1 : 5;
  const hi = op === "srai" ? 0x400 : 0;
  return iType(OP_IMM, rd, funct3, rs1, hi | shamt);
}

/** Register-register ops: [funct3, funct7] (RV32I and the M extension). */
export const REG_OPS = {
  add: [0, 0x00],
  sub: [0, 0x20],
  sll: [1, 0x00],
  slt: [2, 0x00],
  sltu: [3, 0x00],
  xor: [4, 0x00],
  srl: [5, 0x00],
  sra: [5, 0x20],
  or: [6, 0x00],
  and: [7, 0x00],
  mul: [0, 0x01],
  mulh: [1, 0x01],
  mulhsu: [2, 0x01],
  mulhu: [3, 0x01],
  div: [4, 0x01],
  divu: [5, 0x01],
  rem: [6, 0x01],
  remu: [7, 0x01],
} as const;
export type RegOp = keyof typeof REG_OPS;
export const opReg = (op: RegOp, rd: number, rs1: number, rs2: number) => rType(OP, rd, REG_OPS[op][0], rs1, rs2, REG_OPS[op][1]);

export const fence = (pred = 0xf, succ = 0xf) => iType(OP_MISC_MEM, 0, 0, 0, (pred << 4) | succ);
export const fenceI = () => iType(OP_MISC_MEM, 0, 1, 0, 0);
export const ecall = () => 0x00000073;
export const ebreak = () => 0x00100073;
export const mret = () => 0x30200073;
export const wfi = () => 0x10500073;

// --- Zicsr ---------------------------------------------------------------

export const CSR_FUNCT3 = { csrrw: 1, csrrs: 2, csrrc: 3, csrrwi: 5, csrrsi: 6, csrrci: 7 } as const;
export type CsrOp = keyof typeof CSR_FUNCT3;
/** For the *i forms `src` is the 5-bit immediate (uimm), else a register. */
export function csr(op: CsrOp, rd: number, csrNum: number, src: number): number {
  check(csrNum >= 0 && csrNum < 4096, `CSR 0x${csrNum.toString(16)}`);
  check(src >= 0 && src < 32, `CSR source ${src}`);
  return (((csrNum & 0xfff) << 20) | (src << 15) | (CSR_FUNCT3[op] << 12) | (reg(rd) << 7) | OP_SYSTEM) >>> 0;
}

// --- A -------------------------------------------------------------------

export const AMO_FUNCT5 = {
  "lr.w": 0x02,
  "sc.w": 0x03,
  "amoswap.w": 0x01,
  "amoadd.w": 0x00,
  "amoxor.w": 0x04,
  "amoand.w": 0x0c,
  "amoor.w": 0x08,
  "amomin.w": 0x10,
  "amomax.w": 0x14,
  "amominu.w": 0x18,
  "amomaxu.w": 0x1c,
} as const;
export type AmoOp = keyof typeof AMO_FUNCT5;
/** `lr.w` takes rs2 = 0. aq/rl are ordering hints with no effect on one hart. */
export function amo(op: AmoOp, rd: number, rs1: number, rs2: number, aq = false, rl = false): number {
  const funct7 = (AMO_FUNCT5[op] << 2) | (aq ? 2 : 0) | (rl ? 1 : 0);
  return rType(OP_AMO, rd, 2, rs1, op === "lr.w" ? 0 : rs2, funct7);
}

// --- Pseudo-instructions -------------------------------------------------

/** `li rd, value` as lui + addi (always two words, so layouts are fixed). */
export function li(rd: number, value: number): [number, number] {
  const v = value | 0;
  const lo = (v << 20) >> 20;
  const hi = ((v - lo) >>> 12) & 0xfffff;
  return [lui(rd, hi), opImm("addi", rd, rd, lo)];
}

export const nop = () => opImm("addi", 0, 0, 0);
