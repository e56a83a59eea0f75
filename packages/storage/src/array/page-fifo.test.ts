import { describe, expect, it } from "vitest";
import { PageFifo } from "./page-fifo.js";

describe("PageFifo", () => {
  it("keeps arrival order across growth while wrapped around", () => {
    const f = new PageFifo();
    const model: number[] = [];
    let next = 0;
    // Wrap the 1,024-entry ring, then grow it twice with the head mid-ring.
    for (let i = 0; i < 700; i++) {
      f.push(next);
      model.push(next++);
    }
    for (let i = 0; i < 500; i++) expect(f.shift()).toBe(model.shift());
    for (let i = 0; i < 3000; i++) {
      f.push(next);
      model.push(next++);
    }
    expect(Array.from(f.toArray())).toEqual(model);
    const copy = new PageFifo(f.toArray());
    while (model.length > 0) {
      const want = model.shift();
      expect([f.shift(), copy.shift()]).toEqual([want, want]);
    }
    expect([f.length, copy.length]).toEqual([0, 0]);
  });
});
