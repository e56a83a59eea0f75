import { isVmlabError, Machine, VirtioRng } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { TestDriver } from "./virtio-driver.js";

const BUF = 0x8200_0000;

function setup(entropy: ConstructorParameters<typeof VirtioRng>[0]["entropy"], latencyNs = 500) {
  const m = new Machine({ ramMiB: 64 });
  const rng = new VirtioRng({ entropy, latencyNs });
  const t = m.attachVirtio(0, rng);
  const d = new TestDriver(m, 0);
  d.init(1, 8);
  return { m, rng, t, d };
}

const bytes = (m: Machine, addr: number, n: number) => Array.from(m.ram.u8.subarray(addr - m.ram.base, addr - m.ram.base + n));

describe("virtio-rng", () => {
  it("fills writable buffers at an event latencyNs later and returns their length", () => {
    const { m, d, rng } = setup({ mode: "virtual", seed: 7 });
    d.push(0, [{ addr: BUF, len: 33, writable: true }]);
    expect(bytes(m, BUF, 33).every((b) => b === 0)).toBe(true);
    m.sim.run();
    expect(m.sim.now).toBe(500);
    expect(d.popUsed(0)).toEqual([[0, 33]]);
    expect(bytes(m, BUF, 33).some((b) => b !== 0)).toBe(true);
    expect(rng.bytesServed.value).toBe(33);
  });

  // Untested before: a reset that forgot the request in flight let its completion event finish the first request
  // made after the reset early, at the old request's time (virtio-blk's same guard had its test, rng's had none).
  it("a request made after a reset completes latencyNs after it, not at a request's from before the reset", () => {
    const { m, d, rng } = setup({ mode: "virtual", seed: 7 });
    d.push(0, [{ addr: BUF, len: 16, writable: true }]); // due at 500
    m.sim.run({ until: 300 });
    // The driver resets the device (Status = 0) with that request in flight and sets it up again, rings elsewhere.
    const again = new TestDriver(m, 0, 0x8180_0000);
    again.init(1, 8);
    again.push(0, [{ addr: BUF + 64, len: 16, writable: true }]); // due at 800
    m.sim.run({ until: 600 });
    expect(again.popUsed(0)).toEqual([]);
    m.sim.run();
    expect(m.sim.now).toBe(800);
    expect(again.popUsed(0)).toEqual([[0, 16]]);
    expect(rng.requests.value).toBe(1);
  });

  it("is a pure function of the seed in virtual mode; live mode uses the host generator", () => {
    const draw = (entropy: ConstructorParameters<typeof VirtioRng>[0]["entropy"]) => {
      const { m, d } = setup(entropy);
      d.push(0, [{ addr: BUF, len: 64, writable: true }]);
      m.sim.run();
      return bytes(m, BUF, 64);
    };
    expect(draw({ mode: "virtual", seed: 1 })).toEqual(draw({ mode: "virtual", seed: 1 }));
    expect(draw({ mode: "virtual", seed: 1 })).not.toEqual(draw({ mode: "virtual", seed: 2 }));
    const live = draw({ mode: "live" });
    expect(live.some((b) => b !== 0)).toBe(true);
    expect(live).not.toEqual(draw({ mode: "live" }));
  });

  it("save/restore with requests in flight continues the same stream", () => {
    const whole = setup({ mode: "virtual", seed: 3 });
    const cut = setup({ mode: "virtual", seed: 3 });
    for (const s of [whole, cut]) {
      s.d.push(0, [{ addr: BUF, len: 16, writable: true }]);
      s.d.push(0, [{ addr: BUF + 64, len: 16, writable: true }]);
      s.m.sim.step();
    }
    const state = JSON.parse(
      JSON.stringify({
        t: cut.t.save(),
        sim: cut.m.sim.save(),
        ram: Array.from(cut.m.ram.u8.subarray(0, 0x0300_0000).subarray(0x0200_0000, 0x0200_0100)),
      }),
    );
    const fresh = setup({ mode: "virtual", seed: 99 });
    fresh.m.ram.u8.set(state.ram, 0x0200_0000);
    fresh.m.ram.u8.set(cut.m.ram.u8.subarray(0x0100_0000, 0x0101_0000), 0x0100_0000);
    fresh.m.sim.restore(state.sim);
    fresh.t.restore(state.t);
    whole.m.sim.run();
    fresh.m.sim.run();
    expect(bytes(fresh.m, BUF, 128)).toEqual(bytes(whole.m, BUF, 128));
    expect(fresh.t.save()).toEqual(whole.t.save());
  });

  it("rejects a state of the other mode or with a buffer outside RAM, changing nothing", () => {
    const { t, d } = setup({ mode: "virtual", seed: 3 });
    d.push(0, [{ addr: BUF, len: 16, writable: true }]);
    const good = t.save();
    const liveState = JSON.parse(JSON.stringify(good));
    liveState.device.rng = null;
    const outside = JSON.parse(JSON.stringify(good));
    outside.device.inflight[0].addr[0] = 0x100;
    for (const s of [liveState, outside]) {
      let code = "";
      try {
        t.restore(s);
      } catch (e) {
        code = isVmlabError(e) ? e.code : "other";
      }
      expect(code).toBe("VMLAB_SIM_BAD_STATE");
      expect(t.save()).toEqual(good);
    }
  });
});
