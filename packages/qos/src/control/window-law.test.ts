import { isVmlabError } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { SharedLatencyFile } from "./shared-file.js";
import { checkWindowLaw, equilibriumWindow, nextWindow, type WindowLawParams } from "./window-law.js";

const parda: WindowLawParams = {
  latencyThresholdMs: 25,
  smoothingGamma: 0.8,
  beta: 1,
  windowMin: 1,
  windowMax: 64,
  maxGrowthFactor: Number.POSITIVE_INFINITY,
};

describe("PARDA window law", () => {
  it("follows w(t+1) = (1−γ)w + γ((L/lat)w + β)", () => {
    expect(nextWindow(parda, 20, 50)).toBeCloseTo(0.2 * 20 + 0.8 * (0.5 * 20 + 1), 12);
    expect(nextWindow(parda, 20, 25)).toBeCloseTo(20.8, 12);
  });

  it("shrinks above L, grows below L, and respects the bounds and the growth cap", () => {
    expect(nextWindow(parda, 32, 40)).toBeLessThan(32);
    expect(nextWindow(parda, 32, 10)).toBeGreaterThan(32);
    expect(nextWindow(parda, 60, 1)).toBe(64);
    expect(nextWindow({ ...parda, windowMin: 4 }, 4.5, 1000)).toBe(4);
    expect(nextWindow({ ...parda, maxGrowthFactor: 2 }, 4, 0.5)).toBe(8);
    // The cap is the configured factor, not a fixed 2: 1.5 allows 6; none (PARDA's law) lets the target 161.6 reach w_max.
    expect(nextWindow({ ...parda, maxGrowthFactor: 1.5 }, 4, 0.5)).toBe(6);
    expect(nextWindow(parda, 4, 0.5)).toBe(64);
  });

  it("against a saturated array (latency ∝ total window) converges to windows ∝ β and latency just above L", () => {
    // A closed system: latency = total outstanding / throughput, throughput fixed at 3300 IOPS.
    const betas = [1, 1, 2, 2];
    const w = [32, 32, 32, 32];
    let lat = 0;
    for (let t = 0; t < 200; t++) {
      lat = (w.reduce((a, b) => a + b, 0) / 3300) * 1000;
      for (let i = 0; i < w.length; i++) w[i] = nextWindow({ ...parda, beta: betas[i] }, w[i], lat);
    }
    expect(w[2] / w[0]).toBeCloseTo(2, 2);
    expect(w[3] / w[1]).toBeCloseTo(2, 2);
    // Σw = lat·X and w_i = β_i·lat/(lat − L) give lat = L + Σβ/X (X in IOs per ms).
    expect(lat).toBeCloseTo(25 + 6 / 3.3, 3);
    expect(w[0]).toBeCloseTo(equilibriumWindow({ ...parda, beta: 1 }, lat), 3);
  });

  it("refuses a NaN latency or window instead of doubling the window as for a period with no IO", () => {
    expect(() => nextWindow(parda, 20, Number.NaN)).toThrow(/latencyMs: the window law needs a latency/);
    expect(() => nextWindow(parda, Number.NaN, 20)).toThrow(expect.objectContaining({ code: "VMLAB_QOS_BAD_CONFIG" }));
    expect(nextWindow(parda, 20, 0)).toBe(40); // no IO: grow
  });

  it("equilibriumWindow refuses a NaN latency as nextWindow does, instead of returning a NaN window", () => {
    expect(() => equilibriumWindow(parda, Number.NaN)).toThrow(/^latencyMs: the window law's fixed point needs a latency, got NaN ms/);
    expect(equilibriumWindow(parda, 0)).toBe(64); // no IO: at or below L the window sits at w_max
    expect(equilibriumWindow(parda, 50)).toBe(2); // β·lat/(lat − L) = 50/25
  });

  it("rejects γ outside (0, 1] and L <= 0, naming the key", () => {
    for (const bad of [0, 1.5, -0.1]) {
      try {
        checkWindowLaw({ ...parda, smoothingGamma: bad }, "control.");
        expect.unreachable();
      } catch (e) {
        expect(isVmlabError(e) && e.code).toBe("VMLAB_QOS_BAD_CONFIG");
        expect(isVmlabError(e) && e.details.key).toBe("control.smoothingGamma");
      }
    }
    expect(() => checkWindowLaw({ ...parda, latencyThresholdMs: 0 })).toThrow(/latencyThresholdMs/);
    expect(() => checkWindowLaw({ ...parda, beta: -1 })).toThrow(/beta/);
    expect(() => checkWindowLaw(parda)).not.toThrow();
  });

  it("a period with no IO doubles the window, but never past w_max nor the growth cap", () => {
    expect(nextWindow(parda, 40, 0)).toBe(64); // 80 capped at w_max
    // SPEED'08-style flow control caps growth per period; a quiet period is no exception to that cap.
    expect(nextWindow({ ...parda, maxGrowthFactor: 1.5 }, 10, 0)).toBe(15);
  });

  it("the fixed point is clamped to [w_min, w_max] as the law's windows are", () => {
    // β·lat/(lat − L) = 2 lies below w_min = 4; just above L it is 2501, far above w_max = 64.
    expect(equilibriumWindow({ ...parda, windowMin: 4 }, 50)).toBe(4);
    expect(equilibriumWindow(parda, 25.01)).toBe(64);
  });

  it("refuses w_min < 1, w_max < w_min and a growth cap <= 1, naming the key", () => {
    expect(() => checkWindowLaw({ ...parda, windowMin: 0.5 }, "control.")).toThrow(/^control\.windowMin: must be >= 1, got 0\.5/);
    expect(() => checkWindowLaw({ ...parda, windowMin: 8, windowMax: 4 }, "control.")).toThrow(
      /^control\.windowMax: must be a finite number >= windowMin \(8\), got 4/,
    );
    // A factor of 1 would freeze the window below L: it could never grow.
    expect(() => checkWindowLaw({ ...parda, maxGrowthFactor: 1 })).toThrow(/^maxGrowthFactor: must be > 1/);
    expect(() => checkWindowLaw({ ...parda, windowMin: 1, windowMax: 1, maxGrowthFactor: 1.01 })).not.toThrow();
  });

  it("refuses a window cap that is not finite, naming windowMax (a run grew the window to Infinity and died on the queue depth)", () => {
    for (const bad of [Number.POSITIVE_INFINITY, Number.NaN])
      expect(() => checkWindowLaw({ ...parda, windowMax: bad }, "control.")).toThrow(/^control\.windowMax: must be a finite number/);
    expect(() => checkWindowLaw({ ...parda, windowMin: Number.POSITIVE_INFINITY, windowMax: Number.POSITIVE_INFINITY })).toThrow(
      /windowMax/,
    );
  });
});

describe("the shared file", () => {
  it("averages hosts' latencies weighted by their IO counts", () => {
    const f = new SharedLatencyFile(3);
    expect(f.average()).toBe(0);
    f.write(0, 10, 100);
    f.write(1, 40, 300);
    f.write(2, 1000, 0);
    expect(f.average()).toBe((10 * 100 + 40 * 300) / 400);
  });

  it("the shared file refuses an IO count that is not a whole number", () => {
    const f = new SharedLatencyFile(2);
    expect(() => f.write(1, 40e6, 2.5)).toThrow(/^ios: host 1's IO count must be an integer >= 0, got 2\.5/);
  });
});
