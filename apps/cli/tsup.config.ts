import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig, type Options } from "tsup";

type EsbuildPlugin = NonNullable<Options["esbuildPlugins"]>[number];

const ownPackageJson = fileURLToPath(new URL("./package.json", import.meta.url));

/**
 * The CLI imports its package.json for what it reads there: `version` (src/version.ts, results.json) and its
 * `@vmlab/*` dependencies (src/plugins.ts: the plugin packages). Bundled whole, it put the scripts, description
 * and every other field into dist, so editing a script changed the build. The bundle gets those two fields only;
 * a field the CLI starts to read must be added here (apps/cli/test/bundle-package-json.test.ts runs the built CLI).
 */
const packageJsonFieldsUsed: EsbuildPlugin = {
  name: "vmlab-package-json-fields-used",
  setup(build) {
    build.onLoad({ filter: /[\\/]package\.json$/ }, (args) => {
      if (args.path !== ownPackageJson) return undefined;
      const pkg = JSON.parse(readFileSync(args.path, "utf8")) as { version: string; dependencies: Record<string, string> };
      const dependencies = Object.fromEntries(Object.entries(pkg.dependencies).filter(([name]) => name.startsWith("@vmlab/")));
      return { contents: JSON.stringify({ version: pkg.version, dependencies }), loader: "json" };
    });
  },
};

export default defineConfig({
  entry: ["src/index.ts", "src/bin.ts"],
  format: ["esm"],
  dts: { entry: "src/index.ts" },
  clean: true,
  sourcemap: true,
  target: "node20",
  splitting: true,
  esbuildPlugins: [packageJsonFieldsUsed],
});
