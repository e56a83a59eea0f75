import { plural, type Scenario } from "@vmlab/core-vm";
import { z } from "zod";

/**
 * A scenario's config schema read as JSON schema: the one source of what `vmlab describe` shows and of what a
 * refusal of a config value says is allowed, so the two say the same thing in the same words.
 */
export interface JsonSchemaNode {
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

/** One config parameter as `vmlab describe` shows it, read from the zod schema. */
export interface ParamInfo {
  name: string;
  type: string;
  default: unknown;
  description: string;
  /** Allowed range or values, in words ("≥ 1, ≤ 10", "one of a|b", "at least 1 item, each > 0"). */
  range: string;
}

/** The config's top-level keys, each with its schema node. */
export function schemaProps(s: Scenario): Record<string, JsonSchemaNode> {
  const schema = z.toJSONSchema(s.config, { io: "input", unrepresentable: "any" }) as JsonSchemaNode;
  return schema.properties ?? {};
}

function typeName(n: JsonSchemaNode): string {
  if (n.enum) return "enum";
  if (n.type === "array") return `${n.items ? typeName(n.items) : "value"}[]`;
  if (Array.isArray(n.type)) return n.type.join("|");
  if (n.anyOf) return n.anyOf.map(typeName).join("|");
  return n.type ?? "value";
}

/** A number's bounds, each a phrase ("≥ 1", "< 1", "a multiple of 512"); zod's ±2^53 of `.int()` is no bound a user set. */
function boundParts(n: JsonSchemaNode): string[] {
  const parts: string[] = [];
  if (n.minimum !== undefined && n.minimum > Number.MIN_SAFE_INTEGER) parts.push(`≥ ${n.minimum}`);
  if (n.exclusiveMinimum !== undefined) parts.push(`> ${n.exclusiveMinimum}`);
  if (n.maximum !== undefined && n.maximum < Number.MAX_SAFE_INTEGER) parts.push(`≤ ${n.maximum}`);
  if (n.exclusiveMaximum !== undefined) parts.push(`< ${n.exclusiveMaximum}`);
  if (n.multipleOf !== undefined && n.multipleOf !== 1) parts.push(`a multiple of ${n.multipleOf}`);
  return parts;
}

const items = (k: number) => plural(k, "item");

/** A list's length rule in words ("at least 1 item", "2 to 8 items"); "" when it has none. "1..∞ items" read as a formula. */
export function lengthText(n: JsonSchemaNode): string {
  const min = n.minItems ?? 0;
  const max = n.maxItems;
  if (max === undefined) return min > 0 ? `at least ${items(min)}` : "";
  if (min === max) return `exactly ${items(min)}`;
  return min > 0 ? `${min} to ${items(max)}` : `at most ${items(max)}`;
}

function rangeText(n: JsonSchemaNode): string {
  if (n.enum) return `one of ${n.enum.map(String).join("|")}`;
  if (n.type === "array" && n.items) {
    const inner = rangeText(n.items);
    const len = lengthText(n) || "comma-separated";
    const text = inner ? `${len}, each ${inner}` : len;
    return n.uniqueItems ? `${text}, no repeats` : text;
  }
  return boundParts(n).join(", ");
}

const andJoined = (parts: readonly string[]) =>
  parts.length <= 1 ? (parts[0] ?? "") : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;

/**
 * What a value at `n` may be, as the object of "must be …": "a number > 0 and ≤ 3600", "an integer ≥ 2 and ≤ 16",
 * "one of local|array", "true or false". The same bounds `vmlab describe` lists, said once.
 */
export function allowedText(n: JsonSchemaNode): string {
  if (n.enum) return `one of ${n.enum.map(String).join("|")}`;
  const t = Array.isArray(n.type) ? n.type[0] : n.type;
  if (t === "boolean") return "true or false";
  if (t === "array") return `a comma-separated list${n.items ? ` of ${allowedText(n.items)} values` : ""}`;
  const bounds = andJoined(boundParts(n));
  const noun = t === "integer" ? "an integer" : t === "number" ? "a number" : `a ${typeName(n)}`;
  return bounds ? `${noun} ${bounds}` : noun;
}

export function describeParams(s: Scenario): ParamInfo[] {
  return Object.entries(schemaProps(s)).map(([name, n]) => ({
    name,
    type: typeName(n),
    default: n.default,
    description: n.description ?? "",
    range: rangeText(n),
  }));
}
