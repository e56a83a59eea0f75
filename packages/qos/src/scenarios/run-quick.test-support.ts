import { RngStreams, type Scenario, type ScenarioResult } from "@vmlab/core-vm";

/** A scenario's `--quick` run with `over` on top of its quick settings, at `seed` (its streams seeded alike), no progress. */
export async function runQuick(s: Scenario, over: Record<string, unknown> = {}, seed = 1): Promise<ScenarioResult> {
  const config = s.config.parse({ ...s.quick, ...over });
  return s.run({ config, seed, quick: true, rng: new RngStreams(seed), progress: () => {} });
}
