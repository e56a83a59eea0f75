/** A flash SSD's organization and NAND timings. */
export interface SsdSpec {
  model: string;
  channels: number;
  /** NAND dies on each channel (each can read, program or erase independently). */
  diesPerChannel: number;
  /** Flash page, bytes (the FTL's mapping unit). */
  pageBytes: number;
  pagesPerBlock: number;
  blocksPerDie: number;
  /** Fraction of raw capacity hidden from the host as spare area. */
  overProvisioning: number;
  /** tR: page read into the die's register, ns. */
  pageReadNs: number;
  /** tPROG: page program, ns. */
  pageProgramNs: number;
  /** tBERS: block erase, ns. */
  blockEraseNs: number;
  /** Channel (bus) rate between controller and dies, MB/s. */
  channelMBps: number;
  /** Controller firmware time per command, ns. */
  commandOverheadNs: number;
  /** Garbage collection starts on a die when its free blocks fall below this. */
  gcFreeBlocks: number;
}

/**
 * A generic 2009-era MLC SATA SSD (assumed figures, typical of MLC NAND data
 * sheets of the time: tR 50 µs, tPROG 600 µs, tBERS 3 ms, 4 KiB pages, 128
 * pages per block); 8 channels × 4 dies; 16 GiB raw with 7% spare. Not a
 * named drive: the model's purpose is the mechanism (parallelism, FTL, GC
 * write cliff), and every figure is configurable.
 */
export const GENERIC_MLC_SSD: SsdSpec = {
  model: "generic MLC SSD (8 channels x 4 dies)",
  channels: 8,
  diesPerChannel: 4,
  pageBytes: 4096,
  pagesPerBlock: 128,
  blocksPerDie: 1024,
  overProvisioning: 0.07,
  pageReadNs: 50_000,
  pageProgramNs: 600_000,
  blockEraseNs: 3_000_000,
  channelMBps: 200,
  commandOverheadNs: 20_000,
  gcFreeBlocks: 4,
};
