import type { EsxDiskPerfConfig } from "./esx-disk-perf-config.js";

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
