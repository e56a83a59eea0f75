/**
 * Ram.contains is every device's DMA bounds check (virtqueue rings and
 * buffers, snapshot state): a range is in RAM iff it starts in it and ends at
 * or before its end. Each case failed against a one-line change to ram.ts that
 * every other test let through.
 */
import { describe, expect, it } from "vitest";
import { Machine } from "../src/index.js";

describe("Ram.contains", () => {
  it("accepts a range ending exactly at the end of RAM; refuses one a byte longer and a negative length", () => {
    const { ram } = new Machine({ ramMiB: 1 });
    const end = ram.base + ram.size;
    expect(ram.contains(end - 16, 16)).toBe(true);
    expect(ram.contains(ram.base, ram.size)).toBe(true);
    expect(ram.contains(end - 16, 17)).toBe(false);
    expect(ram.contains(ram.base + 64, -1)).toBe(false);
    expect(ram.contains(ram.base - 1, 1)).toBe(false);
  });
});
