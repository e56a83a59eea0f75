/**
 * A generated test program: initial register values, a scratch seed and a
 * straight-line body with forward branches. Branch and jump offsets are
 * resolved at layout time from instruction indices, so any prefix of a
 * program is itself a valid program (used to find the first instruction at
 * which two machines disagree).
 */
import { formatPmp, type PmpConfig } from "./pmp.js";

/** Re-encodes an instruction for a given byte offset to its target. */
export type OffsetEncoder = (offsetBytes: number) => number;

export interface FuzzInsn {
  /** The encoded word (for branch-like instructions: a placeholder until laid out). */
  word: number;
  /** Assembly text, for reports. */
  text: string;
  /** For branches/jumps: the index of the target instruction (may be past the end). */
  target?: number;
  /** Index the offset is measured from (the branch itself, or the auipc before a jalr). */
  from?: number;
  encode?: OffsetEncoder;
}

export interface FuzzProgram {
  seed: number;
  /** x0..x31 at the start (x0 ignored). */
  initRegs: number[];
  /** Nonzero xorshift32 seed for the scratch contents. */
  scratchSeed: number;
  /** Whether the body runs in U mode (entered by mret, left by an ecall the harness recognises). */
  userMode: boolean;
  /** A PMP configuration for this program, or the harness's standard one. */
  pmp?: PmpConfig;
  /**
   * mstatus bits the harness sets before the body and clears after it (e.g. TW, so a U-mode
   * body's wfi traps); written trap tests use it, generated programs leave it unset.
   */
  mstatusSet?: number;
  body: FuzzInsn[];
}

/** The program cut after its first `length` instructions (targets past the end land on the end). */
export function truncateProgram(p: FuzzProgram, length: number): FuzzProgram {
  return { ...p, body: p.body.slice(0, length) };
}

/** Encodes the body: words with every branch offset resolved (targets clamp to the end). */
export function encodeBody(body: readonly FuzzInsn[]): number[] {
  return body.map((insn, i) => {
    if (insn.encode === undefined || insn.target === undefined) return insn.word;
    const target = Math.min(insn.target, body.length);
    return insn.encode((target - (insn.from ?? i)) * 4);
  });
}

export function formatProgram(p: FuzzProgram): string {
  const regs = p.initRegs
    .slice(1)
    .map((v, i) => `x${i + 1}=0x${(v >>> 0).toString(16)}`)
    .join(" ");
  const words = encodeBody(p.body);
  const body = p.body.map((insn, i) => `  ${String(i).padStart(3)}: ${words[i].toString(16).padStart(8, "0")}  ${insn.text}`);
  return [
    `seed ${p.seed}, ${p.userMode ? "U" : "M"} mode, scratch seed 0x${(p.scratchSeed >>> 0).toString(16)}${p.pmp ? `, ${formatPmp(p.pmp)}` : ""}`,
    `init ${regs}`,
    ...body,
  ].join("\n");
}
