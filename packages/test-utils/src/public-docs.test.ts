/**
 * Every export of the entry points a library user builds a testbed from — `@vmlab/core-vm` (the machine, its CPU
 * constants and virtio devices), `@vmlab/core-vm/sim`, the plugin API a scenario is written against,
 * `@vmlab/storage` and `@vmlab/qos` — has a doc comment, so an editor's hover
 * and the built `.d.ts` say what it is (docs/extending.md). Options interfaces, saved-state types, the
 * error catalogues and constants had none (`StorageErrors`' began with `@vmlab/…`, which TSDoc reads as a tag).
 * Checked on `src/` through the `@vmlab/source` condition, as the typechecker reads it: no build needed.
 */
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./golden.js";

const ENTRY_POINTS = [
  "core-vm/src/index.ts",
  "core-vm/src/sim/index.ts",
  "core-vm/src/plugin-api.ts",
  "storage/src/index.ts",
  "qos/src/index.ts",
];

const root = repoRoot();
const entries = ENTRY_POINTS.map((e) => join(root, "packages", e));
const program = ts.createProgram(entries, {
  strict: true,
  noEmit: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  customConditions: ["@vmlab/source"],
});
const checker = program.getTypeChecker();

/** The exports of `entry` whose declaration has no doc comment. */
function undocumented(entry: string): string[] {
  const source = program.getSourceFile(entry);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`${entry}: not a module`);
  return checker
    .getExportsOfModule(module)
    .filter((exported) => {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      return ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() === "";
    })
    .map((s) => s.name)
    .sort();
}

describe("public exports carry a doc comment", () => {
  it.each(ENTRY_POINTS)(
    "%s",
    (entry) => {
      expect(undocumented(join(root, "packages", entry))).toEqual([]);
    },
    60_000,
  );
});
