/**
 * The published types (`packages/<pkg>/dist/**.d.ts`, what an npm user's editor and compiler read) hold no
 * `@internal` member: the event handlers' entry points of storage's devices and the kernel's process plumbing
 * are not API, and a user who called them would break on any release. tsup's dts strips them (`stripInternal`).
 * And since the packages' own typecheck reads each other's `src/` (the `@vmlab/source` condition), the second
 * test type-checks storage, qos and the CLI against the published types instead: nothing public may depend on
 * a stripped member. Needs the build (`npm test` builds first).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./golden.js";

const PUBLISHED = ["core-vm", "storage", "qos"];
const root = repoRoot();

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return declarationFiles(path);
    return e.name.endsWith(".d.ts") ? [path] : [];
  });
}

describe("published types", () => {
  it.each(PUBLISHED)("@vmlab/%s: no @internal member in dist/*.d.ts", (pkg) => {
    const dist = join(root, "packages", pkg, "dist");
    expect(existsSync(dist), `${dist} is missing: run \`npm run build\``).toBe(true);
    const files = declarationFiles(dist);
    expect(files.length).toBeGreaterThan(0);
    const left = files.flatMap((f) =>
      readFileSync(f, "utf8")
        .split("\n")
        .flatMap((line, i) => (line.includes("@internal") ? [`${relative(root, f)}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(left).toEqual([]);
  });

  // The test below reads dist/*.d.ts with skipLibCheck, as the packages' builds do: a class in them implementing an
  // interface whose @internal member the build had stripped (Hdd, RaidGroup) failed every user's strict type-check of
  // `import … from "@vmlab/storage"` (skipLibCheck off, tsc's default) with two errors no test saw.
  it("the published types type-check themselves, as a user's tsc with skipLibCheck off reads them", () => {
    const entries = PUBLISHED.flatMap((pkg) =>
      ["index.d.ts", "plugin.d.ts"].map((f) => join(root, "packages", pkg, "dist", f)).filter((f) => existsSync(f)),
    );
    expect(entries.length).toBeGreaterThanOrEqual(PUBLISHED.length);
    const program = ts.createProgram(entries, {
      target: ts.ScriptTarget.ES2023,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      types: ["node"],
    });
    const ours = (p: string) => /\/packages\/[^/]+\/dist\//.test(p);
    const errors = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file === undefined || ours(d.file.fileName))
      .map((d) => `${d.file ? relative(root, d.file.fileName) : "?"}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
    expect(errors).toEqual([]);
  }, 180_000);

  it("storage, qos and the CLI type-check against their dependencies' published types", () => {
    const entries = [
      "packages/storage/src/index.ts",
      "packages/storage/src/plugin.ts",
      "packages/qos/src/index.ts",
      "packages/qos/src/plugin.ts",
    ]
      .concat(["apps/cli/src/index.ts", "apps/cli/src/bin.ts"])
      .map((e) => join(root, e));
    // As tsconfig.base.json, without the @vmlab/source condition: a `@vmlab/*` import reads dist/*.d.ts.
    const program = ts.createProgram(entries, {
      target: ts.ScriptTarget.ES2023,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noImplicitOverride: true,
      skipLibCheck: true,
      resolveJsonModule: true,
      esModuleInterop: true,
      noEmit: true,
      types: ["node"],
    });
    const read = (p: string) => relative(root, p);
    const published = program.getSourceFiles().filter((f) => /\/packages\/[^/]+\/dist\//.test(f.fileName));
    expect(published.map((f) => read(f.fileName)).some((f) => f.startsWith("packages/core-vm/dist/"))).toBe(true);
    const errors = ts
      .getPreEmitDiagnostics(program)
      .map((d) => `${d.file ? read(d.file.fileName) : "?"}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
    expect(errors).toEqual([]);
  }, 180_000);
});
