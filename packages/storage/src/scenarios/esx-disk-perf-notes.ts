import type { Table } from "@vmlab/core-vm";
import type { EsxDiskPerfConfig } from "./esx-disk-perf-config.js";

type Row = Table["rows"][number];

/**
 * Fewer IOs than this in a run's measured window and its count is too coarse for the grid's ratios: the window's
 * ends can each cut off an IO, so a count of n is uncertain by up to about 2/n — over 2% below 100 IOs.
 */
export const MIN_WINDOW_IOS = 100;

/** The fewer of a cell's native and VM IOs in the window, if that is 1 to MIN_WINDOW_IOS − 1 (0 IOs: the cell has no ratio). */
export function fewIos(r: Row): number | undefined {
  const n = Math.min(r.nativeIos as number, r.vmIos as number);
  return n > 0 && n < MIN_WINDOW_IOS ? n : undefined;
}

/** How far a ratio over `n` IOs may be off from counting whole IOs, as "±x%". */
const uncertainty = (n: number) => `±${Math.round(200 / n)}%`;

/** What a reference row's minimum rests on when its cell completed few IOs; undefined when it completed enough. */
export function fewIosOfMinimum(r: Row | undefined): string | undefined {
  const n = r ? fewIos(r) : undefined;
  if (r === undefined || n === undefined) return undefined;
  return `the minimum's cell completed ${r.nativeIos} IOs native and ${r.vmIos} in the VM in its window: its ratio is uncertain by up to about ${uncertainty(n)} (durationMs too short?)`;
}

/**
 * The grid's cells whose runs completed too few IOs for their ratios to mean much: a VM/native ratio of 1.25 from 4
 * and 5 IOs (256 KiB random reads at 1 OIO for 20 ms) read as a VM faster than native, and became the grid's median.
 */
export function fewIosNote(rows: readonly Row[]): string | undefined {
  const few = rows.filter((r) => fewIos(r) !== undefined);
  if (few.length === 0) return undefined;
  const fewest = few.reduce((a, b) => ((fewIos(b) as number) < (fewIos(a) as number) ? b : a));
  const n = fewIos(fewest) as number;
  return (
    `${few.length} of ${rows.length} cells completed fewer than ${MIN_WINDOW_IOS} IOs in a run's measured window ` +
    `(the fewest, ${n}: ${fewest.storage}, ${fewest.ioSizeBytes} B ${fewest.pattern}, ${fewest.outstandingIos} OIO): a count can be ` +
    `an IO off at either end of the window, so their throughput and VM/native ratio are uncertain by up to about 2 / IOs ` +
    `(${uncertainty(n)} there; columns nativeIos, vmIos); lengthen durationMs.`
  );
}

/**
 * The grid's cells where a run completed no IO in its measured window (a window shorter than an IO: `durationMs`
 * given in seconds?): they have no ratio, and were in no note (`fewIosNote` counts 1 to 99), the run saying "0 fail".
 */
export function noIosNote(rows: readonly Row[]): string | undefined {
  const none = rows.filter((r) => Math.min(r.nativeIos as number, r.vmIos as number) === 0);
  if (none.length === 0) return undefined;
  const [first] = none;
  return (
    `${none.length} of ${rows.length} cells completed no IO in a run's measured window (the first: ${first.storage}, ` +
    `${first.ioSizeBytes} B ${first.pattern}, ${first.outstandingIos} OIO, ${first.nativeIos} native and ${first.vmIos} in the VM): ` +
    "they have no VM/native ratio and no reference check counts them; lengthen durationMs."
  );
}

/**
 * Outstanding IOs past the queue depths never reach the storage, which the grid's OIO axis does not show: at 64 OIO
 * with the default depths of 32 the storage runs at 32, and the other 32 IOs only wait (their wait is in the latency).
 */
export function queueDepthNote(c: EsxDiskPerfConfig): string | undefined {
  const nativeDepth = c.adapterQueueDepth;
  // A VM's IOs pass the guest's adapter, then the HBA: the smaller depth holds them back.
  const vmDepth = Math.min(c.guestQueueDepth, c.adapterQueueDepth);
  const over = c.outstandingIos.filter((o) => o > vmDepth);
  if (over.length === 0) return undefined;
  const vmWhere =
    c.guestQueueDepth <= c.adapterQueueDepth
      ? `guestQueueDepth ${c.guestQueueDepth}: the rest wait in the guest`
      : `adapterQueueDepth ${c.adapterQueueDepth}: the rest wait in the host's adapter queue`;
  return (
    `The storage sees at most ${nativeDepth} outstanding IOs natively (adapterQueueDepth ${nativeDepth}: the rest wait in the ` +
    `host's adapter queue) and ${vmDepth} in the VM (${vmWhere}); cells above that (${over.join(", ")} OIO) measure the ` +
    `storage at those depths, with the held-back IOs' wait in their latency.`
  );
}

/**
 * The run's notes on its storage, from the config: fixed ones described the array and its warmed cache to runs
 * of the local disk alone, and a battery-backed cache to an array run without one (arrayCacheMiB=0).
 */
export function storageNotes(c: EsxDiskPerfConfig): string[] {
  const parts: string[] = [];
  if (c.storage.includes("local")) parts.push(`the local disk is one, its write cache ${c.localDiskWriteCache ? "on (WCE)" : "off"}`);
  if (c.storage.includes("array"))
    parts.push(
      `the array is RAID-5 over ${c.arrayDisks} of them ${c.arrayCacheMiB > 0 ? `with a ${c.arrayCacheMiB} MiB battery-backed write-back cache` : "without a cache (arrayCacheMiB=0)"}`,
    );
  const notes = [`Disks are Seagate Cheetah 15K.5 models (a later drive than the 2003 study's): ${parts.join("; ")}.`];
  if (c.storage.includes("array") && c.arrayCacheWarm)
    notes.push(
      c.testFileMiB <= c.arrayCacheMiB
        ? "arrayCacheWarm puts the Iometer test file in the array cache at the start, as right after Iometer prepared it (an assumption)."
        : // Filling the cache in the file's order evicts its start: "puts the test file in the cache" told of hits that were misses.
          `arrayCacheWarm puts the last ${c.arrayCacheMiB} MiB of the ${c.testFileMiB} MiB Iometer test file in the array cache at the start ` +
            `(all the cache holds), as right after Iometer prepared it (an assumption); IOs to the rest of the file start as misses.`,
    );
  return notes;
}
