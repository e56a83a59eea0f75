import { esxDiskPerf } from "./esx-disk-perf.js";

/** esx-disk-perf's check of `overrides` on the quick grid: its refusal, or "" if it takes them. */
export function esxRefusal(overrides: Record<string, unknown>): string {
  const config = esxDiskPerf.config.parse({ ...esxDiskPerf.quick, ...overrides });
  try {
    esxDiskPerf.check?.({ config, seed: 1, quick: true });
    return "";
  } catch (e) {
    return (e as Error).message;
  }
}
