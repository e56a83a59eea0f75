/**
 * vscsiStats bucket limits and titles, exactly as ESX prints them
 * (`vscsiStats -p all -c`; verified against a real ESXi printout, see
 * docs/vscsistats.md and the paper digest 04-disk-perf-vscsistats.md).
 *
 * A bucket with limit L counts values v with previousLimit < v <= L; the
 * first bucket is open below; one more bucket after the last limit counts the
 * overflow (ESX prints the last limit a second time for it).
 */

/** IO length in bytes. The odd limits (4095, 8191, ...) catch lengths that are not multiples of 4 KiB. */
export const IO_LENGTH_LIMITS: readonly number[] = [
  512, 1024, 2048, 4095, 4096, 8191, 8192, 16383, 16384, 32768, 49152, 65535, 65536, 81920, 131072, 262144, 524288,
];

/** Seek distance in LBNs (512-byte sectors); sequential IO lands in the +1 bucket. 33 limits + overflow = 34 rows. */
export const SEEK_DISTANCE_LIMITS: readonly number[] = [
  -500000, -100000, -50000, -10000, -5000, -1000, -500, -128, -64, -32, -16, -8, -6, -4, -2, -1, 0, 1, 2, 4, 6, 8, 16, 32, 64, 128, 500,
  1000, 5000, 10000, 50000, 100000, 500000,
];

/** Outstanding IOs when an IO is issued, counting that IO (so the minimum is 1). */
export const OUTSTANDING_IO_LIMITS: readonly number[] = [1, 2, 4, 6, 8, 12, 16, 20, 24, 28, 32, 64];

/** Latency and interarrival time, in microseconds. */
export const MICROSECONDS_LIMITS: readonly number[] = [1, 10, 100, 500, 1000, 5000, 15000, 30000, 50000, 100000];

/** The six quantities vscsiStats histograms. */
export type VscsiMetric = "ioLength" | "seekDistance" | "seekDistanceClosest16" | "latency" | "outstandingIOs" | "interarrival";

/** ESX's split of each histogram: all commands, reads only, writes only. */
export type VscsiSplit = "all" | "reads" | "writes";

/** One of ESX's 16 vscsiStats histograms: metric, split (all, reads, writes), title, unit and bucket limits. */
export interface VscsiHistogramSpec {
  metric: VscsiMetric;
  split: VscsiSplit;
  /** The title ESX prints after `Histogram: `. */
  title: string;
  unit: string;
  limits: readonly number[];
}

/**
 * The 16 histograms in ESX's print order: IO length, seek distance and
 * closest-of-16 distance (total only), latency, outstanding IOs, interarrival.
 */
export const VSCSI_HISTOGRAMS: readonly VscsiHistogramSpec[] = [
  { metric: "ioLength", split: "all", title: "IO lengths of commands", unit: "bytes", limits: IO_LENGTH_LIMITS },
  { metric: "ioLength", split: "reads", title: "IO lengths of Read commands", unit: "bytes", limits: IO_LENGTH_LIMITS },
  { metric: "ioLength", split: "writes", title: "IO lengths of Write commands", unit: "bytes", limits: IO_LENGTH_LIMITS },
  {
    metric: "seekDistance",
    split: "all",
    title: "distance (in LBNs) between successive commands",
    unit: "LBNs",
    limits: SEEK_DISTANCE_LIMITS,
  },
  {
    metric: "seekDistance",
    split: "reads",
    title: "distance (in LBNs) between successive Read commands",
    unit: "LBNs",
    limits: SEEK_DISTANCE_LIMITS,
  },
  {
    metric: "seekDistance",
    split: "writes",
    title: "distance (in LBNs) between successive Write commands",
    unit: "LBNs",
    limits: SEEK_DISTANCE_LIMITS,
  },
  {
    metric: "seekDistanceClosest16",
    split: "all",
    title: "distance (in LBNs) between each command from the closest of previous 16",
    unit: "LBNs",
    limits: SEEK_DISTANCE_LIMITS,
  },
  { metric: "latency", split: "all", title: "latency of IOs in Microseconds (us)", unit: "us", limits: MICROSECONDS_LIMITS },
  { metric: "latency", split: "reads", title: "latency of Read IOs in Microseconds (us)", unit: "us", limits: MICROSECONDS_LIMITS },
  { metric: "latency", split: "writes", title: "latency of Write IOs in Microseconds (us)", unit: "us", limits: MICROSECONDS_LIMITS },
  {
    metric: "outstandingIOs",
    split: "all",
    title: "number of outstanding IOs when a new IO is issued",
    unit: "IOs",
    limits: OUTSTANDING_IO_LIMITS,
  },
  {
    metric: "outstandingIOs",
    split: "reads",
    title: "number of outstanding Read IOs when a new Read IO is issued",
    unit: "IOs",
    limits: OUTSTANDING_IO_LIMITS,
  },
  {
    metric: "outstandingIOs",
    split: "writes",
    title: "number of outstanding Write IOs when a new Write IO is issued",
    unit: "IOs",
    limits: OUTSTANDING_IO_LIMITS,
  },
  {
    metric: "interarrival",
    split: "all",
    title: "latency of IO interarrival time in Microseconds (us)",
    unit: "us",
    limits: MICROSECONDS_LIMITS,
  },
  {
    metric: "interarrival",
    split: "reads",
    title: "latency of IO interarrival time for Reads in Microseconds (us)",
    unit: "us",
    limits: MICROSECONDS_LIMITS,
  },
  {
    metric: "interarrival",
    split: "writes",
    title: "latency of IO interarrival time for Writes in Microseconds (us)",
    unit: "us",
    limits: MICROSECONDS_LIMITS,
  },
];
