import {
  CSR,
  HPM_COUNTERS,
  MENVCFG_WRITABLE,
  MENVCFGH_WRITABLE,
  MIP_MASK,
  MISA_RV32IMAU,
  MSTATUS_MPP,
  MSTATUS_MPP_SHIFT,
  MSTATUS_WRITABLE,
  PMP_ENTRIES,
  PRIV_M,
  PRIV_U,
} from "./constants.js";
import type { Hart } from "./hart.js";

const TWO32 = 4294967296;

/** Result of a CSR read: the value, or null when the CSR does not exist or may not be read here. */
type CsrValue = number | null;

/**
 * Executes CSRRW/CSRRS/CSRRC and their immediate forms (Zicsr) on `h`.
 * Returns false for an illegal instruction: unknown CSR, too little
 * privilege (csr[9:8] > priv), a write to a read-only CSR (csr[11:10] = 3),
 * or a U-mode counter read its `mcounteren` bit does not allow.
 * Reads and writes follow the spec's rules: CSRRW with rd = x0 does not
 * read; CSRRS/CSRRC with rs1 = x0 (or uimm = 0) do not write.
 */
export function executeCsr(h: Hart, insn: number, nk: number): boolean {
  const funct3 = (insn >>> 12) & 7;
  const rd = (insn >>> 7) & 31;
  const rs1 = (insn >>> 15) & 31;
  const csr = insn >>> 20;
  const op = funct3 & 3;
  if (op === 0) return false;
  const src = (funct3 & 4) !== 0 ? rs1 : h.x[rs1];
  const writes = op === 1 || rs1 !== 0;
  if (((csr >>> 8) & 3) > h.priv) return false;
  if (writes && csr >>> 10 === 3) return false;
  const old = readCsr(h, csr, nk);
  if (old === null) return false;
  if (writes) {
    const next = op === 1 ? src : op === 2 ? old | src : old & ~src;
    writeCsr(h, csr, next | 0, nk);
  }
  if (rd !== 0) h.x[rd] = old;
  return true;
}

/**
 * Whether U mode may read counter `index` (0 cycle, 1 time, 2 instret, 3.. hpm): its
 * `mcounteren` bit and, as on QEMU 7.2 (whose CPU has S mode), its `scounteren` bit.
 */
function counterAllowed(h: Hart, index: number): boolean {
  return h.priv === PRIV_M || (((h.mcounteren & h.scounteren) >>> index) & 1) === 1;
}

/** `mcountinhibit` bits: CY stops `mcycle`, IR stops `minstret` (priv. spec §3.1.12). */
const INHIBIT_CY = 1;
const INHIBIT_IR = 4;

/*
 * A counter is (retired + offset) mod 2^64 while it counts; while its `mcountinhibit`
 * bit is set the offset holds the frozen value itself. Offsets are two unsigned 32-bit
 * halves so all 64 bits stay exact (retired stays below 2^53).
 */

/** Low half of a counter at `nk` instructions into the block. */
function counterLo(h: Hart, nk: number, offLo: number, bit: number): number {
  if ((h.mcountinhibit & bit) !== 0) return offLo | 0;
  return (((h.retired + nk) % TWO32) + offLo) | 0;
}

/** High half of a counter at `nk` instructions into the block. */
function counterHi(h: Hart, nk: number, offLo: number, offHi: number, bit: number): number {
  if ((h.mcountinhibit & bit) !== 0) return offHi | 0;
  const n = h.retired + nk;
  const carry = (n % TWO32) + offLo >= TWO32 ? 1 : 0;
  return (Math.floor(n / TWO32) + offHi + carry) | 0;
}

/**
 * Sets `mcycle` (bit INHIBIT_CY) or `minstret` (INHIBIT_IR) so that it reads `hi:lo` from
 * the next instruction on: the write suppresses this instruction's increment (priv.
 * spec §3.3.1), hence `nk + 1`.
 */
function setCounter(h: Hart, nk: number, bit: number, lo: number, hi: number): void {
  let offLo = lo >>> 0;
  let offHi = hi >>> 0;
  if ((h.mcountinhibit & bit) === 0) {
    const n = h.retired + nk + 1;
    offLo -= n % TWO32;
    const borrow = offLo < 0 ? 1 : 0;
    offLo += borrow * TWO32;
    offHi = (offHi - Math.floor(n / TWO32) - borrow) >>> 0;
  }
  if (bit === INHIBIT_CY) {
    h.cycleOffsetLo = offLo;
    h.cycleOffsetHi = offHi;
  } else {
    h.instretOffsetLo = offLo;
    h.instretOffsetHi = offHi;
  }
}

const cycleLo = (h: Hart, nk: number) => counterLo(h, nk, h.cycleOffsetLo, INHIBIT_CY);
const cycleHi = (h: Hart, nk: number) => counterHi(h, nk, h.cycleOffsetLo, h.cycleOffsetHi, INHIBIT_CY);
const instretLo = (h: Hart, nk: number) => counterLo(h, nk, h.instretOffsetLo, INHIBIT_IR);
const instretHi = (h: Hart, nk: number) => counterHi(h, nk, h.instretOffsetLo, h.instretOffsetHi, INHIBIT_IR);

/** CSR ranges of the programmable counters (priv. spec §3.1.10); QEMU 7.2 has HPM_COUNTERS of them. */
const HPMCOUNTER3 = 0xc03;
const MHPMEVENT3 = 0x323;
const MHPMEVENT31 = 0x33f;

/**
 * Index into `h.hpmCounters` of a (m)hpmcounter CSR: 2·(n − 3) for the low half, + 1 for
 * the high half; -1 for another CSR, -2 for counters 19..31 (illegal on QEMU 7.2).
 */
function hpmSlot(csr: number): number {
  const base = csr & ~0x9f; // 0xb00 (mhpmcounter) or 0xc00 (hpmcounter), with or without h
  if (base !== 0xb00 && base !== 0xc00) return -1;
  const n = csr & 0x1f;
  if (n < 3) return -1;
  if (n >= 3 + HPM_COUNTERS) return -2;
  return 2 * (n - 3) + ((csr >>> 7) & 1);
}

function readCsr(h: Hart, csr: number, nk: number): CsrValue {
  switch (csr) {
    case CSR.cycle:
      return counterAllowed(h, 0) ? cycleLo(h, nk) : null;
    case CSR.cycleh:
      return counterAllowed(h, 0) ? cycleHi(h, nk) : null;
    case CSR.time:
      return counterAllowed(h, 1) ? Number(BigInt.asIntN(32, h.host.mtime())) : null;
    case CSR.timeh:
      return counterAllowed(h, 1) ? Number(BigInt.asIntN(32, h.host.mtime() >> 32n)) : null;
    case CSR.instret:
      return counterAllowed(h, 2) ? instretLo(h, nk) : null;
    case CSR.instreth:
      return counterAllowed(h, 2) ? instretHi(h, nk) : null;
    case CSR.mcycle:
      return cycleLo(h, nk);
    case CSR.mcycleh:
      return cycleHi(h, nk);
    case CSR.minstret:
      return instretLo(h, nk);
    case CSR.minstreth:
      return instretHi(h, nk);
    case CSR.mvendorid:
    case CSR.marchid:
    case CSR.mimpid:
    case CSR.mhartid:
    case CSR.mconfigptr:
    case CSR.mstatush:
      return 0;
    case CSR.misa:
      return MISA_RV32IMAU;
    case CSR.mstatus:
      return h.mstatus;
    case CSR.mie:
      return h.mie;
    case CSR.mip:
      return h.mip;
    case CSR.mtvec:
      return h.mtvec;
    case CSR.mcounteren:
      return h.mcounteren;
    case CSR.scounteren:
      return h.scounteren;
    case CSR.menvcfg:
      return h.menvcfg;
    case CSR.menvcfgh:
      return h.menvcfgh;
    case CSR.mcountinhibit:
      return h.mcountinhibit;
    case CSR.mscratch:
      return h.mscratch;
    case CSR.mepc:
      return h.mepc;
    case CSR.mcause:
      return h.mcause;
    case CSR.mtval:
      return h.mtval;
  }
  if (csr >= CSR.pmpcfg0 && csr < CSR.pmpcfg0 + PMP_ENTRIES / 4) {
    const base = (csr - CSR.pmpcfg0) * 4;
    const c = h.pmp.cfg;
    return c[base] | (c[base + 1] << 8) | (c[base + 2] << 16) | (c[base + 3] << 24);
  }
  if (csr >= CSR.pmpaddr0 && csr < CSR.pmpaddr0 + PMP_ENTRIES) return h.pmp.addr[csr - CSR.pmpaddr0];
  if (csr >= MHPMEVENT3 && csr <= MHPMEVENT31) return h.hpmEvents[csr - MHPMEVENT3] | 0;
  const slot = hpmSlot(csr);
  if (slot >= 0) {
    // hpmcounterN(h) reads mhpmcounterN(h) where mcounteren (and scounteren) allow it.
    if (csr >= HPMCOUNTER3 && !counterAllowed(h, csr & 0x1f)) return null;
    return h.hpmCounters[slot] | 0;
  }
  return null;
}

/** A write that takes effect after the instruction (see `setCounter` for the counters). */
function writeCsr(h: Hart, csr: number, v: number, nk: number): void {
  switch (csr) {
    case CSR.mstatus: {
      let s = (h.mstatus & ~MSTATUS_WRITABLE) | (v & MSTATUS_WRITABLE);
      // MPP is WARL: only M (3) and U (0) exist here; other values read back as U.
      const mpp = (s & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT;
      if (mpp !== PRIV_M && mpp !== PRIV_U) s &= ~MSTATUS_MPP;
      h.mstatus = s;
      h.updateVariant();
      h.updateIrq();
      return;
    }
    case CSR.mie:
      h.mie = v & MIP_MASK;
      h.updateIrq();
      return;
    case CSR.mtvec:
      // QEMU 7.2 ignores writes with a reserved mode (2, 3).
      if ((v & 3) < 2) h.mtvec = v;
      return;
    case CSR.mepc:
      // IALIGN = 32 without the C extension: mepc[1:0] read as zero.
      h.mepc = v & ~3;
      return;
    case CSR.mcause:
      h.mcause = v;
      return;
    case CSR.mtval:
      h.mtval = v;
      return;
    case CSR.mscratch:
      h.mscratch = v;
      return;
    case CSR.mcounteren:
      h.mcounteren = v;
      return;
    case CSR.scounteren:
      h.scounteren = v;
      return;
    case CSR.menvcfg:
      h.menvcfg = v & MENVCFG_WRITABLE;
      return;
    case CSR.menvcfgh:
      h.menvcfgh = v & MENVCFGH_WRITABLE;
      return;
    case CSR.mcountinhibit: {
      // The counters' values after this instruction, kept across the switch: an
      // inhibited counter holds it, a released one counts on from it.
      const cLo = cycleLo(h, nk + 1);
      const cHi = cycleHi(h, nk + 1);
      const iLo = instretLo(h, nk + 1);
      const iHi = instretHi(h, nk + 1);
      h.mcountinhibit = v & ~2;
      setCounter(h, nk, INHIBIT_CY, cLo, cHi);
      setCounter(h, nk, INHIBIT_IR, iLo, iHi);
      return;
    }
    case CSR.mcycle:
      setCounter(h, nk, INHIBIT_CY, v, cycleHi(h, nk));
      return;
    case CSR.mcycleh:
      setCounter(h, nk, INHIBIT_CY, cycleLo(h, nk), v);
      return;
    case CSR.minstret:
      setCounter(h, nk, INHIBIT_IR, v, instretHi(h, nk));
      return;
    case CSR.minstreth:
      setCounter(h, nk, INHIBIT_IR, instretLo(h, nk), v);
      return;
  }
  if (csr >= CSR.pmpcfg0 && csr < CSR.pmpcfg0 + PMP_ENTRIES / 4) {
    const base = (csr - CSR.pmpcfg0) * 4;
    for (let i = 0; i < 4; i++) h.pmp.writeCfg(base + i, (v >>> (8 * i)) & 0xff);
    pmpChanged(h);
    return;
  }
  if (csr >= CSR.pmpaddr0 && csr < CSR.pmpaddr0 + PMP_ENTRIES) {
    h.pmp.writeAddr(csr - CSR.pmpaddr0, v);
    pmpChanged(h);
    return;
  }
  if (csr >= MHPMEVENT3 && csr <= MHPMEVENT31) {
    h.hpmEvents[csr - MHPMEVENT3] = v;
    return;
  }
  // mhpmcounterN(h): stored, never counting (QEMU 7.2's count only for a cycle or
  // instruction event, in host ticks). hpmcounterN are read-only (refused above).
  const slot = hpmSlot(csr);
  if (slot >= 0) h.hpmCounters[slot] = v;
  // mip (all bits driven by devices) and the read-only IDs: writes ignored.
}

/** PMP changed: re-pick the code variant and drop checked translations (their fetch permissions were baked in). */
function pmpChanged(h: Hart): void {
  h.cache.flushChecked();
  h.updateVariant();
}
