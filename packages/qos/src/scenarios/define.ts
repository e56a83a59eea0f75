import { asScenarioConfigError, defineScenario, type Scenario } from "@vmlab/core-vm";
import type { z } from "zod";

/**
 * `defineScenario` for qos's scenarios: a bad-config refusal from the scenario's check or run, or from a model it
 * builds (which does not know the scenario), is told as the refusal of this scenario's config — the one shape and
 * code every scenario's config refusals have (core-vm's `scenarioConfigError`), the model's own error as its cause.
 */
export function defineQosScenario<S extends z.ZodObject>(s: Scenario<S>): Scenario<S> {
  const { run } = s;
  const told = (e: unknown) => asScenarioConfigError(s.id, e);
  // The check's refusals need no wrapping here: defineScenario tells any VmlabError from `check` as this
  // scenario's refusal (asCheckRefusal), which for a model's *_BAD_CONFIG with its key and issue is this same line.
  return defineScenario<S>({
    ...s,
    run: (ctx) => {
      try {
        const r = run(ctx);
        return r instanceof Promise ? r.catch((e: unknown) => Promise.reject(told(e))) : r;
      } catch (e) {
        throw told(e);
      }
    },
  });
}
