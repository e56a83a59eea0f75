import { describe, expect, it } from "vitest";
import { DEFAULT_VIC } from "./coalescer.js";
import { runVicGuest, type VicGuestSpec } from "./guest-run.js";

const spec = (over: Partial<VicGuestSpec>): VicGuestSpec => ({
  oio: 1,
  ios: 100,
  appWords: 0,
  isrSpin: 0,
  deviceBaseUs: 20,
  deviceJitterUs: 0,
  coalescing: false,
  vic: DEFAULT_VIC,
  seed: 1,
  ...over,
});

/**
 * vicbench reads mtime and minstret as 32-bit words: its elapsed ticks (100 ns) wrap after 429.5 s of virtual
 * time and its instruction count after 2^32. vic-guest's --quick run with deviceBaseUs=100000 and
 * deviceJitterUs=100000 at OIO 1 (800 s) reported 11 IOPS for a device that serves 5 a second.
 */
describe("vicbench's 32-bit counters, unwrapped by the machine's own", () => {
  it("a run longer than 2^32 mtime ticks reports its whole elapsed time", () => {
    // OIO 1, a fixed 150 ms per IO: 3,000 IOs take 450 s of virtual time and a few ms of guest instructions.
    const r = runVicGuest(spec({ ios: 3000, deviceBaseUs: 150_000 }));
    expect(r.elapsedNs).toBeGreaterThanOrEqual(3000 * 150e6);
    expect(r.elapsedNs).toBeLessThan(3000 * 150e6 + 1e9);
    expect(r.iops).toBeCloseTo(1 / 0.15, 1);
  });

  it("a run retiring more than 2^32 instructions reports them all", () => {
    // 2,200 interrupts each spinning 10^6 handler loops (≈ 2 instructions each): about 4.4·10^9 instructions.
    const r = runVicGuest(spec({ ios: 2200, isrSpin: 1_000_000 }));
    expect(r.instructionsPerIo).toBeGreaterThan(2_000_000);
    expect(r.instructionsPerIo).toBeLessThan(2_100_000);
  }, 120_000);
});
