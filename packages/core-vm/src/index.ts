export { CoreErrors, isVmlabError, VmlabError } from "./errors.js";
export {
  type Benchmark,
  type BenchmarkResult,
  defineScenario,
  type Figure,
  type ReferenceValue,
  type Scenario,
  type ScenarioContext,
  type ScenarioResult,
  type Table,
  type VmlabPlugin,
} from "./plugin-api.js";
export * from "./sim/index.js";
