import type { VmlabPlugin } from "@vmlab/core-vm";
import { simIosBenchmark } from "./bench/sim-ios.js";
import { vscsistatsBenchmarks } from "./bench/vscsistats-bench.js";
import { diskModels } from "./disk-models.js";
import { esxDiskPerf } from "./scenarios/esx-disk-perf.js";
import { vscsistatsCharacterize } from "./scenarios/vscsistats-characterize.js";

/** @vmlab/storage's scenarios, benchmarks and disk models, discovered by the `vmlab` CLI. */
export const plugin: VmlabPlugin = {
  package: "@vmlab/storage",
  scenarios: [esxDiskPerf, vscsistatsCharacterize],
  benchmarks: [simIosBenchmark, ...vscsistatsBenchmarks],
  diskModels,
};
