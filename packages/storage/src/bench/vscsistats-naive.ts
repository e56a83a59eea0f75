import { VSCSI_HISTOGRAMS } from "../vscsistats/bins.js";

/**
 * The naive way to compute vscsiStats from an MSR Cambridge CSV, as a
 * baseline measured in the same run as ours: split the whole text into lines,
 * match each with a regular expression, keep the outstanding IOs' completion
 * times in an array scanned at every issue, scan the last 16 IOs for the
 * closest, and find buckets by linear search. Same histograms (checked by
 * the bench), no streaming.
 */
export function naiveVscsiStats(text: string): number[][] {
  const counts = VSCSI_HISTOGRAMS.map((s) => new Array<number>(s.limits.length + 1).fill(0));
  const add = (h: number, v: number) => {
    const limits = VSCSI_HISTOGRAMS[h].limits;
    let b = 0;
    while (b < limits.length && v > limits[b]) b++;
    counts[h][b]++;
  };
  const line = /^(\d+),([^,]*),(\d+),(Read|Write),(\d+),(\d+),(\d+)$/i;
  const open: { end: number; isRead: boolean }[] = [];
  let first: bigint | null = null;
  const prevLast = [Number.NaN, Number.NaN, Number.NaN];
  const prevTime = [Number.NaN, Number.NaN, Number.NaN];
  const recent: number[] = [];
  for (const raw of text.split("\n")) {
    const m = line.exec(raw.trim());
    if (!m) continue;
    const ts = BigInt(m[1]);
    first ??= ts;
    const t = Number(ts - first) * 100;
    const isRead = m[4].toLowerCase() === "read";
    const split = isRead ? 1 : 2;
    const offset = Number(m[5]);
    const bytes = Number(m[6]);
    const response = Number(m[7]) * 100;
    const lba = Math.floor(offset / 512);
    const last = Math.ceil((offset + bytes) / 512) - 1;
    for (let i = open.length - 1; i >= 0; i--) if (open[i].end <= t) open.splice(i, 1);
    open.push({ end: t + response, isRead });
    add(0, bytes);
    add(split, bytes);
    for (const s of [0, split]) {
      if (!Number.isNaN(prevLast[s])) add(3 + s, lba - prevLast[s]);
      prevLast[s] = last;
      if (!Number.isNaN(prevTime[s])) add(13 + s, Math.floor((t - prevTime[s]) / 1000));
      prevTime[s] = t;
    }
    if (recent.length > 0) {
      // The closest by a plain scan (the smallest |distance|, the positive one on a tie): a sort of 16 values
      // per IO doubled this baseline's time, work no naive version needs.
      let best = lba - recent[0];
      for (const r of recent) {
        const d = lba - r;
        if (Math.abs(d) < Math.abs(best) || (Math.abs(d) === Math.abs(best) && d > best)) best = d;
      }
      add(6, best);
    }
    recent.push(last);
    if (recent.length > 16) recent.shift();
    add(7, Math.floor(response / 1000));
    add(7 + split, Math.floor(response / 1000));
    add(10, open.length);
    add(10 + split, open.filter((o) => o.isRead === isRead).length);
  }
  return counts;
}
