/**
 * The problem of a trace time a double would round, for a reader's bad line or record: times are doubles in ns,
 * exact only below 2^53 ns (past it IOs 1 µs apart came out 0 or 10 µs apart). One wording for every reader, each
 * naming its own field; `fromFirst` for a time kept relative to the first record's, `addsUp` for a sum (fio's waits).
 */
export function inexactTimeProblem(field: string, how: { fromFirst?: boolean; addsUp?: boolean } = {}): string {
  const from = how.fromFirst ? " from the first record's" : "";
  return `${field} ${how.addsUp ? "add up to" : "is"} 2^53 ns (about 104 days) or more${from} and would be rounded`;
}
