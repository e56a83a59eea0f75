/**
 * Trap values at the edges (mcause, mepc, mtval), written out: each case is a
 * short body the fuzz harness runs (test-utils rv-fuzz/harness.ts), with the
 * traps it must log. The values are the privileged spec's (1.12, §3.1.15–16)
 * and QEMU 7.2's (`-cpu rv32,c=false`, so that QEMU has vmlab's misa: no C),
 * which agree on every case without `qemu`; a case with `qemu` is one where
 * QEMU 7.2 departs from the spec and vmlab follows the spec (see
 * KNOWN_DIFFERENCES.md): it is checked on vmlab only.
 */
import { encode as E, type FuzzProgram } from "@vmlab/test-utils";

/** Both machines' RAM: 128 MiB at 0x80000000 (QEMU's and vmlab's default). */
export const RAM_MIB = 128;
const RAM_END = 0x8000_0000 + RAM_MIB * 1024 * 1024;
const SCRATCH = 0x8080_0000;
/** Nothing is mapped here on QEMU's virt board or vmlab's. */
const HOLE = 0x0008_0000;
const CLINT = 0x0200_0000;
const UART = 0x1000_0000;
const PLIC = 0x0c00_0000;
const MSTATUS_TW = 1 << 21;
/** PMP entry 3 of the harness: RWX over 256 MiB from RAM's base (so U mode may try past RAM's end). */
const RAM_NAPOT = (0x8000_0000 >>> 2) | ((0x1000_0000 >>> 3) - 1);

const RA = 1,
  T = 5,
  A = 6,
  B = 7;

/** Where a trap's mepc points: the body's instruction `insn`, or an absolute address (a fetch fault's target). */
export type TrapAt = { insn: number } | number;
/** mtval: a value, or mepc plus an offset (a misaligned jump's target). */
export type TrapValue = number | { mepcPlus: number };
export type ExpectedTrap = [cause: number, at: TrapAt, tval: TrapValue];

export interface TrapEdge {
  name: string;
  user?: boolean;
  pmp?: FuzzProgram["pmp"];
  mstatusSet?: number;
  words: number[];
  traps: ExpectedTrap[];
  /** Register values after the body (x1..x31 by number). */
  regs?: Record<number, number>;
  /** Why QEMU 7.2 differs here (compared on vmlab only). */
  qemu?: string;
}

const li = (r: number, v: number) => E.li(r, v);
const ld = (op: E.LoadOp, addr: number) => [...li(T, addr), E.load(op, A, T, 0)];
const st = (op: E.StoreOp, addr: number) => [...li(T, addr), E.store(op, A, T, 0)];
const atomic = (op: E.AmoOp, addr: number) => [...li(T, addr), E.amo(op, A, T, A)];
const jumpTo = (addr: number) => [...li(T, addr), E.jalr(RA, T, 0)];
/** The instruction after a two-word `li`. */
const AFTER_LI = { insn: 2 };
const illegal = (word: number) => [2, { insn: 0 }, word] as ExpectedTrap;
const csrIllegal = (word: number) => ({ words: [word], traps: [illegal(word)] });

export const TRAP_EDGES: TrapEdge[] = [
  // Misaligned loads and stores that run past RAM's end: an access fault whose mtval is the
  // first byte past RAM, the portion of the access that faulted (priv. spec §3.1.16).
  { name: "lw across RAM's end", words: ld("lw", RAM_END - 2), traps: [[5, AFTER_LI, RAM_END]] },
  { name: "lh across RAM's end", words: ld("lh", RAM_END - 1), traps: [[5, AFTER_LI, RAM_END]] },
  { name: "lw across RAM's end, 3 bytes in", words: ld("lw", RAM_END - 3), traps: [[5, AFTER_LI, RAM_END]] },
  {
    // A misaligned store may be split into parts (unpriv. spec §2.6): the bytes inside RAM are written, as on QEMU.
    name: "sw across RAM's end writes the bytes inside RAM",
    words: [...li(B, -1), ...li(T, RAM_END - 3), E.store("sw", 0, T, -1), E.store("sw", B, T, 0), E.load("lw", A, T, -1)],
    traps: [[7, { insn: 5 }, RAM_END]],
    regs: { [A]: 0xffff_ff00 },
  },
  { name: "sh across RAM's end", words: st("sh", RAM_END - 1), traps: [[7, AFTER_LI, RAM_END]] },
  { name: "lw across RAM's end from U mode", user: true, words: ld("lw", RAM_END - 2), traps: [[5, AFTER_LI, RAM_END]] },
  {
    name: "sh and lh just inside RAM's end",
    words: [...li(B, 0x1234), ...li(T, RAM_END - 3), E.store("sh", B, T, 0), E.load("lh", A, T, 0)],
    traps: [],
    regs: { [A]: 0x1234 },
  },
  { name: "lw past RAM's end", words: ld("lw", RAM_END), traps: [[5, AFTER_LI, RAM_END]] },
  { name: "sw misaligned past RAM's end", words: st("sw", RAM_END + 2), traps: [[7, AFTER_LI, RAM_END + 2]] },
  { name: "lw across RAM's start from below", words: ld("lw", 0x8000_0000 - 2), traps: [[5, AFTER_LI, 0x7fff_fffe]] },
  // PMP is checked for the whole access first: mtval is its start even when the second word is denied.
  {
    name: "U sw straddling a read-only PMP entry",
    user: true,
    pmp: { addrs: [(SCRATCH + 0x100) >>> 2, 0, 0, RAM_NAPOT], cfg: (0x1f << 24) | 0x11 },
    words: st("sw", SCRATCH + 0xfe),
    traps: [[7, AFTER_LI, SCRATCH + 0xfe]],
  },
  // Loads and stores where no device answers: access fault, mtval = the address.
  { name: "lw from the hole", words: ld("lw", HOLE), traps: [[5, AFTER_LI, HOLE]] },
  { name: "sb to the hole", words: st("sb", HOLE + 3), traps: [[7, AFTER_LI, HOLE + 3]] },
  { name: "lw from 0", words: ld("lw", 0), traps: [[5, AFTER_LI, 0]] },
  { name: "lw from 0xfffffffc", words: ld("lw", 0xffff_fffc), traps: [[5, AFTER_LI, 0xffff_fffc]] },
  { name: "U lw from the hole", user: true, words: ld("lw", HOLE), traps: [[5, AFTER_LI, HOLE]] },
  { name: "U sw past RAM's end", user: true, words: st("sw", RAM_END), traps: [[7, AFTER_LI, RAM_END]] },
  { name: "sw misaligned to the CLINT", words: [...li(T, CLINT + 1), E.store("sw", 0, T, 0)], traps: [[7, AFTER_LI, CLINT + 1]] },
  // LR/SC and AMOs: misaligned → load address misaligned (4), nothing there → load access fault (5),
  // as QEMU 7.2 runs them (a load, then a store; see KNOWN_DIFFERENCES.md, "AMO faults").
  { name: "lr.w misaligned", words: atomic("lr.w", SCRATCH + 1), traps: [[4, AFTER_LI, SCRATCH + 1]] },
  { name: "amoadd.w misaligned", words: atomic("amoadd.w", SCRATCH + 2), traps: [[4, AFTER_LI, SCRATCH + 2]] },
  { name: "amoswap.w misaligned across RAM's end", words: atomic("amoswap.w", RAM_END - 2), traps: [[4, AFTER_LI, RAM_END - 2]] },
  { name: "amoor.w misaligned on the CLINT", words: atomic("amoor.w", CLINT + 2), traps: [[4, AFTER_LI, CLINT + 2]] },
  { name: "amoadd.w past RAM's end", words: atomic("amoadd.w", RAM_END), traps: [[5, AFTER_LI, RAM_END]] },
  { name: "amoor.w in the hole", words: atomic("amoor.w", HOLE), traps: [[5, AFTER_LI, HOLE]] },
  { name: "lr.w past RAM's end", words: atomic("lr.w", RAM_END), traps: [[5, AFTER_LI, RAM_END]] },
  // SC without a matching reservation fails (rd = 1) before any address check.
  { name: "sc.w misaligned, no reservation", words: atomic("sc.w", SCRATCH + 1), traps: [], regs: { [A]: 1 } },
  {
    name: "sc.w misaligned after an aligned lr.w",
    words: [...li(T, SCRATCH), E.amo("lr.w", A, T, 0), ...li(T, SCRATCH + 2), E.amo("sc.w", A, T, A)],
    traps: [],
    regs: { [A]: 1 },
  },
  { name: "sc.w past RAM's end, no reservation", words: atomic("sc.w", RAM_END), traps: [], regs: { [A]: 1 } },
  // Illegal instructions: mtval = the instruction's bits, only the 16 of a 16-bit encoding (low bits
  // not 11, no C extension): the shortest of the instruction, ILEN and MXLEN bits (§3.1.16).
  { name: "16-bit encoding 0x0001", words: [0x0000_0001], traps: [illegal(0x0001)] },
  { name: "16-bit encoding 0x0002, upper half set", words: [0xffff_0002], traps: [illegal(0x0002)] },
  { name: "16-bit encoding 0x5678", words: [0x1234_5678], traps: [illegal(0x5678)] },
  { name: "16-bit encoding after an addi", words: [E.opImm("addi", B, B, 5), 0xabcd_0001], traps: [[2, { insn: 1 }, 0x0001]] },
  { name: "all-zero word", words: [0], traps: [illegal(0)] },
  { name: "48-bit encoding: the first 32 bits", words: [0xabcd_001f], traps: [illegal(0xabcd_001f)] },
  { name: "64-bit encoding: the first 32 bits", words: [0xabc0_007f], traps: [illegal(0xabc0_007f)] },
  // ecall and ebreak: mtval = 0.
  { name: "ecall from M", words: [E.ecall()], traps: [[11, { insn: 0 }, 0]] },
  { name: "ebreak from M", words: [E.ebreak()], traps: [[3, { insn: 0 }, 0]] },
  { name: "ecall from U", user: true, words: [E.opImm("addi", B, B, 1), E.ecall()], traps: [[8, { insn: 1 }, 0]] },
  { name: "ebreak from U", user: true, words: [E.ebreak()], traps: [[3, { insn: 0 }, 0]] },
  // CSR accesses that are illegal: mtval = the instruction.
  { name: "csrrw to read-only mhartid", ...csrIllegal(E.csr("csrrw", A, 0xf14, T)) },
  { name: "csrrwi to read-only cycle", ...csrIllegal(E.csr("csrrwi", A, 0xc00, 1)) },
  { name: "csrrs mhartid with rs1 = x0 reads", words: [E.csr("csrrs", A, 0xf14, 0)], traps: [] },
  { name: "csrrw to custom 0x7c0 (absent)", ...csrIllegal(E.csr("csrrw", A, 0x7c0, T)) },
  { name: "csrr 0xfff (absent)", ...csrIllegal(E.csr("csrrs", A, 0xfff, 0)) },
  { name: "csrr 0x000 (absent)", ...csrIllegal(E.csr("csrrs", A, 0x000, 0)) },
  { name: "csrr 0x5ff (absent)", ...csrIllegal(E.csr("csrrs", A, 0x5ff, 0)) },
  { name: "U csrr mstatus", user: true, ...csrIllegal(E.csr("csrrs", A, 0x300, 0)) },
  { name: "U csrrw mscratch", user: true, ...csrIllegal(E.csr("csrrw", A, 0x340, T)) },
  { name: "U csrr mhartid", user: true, ...csrIllegal(E.csr("csrrs", A, 0xf14, 0)) },
  { name: "U csrr cycle (mcounteren = 0)", user: true, ...csrIllegal(E.csr("csrrs", A, 0xc00, 0)) },
  { name: "U csrr 0xfff (absent)", user: true, ...csrIllegal(E.csr("csrrs", A, 0xfff, 0)) },
  {
    name: "csrrs to read-only mhartid with rs1 ≠ x0 holding 0",
    ...csrIllegal(E.csr("csrrs", A, 0xf14, T)),
    qemu: "QEMU 7.2 decides by the value of rs1 (0: no write, no trap); the spec (Zicsr, CSRRS) by rs1 ≠ x0",
  },
  // M-only instructions from U mode.
  { name: "U mret", user: true, words: [E.mret()], traps: [illegal(0x3020_0073)] },
  { name: "U wfi", user: true, words: [E.wfi()], traps: [illegal(0x1050_0073)] },
  { name: "U wfi with mstatus.TW", user: true, mstatusSet: MSTATUS_TW, words: [E.wfi()], traps: [illegal(0x1050_0073)] },
  // Fetch faults: mepc = mtval = the target; the jump itself retired (ra = its link address).
  { name: "fetch from the hole", words: jumpTo(HOLE), traps: [[1, HOLE, HOLE]] },
  { name: "U fetch from the hole", user: true, words: jumpTo(HOLE), traps: [[1, HOLE, HOLE]] },
  { name: "fetch past RAM's end", words: jumpTo(RAM_END), traps: [[1, RAM_END, RAM_END]] },
  { name: "fetch from 4", words: jumpTo(4), traps: [[1, 4, 4]] },
  { name: "fetch from 0xfffffffc", words: jumpTo(0xffff_fffc), traps: [[1, 0xffff_fffc, 0xffff_fffc]] },
  {
    name: "U fetch from a PMP region without X",
    user: true,
    pmp: { addrs: [(SCRATCH >>> 2) | 31, 0, 0, RAM_NAPOT], cfg: (0x1f << 24) | 0x1b },
    words: jumpTo(SCRATCH),
    traps: [[1, SCRATCH, SCRATCH]],
  },
  // Misaligned jump targets (no C): the jump traps (mepc = the jump), mtval = the target, rd unwritten.
  { name: "jalr to a 2-byte-aligned target", words: jumpTo(SCRATCH + 2), traps: [[0, AFTER_LI, SCRATCH + 2]], regs: { [RA]: 0 } },
  { name: "jalr to target + 3 (bit 0 cleared)", words: jumpTo(SCRATCH + 3), traps: [[0, AFTER_LI, SCRATCH + 2]], regs: { [RA]: 0 } },
  { name: "bne to +6, not taken", words: [E.branch("bne", 0, 0, 6)], traps: [] },
  {
    name: "jal to +2",
    words: [E.jal(RA, 2)],
    traps: [[0, { insn: 0 }, { mepcPlus: 2 }]],
    regs: { [RA]: 0 },
    qemu: "QEMU 7.2 without C writes a stale pc (its block's start) to mtval for jal and branches; the spec: the target",
  },
  {
    name: "beq to +6, taken",
    words: [E.branch("beq", 0, 0, 6)],
    traps: [[0, { insn: 0 }, { mepcPlus: 6 }]],
    qemu: "QEMU 7.2 without C writes a stale pc (its block's start) to mtval for jal and branches; the spec: the target",
  },
  // Misaligned accesses to devices: vmlab's devices take aligned accesses only (a PMA the spec allows);
  // QEMU 7.2 splits them into aligned device accesses.
  {
    name: "lw misaligned from the UART",
    words: ld("lw", UART + 1),
    traps: [[5, AFTER_LI, UART + 1]],
    qemu: "QEMU 7.2 performs misaligned device reads",
  },
  {
    name: "lw misaligned from the CLINT",
    words: ld("lw", CLINT + 1),
    traps: [[5, AFTER_LI, CLINT + 1]],
    qemu: "QEMU 7.2 performs misaligned device reads",
  },
  {
    name: "lw misaligned from the PLIC",
    words: ld("lw", PLIC + 2),
    traps: [[5, AFTER_LI, PLIC + 2]],
    qemu: "QEMU 7.2 performs misaligned device reads",
  },
  {
    name: "lw across the UART's end",
    words: ld("lw", UART + 0xfe),
    traps: [[5, AFTER_LI, UART + 0xfe]],
    qemu: "QEMU 7.2 reports the aligned-down address 0x100000fc, outside the access; vmlab the access's start",
  },
  // The UART's modem control, as QEMU 7.2's serial has it (no traps; the registers read must match). Each case puts MCR
  // back to its reset value (OUT2): the harness prints its dumps through the UART, which in loopback would receive them.
  { name: "UART MCR after reset reads OUT2", words: [...li(T, UART), E.load("lbu", A, T, 4)], traps: [], regs: { [A]: 0x08 } },
  {
    name: "UART MCR keeps 5 bits; in loopback MSR reads DTR, RTS, OUT1, OUT2 as DSR, CTS, RI, DCD",
    words: [
      ...li(T, UART),
      ...li(B, 0xff),
      E.store("sb", B, T, 4),
      E.load("lbu", A, T, 4),
      E.load("lbu", 28, T, 6),
      ...li(B, 0x12),
      E.store("sb", B, T, 4),
      E.load("lbu", 29, T, 6),
      ...li(B, 0x08),
      E.store("sb", B, T, 4),
      E.load("lbu", 30, T, 6),
    ],
    traps: [],
    regs: { [A]: 0x1f, 28: 0xf0, 29: 0x10, 30: 0xb0 },
  },
  {
    name: "UART loopback receives the byte transmitted instead of printing it",
    words: [
      ...li(T, UART),
      ...li(B, 0x10),
      E.store("sb", B, T, 4),
      ...li(B, 0x5a),
      E.store("sb", B, T, 0),
      E.load("lbu", A, T, 0),
      ...li(B, 0x08),
      E.store("sb", B, T, 4),
    ],
    traps: [],
    regs: { [A]: 0x5a, [B]: 0x08 },
  },
];

/** The case as a harness program (registers start at 0). */
export function trapEdgeProgram(c: TrapEdge, seed: number): FuzzProgram {
  return {
    seed,
    initRegs: new Array<number>(32).fill(0),
    scratchSeed: 1,
    userMode: c.user ?? false,
    pmp: c.pmp,
    mstatusSet: c.mstatusSet,
    body: c.words.map((w) => ({ word: w >>> 0, text: "" })),
  };
}
