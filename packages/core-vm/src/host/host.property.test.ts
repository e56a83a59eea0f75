import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryBackend } from "../block/memory.js";
import { ModeledBackend } from "../block/modeled.js";
import { Machine } from "../board/machine.js";
import { runMachine } from "../snapshot/run.js";
import { EmulatedVm } from "./emulated-vm.js";
import { Host, runHosts } from "./host.js";
import type { HostedVm } from "./hosted-vm.js";
import { WorkloadVm } from "./workload-vm.js";

// Randomized checks of the host's scheduler (DESIGN.md "Host") over hosts of 1-3 physical CPUs running
// emulated guests and workload VMs on one queueing storage target.

const elfCache = new Map<string, Uint8Array>();
const elf = (name: string): Uint8Array => {
  let b = elfCache.get(name);
  if (b === undefined) {
    b = new Uint8Array(readFileSync(new URL(`../../../../guest/bin/${name}.elf`, import.meta.url)));
    elfCache.set(name, b);
  }
  return b;
};
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Guests that finish on their own (uartirq: waits for input none sends, parked, then halted), and cpubench, a CPU hog. */
const FINITE = ["timer", "hello", "usermode", "rng", "csrprobe", "uartirq"] as const;
type GuestSpec = { kind: "guest"; program: (typeof FINITE)[number] | "cpubench"; nsPerInstruction: number };
type WorkloadSpec = { kind: "io"; outstandingIos: number; cpuNsPerIo: number; totalIos: number | undefined; seed: number };
type VmSpec = GuestSpec | WorkloadSpec;
interface Config {
  cpus: number;
  sliceNs: number;
  servers: number;
  vms: VmSpec[];
}

const vmSpec: fc.Arbitrary<VmSpec> = fc.oneof(
  fc.record({
    kind: fc.constant("guest" as const),
    program: fc.constantFrom(...FINITE, "cpubench" as const),
    nsPerInstruction: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({
    kind: fc.constant("io" as const),
    outstandingIos: fc.integer({ min: 1, max: 4 }),
    cpuNsPerIo: fc.integer({ min: 300, max: 6_000 }),
    totalIos: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
    seed: fc.integer({ min: 0, max: 1000 }),
  }),
);
const config: fc.Arbitrary<Config> = fc.record({
  cpus: fc.integer({ min: 1, max: 3 }),
  sliceNs: fc.integer({ min: 2_000, max: 30_000 }),
  servers: fc.integer({ min: 1, max: 2 }),
  vms: fc.array(vmSpec, { minLength: 1, maxLength: 5 }),
});

const DISK = 1 << 20;

function build(c: Config, wrap: (vm: HostedVm) => HostedVm = (vm) => vm) {
  const storage = new ModeledBackend({
    store: new MemoryBackend({ sizeBytes: DISK * c.vms.length }),
    model: { serviceNs: (_op, offset) => 2_000 + (offset % 6_007) },
    servers: c.servers,
  });
  const host = new Host({ name: "h", physicalCpus: c.cpus, timeSliceNs: c.sliceNs, storage });
  const vms: HostedVm[] = c.vms.map((s, i) => {
    if (s.kind === "guest") {
      const m = new Machine({ ramMiB: 16, nsPerInstruction: s.nsPerInstruction });
      m.loadElf(elf(s.program));
      return new EmulatedVm(`${s.program}${i}`, m);
    }
    return new WorkloadVm({
      name: `io${i}`,
      disk: host.lun(i * DISK, DISK),
      outstandingIos: s.outstandingIos,
      cpuNsPerIo: s.cpuNsPerIo,
      totalIos: s.totalIos,
      seed: s.seed,
    });
  });
  for (const vm of vms) host.add(wrap(vm));
  return { host, vms, storage };
}

type Interval = [number, number];

/** A HostedVm that records, per slice, when it held a physical CPU and when it waited for one. */
class Recorder implements HostedVm {
  runs: { from: number; stop: number; used: number }[] = [];
  ready: Interval[] = [];
  sliceStart = 0;
  sliceEnd = 0;
  private lastStop = 0;
  private stalled = false;
  constructor(readonly inner: HostedVm) {}
  get name() {
    return this.inner.name;
  }
  get sim() {
    return this.inner.sim;
  }
  get done() {
    return this.inner.done;
  }
  get parked() {
    return this.inner.parked;
  }
  settle() {
    this.inner.settle?.();
  }
  begin(start: number, end: number) {
    this.sliceStart = start;
    this.sliceEnd = end;
    this.lastStop = start;
    this.stalled = false;
    this.runs = [];
    this.ready = [];
  }
  wantsCpu(endNs: number) {
    return this.inner.wantsCpu(endNs);
  }
  readyFromNs() {
    return this.inner.readyFromNs?.() ?? this.sliceStart;
  }
  runOn(endNs: number) {
    return this.inner.runOn(endNs);
  }
  runUntilIdle(fromNs: number, endNs: number) {
    // Ready (by the definition: from when it had work, or gave its CPU back) until now.
    const r = Math.max(this.lastStop, this.readyFromNs());
    if (r < fromNs) this.ready.push([r, fromNs]);
    expect(r).toBeLessThanOrEqual(fromNs);
    const out = (this.inner.runUntilIdle as NonNullable<HostedVm["runUntilIdle"]>).call(this.inner, fromNs, endNs);
    const stop = Math.min(out.stopNs, endNs);
    this.runs.push({ from: fromNs, stop, used: out.usedNs });
    this.stalled = stop === fromNs;
    this.lastStop = stop;
    return out;
  }
  idleTo(endNs: number) {
    if (endNs === this.sliceEnd && !this.inner.done && this.inner.wantsCpu(endNs)) {
      const r = Math.max(this.lastStop, this.readyFromNs());
      if (r < endNs && !(this.stalled && r <= this.lastStop)) this.ready.push([r, endNs]);
    }
    this.inner.idleTo(endNs);
  }
}

/** How many of `runs` cover each point of [a, b): the minimum over the interval. */
function minCover(runs: Interval[], a: number, b: number): number {
  const points = new Set<number>([a]);
  for (const [s, e] of runs) {
    if (s > a && s < b) points.add(s);
    if (e > a && e < b) points.add(e);
  }
  let min = Number.POSITIVE_INFINITY;
  for (const p of points) min = Math.min(min, runs.filter(([s, e]) => s <= p && p < e).length);
  return min;
}
function maxCover(runs: Interval[]): number {
  let max = 0;
  for (const [s] of runs) max = Math.max(max, runs.filter(([a, e]) => a <= s && s < e).length);
  return max;
}
const overlap = (x: Interval, y: Interval) => Math.min(x[1], y[1]) - Math.max(x[0], y[0]) > 0;

/** Guests' output and exit alone, by program. */
const aloneCache = new Map<string, { console: string; exit: number | null; retired: number }>();
function alone(program: string, nsPerInstruction: number) {
  const key = `${program}/${nsPerInstruction}`;
  let a = aloneCache.get(key);
  if (a === undefined) {
    const m = new Machine({ ramMiB: 16, nsPerInstruction });
    m.loadElf(elf(program));
    runMachine(m, Number.POSITIVE_INFINITY);
    a = { console: Buffer.from(m.console()).toString("latin1"), exit: m.exitCode, retired: m.hart.retired };
    aloneCache.set(key, a);
  }
  return a;
}

const SLICES = 120;
const RUNS = { numRuns: 25, seed: Number(process.env.HOST_PROP_SEED ?? 20_261_127) } as const;

/** The host's, the storage's and every VM's saved state, as JSON data; `ram` says how a guest's RAM is kept (a digest, or the bytes). */
function saveAll(b: ReturnType<typeof build>, ram: (u8: Uint8Array) => string) {
  return JSON.parse(
    JSON.stringify({
      host: b.host.save(),
      storage: b.storage.save(),
      vms: b.vms.map((vm) =>
        vm instanceof WorkloadVm
          ? { vm: vm.save(), sim: vm.sim.save() }
          : { m: (vm as EmulatedVm).machine.save(), sim: vm.sim.save(), ram: ram((vm as EmulatedVm).machine.ram.u8) },
      ),
    }),
  );
}

describe("Host scheduler: randomized invariants", () => {
  it("per slice: CPUs never over-committed, %RUN + %RDY within the slice, ready only while every CPU is busy", () => {
    fc.assert(
      fc.property(config, (c) => {
        // The host sees the recorders (the same VMs, observed).
        const { host } = build(c, (vm) => new Recorder(vm));
        const recs = host.vms as Recorder[];
        expect(recs.length).toBe(c.vms.length);
        for (let s = 0; s < SLICES && !host.done; s++) {
          const start = host.nowNs;
          const end = start + c.sliceNs;
          for (const r of recs) r.begin(start, end);
          const before = host.schedStats();
          host.step();
          const after = host.schedStats();
          const occupied: Interval[] = recs.flatMap((r) => r.runs.map((x) => [x.from, x.stop] as Interval));
          expect(maxCover(occupied)).toBeLessThanOrEqual(c.cpus);
          let run = 0;
          recs.forEach((r, i) => {
            const dRun = after[i].runNs - before[i].runNs;
            const dReady = after[i].readyNs - before[i].readyNs;
            run += dRun;
            for (const x of r.runs) {
              expect(x.from).toBeGreaterThanOrEqual(start);
              expect(x.used).toBeLessThanOrEqual(x.stop - x.from);
            }
            // Its runs do not overlap one another, nor its ready time.
            const own: Interval[] = r.runs.map((x) => [x.from, x.stop]);
            expect(maxCover(own)).toBeLessThanOrEqual(1);
            for (const rd of r.ready) for (const o of own) expect(overlap(rd, o)).toBe(false);
            expect(dRun + dReady).toBeLessThanOrEqual(c.sliceNs);
            // A slice counts for a VM that ran in it (held a CPU for some time, or used some).
            expect(after[i].slices - before[i].slices).toBe(r.runs.some((x) => x.stop > x.from || x.used > 0) ? 1 : 0);
            expect(dReady).toBe(r.ready.reduce((a, [x, y]) => a + (y - x), 0));
            // Waiting for a CPU only while every CPU runs a VM.
            for (const [a, b] of r.ready) expect(minCover(occupied, a, b)).toBe(c.cpus);
          });
          expect(run).toBeLessThanOrEqual(c.cpus * c.sliceNs);
          // No VM's clock runs ahead of its host's (what other hosts send it must find it there).
          for (const r of recs) {
            expect(r.sim.now).toBeLessThanOrEqual(host.nowNs);
            if (r.inner instanceof EmulatedVm) expect(r.inner.machine.nowNs()).toBeLessThanOrEqual(host.nowNs);
          }
        }
        const stats = host.schedStats();
        expect(stats.reduce((a, s) => a + s.runNs, 0)).toBeLessThanOrEqual(c.cpus * host.nowNs);
        for (const s of stats) expect(s.runNs + s.readyNs).toBeLessThanOrEqual(host.nowNs);
      }),
      RUNS,
    );
  });

  it("guests compute what they compute alone, and the run is deterministic", () => {
    fc.assert(
      fc.property(config, (c) => {
        const once = () => {
          const b = build(c);
          // Long enough for the slowest finite guest (timer: 10 ms) however contended.
          const ends = runHosts([b.host], 6 * 10_100_000);
          // With nothing endless on it, the run ends once every VM is done or parked (uartirq), not at the limit.
          const endless = c.vms.some((s) => (s.kind === "guest" ? s.program === "cpubench" : s.totalIos === undefined));
          if (!endless) expect(ends).toBe("done");
          return b;
        };
        const a = once();
        a.vms.forEach((vm, i) => {
          const s = c.vms[i];
          if (s.kind !== "guest" || s.program === "cpubench") return;
          const ref = alone(s.program, s.nsPerInstruction);
          const m = (vm as EmulatedVm).machine;
          // Done, or (uartirq beside a hog that keeps the run going) parked, waiting for input.
          expect(vm.done || vm.parked === true).toBe(true);
          expect(Buffer.from(m.console()).toString("latin1")).toBe(ref.console);
          expect(m.exitCode).toBe(ref.exit);
          expect(m.hart.retired).toBe(ref.retired);
        });
        const snap = (b: ReturnType<typeof build>) => JSON.stringify(saveAll(b, sha));
        expect(snap(once())).toBe(snap(a));
      }),
      { ...RUNS, numRuns: 12 },
    );
  });

  it("saved between slices and restored into a new host, it continues exactly as the run never stopped", () => {
    const digest = (b: ReturnType<typeof build>) => ({ ...saveAll(b, sha), done: b.vms.map((vm) => vm.done) });
    fc.assert(
      fc.property(config, fc.integer({ min: 1, max: 60 }), (c, at) => {
        const a = build(c);
        runHosts([a.host], at * c.sliceNs);
        const saved = saveAll(a, (u8) => Buffer.from(u8).toString("base64"));
        const printed = a.vms.map((vm) => (vm instanceof EmulatedVm ? Buffer.from(vm.machine.console()).toString("latin1") : ""));
        const b = build(c);
        b.storage.restore(saved.storage);
        b.vms.forEach((vm, i) => {
          const v = saved.vms[i];
          vm.sim.restore(v.sim);
          if (vm instanceof WorkloadVm) vm.restore(vm.parse(v.vm));
          else (vm as EmulatedVm).machine.restore(v.m, new Uint8Array(Buffer.from(v.ram, "base64")));
        });
        b.host.restore(b.host.parse(saved.host));
        const until = (at + 80) * c.sliceNs;
        expect(runHosts([b.host], until)).toBe(runHosts([a.host], until));
        expect(digest(b)).toEqual(digest(a));
        b.vms.forEach((vm, i) => {
          if (vm instanceof EmulatedVm)
            expect(printed[i] + Buffer.from(vm.machine.console()).toString("latin1")).toBe(
              Buffer.from((a.vms[i] as EmulatedVm).machine.console()).toString("latin1"),
            );
        });
      }),
      { ...RUNS, numRuns: 12 },
    );
  });
});
