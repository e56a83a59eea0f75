/**
 * The part of a vmlab scenario (core-vm's `Scenario`) that a test's `--quick` run uses. Structural, as `thrownCode`
 * is: test-utils does not depend on core-vm (core-vm's tests depend on test-utils), so the run's seeded streams
 * come from the caller's `streams`.
 */
export interface QuickRunnable<Config, Streams, Result> {
  config: { parse(input: unknown): Config };
  quick: object;
  run(ctx: {
    config: Config;
    seed: number;
    quick: boolean;
    rng: Streams;
    progress(done: number, total: number): void;
  }): Result | Promise<Result>;
}

/**
 * `runQuick(scenario, over, seed)`: the scenario's `--quick` run — its quick settings with `over` on top, at `seed`,
 * with `streams(seed)` as its streams (seeded alike, as `vmlab run --seed` seeds them) and no progress. A package's
 * tests bind it once to core-vm's `RngStreams`.
 */
export function quickRunner<Streams>(streams: (seed: number) => Streams) {
  return async function runQuick<Config, Result>(
    s: QuickRunnable<Config, Streams, Result>,
    over: Record<string, unknown> = {},
    seed = 1,
  ): Promise<Result> {
    const config = s.config.parse({ ...s.quick, ...over });
    return s.run({ config, seed, quick: true, rng: streams(seed), progress: () => {} });
  };
}
