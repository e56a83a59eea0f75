/**
 * Snapshots with virtio devices in flight: blkbench is cut at 20 seeded
 * random instruction counts; each cut saves the machine (hart, devices,
 * clock), its RAM, the simulation's pending events (device completions)
 * and the virtio slots, restores them into a fresh machine with the same
 * devices and disk, and runs to the end. Console bytes, the final
 * instruction count and the disk image must equal an uninterrupted run.
 */
import { createHash } from "node:crypto";
import { encodeSnapshot, Machine, MemoryBackend, Rng, restoreSnapshot, VirtioBlk } from "@vmlab/core-vm";
import { readGuestElf } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { BLKBENCH_DISK_BYTES, BLKBENCH_SERIAL, blkbenchDisk, QEMU_FIRST_SLOT, runToEnd } from "./virtio-helpers.js";

const RAM_MIB = 16;
const elf = readGuestElf("blkbench");

function fresh(contents: Uint8Array, latencyNs: number) {
  const m = new Machine({ ramMiB: RAM_MIB });
  const disk = new MemoryBackend({ sizeBytes: BLKBENCH_DISK_BYTES, contents, latencyNs });
  m.attachVirtio(QEMU_FIRST_SLOT, new VirtioBlk({ backend: disk, queueDepth: 32, serial: BLKBENCH_SERIAL }));
  return { m, disk };
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("blkbench snapshot/restore with requests in flight", () => {
  // A disk with service time, so that requests are in flight at most cuts.
  const LATENCY = 20_000;
  const whole = fresh(blkbenchDisk(), LATENCY);
  whole.m.loadElf(elf);
  expect(runToEnd(whole.m)).toBe("exit");
  const total = whole.m.hart.retired;
  const expected = { console: sha(whole.m.console()), disk: sha(whole.disk.bytes), retired: total };

  it("20 random cuts, each restored into a fresh machine, run in step with the original to the next cut and to the end", () => {
    const rng = new Rng(2026, "virtio-snapshot-cuts");
    const cuts = Array.from({ length: 20 }, () => 1 + rng.int(total - 1)).sort((x, y) => x - y);
    const a = fresh(blkbenchDisk(), LATENCY);
    a.m.loadElf(elf);
    const state = (r: ReturnType<typeof fresh>) =>
      JSON.stringify({
        machine: r.m.save(),
        sim: r.m.sim.save(),
        virtio: r.m.virtio.save(),
        ram: sha(r.m.ram.u8),
        disk: sha(r.disk.bytes),
      });
    let inflightCuts = 0;
    cuts.forEach((cut, k) => {
      expect(runToEnd(a.m, cut)).toBe("budget");
      if ((a.m.virtio.transports[QEMU_FIRST_SLOT].device as VirtioBlk).inflight > 0) inflightCuts++;
      const saved = JSON.parse(JSON.stringify({ machine: a.m.save(), sim: a.m.sim.save(), virtio: a.m.virtio.save() }));
      const b = fresh(a.disk.bytes.slice(), LATENCY);
      b.m.restore(saved.machine, a.m.ram.u8.slice());
      b.m.sim.restore(saved.sim);
      b.m.virtio.restore(saved.virtio);
      const printed = a.m.console().length;
      const next = k + 1 < cuts.length ? cuts[k + 1] : Number.POSITIVE_INFINITY;
      const stopA = runToEnd(a.m, next === Number.POSITIVE_INFINITY ? undefined : next);
      const stopB = runToEnd(b.m, next === Number.POSITIVE_INFINITY ? undefined : next);
      expect(stopB, `cut at ${cut}`).toBe(stopA);
      expect(state(b), `cut at ${cut}`).toBe(state(a));
      expect(Buffer.from(b.m.console()).equals(Buffer.from(a.m.console().subarray(printed))), `cut at ${cut}`).toBe(true);
    });
    expect({ console: sha(a.m.console()), disk: sha(a.disk.bytes), retired: a.m.hart.retired }).toEqual(expected);
    expect(inflightCuts).toBeGreaterThan(5);
  });

  it("a corrupt slot state leaves every slot as it was", () => {
    const a = fresh(blkbenchDisk(), LATENCY);
    a.m.loadElf(elf);
    runToEnd(a.m, Math.floor(total / 2));
    const good = a.m.virtio.save();
    const bad = JSON.parse(JSON.stringify(good));
    bad[QEMU_FIRST_SLOT].queues[0].num = 3;
    expect(() => a.m.virtio.restore(bad)).toThrow(expect.objectContaining({ code: "VMLAB_SIM_BAD_STATE" }));
    expect(a.m.virtio.save()).toEqual(good);
  });

  it("a snapshot restored onto a disk of another size names both sizes; other refusals say 'corrupt or incompatible' once", () => {
    const a = fresh(blkbenchDisk(), LATENCY);
    a.m.loadElf(elf);
    runToEnd(a.m, Math.floor(total / 2));
    const bytes = Buffer.concat(encodeSnapshot({ machine: a.m }));
    const onto = (sizeBytes: number, queueDepth: number) => () => {
      const m = new Machine({ ramMiB: RAM_MIB });
      m.attachVirtio(QEMU_FIRST_SLOT, new VirtioBlk({ backend: new MemoryBackend({ sizeBytes }), queueDepth, serial: BLKBENCH_SERIAL }));
      return { machine: m };
    };
    const refusal = (sizeBytes: number, queueDepth: number) => {
      try {
        restoreSnapshot(bytes, "s.snap", onto(sizeBytes, queueDepth));
      } catch (e) {
        return e as { code: string; message: string; details: Record<string, unknown> };
      }
      throw new Error("restore accepted it");
    };
    const resized = refusal(BLKBENCH_DISK_BYTES / 2, 32);
    expect(resized.code).toBe("VMLAB_SNAPSHOT_BAD_DISK_SIZE");
    expect(resized.details).toMatchObject({ savedBytes: BLKBENCH_DISK_BYTES, imageBytes: BLKBENCH_DISK_BYTES / 2 });
    expect(resized.message).not.toMatch(/corrupt/);
    const other = refusal(BLKBENCH_DISK_BYTES, 16);
    expect(other.code).toBe("VMLAB_SNAPSHOT_INVALID_STATE");
    expect(other.message).toMatch(/queue depth 32, the device 16/);
    expect(other.message.match(/the snapshot is corrupt or from an incompatible vmlab version/g)).toHaveLength(1);
  });
});
