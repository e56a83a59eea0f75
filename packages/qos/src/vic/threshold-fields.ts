import { z } from "zod";
import { QosErrors } from "../errors.js";
import { DEFAULT_VIC, type VicParams } from "./coalescer.js";

/**
 * Where "no change at low CIF" comes from, for the scenarios' safety rows: the patent's switches, and ESX 4.0's note
 * on vIC (10-vic.md). The paper's abstract does not say it.
 */
export const LOW_CIF_SOURCE = "patent claims 2–3; ESX 4.0's note: the threshold is set high enough for trickle or latency-bound IO";

/**
 * vIC's parameters as config fields shared by every vIC scenario: the two
 * switches (coalesce only at high CIF and high IO rate: US 8,478,924 claims
 * 2–3; the paper's body, with its own thresholds, was not found), the
 * CIF → R step table and the IO-rate window. The paper's values were not
 * found; the defaults are documented assumptions (docs/vic.md).
 */
export const vicThresholdFields = {
  cifThreshold: z
    .number()
    .int()
    .min(0)
    .max(256)
    .default(DEFAULT_VIC.cifThreshold)
    .describe("vIC: no coalescing while CIF ≤ this (paper value not found)"),
  iopsThreshold: z
    .number()
    .min(0)
    .max(1e7)
    .default(DEFAULT_VIC.iopsThreshold)
    .describe("vIC: no coalescing below this IO rate, IOPS (paper value not found)"),
  ratioMinCif: z
    .array(z.number().int().min(0).max(256))
    .default(DEFAULT_VIC.ratioTable.map((s) => s.minCif))
    .describe("vIC: CIF → R table, the CIF from which each step applies, ascending (paper's table not found — assumption)"),
  ratio: z
    .array(z.number().gt(0).max(1))
    .default(DEFAULT_VIC.ratioTable.map((s) => s.ratio))
    .describe("vIC: CIF → R table, the delivery ratio R of each step of ratioMinCif, one per step (assumption)"),
  rateWindowCompletions: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(DEFAULT_VIC.rateWindowCompletions)
    .describe("vIC: the IO rate is re-estimated every this many completions (assumption)"),
};

type VicFields = { cifThreshold: number; iopsThreshold: number; ratioMinCif: number[]; ratio: number[]; rateWindowCompletions: number };

/** The coalescer's parameters from a scenario's config; a table whose two lists do not pair up is refused, naming the key. */
export function vicParamsOf(c: VicFields): VicParams {
  if (c.ratio.length !== c.ratioMinCif.length)
    // The list quoted as key=value, so the CLI can tell a default the user did not set (--set ratioMinCif=8,32 alone).
    throw QosErrors.badConfig(
      "ratio",
      `needs one ratio per ratioMinCif step (${c.ratioMinCif.length}), got ${c.ratio.length}: ratio=${c.ratio.join(",")}`,
    );
  c.ratioMinCif.forEach((m, i) => {
    if (i > 0 && !(m > c.ratioMinCif[i - 1]))
      throw QosErrors.badConfig("ratioMinCif", `must ascend, got ${m} after ${c.ratioMinCif[i - 1]} (entry ${i})`);
  });
  return {
    cifThreshold: c.cifThreshold,
    iopsThreshold: c.iopsThreshold,
    ratioTable: c.ratioMinCif.map((minCif, i) => ({ minCif, ratio: c.ratio[i] })),
    rateWindowCompletions: c.rateWindowCompletions,
  };
}

/** The table as a reader would write it: "R = 1/2 from CIF 8, 1/4 from 12, …" (R = 1 throughout if empty). */
export function describeRatioTable(p: VicParams): string {
  if (p.ratioTable.length === 0) return "empty table: R = 1 throughout";
  const r = (x: number) => (Number.isInteger(1 / x) ? `1/${1 / x}` : `${x}`);
  return `R = ${p.ratioTable.map((s) => `${r(s.ratio)} from CIF ${s.minCif}`).join(", ")}`;
}
