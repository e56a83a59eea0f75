/**
 * Every TypeScript file in the repository is type-checked by `npm run typecheck`. vitest strips types
 * without checking them, and each package's tsconfig.json covers only `src/` (what tsup builds), so test
 * files, helpers and scripts went unchecked until a test passed an argument its callee ignores. The configs
 * are the ones the typecheck scripts name (`tsc -p <config>`), and their file lists are TypeScript's own.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./golden.js";

const root = repoRoot();
type Scripts = Record<string, string | undefined>;
const scriptsOf = (dir: string): Scripts =>
  (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { scripts?: Scripts }).scripts ?? {};
const configsIn = (dir: string, script: string | undefined): string[] =>
  [...(script ?? "").matchAll(/(?:-p|--project)\s+(\S+)/g)].map((m) => join(dir, m[1]));

const workspaces = ["packages", "apps"].flatMap((parent) =>
  readdirSync(join(root, parent), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(root, parent, d.name)),
);
const rootScripts = scriptsOf(root);
const configs = [
  ...workspaces.flatMap((dir) => configsIn(dir, scriptsOf(dir).typecheck)),
  ...configsIn(root, rootScripts["typecheck:scripts"]),
];

/** The files a config's `include`/`files` select (not those it reaches only through imports). */
function filesOf(config: string): string[] {
  const read = ts.readConfigFile(config, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(config), undefined, config);
  expect(parsed.options.strict, `${relative(root, config)} is strict`).toBe(true);
  return parsed.fileNames.map((f) => relative(root, f));
}

describe("npm run typecheck", () => {
  it("runs every package's typecheck and the root scripts' check", () => {
    expect(rootScripts.typecheck).toMatch(/turbo run typecheck typecheck:scripts/);
    // tsconfig.test.json: tsconfig.json's options without emit, over src, tests and scripts. src alone is not checked
    // again under tsconfig.json: tsup's .d.ts build already compiles it with that config (rootDir src).
    for (const dir of workspaces)
      expect(
        configsIn(dir, scriptsOf(dir).typecheck).map((c) => relative(dir, c)),
        relative(root, dir),
      ).toEqual(["tsconfig.test.json"]);
  });

  it("includes every TypeScript file, tracked or new (tests, helpers, scripts, configs)", () => {
    const checked = new Set(configs.flatMap(filesOf));
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", "*.ts", "*.mts", "*.cts"], {
      cwd: root,
      encoding: "utf8",
    })
      .split("\n")
      // An untracked, unignored node_modules (a nested install) holds dependencies, not ours.
      .filter((f) => f !== "" && !f.endsWith(".d.ts") && !f.split("/").includes("node_modules"));
    expect(files.length).toBeGreaterThan(100);
    expect(files.filter((f) => !checked.has(f))).toEqual([]);
  });
});
