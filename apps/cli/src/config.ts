import type { Scenario } from "@vmlab/core-vm";
import { z } from "zod";
import { CliErrors } from "./errors.js";

/** One config parameter as `vmlab describe` shows it, read from the zod schema. */
export interface ParamInfo {
  name: string;
  type: string;
  default: unknown;
  description: string;
  /** Allowed range or values, in words ("1 ≤ x ≤ 10", "one of a|b"). */
  range: string;
}

interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  /** A sweep axis (`eachOnce`): a value given twice is refused. */
  uniqueItems?: boolean;
  enum?: unknown[];
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  properties?: Record<string, JsonSchemaNode>;
}

function schemaOf(s: Scenario): JsonSchemaNode {
  return z.toJSONSchema(s.config, { io: "input", unrepresentable: "any" }) as JsonSchemaNode;
}

function typeName(n: JsonSchemaNode): string {
  if (n.enum) return "enum";
  if (n.type === "array") return `${n.items ? typeName(n.items) : "value"}[]`;
  if (Array.isArray(n.type)) return n.type.join("|");
  if (n.anyOf) return n.anyOf.map(typeName).join("|");
  return n.type ?? "value";
}

function rangeText(n: JsonSchemaNode): string {
  if (n.enum) return `one of ${n.enum.map(String).join("|")}`;
  if (n.type === "array" && n.items) {
    const inner = rangeText(n.items);
    const len = n.minItems !== undefined || n.maxItems !== undefined ? `${n.minItems ?? 0}..${n.maxItems ?? "∞"} items` : "comma-separated";
    const text = inner ? `${len}, each ${inner}` : len;
    return n.uniqueItems ? `${text}, no repeats` : text;
  }
  const parts: string[] = [];
  if (n.minimum !== undefined && n.minimum > Number.MIN_SAFE_INTEGER) parts.push(`≥ ${n.minimum}`);
  if (n.exclusiveMinimum !== undefined) parts.push(`> ${n.exclusiveMinimum}`);
  if (n.maximum !== undefined && n.maximum < Number.MAX_SAFE_INTEGER) parts.push(`≤ ${n.maximum}`);
  if (n.exclusiveMaximum !== undefined) parts.push(`< ${n.exclusiveMaximum}`);
  if (n.multipleOf !== undefined && n.multipleOf !== 1) parts.push(`a multiple of ${n.multipleOf}`);
  return parts.join(", ");
}

export function describeParams(s: Scenario): ParamInfo[] {
  const props = schemaOf(s).properties ?? {};
  return Object.entries(props).map(([name, n]) => ({
    name,
    type: typeName(n),
    default: n.default,
    description: n.description ?? "",
    range: rangeText(n),
  }));
}

/** A decimal number: optional sign, digits with an optional fraction, an optional exponent. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function coerceScalar(key: string, raw: string, n: JsonSchemaNode): unknown {
  const t = Array.isArray(n.type) ? n.type[0] : n.type;
  const expected = `${typeName(n)}${rangeText(n) ? ` (${rangeText(n)})` : ""}`;
  if (n.enum) {
    const hit = n.enum.find((v) => String(v) === raw);
    if (hit === undefined) throw CliErrors.badValue(key, raw, expected);
    return hit;
  }
  if (t === "number" || t === "integer") {
    // Decimal only (an exponent allowed: durationMs=2e3): `Number` alone would also take 0x10, 0b1 and 0o7.
    const v = DECIMAL.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (!Number.isFinite(v) || (t === "integer" && !Number.isInteger(v))) throw CliErrors.badValue(key, raw, expected);
    return v;
  }
  if (t === "boolean") {
    if (raw === "true" || raw === "1") return true;
    if (raw === "false" || raw === "0") return false;
    throw CliErrors.badValue(key, raw, "boolean (true|false)");
  }
  return raw;
}

/**
 * Turns `--set key=value` pairs into typed values using the schema: numbers,
 * booleans, enums, and comma-separated arrays. Unknown keys and a key given twice are rejected.
 */
export function parseSets(s: Scenario, sets: readonly string[]): Record<string, unknown> {
  const props = schemaOf(s).properties ?? {};
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
      out[key] = raw === "" ? [] : raw.split(",").map((part) => coerceScalar(key, part.trim(), items));
    } else out[key] = coerceScalar(key, raw.trim(), node); // as keys and list items are: `--set placement= contiguous`
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

type Issue = z.core.$ZodIssue;

/**
 * Of two range issues of one key, the one with the tighter bound: `.int()`'s own 2^53 check and the field's
 * `.max()` both refused maxCustomers=1e300, and the line said the value must be at most 9007199254740991.
 */
function tightestBounds(issues: readonly Issue[]): Issue[] {
  const key = (i: Issue) => `${i.code}:${i.path.map(String).join(".")}`;
  const best = new Map<string, Issue>();
  for (const i of issues) {
    const prev = best.get(key(i));
    const tighter =
      !prev ||
      (i.code === "too_big" && prev.code === "too_big" && Number(i.maximum) < Number(prev.maximum)) ||
      (i.code === "too_small" && prev.code === "too_small" && Number(i.minimum) > Number(prev.minimum));
    if (tighter) best.set(key(i), i);
  }
  // Other issues (several custom ones on one key, each saying something else) are all kept.
  return issues.filter((i) => (i.code === "too_big" || i.code === "too_small" ? best.get(key(i)) === i : true));
}

/** A value as `--set` would take it: a list comma-separated. */
function formatGiven(v: unknown): string {
  // An empty list or string printed as nothing left "given  (expected …": say what was given.
  if (Array.isArray(v)) return v.length === 0 ? "an empty list" : v.map(String).join(",");
  return v === "" ? '""' : String(v);
}

/**
 * The scenario's config: schema defaults, then `--quick` overrides, then
 * `--set` values; validated with the schema. Errors name the key, the
 * expected type and the allowed range.
 */
export function resolveConfig(s: Scenario, sets: readonly string[], quick: boolean): Record<string, unknown> {
  const input = { ...(quick ? s.quick : {}), ...parseSets(s, sets) };
  const parsed = s.config.safeParse(input);
  if (!parsed.success) {
    const params = new Map(describeParams(s).map((p) => [p.name, p]));
    const issues = tightestBounds(parsed.error.issues).map((i) => {
      const key = i.path.map(String).join(".") || "(config)";
      const p = params.get(String(i.path[0]));
      const expect = p ? ` (expected ${p.type}${p.range ? `, ${p.range}` : ""})` : "";
      // zod's own messages say the bound, not the value ("Too big: expected number to be <=200000000"); a
      // cross-field rule (a "custom" issue) names the values it compares itself.
      const value = valueAt(input, i.path);
      const given = i.code !== "custom" && value !== undefined ? `, given ${formatGiven(value)}` : "";
      return `${key}: ${i.message}${given}${expect}`;
    });
    throw CliErrors.badConfig(s.id, issues.join("; "));
  }
  return parsed.data as Record<string, unknown>;
}
