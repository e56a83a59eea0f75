import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["@vmlab/source"] },
  ssr: { resolve: { conditions: ["@vmlab/source"] } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts", "apps/*/src/**/*.test.ts", "apps/*/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Kills a test file stuck in synchronous code (which testTimeout cannot interrupt) and names the test.
    setupFiles: ["packages/test-utils/src/vitest-watchdog.ts"],
  },
});
