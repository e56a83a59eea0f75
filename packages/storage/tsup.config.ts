import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/plugin.ts"],
  format: ["esm"],
  // @internal members (event handlers' entry points, the kernel's process plumbing) stay out of the published
  // types; packages/test-utils/src/dist-types.test.ts checks none is left and that nothing public needs one.
  dts: { compilerOptions: { stripInternal: true } },
  clean: true,
  sourcemap: true,
  target: "node20",
  splitting: true,
});
