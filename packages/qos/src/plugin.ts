import type { VmlabPlugin } from "@vmlab/core-vm";
import { pardaBenchmark } from "./bench/parda-bench.js";
import { flowControl } from "./scenarios/flow-control.js";
import { mclockVsSfq } from "./scenarios/mclock-vs-sfq.js";
import { pardaDemandChange } from "./scenarios/parda-demand-change.js";
import { pardaEndToEnd } from "./scenarios/parda-end-to-end.js";
import { pardaEqualShares } from "./scenarios/parda-equal-shares.js";
import { pardaProportional } from "./scenarios/parda-proportional.js";
import { pardaThresholdChange } from "./scenarios/parda-threshold-change.js";
import { vicCoalescing } from "./scenarios/vic-coalescing.js";
import { vicGuest } from "./scenarios/vic-guest.js";

/** @vmlab/qos's scenarios and benchmarks, discovered by the `vmlab` CLI. */
export const plugin: VmlabPlugin = {
  package: "@vmlab/qos",
  scenarios: [
    pardaEqualShares,
    pardaProportional,
    pardaDemandChange,
    pardaThresholdChange,
    pardaEndToEnd,
    flowControl,
    vicCoalescing,
    vicGuest,
    mclockVsSfq,
  ],
  benchmarks: [pardaBenchmark],
};
