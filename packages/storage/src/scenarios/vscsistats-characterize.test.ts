import type { ScenarioResult } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { openTraceFile } from "../trace/open-file.js";
import { newTraceRecord } from "../trace/record.js";
import { shippedTracePath } from "../trace/shipped.js";
import { runQuick } from "./run-quick.test-support.js";
import { vscsistatsCharacterize } from "./vscsistats-characterize.js";
import { VscsiCharacterizeConfig } from "./vscsistats-characterize-config.js";
import { VSCSI_TOLERANCES } from "./vscsistats-characterize-tolerances.js";

describe("vscsistats-characterize", () => {
  it("passes the digest's acceptance checks on the Iometer workloads", async () => {
    const r = await runQuick(vscsistatsCharacterize);
    const m = r.metrics;
    const T = VSCSI_TOLERANCES;
    // Sequential 64 KiB: seek mass at +1, IO-length mass in the 65536 bucket.
    expect(m["sequential.seekPlus1Share"]).toBeGreaterThanOrEqual(T.seekPlus1MinShare);
    expect(m["sequential.ioLengthBinShare"]).toBe(T.ioLengthBinShare);
    // Random 8 KiB at 16 OIO: outstanding-IO mass in the 16 bucket; Little's law.
    expect(m["random.outstandingBinShare"]).toBeGreaterThanOrEqual(T.outstandingBinMinShare);
    expect(Math.abs(m["random.meanLatencyUs"] / m["random.littleLatencyUs"] - 1)).toBeLessThanOrEqual(T.littleLatency);
    // Poisson arrivals at λ: mean interarrival ≈ 1/λ (1.5 s at 100 IOPS: ~150 samples, ±3 standard errors ≈ 25%).
    const poissonOff = Math.abs(m["poisson.meanInterarrivalUs"] / m["poisson.expectedInterarrivalUs"] - 1);
    expect(poissonOff).toBeLessThanOrEqual(T.poissonStandardErrors * m["poisson.standardError"]);
    expect(T.poissonStandardErrors * m["poisson.standardError"]).toBeLessThan(0.25);
    // Every check passes, and says so in its row; the trace's row has nothing to pass.
    expect(r.reference.map((x) => x.verdict)).toEqual(["pass", "pass", "pass", "pass", "pass", "pass", undefined]);
    // The digest states the shares; the mean OIO, Little's law's OIO / IOPS and 1/λ are computed from this run and
    // its config, and the report must not pass them off as the paper's. The shares are shares on both sides (1, not 100%).
    expect(r.reference.map((x) => [x.paperComputed ?? false, x.unit])).toEqual([
      [false, "share"],
      [false, "share"],
      [false, "share"],
      [true, "IOs"],
      [true, "µs"],
      [true, "µs"],
      [false, "IOs"],
    ]);
    expect(r.reference.slice(0, 3).map((x) => [x.paper, x.ours])).toEqual([
      ["≈ 1", m["sequential.seekPlus1Share"]],
      [1, 1],
      ["≈ 1", m["random.outstandingBinShare"]],
    ]);
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
      const err = await runQuick(vscsistatsCharacterize, { storage, testFileMiB: limitMiB + 1 }).then(
        () => undefined,
        (e: unknown) => e as { code?: string; message?: string },
      );
      expect(err?.code, storage).toBe("VMLAB_SCENARIO_BAD_CONFIG");
      expect(err?.message, storage).toBe(
        `invalid config for vscsistats-characterize: testFileMiB: must fit the VM's disk on the ${storage === "local" ? "local disk" : "array LUN"} (${limitMiB} MiB), got ${limitMiB + 1} (see \`vmlab describe vscsistats-characterize\`)`,
      );
      // The whole disk is a valid test region.
      const whole = VscsiCharacterizeConfig.parse({ ...vscsistatsCharacterize.quick, storage, testFileMiB: limitMiB });
      expect(() => vscsistatsCharacterize.check?.({ config: whole, seed: 1, quick: true }), storage).not.toThrow();
    }
  });

  it("is deterministic: same seed, identical JSON; another seed differs", async () => {
    const a = JSON.stringify(await runQuick(vscsistatsCharacterize, { durationMs: 500, traceMaxIos: 500 }, 7));
    const b = JSON.stringify(await runQuick(vscsistatsCharacterize, { durationMs: 500, traceMaxIos: 500 }, 7));
    expect(a).toBe(b);
    const c = JSON.stringify(await runQuick(vscsistatsCharacterize, { durationMs: 500, traceMaxIos: 500 }, 8));
    expect(c).not.toBe(a);
  });
});

describe("vscsistats-characterize checks for sizes and depths that are not bucket limits", () => {
  it("measures the share in the bucket that holds the configured value (3 KiB: the 4095 bucket; 3 OIO: the 4 bucket)", async () => {
    const r = await runQuick(vscsistatsCharacterize, { durationMs: 300, traceMaxIos: 200, sequentialIoKiB: 3, randomOutstandingIos: 3 });
    expect(r.metrics["sequential.ioLengthBinShare"]).toBe(1);
    expect(r.metrics["random.outstandingBinShare"]).toBeGreaterThanOrEqual(VSCSI_TOLERANCES.outstandingBinMinShare);
    const rows = r.reference.map((x) => [x.what, x.ours]);
    expect(rows).toContainEqual(["sequential 3 KiB reads: share of IO lengths in the bucket holding 3072 (≤ 4095)", 1]);
    expect(rows.find(([what]) => /at 3 OIO: share of outstanding IOs in the bucket holding 3 \(≤ 4\)/.test(String(what)))).toBeDefined();
  });

  it("puts an IO size beyond the last limit in the overflow bucket", async () => {
    const r = await runQuick(vscsistatsCharacterize, { durationMs: 300, traceMaxIos: 200, sequentialIoKiB: 1024 });
    expect(r.metrics["sequential.ioLengthBinShare"]).toBe(1);
    expect(r.reference.map((x) => x.what)).toContain(
      "sequential 1024 KiB reads: share of IO lengths in the bucket holding 1048576 (overflow, > 524288)",
    );
  });
});

describe("vscsistats-characterize with a guest queue shallower than the random workload's OIO", () => {
  it("checks outstanding IOs and Little's law against what the vSCSI layer sees: min(OIO, guest queue depth)", async () => {
    const r = await runQuick(vscsistatsCharacterize, { durationMs: 500, traceMaxIos: 200, randomOutstandingIos: 16, guestQueueDepth: 4 });
    const m = r.metrics;
    expect(m["random.outstandingBinShare"]).toBeGreaterThanOrEqual(VSCSI_TOLERANCES.outstandingBinMinShare);
    expect(Math.abs(m["random.meanLatencyUs"] / m["random.littleLatencyUs"] - 1)).toBeLessThanOrEqual(VSCSI_TOLERANCES.littleLatency);
    expect(r.reference.map((x) => x.what)).toContain(
      "random 8 KiB reads at 16 OIO (4 at the vSCSI layer: guest queue depth 4): share of outstanding IOs in the 4 bucket",
    );
  });

  it("counts only the IOs issued at the vSCSI layer within the window: those the guest still queues at its end are not", async () => {
    // 64 outstanding over a guest queue of 32: at the window's end 32 IOs wait in the guest. The drain let them go to the
    // vSCSI layer after the window, and every histogram counted them (0.29 s of issues after a 1.5 s window at 1 MiB).
    const r = await runQuick(vscsistatsCharacterize, { durationMs: 1500, traceMaxIos: 100, randomIoKiB: 1024, randomOutstandingIos: 64 });
    const rnd = r.tables.find((t) => t.name === "workloads")!.rows.find((x) => x.workload === "random-read")!;
    const [ios, seconds, iops] = [rnd.ios as number, rnd.virtualSeconds as number, rnd.iops as number];
    // Issued in the window: completed in it, and the 32 at the vSCSI layer at its end (they complete after, counted).
    expect(ios).toBe(Math.round(iops * seconds) + 32);
    // Every interarrival sample falls within the window: from the first IO's issue to the last one's.
    expect((rnd.meanInterarrivalUs as number) * (ios - 1)).toBeLessThanOrEqual(seconds * 1e6);
  });
});

describe("vscsistats-characterize's tables and reference rows say what was measured (docs/vscsistats.md)", () => {
  const TRACE_IOS = 400;
  const result = runQuick(vscsistatsCharacterize, { durationMs: 400, traceMaxIos: TRACE_IOS });

  it("the shipped trace's read and sequential (+1) shares and mean latency are those of its first traceMaxIos records, as read from the file", async () => {
    const r = await result;
    const reader = openTraceFile(shippedTracePath(), { format: "vscsi" });
    const rec = newTraceRecord();
    let ios = 0;
    let reads = 0;
    let plus1 = 0;
    let lastLbn = Number.NaN;
    let latencyUs = 0; // whole µs per IO, as vscsiStats records it
    // Seek distance: this IO's first LBN - the previous IO's last LBN; sequential is +1 (the first IO has no sample).
    while (ios < TRACE_IOS && reader.next(rec)) {
      ios++;
      if (rec.isRead) reads++;
      latencyUs += Math.floor(rec.responseNs / 1000);
      if (rec.lba - lastLbn === 1) plus1++;
      lastLbn = rec.lba + rec.sectors - 1;
    }
    expect(r.metrics["trace.ios"]).toBe(TRACE_IOS);
    expect(r.metrics["trace.readShare"]).toBeCloseTo(reads / ios, 5);
    expect(r.metrics["trace.sequentialShare"]).toBeCloseTo(plus1 / (ios - 1), 5);
    expect(r.metrics["trace.recordedMeanLatencyUs"]).toBeCloseTo(latencyUs / ios, 0);
  });

  it("the workloads table: IOPS, mean latency and interarrival per workload, in µs, as the reference rows and metrics", async () => {
    const r = await result;
    const rows = Object.fromEntries(r.tables.find((t) => t.name === "workloads")!.rows.map((x) => [x.workload, x]));
    const rnd = rows["random-read"];
    expect(rnd.iops).toBe(r.metrics["random.iops"]);
    // Completions per second of the run: every IO issued but the 16 still in flight at the end (they complete after).
    expect(rnd.iops as number).toBeCloseTo(((rnd.ios as number) - 16) / (rnd.virtualSeconds as number), 0);
    expect(rnd.meanLatencyUs).toBe(r.metrics["random.meanLatencyUs"]);
    expect(rows["poisson-read"].meanInterarrivalUs).toBe(r.metrics["poisson.meanInterarrivalUs"]);
    expect(rows["trace-replay"].iops).toBe(r.metrics["trace.replay.iops"]);
    // The outstanding-IO check is the random workload's share in its OIO's bucket: below 1, as its first IOs ramp up from 1.
    const histogramRows = r.tables.find((t) => t.name === "histograms")!.rows;
    const oio16 = histogramRows.find(
      (x) => x.workload === "random-read" && (x.histogram as string).startsWith("outstandingIOs ") && x.split === "all" && x.limit === "16",
    );
    expect(r.metrics["random.outstandingBinShare"]).toBe(oio16?.fraction);
    expect(r.metrics["random.outstandingBinShare"]).toBeLessThan(1);
    expect(r.metrics["trace.replay.iops"]).toBeGreaterThan(0);
    expect(rows["trace-file"].meanLatencyUs).toBe(r.metrics["trace.recordedMeanLatencyUs"]);
    // Every IO issued has its latency sample: those in flight at the end of the run complete before the histograms are read.
    for (const w of ["sequential-read", "random-read", "poisson-read", "trace-file", "trace-replay"]) {
      const lat = histogramRows.filter((x) => x.workload === w && (x.histogram as string).startsWith("latency ") && x.split === "all");
      expect(lat.length, w).toBeGreaterThan(0);
      expect(
        lat.reduce((s, x) => s + (x.count as number), 0),
        w,
      ).toBe(rows[w].ios);
    }
    // Little's law: the expected latency is OIO / IOPS; Poisson's expected interarrival is 1/λ (100 IOPS: 10,000 µs).
    const ref = (prefix: string) => r.reference.find((x) => x.what.startsWith(prefix))!;
    const little = ref("random 8 KiB reads at 16 OIO: mean latency vs Little's law");
    expect(little.paper).toBeCloseTo((16 / (rnd.iops as number)) * 1e6, 0);
    expect(little.ours).toBe(rnd.meanLatencyUs);
    const poisson = ref("open-loop Poisson at 100 IOPS");
    expect(poisson.paper).toBe(10_000);
    expect(poisson.ours).toBe(rows["poisson-read"].meanInterarrivalUs);
  });

  it("the histograms table: one row per ESX bucket in ESX's order, the overflow bucket named '>last limit', no fraction without samples", async () => {
    const r = await result;
    const rows = r.tables.find((t) => t.name === "histograms")!.rows.filter((x) => x.workload === "sequential-read");
    // The facets of the figures are sorted by `order`: ESX's print order of the 16 histograms.
    const order = [...new Map(rows.map((x) => [`${x.histogram}/${x.split}`, x.order])).values()];
    expect(order).toEqual([...Array(16).keys()]);
    const ioLength = rows.filter((x) => x.order === 0);
    expect(ioLength.map((x) => x.limit)).toEqual([
      ...["512", "1024", "2048", "4095", "4096", "8191", "8192", "16383", "16384", "32768", "49152", "65535", "65536"],
      ...["81920", "131072", "262144", "524288", ">524288"],
    ]);
    expect(ioLength.map((x) => x.bucket)).toEqual([...Array(18).keys()]);
    expect(ioLength.find((x) => x.limit === "65536")?.fraction).toBe(1);
    // A read-only workload's write histograms have no samples: no share of IOs, not a share of 0.
    const writes = rows.filter((x) => x.split === "writes");
    expect(writes.length).toBeGreaterThan(0);
    for (const x of writes) {
      expect(x.count).toBe(0);
      expect(x.fraction).toBeNull();
    }
  });

  it("a run too short for a workload's second IO leaves out the metrics it could not measure (results.json has no NaN)", async () => {
    const r = await runQuick(vscsistatsCharacterize, { durationMs: 0.001, traceMaxIos: 50 });
    for (const [k, v] of Object.entries(r.metrics)) expect(Number.isFinite(v), k).toBe(true);
    expect(r.metrics["poisson.meanInterarrivalUs"]).toBeUndefined();
  });
});

describe("vscsistats-characterize applies every workload and trace knob", () => {
  /** Share of `workload`'s all-IOs `metric` histogram in the bucket with limit `limit`, from the histograms table. */
  const share = (r: ScenarioResult, workload: string, metric: string, limits: string[]) =>
    r.tables
      .find((t) => t.name === "histograms")!
      .rows.filter((x) => x.workload === workload && (x.histogram as string).startsWith(`${metric} `) && x.split === "all")
      .filter((x) => limits.includes(x.limit as string))
      .reduce((s, x) => s + (x.fraction as number), 0);

  it("IO sizes, outstanding IOs, the test region and Poisson (not fixed) arrivals", async () => {
    const r = await runQuick(vscsistatsCharacterize, {
      durationMs: 1000,
      traceMaxIos: 50,
      sequentialOutstandingIos: 4,
      poissonIoKiB: 16,
      poissonIops: 200,
    });
    expect(share(r, "poisson-read", "ioLength", ["16384"])).toBe(1);
    expect(share(r, "sequential-read", "outstandingIOs", ["4"])).toBeGreaterThan(0.99);
    // Exponential gaps with mean 5,000 µs: about 63% ≤ 5,000 µs and 14% > 10,000 µs; fixed arrivals would put all in one bucket.
    expect(share(r, "poisson-read", "interarrival", ["1", "10", "100", "500", "1000", "5000"])).toBeGreaterThan(0.5);
    expect(share(r, "poisson-read", "interarrival", ["15000", "30000", "50000", "100000", ">100000"])).toBeGreaterThan(0.05);
    // Random reads over the 1 GiB test region (2,097,152 sectors): uniform LBNs are more than 500,000 apart 58% of the time.
    const far = ["-500000", ">500000"];
    expect(share(r, "random-read", "seekDistance", far)).toBeGreaterThan(0.4);
    const small = await runQuick(vscsistatsCharacterize, { durationMs: 300, traceMaxIos: 50, testFileMiB: 128 });
    expect(share(small, "random-read", "seekDistance", far)).toBe(0);
  });

  it("the trace replay: traceMaxIos, traceSpeed, and traceDepth in a closed loop", async () => {
    const ios = 300;
    const reader = openTraceFile(shippedTracePath(), { format: "vscsi" });
    const rec = newTraceRecord();
    let first = Number.NaN;
    let last = 0;
    for (let n = 0; n < ios && reader.next(rec); n++) {
      if (n === 0) first = rec.issueNs;
      last = rec.issueNs;
    }
    const spanS = (last - first) / 1e9;
    const seconds = (r: ScenarioResult) =>
      r.tables.find((t) => t.name === "workloads")!.rows.find((x) => x.workload === "trace-replay")!.virtualSeconds as number;
    const timed = await runQuick(vscsistatsCharacterize, { durationMs: 50, traceMaxIos: ios });
    expect(timed.tables.find((t) => t.name === "workloads")!.rows.find((x) => x.workload === "trace-replay")!.ios).toBe(ios);
    // As recorded: the replay lasts from the first IO's issue to the last IO's completion.
    expect(seconds(timed)).toBeGreaterThan(spanS);
    expect(seconds(timed)).toBeLessThan(spanS + 0.2);
    const fast = await runQuick(vscsistatsCharacterize, { durationMs: 50, traceMaxIos: ios, traceSpeed: 2 });
    expect(seconds(fast)).toBeGreaterThan(spanS / 2);
    expect(seconds(fast)).toBeLessThan(spanS / 2 + 0.2);
    const closed = await runQuick(vscsistatsCharacterize, { durationMs: 50, traceMaxIos: ios, traceReplay: "closed", traceDepth: 2 });
    expect(share(closed, "trace-replay", "outstandingIOs", ["2"])).toBeGreaterThan(0.95);
  });

  it("refuses a traceSpeed so slow the timed replay would leave the kernel's 2^53 ns, naming it; the slowest allowed fits", () => {
    // traceSpeed=0.00001 ran the Iometer workloads and then failed inside the kernel ("event delay ... 2^53 ns"),
    // naming no key: the shipped trace's ~6 minutes, slowed 10^5 times, are about 14 months of virtual time.
    const reader = openTraceFile(shippedTracePath(), { format: "vscsi" });
    const rec = newTraceRecord();
    let first = Number.NaN;
    let last = 0;
    while (reader.next(rec)) {
      if (Number.isNaN(first)) first = rec.issueNs;
      last = Math.max(last, rec.issueNs);
    }
    const issues = (traceSpeed: number) =>
      VscsiCharacterizeConfig.safeParse({ traceSpeed }).error?.issues.map((i) => `${i.path}: ${i.message}`);
    expect(issues(0.00001)).toEqual(["traceSpeed: Too small: expected number to be >=0.001"]);
    expect(issues(0.001)).toBeUndefined();
    // The slowest allowed replay spans under a tenth of the kernel's range (the last IO's latency is seconds at most).
    expect((last - first) / 0.001).toBeLessThan(2 ** 53 / 10);
  });
});

describe("vscsistats-characterize's Poisson rate", () => {
  it("refuses a rate whose interarrival gaps the kernel cannot schedule in the config, naming poissonIops; the slowest allowed runs", async () => {
    // poissonIops=1e-300 passed --dry-run, then the run failed in the kernel ("event delay … got Infinity"), naming no key.
    const issues = (poissonIops: number) =>
      VscsiCharacterizeConfig.safeParse({ poissonIops }).error?.issues.map((i) => `${i.path}: ${i.message}`);
    expect(issues(1e-300)).toEqual(["poissonIops: Too small: expected number to be >=0.001"]);
    expect(issues(1e-7)).toEqual(["poissonIops: Too small: expected number to be >=0.001"]);
    expect(issues(0.001)).toBeUndefined();
    // The longest gap an exponential draw gives (1 - random() is at least 2^-53) stays far inside the kernel's 2^53 ns.
    expect((1e9 / 0.001) * -Math.log(2 ** -53)).toBeLessThan(2 ** 53 / 100);
    const r = await runQuick(vscsistatsCharacterize, { poissonIops: 0.001, durationMs: 100, traceMaxIos: 20 });
    expect(r.metrics["poisson.expectedInterarrivalUs"]).toBe(1e9);
  });
});

describe("vscsistats-characterize's figures", () => {
  it("each workload's figure draws all 16 of that workload's histograms (Read and Write too), one bar per bucket in ESX's bucket order", async () => {
    const r = await runQuick(vscsistatsCharacterize, { durationMs: 300, traceMaxIos: 50 });
    const rows = r.tables.find((t) => t.name === "histograms")!.rows;
    for (const f of r.figures) {
      // A panel per histogram: together they draw every row of the workload's all-IOs histograms, each once.
      type Panel = { transform: { filter: string }[]; encoding: { x: { field: string; sort: { field: string } } } };
      const panels = (f.spec as { concat: Panel[] }).concat;
      const workload = f.name.replace(/^histograms-/, "");
      const drawn = panels.flatMap((p) => {
        const keep = new Function("datum", `return ${p.transform[0].filter};`) as (d: unknown) => boolean;
        expect(p.encoding.x, f.name).toMatchObject({ field: "limit", sort: { field: "bucket" } });
        return rows.filter((x) => keep(x));
      });
      // The Read and Write histograms were only in histograms.csv: the panels drew the all-IOs rows alone.
      expect(drawn, f.name).toEqual(rows.filter((x) => x.workload === workload));
    }
    expect(r.figures.map((f) => f.name)).toEqual([
      "histograms-sequential-read",
      "histograms-random-read",
      "histograms-poisson-read",
      "histograms-trace-file",
      "histograms-trace-replay",
    ]);
  });
});

describe("vscsistats-characterize's figures draw reads and writes beside all IOs", () => {
  type Panel = {
    transform: { filter: string }[];
    encoding: { color?: { field: string; scale: { domain: string[] } }; xOffset?: { field: string; scale: { domain: string[] } } };
  };
  it("each histogram ESX splits has three series keyed by split; the trace's Read and Write series hold its reads and its writes", async () => {
    const TRACE_IOS = 400;
    const r = await runQuick(vscsistatsCharacterize, { durationMs: 100, traceMaxIos: TRACE_IOS });
    const rows = r.tables.find((t) => t.name === "histograms")!.rows;
    // The trace's first IOs, counted from the file: reads and writes differ, so a swapped or missing series shows.
    const reader = openTraceFile(shippedTracePath(), { format: "vscsi" });
    const rec = newTraceRecord();
    let reads = 0;
    for (let n = 0; n < TRACE_IOS && reader.next(rec); n++) if (rec.isRead) reads++;
    const writes = TRACE_IOS - reads;
    expect(reads).not.toBe(writes);
    expect(writes).toBeGreaterThan(0);
    const figure = r.figures.find((f) => f.name === "histograms-trace-file")!;
    const panels = (figure.spec as { concat: Panel[] }).concat;
    const drawn = (p: Panel) => {
      const keep = new Function("datum", `return ${p.transform[0].filter};`) as (d: unknown) => boolean;
      return rows.filter((x) => keep(x));
    };
    const splits = panels.map((p) => [...new Set(drawn(p).map((x) => x.split))]);
    // ESX splits every histogram but the closest-of-16 seek distance into Read and Write.
    expect(splits).toEqual([
      ["all", "reads", "writes"],
      ["all", "reads", "writes"],
      ["all"],
      ["all", "reads", "writes"],
      ["all", "reads", "writes"],
      ["all", "reads", "writes"],
    ]);
    for (const [i, p] of panels.entries()) {
      if (splits[i].length === 1) continue;
      // The series are told apart by colour and placed side by side within a bucket, in the order all, reads, writes.
      expect(p.encoding.color, String(i)).toMatchObject({ field: "split", scale: { domain: ["all", "reads", "writes"] } });
      expect(p.encoding.xOffset, String(i)).toMatchObject({ field: "split", scale: { domain: ["all", "reads", "writes"] } });
    }
    // Every IO has an IO-length sample: the panel's Read series counts the trace's reads, its Write series its writes.
    const count = (split: string) =>
      drawn(panels[0])
        .filter((x) => x.split === split)
        .reduce((s, x) => s + (x.count as number), 0);
    expect([count("all"), count("reads"), count("writes")]).toEqual([TRACE_IOS, reads, writes]);
  });
});
