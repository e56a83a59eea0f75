/**
 * A tiny two-pass assembler for the fuzz harness: words, labels, and
 * label fixups (PC-relative branches and absolute addresses).
 */
import * as E from "./encode.js";

type Fixup = { at: number; label: string; patch: (target: number, pc: number) => number[] };

export class Asm {
  readonly words: number[] = [];
  private readonly labels = new Map<string, number>();
  private readonly fixups: Fixup[] = [];

  constructor(readonly base: number) {}

  /** Address of the next word. */
  get pc(): number {
    return this.base + this.words.length * 4;
  }

  emit(...words: number[]): this {
    for (const w of words) this.words.push(w >>> 0);
    return this;
  }

  label(name: string): this {
    if (this.labels.has(name)) throw new Error(`label ${name} defined twice`);
    this.labels.set(name, this.pc);
    return this;
  }

  li(rd: number, value: number): this {
    return this.emit(...E.li(rd, value));
  }

  /** Absolute address of a label (lui + addi). */
  la(rd: number, label: string): this {
    return this.fixup(label, 2, (target) => E.li(rd, target));
  }

  branch(op: E.BranchOp, rs1: number, rs2: number, label: string): this {
    return this.fixup(label, 1, (target, pc) => [E.branch(op, rs1, rs2, target - pc)]);
  }

  j(label: string): this {
    return this.fixup(label, 1, (target, pc) => [E.jal(0, target - pc)]);
  }

  /** Calls a routine anywhere in RAM: lui ra, hi; jalr ra, lo(ra). */
  call(label: string): this {
    return this.fixup(label, 2, (target) => {
      const [lui, addi] = E.li(1, target);
      return [lui, E.jalr(1, 1, (addi | 0) >> 20)];
    });
  }

  ret(): this {
    return this.emit(E.jalr(0, 1, 0));
  }

  private fixup(label: string, size: number, patch: Fixup["patch"]): this {
    this.fixups.push({ at: this.words.length, label, patch });
    for (let i = 0; i < size; i++) this.words.push(0);
    return this;
  }

  /** Resolves every fixup; returns the words. */
  finish(): number[] {
    for (const f of this.fixups) {
      const target = this.labels.get(f.label);
      if (target === undefined) throw new Error(`undefined label ${f.label}`);
      const patched = f.patch(target, this.base + f.at * 4);
      for (let i = 0; i < patched.length; i++) this.words[f.at + i] = patched[i] >>> 0;
    }
    return this.words;
  }
}
