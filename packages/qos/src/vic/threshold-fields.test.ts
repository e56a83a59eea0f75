import { refusedDetail } from "@vmlab/test-utils";
import { describe, expect, it } from "vitest";
import { DEFAULT_VIC } from "./coalescer.js";
import { describeRatioTable, vicParamsOf } from "./threshold-fields.js";

const base = { cifThreshold: 4, iopsThreshold: 2000, ratioMinCif: [8, 12, 24], ratio: [1 / 2, 1 / 4, 1 / 8], rateWindowCompletions: 64 };

const refusedKey = (run: () => unknown): string => refusedDetail(run, "VMLAB_QOS_BAD_CONFIG");

describe("vIC scenario fields", () => {
  it("the defaults give DEFAULT_VIC; every field reaches the coalescer's parameters", () => {
    expect(vicParamsOf(base)).toEqual(DEFAULT_VIC);
    const p = vicParamsOf({ cifThreshold: 9, iopsThreshold: 5, ratioMinCif: [16, 40], ratio: [0.3, 0.1], rateWindowCompletions: 7 });
    expect(p).toEqual({
      cifThreshold: 9,
      iopsThreshold: 5,
      ratioTable: [
        { minCif: 16, ratio: 0.3 },
        { minCif: 40, ratio: 0.1 },
      ],
      rateWindowCompletions: 7,
    });
    expect(describeRatioTable(DEFAULT_VIC)).toBe("R = 1/2 from CIF 8, 1/4 from CIF 12, 1/8 from CIF 24");
    expect(describeRatioTable(p)).toBe("R = 0.3 from CIF 16, 1/10 from CIF 40");
    expect(describeRatioTable(vicParamsOf({ ...base, ratioMinCif: [], ratio: [] }))).toBe("empty table: R = 1 throughout");
  });

  it("refuses a table whose two lists do not pair up or whose steps do not ascend, naming the CLI key", () => {
    expect(refusedKey(() => vicParamsOf({ ...base, ratio: [0.5, 0.25] }))).toBe("ratio");
    expect(refusedKey(() => vicParamsOf({ ...base, ratioMinCif: [8, 8, 24] }))).toBe("ratioMinCif");
    expect(refusedKey(() => vicParamsOf({ ...base, ratioMinCif: [24, 12, 8] }))).toBe("ratioMinCif");
  });
});
