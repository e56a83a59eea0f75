/**
 * Snapshots of two VMs talking over the switch: netping is cut at seeded
 * virtual times, with frames on the wire (pending delivery events carrying
 * their bytes) and in NIC backlogs; both machines, their simulations and
 * the switch are restored into a fresh pair, which must finish exactly as
 * the original does from the same point.
 */
import { createHash } from "node:crypto";
import { Machine, Rng, runLockstep, VirtioNet, VirtualSwitch } from "@vmlab/core-vm";
import { readGuestElf } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { QEMU_FIRST_SLOT } from "./virtio-helpers.js";

const elf = readGuestElf("netping");
const QUANTUM = 10_000;

function pair() {
  const sw = new VirtualSwitch();
  const ms = ["52:54:00:00:00:02", "52:54:00:00:00:01"].map((mac) => {
    const m = new Machine({ ramMiB: 16 });
    const nic = new VirtioNet({ mac });
    m.attachVirtio(QEMU_FIRST_SLOT, nic);
    nic.plug(sw.connect(nic, m.sim, { latencyNs: QUANTUM }));
    return m;
  });
  return { sw, ms };
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("netping pair snapshot/restore with frames in flight", () => {
  it("5 seeded cuts restored into a fresh pair finish like the original", () => {
    const whole = pair();
    for (const m of whole.ms) m.loadElf(elf);
    expect(runLockstep(whole.ms, { quantumNs: QUANTUM })).toBe("exit");
    const end = Math.max(...whole.ms.map((m) => m.nowNs()));
    const rng = new Rng(5, "netping-cuts");
    let framesInFlight = 0;
    for (let k = 0; k < 5; k++) {
      const cut = 1 + rng.int(end - 1);
      const a = pair();
      for (const m of a.ms) m.loadElf(elf);
      expect(runLockstep(a.ms, { quantumNs: QUANTUM, untilNs: cut })).toBe("time");
      framesInFlight += a.ms.reduce((n, m) => n + m.sim.pending, 0);
      const saved = JSON.parse(
        JSON.stringify({ sw: a.sw.save(), ms: a.ms.map((m) => ({ machine: m.save(), sim: m.sim.save(), virtio: m.virtio.save() })) }),
      );
      const printed = a.ms.map((m) => m.console().length);
      const b = pair();
      b.ms.forEach((m, i) => {
        m.restore(saved.ms[i].machine, a.ms[i].ram.u8.slice());
        m.sim.restore(saved.ms[i].sim);
        m.virtio.restore(saved.ms[i].virtio);
      });
      b.sw.restore(saved.sw);
      expect(runLockstep(a.ms, { quantumNs: QUANTUM })).toBe("exit");
      expect(runLockstep(b.ms, { quantumNs: QUANTUM })).toBe("exit");
      b.ms.forEach((m, i) => {
        expect(Buffer.from(m.console()).equals(Buffer.from(a.ms[i].console().subarray(printed[i]))), `cut ${cut}, vm ${i}`).toBe(true);
        expect(m.hart.retired).toBe(a.ms[i].hart.retired);
        expect(sha(m.ram.u8)).toBe(sha(a.ms[i].ram.u8));
        expect(m.exitCode).toBe(0);
      });
      expect(b.sw.save()).toEqual(a.sw.save());
    }
    expect(framesInFlight).toBeGreaterThan(0);
  });
});
