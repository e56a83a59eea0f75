/**
 * The PLIC's register rules (RISC-V PLIC spec 1.0) as a driver sees them through its
 * MMIO offsets: priority vs threshold, ties, claim/complete with level-triggered
 * gateways, and the hardwired and read-only bits.
 */
import { describe, expect, it } from "vitest";
import { Plic } from "../src/index.js";

const priority = (irq: number) => 4 * irq;
const PENDING = 0x1000;
const ENABLE0 = 0x2000; // context 0 (hart 0 M mode)
const ENABLE1 = 0x2080; // context 1 (S mode: not wired to this hart)
const THRESHOLD0 = 0x20_0000;
const CLAIM0 = 0x20_0004;

/** A PLIC with MEIP tracked, `sources` given priority `pri` and enabled for context 0. */
function plic(sources: number[], pri = 1) {
  const meip = { level: false };
  const p = new Plic((l) => (meip.level = l));
  for (const s of sources) p.write(priority(s), 4, pri);
  p.write(
    ENABLE0,
    4,
    sources.reduce((w, s) => w | (1 << s), 0),
  );
  return { p, meip };
}

describe("PLIC priorities and threshold", () => {
  it("a source interrupts only with a priority strictly above the threshold", () => {
    const { p, meip } = plic([5], 2);
    p.write(THRESHOLD0, 4, 2);
    p.setSource(5, true);
    expect(meip.level).toBe(false);
    expect(p.read(CLAIM0)).toBe(0);
    p.write(THRESHOLD0, 4, 1);
    expect(meip.level).toBe(true);
    expect(p.read(CLAIM0)).toBe(5);
  });

  it("priority 0 never interrupts", () => {
    const { p, meip } = plic([5], 0);
    p.setSource(5, true);
    expect(meip.level).toBe(false);
    expect(p.read(CLAIM0)).toBe(0);
  });

  it("claim returns the highest priority; among equal priorities the lowest id", () => {
    const { p } = plic([3, 7, 9], 2);
    p.write(priority(9), 4, 3);
    for (const s of [9, 7, 3]) p.setSource(s, true);
    expect([p.read(CLAIM0), p.read(CLAIM0), p.read(CLAIM0), p.read(CLAIM0)]).toEqual([9, 3, 7, 0]);
  });

  it("priority and threshold keep 3 bits; source 0 has no priority and cannot be enabled", () => {
    const { p } = plic([]);
    p.write(priority(4), 4, 0xff);
    p.write(priority(0), 4, 5);
    p.write(THRESHOLD0, 4, 0xff);
    p.write(ENABLE0, 4, -1);
    expect([p.read(priority(4)), p.read(priority(0)), p.read(THRESHOLD0), p.read(ENABLE0) >>> 0]).toEqual([7, 0, 7, 0xffff_fffe]);
  });

  it("context 1's enables do not drive the hart's MEIP", () => {
    const { p, meip } = plic([]);
    p.write(priority(5), 4, 1);
    p.write(ENABLE1, 4, 1 << 5);
    p.setSource(5, true);
    expect(meip.level).toBe(false);
  });
});

describe("PLIC claim/complete with level-triggered gateways", () => {
  it("claim clears the pending bit; a line still high is not pending again until complete", () => {
    const { p, meip } = plic([5]);
    p.setSource(5, true);
    expect(p.read(PENDING) & (1 << 5)).not.toBe(0);
    expect(p.read(CLAIM0)).toBe(5);
    expect(p.read(PENDING) & (1 << 5)).toBe(0);
    expect(meip.level).toBe(false);
    p.setSource(5, true); // the device raises again while being serviced
    expect(p.read(PENDING) & (1 << 5)).toBe(0);
    expect(meip.level).toBe(false);
    p.write(CLAIM0, 4, 5); // complete
    expect(p.read(PENDING) & (1 << 5)).not.toBe(0);
    expect(meip.level).toBe(true);
  });

  it("after complete, a line that went low stays idle; a line that drops before claim is no longer pending", () => {
    const { p, meip } = plic([5, 6]);
    p.setSource(5, true);
    expect(p.read(CLAIM0)).toBe(5);
    p.setSource(5, false);
    p.write(CLAIM0, 4, 5);
    expect(meip.level).toBe(false);
    p.setSource(6, true);
    p.setSource(6, false);
    expect(p.read(PENDING) & (1 << 6)).toBe(0);
    expect(meip.level).toBe(false);
    expect(p.read(CLAIM0)).toBe(0);
  });

  it("a completed source can be claimed again when its line rises again", () => {
    const { p } = plic([5]);
    p.setSource(5, true);
    p.read(CLAIM0);
    p.setSource(5, false);
    p.write(CLAIM0, 4, 5);
    p.setSource(5, true);
    expect(p.read(CLAIM0)).toBe(5);
  });

  it("the pending bits are read-only", () => {
    const { p, meip } = plic([5]);
    p.write(PENDING, 4, 1 << 5);
    expect(p.read(PENDING)).toBe(0);
    expect(meip.level).toBe(false);
  });
});
