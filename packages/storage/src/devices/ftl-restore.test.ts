import { Simulation } from "@vmlab/core-vm";
import { describe, expect, it } from "vitest";
import { type FtlState, PageFtl } from "./ftl.js";
import { Ssd } from "./ssd.js";
import { GENERIC_MLC_SSD, type SsdSpec } from "./ssd-spec.js";
import { base64ToInt32, int32ToBase64 } from "./typed-b64.js";

/** 2 dies of 24 blocks of 4 pages; GC below 2 free blocks. */
const SPEC: SsdSpec = {
  ...GENERIC_MLC_SSD,
  channels: 2,
  diesPerChannel: 1,
  pagesPerBlock: 4,
  blocksPerDie: 24,
  overProvisioning: 0.45,
  gcFreeBlocks: 2,
};

/** Five pages written on die 0: block 0 full, block 1 open with one page written. */
function fiveOnDie0(): FtlState {
  const ftl = new PageFtl(SPEC);
  for (let lp = 0; lp < 5; lp++) ftl.write(lp, 0);
  return ftl.save();
}

/** Expects `restore(bad)` on a fresh FTL to throw a bad-state error matching `message`, and to change nothing. */
function expectRefused(bad: FtlState, message: RegExp): void {
  const ftl = new PageFtl(SPEC);
  const before = ftl.save();
  expect(() => ftl.restore(bad)).toThrow(
    expect.objectContaining({ code: "VMLAB_STORAGE_BAD_STATE", message: expect.stringMatching(message) }),
  );
  expect(ftl.save()).toEqual(before);
}

describe("PageFtl.restore refuses states the FTL never reaches (saved state is untrusted)", () => {
  it("the untampered state restores (so each refusal below is for its one change)", () => {
    const ftl = new PageFtl(SPEC);
    ftl.restore(fiveOnDie0());
    expect(ftl.save()).toEqual(fiveOnDie0());
  });

  it("a free block that holds valid data (GC would hand it out and the next writes would overwrite live pages)", () => {
    const s = fiveOnDie0();
    expect(s.openBlock[0]).toBe(1);
    expectRefused({ ...s, freeBlocks: [[...s.freeBlocks[0], 0], s.freeBlocks[1]] }, /die 0: free block 0 holds data/);
  });

  it("a page already written at the open block's write point (the next write would land on it)", () => {
    const s = fiveOnDie0();
    expect(s.openPage[0]).toBe(1);
    expectRefused({ ...s, openPage: [0, s.openPage[1]] }, /die 0: data past the open block's write point/);
  });

  it("a logical page mapped one page past the end of the flash", () => {
    const s = fiveOnDie0();
    const l2p = base64ToInt32(s.l2p, new PageFtl(SPEC).logicalPages) as Int32Array;
    l2p[0] = 2 * 24 * 4; // dies x blocks x pages: the first page that does not exist
    expectRefused({ ...s, l2p: int32ToBase64(l2p) }, /logical page 0 maps outside the flash/);
  });
});

describe("Ssd.restore", () => {
  it("refuses a next die equal to the die count (dies are numbered from 0), changing nothing", () => {
    const ssd = new Ssd(new Simulation(), SPEC);
    const good = ssd.save();
    const fresh = new Ssd(new Simulation(), SPEC);
    const before = fresh.save();
    expect(() => fresh.restore({ ...good, nextDie: ssd.ftl.dies })).toThrow(expect.objectContaining({ code: "VMLAB_STORAGE_BAD_STATE" }));
    expect(fresh.save()).toEqual(before);
    fresh.restore({ ...good, nextDie: ssd.ftl.dies - 1 });
    expect(fresh.save().nextDie).toBe(ssd.ftl.dies - 1);
  });
});

describe("Ssd.writeAmplification", () => {
  it("is 1 (no amplification) before any host write, not 0", () => {
    expect(new Ssd(new Simulation(), SPEC).writeAmplification).toBe(1);
  });
});
