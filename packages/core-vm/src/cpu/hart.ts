import type { Ram } from "../memory/ram.js";
import { executeAmo } from "./atomics.js";
import { type Block, CodeCache, VARIANT_CHECKED_M, VARIANT_CHECKED_U, VARIANT_FAST } from "./code-cache.js";
import {
  CAUSE_FETCH_ACCESS,
  CAUSE_ILLEGAL_INSTRUCTION,
  CAUSE_LOAD_ACCESS,
  CAUSE_STORE_ACCESS,
  HPM_COUNTERS,
  MCAUSE_INTERRUPT,
  MIP_MEIP,
  MIP_MSIP,
  MIP_MTIP,
  MSTATUS_MIE,
  MSTATUS_MPIE,
  MSTATUS_MPP,
  MSTATUS_MPP_SHIFT,
  MSTATUS_MPRV,
  PRIV_M,
} from "./constants.js";
import { executeCsr } from "./csr.js";
import { accessFaultValue, pmpAllows, ramStore } from "./data-access.js";
import type { HartHost } from "./hart-host.js";
import { PMP_R, PMP_W, PMP_X, Pmp } from "./pmp.js";
import { executeSystem } from "./system.js";

// The board interface is declared on its own; the hart's module exports it as it always has.
export type { HartHost } from "./hart-host.js";

/** Consecutive traps with no instruction retired before the hart is declared stuck (e.g. `mtvec` points at no memory). */
const TRAP_STORM_LIMIT = 1000;

/**
 * An RV32IMA + Zicsr + Zifencei hart with M and U modes (RISC-V unprivileged
 * spec 20191213, privileged spec 1.12), behaving like QEMU 7.2's
 * `qemu-system-riscv32 -machine virt` where the specs leave a choice.
 *
 * Execution is by translated blocks (`translate.ts`): straight-line runs of
 * guest code compiled once into JS functions that read and write `x` and RAM
 * directly and fall back to the methods below only for the slow cases (MMIO,
 * misaligned or faulting accesses, CSRs, system instructions). The methods
 * called from translated code take `pc` (the instruction's address) and `nk`
 * (instructions retired so far in the current block call), so traps and
 * counters are exact at instruction granularity.
 */
export class Hart {
  /** Integer registers x0..x31; x0 is never written. */
  readonly x = new Int32Array(32);
  /** Program counter (int32 representation of the 32-bit address). */
  pc = 0;
  priv = PRIV_M;
  /** Retired instructions (`minstret` before offsets); exact, the key for record/replay. */
  retired = 0;
  /** Instructions retired in the running block before the current slow-path call (see `instant`). */
  inBlock = 0;

  mstatus = 0;
  mie = 0;
  /** Interrupt-pending bits; all driven by the board (CLINT, PLIC). */
  mip = 0;
  mtvec = 0;
  mepc = 0;
  mcause = 0;
  mtval = 0;
  mscratch = 0;
  mcounteren = 0;
  /**
   * QEMU's `virt` CPU has S mode, so U-mode counter reads need this bit too
   * (QEMU 7.2, checked empirically); vmlab keeps the register for guests written for QEMU.
   */
  scounteren = 0;
  mcountinhibit = 0;
  /**
   * `minstret` = retired + instretOffset; `mcycle` = retired + cycleOffset (one cycle per
   * instruction), modulo 2^64. Each offset is kept exact as two unsigned 32-bit halves
   * (Lo, Hi). While `mcountinhibit` stops a counter, its offset holds the frozen value.
   */
  instretOffsetLo = 0;
  instretOffsetHi = 0;
  cycleOffsetLo = 0;
  cycleOffsetHi = 0;
  /** `mhpmcounter3..18` (low halves at 2i, high at 2i + 1): written by the guest, never counting, as on QEMU 7.2. */
  readonly hpmCounters = new Uint32Array(2 * HPM_COUNTERS);
  /** `mhpmevent3..31` (index 0 is event 3): stored, no effect. */
  readonly hpmEvents = new Uint32Array(29);
  /** `menvcfg` and `menvcfgh`: only the bits QEMU 7.2 keeps (MENVCFG_WRITABLE), no effect on this hart. */
  menvcfg = 0;
  menvcfgh = 0;
  readonly pmp: Pmp;
  /**
   * LR/SC reservation as QEMU keeps it: the address (-1 = none) and the value
   * loaded; SC succeeds if the address matches and memory still holds that value.
   */
  reservation = -1;
  reservedValue = 0;

  /** Set by slow paths for the translated code: 0 none, 1 trapped (not retired), 2 retired but end the block. */
  brk = 0;
  /** Nonzero: return from `execute` to the machine at the next block boundary. */
  exitLoop = 0;
  /** Whether an enabled interrupt is pending (recomputed when mip, mie, mstatus or priv change). */
  irqReady = false;
  /** The hart can make no progress (trap storm); the machine stops. */
  stuck = false;
  /** Which translated-code variant runs (VARIANT_*): depends on priv, MPRV and locked PMP entries. */
  variant = VARIANT_FAST;
  private trapStorm = 0;
  private lastTrapAt = -1;

  readonly cache: CodeCache;
  private readonly ramSize: number;

  constructor(
    readonly ram: Ram,
    readonly host: HartHost,
  ) {
    this.ramSize = ram.size;
    this.pmp = new Pmp(ram.base, ram.size);
    this.cache = new CodeCache(this);
  }

  /**
   * Forgets the trap-loop count, as a fresh hart has it: a restored state starts a new count, not the one of
   * whatever ran on this hart before (the count only decides when an endless trap loop is called stuck;
   * the guest never sees it).
   */
  resetTrapStorm(): void {
    this.trapStorm = 0;
    this.lastTrapAt = -1;
  }

  /** The retired count at the current instant, inside a block or between blocks. */
  get instant(): number {
    return this.retired + this.inBlock;
  }

  /** Runs translated blocks until `limit` instructions have retired in total, or the machine is needed. */
  execute(limit: number): void {
    const cache = this.cache;
    const ramSize = this.ramSize;
    while (this.retired < limit && this.exitLoop === 0) {
      if (this.irqReady) {
        this.takeInterrupt();
        continue;
      }
      const o = this.pc ^ -2147483648;
      if (o >>> 0 >= ramSize) {
        this.trapAt(CAUSE_FETCH_ACCESS, this.pc, this.pc, 0);
        continue;
      }
      const pageBlocks = cache.blocks[this.variant][o >>> 12];
      let b: Block | null | undefined = pageBlocks === undefined ? undefined : pageBlocks[(o & 4095) >>> 2];
      if (b === undefined) b = cache.compile(this.pc, o);
      if (b === null) {
        this.trapAt(CAUSE_FETCH_ACCESS, this.pc, this.pc, 0);
        continue;
      }
      const left = limit - this.retired;
      if (b.len > left) b = cache.single(this.pc, o);
      this.retired += b.fn(left);
    }
  }

  /** Recomputes `irqReady`: M interrupts are taken in U mode always, in M mode when mstatus.MIE (priv. spec §3.1.9). */
  updateIrq(): void {
    const ready = (this.mip & this.mie) !== 0 && (this.priv !== PRIV_M || (this.mstatus & MSTATUS_MIE) !== 0);
    this.irqReady = ready;
    if (ready) this.exitLoop = 1;
  }

  /** Sets or clears interrupt-pending bits (board wiring: CLINT, PLIC). */
  setPending(bit: number, level: boolean): void {
    const mip = level ? this.mip | bit : this.mip & ~bit;
    if (mip !== this.mip) {
      this.mip = mip;
      this.updateIrq();
    }
  }

  /** Picks the translated-code variant for the current privilege and PMP/MPRV state. */
  updateVariant(): void {
    const mprvToUser = (this.mstatus & MSTATUS_MPRV) !== 0 && (this.mstatus & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT !== PRIV_M;
    this.variant = this.priv !== PRIV_M ? VARIANT_CHECKED_U : this.pmp.anyLocked || mprvToUser ? VARIANT_CHECKED_M : VARIANT_FAST;
  }

  /** Takes the highest-priority enabled pending interrupt: MEI > MSI > MTI (priv. spec §3.1.9). */
  private takeInterrupt(): void {
    const pending = this.mip & this.mie;
    const irq = (pending & MIP_MEIP) !== 0 ? 11 : (pending & MIP_MSIP) !== 0 ? 3 : (pending & MIP_MTIP) !== 0 ? 7 : -1;
    if (irq < 0) return;
    this.trap(MCAUSE_INTERRUPT | irq, 0, this.pc, 0);
    this.brk = 0;
  }

  /**
   * Enters M mode for a trap (priv. spec §3.1.6.1, §3.3): saves pc, cause and
   * tval, stacks MIE and the privilege, drops the LR reservation, and jumps
   * to `mtvec` (base + 4×cause for interrupts in vectored mode). Sets `brk` =
   * 1 for translated code.
   */
  trap(cause: number, tval: number, pc: number, nk: number): void {
    const at = this.retired + nk;
    if (at === this.lastTrapAt) {
      if (++this.trapStorm >= TRAP_STORM_LIMIT) {
        this.stuck = true;
        this.exitLoop = 1;
      }
    } else {
      this.lastTrapAt = at;
      this.trapStorm = 0;
    }
    this.mepc = pc;
    this.mcause = cause;
    this.mtval = tval;
    // QEMU 7.2 drops the LR reservation on every trap (the priv. spec lets a trap or xRET do so):
    // an SC after the handler returns, or inside the handler, fails.
    this.reservation = -1;
    const mie = (this.mstatus & MSTATUS_MIE) !== 0;
    this.mstatus =
      (this.mstatus & ~(MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MIE)) | (mie ? MSTATUS_MPIE : 0) | (this.priv << MSTATUS_MPP_SHIFT);
    this.priv = PRIV_M;
    const base = this.mtvec & ~3;
    this.pc = cause < 0 && (this.mtvec & 3) === 1 ? (base + 4 * (cause & 0x1f)) | 0 : base;
    this.brk = 1;
    this.updateVariant();
    this.updateIrq();
  }

  /** Traps from translated code; returns 0 (nothing retired) so code can `return n + k + c.trapAt(...)`. */
  trapAt(cause: number, tval: number, pc: number, nk: number): number {
    this.trap(cause, tval, pc, nk);
    this.brk = 0;
    return 0;
  }

  /**
   * An illegal instruction; `mtval` = the instruction's bits, as QEMU 7.2 reports them: only the
   * low 16 for a 16-bit encoding (low bits not 11; there is no C extension), the shortest of the
   * instruction and ILEN bits (priv. spec §3.1.16).
   */
  illegal(insn: number, pc: number, nk: number): number {
    return this.trapAt(CAUSE_ILLEGAL_INSTRUCTION, (insn & 3) === 3 ? insn : insn & 0xffff, pc, nk);
  }

  /** Whether instruction fetch at `a` is allowed (used when translating). */
  fetchAllowed(a: number): boolean {
    if (this.priv === PRIV_M && !this.pmp.anyLocked) return true;
    return this.pmp.check(a, 4, PMP_X, this.priv);
  }

  /**
   * Slow-path load: PMP, RAM, then MMIO (which ends the block). Misaligned
   * loads within RAM are performed byte by byte, as QEMU 7.2 does for plain
   * loads and stores (only LR/SC/AMOs trap when misaligned).
   */
  ld(a: number, size: number, signed: number, pc: number, nk: number): number {
    if (!pmpAllows(this, a, size, PMP_R)) {
      this.trap(CAUSE_LOAD_ACCESS, a, pc, nk);
      return 0;
    }
    const o = (a ^ -2147483648) >>> 0;
    const ram = this.ram;
    if (o + size <= this.ramSize) {
      if (ram.accessedPages !== null) ram.accessedPages[o >>> 12] = 1;
      if ((a & (size - 1)) !== 0) {
        // A misaligned access may run into the next page (stores mark each byte's page in ramStore).
        if (ram.accessedPages !== null) ram.accessedPages[(o + size - 1) >>> 12] = 1;
        const u8 = ram.u8;
        const v = size === 4 ? u8[o] | (u8[o + 1] << 8) | (u8[o + 2] << 16) | (u8[o + 3] << 24) : u8[o] | (u8[o + 1] << 8);
        return size === 4 || !signed ? v : (v << 16) >> 16;
      }
      if (size === 4) return ram.i32[o >>> 2];
      if (size === 2) return signed ? ram.i16[o >>> 1] : ram.u16[o >>> 1];
      return signed ? ram.i8[o] : ram.u8[o];
    }
    this.inBlock = nk;
    const v = (a & (size - 1)) === 0 ? this.host.bus.read(a, size) : -1;
    this.inBlock = 0;
    if (v < 0) {
      this.trap(CAUSE_LOAD_ACCESS, accessFaultValue(this, a), pc, nk);
      return 0;
    }
    this.brk = 2;
    this.exitLoop = 1;
    if (!signed) return v | 0;
    return size === 4 ? v | 0 : size === 2 ? (v << 16) >> 16 : (v << 24) >> 24;
  }

  /** Slow-path store: PMP, RAM (byte by byte if misaligned; with tracking and code invalidation), then MMIO (which ends the block). */
  st(a: number, size: number, value: number, pc: number, nk: number): void {
    if (!pmpAllows(this, a, size, PMP_W)) {
      this.trap(CAUSE_STORE_ACCESS, a, pc, nk);
      return;
    }
    const o = (a ^ -2147483648) >>> 0;
    if (o + size <= this.ramSize) {
      if ((a & (size - 1)) === 0) ramStore(this, o, size, value);
      else for (let i = 0; i < size; i++) ramStore(this, o + i, 1, value >>> (8 * i));
      return;
    }
    if (o < this.ramSize) {
      // Misaligned across RAM's end: QEMU 7.2 stores byte by byte, so the bytes inside RAM are
      // written before the fault (a split the unpriv. spec allows for misaligned accesses, §2.6).
      for (let i = 0; o + i < this.ramSize; i++) ramStore(this, o + i, 1, value >>> (8 * i));
      this.trap(CAUSE_STORE_ACCESS, accessFaultValue(this, a), pc, nk);
      return;
    }
    this.inBlock = nk;
    const ok = (a & (size - 1)) === 0 && this.host.bus.write(a, size, value);
    this.inBlock = 0;
    if (!ok) {
      this.trap(CAUSE_STORE_ACCESS, a, pc, nk);
      return;
    }
    this.brk = 2;
    this.exitLoop = 1;
  }

  /** A store hit translated code: drop that page's blocks and end the current block (self-modifying code, as QEMU handles it). */
  codeWrite(o: number): void {
    this.cache.invalidatePage(o >>> 12);
    this.brk = 2;
  }

  /**
   * LR.W, SC.W and the AMOs (RV32A). Misaligned: load-address-misaligned (as QEMU 7.2
   * reports it for both); no device at the address → load access fault (QEMU 7.2 again).
   * SC follows QEMU 7.2: it fails without touching memory when the address differs from
   * the reservation, and succeeds iff memory still holds the LR value. On a device
   * (CLINT, PLIC, …) they are a read then a write, as QEMU 7.2 runs them.
   */
  amo(insn: number, a: number, src: number, pc: number, nk: number): number {
    return executeAmo(this, insn, a, src, pc, nk);
  }

  /** A Zicsr instruction; returns 1 if it retired, 0 if it trapped. Always ends the block. */
  csr(insn: number, pc: number, nk: number): number {
    this.inBlock = nk;
    const ok = executeCsr(this, insn, nk);
    this.inBlock = 0;
    if (!ok) return this.illegal(insn, pc, nk);
    this.pc = (pc + 4) | 0;
    return 1;
  }

  /** ECALL, EBREAK, MRET, WFI (and anything else under SYSTEM with funct3 = 0). Returns 1 if retired. */
  sys(insn: number, pc: number, nk: number): number {
    return executeSystem(this, insn, pc, nk);
  }
}
