import { PAGE_SHIFT } from "../memory/ram.js";
import type { Hart } from "./hart.js";
import { translate } from "./translate.js";

/** A translated block: `fn(budget)` runs at most `budget` instructions and returns how many retired. */
export interface Block {
  fn: (budget: number) => number;
  /** Most instructions one call can retire without looping (the dispatcher's budget check). */
  len: number;
}

/** M mode, no MPRV to U, no locked PMP entry: RAM accesses inline. */
export const VARIANT_FAST = 0;
/** M mode with locked PMP entries or MPRV: every data access checked. */
export const VARIANT_CHECKED_M = 1;
/** U mode: every data access checked; fetch permission checked while translating. */
export const VARIANT_CHECKED_U = 2;
const VARIANTS = 3;

/** Code lines of 64 bytes: a store into a line holding translated code invalidates that page's blocks. */
export const CODE_LINE_SHIFT = 6;
const SLOTS_PER_PAGE = 1 << (PAGE_SHIFT - 2);
/** Longest block, in instructions (bounds compile time and the budget tail). */
export const MAX_BLOCK = 128;

/**
 * Translated blocks per variant, indexed by RAM page then by word in the
 * page, plus one-instruction blocks for budget tails. Blocks never cross a
 * page, so a page is the unit of invalidation.
 */
export class CodeCache {
  /** blocks[variant][page][word] */
  readonly blocks: ((Block | undefined)[] | undefined)[][] = [];
  /** One byte per 64-byte line of RAM: nonzero if translated code covers it. */
  readonly lines: Uint8Array;
  private singles: Map<number, Block>[] = [];
  /** Translations made (for stats and tests). */
  translated = 0;

  constructor(private readonly hart: Hart) {
    this.lines = new Uint8Array(hart.ram.size >>> CODE_LINE_SHIFT);
    for (let v = 0; v < VARIANTS; v++) {
      this.blocks.push([]);
      this.singles.push(new Map());
    }
  }

  /** Translates the block at `pc` (RAM offset `o`) for the current variant; null if its first instruction cannot be fetched. */
  compile(pc: number, o: number): Block | null {
    const h = this.hart;
    const b = translate(h, pc, MAX_BLOCK);
    if (b === null) return null;
    const page = o >>> PAGE_SHIFT;
    const table = this.blocks[h.variant];
    let slots = table[page];
    if (slots === undefined) slots = table[page] = new Array<Block | undefined>(SLOTS_PER_PAGE).fill(undefined);
    slots[(o & 4095) >>> 2] = b;
    this.markLines(o, b.len);
    return b;
  }

  /** A one-instruction block at `pc`, for when the budget left is shorter than the block. */
  single(pc: number, o: number): Block {
    const h = this.hart;
    const map = this.singles[h.variant];
    const cached = map.get(pc);
    if (cached !== undefined) return cached;
    const b = translate(h, pc, 1);
    // The full block at this pc was fetched a moment ago, so its first instruction can be.
    if (b === null) throw new Error("vmlab internal: one-instruction block not fetchable");
    map.set(pc, b);
    this.markLines(o, 1);
    return b;
  }

  private markLines(o: number, len: number): void {
    const first = o >>> CODE_LINE_SHIFT;
    const last = (o + 4 * len - 1) >>> CODE_LINE_SHIFT;
    for (let l = first; l <= last && l < this.lines.length; l++) this.lines[l] = 1;
    this.translated++;
  }

  /** Drops every translation of RAM page `page` (a store hit its code). */
  invalidatePage(page: number): void {
    for (let v = 0; v < VARIANTS; v++) {
      this.blocks[v][page] = undefined;
      this.singles[v].clear();
    }
    const per = 1 << (PAGE_SHIFT - CODE_LINE_SHIFT);
    this.lines.fill(0, page * per, (page + 1) * per);
  }

  /** Drops the checked variants (PMP changed: fetch permissions were checked at translation). */
  flushChecked(): void {
    for (let v = VARIANT_CHECKED_M; v < VARIANTS; v++) {
      this.blocks[v] = [];
      this.singles[v].clear();
    }
  }

  /** Drops everything (tracking switched, state restored). */
  flushAll(): void {
    for (let v = 0; v < VARIANTS; v++) {
      this.blocks[v] = [];
      this.singles[v].clear();
    }
    this.lines.fill(0);
  }
}
