import { RngStreams } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { vscsistatsCharacterize } from "./vscsistats-characterize.js";
import { VscsiCharacterizeConfig } from "./vscsistats-characterize-config.js";

async function runQuick(seed: number, overrides: Record<string, unknown> = {}) {
  const config = VscsiCharacterizeConfig.parse({ ...vscsistatsCharacterize.quick, ...overrides });
  return vscsistatsCharacterize.run({ config, seed, quick: true, rng: new RngStreams(seed), progress: () => {} });
}

describe("vscsistats-characterize", () => {
  it("passes the digest's acceptance checks on the Iometer workloads", async () => {
    const r = await runQuick(1);
    const m = r.metrics;
    // Sequential 64 KiB: seek mass at +1, IO-length mass in the 65536 bucket.
    expect(m["sequential.seekPlus1Share"]).toBeGreaterThan(0.99);
    expect(m["sequential.ioLengthBinShare"]).toBe(1);
    // Random 8 KiB at 16 OIO: outstanding-IO mass in the 16 bucket; Little's law.
    expect(m["random.outstandingBinShare"]).toBeGreaterThan(0.97);
    expect(Math.abs(m["random.meanLatencyUs"] / m["random.littleLatencyUs"] - 1)).toBeLessThan(0.05);
    // Poisson arrivals at λ: mean interarrival ≈ 1/λ (1.5 s at 100 IOPS: ~150 samples, ±3 standard errors ≈ 25%).
    expect(Math.abs(m["poisson.meanInterarrivalUs"] / m["poisson.expectedInterarrivalUs"] - 1)).toBeLessThan(0.25);
    // The shipped trace: v2 records carry response times; through the model, the model's latency.
    expect(m["trace.ios"]).toBe(3000);
    expect(m["trace.recordedMeanLatencyUs"]).toBeGreaterThan(100);
    expect(m["trace.readShare"]).toBeGreaterThan(0.3);
    expect(m["trace.readShare"]).toBeLessThan(0.9);
    expect(m["trace.replay.meanLatencyUs"]).toBeGreaterThan(100);
    expect(r.figures.map((f) => f.name)).toContain("histograms-random-read");
    const rows = r.tables.find((t) => t.name === "histograms")!.rows;
    expect(new Set(rows.map((row) => row.workload))).toEqual(
      new Set(["sequential-read", "random-read", "poisson-read", "trace-file", "trace-replay"]),
    );
  });

  it("a test region larger than the VM's disk is refused naming testFileMiB and its limit in MiB", async () => {
    // The workload's own refusal named a region and a target in sectors, not the key the user set.
    for (const [storage, limitMiB] of [
      ["local", 286102],
      ["array", 2002715],
    ] as const) {
      const err = await runQuick(1, { storage, testFileMiB: limitMiB + 1 }).then(
        () => undefined,
        (e: unknown) => e as { code?: string; message?: string },
      );
      expect(err?.code, storage).toBe("VMLAB_STORAGE_BAD_CONFIG");
      expect(err?.message, storage).toMatch(
        new RegExp(`testFileMiB ${limitMiB + 1} is larger than .* \\(${limitMiB} MiB\\); set testFileMiB <= ${limitMiB}`),
      );
    }
  });

  it("is deterministic: same seed, identical JSON; another seed differs", async () => {
    const a = JSON.stringify(await runQuick(7, { durationMs: 500, traceMaxIos: 500 }));
    const b = JSON.stringify(await runQuick(7, { durationMs: 500, traceMaxIos: 500 }));
    expect(a).toBe(b);
    const c = JSON.stringify(await runQuick(8, { durationMs: 500, traceMaxIos: 500 }));
    expect(c).not.toBe(a);
  });
});

describe("vscsistats-characterize checks for sizes and depths that are not bucket limits", () => {
  it("measures the share in the bucket that holds the configured value (3 KiB: the 4095 bucket; 3 OIO: the 4 bucket)", async () => {
    const r = await runQuick(1, { durationMs: 300, traceMaxIos: 200, sequentialIoKiB: 3, randomOutstandingIos: 3 });
    expect(r.metrics["sequential.ioLengthBinShare"]).toBe(1);
    expect(r.metrics["random.outstandingBinShare"]).toBeGreaterThan(0.97);
    const rows = r.reference.map((x) => [x.what, x.ours]);
    expect(rows).toContainEqual(["sequential 3 KiB reads: share of IO lengths in the bucket holding 3072 (≤ 4095)", 1]);
    expect(rows.find(([what]) => /at 3 OIO: share of outstanding IOs in the bucket holding 3 \(≤ 4\)/.test(String(what)))).toBeDefined();
  });

  it("puts an IO size beyond the last limit in the overflow bucket", async () => {
    const r = await runQuick(1, { durationMs: 300, traceMaxIos: 200, sequentialIoKiB: 1024 });
    expect(r.metrics["sequential.ioLengthBinShare"]).toBe(1);
    expect(r.reference.map((x) => x.what)).toContain(
      "sequential 1024 KiB reads: share of IO lengths in the bucket holding 1048576 (overflow, > 524288)",
    );
  });
});

describe("vscsistats-characterize with a guest queue shallower than the random workload's OIO", () => {
  it("checks outstanding IOs and Little's law against what the vSCSI layer sees: min(OIO, guest queue depth)", async () => {
    const r = await runQuick(1, { durationMs: 500, traceMaxIos: 200, randomOutstandingIos: 16, guestQueueDepth: 4 });
    const m = r.metrics;
    expect(m["random.outstandingBinShare"]).toBeGreaterThan(0.97);
    expect(Math.abs(m["random.meanLatencyUs"] / m["random.littleLatencyUs"] - 1)).toBeLessThan(0.05);
    expect(r.reference.map((x) => x.what)).toContain(
      "random 8 KiB reads at 16 OIO (4 at the vSCSI layer: guest queue depth 4): share of outstanding IOs in the 4 bucket",
    );
  });
});
