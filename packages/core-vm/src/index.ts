export { findGuestElf } from "./bench/cpu-bench.js";
export { bestRate, wallNs } from "./bench/timing.js";
export * from "./block/index.js";
export * from "./board/index.js";
export * from "./clock/index.js";
export * from "./cpu/index.js";
export * from "./elf/index.js";
export { CoreErrors, checkOptionNames, describeIssues, isVmlabError, VmlabError } from "./errors.js";
export * from "./host/index.js";
export * from "./memory/index.js";
export * from "./net/index.js";
export {
  type Benchmark,
  type BenchmarkResult,
  type DiskModel,
  defineScenario,
  type Figure,
  type ReferenceValue,
  type Scenario,
  type ScenarioCheckContext,
  type ScenarioContext,
  type ScenarioResult,
  type Table,
  type VmlabPlugin,
} from "./plugin-api.js";
export { plural } from "./plural.js";
export {
  atLeast,
  atLeastShare,
  between,
  checkedBy,
  exactShare,
  holds,
  lessThan,
  lessThanRelative,
  moreThan,
  percent,
  type ReferenceCheck,
  type ReferenceVerdict,
  verdictOf,
  withinAbsolute,
  withinRelative,
} from "./reference-checks.js";
export {
  asCheckRefusal,
  asScenarioConfigError,
  type ConfigRefusal,
  SCENARIO_BAD_CONFIG,
  scenarioConfigError,
} from "./scenario-config-error.js";
export { eachOnce } from "./scenario-fields.js";
export * from "./sim/index.js";
export * from "./snapshot/index.js";
export * from "./virtio/index.js";
