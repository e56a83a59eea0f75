import type { Table } from "@vmlab/core-vm";

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** RFC 4180 CSV of a result table, columns in the table's order. */
export function tableToCsv(t: Table): string {
  const lines = [t.columns.map(cell).join(",")];
  for (const row of t.rows) lines.push(t.columns.map((c) => cell(row[c])).join(","));
  return `${lines.join("\n")}\n`;
}

/** A table name made safe as a file name. */
export function fileStem(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "table";
}
