import { encodeSnapshot, restoreSnapshot, runMachine } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { DEFAULT_VIC } from "./coalescer.js";
import { type VicGuestSpec, vicGuestMachine, vicGuestResult } from "./guest-run.js";

const SPEC: VicGuestSpec = {
  oio: 16,
  ios: 600,
  appWords: 64,
  isrSpin: 0,
  deviceBaseUs: 20,
  deviceJitterUs: 5,
  coalescing: true,
  vic: DEFAULT_VIC,
  seed: 7,
};

/** The vIC moderator's saved counters inside the machine's virtio state (slot 7). */
function moderatorState(m: ReturnType<typeof vicGuestMachine>): { held: number; cif: number } {
  const slots = m.virtio.save() as { device: { moderator: { held: number; cif: number } } | null }[];
  return (slots[7].device as { moderator: { held: number; cif: number } }).moderator;
}

describe("vicbench with vIC: snapshot and restore mid-run", () => {
  it("a machine snapshotted while vIC holds completions finishes exactly like an uninterrupted run", () => {
    const whole = vicGuestMachine(SPEC);
    const expected = vicGuestResult(whole, runMachine(whole, Number.POSITIVE_INFINITY));
    expect(expected.interruptsPerIo).toBeLessThan(0.6);

    const a = vicGuestMachine(SPEC);
    let cut = Math.floor(whole.hart.retired / 2);
    expect(runMachine(a, cut)).toBe("budget");
    // Move on until a completion is being held in the used ring, so the cut exercises the moderator's state.
    while (moderatorState(a).held === 0) {
      cut += 25;
      expect(runMachine(a, cut)).toBe("budget");
    }
    expect(moderatorState(a).cif).toBeGreaterThan(DEFAULT_VIC.cifThreshold);
    const chunks = encodeSnapshot({ machine: a });
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of chunks) {
      bytes.set(c, o);
      o += c.length;
    }
    const b = restoreSnapshot(bytes, "vicbench.snap", () => ({ machine: vicGuestMachine(SPEC, false) })).machine;
    expect(moderatorState(b)).toEqual(moderatorState(a));
    const got = vicGuestResult(b, runMachine(b, Number.POSITIVE_INFINITY));
    expect(got).toEqual(expected);
    expect(b.hart.retired).toBe(whole.hart.retired);
    expect(b.nowNs()).toBe(whole.nowNs());
  });
});
