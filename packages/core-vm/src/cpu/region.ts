import type { Hart } from "./hart.js";

/**
 * Region selection for the translator: which instructions go into one
 * block, and where its branches lead (as instruction indices).
 */

export function sext(v: number, bits: number): number {
  const s = 32 - bits;
  return (v << s) >> s;
}

/** Branch or JAL target as an instruction index relative to the block start (k = this instruction's index), else null. */
export function targetIndex(insn: number, k: number): number | null {
  const opcode = insn & 0x7f;
  let imm: number;
  if (opcode === 0x63) imm = branchOffset(insn);
  else if (opcode === 0x6f) imm = jalOffset(insn);
  else return null;
  if ((imm & 3) !== 0) return null;
  return k + imm / 4;
}

export const branchOffset = (insn: number) =>
  sext(((insn >>> 31) << 12) | (((insn >>> 7) & 1) << 11) | (((insn >>> 25) & 0x3f) << 5) | (((insn >>> 8) & 0xf) << 1), 13);
export const jalOffset = (insn: number) =>
  sext(((insn >>> 31) << 20) | (((insn >>> 12) & 0xff) << 12) | (((insn >>> 20) & 1) << 11) | (((insn >>> 21) & 0x3ff) << 1), 21);

/** Opcodes that never end a block by themselves (everything but jumps and SYSTEM/FENCE.I/unknown). */
const STRAIGHT = new Set([0x37, 0x17, 0x63, 0x03, 0x23, 0x13, 0x33, 0x2f]);

/**
 * Chooses the block's instructions: a straight run within one page that
 * continues past conditional branches, and past an unconditional jump while
 * an earlier branch targets code further on (an if/else or loop body);
 * SYSTEM instructions, FENCE.I and unknown opcodes end it.
 */
export function scan(h: Hart, pc: number, startOff: number, maxLen: number): number[] {
  const ram = h.ram;
  const pageEnd = (startOff | 4095) + 1;
  const insns: number[] = [];
  let furthest = -1;
  for (let k = 0; k < maxLen; k++) {
    const off = startOff + 4 * k;
    if (off >= pageEnd || off >= ram.size || !h.fetchAllowed((pc + 4 * k) | 0)) break;
    const insn = ram.i32[off >>> 2];
    insns.push(insn);
    const t = targetIndex(insn, k);
    if (t !== null && t > furthest) furthest = t;
    const opcode = insn & 0x7f;
    if (opcode === 0x6f || opcode === 0x67) {
      if (furthest <= k) break;
    } else if (opcode === 0x0f) {
      if (((insn >>> 12) & 7) !== 0) break;
    } else if (!STRAIGHT.has(opcode)) break;
  }
  return insns;
}
