/**
 * Adds the register prologue (load every register the block mentions) and,
 * before every `return`, the write-back of every register the block writes.
 * Slow paths never read `x` except CSR instructions, whose call sits after
 * the write-back in the same return statement.
 */
export function withRegisterLocals(body: string): string {
  const used = new Set<number>();
  const written = new Set<number>();
  for (const m of body.matchAll(/\br(\d+)\b/g)) used.add(Number(m[1]));
  for (const m of body.matchAll(/\br(\d+) = /g)) written.add(Number(m[1]));
  if (used.size === 0) return body;
  const sorted = (set: Set<number>) => [...set].sort((p, q) => p - q);
  const prologue = `let ${sorted(used)
    .map((i) => `r${i} = x[${i}]`)
    .join(", ")};`;
  const writeBack = sorted(written)
    .map((i) => `x[${i}] = r${i};`)
    .join(" ");
  const patched = writeBack === "" ? body : body.replace(/return ([^;]*);/g, `{ ${writeBack} return $1; }`);
  return `${prologue}\n${patched}`;
}
