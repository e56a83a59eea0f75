import { z } from "zod";
import type { MmioDevice } from "../memory/bus.js";

/** Interrupt sources of QEMU `virt`'s PLIC (VIRT_IRQCHIP_NUM_SOURCES = 96; source 0 is reserved). */
export const PLIC_SOURCES = 96;
/** Contexts: 0 = hart 0 M mode, 1 = hart 0 S mode (kept for layout; this hart has no S mode). */
const CONTEXTS = 2;
const PRIORITY_BASE = 0x0;
const PENDING_BASE = 0x1000;
const ENABLE_BASE = 0x2000;
const ENABLE_STRIDE = 0x80;
const CONTEXT_BASE = 0x20_0000;
const CONTEXT_STRIDE = 0x1000;
const WORDS = PLIC_SOURCES / 32;

const u32 = z.number().int().min(0).max(0xffff_ffff);
const words = (n: number) => z.array(u32).length(n);
export const PlicStateSchema = z.object({
  version: z.literal(1),
  priority: z.array(z.number().int().min(0).max(7)).length(PLIC_SOURCES),
  pending: words(WORDS),
  enable: words(WORDS * CONTEXTS),
  threshold: z.array(z.number().int().min(0).max(7)).length(CONTEXTS),
  claimed: words(WORDS),
  level: words(WORDS),
});
export type PlicState = z.infer<typeof PlicStateSchema>;

/**
 * Platform-level interrupt controller (RISC-V PLIC spec 1.0, QEMU
 * `sifive_plic` layout): priorities, pending bits, per-context enables,
 * thresholds and claim/complete. Level-triggered gateways: a source is
 * pending while its line is high and it is not being serviced. Context 0's
 * output drives the hart's `mip.MEIP`.
 */
export class Plic implements MmioDevice {
  readonly priority = new Uint32Array(PLIC_SOURCES);
  readonly pending = new Uint32Array(WORDS);
  readonly enable = new Uint32Array(WORDS * CONTEXTS);
  readonly threshold = new Uint32Array(CONTEXTS);
  readonly claimed = new Uint32Array(WORDS);
  readonly level = new Uint32Array(WORDS);

  constructor(private readonly setMeip: (level: boolean) => void) {}

  save(): PlicState {
    return {
      version: 1,
      priority: Array.from(this.priority),
      pending: Array.from(this.pending),
      enable: Array.from(this.enable),
      threshold: Array.from(this.threshold),
      claimed: Array.from(this.claimed),
      level: Array.from(this.level),
    };
  }

  /** Restores from a state already validated with `PlicStateSchema`. */
  restore(s: PlicState): void {
    this.priority.set(s.priority);
    this.pending.set(s.pending);
    this.enable.set(s.enable);
    this.threshold.set(s.threshold);
    this.claimed.set(s.claimed);
    this.level.set(s.level);
    this.update();
  }

  /** A device drives source `irq`'s line. */
  setSource(irq: number, high: boolean): void {
    const w = irq >>> 5;
    const bit = 1 << (irq & 31);
    if (high) {
      this.level[w] |= bit;
      if ((this.claimed[w] & bit) === 0) this.pending[w] |= bit;
    } else {
      this.level[w] &= ~bit;
      this.pending[w] &= ~bit;
    }
    this.update();
  }

  /** The highest-priority pending, enabled source above the context's threshold (lowest id wins ties), or 0. */
  private best(ctx: number): number {
    let best = 0;
    let bestPri = this.threshold[ctx];
    for (let irq = 1; irq < PLIC_SOURCES; irq++) {
      const w = irq >>> 5;
      const bit = 1 << (irq & 31);
      if ((this.pending[w] & this.enable[ctx * WORDS + w] & bit) === 0) continue;
      if (this.priority[irq] > bestPri) {
        best = irq;
        bestPri = this.priority[irq];
      }
    }
    return best;
  }

  private update(): void {
    this.setMeip(this.best(0) !== 0);
  }

  read(offset: number): number {
    if (offset < PENDING_BASE) return this.priority[(offset - PRIORITY_BASE) >>> 2] ?? 0;
    if (offset < ENABLE_BASE) return this.pending[(offset - PENDING_BASE) >>> 2] ?? 0;
    if (offset < CONTEXT_BASE) {
      const ctx = Math.floor((offset - ENABLE_BASE) / ENABLE_STRIDE);
      const w = ((offset - ENABLE_BASE) % ENABLE_STRIDE) >>> 2;
      return ctx < CONTEXTS && w < WORDS ? this.enable[ctx * WORDS + w] : 0;
    }
    const ctx = Math.floor((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
    const reg = (offset - CONTEXT_BASE) % CONTEXT_STRIDE;
    if (ctx >= CONTEXTS) return 0;
    if (reg === 0) return this.threshold[ctx];
    if (reg === 4) {
      const irq = this.best(ctx);
      if (irq !== 0) {
        this.pending[irq >>> 5] &= ~(1 << (irq & 31));
        this.claimed[irq >>> 5] |= 1 << (irq & 31);
        this.update();
      }
      return irq;
    }
    return 0;
  }

  write(offset: number, _size: number, value: number): void {
    if (offset < PENDING_BASE) {
      const irq = (offset - PRIORITY_BASE) >>> 2;
      if (irq > 0 && irq < PLIC_SOURCES) this.priority[irq] = value & 7;
    } else if (offset < ENABLE_BASE) {
      return; // pending bits are read-only
    } else if (offset < CONTEXT_BASE) {
      const ctx = Math.floor((offset - ENABLE_BASE) / ENABLE_STRIDE);
      const w = ((offset - ENABLE_BASE) % ENABLE_STRIDE) >>> 2;
      if (ctx < CONTEXTS && w < WORDS) this.enable[ctx * WORDS + w] = w === 0 ? value & ~1 : value;
    } else {
      const ctx = Math.floor((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
      const reg = (offset - CONTEXT_BASE) % CONTEXT_STRIDE;
      if (ctx >= CONTEXTS) return;
      if (reg === 0) this.threshold[ctx] = value & 7;
      else if (reg === 4) {
        // Complete: the source may be pending again if its line is still high.
        const irq = value >>> 0;
        if (irq > 0 && irq < PLIC_SOURCES) {
          const w = irq >>> 5;
          const bit = 1 << (irq & 31);
          this.claimed[w] &= ~bit;
          if ((this.level[w] & bit) !== 0) this.pending[w] |= bit;
        }
      }
    }
    this.update();
  }
}
