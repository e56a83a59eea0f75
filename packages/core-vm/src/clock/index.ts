export { type Clock, VirtualClock } from "./clock.js";
export { hostSleepNs, hostTimeNs, LiveClock, type LiveClockOptions } from "./live-clock.js";
export { runWithClock } from "./run.js";
