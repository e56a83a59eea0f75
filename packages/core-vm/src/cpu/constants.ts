/**
 * RISC-V privileged-architecture constants (priv. spec 1.12): privilege
 * levels, trap causes, CSR numbers and `mstatus` fields used by the hart.
 */

/** Privilege levels (priv. spec §1.2). vmlab implements M and U. */
export const PRIV_U = 0;
/** Machine mode, the most privileged level (priv. spec §1.2). */
export const PRIV_M = 3;

/** Synchronous exception causes, `mcause` values (priv. spec Table 3.6). */
export const CAUSE_MISALIGNED_FETCH = 0;
/** Instruction access fault (priv. spec Table 3.6). */
export const CAUSE_FETCH_ACCESS = 1;
/** Illegal instruction (priv. spec Table 3.6). */
export const CAUSE_ILLEGAL_INSTRUCTION = 2;
/** Breakpoint: EBREAK (priv. spec Table 3.6). */
export const CAUSE_BREAKPOINT = 3;
/** Load address misaligned (priv. spec Table 3.6). */
export const CAUSE_MISALIGNED_LOAD = 4;
/** Load access fault (priv. spec Table 3.6). */
export const CAUSE_LOAD_ACCESS = 5;
/** Store/AMO address misaligned (priv. spec Table 3.6). */
export const CAUSE_MISALIGNED_STORE = 6;
/** Store/AMO access fault (priv. spec Table 3.6). */
export const CAUSE_STORE_ACCESS = 7;
/** Environment call from U-mode (priv. spec Table 3.6). */
export const CAUSE_USER_ECALL = 8;
/** Environment call from M-mode (priv. spec Table 3.6). */
export const CAUSE_MACHINE_ECALL = 11;

/** Interrupt numbers: bit positions in `mip`/`mie` and the low bits of `mcause` for interrupts. */
export const IRQ_M_SOFT = 3;
/** Machine timer interrupt (MTI): the CLINT's `mtime` has reached `mtimecmp`. */
export const IRQ_M_TIMER = 7;
/** Machine external interrupt (MEI): from the PLIC. */
export const IRQ_M_EXT = 11;
/** `mip.MSIP`: machine software interrupt pending (the CLINT's `msip` register). */
export const MIP_MSIP = 1 << IRQ_M_SOFT;
/** `mip.MTIP`: machine timer interrupt pending. */
export const MIP_MTIP = 1 << IRQ_M_TIMER;
/** `mip.MEIP`: machine external interrupt pending. */
export const MIP_MEIP = 1 << IRQ_M_EXT;
/** The interrupt bits this M/U hart implements. */
export const MIP_MASK = MIP_MSIP | MIP_MTIP | MIP_MEIP;
/** Bit 31 of `mcause`: the trap is an interrupt. */
export const MCAUSE_INTERRUPT = 0x80000000 | 0;

/** `mstatus` fields (priv. spec §3.1.6). */
export const MSTATUS_MIE = 1 << 3;
/** `mstatus.MPIE`: the interrupt-enable bit active prior to the trap; MRET restores MIE from it. */
export const MSTATUS_MPIE = 1 << 7;
/** Position of `mstatus.MPP` (bits 12:11). */
export const MSTATUS_MPP_SHIFT = 11;
/** `mstatus.MPP`: the privilege level prior to the trap; MRET returns to it. */
export const MSTATUS_MPP = 3 << MSTATUS_MPP_SHIFT;
/** `mstatus.MPRV` (modify privilege): loads and stores in M-mode are translated and protected as if at the privilege in MPP. */
export const MSTATUS_MPRV = 1 << 17;
/** `mstatus.TW` (timeout wait): a WFI in a less privileged mode raises an illegal-instruction exception (priv. spec §3.1.6.5). Stored; this hart has no S-mode, and its WFI in U-mode is illegal whatever TW holds, as on QEMU. */
export const MSTATUS_TW = 1 << 21;
/** The writable `mstatus` bits of an M/U hart without F, S or H. */
export const MSTATUS_WRITABLE = MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TW;

/** `misa` of RV32IMA with U mode: MXL=1 (32-bit), extensions A, I, M, U. */
export const MISA_RV32IMAU = (1 << 30) | (1 << 0) | (1 << 8) | (1 << 12) | (1 << 20);

/** CSR numbers (priv. spec Tables 2.2–2.5). */
export const CSR = {
  cycle: 0xc00,
  time: 0xc01,
  instret: 0xc02,
  cycleh: 0xc80,
  timeh: 0xc81,
  instreth: 0xc82,
  mvendorid: 0xf11,
  marchid: 0xf12,
  mimpid: 0xf13,
  mhartid: 0xf14,
  mconfigptr: 0xf15,
  mstatus: 0x300,
  misa: 0x301,
  mie: 0x304,
  mtvec: 0x305,
  mcounteren: 0x306,
  menvcfg: 0x30a,
  menvcfgh: 0x31a,
  scounteren: 0x106,
  mstatush: 0x310,
  mcountinhibit: 0x320,
  mscratch: 0x340,
  mepc: 0x341,
  mcause: 0x342,
  mtval: 0x343,
  mip: 0x344,
  pmpcfg0: 0x3a0,
  pmpaddr0: 0x3b0,
  mcycle: 0xb00,
  minstret: 0xb02,
  mcycleh: 0xb80,
  minstreth: 0xb82,
} as const;

/**
 * `menvcfg` bits QEMU 7.2 keeps, whatever the hart's extensions: FIOM (0), CBIE (5:4),
 * CBCFE (6), CBZE (7); `menvcfgh`: PBMTE (62), STCE (63). Without S mode, Zicbo*, Svpbmt
 * or Sstc they are stored and have no effect (checked with a probe on QEMU 7.2).
 */
export const MENVCFG_WRITABLE = 0xf1;
/** The `menvcfgh` bits kept (PBMTE, STCE: bits 62 and 63 of `menvcfg`), as above. */
export const MENVCFGH_WRITABLE = 0xc000_0000 | 0;

/** Programmable counters `mhpmcounter3`.. on QEMU 7.2's `virt` CPU (`pmu-num` = 16): 3..18 exist, 19..31 are illegal. */
export const HPM_COUNTERS = 16;

/** PMP entries on this hart (QEMU 7.2's `virt` RV32 has 16). */
export const PMP_ENTRIES = 16;
