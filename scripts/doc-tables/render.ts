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

/** A selector's condition: a column, how it compares, the text or number it compares with. */
type Condition = readonly [column: string, op: string, value: string];

/**
 * Parses `k=v,k2>=n`: `=` and `!=` compare the cell as text; `<`, `<=`, `>`, `>=` compare numbers
 * (the cell must be a number). A comma starts the next condition only before `column=` (or `column<`…,
 * no space before the operator): values may hold commas ("PARDA, L = 30 ms").
 */
function parseConditions(selector: string, where: string): Condition[] {
  return selector.split(/,(?=\s*[\w.-]+(?:!=|<=|>=|=|<|>))/).map((c) => {
    const m = /^\s*([\w.-]+)(!=|<=|>=|=|<|>)(.*)$/s.exec(c);
    if (!m) throw new Error(`${where}: "${c}" in [${selector}] is not column=value (or !=, <, <=, >, >=)`);
    const value = m[3].trim();
    if (m[2] !== "=" && m[2] !== "!=" && !/^-?\d+(\.\d+)?$/.test(value))
      throw new Error(`${where}: "${c}" in [${selector}] compares with "${value}", not a number`);
    return [m[1], m[2], value] as const;
  });
}

function matches(row: Row, [k, op, v]: Condition, where: string, what: string): boolean {
  if (!(k in row)) return false;
  const cell = row[k];
  if (op === "=") return String(cell) === v;
  if (op === "!=") return String(cell) !== v;
  if (typeof cell !== "number")
    throw new Error(`${where}: ${what} column "${k}" is "${String(cell)}", not a number to compare (${k}${op}${v})`);
  const n = Number(v);
  return op === "<" ? cell < n : op === "<=" ? cell <= n : op === ">" ? cell > n : cell >= n;
}

/** The rows a selector matches: every row for an empty selector, else those meeting every condition. */
function selectRows(rows: Row[], selector: string, where: string, what: string): Row[] {
  if (selector.trim() === "") return rows;
  // Text conditions first: a numeric one is only asked of the rows they select (a "none" elsewhere in the column is no error).
  const conds = parseConditions(selector, where).sort(
    (a, b) => Number(a[1] !== "=" && a[1] !== "!=") - Number(b[1] !== "=" && b[1] !== "!="),
  );
  // A column no row has is a misspelling (`storag=local`): named, not "matches no row".
  for (const [k] of conds)
    if (!rows.some((r) => k in r))
      throw new Error(`${where}: ${what} has no column "${k}" (it has ${Object.keys(rows[0] ?? {}).join(", ")})`);
  return rows.filter((r) => conds.every((c) => matches(r, c, where, what)));
}

/** `k=v,k2=v2` (conditions as in parseConditions) matching exactly one row, or a row index. */
function selectRow(rows: Row[], selector: string, where: string, what: string): Row {
  if (/^\d+$/.test(selector.trim())) {
    const row = rows[Number(selector)];
    if (!row) throw new Error(`${where}: ${what} has no row ${selector}`);
    return row;
  }
  const found = selectRows(rows, selector, where, what);
  if (found.length !== 1) throw new Error(`${where}: ${what}[${selector}] matches ${found.length} rows, not one`);
  return found[0];
}

/** The aggregates over the rows a selector matches: `{min(table[selector].column)}`. */
const AGGREGATES: Record<string, (xs: number[]) => number> = {
  min: (xs) => Math.min(...xs),
  max: (xs) => Math.max(...xs),
  // The middle value; of an even count, the mean of the two middle ones.
  median: (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const h = s.length >> 1;
    return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
  },
};

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
 * - `?TEXT` prints TEXT for a missing value, 0, "none" or an empty string; a missing value is also a
 *   column the row lacks (renderTemplate: one another row of its table has)
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
 * - `{min(table[selector].column):fmt}`, `max(…)`, `median(…)`: over every row the selector matches
 *   (at least one; an empty selector is every row); a selector's condition is `k=v`, `k!=v` (as text)
 *   or `k<n`, `k<=n`, `k>n`, `k>=n` (as numbers). `{range(…):fmt}` prints `min–max`, each formatted,
 *   or one figure when both print the same (text: not a term of an expression)
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
      const range = /^range(\(.*\))$/.exec(ref.trim());
      if (range && terms.length === 1) {
        // The lowest and highest value, each formatted: one figure when they print the same.
        const lo = formatValue(lookup(`min${range[1]}`), fmt, here);
        const hi = formatValue(lookup(`max${range[1]}`), fmt, here);
        return lo === hi ? lo : `${lo}–${hi}`;
      }
      if (terms.some((t) => /^range\(/.test(t))) throw new Error(`${here}: range(…) is text ("0.67–0.74"), not a value of an expression`);
      // A lone value with a `?TEXT` fallback may be a cell its row lacks (an expression needs every value).
      const value = terms.length === 1 ? lookup(ref, fmt?.includes("?") === true) : evaluate(terms, lookup, here);
      return formatValue(value, fmt, here);
    });

    /**
     * The value `ref` names. `optional` (a `?TEXT` format): a cell whose row lacks the column is undefined, as
     * results.json leaves out a reference row's `tolerance` and `verdict` when it has none; a column no row of the
     * table has is still a misspelling, and fails.
     */
    function lookup(ref: string, optional = false): Value | undefined {
      const here = `${at}, {${ref}}`;
      let value: Value | undefined;
      const rel = /^(?:\[([^\]]*)\])?\.(.+)$/.exec(ref);
      const cell = /^([\w.-]+)\[([^\]]*)\]\.(.+)$/.exec(ref);
      const agg = /^(\w+)\(\s*([\w.-]+)\[([^\]]*)\]\.([^()]+?)\s*\)$/.exec(ref);
      if (agg) {
        const fn = AGGREGATES[agg[1]];
        if (!fn) throw new Error(`${here}: no aggregate "${agg[1]}" (${Object.keys(AGGREGATES).join(", ")})`);
        const [, , table, selector, column] = agg;
        const rows = selectRows(tableRows(results, table, here), selector, here, table);
        if (rows.length === 0) throw new Error(`${here}: ${table}[${selector}] matches no row`);
        const xs = rows.map((row) => {
          if (!(column in row)) throw new Error(`${here}: table ${table} has no column "${column}"`);
          const x = row[column];
          if (typeof x !== "number" || !Number.isFinite(x))
            throw new Error(`${here}: ${table}[${selector}] has "${String(x)}" in column "${column}", not a finite number`);
          return x;
        });
        value = fn(xs);
      } else if (/^\w+\(/.test(ref)) {
        throw new Error(`${here}: not an aggregate: want min(table[selector].column), max(…) or median(…)`);
      } else if (rel) {
        if (!base) throw new Error(`${here}: {.column} needs the line to start with @table[selector]`);
        const selector = rel[1] ? `${base.selector},${rel[1]}` : base.selector;
        value = cellOf(tableRows(results, base.table, here), selector, rel[2], base.table, here, optional);
      } else if (cell) {
        value = cellOf(tableRows(results, cell[1], here), cell[2], cell[3], cell[1], here, optional);
      } else {
        if (!(ref in results.metrics)) throw new Error(`${here}: the run has no metric "${ref}"`);
        value = results.metrics[ref];
      }
      return value;
    }
  });
}

/** The `column` cell of the one row `selector` picks; undefined when `optional` and only that row lacks the column. */
function cellOf(rows: Row[], selector: string, column: string, table: string, where: string, optional: boolean): Value | undefined {
  const row = selectRow(rows, selector, where, table);
  if (column in row) return row[column];
  if (optional && rows.some((r) => column in r)) return undefined;
  throw new Error(`${where}: table ${table} has no column "${column}"`);
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
