import { z } from "zod";
import { CoreErrors, describeIssues } from "../errors.js";
import { HPM_COUNTERS, MENVCFG_WRITABLE, MENVCFGH_WRITABLE, PMP_ENTRIES, PRIV_M, PRIV_U } from "./constants.js";
import type { Hart } from "./hart.js";

const int32 = z.number().int().min(-0x8000_0000).max(0x7fff_ffff);
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const offset = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const u32 = z.number().int().min(0).max(0xffff_ffff);
const TWO32 = 4294967296;

/** An int32 with no bit outside `mask` (a value the register can hold). */
const masked = (mask: number) => int32.refine((v) => (v & ~mask) === 0, `only bits ${(mask >>> 0).toString(16)} are writable`);

/** A hart's architectural state (no translated code: that is rebuilt). Versioned; validated on restore. */
export const HartStateSchema = z.object({
  version: z.literal(1),
  x: z
    .array(int32)
    .length(32)
    .refine((x) => x[0] === 0, "x0 must be 0"),
  pc: int32.refine((pc) => (pc & 3) === 0, "pc must be 4-byte aligned"),
  priv: z.union([z.literal(PRIV_U), z.literal(PRIV_M)]),
  retired: count,
  mstatus: int32,
  mie: int32,
  mip: int32,
  mtvec: int32,
  mepc: int32,
  mcause: int32,
  mtval: int32,
  mscratch: int32,
  mcounteren: int32,
  scounteren: int32,
  mcountinhibit: int32,
  /**
   * A counter's offset is (offset + 2^32 · offsetHi) mod 2^64. States written before the
   * counters were kept exact have no `…OffsetHi` (an offset below 2^53); newer ones
   * write the low half in `…Offset` and the high half in `…OffsetHi`.
   */
  instretOffset: offset,
  cycleOffset: offset,
  instretOffsetHi: u32.optional(),
  cycleOffsetHi: u32.optional(),
  /** `mhpmcounter3..18` as (low, high) pairs and `mhpmevent3..31`; absent in older states (all zero). */
  hpmCounters: z
    .array(u32)
    .length(2 * HPM_COUNTERS)
    .optional(),
  hpmEvents: z.array(u32).length(29).optional(),
  /** Absent in older states: 0. */
  menvcfg: masked(MENVCFG_WRITABLE).optional(),
  menvcfgh: masked(MENVCFGH_WRITABLE).optional(),
  pmpcfg: z.array(z.number().int().min(0).max(255)).length(PMP_ENTRIES),
  pmpaddr: z.array(int32).length(PMP_ENTRIES),
  reservation: int32,
  reservedValue: int32,
  /**
   * The hart halted for good (a trap loop at an unexecutable `mtvec`, or a WFI nothing can wake, its pc already
   * past the WFI): a restored hart must stay halted, not run on. Absent when not halted (and in older states).
   */
  stuck: z.literal(true).optional(),
});
/** A hart's saved state: registers, pc, privilege level, CSRs, counters, PMP and the LR/SC reservation (`HartStateSchema`). */
export type HartState = z.infer<typeof HartStateSchema>;

/** Saves hart `h` as plain data; `parseHartState` validates such data and `applyHartState` loads it into a hart. */
export function saveHart(h: Hart): HartState {
  return {
    version: 1,
    x: Array.from(h.x),
    pc: h.pc | 0,
    priv: h.priv === PRIV_U ? PRIV_U : PRIV_M,
    retired: h.retired,
    mstatus: h.mstatus | 0,
    mie: h.mie | 0,
    mip: h.mip | 0,
    mtvec: h.mtvec | 0,
    mepc: h.mepc | 0,
    mcause: h.mcause | 0,
    mtval: h.mtval | 0,
    mscratch: h.mscratch | 0,
    mcounteren: h.mcounteren | 0,
    scounteren: h.scounteren | 0,
    mcountinhibit: h.mcountinhibit | 0,
    instretOffset: h.instretOffsetLo,
    cycleOffset: h.cycleOffsetLo,
    instretOffsetHi: h.instretOffsetHi,
    cycleOffsetHi: h.cycleOffsetHi,
    hpmCounters: Array.from(h.hpmCounters),
    hpmEvents: Array.from(h.hpmEvents),
    menvcfg: h.menvcfg | 0,
    menvcfgh: h.menvcfgh | 0,
    pmpcfg: Array.from(h.pmp.cfg),
    pmpaddr: Array.from(h.pmp.addr),
    reservation: h.reservation | 0,
    reservedValue: h.reservedValue | 0,
    ...(h.stuck ? { stuck: true as const } : {}),
  };
}

/** Validates `state` (throws VMLAB_SIM_BAD_STATE and changes nothing if invalid). */
export function parseHartState(state: unknown): HartState {
  const parsed = HartStateSchema.safeParse(state);
  if (!parsed.success) throw CoreErrors.simBadState("hart", describeIssues(parsed.error));
  return parsed.data;
}

/** Applies a validated state; drops translated code (it may belong to another memory image). */
export function applyHartState(h: Hart, s: HartState): void {
  h.x.set(s.x);
  h.pc = s.pc;
  h.priv = s.priv;
  h.retired = s.retired;
  h.inBlock = 0;
  h.mstatus = s.mstatus;
  h.mie = s.mie;
  h.mip = s.mip;
  h.mtvec = s.mtvec;
  h.mepc = s.mepc;
  h.mcause = s.mcause;
  h.mtval = s.mtval;
  h.mscratch = s.mscratch;
  h.mcounteren = s.mcounteren;
  h.scounteren = s.scounteren;
  h.mcountinhibit = s.mcountinhibit;
  h.instretOffsetLo = offsetLo(s.instretOffset);
  h.instretOffsetHi = offsetHi(s.instretOffset, s.instretOffsetHi ?? 0);
  h.cycleOffsetLo = offsetLo(s.cycleOffset);
  h.cycleOffsetHi = offsetHi(s.cycleOffset, s.cycleOffsetHi ?? 0);
  h.hpmCounters.fill(0);
  if (s.hpmCounters !== undefined) h.hpmCounters.set(s.hpmCounters);
  h.hpmEvents.fill(0);
  if (s.hpmEvents !== undefined) h.hpmEvents.set(s.hpmEvents);
  h.menvcfg = s.menvcfg ?? 0;
  h.menvcfgh = s.menvcfgh ?? 0;
  h.pmp.cfg.set(s.pmpcfg);
  h.pmp.addr.set(s.pmpaddr);
  h.pmp.changed();
  h.reservation = s.reservation;
  h.reservedValue = s.reservedValue;
  h.brk = 0;
  h.exitLoop = 0;
  h.stuck = s.stuck === true;
  h.resetTrapStorm();
  h.cache.flushAll();
  h.updateVariant();
  h.updateIrq();
}

/** Low half of a saved offset (a safe integer, negative in older states), mod 2^64. */
function offsetLo(offset: number): number {
  return ((offset % TWO32) + TWO32) % TWO32;
}

/** High half of `offset + 2^32 · hi`, mod 2^64 (exact: `offset / 2^32` only shifts the exponent). */
function offsetHi(offset: number, hi: number): number {
  return (Math.floor(offset / TWO32) + hi) >>> 0;
}
