import { describe, expect, it, vi } from "vitest";
import type { CliIo } from "../src/io.js";
import { main } from "../src/main.js";
import { scratchDir } from "./scratch.js";

/** What a terminal on stderr received from the progress bar of `vmlab run`. */
const terminal = vi.hoisted(() => ({ text: "" }));

vi.mock("../src/progress.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../src/progress.js")>();
  const { Writable: W } = await import("node:stream");
  return {
    createProgress: (io: CliIo, label: string) => {
      const stream = new W({
        write(chunk, _enc, done) {
          terminal.text += String(chunk);
          done();
        },
      });
      Object.assign(stream, { isTTY: true, columns: 80 });
      return actual.createProgress(io, label, stream);
    },
  };
});

describe("vmlab run on a terminal", () => {
  it("shows the scenario's progress in a bar, clears it when the run ends, and stops redrawing it (a live bar keeps vmlab from exiting)", async () => {
    const out = scratchDir("vmlab-progress-");
    let stderr = "";
    const io: CliIo = {
      stdout: () => {},
      stderr: (t) => {
        stderr += t;
      },
      stderrIsTTY: true,
      stdoutBytes: () => {},
    };
    const code = await main(
      ["run", "queue-validation", "--quick", "--set", "servers=1", "--set", "utilizations=0.2,0.5", "--out", out],
      io,
    );
    expect(code).toBe(0);
    expect(stderr).toMatch(/queue-validation done/);
    // The scenario reports its points as it goes: the bar shows them, up to all of them.
    expect(terminal.text).toMatch(/queue-validation \[.*\] \d+% \d+\/2/);
    expect(terminal.text).toMatch(/100% 2\/2/);
    // Cleared: the last thing written erases the bar's whole line, so "done" is not printed over a stale bar.
    expect(terminal.text.endsWith(`${String.fromCharCode(27)}[2K`)).toBe(true);
    const written = terminal.text.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(terminal.text.length).toBe(written);
  });
});
