import { quickRunner } from "@vmlab/test-utils";
import { RngStreams } from "../sim/rng.js";

/** A scenario's `--quick` run with `over` on top of its quick settings, at `seed` (its streams seeded alike), no progress. */
export const runQuick = quickRunner((seed) => new RngStreams(seed));
