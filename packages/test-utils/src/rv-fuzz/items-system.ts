/**
 * Generator items for atomics and the privileged side: LR/SC, AMOs, CSR
 * reads and writes, deliberate traps (illegal encodings, ecall, ebreak,
 * fetch faults), fences. Each function appends one item to the builder.
 */
import { hex, type ProgramBuilder } from "./builder.js";
import * as E from "./encode.js";
import { SCRATCH_BASE, SCRATCH_BYTES, UNMAPPED_BASE } from "./layout.js";

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
  [0x3a0, "pmpcfg0"],
  [0x3b0, "pmpaddr0"],
  [0x3b1, "pmpaddr1"],
  [0x3b2, "pmpaddr2"],
  [0x3b3, "pmpaddr3"],
];
const CSR_MTVAL = 0x343;
const CSR_MEPC = 0x341;
const CSR_MHARTID = 0xf14;
const CSR_MSTATUS = 0x300;
const MSTATUS_MPP = 0x1800;
const MSTATUS_MPRV = 1 << 17;
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

/**
 * LR/SC: a matching pair (succeeds), a pair on different words (fails), or
 * a lone SC (fails: every earlier SC consumed the reservation). Nothing
 * between LR and SC stores to memory or traps.
 */
export function lrsc(b: ProgramBuilder): void {
  const r = b.rng;
  const kind = r.below(4);
  const ea = b.atomicAddress();
  const base = b.reg();
  b.li(base, ea);
  const rs2 = b.reg();
  if (kind === 0) {
    const rd = b.rd();
    b.emit(E.amo("sc.w", rd, base, rs2), `sc.w x${rd}, x${rs2}, (x${base})  # no reservation`);
    return;
  }
  const rdLr = b.rd();
  // The LR's destination must not clobber the base the SC uses.
  const lrDest = rdLr === base ? 0 : rdLr;
  b.emit(E.amo("lr.w", lrDest, base, 0, r.chance(0.5), r.chance(0.5)), `lr.w x${lrDest}, (x${base})`);
  if (r.chance(0.5)) {
    const rd = b.reg();
    if (rd !== base) b.emit(E.opReg("add", rd, rd, rs2), `add x${rd}, x${rd}, x${rs2}`);
  }
  let scBase = base;
  if (kind === 1) {
    scBase = base === 31 ? 30 : base + 1;
    const other = SCRATCH_BASE + ((((ea - SCRATCH_BASE) & ~3) + 64) % SCRATCH_BYTES);
    b.li(scBase, other);
  }
  const rdSc = b.rd();
  b.emit(E.amo("sc.w", rdSc, scBase, rs2, r.chance(0.5), r.chance(0.5)), `sc.w x${rdSc}, x${rs2}, (x${scBase})`);
}

export function amo(b: ProgramBuilder): void {
  const op = b.rng.pick(AMO_OPS);
  // AMOs have no offset field: the base register holds the address itself.
  const base = b.reg();
  b.li(base, b.atomicAddress());
  const rd = b.rd(),
    rs2 = b.reg();
  b.emit(E.amo(op, rd, base, rs2, b.rng.chance(0.5), b.rng.chance(0.5)), `${op} x${rd}, x${rs2}, (x${base})`);
}

export function csrRead(b: ProgramBuilder): void {
  const [num, name] = b.rng.pick(READABLE_CSRS);
  const rd = b.rd();
  if (b.rng.chance(0.5)) b.emit(E.csr("csrrs", rd, num, 0), `csrr x${rd}, ${name}`);
  else b.emit(E.csr("csrrci", rd, num, 0), `csrrci x${rd}, ${name}, 0`);
}

/** mtval takes any value; mepc only 4-byte-aligned ones (its low bits depend on the C extension). */
export function csrWrite(b: ProgramBuilder): void {
  const r = b.rng;
  const rd = b.rd();
  if (r.chance(0.5)) {
    const op = r.pick(["csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci"] as const);
    const src = op.endsWith("i") ? r.below(32) : b.reg();
    b.emit(E.csr(op, rd, CSR_MTVAL, src), `${op} x${rd}, mtval, ${op.endsWith("i") ? src : `x${src}`}`);
    return;
  }
  const rs = b.reg();
  b.li(rs, (r.u32() & ~3) | 0);
  b.emit(E.csr("csrrw", rd, CSR_MEPC, rs), `csrrw x${rd}, mepc, x${rs}`);
}

/** Encodings that are illegal on RV32IMA and on QEMU's default CPU alike. */
export function illegal(b: ProgramBuilder): void {
  const r = b.rng;
  const rd = b.reg(),
    rs1 = b.reg();
  switch (r.below(8)) {
    case 0:
      b.emit(0x0000_0000, ".word 0x00000000  # all-zero: defined illegal");
      return;
    case 1: {
      const f3 = r.pick([3, 6, 7]);
      b.emit(E.iType(0x03, rd, f3, rs1, 0), `.insn load funct3=${f3}  # ld/reserved on RV32`);
      return;
    }
    case 2: {
      const f3 = r.range(3, 7);
      b.emit(E.sType(0x23, f3, rs1, rd, 0), `.insn store funct3=${f3}  # sd/reserved`);
      return;
    }
    case 3: {
      const shamt = r.range(32, 63);
      b.emit(E.shiftImm(r.pick(["slli", "srli", "srai"] as const), rd, rs1, shamt), `shift by ${shamt}  # reserved on RV32`);
      return;
    }
    case 4:
      b.emit(E.iType(0x07, rd, 2, rs1, 0), `flw f${rd}, 0(x${rs1})  # no F / mstatus.FS off`);
      return;
    case 5:
      b.emit(E.rType(0x0b, rd, 0, rs1, rd, 0), ".insn custom-0");
      return;
    case 6:
      b.emit(E.csr("csrrw", rd, CSR_MHARTID, rs1), `csrrw x${rd}, mhartid, x${rs1}  # read-only CSR`);
      return;
    default:
      b.emit(E.rType(0x2f, rd, 3, rs1, rd, 0), "amoadd.d  # RV64 only");
  }
}

export function ecallOrEbreak(b: ProgramBuilder): void {
  if (b.rng.chance(0.5)) b.emit(E.ecall(), "ecall");
  else b.emit(E.ebreak(), "ebreak");
}

/**
 * A jump to the unmapped hole: an instruction access fault with mepc = mtval = the target
 * (priv. spec §3.1.16). The jump itself retires, so ra holds its link address, where the
 * harness resumes.
 */
export function fetchFault(b: ProgramBuilder): void {
  const base = b.reg();
  const target = UNMAPPED_BASE + b.rng.below(256) * 4;
  b.li(base, target);
  b.emit(E.jalr(1, base, 0), `jalr ra, x${base}  # fetch from ${hex(target)}: access fault`);
}

export function fence(b: ProgramBuilder): void {
  if (b.rng.chance(0.5)) b.emit(E.fence(), "fence");
  else b.emit(E.fenceI(), "fence.i");
}

/**
 * Self-modifying code: store a new instruction over one a few words ahead,
 * then fence.i, then run it. Without the fence.i the spec lets the hart run
 * either instruction, and QEMU 7.2 runs the stale one when the store and its
 * target share a translation block (vmlab runs the new one), so the fence is
 * always there.
 */
export function selfModifying(b: ProgramBuilder): void {
  const r = b.rng;
  const base = b.reg();
  const val = base === 31 ? 1 : base + 1;
  const rd = b.rd(),
    rs1 = b.reg();
  const newImm = r.range(-2048, 2047);
  const newWord = E.opImm("addi", rd, rs1, newImm);
  // auipc, addi, lui, addi (li), sw, fence.i, target: the target is 6 words after the auipc.
  const distance = 6 * 4;
  b.emit(E.auipc(base, 0), `auipc x${base}, 0`);
  b.emit(E.opImm("addi", base, base, distance), `addi x${base}, x${base}, ${distance}  # address of the target`);
  b.li(val, newWord);
  b.emit(E.store("sw", val, base, 0), `sw x${val}, 0(x${base})  # overwrite the target`);
  b.emit(E.fenceI(), "fence.i");
  b.emit(E.opImm("xori", rd, rs1, 0x555), `xori x${rd}, x${rs1}, 0x555  # replaced by addi x${rd}, x${rs1}, ${newImm} (${hex(newWord)})`);
}

/**
 * mstatus.MPRV and MPP from M mode: with MPRV set and MPP = U, loads and
 * stores use U mode's PMP permissions. MPP is only ever set to U or M (QEMU's
 * CPU also has S mode, vmlab's does not). The harness clears MPRV after each
 * program; from U mode these writes are illegal instructions.
 */
export function mprv(b: ProgramBuilder): void {
  const r = b.rng;
  const t = b.reg();
  const bits = r.pick([MSTATUS_MPRV, MSTATUS_MPRV, MSTATUS_MPP, MSTATUS_MPRV | MSTATUS_MPP]);
  const op = r.chance(0.65) ? "csrrs" : "csrrc";
  const rd = b.rd();
  b.li(t, bits);
  b.emit(
    E.csr(op, rd, CSR_MSTATUS, t),
    `${op} x${rd}, mstatus, x${t}  # ${bits & MSTATUS_MPRV ? "MPRV" : ""}${bits & MSTATUS_MPP ? " MPP" : ""}`,
  );
}
