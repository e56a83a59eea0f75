import { checkedBy, moreThan, type ReferenceCheck } from "@vmlab/core-vm";

/**
 * The bounds `esx-disk-perf`'s reference rows are judged by: the ones its tests hold the grid to (digest 04's
 * acceptance check 1), kept here so that the rows' tolerances and verdicts, the report and the tests say the same.
 */
export const ESX_DISK_PERF_TOLERANCES = {
  /** VM/native throughput of every large (>= 64 KiB) sequential cell: more than this (the expected shape, digest 04's acceptance check 1: about 0.9 or more; the paper's numbers were not found). */
  largeSequentialMinRatio: 0.85,
  /** The lowest VM/native ratio of <= 4 KiB random IO at the highest OIO vs the grid's minimum: less than this apart. */
  smallRandomOffMinimum: 0.005,
} as const;

const T = ESX_DISK_PERF_TOLERANCES;

/** The large sequential row: its minimum over the cells more than the bound (the tests' bound for the shape's "about 0.9"). */
export function largeSequentialCheck(minRatio: number): ReferenceCheck {
  return moreThan(minRatio, T.largeSequentialMinRatio, "the tests' bound for the shape's \"about 0.9\"");
}

/**
 * Small random IO's minimum reaches the grid's: less than the bound apart (ties: CPU-bound cells share one ratio).
 * The one test of it, for the small random row's verdict and the gap row's "reaches this minimum" alike.
 */
export function reachesGridMinimum(smallMin: number, gridMin: number): boolean {
  return Math.abs(smallMin - gridMin) < T.smallRandomOffMinimum;
}

/** The small random IO row: its minimum is the grid's, within the bound. */
export function smallRandomCheck(smallMin: number, gridMin: number): ReferenceCheck {
  return checkedBy(`less than ${T.smallRandomOffMinimum} from the grid's minimum (the tests' bound)`, [smallMin, gridMin], () =>
    reachesGridMinimum(smallMin, gridMin),
  );
}
