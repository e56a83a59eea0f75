/**
 * Where a fuzz batch lives in guest RAM (QEMU virt / vmlab board: RAM at
 * 0x80000000). Code starts at RAM; the data areas sit 8 MiB up, outside the
 * loaded segment, and are initialised by the harness before each program.
 */
export const CODE_BASE = 0x8000_0000;
/** Generated code must fit below the data areas. */
export const CODE_LIMIT = 0x8080_0000;
/** The scratch region programs load from and store to. */
export const SCRATCH_BASE = 0x8080_0000;
export const SCRATCH_BYTES = 256;
export const SCRATCH_WORDS = SCRATCH_BYTES / 4;
/** The scratch region's last 64 bytes are read-only for U mode (a PMP entry). */
export const SCRATCH_READ_ONLY_BYTES = 64;
export const SCRATCH_READ_ONLY = SCRATCH_BASE + SCRATCH_BYTES - SCRATCH_READ_ONLY_BYTES;
/**
 * Trap area: +0 t1 save, +4 t2 save, +8 trap count, +12 the address of the
 * ecall that ends a U-mode body (0 for M-mode programs), +16.. the trap log,
 * 16 bytes an entry (mcause, mepc, mtval, unused). mscratch points here.
 */
export const TRAP_AREA = 0x8080_1000;
export const TRAP_LOG_MAX = 16;
/** Registers x0..x31 at the end of a program, 4 bytes each. */
export const REG_SAVE = 0x8080_2000;

export const UART_BASE = 0x1000_0000;
export const FINISHER_BASE = 0x0010_0000;

/**
 * Addresses with nothing behind them on QEMU's virt board (between the MROM
 * at 0x1000..0xffff and the test finisher at 0x100000), so accesses raise
 * access faults on both machines. Beyond-RAM addresses are avoided: RAM size
 * is configurable.
 */
export const UNMAPPED_BASE = 0x0008_0000;
