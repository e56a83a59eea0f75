/**
 * Wraps generated programs into one ELF that runs them back to back. For
 * each program: an `ecall` (so mstatus/mepc/mcause/mtval start from a known
 * trap), reset the scratch region and the trap log, load the initial
 * registers, run the body, save all registers, and print one dump line:
 *
 *   P<index> <x1> .. <x31> S<scratch checksum> T<trap count> <mcause>,<mepc>,<mtval> ...
 *
 * (all hex). Then the test finisher ends the run with exit code 0. The trap
 * handler logs mcause/mepc/mtval and resumes at mepc + 4, or at ra after an
 * instruction access fault (mepc is then the jump's target).
 *
 * A U-mode program's body is entered by mret with mstatus.MPP = U and ends
 * with an `ecall` whose address the harness stores in the trap area: the
 * handler recognises it, does not log it, and returns to M mode for the
 * dump. The standard PMP configuration gives U mode RWX on RAM except the
 * scratch region's last 64 bytes (read-only); a program may bring its own
 * (pmp.ts), restored to the standard one after its body. The epilogue clears
 * mstatus.MPRV before it stores anything.
 */
import { Asm } from "./asm.js";
import { wordsToBytes, writeElf32 } from "./elf-writer.js";
import * as E from "./encode.js";
import {
  CODE_BASE,
  CODE_LIMIT,
  FINISHER_BASE,
  REG_SAVE,
  SCRATCH_BASE,
  SCRATCH_READ_ONLY,
  SCRATCH_READ_ONLY_BYTES,
  SCRATCH_WORDS,
  TRAP_AREA,
  TRAP_LOG_MAX,
  UART_BASE,
} from "./layout.js";
import type { PmpConfig } from "./pmp.js";
import { encodeBody, type FuzzProgram } from "./program.js";

// ABI register numbers used by the harness routines.
const RA = 1,
  T0 = 5,
  T1 = 6,
  T2 = 7,
  S0 = 8,
  S1 = 9,
  A0 = 10,
  A1 = 11,
  A2 = 12,
  A3 = 13;
const S2 = 18,
  S9 = 25,
  S10 = 26,
  S11 = 27,
  T3 = 28,
  T5 = 30,
  T6 = 31;
const CSR_MSTATUS = 0x300,
  CSR_PMPCFG0 = 0x3a0,
  CSR_PMPADDR0 = 0x3b0;
const MSTATUS_MPP = 0x1800;
const MSTATUS_MPRV = 1 << 17;
const PMP_RAM_NAPOT = (0x8000_0000 >>> 2) | ((0x1000_0000 >>> 3) - 1);
const PMP_SCRATCH_RO_NAPOT = (SCRATCH_READ_ONLY >>> 2) | ((SCRATCH_READ_ONLY_BYTES >>> 3) - 1);
const PMP_CFG_NAPOT_RWX = 0x1f;
const PMP_CFG_NAPOT_R = 0x19;
const CSR_MTVEC = 0x305,
  CSR_MSCRATCH = 0x340,
  CSR_MEPC = 0x341,
  CSR_MCAUSE = 0x342,
  CSR_MTVAL = 0x343;

const csrw = (csr: number, rs: number) => E.csr("csrrw", 0, csr, rs);
const csrr = (rd: number, csr: number) => E.csr("csrrs", rd, csr, 0);
const addi = (rd: number, rs: number, imm: number) => E.opImm("addi", rd, rs, imm);
const mv = (rd: number, rs: number) => addi(rd, rs, 0);

export interface HarnessOptions {
  /**
   * Make the scratch region's last 64 bytes read-only for U mode with a PMP
   * entry (default true). Its boundary also tests the PMP rule that an access
   * only partly inside an entry fails — in M mode too.
   */
  readOnlyScratch?: boolean;
}

export function buildBatchElf(programs: readonly FuzzProgram[], options: HarnessOptions = {}): Uint8Array {
  const a = new Asm(CODE_BASE);
  a.la(T0, "trap").emit(csrw(CSR_MTVEC, T0));
  a.li(T0, TRAP_AREA).emit(csrw(CSR_MSCRATCH, T0));
  // PMP for U-mode bodies: entry 0 makes the scratch region's last 64 bytes
  // read-only, entry 1 gives RWX on 256 MiB from 0x80000000 (RAM).
  // Without the read-only entry, entry 0 is off (pmpcfg 0) and entry 1 covers everything.
  const standardPmp: PmpConfig = {
    addrs: [PMP_SCRATCH_RO_NAPOT, PMP_RAM_NAPOT, 0, 0],
    cfg: (PMP_CFG_NAPOT_RWX << 8) | ((options.readOnlyScratch ?? true) ? PMP_CFG_NAPOT_R : 0),
  };
  emitPmp(a, standardPmp);
  for (let i = 0; i < programs.length; i++) emitProgram(a, programs[i], i, standardPmp);
  // All done: SiFive test finisher, pass.
  a.li(T0, FINISHER_BASE)
    .li(T1, 0x5555)
    .emit(E.store("sw", T1, T0, 0));
  a.label("halt").j("halt");
  emitRoutines(a);
  const words = a.finish();
  if (CODE_BASE + words.length * 4 > CODE_LIMIT) {
    throw new RangeError(`fuzz batch of ${programs.length} programs is too large (${words.length * 4} bytes); use smaller batches`);
  }
  return writeElf32({ loadAddress: CODE_BASE, bytes: wordsToBytes(words) });
}

/** Writes pmpaddr0..3 and pmpcfg0 (clobbers t0). */
function emitPmp(a: Asm, pmp: PmpConfig): void {
  a.li(T0, 0).emit(csrw(CSR_PMPCFG0, T0)); // all off while the addresses change
  for (let i = 0; i < 4; i++) a.li(T0, pmp.addrs[i]).emit(csrw(CSR_PMPADDR0 + i, T0));
  a.li(T0, pmp.cfg).emit(csrw(CSR_PMPCFG0, T0));
}

function emitProgram(a: Asm, p: FuzzProgram, index: number, standardPmp: PmpConfig): void {
  a.emit(E.ecall());
  a.li(A0, p.scratchSeed | 1).call("reset_state");
  if (p.pmp) emitPmp(a, p.pmp);
  if (p.mstatusSet) a.li(T0, p.mstatusSet).emit(E.csr("csrrs", 0, CSR_MSTATUS, T0));
  if (p.userMode) {
    a.la(T0, `exit_${index}`)
      .li(T1, TRAP_AREA)
      .emit(E.store("sw", T0, T1, 12));
    a.la(T0, `body_${index}`).emit(csrw(CSR_MEPC, T0));
    a.li(T0, MSTATUS_MPP).emit(E.csr("csrrc", 0, CSR_MSTATUS, T0));
  }
  for (let r = 1; r < 32; r++) a.li(r, p.initRegs[r]);
  if (p.userMode) a.emit(E.mret());
  a.label(`body_${index}`);
  a.emit(...encodeBody(p.body));
  a.label(`exit_${index}`);
  if (p.userMode) a.emit(E.ecall());
  // Epilogue: park t0 in mscratch, save every register, restore mscratch.
  a.emit(csrw(CSR_MSCRATCH, T0));
  a.li(T0, MSTATUS_MPRV | (p.mstatusSet ?? 0)).emit(E.csr("csrrc", 0, CSR_MSTATUS, T0)); // M-mode permissions again
  a.li(T0, REG_SAVE);
  for (let r = 1; r < 32; r++) if (r !== T0) a.emit(E.store("sw", r, T0, r * 4));
  a.emit(csrr(T1, CSR_MSCRATCH), E.store("sw", T1, T0, T0 * 4));
  a.li(T1, TRAP_AREA).emit(csrw(CSR_MSCRATCH, T1));
  if (p.pmp) emitPmp(a, standardPmp);
  a.li(A0, index).call("dump");
}

function emitRoutines(a: Asm): void {
  // Trap handler: log (mcause, mepc, mtval) while there is room, count, skip the instruction.
  a.label("trap");
  a.emit(E.csr("csrrw", T0, CSR_MSCRATCH, T0));
  a.emit(E.store("sw", T1, T0, 0), E.store("sw", T2, T0, 4));
  // The ecall that ends a U-mode body: back to M mode, not logged.
  a.emit(csrr(T1, CSR_MEPC), E.load("lw", T2, T0, 12));
  a.branch("bne", T1, T2, "trap_log");
  a.li(T1, MSTATUS_MPP).emit(E.csr("csrrs", 0, CSR_MSTATUS, T1));
  a.j("trap_resume");
  a.label("trap_log");
  a.emit(E.load("lw", T1, T0, 8), E.opImm("sltiu", T2, T1, TRAP_LOG_MAX));
  a.branch("beq", T2, 0, "trap_counted");
  a.emit(E.shiftImm("slli", T2, T1, 4), E.opReg("add", T2, T2, T0));
  a.emit(csrr(T1, CSR_MCAUSE), E.store("sw", T1, T2, 16));
  a.emit(csrr(T1, CSR_MEPC), E.store("sw", T1, T2, 20));
  a.emit(csrr(T1, CSR_MTVAL), E.store("sw", T1, T2, 24));
  a.emit(E.load("lw", T1, T0, 8));
  a.label("trap_counted");
  a.emit(addi(T1, T1, 1), E.store("sw", T1, T0, 8));
  a.label("trap_resume");
  // An instruction access fault (mcause 1) has mepc = the jump's target, where nothing runs:
  // resume at the jump's link address (ra), which the fetch-fault items set. Else skip the instruction.
  a.emit(csrr(T1, CSR_MCAUSE), addi(T1, T1, -1));
  a.branch("bne", T1, 0, "trap_skip");
  a.emit(csrw(CSR_MEPC, RA));
  a.j("trap_return");
  a.label("trap_skip");
  a.emit(csrr(T1, CSR_MEPC), addi(T1, T1, 4), csrw(CSR_MEPC, T1));
  a.label("trap_return");
  a.emit(E.load("lw", T1, T0, 0), E.load("lw", T2, T0, 4));
  a.emit(E.csr("csrrw", T0, CSR_MSCRATCH, T0), E.mret());

  // reset_state(a0 = seed): scratch := xorshift32 stream, trap count := 0.
  a.label("reset_state");
  a.li(T0, SCRATCH_BASE).li(T1, SCRATCH_WORDS);
  a.label("reset_loop");
  a.emit(E.shiftImm("slli", T2, A0, 13), E.opReg("xor", A0, A0, T2));
  a.emit(E.shiftImm("srli", T2, A0, 17), E.opReg("xor", A0, A0, T2));
  a.emit(E.shiftImm("slli", T2, A0, 5), E.opReg("xor", A0, A0, T2));
  a.emit(E.store("sw", A0, T0, 0), addi(T0, T0, 4), addi(T1, T1, -1));
  a.branch("bne", T1, 0, "reset_loop");
  a.li(T0, TRAP_AREA).emit(E.store("sw", 0, T0, 8), E.store("sw", 0, T0, 12));
  a.ret();

  // putc(a0): polls the UART's LSR.THRE, writes THR. Uses t5, t6.
  a.label("putc");
  a.li(T5, UART_BASE);
  a.label("putc_wait");
  a.emit(E.load("lbu", T6, T5, 5), E.opImm("andi", T6, T6, 0x20));
  a.branch("beq", T6, 0, "putc_wait");
  a.emit(E.store("sb", A0, T5, 0));
  a.ret();

  // puthex(a0): eight lowercase hex digits. Uses a1..a3, s9.
  a.label("puthex");
  a.emit(mv(S9, RA), mv(A1, A0), addi(A2, 0, 28));
  a.label("puthex_loop");
  a.emit(E.opReg("srl", A0, A1, A2), E.opImm("andi", A0, A0, 15), E.opImm("sltiu", A3, A0, 10));
  a.branch("bne", A3, 0, "puthex_digit");
  a.emit(addi(A0, A0, 39)); // 'a' - '0' - 10
  a.label("puthex_digit");
  a.emit(addi(A0, A0, 48));
  a.call("putc");
  a.emit(addi(A2, A2, -4));
  a.branch("bge", A2, 0, "puthex_loop");
  a.emit(mv(RA, S9));
  a.ret();

  const putChar = (c: string) => a.emit(addi(A0, 0, c.charCodeAt(0))).call("putc");

  // dump(a0 = index): the program's line.
  a.label("dump");
  a.emit(mv(S11, RA), mv(S10, A0));
  putChar("P");
  a.emit(mv(A0, S10)).call("puthex");
  a.li(S0, REG_SAVE + 4).emit(addi(S1, 0, 31));
  a.label("dump_regs");
  putChar(" ");
  a.emit(E.load("lw", A0, S0, 0)).call("puthex");
  a.emit(addi(S0, S0, 4), addi(S1, S1, -1));
  a.branch("bne", S1, 0, "dump_regs");
  // Scratch checksum: h = rotl(h, 5) + word.
  putChar(" ");
  putChar("S");
  a.li(T0, SCRATCH_BASE)
    .li(T1, SCRATCH_WORDS)
    .emit(addi(A0, 0, 0));
  a.label("dump_sum");
  a.emit(E.shiftImm("slli", T2, A0, 5), E.shiftImm("srli", T3, A0, 27), E.opReg("or", A0, T2, T3));
  a.emit(E.load("lw", T2, T0, 0), E.opReg("add", A0, A0, T2), addi(T0, T0, 4), addi(T1, T1, -1));
  a.branch("bne", T1, 0, "dump_sum");
  a.call("puthex");
  putChar(" ");
  putChar("T");
  a.li(T0, TRAP_AREA).emit(E.load("lw", A0, T0, 8), mv(S2, A0));
  a.call("puthex");
  a.emit(addi(T0, 0, TRAP_LOG_MAX));
  a.branch("bltu", S2, T0, "dump_traps_n");
  a.emit(mv(S2, T0));
  a.label("dump_traps_n");
  a.li(S0, TRAP_AREA + 16);
  a.label("dump_traps");
  a.branch("beq", S2, 0, "dump_end");
  putChar(" ");
  a.emit(E.load("lw", A0, S0, 0)).call("puthex");
  putChar(",");
  a.emit(E.load("lw", A0, S0, 4)).call("puthex");
  putChar(",");
  a.emit(E.load("lw", A0, S0, 8)).call("puthex");
  a.emit(addi(S0, S0, 16), addi(S2, S2, -1));
  a.j("dump_traps");
  a.label("dump_end");
  putChar("\n");
  a.emit(mv(RA, S11));
  a.ret();
}
