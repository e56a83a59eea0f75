import { isVmlabError, type Scenario } from "@vmlab/core-vm";
import { plugin } from "../plugin.js";

/** The scenarios whose hosts run PARDA's (or SPEED'08's) control loop: those taking the control fields. */
export const CONTROLLED_SCENARIOS = [
  "flow-control",
  "parda-demand-change",
  "parda-end-to-end",
  "parda-equal-shares",
  "parda-proportional",
  "parda-threshold-change",
];

/** This package's scenario `id`. */
export function scenario(id: string): Scenario {
  const s = plugin.scenarios.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id}`);
  return s;
}

/**
 * The message of the refusal the scenario's check gives `over` on its --quick config (what `vmlab run` and
 * `--dry-run` call before anything runs), or "not refused".
 */
export function checkRefusal(id: string, over: Record<string, unknown>): string {
  const s = scenario(id);
  const config = s.config.parse({ ...s.quick, ...over });
  try {
    s.check?.({ config, seed: 1, quick: true });
  } catch (e) {
    if (isVmlabError(e)) return e.message;
    throw e;
  }
  return "not refused";
}
