import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./golden.js";

const root = repoRoot();

/** The workspaces npm would publish (not `private`): each must carry the license text it names. */
function publishedWorkspaces(): { dir: string; manifest: { name: string; license?: string } }[] {
  return ["packages", "apps"]
    .flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name)))
    .filter((dir) => existsSync(join(dir, "package.json")))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }))
    .filter(({ manifest }) => manifest.private !== true);
}

/**
 * The MIT license asks that its notice ship with every copy; npm packs a LICENSE file from the package's own
 * directory (whatever `files` says), never the repository root's. The repo claimed MIT and had no license text.
 */
describe("vmlab's license", () => {
  const text = readFileSync(join(root, "LICENSE"), "utf8");

  it("the repository's LICENSE is the MIT license, and the root manifest names it", () => {
    expect(text).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} The vmlab authors\n/);
    expect(text).toContain('THE SOFTWARE IS PROVIDED "AS IS"');
    expect(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).license).toBe("MIT");
  });

  it("every published package names MIT and carries the same LICENSE file", () => {
    const published = publishedWorkspaces();
    expect(published.map((p) => p.manifest.name)).toEqual(expect.arrayContaining(["@vmlab/core-vm", "@vmlab/storage", "vmlab"]));
    for (const { dir, manifest } of published) {
      expect(manifest.license, manifest.name).toBe("MIT");
      expect(existsSync(join(dir, "LICENSE")), `${manifest.name}: LICENSE`).toBe(true);
      expect(readFileSync(join(dir, "LICENSE"), "utf8"), manifest.name).toBe(text);
    }
  });
});
