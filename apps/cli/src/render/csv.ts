import type { Table } from "@vmlab/core-vm";

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** RFC 4180 CSV of a result table, columns in the table's order. */
export function tableToCsv(t: Table): string {
  return [...tableCsvChunks(t)].join("");
}

/** Rows per chunk of `tableCsvChunks`: tens of KB per write. */
const ROWS_PER_CHUNK = 2000;

/** `tableToCsv(t)` in chunks of rows, for writing a long table without holding its whole CSV as one string. */
export function* tableCsvChunks(t: Table): Generator<string> {
  let chunk = `${t.columns.map(cell).join(",")}\n`;
  for (let from = 0; from < t.rows.length; from += ROWS_PER_CHUNK) {
    const to = Math.min(t.rows.length, from + ROWS_PER_CHUNK);
    for (let k = from; k < to; k++) chunk += `${t.columns.map((c) => cell(t.rows[k][c])).join(",")}\n`;
    yield chunk;
    chunk = "";
  }
  if (chunk !== "") yield chunk;
}

/** A table name made safe as a file name. */
export function fileStem(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "table";
}
