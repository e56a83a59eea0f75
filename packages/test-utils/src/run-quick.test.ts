import { describe, expect, it } from "vitest";
import { quickRunner } from "./run-quick.js";

/** A stand-in scenario whose run returns what it was given: its config as parsed, and the rest of its context. */
const echo = {
  config: { parse: (input: unknown) => ({ parsed: input }) },
  quick: { durationS: 10, hosts: 2 },
  run: (ctx: { config: unknown; seed: number; quick: boolean; rng: string; progress(done: number, total: number): void }) => {
    ctx.progress(1, 2);
    return { config: ctx.config, seed: ctx.seed, quick: ctx.quick, rng: ctx.rng };
  },
};

describe("quickRunner", () => {
  const runQuick = quickRunner((seed) => `streams(${seed})`);

  it("runs the scenario's quick settings with `over` on top, as --quick, at `seed` with streams seeded alike", async () => {
    expect(await runQuick(echo, { hosts: 3 }, 7)).toEqual({
      config: { parsed: { durationS: 10, hosts: 3 } },
      seed: 7,
      quick: true,
      rng: "streams(7)",
    });
  });

  it("defaults to the quick settings alone at seed 1", async () => {
    expect(await runQuick(echo)).toEqual({ config: { parsed: { durationS: 10, hosts: 2 } }, seed: 1, quick: true, rng: "streams(1)" });
  });
});
