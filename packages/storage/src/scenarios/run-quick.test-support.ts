import { RngStreams } from "@vmlab/core-vm";
import { quickRunner } from "@vmlab/test-utils";

/** A scenario's `--quick` run with `over` on top of its quick settings, at `seed` (its streams seeded alike), no progress. */
export const runQuick = quickRunner((seed) => new RngStreams(seed));
