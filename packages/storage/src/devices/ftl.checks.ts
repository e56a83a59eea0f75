/**
 * The FTL write-amplification check of docs/esx-disk-perf.md ("Model checks"). ftl.test.ts asserts
 * on what it returns and scripts/doc-tables.ts renders the doc's table from it (through
 * ../model-checks.ts). Test support, not in the package's index.
 */
import { PageFtl } from "./ftl.js";
import { GENERIC_MLC_SSD, type SsdSpec } from "./ssd-spec.js";

/** Writes `lp` as `Ssd` does: the next die round-robin with room for it, garbage collected first if short of blocks. */
export function hostWrite(ftl: PageFtl, at: { die: number }, lp: number): void {
  let die = at.die;
  while (!ftl.hasRoom(die, lp)) die = (die + 1) % ftl.dies;
  at.die = (die + 1) % ftl.dies;
  while (ftl.needsGc(die)) if (ftl.collect(die) < 0) break;
  ftl.write(lp, die);
}

/**
 * Write amplification of greedy GC under uniform random writes, as the number of pages per block grows
 * (the fluid limit): every block is cleaned at the same valid fraction x, and x = exp(-(1 - x) / ρ) with
 * ρ the logical pages over the physical pages GC can use; WA = 1 / (1 - x). This is the FIFO/LRU
 * cleaning result (Hu et al. 2009, Desnoyers 2012); greedy approaches it from below as pages per block
 * grow (Bux & Iliadis 2010; Van Houdt 2013). Here the blocks GC keeps free on each die are not usable.
 */
export function fluidLimitWa(rho: number): number {
  let x = 0.5;
  for (let i = 0; i < 5000; i++) x = Math.exp(-(1 - x) / rho);
  return 1 / (1 - x);
}

/**
 * Steady-state write amplification of uniform random writes on a 4-die FTL (64 pages per block, 256
 * blocks per die) at each over-provisioning: every logical page written once, then 4 capacities of
 * random writes, then measured over 3 more; with the fluid limit for the same ρ.
 */
export function ftlWriteAmplification(overProvisioning: readonly number[]): { op: number; measured: number; limit: number }[] {
  return overProvisioning.map((op) => {
    const spec: SsdSpec = {
      ...GENERIC_MLC_SSD,
      channels: 2,
      diesPerChannel: 2,
      pagesPerBlock: 64,
      blocksPerDie: 256,
      overProvisioning: op,
    };
    const ftl = new PageFtl(spec);
    const at = { die: 0 };
    const u = ftl.logicalPages;
    for (let lp = 0; lp < u; lp++) hostWrite(ftl, at, lp);
    let x = 7;
    const next = () => {
      x = (x * 48271) % 2147483647;
      return x % u;
    };
    for (let i = 0; i < 4 * u; i++) hostWrite(ftl, at, next());
    const h = ftl.hostWrites;
    const g = ftl.gcCopies;
    for (let i = 0; i < 3 * u; i++) hostWrite(ftl, at, next());
    const measured = (ftl.hostWrites - h + ftl.gcCopies - g) / (ftl.hostWrites - h);
    const usable = ftl.dies * (spec.blocksPerDie - spec.gcFreeBlocks) * spec.pagesPerBlock;
    return { op, measured, limit: fluidLimitWa(u / usable) };
  });
}
