import { z } from "zod";
import { QosErrors } from "../errors.js";
import { requireArray, requireInteger, requireKnownKeys, requireNonNegative } from "../validate.js";

/** One step of the CIF → delivery-ratio table: from `minCif` commands in flight on, deliver `ratio` of completions. */
export interface RatioStep {
  minCif: number;
  /** R ∈ (0, 1]: interrupts delivered ÷ completions. */
  ratio: number;
}

/** vIC's coalescing parameters: CIF and IO-rate thresholds, the CIF → delivery-ratio table and the rate window (the defaults are assumptions: docs/vic.md). */
export interface VicParams {
  /** Coalescing is off (R = 1) while CIF ≤ this (vIC's CIF threshold; paper value not found — an assumption). */
  cifThreshold: number;
  /** Coalescing is off while the IO rate is below this, IOPS (paper value not found — an assumption). */
  iopsThreshold: number;
  /** CIF → R step function, ascending `minCif` (the paper's table was not found — an assumption). */
  ratioTable: RatioStep[];
  /** IO-rate estimate window, in completions: the rate is re-estimated every this many completions, from their timestamps. */
  rateWindowCompletions: number;
}

/** Defaults: placeholders, not the paper's values (see docs/vic.md). */
export const DEFAULT_VIC: VicParams = {
  cifThreshold: 4,
  iopsThreshold: 2000,
  ratioTable: [
    { minCif: 8, ratio: 1 / 2 },
    { minCif: 12, ratio: 1 / 4 },
    { minCif: 24, ratio: 1 / 8 },
  ],
  rateWindowCompletions: 64,
};

/** Refuses vIC parameters out of range or with a key it does not know (`VMLAB_QOS_BAD_CONFIG`, naming the key with `prefix`). */
export function checkVicParams(p: VicParams, prefix = "vic."): void {
  // Params merged from a config file: a misspelt key (cifThreshhold) was ignored and the default used.
  requireKnownKeys(prefix.replace(/\.$/, ""), p, Object.keys(DEFAULT_VIC));
  requireInteger(`${prefix}cifThreshold`, p.cifThreshold, 0);
  requireNonNegative(`${prefix}iopsThreshold`, p.iopsThreshold);
  requireInteger(`${prefix}rateWindowCompletions`, p.rateWindowCompletions, 1);
  requireArray(`${prefix}ratioTable`, p.ratioTable);
  let prev = -1;
  p.ratioTable.forEach((s, i) => {
    requireKnownKeys(`${prefix}ratioTable[${i}]`, s, ["minCif", "ratio"]);
    if (!(s.ratio > 0 && s.ratio <= 1)) throw QosErrors.badConfig(`${prefix}ratioTable[${i}].ratio`, `must be in (0, 1], got ${s.ratio}`);
    if (!(Number.isInteger(s.minCif) && s.minCif > prev))
      throw QosErrors.badConfig(
        `${prefix}ratioTable[${i}].minCif`,
        `must be an integer above the previous step's (${prev}), got ${s.minCif}`,
      );
    prev = s.minCif;
  });
}

/** Saved coalescer counters (the parameters are configuration); validated on restore. */
export const VicStateSchema = z.object({
  version: z.literal(1),
  cif: z.number().int().min(0),
  held: z.number().int().min(0),
  completions: z.number().int().min(0),
  interrupts: z.number().int().min(0),
  iops: z.number().min(0),
  credit: z.number().min(0).max(1),
  windowStartNs: z.number().min(0),
  windowCount: z.number().int().min(0),
});
/** A `VicCoalescer`'s saved state (`save()` / `restore()`), plain JSON. */
export type VicState = z.infer<typeof VicStateSchema>;

/**
 * vIC's decision on every IO completion of a virtual SCSI adapter (Ahmad,
 * Gulati & Mashtizadeh, ATC 2011; US 8,478,924 claim 1): post the completion
 * to the ring and either raise a virtual interrupt now or hold it for a later
 * one. No timer is ever armed — delivery piggybacks on completions:
 *
 * - R = 1 (deliver every completion) while CIF ≤ cifThreshold or the IO rate
 *   is below iopsThreshold: trickle and latency-bound IO is never delayed.
 * - Otherwise R comes from the CIF table, and an interrupt is delivered when
 *   the credit accumulated by R per completion reaches one. Held completions
 *   are picked up by the next interrupt.
 * - The credit left over carries from one coalesced interrupt to the next; an
 *   R = 1 delivery clears it (the sources are silent; docs/vic.md says why).
 *
 * Progress: coalescing needs CIF > cifThreshold ≥ 0 after this completion,
 * so more completions are certain to come; the last completions before CIF
 * drops to the threshold always deliver.
 */
export class VicCoalescer {
  /** Commands in flight: issued by the guest, not yet completed by the device. */
  cif = 0;
  /** Completions posted and not yet announced by an interrupt. */
  held = 0;
  completions = 0;
  interrupts = 0;
  /** Current IO-rate estimate, IOPS (0 until the first window closes). */
  iops = 0;
  private credit = 0;
  private windowStartNs = 0;
  private windowCount = 0;

  constructor(private readonly p: VicParams) {
    checkVicParams(p);
  }

  /** The guest issued a command. */
  issue(): void {
    this.cif++;
  }

  /** The delivery ratio R for a CIF value under the current rate estimate. */
  ratioFor(cif: number): number {
    if (cif <= this.p.cifThreshold || this.iops < this.p.iopsThreshold) return 1;
    let r = 1;
    for (const s of this.p.ratioTable) if (cif >= s.minCif) r = s.ratio;
    return r;
  }

  /** A command completed at `nowNs`; returns true if a virtual interrupt is raised now (announcing `held` completions). */
  complete(nowNs: number): boolean {
    this.cif--;
    this.completions++;
    this.held++;
    if (++this.windowCount >= this.p.rateWindowCompletions) {
      const dt = nowNs - this.windowStartNs;
      this.iops = dt > 0 ? (this.windowCount * 1e9) / dt : this.iops;
      this.windowStartNs = nowNs;
      this.windowCount = 0;
    }
    const r = this.ratioFor(this.cif);
    this.credit += r;
    if (r >= 1 || this.credit >= 1) {
      this.credit = r >= 1 ? 0 : this.credit - 1;
      this.interrupts++;
      return true;
    }
    return false;
  }

  save(): VicState {
    const { cif, held, completions, interrupts, iops, credit, windowStartNs, windowCount } = this;
    return { version: 1, cif, held, completions, interrupts, iops, credit, windowStartNs, windowCount };
  }

  restore(state: unknown): void {
    const p = VicStateSchema.safeParse(state);
    if (!p.success) throw QosErrors.badState("vIC", p.error.issues.map((i) => i.message).join("; "));
    const s = p.data;
    this.cif = s.cif;
    this.held = s.held;
    this.completions = s.completions;
    this.interrupts = s.interrupts;
    this.iops = s.iops;
    this.credit = s.credit;
    this.windowStartNs = s.windowStartNs;
    this.windowCount = s.windowCount;
  }

  /** The guest's ISR consumed the ring; returns how many completions it found. */
  drain(): number {
    const n = this.held;
    this.held = 0;
    return n;
  }
}
