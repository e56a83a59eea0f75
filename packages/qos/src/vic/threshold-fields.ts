import { z } from "zod";
import { DEFAULT_VIC } from "./coalescer.js";

/**
 * vIC's two switches (§3 of the paper: coalesce only at high CIF and high IO
 * rate), as config fields shared by every vIC scenario. The paper's values
 * were not found; the defaults are documented assumptions (docs/vic.md).
 */
export const vicThresholdFields = {
  cifThreshold: z
    .number()
    .int()
    .min(0)
    .max(256)
    .default(DEFAULT_VIC.cifThreshold)
    .describe("vIC: no coalescing while CIF ≤ this (paper value not found)"),
  iopsThreshold: z
    .number()
    .min(0)
    .max(1e7)
    .default(DEFAULT_VIC.iopsThreshold)
    .describe("vIC: no coalescing below this IO rate, IOPS (paper value not found)"),
};
