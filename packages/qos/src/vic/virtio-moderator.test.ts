import { isVmlabError } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { DEFAULT_VIC } from "./coalescer.js";
import { VicInterruptModerator } from "./virtio-moderator.js";

/** Drives a moderator through a closed loop of `oio` requests, completions 1 µs apart; returns the delivery decisions. */
function drive(m: VicInterruptModerator, oio: number, completions: number, t0 = 0, prime = true): boolean[] {
  if (prime) for (let i = 0; i < oio; i++) m.onSubmit();
  const out: boolean[] = [];
  for (let i = 0; i < completions; i++) {
    out.push(m.onComplete(t0 + (i + 1) * 1000));
    m.onSubmit();
  }
  return out;
}

describe("VicInterruptModerator", () => {
  it("delivers every completion at low CIF and about R of them at high CIF", () => {
    const low = drive(new VicInterruptModerator(DEFAULT_VIC), 2, 500);
    expect(low.every((d) => d)).toBe(true);
    const high = drive(new VicInterruptModerator(DEFAULT_VIC), 32, 1000);
    const delivered = high.slice(200).filter((d) => d).length / 800;
    expect(delivered).toBeCloseTo(1 / 8, 2);
  });

  it("save/restore round trip: a restored moderator decides exactly like the original", () => {
    const a = new VicInterruptModerator(DEFAULT_VIC);
    drive(a, 32, 300);
    const saved = JSON.parse(JSON.stringify(a.save()));
    const b = new VicInterruptModerator(DEFAULT_VIC);
    b.restore(saved);
    expect(b.save()).toEqual(saved);
    expect(drive(b, 32, 300, 300_000, false)).toEqual(drive(a, 32, 300, 300_000, false));
    expect(b.save()).toEqual(a.save());
  });

  it("its saved state's held counts the completions posted since the last interrupt: an interrupt announces them all", () => {
    // `held` is saved in the machine snapshot (the virtio-blk slot's moderator state): it must say what the ring holds.
    const m = new VicInterruptModerator({ ...DEFAULT_VIC, iopsThreshold: 0 });
    for (let i = 0; i < 32; i++) m.onSubmit();
    let unannounced = 0;
    let interrupts = 0;
    for (let i = 0; i < 200; i++) {
      const deliver = m.onComplete((i + 1) * 1000);
      m.onSubmit();
      unannounced = deliver ? 0 : unannounced + 1;
      if (deliver) interrupts++;
      expect(m.save().held).toBe(unannounced);
    }
    // CIF 31 after each completion: R = 1/8, so one interrupt per 8 completions, 7 held before each.
    expect(interrupts).toBe(25);
  });

  it("rejects a corrupt state and resets to no commands in flight", () => {
    const a = new VicInterruptModerator(DEFAULT_VIC);
    drive(a, 16, 100);
    const good = a.save();
    try {
      a.restore({ ...good, cif: -1 });
      throw new Error("accepted");
    } catch (e) {
      expect(isVmlabError(e) && e.code).toBe("VMLAB_QOS_INVALID_STATE");
    }
    expect(a.save()).toEqual(good);
    a.reset();
    expect(a.coalescer.cif).toBe(0);
    expect(a.coalescer.completions).toBe(0);
  });
});
