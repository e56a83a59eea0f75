import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RngStreams } from "@vmlab/core-vm";
import { vscsistatsCharacterize } from "./vscsistats-characterize.js";
import { VscsiCharacterizeConfig } from "./vscsistats-characterize-config.js";

/** MSR Cambridge's first timestamp in the SNIA files: 100 ns ticks since 1601. */
export const T0 = 128166372003061629n;

/** `ios` MSR CSV lines, 2 ms apart, 4 or 8 KiB, reads and writes, spread over 1 GiB; `extra` lines appended. */
export function msrTrace(ios: number, extra: string[] = []): string {
  const lines: string[] = [];
  for (let i = 0; i < ios; i++) {
    const offset = ((i * 7919) % 262144) * 4096;
    lines.push(
      `${T0 + BigInt(i) * 20000n},src1,2,${i % 3 === 0 ? "Write" : "Read"},${offset},${i % 2 === 0 ? 4096 : 8192},${300 + (i % 7) * 100}`,
    );
  }
  return `${[...lines, ...extra].join("\n")}\n`;
}

/** `msrTrace(ios)` with its first line moved `by` lines later: out of issue order by `by` records. */
export function msrTraceMoved(ios: number, by: number): string {
  const lines = msrTrace(ios).trim().split("\n");
  lines.splice(by, 0, ...lines.splice(0, 1));
  return `${lines.join("\n")}\n`;
}

/** Writes `text` to `name` in `dir`; its path. */
export function writeIn(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** The scenario run in quick mode (Iometer workloads cut to 50 ms) with `overrides`. */
export async function run(overrides: Record<string, unknown>, seed = 1, progress: (done: number, total: number) => void = () => {}) {
  const config = VscsiCharacterizeConfig.parse({ ...vscsistatsCharacterize.quick, durationMs: 50, ...overrides });
  return vscsistatsCharacterize.run({ config, seed, quick: true, rng: new RngStreams(seed), progress });
}
export type Result = Awaited<ReturnType<typeof run>>;
export const rowsOf = (r: Result, table: string) => r.tables.find((t) => t.name === table)?.rows ?? [];
export const workload = (r: Result, id: string) => rowsOf(r, "workloads").find((x) => x.workload === id)!;
/** The note on the user's trace. */
export const traceNote = (r: Result) => r.notes?.find((n) => n.startsWith("Your trace")) ?? "";

/** The scenario's check (what `vmlab run --dry-run` runs) on `overrides`: its error, or undefined. */
export function checkError(overrides: Record<string, unknown>): { code: string; message: string } | undefined {
  const config = VscsiCharacterizeConfig.parse({ ...vscsistatsCharacterize.quick, ...overrides });
  try {
    vscsistatsCharacterize.check?.({ config, seed: 1, quick: true });
  } catch (e) {
    return e as { code: string; message: string };
  }
  return undefined;
}
