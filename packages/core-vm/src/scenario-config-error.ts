import { isVmlabError, VmlabError } from "./errors.js";

/**
 * The one code of every refusal of a scenario's config value, whichever package finds it: the CLI's `--set`
 * parsing, the scenario's schema, or a cross-field rule in the scenario's `check` or a model it builds (qos,
 * storage, core-vm alike). A user or a script that asks "was my config refused?" should not need to know which
 * package checks which key, and a rule moving from a model into the schema must not change its code. Packages
 * keep their own codes (VMLAB_QOS_BAD_CONFIG, VMLAB_STORAGE_BAD_CONFIG) for their models used as a library,
 * outside any scenario; such a refusal that comes through a scenario is this one, with the package's as its cause.
 */
export const SCENARIO_BAD_CONFIG = "VMLAB_SCENARIO_BAD_CONFIG";

/**
 * One refused value. `key` as the user writes it (`--set key=…`; a list's item as `key[0]`); `issue` says each
 * fact once: what is wrong, the value given, and what is allowed — for a cross-field rule the limit the other
 * keys set, not the field's own range (which the value may well meet).
 */
export interface ConfigRefusal {
  key: string;
  issue: string;
}

/**
 * The refusal of a scenario's config, one line for all its refused values:
 * "invalid config for <scenario>: <key>: <issue>[; <key>: <issue>…] (see `vmlab describe <scenario>`)".
 * `details.key`/`details.issue` are the first refusal's; `details.refusals` all of them.
 */
export function scenarioConfigError(scenario: string, refusals: readonly ConfigRefusal[], cause?: unknown): VmlabError {
  const all = refusals.length > 0 ? refusals.map((r) => ({ key: r.key, issue: r.issue })) : [{ key: "(config)", issue: "refused" }];
  const text = all.map((r) => `${r.key}: ${r.issue}`).join("; ");
  return new VmlabError(
    SCENARIO_BAD_CONFIG,
    `invalid config for ${scenario}: ${text} (see \`vmlab describe ${scenario}\`)`,
    { scenario, key: all[0].key, issue: all[0].issue, refusals: all },
    cause === undefined ? undefined : { cause },
  );
}

/**
 * A package's own config refusal (a `VmlabError` with a `*_BAD_CONFIG` code and string `details.key` and
 * `details.issue`, as its models throw them, not knowing the scenario) told as the refusal of `scenario`'s config;
 * anything else is returned unchanged. For a scenario wrapper's check and run.
 */
export function asScenarioConfigError(scenario: string, e: unknown): unknown {
  if (!isVmlabError(e) || e.code === SCENARIO_BAD_CONFIG || !e.code.endsWith("_BAD_CONFIG")) return e;
  const { key, issue } = e.details;
  if (typeof key !== "string" || typeof issue !== "string") return e;
  return scenarioConfigError(scenario, [{ key, issue }], e);
}

/**
 * Any `VmlabError` a scenario's `check` throws, told as the refusal of `scenario`'s config: whatever its code
 * (a package's own, with or without `_BAD_`), a check's refusal is a refused config — one line, exit 2 from
 * the CLI — never a failed run. Its `details.key`/`details.issue` are kept when it names them; otherwise the
 * key is "(config)" and the issue its message. The original is the cause. An error that is not a `VmlabError`
 * (a bug in the check) is returned unchanged. `defineScenario` and the CLI's check apply it.
 */
export function asCheckRefusal(scenario: string, e: unknown): unknown {
  if (!isVmlabError(e) || e.code === SCENARIO_BAD_CONFIG) return e;
  const { key, issue } = e.details;
  const named = typeof key === "string" && typeof issue === "string";
  return scenarioConfigError(scenario, [named ? { key, issue } : { key: "(config)", issue: e.message }], e);
}
