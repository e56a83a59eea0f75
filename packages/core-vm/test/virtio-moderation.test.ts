import { type InterruptModerator, isVmlabError, Machine, MemoryBackend, VirtioBlk } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { TestDriver } from "./virtio-driver.js";

const HDR = 0x8200_0000;
const DATA = 0x8201_0000;
const STATUS = 0x8203_0000;
const SECTOR = 512;

/**
 * A counting moderator: interrupts on every `k`-th completion and whenever
 * the device drains (so nothing is held with no completion left to carry
 * it). Its counters are state, saved and restored.
 */
class EveryKth implements InterruptModerator {
  submitted = 0;
  completed = 0;
  interrupts = 0;
  readonly log: string[] = [];
  constructor(readonly k: number) {}
  onSubmit(nowNs: number): void {
    this.submitted++;
    this.log.push(`s@${nowNs}`);
  }
  onComplete(nowNs: number, inService: number): boolean {
    this.completed++;
    const deliver = this.completed % this.k === 0 || inService === 0;
    if (deliver) this.interrupts++;
    this.log.push(`c@${nowNs}/${inService}:${deliver ? "irq" : "held"}`);
    return deliver;
  }
  reset(): void {
    this.submitted = this.completed = this.interrupts = 0;
  }
  save(): unknown {
    return { submitted: this.submitted, completed: this.completed, interrupts: this.interrupts };
  }
  restore(state: unknown): void {
    const s = state as { submitted?: unknown; completed?: unknown; interrupts?: unknown } | null;
    if (s === null || typeof s.submitted !== "number" || typeof s.completed !== "number" || typeof s.interrupts !== "number")
      throw new Error("bad moderator state");
    this.submitted = s.submitted;
    this.completed = s.completed;
    this.interrupts = s.interrupts;
  }
}

function setup(moderator?: InterruptModerator, depth = 4) {
  const m = new Machine({ ramMiB: 64 });
  const disk = new MemoryBackend({ sizeBytes: 1 << 20, latencyNs: 1000 });
  const blk = new VirtioBlk({ backend: disk, queueDepth: depth, interruptModerator: moderator });
  const t = m.attachVirtio(3, blk);
  const d = new TestDriver(m, 3);
  d.init(1, 64);
  return { m, disk, blk, t, d };
}

function read(d: TestDriver, i: number, sector: number): number {
  d.blkHeader(HDR + 16 * i, 0, sector);
  return d.push(0, [
    { addr: HDR + 16 * i, len: 16, writable: false },
    { addr: DATA + 4096 * i, len: SECTOR, writable: true },
    { addr: STATUS + i, len: 1, writable: true },
  ]);
}

/** Runs the simulation one event at a time; after each, records used-ring length and the interrupt line. */
function trace(s: ReturnType<typeof setup>): { used: number; irq: boolean }[] {
  const out: { used: number; irq: boolean }[] = [];
  let used = 0;
  while (s.m.sim.step()) {
    used += s.d.popUsed(0).length;
    out.push({ used, irq: s.t.interruptStatus !== 0 });
  }
  return out;
}

describe("virtio-blk interrupt moderation", () => {
  it("without a moderator every completion raises the interrupt (today's behaviour)", () => {
    const s = setup();
    for (let i = 0; i < 4; i++) read(s.d, i, i);
    const first = s.m.sim.step();
    expect(first).toBe(true);
    expect(s.d.popUsed(0)).toHaveLength(1);
    expect(s.d.ack()).toBe(1);
  });

  it("held completions are in the used ring at once but raise no interrupt; a later completion announces them", () => {
    const mod = new EveryKth(3);
    const s = setup(mod);
    for (let i = 0; i < 4; i++) read(s.d, i, i);
    expect(mod.submitted).toBe(4);
    // All four complete at the same virtual time, one event each.
    const steps: { used: number; irq: boolean }[] = [];
    let used = 0;
    while (s.m.sim.step()) {
      used += s.d.popUsed(0).length;
      steps.push({ used, irq: s.t.interruptStatus !== 0 });
    }
    expect(steps.map((x) => x.used)).toEqual([1, 2, 3, 4]);
    // 1st and 2nd held (status bit stays clear), 3rd is the k-th, 4th drains the device.
    expect(steps.map((x) => x.irq)).toEqual([false, false, true, true]);
    expect(mod.interrupts).toBe(2);
    expect(mod.log.filter((l) => l.includes("held"))).toHaveLength(2);
  });

  it("the moderator sees requests that wait for a service slot when the device takes them", () => {
    const mod = new EveryKth(100);
    const s = setup(mod, 2);
    for (let i = 0; i < 4; i++) read(s.d, i, i);
    expect(mod.submitted).toBe(2);
    const t = trace(s);
    expect(mod.submitted).toBe(4);
    expect(t[t.length - 1]).toEqual({ used: 4, irq: true });
    // In service after each completion: 1 (slot refilled), 1, 1, 0 → only the last delivers.
    expect(mod.log.filter((l) => l.startsWith("c@")).map((l) => l.split(":")[1])).toEqual(["held", "held", "held", "irq"]);
  });

  it("save/restore round trip carries the moderator's state; the restored device finishes like the original", () => {
    const run = (cut: boolean) => {
      const mod = new EveryKth(2);
      const a = setup(mod, 2);
      for (let i = 0; i < 5; i++) read(a.d, i, i);
      a.m.sim.step();
      if (!cut) {
        a.m.sim.run();
        return { state: a.t.save(), now: a.m.sim.now, interrupts: mod.interrupts };
      }
      const transport = JSON.parse(JSON.stringify(a.t.save()));
      expect(transport.device.moderator).toEqual({ submitted: 3, completed: 1, interrupts: 0 });
      const sim = JSON.parse(JSON.stringify(a.m.sim.save()));
      const ram = a.m.ram.u8.slice();
      const mod2 = new EveryKth(2);
      const b = setup(mod2, 2);
      b.m.ram.u8.set(ram);
      b.m.sim.restore(sim);
      b.t.restore(transport);
      expect(b.t.save()).toEqual(transport);
      b.m.sim.run();
      return { state: b.t.save(), now: b.m.sim.now, interrupts: mod2.interrupts };
    };
    const whole = run(false);
    const split = run(true);
    expect(split).toEqual(whole);
    expect(whole.interrupts).toBeGreaterThan(0);
    expect(whole.interrupts).toBeLessThan(5);
  });

  it("a state without moderator state is refused by a device with a moderator, and the reverse", () => {
    const plain = setup();
    read(plain.d, 0, 0);
    const moderated = setup(new EveryKth(2));
    read(moderated.d, 0, 0);
    const plainState = plain.t.save();
    const moderatedState = moderated.t.save();
    expect((plainState.device as Record<string, unknown>).moderator).toBeUndefined();
    for (const [t, s] of [
      [moderated.t, plainState],
      [plain.t, moderatedState],
    ] as const) {
      const before = t.save();
      try {
        t.restore(JSON.parse(JSON.stringify(s)));
        throw new Error("restore accepted a mismatched state");
      } catch (e) {
        expect(isVmlabError(e) && e.code).toBe("VMLAB_SIM_BAD_STATE");
      }
      expect(t.save()).toEqual(before);
    }
  });

  it("reset clears the moderator (in-flight requests are dropped)", () => {
    const mod = new EveryKth(2);
    const s = setup(mod);
    read(s.d, 0, 0);
    expect(mod.submitted).toBe(1);
    s.d.setReg(0x70, 0);
    expect(mod.submitted).toBe(0);
  });
});
