import type { VmlabPlugin } from "@vmlab/core-vm";

/** @vmlab/storage's scenarios and benchmarks, discovered by the `vmlab` CLI. */
export const plugin: VmlabPlugin = {
  package: "@vmlab/storage",
  scenarios: [],
  benchmarks: [],
};
