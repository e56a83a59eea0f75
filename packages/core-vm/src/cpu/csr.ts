import {
  CSR,
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

/** Low and high halves of a non-negative integer counter below 2^53. */
function lo32(v: number): number {
  return (v % TWO32) | 0;
}
function hi32(v: number): number {
  return Math.floor(v / TWO32) | 0;
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

/**
 * A counter's value now: retired + offset while it counts; while its
 * `mcountinhibit` bit is set the offset holds the frozen value itself.
 */
function counterNow(h: Hart, nk: number, offset: number, bit: number): number {
  return (h.mcountinhibit & bit) !== 0 ? offset : h.retired + nk + offset;
}

/** The offset that makes the counter read `value` from the next instruction on. */
function offsetFor(h: Hart, nk: number, value: number, bit: number): number {
  return (h.mcountinhibit & bit) !== 0 ? value : value - (h.retired + nk + 1);
}

function readCsr(h: Hart, csr: number, nk: number): CsrValue {
  const instret = counterNow(h, nk, h.instretOffset, INHIBIT_IR);
  const cycle = counterNow(h, nk, h.cycleOffset, INHIBIT_CY);
  switch (csr) {
    case CSR.cycle:
      return counterAllowed(h, 0) ? lo32(cycle) : null;
    case CSR.cycleh:
      return counterAllowed(h, 0) ? hi32(cycle) : null;
    case CSR.time:
      return counterAllowed(h, 1) ? Number(BigInt.asIntN(32, h.host.mtime())) : null;
    case CSR.timeh:
      return counterAllowed(h, 1) ? Number(BigInt.asIntN(32, h.host.mtime() >> 32n)) : null;
    case CSR.instret:
      return counterAllowed(h, 2) ? lo32(instret) : null;
    case CSR.instreth:
      return counterAllowed(h, 2) ? hi32(instret) : null;
    case CSR.mcycle:
      return lo32(cycle);
    case CSR.mcycleh:
      return hi32(cycle);
    case CSR.minstret:
      return lo32(instret);
    case CSR.minstreth:
      return hi32(instret);
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
  // hpmcounter3..31(h) read zero under mcounteren; mhpmcounter/mhpmevent read zero.
  if ((csr >= 0xc03 && csr <= 0xc1f) || (csr >= 0xc83 && csr <= 0xc9f)) return counterAllowed(h, csr & 31) ? 0 : null;
  if ((csr >= 0xb03 && csr <= 0xb1f) || (csr >= 0xb83 && csr <= 0xb9f) || (csr >= 0x323 && csr <= 0x33f)) return 0;
  return null;
}

/**
 * A write that takes effect after the instruction: a written `minstret` is
 * what the next instruction reads (the write suppresses this instruction's
 * increment, priv. spec §3.3.1), hence the `+ 1`.
 */
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
    case CSR.mcountinhibit: {
      // The counters' values after this instruction, kept across the switch: an
      // inhibited counter holds it, a released one counts on from it.
      const cycle = counterNow(h, nk + 1, h.cycleOffset, INHIBIT_CY);
      const instret = counterNow(h, nk + 1, h.instretOffset, INHIBIT_IR);
      h.mcountinhibit = v & ~2;
      h.cycleOffset = offsetFor(h, nk, cycle, INHIBIT_CY);
      h.instretOffset = offsetFor(h, nk, instret, INHIBIT_IR);
      return;
    }
    case CSR.mcycle:
      h.cycleOffset = offsetFor(h, nk, withLow(counterNow(h, nk, h.cycleOffset, INHIBIT_CY), v), INHIBIT_CY);
      return;
    case CSR.mcycleh:
      h.cycleOffset = offsetFor(h, nk, withHigh(counterNow(h, nk, h.cycleOffset, INHIBIT_CY), v), INHIBIT_CY);
      return;
    case CSR.minstret:
      h.instretOffset = offsetFor(h, nk, withLow(counterNow(h, nk, h.instretOffset, INHIBIT_IR), v), INHIBIT_IR);
      return;
    case CSR.minstreth:
      h.instretOffset = offsetFor(h, nk, withHigh(counterNow(h, nk, h.instretOffset, INHIBIT_IR), v), INHIBIT_IR);
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
  }
  // mip (all bits driven by devices), read-only IDs and hpm counters: writes ignored.
}

/** Counter values stay below 2^53; the high half is kept to 21 bits. */
function withLow(current: number, low: number): number {
  return Math.floor(current / TWO32) * TWO32 + (low >>> 0);
}
function withHigh(current: number, high: number): number {
  return ((high >>> 0) & 0x1fffff) * TWO32 + (current % TWO32);
}

/** PMP changed: re-pick the code variant and drop checked translations (their fetch permissions were baked in). */
function pmpChanged(h: Hart): void {
  h.cache.flushChecked();
  h.updateVariant();
}
