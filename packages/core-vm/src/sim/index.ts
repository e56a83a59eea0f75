export { checkExponential, Discrete, Empirical, exponential, lognormal, normal, pareto, uniform, Zipf } from "./distributions.js";
export { EventQueue, type PendingEvent } from "./event-queue.js";
export { type HistogramState, HistogramStateSchema, LogHistogram } from "./histogram.js";
export { Counter, TimeSeries, TimeWeighted } from "./metrics.js";
export { Process, type ProcessBody, Waitable } from "./process.js";
export { Rng, type RngState, RngStateSchema, RngStreams, type RngStreamsState, RngStreamsStateSchema } from "./rng.js";
export { type EventHandler, type RunOptions, Simulation, type SimulationState, SimulationStateSchema } from "./simulation.js";
export { Resource, Signal, Store } from "./sync.js";
export { NS_PER_MS, NS_PER_S, NS_PER_US } from "./time.js";
