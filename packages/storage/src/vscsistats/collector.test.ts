import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VSCSI_HISTOGRAMS } from "./bins.js";
import { type FirstIoPolicy, VscsiStats } from "./collector.js";
import { toJson } from "./format.js";

/** One IO of a generated stream: issued at `issueNs`, completing `latencyNs` later. */
interface GenIo {
  issueNs: number;
  lba: number;
  sectors: number;
  isRead: boolean;
  latencyNs: number;
}

/** Replays a stream through the collector: completions at or before an issue are retired first. */
function collect(ios: GenIo[], firstIo: FirstIoPolicy = "skip"): VscsiStats {
  const s = new VscsiStats({ firstIo });
  const pending: { at: number; latencyNs: number; isRead: boolean }[] = [];
  for (const io of ios) {
    pending.sort((a, b) => a.at - b.at);
    while (pending.length > 0 && pending[0].at <= io.issueNs) {
      const done = pending.shift()!;
      s.complete(done.latencyNs, done.isRead);
    }
    s.issue(io.issueNs, io.lba, io.sectors, io.sectors * 512, io.isRead);
    pending.push({ at: io.issueNs + io.latencyNs, latencyNs: io.latencyNs, isRead: io.isRead });
  }
  for (const p of pending) s.complete(p.latencyNs, p.isRead);
  return s;
}

/**
 * The straightforward reference: for every IO compute each sample from the
 * whole stream by definition (no incremental state), then count samples per
 * bucket with a linear scan over the limits.
 */
function reference(ios: GenIo[], firstIo: FirstIoPolicy): Map<string, number[]> {
  const samples = new Map<string, number[]>();
  const add = (metric: string, split: string, v: number) => {
    const key = `${metric}/${split}`;
    if (!samples.has(key)) samples.set(key, []);
    samples.get(key)!.push(v);
  };
  const lastLbn = (io: GenIo) => io.lba + io.sectors - 1;
  ios.forEach((io, i) => {
    const split = io.isRead ? "reads" : "writes";
    add("ioLength", "all", io.sectors * 512);
    add("ioLength", split, io.sectors * 512);
    const prev = ios.slice(0, i);
    const prevSame = prev.filter((p) => p.isRead === io.isRead);
    const zero = firstIo === "zero";
    if (prev.length > 0) add("seekDistance", "all", io.lba - lastLbn(prev[prev.length - 1]));
    else if (zero) add("seekDistance", "all", io.lba);
    if (prevSame.length > 0) add("seekDistance", split, io.lba - lastLbn(prevSame[prevSame.length - 1]));
    else if (zero) add("seekDistance", split, io.lba);
    const window = prev.slice(-16).map(lastLbn);
    // The zero state's IO (ended at LBN 0) is one IO before the first: among the previous 16 until 16 IOs have come.
    if (zero && window.length < 16) window.push(0);
    if (window.length > 0) {
      // Smallest |distance|; between +d and -d, +d.
      const distances = window.map((last) => io.lba - last).sort((a, b) => Math.abs(a) - Math.abs(b) || b - a);
      add("seekDistanceClosest16", "all", distances[0]);
    }
    // Outstanding at issue: earlier IOs whose completion is after this issue, plus this one.
    const open = prev.filter((p) => p.issueNs + p.latencyNs > io.issueNs);
    add("outstandingIOs", "all", open.length + 1);
    add("outstandingIOs", split, open.filter((p) => p.isRead === io.isRead).length + 1);
    add("latency", "all", Math.floor(io.latencyNs / 1000));
    add("latency", split, Math.floor(io.latencyNs / 1000));
    if (prev.length > 0) add("interarrival", "all", Math.floor((io.issueNs - prev[prev.length - 1].issueNs) / 1000));
    else if (zero) add("interarrival", "all", Math.floor(io.issueNs / 1000));
    if (prevSame.length > 0) add("interarrival", split, Math.floor((io.issueNs - prevSame[prevSame.length - 1].issueNs) / 1000));
    else if (zero) add("interarrival", split, Math.floor(io.issueNs / 1000));
  });
  const counts = new Map<string, number[]>();
  for (const spec of VSCSI_HISTOGRAMS) {
    const c = new Array(spec.limits.length + 1).fill(0);
    for (const v of samples.get(`${spec.metric}/${spec.split}`) ?? []) {
      let b = 0;
      while (b < spec.limits.length && v > spec.limits[b]) b++;
      c[b]++;
    }
    counts.set(`${spec.metric}/${spec.split}`, c);
  }
  return counts;
}

const ioStream = fc
  .array(
    fc.record({
      gapNs: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 200_000_000 })),
      lba: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 2_000_000_000 })),
      sequential: fc.boolean(),
      sectors: fc.constantFrom(1, 2, 7, 8, 16, 128, 129, 1024, 2048),
      isRead: fc.boolean(),
      latencyNs: fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 300_000_000 })),
    }),
    { maxLength: 60 },
  )
  .map((raw) => {
    let t = 0;
    const ios: GenIo[] = [];
    for (const r of raw) {
      t += r.gapNs;
      const prev = ios[ios.length - 1];
      const lba = r.sequential && prev ? prev.lba + prev.sectors : r.lba;
      ios.push({ issueNs: t, lba, sectors: r.sectors, isRead: r.isRead, latencyNs: r.latencyNs });
    }
    return ios;
  });

describe("VscsiStats", () => {
  for (const firstIo of ["skip", "zero"] as const) {
    it(`histograms of a generated IO stream equal a straightforward reference count (firstIo=${firstIo})`, () => {
      fc.assert(
        fc.property(ioStream, (ios) => {
          const json = toJson(collect(ios, firstIo));
          const ref = reference(ios, firstIo);
          for (const h of json.histograms) expect(h.counts, `${h.metric}/${h.split}`).toEqual(ref.get(`${h.metric}/${h.split}`));
        }),
        { numRuns: 300 },
      );
    });
  }

  it("sequential IO lands at +1, rewriting the same 4 KiB block at -7", () => {
    const s = new VscsiStats();
    s.issueUntracked(0, 100, 8, 4096, true);
    s.issueUntracked(1000, 108, 8, 4096, true); // sequential
    s.issueUntracked(2000, 108, 8, 4096, true); // same block again
    const seek = toJson(s).histograms.find((h) => h.metric === "seekDistance" && h.split === "all")!;
    expect(seek.count).toBe(2);
    expect([seek.min, seek.max]).toEqual([-7, 1]);
  });

  it("splits reads and writes as ESX does: each compared with the previous IO of its own type", () => {
    const s = new VscsiStats();
    s.issueUntracked(0, 0, 8, 4096, true); // R [0,7]
    s.issueUntracked(10_000, 1000, 8, 4096, false); // W [1000,1007]
    s.issueUntracked(30_000, 8, 8, 4096, true); // R continues at 8
    const j = toJson(s);
    const readSeek = j.histograms.find((h) => h.metric === "seekDistance" && h.split === "reads")!;
    const allSeek = j.histograms.find((h) => h.metric === "seekDistance" && h.split === "all")!;
    expect([readSeek.count, readSeek.min]).toEqual([1, 1]); // 8 - 7
    expect([allSeek.min, allSeek.max]).toEqual([-999, 993]); // 8 - 1007, 1000 - 7
    const readGap = j.histograms.find((h) => h.metric === "interarrival" && h.split === "reads")!;
    expect(readGap.max).toBe(30); // µs since the previous read, not since the write
    const closest = j.histograms.find((h) => h.metric === "seekDistanceClosest16")!;
    expect(closest.max).toBe(993);
    expect(closest.min).toBe(1); // closest of the previous two IOs to LBN 8 is the first read
  });

  it("the closest-of-16 distance looks back exactly 16 IOs, not fewer and not more", () => {
    const closestMin = (nearBack: number) => {
      const s = new VscsiStats();
      // An IO at [1000, 1007], then far-away IOs, so that it is `nearBack` IOs before the last one, at LBN 1008.
      s.issueUntracked(0, 1000, 8, 4096, true);
      for (let k = 1; k < nearBack; k++) s.issueUntracked(k, 1_000_000_000 + k * 1_000_000, 8, 4096, true);
      s.issueUntracked(nearBack, 1008, 8, 4096, true);
      return toJson(s).histograms.find((h) => h.metric === "seekDistanceClosest16")!.min;
    };
    expect(closestMin(16)).toBe(1); // 16 back: still among the previous 16, sequential to it
    expect(closestMin(17)).toBeLessThan(-900_000_000); // 17 back: out of the window; the nearest is a far IO
  });

  it("with firstIo zero, the zero state's IO (ended at LBN 0) stays among the previous 16 until 16 IOs have come", () => {
    // IO k (k = 1..17) far away, then an IO at LBN 8: its closest of the previous 16 is LBN 0 while that is among them.
    const closestOfLast = (before: number) => {
      const s = new VscsiStats({ firstIo: "zero" });
      for (let k = 1; k <= before; k++) s.issueUntracked(k, k * 1_000_000, 8, 4096, true);
      s.issueUntracked(before + 1, 8, 8, 4096, true);
      const closest = toJson(s).histograms.find((h) => h.metric === "seekDistanceClosest16")!;
      return closest.counts[closest.limits.indexOf(8)]; // 8 − 0 lands in the bucket (6, 8]
    };
    expect(closestOfLast(1)).toBe(1); // the zero IO is 2 back: 8 − 0 = +8, not 8 − 1000007
    expect(closestOfLast(15)).toBe(1); // 16 back: still among the previous 16
    expect(closestOfLast(16)).toBe(0); // 17 back: gone; the nearest is the IO at 1,000,000
  });

  it("counts the IO being issued in outstanding IOs (minimum 1) and per type", () => {
    const s = new VscsiStats();
    s.issue(0, 0, 1, 512, true);
    s.issue(0, 10, 1, 512, false);
    s.issue(0, 20, 1, 512, true);
    const j = toJson(s);
    const all = j.histograms.find((h) => h.metric === "outstandingIOs" && h.split === "all")!;
    const reads = j.histograms.find((h) => h.metric === "outstandingIOs" && h.split === "reads")!;
    expect([all.min, all.max]).toEqual([1, 3]);
    expect([reads.min, reads.max]).toEqual([1, 2]);
    s.complete(1500, true);
    expect(s.outstandingNow).toBe(2);
  });

  it("round-trips through save/restore and keeps counting identically", () => {
    fc.assert(
      fc.property(ioStream, fc.nat(), (ios, cut) => {
        const k = ios.length === 0 ? 0 : cut % (ios.length + 1);
        const a = new VscsiStats();
        const b = new VscsiStats();
        const feed = (s: VscsiStats, part: GenIo[]) => {
          for (const io of part) s.issueUntracked(io.issueNs, io.lba, io.sectors, io.sectors * 512, io.isRead);
        };
        feed(a, ios.slice(0, k));
        b.restore(JSON.parse(JSON.stringify(a.save())));
        expect(b.save()).toEqual(a.save());
        feed(a, ios.slice(k));
        feed(b, ios.slice(k));
        expect(toJson(b)).toEqual(toJson(a));
      }),
      { numRuns: 100 },
    );
  });

  it("refuses a firstIo policy it does not know instead of taking it for skip", () => {
    const misspelt = JSON.parse('{"firstIo": "zro"}');
    expect(() => new VscsiStats(misspelt)).toThrow(/firstIo must be "skip" or "zero", got "zro"/);
  });

  it("rejects a corrupt saved state", () => {
    const s = new VscsiStats();
    s.issueUntracked(0, 0, 8, 4096, true);
    const state = s.save();
    state.histograms[0].counts[0] += 1;
    expect(() => new VscsiStats().restore(state)).toThrow(/VMLAB_VSCSI_BAD_STATE|add up/);
    expect(() => new VscsiStats().restore({ version: 2 })).toThrow(expect.objectContaining({ code: "VMLAB_VSCSI_BAD_STATE" }));
  });

  it("a state saved with IOs in flight round-trips; one whose outstanding counts or a histogram's min and max disagree is refused, changing nothing", () => {
    fc.assert(
      fc.property(ioStream, fc.nat(), fc.constantFrom<FirstIoPolicy>("skip", "zero"), (ios, open, firstIo) => {
        const a = new VscsiStats({ firstIo });
        // Every IO issued; all but the last `open` completed.
        const left = ios.length === 0 ? 0 : open % (ios.length + 1);
        for (const io of ios) a.issue(io.issueNs, io.lba, io.sectors, io.sectors * 512, io.isRead);
        for (const io of ios.slice(0, ios.length - left)) a.complete(io.latencyNs, io.isRead);
        const state = JSON.parse(JSON.stringify(a.save()));
        const b = new VscsiStats({ firstIo });
        b.restore(structuredClone(state));
        expect(b.save()).toEqual(a.save());
        const fresh = new VscsiStats({ firstIo });
        const blank = fresh.save();
        const [all, reads, writes] = state.outstanding;
        const refused = (bad: unknown) =>
          expect(() => fresh.restore(bad)).toThrow(expect.objectContaining({ code: "VMLAB_VSCSI_BAD_STATE" }));
        refused({ ...state, outstanding: [all, reads + 1, writes] });
        for (const [i, h] of state.histograms.entries()) {
          const at = (x: object) => state.histograms.map((g: object, j: number) => (j === i ? { ...g, ...x } : g));
          if (h.count === 0) refused({ ...state, histograms: at({ max: 5 }) });
          else {
            refused({ ...state, histograms: at({ min: h.max + 1e9 }) });
            refused({ ...state, histograms: at({ max: h.min - 1e9 }) });
          }
        }
        expect(fresh.save()).toEqual(blank);
      }),
      { numRuns: 60 },
    );
  });

  it("reset() starts a new interval as ESX's vscsiStats -r does: what follows counts as in a fresh collector, IOs in flight stay outstanding", () => {
    for (const firstIo of ["skip", "zero"] as const) {
      const later = (s: VscsiStats) => {
        s.issueUntracked(9_000_000, 100, 8, 4096, true);
        s.issueUntracked(9_050_000, 108, 8, 4096, false);
        s.issueUntracked(9_100_000, 116, 8, 4096, true);
      };
      const s = new VscsiStats({ firstIo });
      s.issueUntracked(0, 5000, 8, 4096, true);
      s.issueUntracked(7_000_000, 90_000, 8, 4096, false);
      s.reset();
      expect(toJson(s).histograms.map((h) => h.count)).toEqual(new Array(16).fill(0));
      later(s);
      const fresh = new VscsiStats({ firstIo });
      later(fresh);
      // No seek distance, closest-of-16 or interarrival measured from an IO before the reset.
      expect(toJson(s), firstIo).toEqual(toJson(fresh));
    }
    const s = new VscsiStats();
    s.issue(0, 0, 8, 4096, true);
    s.reset();
    expect(s.outstandingNow).toBe(1);
    s.issue(1000, 8, 8, 4096, true);
    const reads = toJson(s).histograms.find((h) => h.metric === "outstandingIOs" && h.split === "reads")!;
    expect([reads.count, reads.max]).toEqual([1, 2]);
  });

  it("reset() clears the out-of-order count with the histograms: an IO out of issue order before it is not counted after", () => {
    const s = new VscsiStats();
    s.issueUntracked(7_000_000, 100, 8, 4096, true);
    s.issueUntracked(1_000_000, 200, 8, 4096, true); // earlier than the IO before it
    expect(s.outOfOrder).toBe(1);
    s.reset();
    expect(toJson(s)).toMatchObject({ ios: 0, outOfOrder: 0 });
  });

  it("the closest-of-16 distance finds the nearest IO wherever it is among the previous 16, however many IOs came before", () => {
    for (let before = 0; before < 40; before++) {
      for (let back = 1; back <= 16; back++) {
        const s = new VscsiStats();
        let k = 0;
        const far = () => s.issueUntracked(k, 1_000_000_000 + k++ * 1_000_000, 8, 4096, true);
        for (let i = 0; i < before; i++) far();
        s.issueUntracked(k++, 1000, 8, 4096, true); // [1000, 1007]
        for (let i = 1; i < back; i++) far();
        s.issueUntracked(k, 1008, 8, 4096, true); // sequential to the near IO, `back` IOs ago
        const closest = toJson(s).histograms.find((h) => h.metric === "seekDistanceClosest16")!;
        // Only the last IO is at +1 (bucket (0, 1]); every far IO is about +1e6 from the one before it.
        expect(closest.counts[closest.limits.indexOf(1)], `${before} before, ${back} back`).toBe(1);
      }
    }
  });
});
