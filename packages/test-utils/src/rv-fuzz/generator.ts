/**
 * The random program generator: seeded, valid RV32IMA + Zicsr sequences
 * that exercise ALU and M-extension corner values, shifts, aligned and
 * misaligned loads/stores into the scratch region, forward branches and
 * jumps, LR/SC and AMOs, reads of deterministic CSRs, deliberate traps
 * (fetch faults from the unmapped hole among them),
 * self-modifying code, and M-mode loads/stores under mstatus.MPRV.
 *
 * Left out on purpose, because QEMU and a correct vmlab may legitimately
 * differ there (see docs/guests.md): timers and counters (`time`, `cycle`,
 * `mcycle`, `minstret`, `mip`), `wfi`, misa/marchid/mimpid (QEMU's default
 * CPU reports C, F, D, S and its own version), jumps to 2-byte-aligned
 * targets (legal on QEMU, whose CPU has the C extension), stores between an
 * LR and its SC (the spec lets SC succeed or fail), writes to mstatus other
 * than MPRV and MPP = U/M, to mie, mtvec and mscratch (the harness owns them),
 * and opcodes that QEMU's default CPU decodes as Zb* or other extensions.
 */
import { ProgramBuilder } from "./builder.js";
import * as basic from "./items-basic.js";
import * as system from "./items-system.js";
import { randomPmp } from "./pmp.js";
import type { FuzzProgram } from "./program.js";
import { FuzzRng } from "./rng.js";

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
  /** Share of programs that run under a random PMP configuration (default 0.5), see pmp.ts. */
  randomPmpShare?: number;
  /** Number of items (an item is 1–5 instructions); default 24..48. */
  minItems?: number;
  maxItems?: number;
}

/** The program for `seed`: a pure function of it. */
export function generateProgram(seed: number, options: GeneratorOptions = {}): FuzzProgram {
  const rng = new FuzzRng(seed ^ 0x5eed_f00d);
  const g = new ProgramBuilder(rng, options.faultingAtomics ?? true);
  const initRegs = [0];
  for (let r = 1; r < 32; r++) initRegs.push(g.interestingValue());
  const items = rng.range(options.minItems ?? 24, options.maxItems ?? 48);
  for (let i = 0; i < items; i++) {
    g.itemStarts.push(g.body.length);
    item(g);
  }
  g.resolveTargets();
  // A separate stream, so the choice of mode leaves the program itself unchanged.
  const userMode = new FuzzRng(seed ^ 0x0005_e7a5).chance(options.userModeShare ?? 0.25);
  const pmpRng = new FuzzRng(seed ^ 0x0000_9a9a);
  const pmp = pmpRng.chance(options.randomPmpShare ?? 0.5) ? randomPmp(pmpRng) : undefined;
  return { seed, initRegs, scratchSeed: rng.u32() | 1, userMode, pmp, body: g.body };
}

/** Appends one item, by weight (percent). */
function item(b: ProgramBuilder): void {
  const roll = b.rng.below(100);
  if (roll < 12) basic.aluReg(b);
  else if (roll < 22) basic.aluImm(b);
  else if (roll < 27) basic.shiftImm(b);
  else if (roll < 38) basic.mulDiv(b);
  else if (roll < 41) basic.upper(b);
  else if (roll < 51) basic.load(b);
  else if (roll < 61) basic.store(b);
  else if (roll < 68) basic.branch(b);
  else if (roll < 71) basic.jump(b);
  else if (roll < 75) system.lrsc(b);
  else if (roll < 81) system.amo(b);
  else if (roll < 85) system.csrRead(b);
  else if (roll < 88) system.csrWrite(b);
  else if (roll < 92) system.illegal(b);
  else if (roll < 94) system.ecallOrEbreak(b);
  else if (roll < 95) system.fetchFault(b);
  else if (roll < 96) system.fence(b);
  else if (roll < 98) system.selfModifying(b);
  else system.mprv(b);
}
