/**
 * Random PMP configurations for fuzzed programs (privileged spec §3.7):
 * entries 0..2 with random modes (OFF, TOR, NA4, NAPOT) and permissions over
 * the scratch region, entry 3 RWX over RAM so code stays executable from U
 * mode. Never the L bit (a locked entry would outlive the program) and never
 * W without R (reserved). In U mode the entries decide loads and stores to
 * the scratch region; in M mode they matter for accesses that partly match
 * an entry and, with mstatus.MPRV, for loads and stores with U permissions.
 */
import { SCRATCH_BASE, SCRATCH_BYTES } from "./layout.js";
import type { FuzzRng } from "./rng.js";

export interface PmpConfig {
  /** pmpaddr0..3 (address bits 33:2). */
  addrs: [number, number, number, number];
  /** pmpcfg0: entry i in byte i. */
  cfg: number;
}

const R = 1,
  W = 2,
  X = 4;
const A_TOR = 1 << 3,
  A_NA4 = 2 << 3,
  A_NAPOT = 3 << 3;
const PERMISSIONS = [0, R, R | W, R | X, R | W | X, X];
const RAM_NAPOT = (0x8000_0000 >>> 2) | ((0x1000_0000 >>> 3) - 1);

export function randomPmp(rng: FuzzRng): PmpConfig {
  const addrs: [number, number, number, number] = [0, 0, 0, RAM_NAPOT];
  let cfg = (A_NAPOT | R | W | X) << 24;
  for (let i = 0; i < 3; i++) {
    const perms = rng.pick(PERMISSIONS);
    // TOR's bottom is the previous entry's address: only from entry 1 on, so it never reaches down to the code.
    const mode = rng.pick(i === 0 ? [0, A_NA4, A_NAPOT, A_NAPOT] : [0, A_TOR, A_NA4, A_NAPOT]);
    if (mode === A_NA4 || mode === 0) {
      addrs[i] = (SCRATCH_BASE + rng.below(SCRATCH_BYTES / 4) * 4) >>> 2;
    } else if (mode === A_NAPOT) {
      const size = 1 << rng.range(3, 8); // 8..256 bytes
      const start = SCRATCH_BASE + rng.below(SCRATCH_BYTES / size) * size;
      addrs[i] = (start >>> 2) | ((size >>> 3) - 1);
    } else {
      addrs[i] = (SCRATCH_BASE + rng.below(SCRATCH_BYTES / 4 + 1) * 4) >>> 2;
    }
    cfg |= (mode | perms) << (8 * i);
  }
  return { addrs, cfg: cfg >>> 0 };
}

export function formatPmp(p: PmpConfig): string {
  const modes = ["OFF", "TOR", "NA4", "NAPOT"];
  return p.addrs
    .map((a, i) => {
      const c = (p.cfg >>> (8 * i)) & 0xff;
      const perms = `${c & R ? "r" : "-"}${c & W ? "w" : "-"}${c & X ? "x" : "-"}`;
      return `pmp${i}=${modes[(c >> 3) & 3]}:${perms}@0x${(a >>> 0).toString(16)}`;
    })
    .join(" ");
}
