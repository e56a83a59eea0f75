/**
 * A flag's whole number (`--seed`, `--ram`, `--max-insns`, `--reorder-window`, …) written in digits, spaces around
 * allowed; NaN for anything else — a sign, a fraction, an exponent ("5.0", "1e3": `--set` takes those for a config
 * value, and its decimal rule is said there), or a number past 2^53. Each caller checks its own range and says it.
 */
export function wholeNumber(text: string): number {
  const t = text.trim();
  const n = Number(t);
  return /^\d+$/.test(t) && Number.isSafeInteger(n) ? n : Number.NaN;
}
