import type { Results } from "./results.js";

/** How a run's reference rows were judged: counts, and what each failed row checks. */
export interface CheckCounts {
  pass: number;
  fail: number;
  na: number;
  /** The `what` of each failed row, in the table's order. */
  failed: string[];
}

/** The verdicts of a run's reference rows, or null when the scenario judges none (the run's last line and the report share it). */
export function checkCounts(reference: Results["reference"]): CheckCounts | null {
  if (reference.every((x) => x.verdict === undefined)) return null;
  const count = (v: string) => reference.filter((x) => x.verdict === v).length;
  return {
    pass: count("pass"),
    fail: count("fail"),
    na: count("n/a"),
    failed: reference.filter((x) => x.verdict === "fail").map((x) => x.what),
  };
}

/** "2 pass, 1 fail" (", 1 n/a" only when some are). */
export function formatCheckCounts(c: CheckCounts): string {
  return `${c.pass} pass, ${c.fail} fail${c.na > 0 ? `, ${c.na} n/a` : ""}`;
}
