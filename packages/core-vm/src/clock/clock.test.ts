import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Machine } from "../board/machine.js";
import { Simulation } from "../sim/simulation.js";
import { runMachine } from "../snapshot/run.js";
import { encodeSnapshot, restoreSnapshot } from "../snapshot/snapshot.js";
import { VirtualClock } from "./clock.js";
import { hostSleepNs, hostTimeNs, LiveClock } from "./live-clock.js";
import { runWithClock } from "./run.js";

const guest = (name: string) => new Uint8Array(readFileSync(new URL(`../../../../guest/bin/${name}.elf`, import.meta.url)));

/** A scripted host clock: `now()` reads it, `sleep(ns)` advances it (and records the sleep). */
function fakeHost(stepPerRead = 0) {
  let t = 1_000_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    advance: (ns: number) => {
      t += ns;
    },
    now: () => {
      t += stepPerRead;
      return t;
    },
    sleep: (ns: number) => {
      sleeps.push(ns);
      t += ns;
    },
  };
}

function boot(name: string, clock?: VirtualClock | LiveClock): Machine {
  const m = new Machine({ ramMiB: 16, clock });
  m.loadElf(guest(name));
  return m;
}

describe("virtual clock", () => {
  it("runWithClock under the virtual clock is runMachine, instruction for instruction", () => {
    for (const name of ["timer", "hello"]) {
      const a = boot(name);
      const b = boot(name, new VirtualClock());
      expect(runMachine(a, Number.POSITIVE_INFINITY)).toBe("exit");
      expect(runWithClock(b, new VirtualClock(), Number.POSITIVE_INFINITY)).toBe("exit");
      expect(b.save()).toEqual(a.save());
      expect(Buffer.from(b.console()).equals(Buffer.from(a.console()))).toBe(true);
    }
  });

  it("hands out seeded entropy", () => {
    expect(new VirtualClock().entropy(9)).toEqual({ mode: "virtual", seed: 9 });
  });
});

describe("live clock", () => {
  it("an idle guest (timer: WFI until the CLINT deadline) waits for the host clock to reach each wake-up time", () => {
    const host = fakeHost();
    const clock = new LiveClock({ now: host.now, sleep: host.sleep });
    const m = boot("timer", clock);
    expect(runWithClock(m, clock, Number.POSITIVE_INFINITY)).toBe("exit");
    // The guest sleeps through ~10 ms of timer ticks; the host slept as long, in several waits.
    const slept = host.sleeps.reduce((a, b) => a + b, 0);
    expect(host.sleeps.length).toBeGreaterThan(1);
    expect(slept).toBeGreaterThan(0.9 * m.nowNs() - m.hart.retired * m.nsPerInstruction);
    expect(clock.elapsedNs()).toBeGreaterThanOrEqual(slept);
    expect(m.exitCode).toBe(0);
  });

  it("a guest slower than real time is moved forward to host time between slices", () => {
    // Each host-clock read advances the host by 5 ms: far faster than the guest's 1 ns per instruction.
    const host = fakeHost(5_000_000);
    const clock = new LiveClock({ now: host.now, sleep: host.sleep });
    const m = boot("memtest", clock);
    const virtualOnly = boot("memtest");
    runMachine(virtualOnly, 5_000_000);
    runWithClock(m, clock, 5_000_000);
    expect(m.hart.retired).toBe(5_000_000);
    expect(m.nowNs()).toBeGreaterThan(virtualOnly.nowNs() + 5 * 5_000_000);
    expect(host.sleeps).toEqual([]);
  });

  it("a machine restored from a snapshot continues from its saved time, following the host clock from there", () => {
    // Taken at 10 s of guest time (a simulation that has run 10 s before the guest boots).
    const sim = new Simulation();
    sim.run({ until: 10_000_000_000 });
    const original = new Machine({ ramMiB: 16, simulation: sim });
    original.loadElf(guest("memtest"));
    runMachine(original, 1_000_000);
    const bytes = Buffer.concat(encodeSnapshot({ machine: original }));
    // Host time advances 2 ms per read: the guest (1 ms per slice) is slower than real time and never needs to wait.
    const host = fakeHost(2_000_000);
    const clock = new LiveClock({ now: host.now, sleep: host.sleep });
    const { machine: m } = restoreSnapshot(bytes, "t.snap", (config) => ({ machine: new Machine({ ...config, clock }) }));
    expect(m.nowNs()).toBe(original.nowNs());
    runWithClock(m, clock, 3_000_000);
    expect(m.hart.retired).toBe(3_000_000);
    expect(host.sleeps).toEqual([]);
    expect(m.nowNs()).toBeGreaterThan(original.nowNs() + 2_000_000);
    expect(m.nowNs()).toBeLessThan(original.nowNs() + 1_000_000_000);
  });

  it("hands out host entropy, and the default host time source is monotonic and sleeps", () => {
    expect(new LiveClock().entropy(9)).toEqual({ mode: "live" });
    const t0 = hostTimeNs();
    hostSleepNs(2_000_000);
    expect(hostTimeNs() - t0).toBeGreaterThanOrEqual(1_500_000);
  });
});
