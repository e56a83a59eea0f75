/**
 * Every changeset is one `changeset version` can read: YAML frontmatter between `---` lines naming
 * workspace packages with a bump type, then a summary. Two early ones had their frontmatter turned
 * into a Markdown heading, which `changeset status` refuses, and nothing noticed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./golden.js";

const root = repoRoot();
const workspaceNames = ["packages", "apps"].flatMap((dir) =>
  readdirSync(join(root, dir), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => (JSON.parse(readFileSync(join(root, dir, d.name, "package.json"), "utf8")) as { name: string }).name),
);

describe("changesets", () => {
  const dir = join(root, ".changeset");
  const files = readdirSync(dir).filter((f) => f.endsWith(".md") && f !== "README.md");

  it.each(files)("%s has frontmatter naming workspace packages and a summary", (file) => {
    const text = readFileSync(join(dir, file), "utf8");
    const m = /^---\n((?:"[^"\n]+": (?:major|minor|patch)\n)+)---\n([\s\S]*)$/.exec(text);
    expect(m, `${file}: frontmatter must be ---, lines "package": major|minor|patch, ---`).not.toBeNull();
    const names = [...(m?.[1] ?? "").matchAll(/"([^"]+)":/g)].map((x) => x[1]);
    for (const name of names) expect(workspaceNames, `${file} names ${name}`).toContain(name);
    expect(m?.[2].trim().length ?? 0).toBeGreaterThan(0);
  });
});
