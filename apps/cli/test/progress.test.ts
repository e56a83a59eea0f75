import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgress } from "../src/progress.js";

/** A terminal-like stream that records what is written to it. */
function fakeTerminal(columns = 60): { stream: NodeJS.WritableStream; written: () => string } {
  let out = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  Object.assign(stream, { isTTY: true, columns });
  return { stream, written: () => out };
}

const io = { stdout: () => {}, stderr: () => {}, stderrIsTTY: true };

describe("the progress bar on a terminal", () => {
  it("changes no terminal mode while it runs, so a Ctrl-C (which kills a synchronous run at once) leaves the terminal as it was", () => {
    const t = fakeTerminal();
    const p = createProgress(io, "parda-equal-shares", t.stream);
    p.update(0, 10);
    p.update(5, 10);
    // What a user's terminal has received when Ctrl-C lands here: no hidden cursor, no line wrapping turned off.
    expect(t.written()).toContain("parda-equal-shares [");
    expect(t.written()).not.toContain("\x1b[?25l");
    expect(t.written()).not.toContain("\x1b[?7l");
    p.stop();
  });

  it("keeps each redraw within the terminal's width (it does not rely on line wrapping being off)", () => {
    const t = fakeTerminal();
    const p = createProgress(io, "a-scenario-with-a-rather-long-identifier", t.stream);
    p.update(1, 3);
    const esc = String.fromCharCode(27);
    const redraws = t.written().split(`${esc}[1G`).slice(1);
    expect(redraws.length).toBeGreaterThan(0);
    for (const r of redraws) expect(r.split(`${esc}[`)[0].length).toBeLessThanOrEqual(60);
    p.stop();
  });

  it("shows the steps done as a whole number when a scenario reports a fraction of a step (a trace's bytes read)", () => {
    const t = fakeTerminal(120);
    const p = createProgress(io, "vscsistats-characterize", t.stream);
    p.update(4.180975129970493, 5);
    expect(t.written()).toContain("83% 4/5");
    expect(t.written()).not.toMatch(/4\.18/);
    p.stop();
  });

  it("is silent when stderr is not a terminal", () => {
    const t = fakeTerminal();
    const p = createProgress({ ...io, stderrIsTTY: false }, "x", t.stream);
    p.update(1, 2);
    p.stop();
    expect(t.written()).toBe("");
  });
});
