import type { VmlabPlugin } from "@vmlab/core-vm";
import { vscsistatsBenchmarks } from "./bench/vscsistats-bench.js";

/** @vmlab/storage's scenarios and benchmarks, discovered by the `vmlab` CLI. */
export const plugin: VmlabPlugin = {
  package: "@vmlab/storage",
  scenarios: [],
  benchmarks: [...vscsistatsBenchmarks],
};
