import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CSR, EmulatedVm, encodeSnapshot, Host, Machine, type MachineState, restoreSnapshot, runHosts } from "../src/index.js";
import { csr, EXIT, ecall, li, poke, RAM, T2, wfi } from "./asm.js";

/** A fresh machine running `words` from RAM base (mtvec left at 0: no memory there). */
function machine(words: number[]): Machine {
  const m = new Machine({ ramMiB: 1 });
  poke(m, RAM, words);
  m.hart.pc = RAM | 0;
  return m;
}

/** What a run shows: how it stopped, the architectural state and the clock. */
function outcome(m: Machine, stop: string) {
  const s = m.save();
  return { stop, exitCode: m.exitCode, retired: m.hart.retired, now: m.nowNs(), hart: s.hart, stuck: m.hart.stuck };
}

function restored(m: Machine): Machine {
  const bytes = encodeSnapshot({ machine: m });
  const joined = new Uint8Array(bytes.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of bytes) {
    joined.set(c, at);
    at += c.length;
  }
  return restoreSnapshot(joined).machine;
}

describe("a halted hart stays halted across save/restore", () => {
  // A trap to an unexecutable mtvec loops without retiring anything: the hart is declared stuck.
  const trapLoop = [...li(T2, 0), csr("csrrw", 0, CSR.mtvec, T2), ecall, ...EXIT];
  // A WFI with no interrupt source armed and no time limit: halted, pc already past the WFI.
  const idleWfi = [...li(T2, 0), csr("csrrw", 0, CSR.mie, T2), wfi, ...EXIT];

  for (const [name, words] of [
    ["trap loop at an unexecutable mtvec", trapLoop],
    ["WFI with nothing to wake it", idleWfi],
  ] as const) {
    it(`${name}: a restored machine runs on exactly like the uninterrupted one`, () => {
      const original = machine([...words]);
      expect(original.run(10_000)).toBe("halt");
      expect(original.hart.stuck).toBe(true);
      const copy = restored(original);
      expect(copy.hart.stuck).toBe(true);
      const a = outcome(original, original.run(10_000));
      const b = outcome(copy, copy.run(10_000));
      expect(b).toEqual(a);
      expect(a.stop).toBe("halt");
    });
  }

  it("saves `stuck` only when set, and a state without it (older snapshots) loads as not stuck", () => {
    const m = machine([...li(T2, 0), csr("csrrw", 0, CSR.mtvec, T2), ecall]);
    expect(m.save().hart).not.toHaveProperty("stuck");
    m.run(10_000);
    const s = JSON.parse(JSON.stringify(m.save())) as MachineState;
    expect(s.hart.stuck).toBe(true);
    delete s.hart.stuck;
    const old = new Machine({ ramMiB: 1 });
    old.restore(s, m.ram.u8);
    expect(old.hart.stuck).toBe(false);
    const bad = JSON.parse(JSON.stringify(m.save())) as { hart: { stuck: unknown } };
    bad.hart.stuck = false;
    expect(() => new Machine({ ramMiB: 1 }).restore(bad, m.ram.u8)).toThrow(/stuck/);
  });
});

describe("restoring into a machine that had halted", () => {
  it("forgets the old machine's trap loop: one trap at the same instant is not a trap loop", () => {
    // Two instructions, then a trap loop at an unexecutable mtvec (the first trap at retired = 2).
    const looping = machine([...li(T2, 0), csr("csrrw", 0, CSR.mtvec, T2), ecall]);
    // Two instructions, then one ecall (also at retired = 2) to a handler that exits.
    const guest = machine([...li(T2, RAM + 0x100), csr("csrrw", 0, CSR.mtvec, T2), ecall]);
    poke(guest, RAM + 0x100, EXIT);
    const state = guest.save();
    const image = guest.ram.u8.slice();
    expect(guest.run(10_000)).toBe("exit");

    expect(looping.run(10_000)).toBe("halt");
    looping.restore(state, image);
    expect(looping.run(10_000)).toBe("exit");
    expect(looping.exitCode).toBe(0);
  });
});

describe("a host keeps a guest that ended done across save/restore: it takes no CPU and no turn", () => {
  const SLICE = 10_000;
  const elf = (name: string) => new Uint8Array(readFileSync(new URL(`../../../guest/bin/${name}.elf`, import.meta.url)));
  const guest = (name: string) => {
    const m = new Machine({ ramMiB: 16 });
    m.loadElf(elf(name));
    return m;
  };
  // A trap to an unexecutable mtvec loops without retiring anything: the hart is declared stuck.
  const trapLoop = [...li(T2, 0), csr("csrrw", 0, CSR.mtvec, T2), ecall, ...EXIT];

  it.each([
    // It used to be run again (counted a slice, took the hog's turn) until its machine said "exit" once more.
    ["exited (test finisher)", "exit", () => guest("hello")],
    // Its own "ended" flag is not saved: the hart's `stuck` says it (it used to be run again and take the hog's turn).
    ["halted (stuck hart)", "halt", () => machine([...trapLoop])],
  ] as const)("a guest %s before the host was saved stays done when restored", (_, stop, ended) => {
    const make = () => {
      const host = new Host({ name: "h", physicalCpus: 1, timeSliceNs: SLICE });
      // Kept as EmulatedVms (`add` returns the wider HostedVm): the test reads their machine and stop.
      const vms = [new EmulatedVm("ended", ended()), new EmulatedVm("hog", guest("cpubench"))];
      for (const vm of vms) host.add(vm);
      return { host, vms };
    };
    const a = make();
    runHosts([a.host], 3 * SLICE);
    expect(a.vms[0].stop).toBe(stop);
    const saved = JSON.parse(
      JSON.stringify({ host: a.host.save(), vms: a.vms.map((vm) => ({ m: vm.machine.save(), sim: vm.sim.save() })) }),
    );
    const b = make();
    b.vms.forEach((vm, i) => {
      vm.sim.restore(saved.vms[i].sim);
      vm.machine.restore(saved.vms[i].m, a.vms[i].machine.ram.u8);
    });
    b.host.restore(b.host.parse(saved.host));
    expect(b.vms[0].stop).toBe(stop);
    runHosts([a.host], 10 * SLICE);
    runHosts([b.host], 10 * SLICE);
    expect(b.host.schedStats()).toEqual(a.host.schedStats());
    expect(b.vms.map((vm) => vm.machine.save())).toEqual(a.vms.map((vm) => vm.machine.save()));
  });
});
