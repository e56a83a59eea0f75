import { describe, expect, it } from "vitest";
import { VscsiStats } from "./collector.js";
import { toJson } from "./format.js";
import { parseEsxCsv } from "./parse-esx.js";

/** Issues one 8-sector read at each LBN, 1 ms apart from `t0Ns`, each completing after 100 µs. */
function feed(stats: VscsiStats, lbns: number[], t0Ns = 0): void {
  lbns.forEach((lbn, i) => {
    stats.issue(t0Ns + i * 1e6, lbn, 8, 4096, true);
    stats.complete(100_000, true);
  });
}

describe("VscsiStats save/restore", () => {
  it("saves the last 16 IOs' last LBNs oldest first once the ring has wrapped, and a restored collector goes on exactly as the original", () => {
    const lbns = Array.from({ length: 21 }, (_, i) => i * 1000);
    const a = new VscsiStats();
    feed(a, lbns);
    // IOs 5..20 are the previous 16; each ends 7 sectors after its first LBN.
    expect(a.save().recent).toEqual(lbns.slice(5).map((l) => l + 7));
    const b = new VscsiStats();
    b.restore(JSON.parse(JSON.stringify(a.save())));
    // Next: IOs near the oldest kept one (5000) and then near the one the ring drops next: the closest-of-16
    // distance depends on which entry leaves the window.
    const more = [5010, 6020, 4990];
    feed(a, more, 21e6);
    feed(b, more, 21e6);
    expect(toJson(b)).toEqual(toJson(a));
  });

  it("refuses a state saved with the other first-IO policy, naming both, changing nothing", () => {
    const zero = new VscsiStats({ firstIo: "zero" });
    feed(zero, [0, 100]);
    const skip = new VscsiStats();
    const before = skip.save();
    expect(() => skip.restore(zero.save())).toThrow(
      expect.objectContaining({
        code: "VMLAB_VSCSI_BAD_STATE",
        message: expect.stringMatching(/firstIo is "zero", this collector uses "skip"/),
      }),
    );
    expect(skip.save()).toEqual(before);
  });
});

// Found by mutation testing (Stryker over bins.ts and collector.ts, with the vscsistats tests): these refusals could be
// removed, or give another message, and no test failed.
describe("VscsiStats restore refuses a state that does not fit its histograms, changing nothing", () => {
  const saved = () => {
    const a = new VscsiStats();
    feed(a, [0, 1000, 2000]);
    return JSON.parse(JSON.stringify(a.save()));
  };
  it.each([
    ["a histogram too few", (s: { histograms: unknown[] }) => s.histograms.pop(), "expected 16 histograms"],
    [
      "a bucket too few",
      (s: { histograms: { counts: number[] }[] }) => s.histograms[0].counts.pop(),
      "histogram 0 has 17 buckets, expected 18",
    ],
    [
      "a min above its max",
      (s: { histograms: { min: number; max: number }[] }) => {
        s.histograms[0].min = 4096;
        s.histograms[0].max = 4095;
      },
      "histogram 0: min 4096 and max 4095 do not match its 3 values in buckets 4 to 4",
    ],
    [
      "an empty histogram with a max",
      (s: { histograms: { count: number; max: number; counts: number[] }[] }) => {
        const h = s.histograms.find((x) => x.count === 0) as { max: number };
        h.max = 5;
      },
      "do not match its 0 values in buckets -1 to -1",
    ],
    [
      "an empty histogram with a min",
      (s: { histograms: { count: number; min: number }[] }) => {
        const h = s.histograms.find((x) => x.count === 0) as { min: number };
        h.min = 5;
      },
      "do not match its 0 values in buckets -1 to -1",
    ],
    ["not a state", (s: Record<string, unknown>) => delete s.histograms, "saved vscsiStats state is invalid (Invalid input"],
  ])("%s", (_what, corrupt, message) => {
    const state = saved();
    (corrupt as (s: unknown) => void)(state);
    const b = new VscsiStats();
    const before = b.save();
    expect(() => b.restore(state)).toThrow(
      expect.objectContaining({ code: "VMLAB_VSCSI_BAD_STATE", message: expect.stringContaining(message) }),
    );
    expect(b.save()).toEqual(before);
  });

  it("an option it does not know, or a first-IO policy other than skip or zero, is refused naming vscsiStats", () => {
    expect(() => new VscsiStats({ firstIO: "zero" } as never)).toThrow(/^vscsiStats: /);
    expect(() => new VscsiStats({ firstIo: "first" } as never)).toThrow('vscsiStats: firstIo must be "skip" or "zero", got "first"');
  });
});

describe("parseEsxCsv", () => {
  it("refuses a bucket row with a third field, naming its line (a printout is `<count>,<limit>` rows)", () => {
    const text = [
      "Histogram: IO lengths of commands",
      "min,512",
      "max,512",
      "mean,512",
      "count,1",
      "Frequency,Histogram Bucket Limit",
      "1,512,7",
    ].join("\n");
    expect(() => parseEsxCsv(text, "p.csv")).toThrow(
      expect.objectContaining({
        code: "VMLAB_TRACE_MALFORMED_LINE",
        message: expect.stringMatching(/^p\.csv:7: expected two comma-separated fields/),
      }),
    );
  });

  it("refuses IOs in flight that are not its reads plus its writes, naming the counts in agreement with their nouns", () => {
    const state = new VscsiStats().save();
    const bad = JSON.parse(JSON.stringify({ ...state, outstanding: [1, 0, 0] }));
    expect(() => new VscsiStats().restore(bad)).toThrow(/1 IO outstanding, but 0 reads and 0 writes/);
  });
});
