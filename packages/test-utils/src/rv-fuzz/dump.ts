/**
 * Reading the harness's dump lines back (see harness.ts for the format) and
 * saying precisely how two of them differ.
 */

export interface ProgramDump {
  index: number;
  /** x1..x31 as unsigned values (regs[0] is x1). */
  regs: number[];
  scratchChecksum: number;
  trapCount: number;
  /** [mcause, mepc, mtval] for each logged trap. */
  traps: Array<[number, number, number]>;
  line: string;
}

const ABI = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"];
const regName = (r: number) => (r < ABI.length ? `x${r}/${ABI[r]}` : `x${r}`);

/** The dump lines in a console output, by program index; malformed or partial lines are skipped. */
export function parseDumps(console: Uint8Array | string): Map<number, ProgramDump> {
  const text = typeof console === "string" ? console : Buffer.from(console).toString("latin1");
  const out = new Map<number, ProgramDump>();
  for (const line of text.split("\n")) {
    const m = /^P([0-9a-f]{8})((?: [0-9a-f]{8}){31}) S([0-9a-f]{8}) T([0-9a-f]{8})((?: [0-9a-f]{8},[0-9a-f]{8},[0-9a-f]{8})*)$/.exec(line);
    if (!m) continue;
    const traps = m[5]
      .trim()
      .split(" ")
      .filter((t) => t !== "")
      .map((t) => t.split(",").map((h) => Number.parseInt(h, 16)) as [number, number, number]);
    out.set(Number.parseInt(m[1], 16), {
      index: Number.parseInt(m[1], 16),
      regs: m[2]
        .trim()
        .split(" ")
        .map((h) => Number.parseInt(h, 16)),
      scratchChecksum: Number.parseInt(m[3], 16),
      trapCount: Number.parseInt(m[4], 16),
      traps,
      line,
    });
  }
  return out;
}

const hex = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;

/** Human-readable differences between the reference's dump and the candidate's. */
export function describeDumpDifference(expected: ProgramDump | undefined, got: ProgramDump | undefined): string[] {
  if (!expected) return ["the reference printed no dump for this program"];
  if (!got) return ["no dump line from vmlab for this program (it stopped, hung or printed garbage before it)"];
  const diffs: string[] = [];
  expected.regs.forEach((v, i) => {
    if (got.regs[i] !== v) diffs.push(`${regName(i + 1)}: expected ${hex(v)}, got ${hex(got.regs[i])}`);
  });
  if (expected.scratchChecksum !== got.scratchChecksum)
    diffs.push(`scratch checksum: expected ${hex(expected.scratchChecksum)}, got ${hex(got.scratchChecksum)}`);
  if (expected.trapCount !== got.trapCount) diffs.push(`trap count: expected ${expected.trapCount}, got ${got.trapCount}`);
  const n = Math.max(expected.traps.length, got.traps.length);
  for (let i = 0; i < n; i++) {
    const e = expected.traps[i],
      g = got.traps[i];
    const fmt = (t: [number, number, number] | undefined) => (t ? `mcause=${t[0]} mepc=${hex(t[1])} mtval=${hex(t[2])}` : "none");
    if (!e || !g || e[0] !== g[0] || e[1] !== g[1] || e[2] !== g[2]) diffs.push(`trap #${i}: expected ${fmt(e)}, got ${fmt(g)}`);
  }
  return diffs;
}
