import { type ConfigRefusal, plural, type Scenario, scenarioConfigError } from "@vmlab/core-vm";
import type { z } from "zod";
import { allowedText, type JsonSchemaNode, lengthText, schemaProps } from "./config-schema.js";
import { CliErrors } from "./errors.js";

/** A decimal number: optional sign, digits with an optional fraction, an optional exponent. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A `--set` text as the refusal quotes it: a number as written, a word in quotes (an empty one too). */
const quoteRaw = (raw: string) => (DECIMAL.test(raw) ? raw : JSON.stringify(raw));

/**
 * A `--set` value as the schema's type at `n`. `key` names it in a refusal (a list's item as `key[i]`);
 * a value of the wrong type is refused in the same words as one the schema refuses (see `refusalOf`).
 */
function coerceScalar(scenario: string, key: string, raw: string, n: JsonSchemaNode): unknown {
  const t = Array.isArray(n.type) ? n.type[0] : n.type;
  const refused = () => scenarioConfigError(scenario, [{ key, issue: `must be ${allowedText(n)}, got ${quoteRaw(raw)}` }]);
  if (n.enum) {
    const hit = n.enum.find((v) => String(v) === raw);
    if (hit === undefined) throw refused();
    return hit;
  }
  if (t === "number" || t === "integer") {
    // Decimal only (an exponent allowed: durationMs=2e3): `Number` alone would also take 0x10, 0b1 and 0o7.
    const v = DECIMAL.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isFinite(v) || (t === "integer" && !Number.isInteger(v))) throw refused();
    return v;
  }
  if (t === "boolean") {
    if (raw === "true" || raw === "1") return true;
    if (raw === "false" || raw === "0") return false;
    throw refused();
  }
  return raw;
}

/**
 * Turns `--set key=value` pairs into typed values using the schema: numbers,
 * booleans, enums, and comma-separated arrays. Unknown keys and a key given twice are rejected.
 */
export function parseSets(s: Scenario, sets: readonly string[]): Record<string, unknown> {
  const props = schemaProps(s);
  const out: Record<string, unknown> = {};
  const given = new Map<string, string>();
  for (const text of sets) {
    const eq = text.indexOf("=");
    if (eq <= 0) throw CliErrors.badSet(text);
    const key = text.slice(0, eq).trim();
    const raw = text.slice(eq + 1);
    // The last one won silently: the other value, or a typo for another key, was lost without a word.
    const earlier = given.get(key);
    if (earlier !== undefined) throw CliErrors.duplicateKey(key, earlier, raw);
    given.set(key, raw);
    // Own keys only: "constructor" or "__proto__" must not find Object.prototype and pass silently.
    const node = Object.hasOwn(props, key) ? props[key] : undefined;
    if (!node) throw CliErrors.unknownKey(key, s.id, Object.keys(props));
    if (node.type === "array") {
      const items = node.items ?? {};
      out[key] = raw === "" ? [] : raw.split(",").map((part, i) => coerceScalar(s.id, `${key}[${i}]`, part.trim(), items));
    } else out[key] = coerceScalar(s.id, key, raw.trim(), node); // as keys and list items are: `--set placement= contiguous`
  }
  return out;
}

/** The value the config was given at `path` (undefined where the schema's default applies). */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of path) {
    if (typeof v !== "object" || v === null || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** A value as `--set` would take it: a list comma-separated, a word in quotes. */
function formatGiven(v: unknown): string {
  // An empty list or string printed as nothing left "got " with nothing after it: say what was given.
  if (Array.isArray(v)) return v.length === 0 ? "an empty list" : `${plural(v.length, "item")} (${v.map(String).join(",")})`;
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** A path as the user writes it: `stopAtS[0]`, not zod's `stopAtS.0`. */
function keyOf(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(config)";
  return path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join("");
}

/** The schema node at `path` (a key, or a key's list item); undefined deeper than that. */
function nodeAt(props: Record<string, JsonSchemaNode>, path: readonly PropertyKey[]): JsonSchemaNode | undefined {
  const top = Object.hasOwn(props, String(path[0])) ? props[String(path[0])] : undefined;
  if (path.length === 1) return top;
  return path.length === 2 && typeof path[1] === "number" ? top?.items : undefined;
}

/**
 * One zod issue as a refusal, each fact once: a cross-field rule (a "custom" issue) names the values it compares
 * and the limit they set, and nothing else (the field's own range, which the value meets, sent users after the
 * wrong bound); a field's own check says what the field allows, from the schema `vmlab describe` reads, and the
 * value given (zod's sentence said the bound alone, and beside the range it said it twice).
 */
function refusalOf(i: z.core.$ZodIssue, input: unknown, props: Record<string, JsonSchemaNode>): ConfigRefusal {
  const key = keyOf(i.path);
  const node = nodeAt(props, i.path);
  if (i.code === "custom" || !node) return { key, issue: i.message };
  const value = valueAt(input, i.path);
  const got = value === undefined ? "" : `, got ${formatGiven(value)}`;
  const length = (i.code === "too_big" || i.code === "too_small") && i.origin === "array" ? lengthText(node) : "";
  if (length) return { key, issue: `must have ${length}${Array.isArray(value) && value.length === 0 ? ", got an empty list" : got}` };
  return { key, issue: `must be ${allowedText(node)}${got}` };
}

/**
 * The scenario's config: schema defaults, then `--quick` overrides, then `--set` values; validated with the
 * schema. A refusal names the scenario, each key refused, the value given and what is allowed, in the one shape
 * every scenario's config refusals have (core-vm's `scenarioConfigError`).
 */
export function resolveConfig(s: Scenario, sets: readonly string[], quick: boolean): Record<string, unknown> {
  const input = { ...(quick ? s.quick : {}), ...parseSets(s, sets) };
  const parsed = s.config.safeParse(input);
  if (!parsed.success) {
    const props = schemaProps(s);
    // One line per refusal: a value over both its bound and `.int()`'s 2^53, or off a multiple too, is told once.
    const seen = new Set<string>();
    const refusals = parsed.error.issues
      .map((i) => refusalOf(i, input, props))
      .filter((r) => !seen.has(`${r.key}: ${r.issue}`) && seen.add(`${r.key}: ${r.issue}`));
    throw scenarioConfigError(s.id, refusals);
  }
  return parsed.data as Record<string, unknown>;
}
