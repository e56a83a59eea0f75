import { cpuBenchmarks } from "./bench/cpu-bench.js";
import { dirtyTrackingBenchmarks } from "./bench/dirty-bench.js";
import { simBenchmarks } from "./bench/sim-bench.js";
import { snapshotBenchmarks } from "./bench/snapshot-bench.js";
import { virtioBenchmarks } from "./bench/virtio-bench.js";
import type { VmlabPlugin } from "./plugin-api.js";
import { queueValidation } from "./scenarios/queue-validation/scenario.js";

/** core-vm's scenarios and benchmarks, discovered by the `vmlab` CLI. */
export const plugin: VmlabPlugin = {
  package: "@vmlab/core-vm",
  scenarios: [queueValidation],
  benchmarks: [...simBenchmarks, ...cpuBenchmarks, ...virtioBenchmarks, ...snapshotBenchmarks, ...dirtyTrackingBenchmarks],
};
