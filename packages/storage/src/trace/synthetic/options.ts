import { z } from "zod";
import { StorageErrors } from "../../errors.js";

const weight = (what: string, dflt: number) => z.number().min(0).max(1000).default(dflt).describe(what);
const share = (what: string, dflt: number) => z.number().min(0).max(1).default(dflt).describe(what);

/**
 * Parameters of `SyntheticVmTrace`, a seeded model of one VM's virtual disk
 * as a consolidated server VM drives it. Every value is an assumption of
 * vmlab's (no public VM trace could be shipped), chosen to look like a mixed
 * file/database server: the defaults are what the shipped trace
 * `data/traces/vmlab-synthetic.vscsi` was generated with (see its SOURCE.md).
 */
export const SyntheticVmTraceOptions = z
  .object({
    ios: z.number().int().min(1).max(100_000_000).default(50_000).describe("IOs to generate"),
    diskGiB: z.number().int().min(4).max(65_536).default(100).describe("virtual disk size, GiB"),

    // Time: active periods (bursts) separated by idle periods.
    burstMeanMs: z.number().positive().max(3_600_000).default(800).describe("mean length of an active period (exponential), ms"),
    burstIops: z
      .number()
      .positive()
      .max(1_000_000)
      .default(200)
      .describe("median arrival rate inside an active period (Poisson arrivals), IOs/s"),
    burstRateSigma: z
      .number()
      .min(0)
      .max(3)
      .default(0.5)
      .describe("each active period's rate is burstIops times a lognormal factor with this σ (some bursts are much busier)"),
    idleMinMs: z.number().positive().max(3_600_000).default(200).describe("shortest idle period between bursts (Pareto scale), ms"),
    idleShape: z
      .number()
      .gt(1)
      .max(10)
      .default(1.3)
      .describe("Pareto shape of idle periods (heavy tail; mean idle = idleMinMs·shape/(shape−1))"),

    // Where IOs go: four sources, picked per IO by weight.
    hotWeight: weight("weight of random IO to the hot set (a database-like file)", 0.45),
    sequentialWeight: weight("weight of IO from the sequential streams (file copies, scans, backups)", 0.25),
    logWeight: weight("weight of small sequential log/journal writes", 0.15),
    coldWeight: weight("weight of random IO anywhere on the disk", 0.15),

    sourceStickiness: share(
      "probability that an IO comes from the same source (and stream) as the previous one: applications issue runs of IOs",
      0.5,
    ),
    hotSetMiB: z.number().int().min(1).max(16_777_216).default(2048).describe("hot set size, MiB (4 KiB pages, ranked by a Zipf law)"),
    hotZipfExponent: z
      .number()
      .positive()
      .max(5)
      .default(1)
      .describe("Zipf exponent s of the hot set's page popularity (P(rank k) ∝ k^-s)"),
    hotReadFraction: share("share of hot-set IOs that are reads", 0.7),
    sequentialStreams: z.number().int().min(1).max(64).default(2).describe("sequential streams running at once, interleaved"),
    sequentialRunMeanIos: z
      .number()
      .positive()
      .max(1e9)
      .default(64)
      .describe("mean IOs of a sequential stream before it ends and a new one starts elsewhere (geometric)"),
    sequentialReadFraction: share("share of sequential streams that read (the rest write)", 0.75),
    logRegionMiB: z.number().int().min(1).default(512).describe("log region at the end of the disk, MiB (written circularly)"),
    coldReadFraction: share("share of cold random IOs that are reads", 0.6),

    // Response times: a small array behind the virtual disk.
    spindles: z.number().int().min(1).max(256).default(4).describe("disks in the LUN (RAID-0 striped)"),
    stripeKiB: z.number().int().min(4).max(65_536).default(64).describe("stripe unit, KiB"),
    trackToTrackMs: z.number().positive().max(100).default(0.5).describe("member disk: track-to-track seek, ms"),
    fullStrokeMs: z.number().positive().max(100).default(9).describe("member disk: full-stroke seek, ms"),
    rpm: z.number().positive().max(100_000).default(10_000).describe("member disk: spindle speed, rpm"),
    mediaMBps: z.number().positive().max(100_000).default(100).describe("member disk: media transfer rate, MB/s"),
    cacheHitUs: z.number().positive().max(1e6).default(150).describe("median response of an IO served by the controller cache, µs"),
    cacheMBps: z.number().positive().max(1e6).default(800).describe("transfer rate from/to the controller cache, MB/s"),
    hotCachedShare: share("share of the hot set's pages (the most popular) held in the controller cache", 0.02),
  })
  .superRefine((o, ctx) => {
    const bad = (message: string) => ctx.addIssue({ code: "custom", message });
    if (o.hotWeight + o.sequentialWeight + o.logWeight + o.coldWeight <= 0) bad("the four source weights sum to 0");
    if (o.hotSetMiB + o.logRegionMiB > (o.diskGiB * 1024) / 2) bad("hotSetMiB + logRegionMiB must fit in half of the disk");
    if (o.fullStrokeMs <= o.trackToTrackMs) bad("fullStrokeMs must exceed trackToTrackMs");
  });
export type SyntheticVmTraceOptions = z.output<typeof SyntheticVmTraceOptions>;

/** Validates and fills in defaults; bad values throw VMLAB_STORAGE_BAD_CONFIG naming the field. */
export function parseSyntheticVmTraceOptions(input: Partial<z.input<typeof SyntheticVmTraceOptions>> = {}): SyntheticVmTraceOptions {
  const p = SyntheticVmTraceOptions.safeParse(input);
  if (!p.success)
    throw StorageErrors.badConfig(
      "synthetic VM trace",
      p.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; "),
    );
  return p.data;
}
