import { QosErrors } from "../errors.js";
import { requireInteger } from "../validate.js";

/**
 * PARDA's latency aggregation (§4.2): a shared file on the volume with one
 * block per host. Each host, on its own control period, writes its smoothed
 * latency and IO count into its block and reads the whole file back with one
 * large IO, computing the cluster-wide average latency weighted by IO count.
 * There is no coordinator: each host reads whatever the others last wrote,
 * so the values it sees are up to one control period old. (The file's one
 * read and one write per host per period are not charged to the array; at
 * 2 s periods they are a few IOs among thousands.)
 */
export class SharedLatencyFile {
  private readonly latencyNs: Float64Array;
  private readonly ioCount: Float64Array;

  constructor(readonly hosts: number) {
    // 2.5 hosts made 2 blocks: host 2's write was dropped and the average read a block past the end (NaN, reported as 0: "no IO").
    requireInteger("hosts", hosts, 1);
    this.latencyNs = new Float64Array(hosts);
    this.ioCount = new Float64Array(hosts);
  }

  /** Host `host` writes its block. */
  write(host: number, smoothedLatencyNs: number, ios: number): void {
    // A typed array drops a write past its end: host 5 of 3 was ignored without a word.
    if (!(Number.isInteger(host) && host >= 0 && host < this.hosts)) throw QosErrors.unknownFlow("host", host, this.hosts);
    // A negative count or a NaN latency turned the weighted average into 0 ("no IO": every window grew) or NaN.
    if (!(smoothedLatencyNs >= 0 && smoothedLatencyNs < Number.POSITIVE_INFINITY))
      throw QosErrors.badConfig("smoothedLatencyNs", `host ${host}'s latency must be a finite number >= 0, got ${smoothedLatencyNs}`);
    if (!(Number.isInteger(ios) && ios >= 0))
      throw QosErrors.badConfig("ios", `host ${host}'s IO count must be an integer >= 0, got ${ios}`);
    this.latencyNs[host] = smoothedLatencyNs;
    this.ioCount[host] = ios;
  }

  /** The cluster-wide average latency (ns) a host computes after reading the file; 0 if no host did IO. */
  average(): number {
    let sum = 0;
    let n = 0;
    for (let h = 0; h < this.hosts; h++) {
      sum += this.latencyNs[h] * this.ioCount[h];
      n += this.ioCount[h];
    }
    return n > 0 ? sum / n : 0;
  }
}
