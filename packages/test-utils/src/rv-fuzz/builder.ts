/**
 * The state of one program being generated: its instructions, where items
 * start (branch targets), pending branches, and the helpers items share
 * (registers, `li`, addresses in the scratch region or the unmapped hole).
 */
import * as E from "./encode.js";
import { SCRATCH_BASE, SCRATCH_BYTES, SCRATCH_WORDS, UNMAPPED_BASE } from "./layout.js";
import type { FuzzInsn } from "./program.js";
import type { FuzzRng } from "./rng.js";

const CORNER_VALUES = [0, 1, -1, 0x8000_0000 | 0, 0x7fff_ffff, 2, -2, 31, 32, 33, 63, 0x8000, 0xffff, 0xff, 0x80];

export const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;

export class ProgramBuilder {
  readonly body: FuzzInsn[] = [];
  /**
   * Where each item begins. Branches land only there: landing inside an item
   * (between `li base` and its load, or on a jalr past its auipc) would use a
   * random base address — possibly a device such as the finisher or mtime.
   */
  readonly itemStarts: number[] = [];
  /** Branches whose target is picked once the body length is known. */
  readonly pending: FuzzInsn[] = [];

  constructor(
    readonly rng: FuzzRng,
    readonly faultingAtomics: boolean,
  ) {}

  /** An address for LR/SC/AMOs: aligned and in scratch unless faulting atomics are on. */
  atomicAddress(): number {
    if (this.faultingAtomics) return this.address(4, 0.1);
    return SCRATCH_BASE + this.rng.below(SCRATCH_WORDS) * 4;
  }

  interestingValue(): number {
    const r = this.rng;
    const kind = r.below(10);
    if (kind < 4) return r.pick(CORNER_VALUES) | 0;
    if (kind < 6) return r.range(-64, 64);
    if (kind < 7) return (SCRATCH_BASE + r.below(SCRATCH_WORDS) * 4) | 0;
    return r.u32() | 0;
  }

  reg(): number {
    return this.rng.range(1, 31);
  }

  /** Mostly x1..x31; sometimes x0 (writes must be discarded). */
  rd(): number {
    return this.rng.chance(0.06) ? 0 : this.reg();
  }

  emit(word: number, text: string): FuzzInsn {
    const insn: FuzzInsn = { word, text };
    this.body.push(insn);
    return insn;
  }

  li(rd: number, value: number): void {
    const [a, b] = E.li(rd, value);
    this.emit(a, `lui x${rd}, ${hex(a >>> 12)}`);
    this.emit(b, `addi x${rd}, x${rd}, ${(b | 0) >> 20}  # li x${rd}, ${hex(value)}`);
  }

  /**
   * An effective address: mostly inside the scratch region (aligned for
   * `size`, or deliberately misaligned but still inside), sometimes in a hole
   * of the memory map (an access fault).
   */
  address(size: number, misalignedChance: number): number {
    const r = this.rng;
    if (r.chance(0.08)) return UNMAPPED_BASE + r.below(256) * size;
    const misaligned = size > 1 && r.chance(misalignedChance);
    const slot = r.below(SCRATCH_BYTES / size - 1) * size;
    return SCRATCH_BASE + slot + (misaligned ? r.range(1, size - 1) : 0);
  }

  /** `li base, ea - imm` then the access, so the base register is random too. */
  baseFor(ea: number): [number, number] {
    const base = this.reg();
    const imm = this.rng.chance(0.4) ? 0 : this.rng.range(-2048, 2047);
    this.li(base, (ea - imm) | 0);
    return [base, imm];
  }

  resolveTargets(): void {
    for (const insn of this.pending) {
      const at = this.body.indexOf(insn);
      // An item start up to ~12 instructions ahead, or the end; jalr's 12-bit offset is ample.
      const ahead = this.itemStarts.filter((s) => s > at && s <= at + 12);
      const choices = [...ahead, this.body.length];
      insn.target = choices[this.rng.below(Math.min(choices.length, ahead.length + (this.rng.chance(0.2) ? 1 : 0)) || 1)];
      insn.text += ` -> ${insn.target === this.body.length ? "end" : `#${insn.target}`}`;
    }
  }
}
