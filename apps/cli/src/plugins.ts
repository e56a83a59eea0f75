import type { Benchmark, DiskModel, Scenario, VmlabPlugin } from "@vmlab/core-vm";
import pkg from "../package.json" with { type: "json" };
import { CliErrors } from "./errors.js";

/**
 * Plugin discovery: every `@vmlab/*` dependency of the CLI that exports a
 * `./plugin` subpath contributes scenarios and benchmarks. A new scenario
 * needs no CLI change; a new package needs one dependency line.
 */
let cache: Promise<VmlabPlugin[]> | undefined;

export function loadPlugins(): Promise<VmlabPlugin[]> {
  cache ??= discover();
  return cache;
}

async function discover(): Promise<VmlabPlugin[]> {
  const names = Object.keys(pkg.dependencies)
    .filter((n) => n.startsWith("@vmlab/"))
    .sort();
  const plugins: VmlabPlugin[] = [];
  for (const name of names) {
    let mod: { plugin?: VmlabPlugin };
    try {
      mod = (await import(`${name}/plugin`)) as { plugin?: VmlabPlugin };
    } catch (e) {
      if ((e as { code?: string }).code === "ERR_PACKAGE_PATH_NOT_EXPORTED") continue;
      throw e;
    }
    if (mod.plugin) plugins.push(mod.plugin);
  }
  return plugins;
}

export interface ScenarioEntry {
  scenario: Scenario;
  package: string;
}

export async function allScenarios(): Promise<ScenarioEntry[]> {
  const out: ScenarioEntry[] = [];
  for (const p of await loadPlugins()) for (const s of p.scenarios) out.push({ scenario: s, package: p.package });
  return out.sort((a, b) => a.scenario.id.localeCompare(b.scenario.id));
}

export async function findScenario(id: string): Promise<ScenarioEntry> {
  const all = await allScenarios();
  const hit = all.find((e) => e.scenario.id === id);
  if (!hit)
    throw CliErrors.unknownScenario(
      id,
      all.map((e) => e.scenario.id),
    );
  return hit;
}

export interface BenchmarkEntry {
  benchmark: Benchmark;
  package: string;
}

export async function allBenchmarks(): Promise<BenchmarkEntry[]> {
  const out: BenchmarkEntry[] = [];
  for (const p of await loadPlugins()) for (const b of p.benchmarks) out.push({ benchmark: b, package: p.package });
  return out;
}

/** The disk timing models every package offers (`vmlab boot --disk-model`), by name. */
export async function allDiskModels(): Promise<DiskModel[]> {
  const out: DiskModel[] = [];
  for (const p of await loadPlugins()) out.push(...(p.diskModels ?? []));
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Versions of the vmlab packages, for results.json. */
export async function packageVersions(): Promise<Record<string, string>> {
  const versions: Record<string, string> = { vmlab: pkg.version };
  for (const name of Object.keys(pkg.dependencies)
    .filter((n) => n.startsWith("@vmlab/"))
    .sort()) {
    try {
      const m = (await import(`${name}/package.json`, { with: { type: "json" } })) as { default: { version: string } };
      versions[name] = m.default.version;
    } catch {
      versions[name] = "unknown";
    }
  }
  return versions;
}
