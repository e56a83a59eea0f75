import { exponential } from "../../sim/distributions.js";
import { LogHistogram } from "../../sim/histogram.js";
import { Resource } from "../../sim/process.js";
import type { Rng } from "../../sim/rng.js";
import { Simulation } from "../../sim/simulation.js";

export interface QueueRunParams {
  servers: number;
  /** λ: arrivals per ns. */
  arrivalRate: number;
  /** Mean service time 1/μ in ns. */
  meanServiceNs: number;
  /** Customers to measure after the warm-up. */
  customers: number;
  /** Customers discarded first so the queue reaches steady state. */
  warmup: number;
  /** Batches for the batch-means confidence interval. */
  batches: number;
}

export interface QueueRunResult {
  meanResponseNs: number;
  /** 95% half-width of the mean by batch means (Student t with batches−1 df ≈ 2.09 for 20). */
  ciHalfWidthNs: number;
  p99ResponseNs: number;
  /** Time-averaged busy servers / c over the measured period. */
  measuredUtilization: number;
  events: number;
}

/**
 * M/M/c written as SimPy would: a source process creates a customer process
 * per arrival; each customer takes a unit of a `Resource` with c units,
 * holds it for an exponential service time, and leaves.
 */
export function runMmc(p: QueueRunParams, arrivals: Rng, services: Rng): QueueRunResult {
  const sim = new Simulation({ initialCapacity: 4096 });
  const servers = new Resource(sim, p.servers);
  const total = p.warmup + p.customers;
  const batchSize = Math.max(1, Math.floor(p.customers / p.batches));
  const batchSums = new Float64Array(p.batches);
  const batchCounts = new Float64Array(p.batches);
  const hist = new LogHistogram("response");
  let finished = 0;
  let sum = 0;
  let busyArea = 0;
  let lastChange = 0;
  let measureStart = -1;
  const meanInterarrival = 1 / p.arrivalRate;

  const noteBusyChange = () => {
    if (measureStart >= 0) busyArea += servers.inUse * (sim.now - lastChange);
    lastChange = sim.now;
  };

  function* customer(): Generator<unknown, void, unknown> {
    const arrived = sim.now;
    noteBusyChange();
    yield servers;
    noteBusyChange();
    yield exponential(services, p.meanServiceNs);
    noteBusyChange();
    servers.release();
    const k = finished++;
    if (k === p.warmup) {
      measureStart = sim.now;
      lastChange = sim.now;
      busyArea = 0;
    }
    if (k >= p.warmup) {
      const r = sim.now - arrived;
      sum += r;
      hist.record(r);
      const b = Math.min(p.batches - 1, Math.floor((k - p.warmup) / batchSize));
      batchSums[b] += r;
      batchCounts[b]++;
      if (k + 1 === total) sim.stop();
    }
  }

  sim.process(function* source() {
    for (let i = 0; i < total; i++) {
      yield exponential(arrivals, meanInterarrival);
      sim.process(customer, "customer");
    }
  }, "source");
  sim.run();

  const n = p.customers;
  const mean = sum / n;
  let ss = 0;
  let used = 0;
  for (let b = 0; b < p.batches; b++) {
    if (batchCounts[b] === 0) continue;
    const m = batchSums[b] / batchCounts[b];
    ss += (m - mean) ** 2;
    used++;
  }
  const sdOfMean = used > 1 ? Math.sqrt(ss / (used - 1) / used) : Number.NaN;
  const busy = busyArea + servers.inUse * (sim.now - lastChange);
  return {
    meanResponseNs: mean,
    ciHalfWidthNs: 2.09 * sdOfMean,
    p99ResponseNs: hist.quantile(0.99),
    measuredUtilization: busy / ((sim.now - measureStart) * p.servers),
    events: sim.executed,
  };
}
