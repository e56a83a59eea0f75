import { StorageErrors } from "../errors.js";

/** One histogram block of an ESX `vscsiStats -p ... -c` printout. */
export interface EsxHistogramBlock {
  /** The title after `Histogram: `, without the world group / handle suffix. */
  title: string;
  min: number;
  max: number;
  mean: number;
  count: number;
  /** Bucket limits as printed; the last one is printed twice (the overflow row). */
  limits: number[];
  counts: number[];
}

/**
 * Reads ESX's CSV print format back (a real ESX printout or ours), so the two
 * can be compared histogram by histogram.
 */
export function parseEsxCsv(text: string, name = "vscsiStats printout"): EsxHistogramBlock[] {
  const blocks: EsxHistogramBlock[] = [];
  const lines = text.split(/\r?\n/);
  let cur: EsxHistogramBlock | null = null;
  let inRows = false;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    const bad = (issue: string) => StorageErrors.vscsiPrintoutMalformedLine(name, i + 1, issue, line);
    if (line.startsWith("Histogram: ")) {
      const rest = line.slice("Histogram: ".length);
      const cut = rest.indexOf(",virtual machine worldGroupID");
      cur = { title: cut >= 0 ? rest.slice(0, cut) : rest, min: 0, max: 0, mean: 0, count: 0, limits: [], counts: [] };
      blocks.push(cur);
      inRows = false;
      return;
    }
    if (!cur) throw bad("data before the first Histogram: line");
    const block: EsxHistogramBlock = cur;
    if (line === "Frequency,Histogram Bucket Limit") {
      inRows = true;
      return;
    }
    const [a, b, ...more] = line.split(",");
    if (b === undefined || more.length > 0) throw bad("expected two comma-separated fields");
    const num = (s: string) => {
      if (!/^-?\d+$/.test(s)) throw bad(`"${s}" is not an integer`);
      return Number(s);
    };
    if (inRows) {
      block.counts.push(num(a));
      block.limits.push(num(b));
      return;
    }
    if (a === "min" || a === "max" || a === "mean" || a === "count") block[a] = num(b);
    else throw bad(`unknown summary field "${a}"`);
  });
  return blocks;
}
