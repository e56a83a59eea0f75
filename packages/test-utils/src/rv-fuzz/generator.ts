/**
 * The random program generator: seeded, valid RV32IMA + Zicsr sequences
 * that exercise ALU and M-extension corner values, shifts, aligned and
 * misaligned loads/stores into the scratch region, forward branches and
 * jumps, LR/SC and AMOs, reads of deterministic CSRs, and deliberate traps.
 *
 * Left out on purpose, because QEMU and a correct vmlab may legitimately
 * differ there (see docs/guests.md): timers and counters (`time`, `cycle`,
 * `mcycle`, `minstret`, `mip`), `wfi`, misa/marchid/mimpid (QEMU's default
 * CPU reports C, F, D, S and its own version), jumps to 2-byte-aligned
 * targets (legal on QEMU, whose CPU has the C extension), stores between an
 * LR and its SC (the spec lets SC succeed or fail), writes to mstatus, mie,
 * mtvec and mscratch (the harness owns them), and opcodes that QEMU's default
 * CPU decodes as Zb* or other extensions.
 */
import * as E from "./encode.js";
import { SCRATCH_BASE, SCRATCH_BYTES, SCRATCH_WORDS, UNMAPPED_BASE } from "./layout.js";
import type { FuzzInsn, FuzzProgram } from "./program.js";
import { FuzzRng } from "./rng.js";

const INT_MIN = 0x8000_0000 | 0;
const CORNER_VALUES = [0, 1, -1, INT_MIN, 0x7fff_ffff, 2, -2, 31, 32, 33, 63, 0x8000, 0xffff, 0xff, 0x80];

/** CSRs whose value is deterministic and whose presence QEMU and vmlab share. */
const READABLE_CSRS: ReadonlyArray<[number, string]> = [
  [0x300, "mstatus"],
  [0x304, "mie"],
  [0x305, "mtvec"],
  [0x340, "mscratch"],
  [0x341, "mepc"],
  [0x342, "mcause"],
  [0x343, "mtval"],
  [0xf14, "mhartid"],
];
const CSR_MTVAL = 0x343;
const CSR_MEPC = 0x341;
const CSR_MHARTID = 0xf14;

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
const AMO_OPS: readonly E.AmoOp[] = [
  "amoswap.w",
  "amoadd.w",
  "amoxor.w",
  "amoand.w",
  "amoor.w",
  "amomin.w",
  "amomax.w",
  "amominu.w",
  "amomaxu.w",
];
const BRANCH_OPS: readonly E.BranchOp[] = ["beq", "bne", "blt", "bge", "bltu", "bgeu"];

const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;

export interface GeneratorOptions {
  /**
   * Whether AMOs, LR and SC may use misaligned or unmapped addresses (default
   * true). QEMU 7.2 reports those faults with the load causes 4/5 where the
   * spec asks for 6/7; vmlab follows QEMU (docs/guests.md).
   */
  faultingAtomics?: boolean;
  /**
   * Share of programs whose body runs in U mode (default 0.25): PMP lets U
   * mode use RAM, so CSR accesses, M-only instructions and unmapped addresses
   * trap from U mode instead.
   */
  userModeShare?: number;
  /** Number of items (an item is 1–5 instructions); default 24..48. */
  minItems?: number;
  maxItems?: number;
}

/** The program for `seed`: a pure function of it. */
export function generateProgram(seed: number, options: GeneratorOptions = {}): FuzzProgram {
  const rng = new FuzzRng(seed ^ 0x5eed_f00d);
  const g = new Builder(rng, options.faultingAtomics ?? true);
  const initRegs = [0];
  for (let r = 1; r < 32; r++) initRegs.push(g.interestingValue());
  const items = rng.range(options.minItems ?? 24, options.maxItems ?? 48);
  for (let i = 0; i < items; i++) {
    g.itemStarts.push(g.body.length);
    g.item();
  }
  g.resolveTargets();
  // A separate stream, so the choice of mode leaves the program itself unchanged.
  const userMode = new FuzzRng(seed ^ 0x0005_e7a5).chance(options.userModeShare ?? 0.25);
  return { seed, initRegs, scratchSeed: rng.u32() | 1, userMode, body: g.body };
}

class Builder {
  readonly body: FuzzInsn[] = [];
  /**
   * Where each item begins. Branches land only there: landing inside an item
   * (between `li base` and its load, or on a jalr past its auipc) would use a
   * random base address — possibly a device such as the finisher or mtime.
   */
  readonly itemStarts: number[] = [];
  /** Branches whose target is picked once the body length is known. */
  private readonly pending: FuzzInsn[] = [];

  constructor(
    private readonly rng: FuzzRng,
    private readonly faultingAtomics: boolean,
  ) {}

  /** An address for LR/SC/AMOs: aligned and in scratch unless faulting atomics are on. */
  private atomicAddress(): number {
    if (this.faultingAtomics) return this.address(4, 0.1);
    return SCRATCH_BASE + this.rng.below(SCRATCH_WORDS) * 4;
  }

  interestingValue(): number {
    const r = this.rng;
    const kind = r.below(10);
    if (kind < 4) return r.pick(CORNER_VALUES) | 0;
    if (kind < 6) return r.range(-64, 64);
    if (kind < 7) return (SCRATCH_BASE + r.below(SCRATCH_WORDS) * 4) | 0;
    return r.u32() | 0;
  }

  private reg(): number {
    return this.rng.range(1, 31);
  }

  /** Mostly x1..x31; sometimes x0 (writes must be discarded). */
  private rd(): number {
    return this.rng.chance(0.06) ? 0 : this.reg();
  }

  private emit(word: number, text: string): FuzzInsn {
    const insn: FuzzInsn = { word, text };
    this.body.push(insn);
    return insn;
  }

  private li(rd: number, value: number): void {
    const [a, b] = E.li(rd, value);
    this.emit(a, `lui x${rd}, ${hex(a >>> 12)}`);
    this.emit(b, `addi x${rd}, x${rd}, ${(b | 0) >> 20}  # li x${rd}, ${hex(value)}`);
  }

  item(): void {
    // Weights in percent, by kind of item.
    const roll = this.rng.below(100);
    if (roll < 14) this.aluReg();
    else if (roll < 24) this.aluImm();
    else if (roll < 29) this.shiftImm();
    else if (roll < 40) this.mulDiv();
    else if (roll < 43) this.upper();
    else if (roll < 53) this.load();
    else if (roll < 63) this.store();
    else if (roll < 70) this.branch();
    else if (roll < 73) this.jump();
    else if (roll < 77) this.lrsc();
    else if (roll < 83) this.amo();
    else if (roll < 88) this.csrRead();
    else if (roll < 91) this.csrWrite();
    else if (roll < 95) this.illegal();
    else if (roll < 98) this.ecallOrEbreak();
    else this.fence();
  }

  private aluReg(): void {
    const op = this.rng.pick(ALU_REG_OPS);
    const rd = this.rd(),
      rs1 = this.reg(),
      rs2 = this.reg();
    this.emit(E.opReg(op, rd, rs1, rs2), `${op} x${rd}, x${rs1}, x${rs2}`);
  }

  private aluImm(): void {
    const op = this.rng.pick(ALU_IMM_OPS);
    const rd = this.rd(),
      rs1 = this.reg();
    const imm = this.rng.chance(0.3) ? this.rng.pick([0, 1, -1, -2048, 2047, 0x7ff, -0x800]) : this.rng.range(-2048, 2047);
    this.emit(E.opImm(op, rd, rs1, imm), `${op} x${rd}, x${rs1}, ${imm}`);
  }

  private shiftImm(): void {
    const op = this.rng.pick(["slli", "srli", "srai"] as const);
    const rd = this.rd(),
      rs1 = this.reg();
    const shamt = this.rng.pick([0, 1, 31, this.rng.below(32)]);
    this.emit(E.shiftImm(op, rd, rs1, shamt), `${op} x${rd}, x${rs1}, ${shamt}`);
  }

  /** M extension, often with the spec's corner operands (division by zero, INT_MIN / -1). */
  private mulDiv(): void {
    const op = this.rng.pick(MULDIV_OPS);
    const rs1 = this.reg(),
      rs2 = this.reg(),
      rd = this.rd();
    if (this.rng.chance(0.5)) this.li(rs1, this.rng.pick([0, 1, -1, INT_MIN, 0x7fff_ffff, this.rng.u32() | 0]));
    if (this.rng.chance(0.5) && rs2 !== rs1) this.li(rs2, this.rng.pick([0, 1, -1, INT_MIN, 0x7fff_ffff, this.rng.u32() | 0]));
    this.emit(E.opReg(op, rd, rs1, rs2), `${op} x${rd}, x${rs1}, x${rs2}`);
  }

  private upper(): void {
    const rd = this.rd(),
      imm = this.rng.u32() >>> 12;
    if (this.rng.chance(0.5)) this.emit(E.lui(rd, imm), `lui x${rd}, ${hex(imm)}`);
    else this.emit(E.auipc(rd, imm), `auipc x${rd}, ${hex(imm)}`);
  }

  /**
   * An effective address: mostly inside the scratch region (aligned for
   * `size`, or deliberately misaligned but still inside), sometimes in a hole
   * of the memory map (an access fault).
   */
  private address(size: number, misalignedChance: number): number {
    const r = this.rng;
    if (r.chance(0.08)) return UNMAPPED_BASE + r.below(256) * size;
    const misaligned = size > 1 && r.chance(misalignedChance);
    const slot = r.below(SCRATCH_BYTES / size - 1) * size;
    return SCRATCH_BASE + slot + (misaligned ? r.range(1, size - 1) : 0);
  }

  /** `li base, ea - imm` then the access, so the base register is random too. */
  private baseFor(ea: number): [number, number] {
    const base = this.reg();
    const imm = this.rng.chance(0.4) ? 0 : this.rng.range(-2048, 2047);
    this.li(base, (ea - imm) | 0);
    return [base, imm];
  }

  private load(): void {
    const [op, size] = this.rng.pick(LOAD_OPS);
    const [base, imm] = this.baseFor(this.address(size, 0.25));
    const rd = this.rd();
    this.emit(E.load(op, rd, base, imm), `${op} x${rd}, ${imm}(x${base})`);
  }

  private store(): void {
    const [op, size] = this.rng.pick(STORE_OPS);
    const [base, imm] = this.baseFor(this.address(size, 0.25));
    const rs2 = this.reg();
    this.emit(E.store(op, rs2, base, imm), `${op} x${rs2}, ${imm}(x${base})`);
  }

  /** A forward branch; the target (an index up to the end) is chosen later. */
  private branch(): void {
    const op = this.rng.pick(BRANCH_OPS);
    const rs1 = this.reg(),
      rs2 = this.rng.chance(0.2) ? rs1 : this.reg();
    const insn = this.emit(0, `${op} x${rs1}, x${rs2}`);
    insn.encode = (off) => E.branch(op, rs1, rs2, off);
    this.pending.push(insn);
  }

  private jump(): void {
    const rd = this.rd();
    if (this.rng.chance(0.5)) {
      const insn = this.emit(0, `jal x${rd}`);
      insn.encode = (off) => E.jal(rd, off);
      this.pending.push(insn);
      return;
    }
    // auipc base, 0; jalr rd, imm(base): a register-indirect forward jump.
    const base = this.reg();
    const from = this.body.length;
    this.emit(E.auipc(base, 0), `auipc x${base}, 0`);
    const insn = this.emit(0, `jalr x${rd}, x${base}`);
    insn.from = from;
    // jalr clears bit 0 of the target: set it sometimes, it must not matter.
    const odd = this.rng.chance(0.3) ? 1 : 0;
    insn.encode = (off) => E.jalr(rd, base, off + odd);
    this.pending.push(insn);
  }

  resolveTargets(): void {
    for (const insn of this.pending) {
      const at = this.body.indexOf(insn);
      // An item start up to ~12 instructions ahead, or the end; jalr's 12-bit offset is ample.
      const ahead = this.itemStarts.filter((s) => s > at && s <= at + 12);
      const choices = [...ahead, this.body.length];
      insn.target = choices[this.rng.below(Math.min(choices.length, ahead.length + (this.rng.chance(0.2) ? 1 : 0)) || 1)];
      insn.text += ` -> ${insn.target === this.body.length ? "end" : `#${insn.target}`}`;
    }
  }

  /**
   * LR/SC: a matching pair (succeeds), a pair on different words (fails), or
   * a lone SC (fails: every earlier SC consumed the reservation). Nothing
   * between LR and SC stores to memory or traps.
   */
  private lrsc(): void {
    const r = this.rng;
    const kind = r.below(4);
    const ea = this.atomicAddress();
    const base = this.reg();
    this.li(base, ea);
    const rs2 = this.reg();
    if (kind === 0) {
      const rd = this.rd();
      this.emit(E.amo("sc.w", rd, base, rs2), `sc.w x${rd}, x${rs2}, (x${base})  # no reservation`);
      return;
    }
    const rdLr = this.rd();
    // The LR's destination must not clobber the base the SC uses.
    const lrDest = rdLr === base ? 0 : rdLr;
    this.emit(E.amo("lr.w", lrDest, base, 0, r.chance(0.5), r.chance(0.5)), `lr.w x${lrDest}, (x${base})`);
    if (r.chance(0.5)) {
      const rd = this.reg();
      if (rd !== base) this.emit(E.opReg("add", rd, rd, rs2), `add x${rd}, x${rd}, x${rs2}`);
    }
    let scBase = base;
    if (kind === 1) {
      scBase = base === 31 ? 30 : base + 1;
      const other = SCRATCH_BASE + ((((ea - SCRATCH_BASE) & ~3) + 64) % SCRATCH_BYTES);
      this.li(scBase, other);
    }
    const rdSc = this.rd();
    this.emit(E.amo("sc.w", rdSc, scBase, rs2, r.chance(0.5), r.chance(0.5)), `sc.w x${rdSc}, x${rs2}, (x${scBase})`);
  }

  private amo(): void {
    const op = this.rng.pick(AMO_OPS);
    // AMOs have no offset field: the base register holds the address itself.
    const base = this.reg();
    this.li(base, this.atomicAddress());
    const rd = this.rd(),
      rs2 = this.reg();
    this.emit(E.amo(op, rd, base, rs2, this.rng.chance(0.5), this.rng.chance(0.5)), `${op} x${rd}, x${rs2}, (x${base})`);
  }

  private csrRead(): void {
    const [num, name] = this.rng.pick(READABLE_CSRS);
    const rd = this.rd();
    if (this.rng.chance(0.5)) this.emit(E.csr("csrrs", rd, num, 0), `csrr x${rd}, ${name}`);
    else this.emit(E.csr("csrrci", rd, num, 0), `csrrci x${rd}, ${name}, 0`);
  }

  /** mtval takes any value; mepc only 4-byte-aligned ones (its low bits depend on the C extension). */
  private csrWrite(): void {
    const r = this.rng;
    const rd = this.rd();
    if (r.chance(0.5)) {
      const op = r.pick(["csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci"] as const);
      const src = op.endsWith("i") ? r.below(32) : this.reg();
      this.emit(E.csr(op, rd, CSR_MTVAL, src), `${op} x${rd}, mtval, ${op.endsWith("i") ? src : `x${src}`}`);
      return;
    }
    const rs = this.reg();
    this.li(rs, (r.u32() & ~3) | 0);
    this.emit(E.csr("csrrw", rd, CSR_MEPC, rs), `csrrw x${rd}, mepc, x${rs}`);
  }

  /** Encodings that are illegal on RV32IMA and on QEMU's default CPU alike. */
  private illegal(): void {
    const r = this.rng;
    const rd = this.reg(),
      rs1 = this.reg();
    switch (r.below(8)) {
      case 0:
        this.emit(0x0000_0000, ".word 0x00000000  # all-zero: defined illegal");
        return;
      case 1: {
        const f3 = r.pick([3, 6, 7]);
        this.emit(E.iType(0x03, rd, f3, rs1, 0), `.insn load funct3=${f3}  # ld/reserved on RV32`);
        return;
      }
      case 2: {
        const f3 = r.range(3, 7);
        this.emit(E.sType(0x23, f3, rs1, rd, 0), `.insn store funct3=${f3}  # sd/reserved`);
        return;
      }
      case 3: {
        const shamt = r.range(32, 63);
        this.emit(E.shiftImm(r.pick(["slli", "srli", "srai"] as const), rd, rs1, shamt), `shift by ${shamt}  # reserved on RV32`);
        return;
      }
      case 4:
        this.emit(E.iType(0x07, rd, 2, rs1, 0), `flw f${rd}, 0(x${rs1})  # no F / mstatus.FS off`);
        return;
      case 5:
        this.emit(E.rType(0x0b, rd, 0, rs1, rd, 0), ".insn custom-0");
        return;
      case 6:
        this.emit(E.csr("csrrw", rd, CSR_MHARTID, rs1), `csrrw x${rd}, mhartid, x${rs1}  # read-only CSR`);
        return;
      default:
        this.emit(E.rType(0x2f, rd, 3, rs1, rd, 0), "amoadd.d  # RV64 only");
    }
  }

  private ecallOrEbreak(): void {
    if (this.rng.chance(0.5)) this.emit(E.ecall(), "ecall");
    else this.emit(E.ebreak(), "ebreak");
  }

  private fence(): void {
    if (this.rng.chance(0.5)) this.emit(E.fence(), "fence");
    else this.emit(E.fenceI(), "fence.i");
  }
}
