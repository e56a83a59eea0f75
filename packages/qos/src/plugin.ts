import type { VmlabPlugin } from "@vmlab/core-vm";

/** @vmlab/qos's scenarios and benchmarks, discovered by the `vmlab` CLI. */
export const plugin: VmlabPlugin = {
  package: "@vmlab/qos",
  scenarios: [],
  benchmarks: [],
};
