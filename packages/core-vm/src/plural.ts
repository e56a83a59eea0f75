/**
 * A count and its noun, agreeing: `plural(1, "bad line")` is "1 bad line", `plural(2, "bad line")` "2 bad lines"
 * (`manyNoun` for a plural that is not the noun + "s"). Messages said "1 bad lines skipped" and "1 IOs".
 */
export function plural(count: number, noun: string, manyNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : manyNoun}`;
}
