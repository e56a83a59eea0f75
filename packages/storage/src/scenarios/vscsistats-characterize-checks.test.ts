import type { ScenarioResult } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { runQuick } from "./run-quick.test-support.js";
import { vscsistatsCharacterize } from "./vscsistats-characterize.js";
import { VSCSI_TOLERANCES } from "./vscsistats-characterize-tolerances.js";

const workloadRows = (r: ScenarioResult) =>
  Object.fromEntries(r.tables.find((t) => t.name === "workloads")!.rows.map((x) => [x.workload, x]));
const referenceRow = (r: ScenarioResult, prefix: string) => r.reference.find((x) => x.what.startsWith(prefix))!;

describe("vscsistats-characterize labels each workload with what ran", () => {
  it("the trace replay's speed-up and the traceMaxIos cut are in the labels; the Iometer workloads say closed loop", async () => {
    // traceSpeed=2 was labelled "replayed as recorded", and a trace cut to its first 200 IOs "shipped generated VM trace".
    const r = await runQuick(vscsistatsCharacterize, { durationMs: 50, traceMaxIos: 200, traceSpeed: 2 });
    const rows = workloadRows(r);
    expect(rows["trace-replay"].label).toBe(
      "first 200 IOs of the shipped generated VM trace, replayed at 2× the recorded speed on the local storage model",
    );
    expect(rows["trace-file"].label).toBe(
      "first 200 IOs of the shipped generated VM trace, read from the file (latency and OIO as recorded)",
    );
    expect(rows["sequential-read"].label).toBe("sequential 64 KiB reads, closed loop at 1 outstanding");
    expect(rows["random-read"].label).toBe("random 8 KiB reads, closed loop at 16 outstanding");
    const asRecorded = await runQuick(vscsistatsCharacterize, { durationMs: 50, traceMaxIos: 200 });
    expect(workloadRows(asRecorded)["trace-replay"].label).toBe(
      "first 200 IOs of the shipped generated VM trace, replayed as recorded on the local storage model",
    );
    // The figures' titles are the labels.
    expect(r.figures.find((f) => f.name === "histograms-trace-replay")?.title).toBe(`vscsiStats histograms: ${rows["trace-replay"].label}`);
  });
});

describe("vscsistats-characterize's outstanding-IO check tells the depth apart from its neighbours", () => {
  it("gives the exact mean of the outstanding-IO histogram: 16 OIO counting the new IO, not 15 (both in the 16 bucket)", async () => {
    // The 16 bucket holds 13..16: an outstanding count that left out the IO being issued (15) passed the share check.
    for (const [overrides, depth] of [
      [{}, 16],
      [{ guestQueueDepth: 4 }, 4],
    ] as const) {
      const r = await runQuick(vscsistatsCharacterize, { durationMs: 500, traceMaxIos: 50, ...overrides });
      const mean = r.metrics["random.meanOutstandingIos"];
      // A closed loop's first IOs see 1, 2, …, depth outstanding, every later one depth (one fewer if the new IO were left out).
      const ios = workloadRows(r)["random-read"].ios as number;
      const expected = depth - (depth * (depth - 1)) / 2 / ios;
      expect(Math.abs(mean - expected), String(depth)).toBeLessThanOrEqual(VSCSI_TOLERANCES.meanOutstandingIos);
      const row = r.reference.find(
        (x) => x.what.startsWith("random 8 KiB reads at 16 OIO") && x.what.includes(": mean outstanding IOs at issue"),
      )!;
      expect(Math.abs((row.paper as number) - expected), String(depth)).toBeLessThanOrEqual(VSCSI_TOLERANCES.meanOutstandingIos);
      expect(r.metrics["random.expectedMeanOutstandingIos"], String(depth)).toBe(row.paper);
      expect(row.ours, String(depth)).toBe(mean);
    }
  });
});

describe("vscsistats-characterize's Poisson check", () => {
  it("states its sample count and the standard error of the mean it allows for", async () => {
    const r = await runQuick(vscsistatsCharacterize);
    const n = r.metrics["poisson.interarrivalSamples"];
    // One sample per IO but the first (no interarrival for it).
    expect(n).toBe((workloadRows(r)["poisson-read"].ios as number) - 1);
    const off = r.metrics["poisson.meanInterarrivalUs"] / r.metrics["poisson.expectedInterarrivalUs"] - 1;
    // The mean of n exponential gaps has a standard error of 1/√n of the mean.
    const se = 1 / Math.sqrt(n);
    expect(r.metrics["poisson.standardError"]).toBeCloseTo(se, 5);
    const pct = (x: number) => `${x < 0 ? "−" : "+"}${Math.abs(x * 100).toFixed(1)}%`;
    expect(referenceRow(r, "open-loop Poisson at 100 IOPS").note).toBe(
      `${n} samples: the standard error of their mean is 1/√${n} = ${(se * 100).toFixed(1)}%; ours is ${pct(off)}, ${(Math.abs(off) / se).toFixed(1)} standard errors`,
    );
  });

  it("says when the storage did not keep up and IOs waited in the guest, where vscsiStats does not see their arrival", async () => {
    // At 2,000 IOPS the local disk serves ~1,900: the guest queue fills, and the vSCSI layer sees IOs paced by
    // completions. The row read 500 vs 526 µs, as if the interarrival histogram were 5% off.
    const over = await runQuick(vscsistatsCharacterize, { poissonIops: 2000 });
    const waits = over.metrics["poisson.guestQueueWaits"];
    expect(waits).toBeGreaterThan(0);
    expect(workloadRows(over)["poisson-read"].guestQueueWaits).toBe(waits);
    expect(referenceRow(over, "open-loop Poisson at 2000 IOPS").note).toMatch(
      new RegExp(
        `^${waits} of the IOs waited in the guest for a slot of its queue \\(depth 32\\): the storage did not keep up with λ, so they reached the vSCSI layer as slots freed, not at their arrival; the check does not hold here\\. `,
      ),
    );
    const under = await runQuick(vscsistatsCharacterize);
    expect(under.metrics["poisson.guestQueueWaits"]).toBe(0);
    expect(referenceRow(under, "open-loop Poisson at 100 IOPS").note).not.toMatch(/waited in the guest/);
    // Closed loops at or below the guest queue's depth never wait; above it, every IO past the depth does.
    const rows = workloadRows(under);
    expect(rows["random-read"].guestQueueWaits).toBe(0);
    expect(rows["trace-file"].guestQueueWaits).toBeNull();
    const deep = await runQuick(vscsistatsCharacterize, { durationMs: 200, traceMaxIos: 50, guestQueueDepth: 4 });
    expect(workloadRows(deep)["random-read"].guestQueueWaits).toBeGreaterThan(0);
  });
});

describe("vscsistats-characterize's reference rows say whether each check is within its tolerance", () => {
  const T = VSCSI_TOLERANCES;

  it("a row outside its tolerance is a fail, with the tolerance it missed", async () => {
    // The rows gave our figure beside the expected one with no verdict: the tolerances lived only in the tests.
    // A 1 MiB test region holds 16 IOs of 64 KiB: Iometer wraps to its start every 16 IOs, 1 in 16 seeks not +1.
    const small = await runQuick(vscsistatsCharacterize, { durationMs: 300, traceMaxIos: 50, testFileMiB: 1 });
    const seek = referenceRow(small, "sequential 64 KiB reads: share of seek distances at +1");
    expect(seek.ours as number).toBeLessThan(T.seekPlus1MinShare);
    expect(seek.verdict).toBe("fail");
    expect(seek.tolerance).toBe(`at least ${T.seekPlus1MinShare * 100}%`);
    // 20 ms of 16 outstanding random reads: the first 15 IOs' ramp from 1 is a large share of the few IOs.
    const short = await runQuick(vscsistatsCharacterize, { durationMs: 20, traceMaxIos: 50 });
    const oio = referenceRow(short, "random 8 KiB reads at 16 OIO: share of outstanding IOs in the 16 bucket");
    expect(oio.ours as number).toBeLessThan(T.outstandingBinMinShare);
    expect(oio.verdict).toBe("fail");
    expect(oio.tolerance).toBe(`at least ${T.outstandingBinMinShare * 100}%`);
    // The same rows pass within their tolerance.
    const ok = await runQuick(vscsistatsCharacterize, { durationMs: 300, traceMaxIos: 50 });
    expect(referenceRow(ok, "sequential 64 KiB reads: share of seek distances at +1").verdict).toBe("pass");
    expect(referenceRow(ok, "random 8 KiB reads at 16 OIO: share of outstanding IOs").verdict).toBe("pass");
  });

  it("each row's verdict is its figure against the expected one within the tolerance the row states", async () => {
    const r = await runQuick(vscsistatsCharacterize);
    const m = r.metrics;
    const rows = r.reference;
    expect(rows.map((x) => x.tolerance)).toEqual([
      "at least 99%",
      "exactly 100%",
      "at least 97%",
      `±${T.meanOutstandingIos} IOs`,
      `±${T.littleLatency * 100}%`,
      `±${T.poissonStandardErrors} standard errors of the mean (±${(T.poissonStandardErrors * m["poisson.standardError"] * 100).toFixed(1)}%)`,
      undefined,
    ]);
    const within = (off: number, allowed: number) => (off <= allowed ? "pass" : "fail");
    expect(rows.map((x) => x.verdict)).toEqual([
      m["sequential.seekPlus1Share"] >= T.seekPlus1MinShare ? "pass" : "fail",
      m["sequential.ioLengthBinShare"] === T.ioLengthBinShare ? "pass" : "fail",
      m["random.outstandingBinShare"] >= T.outstandingBinMinShare ? "pass" : "fail",
      within(Math.abs(m["random.meanOutstandingIos"] - m["random.expectedMeanOutstandingIos"]), T.meanOutstandingIos),
      within(Math.abs(m["random.meanLatencyUs"] / m["random.littleLatencyUs"] - 1), T.littleLatency),
      within(
        Math.abs(m["poisson.meanInterarrivalUs"] / m["poisson.expectedInterarrivalUs"] - 1),
        T.poissonStandardErrors * m["poisson.standardError"],
      ),
      undefined,
    ]);
  });

  it("the Poisson check is n/a when IOs waited in the guest (it does not apply), and any check without a measurement is n/a", async () => {
    const over = await runQuick(vscsistatsCharacterize, { poissonIops: 2000, durationMs: 500, traceMaxIos: 50 });
    expect(over.metrics["poisson.guestQueueWaits"]).toBeGreaterThan(0);
    expect(referenceRow(over, "open-loop Poisson at 2000 IOPS").verdict).toBe("n/a");
    // Too short for a second IO: no interarrival, no latency to compare.
    const none = await runQuick(vscsistatsCharacterize, { durationMs: 0.001, traceMaxIos: 50 });
    expect(referenceRow(none, "open-loop Poisson at 100 IOPS")).toMatchObject({
      verdict: "n/a",
      tolerance: "±3 standard errors of the mean",
    });
    expect(referenceRow(none, "random 8 KiB reads at 16 OIO: mean latency").verdict).toBe("n/a");
  });
});
