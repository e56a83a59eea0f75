/** A flash SSD's organization and NAND timings. */
export interface SsdSpec {
  model: string;
  channels: number;
  /** NAND dies on each channel (each can read, program or erase independently). */
  diesPerChannel: number;
  /** Flash page, bytes (the FTL's mapping unit). */
  pageBytes: number;
  /** Pages per erase block (at least 2). Channels × dies × blocks × pages may not pass 2^31 (the FTL's int32 map). */
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
  /** Channel (bus) rate between controller and dies, MB/s (1 MB = 10^6 bytes). Assumed: see `GENERIC_MLC_SSD`. */
  channelMBps: number;
  /**
   * Controller firmware time per host command, ns, before any flash operation starts. The drive has one
   * controller: commands are processed one after another in arrival order (overlapped with flash work and
   * transfers, not with each other). Assumed: see `GENERIC_MLC_SSD`.
   */
  commandOverheadNs: number;
  /** Host interface rate, MB/s (1 MB = 10^6 bytes): every command's data crosses it, one transfer after another (SATA-2: 300). */
  busMBps: number;
  /**
   * Garbage collection starts on a die when its free blocks fall below this. The reserve comes out of the spare area:
   * GC cleans with `overProvisioning` less `gcFreeBlocks / blocksPerDie` of the raw flash (`SMALL_SSD`: 7% less 3.1%,
   * ~4%), which is the spare its write amplification follows. The drive needs a spare above about
   * `(gcFreeBlocks + 1) / blocksPerDie` (the reserve and each die's block open for writing).
   */
  gcFreeBlocks: number;
}

/**
 * A generic 2009-era MLC SATA SSD (assumed figures, typical of MLC NAND data
 * sheets of the time: tR 50 µs, tPROG 600 µs, tBERS 3 ms, 4 KiB pages, 128
 * pages per block); 8 channels × 4 dies; 16 GiB raw with 7% spare. Not a
 * named drive: the model's purpose is the mechanism (parallelism, FTL, GC
 * write cliff), and every figure is configurable (pass a spec to `new Ssd`;
 * the constructor validates each field).
 *
 * Two figures are assumptions rather than data-sheet values:
 * - `channelMBps` 200: the top rate of the ONFI 2.1 synchronous NAND interface
 *   (January 2009; ONFI 2.0, 2008, gave 133 MB/s; the older asynchronous
 *   interface of ONFI 1.0 parts topped out near 40–50 MB/s — ONFI working
 *   group announcements and EE Times, 1 Feb 2008, on Intel/Micron's ONFI 2.0
 *   parts). Many 2008–2010 drives still ran asynchronous NAND, so 200 is the
 *   optimistic end: with 40 MB/s a 4 KiB page takes ~102 µs on the channel
 *   instead of 20.5 µs, more than tR, and reads become channel-bound.
 * - `commandOverheadNs` 20 µs: controller/firmware time per host command. No
 *   published per-command figure for drives of the time was found; it is an
 *   assumption, chosen so a QD1 4 KiB random read takes ~90 µs on the flash
 *   side (20 + tR 50 + channel transfer 20.5 µs), ~104 µs with the host
 *   interface's 13.7 µs. Taken one command after another, it also caps the
 *   drive at 50,000 commands/s.
 *
 * `busMBps` 300 is SATA-2's 3 Gb/s after 8b/10b coding, the interface of
 * SATA SSDs of 2009: it caps 4 KiB transfers at ~73,000/s and sequential
 * transfers at 300 MB/s, whatever the channels could carry together (1.6 GB/s).
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
  busMBps: 300,
  gcFreeBlocks: 4,
};

/**
 * `GENERIC_MLC_SSD` made small, 256 MiB of raw flash (4 channels × 2 dies of 128 blocks of 64 pages), so sustained
 * random writes reach the write cliff and GC's steady state in seconds of virtual time: the drive of the SSD model
 * check (docs/esx-disk-perf.md, "Model checks"; the storage README's write-cliff figures).
 */
export const SMALL_SSD: SsdSpec = {
  ...GENERIC_MLC_SSD,
  model: "small MLC SSD (4 channels x 2 dies, 256 MiB raw)",
  channels: 4,
  diesPerChannel: 2,
  pagesPerBlock: 64,
  blocksPerDie: 128,
};
