import { defineScenario, isVmlabError, type Scenario } from "@vmlab/core-vm";
import type { z } from "zod";
import { QosErrors } from "../errors.js";

/** A refusal of the models' checks, told again with the scenario it came through (the models do not know it). */
function withScenario(id: string, e: unknown): unknown {
  if (!isVmlabError(e) || e.code !== "VMLAB_QOS_BAD_CONFIG" || e.details.scenario !== undefined) return e;
  return QosErrors.badConfig(String(e.details.key), String(e.details.issue), id);
}

/**
 * `defineScenario` for qos's scenarios: a bad-config refusal from the scenario's check or run, or from a model
 * it builds, points at this scenario's `vmlab describe` — the line ended with a literal "`vmlab describe <scenario>`".
 */
export function defineQosScenario<S extends z.ZodObject>(s: Scenario<S>): Scenario {
  const { check, run } = s;
  return defineScenario<S>({
    ...s,
    ...(check && {
      check: (ctx) => {
        try {
          check(ctx);
        } catch (e) {
          throw withScenario(s.id, e);
        }
      },
    }),
    run: (ctx) => {
      try {
        const r = run(ctx);
        return r instanceof Promise ? r.catch((e: unknown) => Promise.reject(withScenario(s.id, e))) : r;
      } catch (e) {
        throw withScenario(s.id, e);
      }
    },
  });
}
