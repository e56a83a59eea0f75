import { type ConfigRefusal, isVmlabError, SCENARIO_BAD_CONFIG, type Scenario, scenarioConfigError } from "@vmlab/core-vm";

/** Where a config value the user did not `--set` came from, as a refusal says it. */
export type ValueSource = "from --quick" | "the default";

/** Each config key the user did not `--set`, with its value as the refusals print it and where that value came from. */
export type ValueSources = ReadonlyMap<string, { text: string; source: ValueSource }>;

/** A value as the refusals print it (`given stopAtS=50,50`): a list comma-separated, a number in decimal. */
const valueText = (v: unknown) => (Array.isArray(v) ? v.map(String).join(",") : String(v));

/** The key of each `--set key=value` text, as `parseSets` reads it (the texts have already been checked there). */
function setKeys(sets: readonly string[]): Set<string> {
  return new Set(sets.map((t) => t.slice(0, Math.max(0, t.indexOf("="))).trim()));
}

/**
 * Where each value of `config` that the user did not `--set` came from: `--quick`'s settings or the schema's default.
 * A refusal that quotes such a value ("given measureFromS=100") blamed the user for a number they never typed.
 */
export function valueSources(s: Scenario, sets: readonly string[], quick: boolean, config: Record<string, unknown>): ValueSources {
  const set = setKeys(sets);
  const out = new Map<string, { text: string; source: ValueSource }>();
  for (const [key, v] of Object.entries(config)) {
    if (set.has(key) || v === undefined || (typeof v === "object" && !Array.isArray(v))) continue;
    out.set(key, { text: valueText(v), source: quick && Object.hasOwn(s.quick, key) ? "from --quick" : "the default" });
  }
  return out;
}

/**
 * The config the user's `--set`s went into: the schema's defaults, under `--quick`'s settings with it. For a refusal of
 * the merged config by the schema itself (a cross-field rule such as "minCustomers: must be at most maxCustomers"),
 * which leaves no parsed config to read the other values from. Empty if even that is refused.
 */
export function baseConfig(s: Scenario, quick: boolean): Record<string, unknown> {
  const parsed = s.config.safeParse(quick ? s.quick : {});
  return parsed.success ? (parsed.data as Record<string, unknown>) : {};
}

const escapeRegExp = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A scenario's config refusal (`VMLAB_SCENARIO_BAD_CONFIG`) with every `key=value` it quotes of a value the user did
 * not set followed by where it came from: "given measureFromS=100 (from --quick)". A value quoted another way —
 * "windowMin (4)", "idleFromS (140 s)", or `key=value` with a parenthesis after it, "durationS=160 (60 s)" — is told
 * at the end: "…, got 2; windowMin=4 is the default", as is the refused key's own value when the user did not set it
 * ("minCustomers: must be at most maxCustomers (200), got 50000; minCustomers=50000 is the default"). Scenarios word
 * their refusals without knowing about `--quick` or `--set`, so the CLI, which merged them, says it, for every scenario
 * alike. Anything else, or a refusal that quotes no such value, is returned unchanged.
 */
export function withValueSources(e: unknown, sources: ValueSources): unknown {
  if (!isVmlabError(e) || e.code !== SCENARIO_BAD_CONFIG) return e;
  const { scenario, refusals } = e.details;
  if (typeof scenario !== "string" || !Array.isArray(refusals)) return e;
  let changed = false;
  const told = (refusals as ConfigRefusal[]).map(({ key, issue }) => {
    let text = issue;
    const atEnd: string[] = [];
    for (const [k, { text: v, source }] of sources) {
      // The whole token only: not measureFromS=10 inside measureFromS=100, nor a key that ends another's name.
      const keyRe = `(?<![\\w.\\]])${escapeRegExp(k)}`;
      const valueRe = `${escapeRegExp(v)}(?![\\w.,])`;
      text = text.replace(new RegExp(`${keyRe}=${valueRe}(?! \\()`, "g"), (m) => `${m} (${source})`);
      // A parenthesis after the value is the refusal's own ("(60 s)"): the source goes at the end instead. So does
      // the refused key's own value ("minCustomers: …, got 50000"): the user set only the key it was compared with.
      if (
        new RegExp(`${keyRe} \\(${valueRe}|${keyRe}=${valueRe} \\(`).test(issue) ||
        (key === k && new RegExp(`\\bgot ${valueRe}`).test(issue))
      )
        atEnd.push(`${k}=${v} is ${source}`);
    }
    if (atEnd.length > 0) text += `; ${atEnd.join(", ")}`;
    changed ||= text !== issue;
    return { key, issue: text };
  });
  return changed ? scenarioConfigError(scenario, told, e.cause ?? e) : e;
}
