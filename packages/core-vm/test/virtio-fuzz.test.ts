/**
 * Saved rings are guest memory, and guest memory is untrusted: whatever a
 * driver writes into its descriptor table and avail ring, a device must not
 * throw (guest faults are values) and must not touch memory outside RAM.
 * It either serves the request or sets DEVICE_NEEDS_RESET.
 */
import { Machine, MemoryBackend, VirtioBlk, VirtioNet, VirtioRng, VirtualSwitch } from "@vmlab/core-vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TestDriver } from "./virtio-driver.js";

const RING = 0x8100_0000;
const NUM = 16;

function devices() {
  const m = new Machine({ ramMiB: 32 });
  m.attachVirtio(0, new VirtioBlk({ backend: new MemoryBackend({ sizeBytes: 64 * 1024, latencyNs: 100 }), queueDepth: 4 }));
  const nic = new VirtioNet({ mac: "52:54:00:00:00:01" });
  m.attachVirtio(1, nic);
  const sw = new VirtualSwitch();
  nic.plug(sw.connect(nic, m.sim));
  sw.connect({ receive: () => {} }, m.sim);
  m.attachVirtio(2, new VirtioRng({ entropy: { mode: "virtual", seed: 1 } }));
  const drivers = [0, 1, 2].map((slot) => {
    const d = new TestDriver(m, slot, RING + slot * 0x4_0000);
    d.init(slot === 1 ? 2 : 1, NUM);
    return d;
  });
  return { m, drivers };
}

/** Mostly plausible, sometimes anything: so that both outcomes, served and reset, happen often. */
const mostly = <T>(likely: fc.Arbitrary<T>, anything: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: likely, weight: 9 }, { arbitrary: anything, weight: 1 });

/** A descriptor whose address is in RAM, near its end, or anywhere. */
const descriptor = fc.record({
  addr: mostly(fc.integer({ min: 0x8100_0000, max: 0x8110_0000 }), fc.oneof(fc.integer({ min: 0x81ff_f000, max: 0x8200_0fff }), fc.nat())),
  addrHi: mostly(fc.constant(0), fc.nat()),
  len: mostly(fc.integer({ min: 1, max: 4096 }), fc.nat()),
  flags: mostly(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0xffff })),
  next: mostly(fc.integer({ min: 0, max: NUM - 1 }), fc.integer({ min: 0, max: 40 })),
});

describe("virtio devices on garbage rings", () => {
  it("never throw: they serve the request or ask for a reset", () => {
    const { m, drivers } = devices();
    const view = new DataView(m.ram.u8.buffer);
    let resets = 0;
    let used = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 1 }),
        fc.array(descriptor, { minLength: NUM, maxLength: NUM }),
        fc.array(mostly(fc.integer({ min: 0, max: NUM - 1 }), fc.integer({ min: 0, max: 40 })), { minLength: 1, maxLength: 8 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (slot, queue, descs, heads, header) => {
          const d = drivers[slot];
          const q = slot === 1 ? queue : 0;
          const desc = RING + slot * 0x4_0000 + q * 0x10000;
          descs.forEach((x, i) => {
            const o = desc - m.ram.base + 16 * i;
            view.setUint32(o, x.addr >>> 0, true);
            view.setUint32(o + 4, x.addrHi >>> 0, true);
            view.setUint32(o + 8, x.len >>> 0, true);
            view.setUint16(o + 12, x.flags, true);
            view.setUint16(o + 14, x.next, true);
          });
          m.ram.write(0x8110_0000, header);
          const avail = desc + 16 * NUM - m.ram.base;
          for (const h of heads) {
            const idx = view.getUint16(avail + 2, true);
            view.setUint16(avail + 4 + 2 * (idx % NUM), h, true);
            view.setUint16(avail + 2, (idx + 1) & 0xffff, true);
          }
          d.setReg(0x50, q);
          m.sim.run();
          used += d.popUsed(q).length;
          d.ack();
          if ((d.reg(0x70) & 64) !== 0) {
            // The driver's way out: reset and set the device up again.
            resets++;
            d.setReg(0x70, 0);
            expect(d.reg(0x70)).toBe(0);
            drivers[slot] = new TestDriver(m, slot, RING + slot * 0x4_0000);
            drivers[slot].init(slot === 1 ? 2 : 1, NUM);
          }
        },
      ),
      { numRuns: 300, seed: 42 },
    );
    // Both outcomes happen: the generator is not stuck on one side.
    expect(resets).toBeGreaterThan(20);
    expect(used).toBeGreaterThan(20);
  });
});
