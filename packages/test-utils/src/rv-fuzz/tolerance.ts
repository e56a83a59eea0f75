/**
 * Known, deliberate differences the comparison may be told to tolerate.
 *
 * "amo-fault-cause": QEMU 7.2 reports a faulting AMO or SC with the load
 * causes (4 load address misaligned, 5 load access fault) where the
 * privileged spec asks for the store/AMO causes (6, 7). A CPU that follows
 * the spec differs there and nowhere else; tolerating it maps 4→6 and 5→7
 * for traps whose instruction (looked up at mepc in the batch ELF) is an AMO
 * or SC, on both sides. It cannot undo later effects (a program that reads
 * mcause afterwards still differs): for a clean run, generate programs with
 * `faultingAtomics: false`.
 */
import type { ProgramDump } from "./dump.js";
import { CODE_BASE } from "./layout.js";

export type Tolerance = "amo-fault-cause";

const OP_AMO = 0x2f;
const LR_FUNCT5 = 0x02;
const SEGMENT_OFFSET = 0x1000; // where writeElf32 puts the segment in the file

/** The instruction word at `address` in a batch ELF written by buildBatchElf, or undefined. */
export function instructionAt(elf: Uint8Array, address: number): number | undefined {
  const off = SEGMENT_OFFSET + ((address >>> 0) - CODE_BASE);
  if (off < SEGMENT_OFFSET || off + 4 > elf.length) return undefined;
  return new DataView(elf.buffer, elf.byteOffset, elf.byteLength).getUint32(off, true);
}

/** A dump line with the tolerated differences normalised away. */
export function normalizeDump(d: ProgramDump, elf: Uint8Array, tolerate: readonly Tolerance[]): string {
  if (!tolerate.includes("amo-fault-cause") || d.traps.length === 0) return d.line;
  let line = d.line;
  for (const [cause, mepc, mtval] of d.traps) {
    if (cause !== 4 && cause !== 5) continue;
    const w = instructionAt(elf, mepc);
    // AMOs and SC only: LR is a load, so 4/5 are its right causes on both machines.
    if (w === undefined || (w & 0x7f) !== OP_AMO || w >>> 27 === LR_FUNCT5) continue;
    const h = (v: number) => (v >>> 0).toString(16).padStart(8, "0");
    line = line.replace(` ${h(cause)},${h(mepc)},${h(mtval)}`, ` ${h(cause + 2)},${h(mepc)},${h(mtval)}`);
  }
  return line;
}
