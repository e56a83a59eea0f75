import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./golden.js";
import { startWatchdog } from "./watchdog.js";

const watchdogModule = fileURLToPath(new URL("./watchdog.ts", import.meta.url));

/** Runs `body` (a script) in a fresh node with a watchdog of `limitMs` already started. */
function runWithWatchdog(limitMs: number, body: string) {
  const script = `import { startWatchdog } from ${JSON.stringify(watchdogModule)};
const dog = startWatchdog(${limitMs});
dog.label("the label");
${body}`;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: repoRoot(),
    encoding: "utf8",
    timeout: 60_000,
  });
  return { ...r, ms: Date.now() - t0 };
}

describe("test watchdog", () => {
  it("kills a process stuck in synchronous code past the limit and names what ran", () => {
    // Bounded at 30 s, so a broken watchdog fails here instead of hanging.
    const r = runWithWatchdog(2000, "setTimeout(() => { const t = Date.now(); while (Date.now() - t < 30000) {} }, 100);");
    expect(r.signal).toBe("SIGKILL");
    expect(r.stderr).toContain("vmlab test watchdog");
    expect(r.stderr).toContain("Running: the label");
    expect(r.ms).toBeLessThan(15_000);
  });

  it("leaves alone synchronous stretches under the limit, and does not keep a finished process alive", () => {
    const r = runWithWatchdog(
      3000,
      "setTimeout(() => { const t = Date.now(); while (Date.now() - t < 1500) {} console.log('finished'); }, 100);",
    );
    expect(r.stderr).toBe("");
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("finished");
    expect(r.stderr).not.toContain("watchdog");
  });

  it("is wired into vitest: a test that never returns fails its file, named, within the limit", () => {
    const config = fileURLToPath(new URL("./fixtures/hang.vitest.config.ts", import.meta.url));
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run", "--config", config], {
      cwd: repoRoot(),
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, VMLAB_TEST_HANG_MS: "3000", FORCE_COLOR: "0" },
    });
    const out = r.stdout + r.stderr;
    expect(r.status).not.toBe(0);
    expect(out).toContain("vmlab test watchdog");
    expect(out).toContain("hang.fixture.ts > loops forever");
    expect(Date.now() - t0).toBeLessThan(25_000);
  });

  it("refuses a limit too short to tell a hang from a busy moment", () => {
    expect(() => startWatchdog(500)).toThrow(RangeError);
  });
});
