/**
 * Dirty- and accessed-page tracking (issue 5, "Must show"): a guest writes a
 * seeded random set of pages with every kind of store (word, half, byte,
 * misaligned through the slow path, AMO, LR/SC) and reads another set; a
 * device writes more pages by DMA. `takeDirtyPages()` must return exactly
 * the written set, `takeAccessedPages()` exactly written ∪ read ∪ code.
 */
import { describe, expect, it } from "vitest";
import { Machine, PAGE_SIZE, Rng, ramDma } from "../src/index.js";
import { A0, A1, amo, EXIT, li, load, poke, RAM, store, T2 } from "./asm.js";

const RAM_MIB = 4;
const PAGES = (RAM_MIB * 1024 * 1024) / PAGE_SIZE;

function pickPages(rng: Rng, n: number, avoid: Set<number>): number[] {
  const out = new Set<number>();
  while (out.size < n) {
    const p = 1 + rng.int(PAGES - 1);
    if (!avoid.has(p)) out.add(p);
  }
  return [...out];
}

describe("dirty and accessed-page tracking", () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: reads back exactly the pages written (every store kind and DMA) and the pages touched`, () => {
      const rng = new Rng(seed, "dirty-pages");
      const code = new Set([0, 1]);
      const written = pickPages(rng, 40, code);
      const read = pickPages(rng, 20, new Set([...code, ...written]));
      const program: number[] = [];
      written.forEach((page, i) => {
        const addr = RAM + page * PAGE_SIZE + 8 * rng.int(PAGE_SIZE / 8 - 1);
        program.push(...li(A1, addr));
        switch (i % 6) {
          case 0:
            program.push(store("sw", A1, A1, 0));
            break;
          case 1:
            program.push(store("sh", A1, A1, 2));
            break;
          case 2:
            program.push(store("sb", A1, A1, 7));
            break;
          case 3:
            program.push(...li(T2, addr + 1), store("sw", A1, T2, 0)); // misaligned: slow path, same page
            break;
          case 4:
            program.push(amo("add", A0, A1, A1));
            break;
          default:
            program.push(amo("lr", A0, A1, 0), amo("sc", A0, A1, A1));
        }
      });
      for (const page of read) program.push(...li(A1, RAM + page * PAGE_SIZE + 4 * rng.int(PAGE_SIZE / 4)), load("lw", A0, A1, 0));
      program.push(...EXIT);
      expect(program.length * 4).toBeLessThan(2 * PAGE_SIZE);

      const m = new Machine({ ramMiB: RAM_MIB });
      poke(m, RAM, program);
      m.hart.pc = RAM | 0;
      m.setDirtyTracking(true);
      m.setAccessTracking(true);
      expect(m.run(100_000)).toBe("exit");
      // A device writing guest memory (as virtio does through ramDma) marks pages too.
      const dma = ramDma(m.ram, () => {});
      const dmaPages = pickPages(rng, 5, new Set([...code, ...written, ...read]));
      for (const p of dmaPages) {
        m.ram.u8[p * PAGE_SIZE + 100] = 1;
        dma.written(p * PAGE_SIZE + 100, 1);
      }
      const codePages = [...new Set(Array.from({ length: program.length }, (_, i) => (i * 4) >>> 12))];
      const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
      expect(m.ram.takeDirtyPages()).toEqual(sorted([...written, ...dmaPages]));
      // Accessed tracking follows the CPU (fetch, load, store); DMA marks only dirty.
      expect(m.ram.takeAccessedPages()).toEqual(sorted([...new Set([...codePages, ...written, ...read])]));
      // Taking clears the sets.
      expect(m.ram.takeDirtyPages()).toEqual([]);
      expect(m.ram.takeAccessedPages()).toEqual([]);
    });
  }

  it("a misaligned load or store across a page boundary marks both pages (the slow path goes byte by byte)", () => {
    for (const [op, kind] of [
      ["lw", "load"],
      ["lh", "load"],
      ["sw", "store"],
    ] as const) {
      const m = new Machine({ ramMiB: RAM_MIB });
      const at = RAM + 10 * PAGE_SIZE - 1; // the last byte of page 9: the access runs into page 10
      const program = [...li(A1, at), kind === "load" ? load(op, A0, A1, 0) : store(op, A1, A1, 0), ...EXIT];
      poke(m, RAM, program);
      m.hart.pc = RAM | 0;
      m.setDirtyTracking(true);
      m.setAccessTracking(true);
      expect(m.run(100)).toBe("exit");
      expect(m.ram.takeAccessedPages(), op).toEqual([0, 9, 10]);
      expect(m.ram.takeDirtyPages(), op).toEqual(kind === "store" ? [9, 10] : []);
    }
  });

  it("switching tracking off drops the maps and the marking code; on again starts from an empty set", () => {
    const m = new Machine({ ramMiB: RAM_MIB });
    const program = [
      ...li(A1, RAM + 9 * PAGE_SIZE),
      store("sw", A1, A1, 0),
      ...li(A1, RAM + 12 * PAGE_SIZE),
      store("sw", A1, A1, 0),
      ...EXIT,
    ];
    poke(m, RAM, program);
    m.hart.pc = RAM | 0;
    m.setDirtyTracking(true);
    m.setDirtyTracking(false);
    expect(m.ram.dirtyPages).toBeNull();
    expect(m.run(100)).toBe("exit");
    expect(m.ram.takeDirtyPages()).toEqual([]);
    m.setDirtyTracking(true);
    expect(m.ram.takeDirtyPages()).toEqual([]);
  });
});
