/**
 * Rendering a mark's template from a run's results.json: placeholders, number formats and expressions.
 */

export type Value = string | number | boolean | null;
export type Row = Record<string, Value>;

export interface Results {
  metrics: Record<string, Value>;
  tables: { name: string; rows: Row[] }[];
  reference?: Row[];
}

function tableRows(results: Results, name: string, where: string): Row[] {
  if (name === "reference" && results.reference) return results.reference;
  const t = results.tables.find((t) => t.name === name);
  if (!t) throw new Error(`${where}: the run has no table "${name}" (it has ${results.tables.map((t) => t.name).join(", ")})`);
  return t.rows;
}

/** `k=v,k2=v2` (each column equal to the text) or a row index. */
function selectRow(rows: Row[], selector: string, where: string, what: string): Row {
  if (/^\d+$/.test(selector.trim())) {
    const row = rows[Number(selector)];
    if (!row) throw new Error(`${where}: ${what} has no row ${selector}`);
    return row;
  }
  // A comma starts the next condition only before `column=`: values may hold commas ("PARDA, L = 30 ms").
  const conds = selector.split(/,(?=\s*[\w.-]+=)/).map((c) => {
    const eq = c.indexOf("=");
    if (eq < 0) throw new Error(`${where}: "${c}" in [${selector}] is not column=value`);
    return [c.slice(0, eq).trim(), c.slice(eq + 1).trim()] as const;
  });
  const found = rows.filter((r) => conds.every(([k, v]) => k in r && String(r[k]) === v));
  if (found.length !== 1) throw new Error(`${where}: ${what}[${selector}] matches ${found.length} rows, not one`);
  return found[0];
}

/**
 * |x| rounded to `decimals` places, half away from zero, on its decimal form as results.json writes
 * it (the shortest text that reads back as the number), `shift` places moved left first (2 for %).
 * Not Number.prototype.toFixed: that rounds the binary value, so 0.9215 (0.92149999…) gives 0.921.
 */
export function roundDecimal(x: number, decimals: number, shift = 0): string {
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(Math.abs(x)));
  if (!m) throw new Error(`cannot format ${x}`);
  const frac = m[2] ?? "";
  let mantissa = BigInt(m[1] + frac);
  let scale = frac.length - Number(m[3] ?? 0) - shift; // value = mantissa / 10^scale
  if (scale < 0) {
    mantissa *= 10n ** BigInt(-scale);
    scale = 0;
  }
  if (scale > decimals) {
    const unit = 10n ** BigInt(scale - decimals);
    const rest = mantissa % unit;
    mantissa = mantissa / unit + (2n * rest >= unit ? 1n : 0n);
  } else mantissa *= 10n ** BigInt(decimals - scale);
  const digits = mantissa.toString().padStart(decimals + 1, "0");
  return decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

/**
 * Formats a value. Format: [+][,]N[~][%][?TEXT]
 * - N decimals (rounded half away from zero, see roundDecimal); no format: the value as results.json has it
 * - `~` drops trailing zeros after rounding (0.9800 → 0.98, 1.000 → 1)
 * - `,` groups thousands (1,646)
 * - `%` multiplies by 100 and appends %
 * - `+` signs it: + or − (U+2212); a value that rounds to 0 prints as 0
 * - `?TEXT` prints TEXT for a missing value, 0, "none" or an empty string
 */
export function formatValue(v: Value | undefined, fmt: string | undefined, where: string): string {
  let spec = fmt ?? "";
  let absent: string | undefined;
  const q = spec.indexOf("?");
  if (q >= 0) {
    absent = spec.slice(q + 1);
    spec = spec.slice(0, q);
  }
  if (absent !== undefined && (v === undefined || v === null || v === 0 || v === "none" || v === "")) return absent;
  if (v === undefined) throw new Error(`${where}: no such value`);
  if (spec === "") return String(v);
  const m = /^(\+)?(,)?(\d+)(~)?(%)?$/.exec(spec);
  if (!m) throw new Error(`${where}: bad number format "${spec}" (want [+][,]N[~][%][?TEXT])`);
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${where}: "${String(v)}" is not a finite number (format ${spec})`);
  let text = roundDecimal(v, Number(m[3]), m[5] ? 2 : 0);
  if (m[4] && text.includes(".")) text = text.replace(/0+$/, "").replace(/\.$/, "");
  if (m[2]) {
    const [int, frac] = text.split(".");
    text = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (frac !== undefined ? `.${frac}` : "");
  }
  const zero = /^[0.,]+$/.test(text);
  if (zero && m[1]) return "0";
  const sign = v < 0 && !zero ? (m[1] ? "−" : "-") : m[1] ? "+" : "";
  return sign + text + (m[5] ? "%" : "");
}

const ROW_PREFIX = /^@([\w.-]+)\[([^\]]*)\]\s?/;
const PLACEHOLDER = /\{([^{}]+)\}/g;

/**
 * Renders a table's template from a run's results. Placeholders:
 * - `{metric:fmt}` a results.json metric
 * - `{table[selector].column:fmt}` a cell of a results table (a CSV; `reference` for the reference rows)
 * - a line starting `@table[selector] ` sets that line's row: `{.column:fmt}` is its cell, and
 *   `{[k=v].column:fmt}` the cell of the row that also matches k=v
 */
export function renderTemplate(template: string[], results: Results, where: string): string[] {
  return template.map((raw, n) => {
    const at = `${where}, template line ${n + 1}`;
    let line = raw;
    let base: { table: string; selector: string } | undefined;
    const prefix = ROW_PREFIX.exec(line);
    if (prefix) {
      base = { table: prefix[1], selector: prefix[2] };
      line = line.slice(prefix[0].length);
    }
    return line.replace(PLACEHOLDER, (_, body: string) => {
      const colon = body.indexOf(":", body.lastIndexOf("]") + 1);
      const ref = colon >= 0 ? body.slice(0, colon) : body;
      const fmt = colon >= 0 ? body.slice(colon + 1) : undefined;
      const here = `${at}, {${body}}`;
      const terms = splitExpression(ref);
      const value = terms.length === 1 ? lookup(ref) : evaluate(terms, lookup, here);
      return formatValue(value, fmt, here);
    });

    function lookup(ref: string): Value | undefined {
      const here = `${at}, {${ref}}`;
      let value: Value | undefined;
      const rel = /^(?:\[([^\]]*)\])?\.(.+)$/.exec(ref);
      const cell = /^([\w.-]+)\[([^\]]*)\]\.(.+)$/.exec(ref);
      if (rel) {
        if (!base) throw new Error(`${here}: {.column} needs the line to start with @table[selector]`);
        const selector = rel[1] ? `${base.selector},${rel[1]}` : base.selector;
        const row = selectRow(tableRows(results, base.table, here), selector, here, base.table);
        if (!(rel[2] in row)) throw new Error(`${here}: table ${base.table} has no column "${rel[2]}"`);
        value = row[rel[2]];
      } else if (cell) {
        const row = selectRow(tableRows(results, cell[1], here), cell[2], here, cell[1]);
        if (!(cell[3] in row)) throw new Error(`${here}: table ${cell[1]} has no column "${cell[3]}"`);
        value = row[cell[3]];
      } else {
        if (!(ref in results.metrics)) throw new Error(`${here}: the run has no metric "${ref}"`);
        value = results.metrics[ref];
      }
      return value;
    }
  });
}

/**
 * Splits a placeholder's reference on ` + `, ` - `, ` * `, ` / ` (the operator between spaces,
 * outside [selectors]): terms at even indices, operators at odd ones. One term: no expression.
 */
function splitExpression(ref: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref[i];
    if (c === "[") depth++;
    else if (c === "]") depth--;
    else if (depth === 0 && "+-*/".includes(c) && ref[i - 1] === " " && ref[i + 1] === " ") {
      parts.push(ref.slice(from, i - 1).trim(), c);
      from = i + 2;
    }
  }
  parts.push(ref.slice(from).trim());
  return parts;
}

/** `a / b`, `a / b - 1`, `1 - a / b`…: * and / before + and −, left to right; a term is a number or a reference. */
function evaluate(parts: string[], lookup: (ref: string) => Value | undefined, where: string): number {
  const term = (t: string): number => {
    if (t === "") throw new Error(`${where}: an operator without a value on each side`);
    if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
    const v = lookup(t);
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${where}: {${t}} is "${String(v)}", not a finite number`);
    return v;
  };
  const sums: number[] = [];
  const signs: string[] = [];
  let product = term(parts[0]);
  for (let i = 1; i < parts.length; i += 2) {
    const op = parts[i];
    const next = term(parts[i + 1]);
    if (op === "*") product *= next;
    else if (op === "/") product /= next;
    else {
      sums.push(product);
      signs.push(op);
      product = next;
    }
  }
  sums.push(product);
  let total = sums[0];
  for (let i = 0; i < signs.length; i++) total = signs[i] === "+" ? total + sums[i + 1] : total - sums[i + 1];
  if (!Number.isFinite(total)) throw new Error(`${where}: the expression is not a finite number (a division by zero?)`);
  return total;
}
