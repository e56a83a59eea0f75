import { Rng } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { ArrayLatencyModel } from "./latency-model.js";
import { parseSyntheticVmTraceOptions } from "./options.js";

/** One disk, no jitter-free parts hidden: 1 ms track-to-track, 9 ms full stroke, 6 ms per revolution, 100 MB/s. */
const o = parseSyntheticVmTraceOptions({ spindles: 1, trackToTrackMs: 1, fullStrokeMs: 9, rpm: 10_000, mediaMBps: 100 });
const SECTORS = 1_000_000;

describe("ArrayLatencyModel (the synthetic trace's response times)", () => {
  it("a miss pays seek + rotation + transfer; one where the head stopped pays only the transfer", () => {
    const m = new ArrayLatencyModel(o, SECTORS);
    const rng = new Rng(1);
    const far = m.miss(rng, 0, SECTORS / 4, 8, 4096); // d = D/4: seek 1 + 8·√0.25 = 5 ms, rotation < 6 ms, transfer 41 µs
    expect(far).toBeGreaterThanOrEqual(5000 + 40.96);
    expect(far).toBeLessThan(5000 + 6000 + 41);
    const next = m.miss(rng, 1e6, SECTORS / 4 + 8, 8, 4096); // continues where the head stopped, disk idle again
    expect(next).toBeCloseTo(40.96, 6);
  });

  it("misses queue FIFO behind the disk's earlier work, including work the cache deferred", () => {
    const m = new ArrayLatencyModel(o, SECTORS);
    const rng = new Rng(2);
    const first = m.miss(rng, 0, 500_000, 8, 4096);
    const second = m.miss(rng, 0, 10, 8, 4096);
    expect(second).toBeGreaterThan(first + 1000); // waited for the first, then sought back
    const ack = m.cached(rng, 1e6, 900_000, 2048, 1 << 20, true); // a 1 MiB write: acknowledged from cache, destaged later
    expect(ack).toBeLessThan(150 * 4 + (1 << 20) / 800);
    const behind = m.miss(rng, 1e6, 900_000 + 2048, 8, 4096); // right after the destaged data, but behind a 10.5 ms transfer
    expect(behind).toBeGreaterThan((1 << 20) / 100);
  });
});
