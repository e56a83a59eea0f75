import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../", import.meta.url));
const pkg = JSON.parse(readFileSync(join(cli, "package.json"), "utf8")) as {
  version: string;
  description: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/**
 * The built CLI (npm test builds first): its entry files and the chunks they import, with their source maps (a map's
 * sourcesContent carries what it was built from). Followed from the entries, not listed: a build restored from
 * turbo's cache leaves an earlier build's chunks beside it.
 */
function builtFiles(): { file: string; text: string }[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(join(cli, "dist", file), "utf8").matchAll(/from\s*"\.\/([\w-]+\.js)"/g)) visit(m[1]);
  };
  visit("bin.js");
  visit("index.js");
  return [...seen].flatMap((f) => [f, `${f}.map`]).map((f) => ({ file: f, text: readFileSync(join(cli, "dist", f), "utf8") }));
}
const dist = builtFiles();

describe("the CLI bundle holds only what it reads of its package.json", () => {
  it("no scripts, description or third-party dependencies: editing a script must not change dist", () => {
    // The whole package.json was embedded (the CLI imports it for its version and its @vmlab/* plugins).
    // The files followed hold what the CLI embeds of it (a plugin package is imported by a computed name only).
    expect(dist.some(({ text }) => text.includes('"@vmlab/qos"'))).toBe(true);
    // A third-party dependency's name is in the bundle as an import; its version range only as package.json's.
    const foreign = [
      ...Object.values(pkg.scripts),
      pkg.description,
      ...Object.values(pkg.devDependencies),
      ...Object.entries(pkg.dependencies)
        .filter(([n]) => !n.startsWith("@vmlab/"))
        .map(([, range]) => range),
    ];
    for (const { file, text } of dist) {
      expect(text, file).not.toMatch(/\bscripts\\?["']?\s*:/);
      for (const s of foreign) expect(text.includes(s), `${file} holds "${s}"`).toBe(false);
    }
  });

  it("still reads its version and finds every @vmlab/* plugin package", () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [join(cli, "bin/vmlab.js"), ...args], { encoding: "utf8" });
    expect(run("--version").stdout).toBe(`${pkg.version}\n`);
    const list = run("list").stdout;
    for (const name of Object.keys(pkg.dependencies).filter((n) => n.startsWith("@vmlab/"))) expect(list, name).toContain(name);
  });
});
