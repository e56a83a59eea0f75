import { describe, expect, it } from "vitest";
import { RecencyList } from "./recency-list.js";

/** The scan the list replaces: the first item with the smallest stamp. */
function scanFirst(stamp: Float64Array, size: number): number {
  let victim = 0;
  for (let i = 1; i < size; i++) if (stamp[i] < stamp[victim]) victim = i;
  return victim;
}

describe("RecencyList", () => {
  it("its first item is the scan's least recently used, through new-highest stamps, arbitrary stamps, ties and rebuilds", () => {
    let seed = 11;
    const r = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    for (const size of [1, 2, 3, 16]) {
      const stamp = new Float64Array(size);
      const list = new RecencyList(size);
      list.rebuild(stamp);
      let clock = 0;
      for (let step = 0; step < 20_000; step++) {
        const i = Math.floor(r() * size);
        const u = r();
        if (u < 0.8)
          stamp[i] = ++clock; // the cache's use: a new highest stamp
        else if (u < 0.97)
          stamp[i] = Math.floor(r() * (clock + 2)); // any stamp, often equal to another
        else {
          for (let k = 0; k < size; k++) stamp[k] = Math.floor(r() * 4); // a restored state, many ties
          list.rebuild(stamp);
          expect(list.first).toBe(scanFirst(stamp, size));
          continue;
        }
        list.restamped(i, stamp);
        if (list.first !== scanFirst(stamp, size)) expect.fail(`size ${size}, step ${step}`);
      }
    }
  });
});
